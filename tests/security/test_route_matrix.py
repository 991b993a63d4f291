"""Role × route matrix over HTTP (SECURITY.md C.15, ASVS 8.2.1): every rule of app.url_map, requested by every
role of routes.ROLES, is answered as routes.ACCESS says.

Each GET rule is requested with the URL of routes.GET_CASES, each POST rule with the URL and the form of
routes.POST_CASES (forms that succeed for the admin), by one signed-in user per role (a visitor signs in as nobody).
A role the rule lets in gets a 2xx or a 3xx that is not a request to sign in (or, for a POST in routes.POST_STATE, the
400 or 409 of an object not in a state for it); a visitor it does not let in is asked to sign in, or gets a 404 where
the object is not shown to visitors at all; any other role it does not let in gets a 403 or a 404. Nobody ever gets
a 500.

The POSTs are sent with CSRF off (the test configuration's default): tests/security/test_csrf.py proves that every one
of them refuses a request without the token, and fetching a token for each would add a page per request for nothing
this test checks. After every POST that got through, the database is put back from the image, so each POST meets
the world as built.
"""
from urllib.parse import parse_qs, urlsplit

import pytest

from civicvoice.extensions import db
from tests.conftest import _truncate
from tests.images import restore

from .routes import (
    ACCESS,
    POST_ACCESS,
    POST_STATE,
    ROLES,
    SIGNED_IN,
    access_key,
    allowed_roles,
    build,
    get_case,
    post_case,
    quick_pdfs,
    rule_id,
    rules,
    sign_in,
    state_roles,
)

SIGN_IN = "/login"


def _put_back(image, client, role):
    db.session.remove()
    _truncate()
    world = restore(image)
    sign_in(client, world, role)
    return world


def asked_to_sign_in(status: int, location: str) -> bool:
    """The answer of a gate to a visitor: the sign-in page, with the way back (a 303 to /login after a password
    reset is a success, not a gate)."""
    target = urlsplit(location)
    return status in (302, 303) and target.path == SIGN_IN and "next" in parse_qs(target.query)


def verdict(method: str, case, role: str, status: int, location: str) -> str | None:
    """What is wrong with this answer, or None."""
    endpoint, _rule, fixed = case
    if status >= 500:
        return "a server error"
    gate = status in (401, 403, 404) or asked_to_sign_in(status, location)
    if role in state_roles(method, endpoint, fixed):
        return None if status in (400, 409) else "not the 400 or 409 of the object's state"
    if role in allowed_roles(method, endpoint, fixed):
        return "refused" if gate or status >= 400 else None
    if role == "visitor":
        return None if asked_to_sign_in(status, location) or status == 404 else "not asked to sign in"
    return None if status in (403, 404) else "let in"


def walk(app, client, image, world, role) -> list[str]:
    """Every GET rule, then every POST rule, requested as `role`: one line per answer that is not as ACCESS says."""
    with quick_pdfs():  # who may have a PDF is the question here, not WeasyPrint's rendering (tests/letters)
        return _walk(app, client, image, world, role)


def _walk(app, client, image, world, role) -> list[str]:
    failures = []
    sign_in(client, world, role)
    for method in ("GET", "POST"):
        for case in rules(method):
            endpoint, _rule, fixed = case
            if access_key(endpoint, fixed) not in ACCESS:
                failures.append(f"{method} {rule_id(case)} ({endpoint}) has no class: add it to ACCESS in routes.py")
                continue
            if method == "GET":
                response = client.get(build(app, endpoint, get_case(world, endpoint, fixed)))
            else:
                values, data = post_case(world, endpoint, fixed)
                response = client.post(build(app, endpoint, {**values, **fixed}), data=data)
            status, location = response.status_code, response.headers.get("Location", "")
            response.close()
            wrong = verdict(method, case, role, status, location)
            if wrong:
                failures.append(f"{method} {rule_id(case)} ({endpoint}) as {role}: {wrong} ({status} {location})")
            if method == "POST" and status not in (403, 404) and not asked_to_sign_in(status, location):
                world = _put_back(image, client, role)
    return failures


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_every_role_as_its_class_says(app, client, matrix_image, role):
    world = restore(matrix_image)
    failures = walk(app, client, matrix_image, world, role)
    assert not failures, "\n".join(failures)


def test_every_route_has_a_class_and_every_class_a_route():
    keys = {access_key(endpoint, fixed) for method in ("GET", "POST") for endpoint, _rule, fixed in rules(method)}
    assert keys == set(ACCESS)
    assert set(POST_ACCESS) | set(POST_STATE) <= keys


def test_every_class_names_only_roles_of_the_matrix():
    for roles in [*ACCESS.values(), *POST_ACCESS.values(), *POST_STATE.values()]:
        assert roles <= set(ROLES)
    assert SIGNED_IN == set(ROLES) - {"visitor"}
