"""CSRF (SECURITY.md C.18): every state-changing route refuses a request without a valid token, and changes
nothing.

Each POST is built with real objects and a form that succeeds, and sent by a signed-in site admin (by a
visitor for the forms only visitors use, by the council's responder or a co-signer for theirs: routes.SIGNED_IN_AS),
so that neither a 404 nor a permission check can stand in for the CSRF check.
"""
import pytest

from civicvoice import create_app
from civicvoice.activity import recipients

from .routes import (
    ANSWER_ONLY,
    POST_CASES,
    SAFE_METHODS,
    TOKEN_AUTHORISED,
    URL_MAP,
    VISITORS_ONLY,
    build,
    csrf_token_of,
    post_case,
    rule_id,
    rules,
    signed_in_as,
    state_changing_endpoints,
)

POST_RULES = rules("POST")
csrf_on = pytest.mark.app_config(WTF_CSRF_ENABLED=True)


def _request(app, world, case):
    endpoint, rule, fixed = case
    if endpoint not in POST_CASES:
        pytest.fail(f"POST {rule} ({endpoint}) is not classified: add it to POST_CASES in security/routes.py")
    values, data = post_case(world, endpoint, fixed)
    return build(app, endpoint, {**values, **fixed}), data


def test_every_state_changing_route_is_classified():
    assert state_changing_endpoints() == set(POST_CASES)


def test_no_route_accepts_put_patch_or_delete():
    """The suite sends POST; a route taking another unsafe method must be taught here first."""
    assert {method for rule in URL_MAP.iter_rules() for method in rule.methods - SAFE_METHODS} == {"POST"}


def test_csrf_protection_is_on_outside_tests():
    app = create_app({"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    assert app.config.get("WTF_CSRF_CHECK_DEFAULT", True) is True


@csrf_on
@pytest.mark.parametrize("case", [case for case in POST_RULES if case[0] not in TOKEN_AUTHORISED], ids=rule_id)
def test_post_without_token_is_refused_and_changes_nothing(app, client, login_as, world, snapshot, case):
    url, data = _request(app, world, case)
    if case[0] not in VISITORS_ONLY:
        login_as(signed_in_as(world, case[0]))
    before = snapshot()
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert snapshot() == before


@csrf_on
@pytest.mark.parametrize("case", POST_RULES, ids=rule_id)
def test_same_post_with_the_token_succeeds(app, client, login_as, world, snapshot, csrf_token, case):
    """The control: the very request refused above goes through with a token, so the token is what counts."""
    url, data = _request(app, world, case)
    if case[0] not in VISITORS_ONLY:
        login_as(signed_in_as(world, case[0]))
    token = csrf_token()
    before = snapshot()
    response = client.post(url, data={**data, "csrf_token": token})
    if case[0] in ANSWER_ONLY:
        assert response.status_code == 200
        assert snapshot() == before
    else:
        assert response.status_code in (200, 303)  # /account/reset answers its form with a "mail sent" page
        assert snapshot() != before


@csrf_on
def test_forged_token_is_refused(app, client, login_as, world, snapshot, csrf_token):
    login_as(world.admin)
    csrf_token()
    before = snapshot()
    response = client.post(f"/communities/{world.beta.slug}/join", data={"csrf_token": "forged." + "a" * 40})
    assert response.status_code == 400
    assert snapshot() == before


@csrf_on
def test_token_of_another_session_is_refused(app, client, login_as, world, snapshot):
    other = app.test_client()
    other_token = csrf_token_of(other, "/login")
    login_as(world.admin)
    before = snapshot()
    response = client.post(f"/communities/{world.beta.slug}/join", data={"csrf_token": other_token})
    assert response.status_code == 400
    assert snapshot() == before


@csrf_on
def test_token_in_the_query_string_is_not_accepted(app, client, login_as, world, snapshot, csrf_token):
    login_as(world.admin)
    token = csrf_token()
    before = snapshot()
    response = client.post(f"/communities/{world.beta.slug}/join?csrf_token={token}")
    assert response.status_code == 400
    assert snapshot() == before


@csrf_on
def test_the_one_click_unsubscribe_is_authorised_by_its_signed_token_alone(app, client, world, snapshot):
    """RFC 8058: the mail program posts without a session or a CSRF token. The token in the URL is what counts: a
    forged or altered one changes nothing; the real one changes that person's choice for that kind only."""
    from civicvoice.activity import services as notifications

    before = snapshot()
    for token in ("forged", world.unsubscribe_token[:-2] + "xx",
                  recipients.unsubscribe_token(world.admin, "votes").replace(".", "-", 1)):
        assert client.post(f"/unsubscribe/{token}").status_code == 404
    assert snapshot() == before
    assert client.post(f"/unsubscribe/{world.unsubscribe_token}").status_code == 200
    assert notifications.preferences(world.admin)["votes"] == "app"
