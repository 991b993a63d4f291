"""Two app hosts behind one proxy serve one site: a browser signed in on one is signed in on the other, a form one
serves the other accepts, signing out on one signs out on both, and a rate limit counts on both (through Redis).
Stored files cross through the bucket: tests/test_storage.py."""
import re

import pytest
from sqlalchemy import func, select

from civicvoice.accounts.models import UserSession
from civicvoice.deliberation.models import Argument
from civicvoice.extensions import db
from tests.conftest import REDIS_URL
from tests.factories import PASSWORD, make_community, make_member, make_proposal, make_user
from tests.hosts import another_host, same_browser

CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _sign_in(client, user) -> None:
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 303, response.get_data(as_text=True)


def _signed_in(client) -> bool:
    response = client.get("/account/sessions")
    return response.status_code == 200


def test_a_browser_signed_in_on_one_host_is_signed_in_on_the_other(app, client):
    user = make_user()
    _sign_in(client, user)
    with another_host(app) as other:
        second = same_browser(client, other)
        assert _signed_in(second)
        assert db.session.scalar(select(func.count()).where(UserSession.user_id == user.id)) == 1


def test_signing_out_on_one_host_signs_the_browser_out_on_the_other(app, client):
    user = make_user()
    _sign_in(client, user)
    with another_host(app) as other:
        second = same_browser(client, other)
        assert second.post("/logout").status_code == 303
        assert not _signed_in(second)
    # The first host still holds the old cookie: the session it names is over, on the server.
    assert not _signed_in(client)
    assert client.get("/account/sessions").status_code == 302


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_a_form_served_by_one_host_is_accepted_by_the_other(app, client):
    user = make_user()
    token = CSRF_INPUT.search(client.get("/login").get_data(as_text=True)).group(1)
    with another_host(app) as other:
        second = same_browser(client, other)
        response = second.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 303
        assert _signed_in(second)


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_a_form_is_refused_without_its_token_on_either_host(app, client):
    """The check above can fail: without the token the first host gave, the second refuses the form."""
    user = make_user()
    client.get("/login")
    with another_host(app) as other:
        second = same_browser(client, other)
        response = second.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": "x"})
        assert response.status_code == 400


@pytest.mark.redis
@pytest.mark.xdist_group("redis")  # one Redis database: one worker
@pytest.mark.own_app  # built for this test: the one limiter is then bound to this app's Redis, not another's memory
@pytest.mark.app_config(RATELIMIT_ENABLED=True, POST_LIMIT_PER_ACCOUNT="2 per minute",
                        RATELIMIT_STORAGE_URI=REDIS_URL or "memory://")
def test_a_rate_limit_hit_on_one_host_counts_on_the_other(app, client, redis_db):
    community = make_community()
    demand = make_proposal(community, status="open")
    member = make_member(community, make_user())
    _sign_in(client, member)
    for body in ("First", "Second"):
        assert client.post(f"/demands/{demand.id}/arguments", data={"stance": "for", "body": body}).status_code == 303
    assert redis_db.dbsize() > 0
    with another_host(app) as other:
        second = same_browser(client, other)
        response = second.post(f"/demands/{demand.id}/arguments", data={"stance": "for", "body": "Third"})
        assert response.status_code == 429
    assert db.session.scalar(select(func.count(Argument.id))) == 2
