"""Safe methods are safe (SECURITY.md C.18, ASVS 3.5.3): no GET changes a single byte of the database.

Every GET rule of the map is requested with real objects (live tokens included, which a GET must not
consume), by a visitor and by a signed-in site admin (or whoever routes.SIGNED_IN_AS names for the rule).
"""
import pytest

from .routes import GET_CASES, REDIRECTS, build, get_case, get_endpoints, redirect_of, rule_id, rules, signed_in_as

GET_RULES = rules("GET")


def _url(app, world, case):
    endpoint, rule, fixed = case
    if endpoint not in GET_CASES:
        pytest.fail(f"GET {rule} ({endpoint}) is not classified: add it to GET_CASES in security/routes.py")
    return build(app, endpoint, get_case(world, endpoint, fixed))


def test_every_get_route_is_classified():
    assert get_endpoints() == set(GET_CASES)


@pytest.mark.parametrize("case", GET_RULES, ids=rule_id)
def test_anonymous_get_changes_nothing(app, client, world, snapshot, case):
    url = _url(app, world, case)
    before = snapshot()
    with client.get(url) as response:
        assert response.status_code < 500
    assert snapshot() == before


@pytest.mark.parametrize("case", GET_RULES, ids=rule_id)
def test_admin_get_changes_nothing(app, client, login_as, world, snapshot, case):
    url = _url(app, world, case)
    login_as(signed_in_as(world, case[0]))
    before = snapshot()
    with client.get(url) as response:
        assert response.status_code < 500
    assert snapshot() == before


@pytest.mark.parametrize("case", GET_RULES, ids=rule_id)
def test_admin_get_reaches_the_page(app, client, login_as, world, case):
    """The control: the URLs built above are real pages (200, or the 303 to one), not 404s that would prove
    nothing."""
    url = _url(app, world, case)
    login_as(signed_in_as(world, case[0]))
    with client.get(url) as response:
        if case[0] in REDIRECTS:
            assert response.status_code == 303
            assert response.headers["Location"] == redirect_of(world, case[0], case[2])
        else:
            assert response.status_code == 200


def test_links_in_mails_survive_being_opened(app, client, world, snapshot):
    """Mail scanners prefetch links: opening each emailed link twice leaves every token usable."""
    before = snapshot()
    for url in (f"/account/verify/{world.verify_token}", f"/account/reset/{world.reset_token}",
                f"/council-invitations/{world.invite_token}"):
        assert client.get(url).status_code == 200
        assert client.get(url).status_code == 200
    assert snapshot() == before
