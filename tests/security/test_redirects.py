"""No open redirect (SECURITY.md C.19, ASVS 3.7.2): `next` only ever leads to a path on this site."""
from urllib.parse import urlsplit

import pytest

from tests.factories import PASSWORD, make_user

OFFSITE = [
    "//evil.example",
    "///evil.example",
    "https://evil.example",
    "https://evil.example/communities",
    "HTTPS://evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/\\evil.example",
    "\\\\evil",
    "\\/evil.example",
    "http:evil",
    "http:/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "evil.example",
]
KEPT = ["/communities/x?y=1", "/notifications", "/councils/7"]


def _is_local(location: str) -> bool:
    parts = urlsplit(location)
    return (not parts.scheme and not parts.netloc and location.startswith("/")
            and not location.startswith("//") and "\\" not in location)


@pytest.fixture
def user(app):
    return make_user(email="resident@example.org")


def _login(client, user, **form):
    return client.post("/login", data={"email": user.email, "password": PASSWORD, **form})


@pytest.mark.parametrize("target", OFFSITE)
def test_login_form_next_stays_on_site(client, user, target):
    response = _login(client, user, next=target)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", OFFSITE)
def test_login_query_next_stays_on_site(client, user, target):
    response = client.post("/login", query_string={"next": target},
                           data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", OFFSITE)
def test_language_next_stays_on_site(client, target):
    response = client.post("/language", data={"locale": "en", "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", OFFSITE)
def test_language_next_stays_on_site_even_when_the_form_is_invalid(client, target):
    response = client.post("/language", data={"locale": "xx", "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", KEPT)
def test_login_keeps_a_local_next(client, user, target):
    response = _login(client, user, next=target)
    assert response.headers["Location"] == target


@pytest.mark.parametrize("target", KEPT)
def test_language_keeps_a_local_next(client, target):
    response = client.post("/language", data={"locale": "en", "next": target})
    assert response.headers["Location"] == target


def test_sign_in_prompt_leads_back_to_the_page_asked_for(client, user):
    prompt = client.get("/notifications")
    assert prompt.status_code == 302
    login_url = prompt.headers["Location"]
    assert _is_local(login_url)
    response = client.post(login_url, data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/notifications"


def test_login_page_does_not_echo_an_offsite_next_unescaped(client):
    body = client.get("/login", query_string={"next": '"><script>alert(1)</script>'}).get_data(as_text=True)
    assert "<script>alert(1)" not in body

