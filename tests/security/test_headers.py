"""Transport and header hardening (SECURITY.md E.24, E.25; ASVS 3.3, 3.4, 14.3.2).

The HTML responses checked are every GET page of the map (as a visitor and as a site admin), error pages
(400, 404, 405) and a form answered with errors.
"""
import pytest

from civicvoice import create_app
from tests.factories import PASSWORD, make_user

from .routes import build, get_case, rules

HTTPS = "https://localhost"


def _csp(response) -> dict[str, list[str]]:
    directives = {}
    for part in response.headers.get("Content-Security-Policy", "").split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


@pytest.fixture
def html_responses(app, client, login_as, world):
    """[(label, response)] for every HTML response the site gives to these requests."""
    # The calendar file, the ballots CSV, the letters' PDFs, the photo of a delivery receipt and the photos of the
    # council and of residents checking a repair, the sign-ups CSV and the certificate of volunteering are not pages
    # (tests/meetings/test_views.py, tests/voting/test_views.py, tests/letters/test_views.py,
    # tests/council/test_views.py and tests/volunteers/ check their type, content and headers); nor are the health
    # probes' JSON answers (tests/test_health.py).
    urls = [build(app, endpoint, get_case(world, endpoint, fixed))
            for endpoint, _rule, fixed in rules("GET")
            if endpoint not in ("static", "meetings.calendar", "voting.ballots_csv", "letters.download",
                                "letters.version_pdf", "letters.discussion_pdf", "letters.receipt",
                                "council.response_photo", "council.check_photo", "volunteers.signups_csv",
                                "volunteers.certificate_pdf", "health.healthz", "health.readyz")]
    collected = []

    def visit(label, response):
        if response.mimetype == "text/html":
            collected.append((label, response))
        response.close()

    for url in urls:
        visit(f"anonymous GET {url}", client.get(url))
    visit("GET unknown page (404)", client.get("/no-such-page"))
    visit("GET of a POST-only route (405)", client.get("/logout"))
    visit("null byte (400)", client.get("/?q=%00"))
    visit("login form with errors", client.post("/login", data={"email": "no@example.org", "password": "x"}))
    login_as(world.admin)
    for url in urls:
        visit(f"admin GET {url}", client.get(url))
    visit("htmx fragment of an error", client.get("/no-such-page", headers={"HX-Request": "true"}))
    assert len(collected) >= 2 * len(urls)
    return collected


def _offenders(responses, check):
    return [label for label, response in responses if not check(response)]


def test_csp_forbids_inline_scripts(html_responses):
    def check(response):
        directives = _csp(response)
        script = directives.get("script-src", directives.get("default-src"))
        return script is not None and "'unsafe-inline'" not in script and "'unsafe-eval'" not in script

    assert _offenders(html_responses, check) == []


def test_csp_forbids_framing(html_responses):
    def check(response):
        return _csp(response).get("frame-ancestors") == ["'none'"]

    assert _offenders(html_responses, check) == []


def test_csp_forbids_plugins(html_responses):
    def check(response):
        return _csp(response).get("object-src") == ["'none'"]

    assert _offenders(html_responses, check) == []


def test_content_type_sniffing_is_off(html_responses):
    assert _offenders(html_responses, lambda r: r.headers.get("X-Content-Type-Options") == "nosniff") == []


def test_static_files_are_not_sniffed_either(client):
    with client.get("/static/css/app.css") as response:
        assert response.status_code == 200
        assert response.headers.get("X-Content-Type-Options") == "nosniff"


def test_a_referrer_policy_is_set(html_responses):
    allowed = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}
    assert _offenders(html_responses, lambda r: r.headers.get("Referrer-Policy") in allowed) == []


def test_pages_are_never_stored_by_caches(html_responses):
    def check(response):
        directives = {d.strip() for d in response.headers.get("Cache-Control", "").split(",")}
        return "no-store" in directives

    assert _offenders(html_responses, check) == []


def test_pages_vary_on_htmx_requests(html_responses):
    assert _offenders(html_responses, lambda r: "HX-Request" in r.vary) == []


def test_hsts_is_sent_over_https(client):
    hsts = client.get("/", base_url=HTTPS).headers.get("Strict-Transport-Security", "")
    max_age = int(dict(part.strip().partition("=")[::2] for part in hsts.split(";"))["max-age"])
    assert max_age >= 31536000


def test_hsts_is_not_sent_over_plain_http(client):
    assert "Strict-Transport-Security" not in client.get("/").headers


def _cookie(response, name):
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(name + "="):
            return [attribute.strip().lower() for attribute in header.split(";")[1:]]
    raise AssertionError(f"no {name} cookie set: {response.headers.getlist('Set-Cookie')}")


def test_session_cookie_is_httponly_and_samesite_lax(client):
    attributes = _cookie(client.get("/login"), "session")
    assert "httponly" in attributes
    assert "samesite=lax" in attributes


def test_session_cookie_is_secure_over_https(client):
    assert "secure" in _cookie(client.get("/login", base_url=HTTPS), "session")


def test_session_cookie_is_not_marked_secure_over_plain_http(client):
    """Development runs on http://localhost; a Secure cookie would never come back there."""
    assert "secure" not in _cookie(client.get("/login"), "session")


@pytest.mark.app_config(SESSION_COOKIE_SECURE=True)
def test_session_cookie_secure_setting_applies_to_every_request(client):
    assert "secure" in _cookie(client.get("/login"), "__Host-session")


def _login_remembered(client, base_url="http://localhost"):
    user = make_user(email="remembered@example.org")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"},
                           base_url=base_url)
    assert response.status_code == 303
    return response


def test_remember_cookie_is_httponly_and_samesite_lax(client):
    attributes = _cookie(_login_remembered(client), "remember_token")
    assert "httponly" in attributes
    assert "samesite=lax" in attributes


def test_remember_cookie_is_secure_over_https(client):
    assert "secure" in _cookie(_login_remembered(client, HTTPS), "remember_token")


# The __Host- prefix (ASVS 3.3.1-3.3.4): in production the cookies are always Secure, so they carry it; browsers
# then keep them only if Secure, for Path=/ and without a Domain: no subdomain nor plain-http page can set one.

production = pytest.mark.app_config(CIVICVOICE_ENV="production", BASE_URL=HTTPS)


def _host_only_and_secure(attributes) -> bool:
    return ("secure" in attributes and "path=/" in attributes and "httponly" in attributes
            and "samesite=lax" in attributes and not any(a.startswith("domain=") for a in attributes))


@production
def test_production_names_the_session_cookie_with_the_host_prefix(client):
    response = client.get("/login", base_url=HTTPS)
    assert _host_only_and_secure(_cookie(response, "__Host-session"))
    assert not any(c.startswith("session=") for c in response.headers.getlist("Set-Cookie"))


@production
def test_production_sessions_work_under_the_host_prefixed_cookie(client):
    user = make_user(email="resident@example.org")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD}, base_url=HTTPS)
    assert response.status_code == 303
    assert _host_only_and_secure(_cookie(response, "__Host-session"))
    assert client.get_cookie("session") is None
    assert client.get("/notifications", base_url=HTTPS).status_code == 200
    client.post("/logout", base_url=HTTPS)
    assert client.get("/notifications", base_url=HTTPS).status_code == 302


@production
def test_production_names_the_remember_cookie_with_the_host_prefix(app, client):
    response = _login_remembered(client, HTTPS)
    assert _host_only_and_secure(_cookie(response, "__Host-remember"))
    assert client.get_cookie("remember_token") is None
    # The browser closed and opened again: the remember-me cookie alone signs it in.
    other = app.test_client()
    other.set_cookie("__Host-remember", client.get_cookie("__Host-remember").value)
    assert other.get("/notifications", base_url=HTTPS).status_code == 200


def test_development_over_http_keeps_the_plain_cookie_names(client):
    """A browser refuses a __Host- cookie that is not Secure, and http://localhost cannot have Secure ones."""
    cookies = client.get("/login").headers.getlist("Set-Cookie")
    assert any(c.startswith("session=") for c in cookies)
    assert not any(c.startswith("__Host-") for c in cookies)


@pytest.mark.parametrize("setting", [{"SESSION_COOKIE_DOMAIN": "civicvoice.example"},
                                     {"REMEMBER_COOKIE_DOMAIN": "civicvoice.example"},
                                     {"SESSION_COOKIE_PATH": "/app"}])
def test_production_refuses_a_host_prefixed_cookie_it_would_send_with_a_domain_or_path(monkeypatch, setting):
    monkeypatch.setenv("CIVICVOICE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    monkeypatch.setenv("BASE_URL", "https://civicvoice.example")
    with pytest.raises(RuntimeError, match="__Host-"):
        create_app(setting)
