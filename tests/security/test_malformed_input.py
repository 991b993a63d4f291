"""Malformed input is a client error, never a 500 (SECURITY.md E.26, E.27; ASVS 16.5.3).

Null bytes give 400, ids that are not numbers (or too large for the database) give 404, pagination
parameters are clamped or give 404, and bytes that are not UTF-8 are survived.
"""
import gc

import pytest

from tests.factories import make_community, make_user

from .routes import POST_CASES, build, demand_form, get_case, rule_id, rules


@pytest.fixture
def user(app):
    return make_user(email="resident@example.org")


# Null bytes. -----------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/?q=%00", "/?q=a%00b", "/?%00=1", "/councils?page=1%00",
                                 "/login?next=/%00"])
def test_null_byte_in_query_is_400(client, url):
    assert client.get(url).status_code == 400


@pytest.mark.parametrize("data", [
    {"email": "resident@example.org\x00", "password": "x"},
    {"email": "resident@example.org", "password": "pass\x00word"},
    {"email\x00": "resident@example.org", "password": "x"},
])
def test_null_byte_in_form_field_is_400(client, user, data):
    assert client.post("/login", data=data).status_code == 400


@pytest.mark.parametrize("url", ["/communities/a%00b", "/account/verify/abc%00", "/account/reset/%00",
                                 "/council-invitations/x%00y"])
def test_null_byte_in_path_is_400(client, url):
    assert client.get(url).status_code == 400


def test_null_byte_in_path_of_a_post_is_400(client, login_as, user):
    login_as(user)
    assert client.post("/communities/a%00b/join").status_code == 400


# Ids. ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/councils/abc", "/councils/1.5", "/councils/-1", "/councils/0x10",
                                 "/councils/1e3", "/councils/ 1"])
def test_non_numeric_id_is_404(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", ["/councils/2147483648", "/councils/9223372036854775808",
                                 "/councils/99999999999999999999999999", "/councils/" + "9" * 5000])
def test_id_beyond_database_integers_is_404(client, url):
    assert client.get(url).status_code == 404


def test_non_numeric_and_huge_ids_in_nested_routes_are_404(client, login_as):
    admin = make_user(admin=True)
    community = make_community(slug="alpha")
    login_as(admin)
    huge = "99999999999999999999"
    assert client.get(f"/communities/{community.slug}/centres/abc/edit").status_code == 404
    assert client.get(f"/communities/{community.slug}/centres/{huge}/edit").status_code == 404
    assert client.post(f"/communities/{community.slug}/requests/abc/approve").status_code == 404
    assert client.post(f"/communities/{community.slug}/requests/{huge}/approve").status_code == 404
    assert client.post(f"/communities/{community.slug}/members/{huge}/verify").status_code == 404


# Pagination. -----------------------------------------------------------------------------------

BAD_PAGES = ["abc", "-1", "0", "1.5", "", "%ff", "١", "9" * 5000]
HUGE_PAGES = ["1000001", "9223372036854775807", "9223372036854775808", "99999999999999999999999"]


@pytest.mark.parametrize("page", BAD_PAGES)
def test_invalid_page_on_the_home_page_is_clamped_or_404(client, page):
    assert client.get(f"/?page={page}").status_code in (200, 404)


@pytest.mark.parametrize("page", BAD_PAGES)
def test_invalid_page_on_notifications_is_clamped_or_404(client, login_as, user, page):
    login_as(user)
    assert client.get(f"/notifications?page={page}").status_code in (200, 404)


@pytest.mark.parametrize("page", HUGE_PAGES)
def test_huge_page_is_404(client, login_as, user, page):
    assert client.get(f"/?page={page}").status_code == 404
    login_as(user)
    assert client.get(f"/notifications?page={page}").status_code == 404


@pytest.mark.parametrize("per_page", ["100000", "-1", "0", "abc", "9" * 40])
def test_per_page_on_notifications_never_fails(client, login_as, user, per_page):
    login_as(user)
    assert client.get(f"/notifications?per_page={per_page}").status_code in (200, 404)


@pytest.mark.app_config(PER_PAGE=2, MAX_PER_PAGE=3)
@pytest.mark.parametrize("per_page", ["100000", "-1", "0", "abc", "9" * 40])
def test_per_page_cannot_enlarge_a_page(client, per_page):
    for n in range(5):
        make_community(name=f"Community {n}")
    response = client.get(f"/?per_page={per_page}")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count('<h2><a href="/communities/') == 2


# Encoding. -------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/?page=%ff", "/?q=%c3%28", "/?%ff%fe=1", "/login?next=%ff%fe",
                                 "/communities/%ff", "/account/verify/%c3%28", "/council-invitations/%ff",
                                 "/account/reset/%e2%82"])
def test_bad_utf8_in_url_is_not_a_server_error(client, url):
    assert client.get(url).status_code < 500


@pytest.mark.parametrize("body", [b"email=%ff%fe&password=%c3%28", b"email=\xff\xfe&password=\xc3\x28",
                                  b"%ff=1&next=%ff"])
def test_bad_utf8_in_form_is_not_a_server_error(client, user, body):
    response = client.post("/login", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500


def test_bad_utf8_next_on_language_stays_on_site(client):
    response = client.post("/language", data=b"locale=en&next=%ff%fe",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/")


def test_broken_multipart_is_not_a_server_error(client, user):
    body = b'--xyz\r\nContent-Disposition: form-data; name="email"\r\n\r\nabc'  # no closing boundary
    response = client.post("/login", data=body, content_type="multipart/form-data; boundary=xyz")
    assert response.status_code < 500


def test_repeated_fields_are_not_a_server_error(client, user):
    data = {"email": ["a@example.org", "b@example.org"], "password": ["x", "y"]}
    response = client.post("/login", data=data)
    assert response.status_code < 500


# Every route of the map, demands included. -------------------------------------------------------

GARBAGE_QUERY = ("page=%ff&per_page=-1&sort=x%27--&category=%c3%28&status=1%20OR%201=1&council=abc&title=%ff"
                 "&from=a&to=9&exclude=zz")


def _with_ids(method):
    return [case for case in rules(method) if "<int:" in case[1]]


def _huge_ids_url(app, values, case):
    endpoint, rule, fixed = case
    huge = {name: 99999999999999999999 for name in values if f"<int:{name}>" in rule}
    return build(app, endpoint, {**values, **fixed, **huge})


@pytest.mark.parametrize("case", _with_ids("GET"), ids=rule_id)
def test_huge_ids_in_every_get_route_are_404(app, client, login_as, world, case):
    url = _huge_ids_url(app, get_case(world, case[0], case[2]), case)
    login_as(world.admin)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("case", _with_ids("POST"), ids=rule_id)
def test_huge_ids_in_every_post_route_are_404(app, client, login_as, world, case):
    url = _huge_ids_url(app, POST_CASES[case[0]](world)[0], case)
    login_as(world.admin)
    assert client.post(url).status_code == 404


@pytest.mark.parametrize("case", rules("GET"), ids=rule_id)
def test_garbage_query_on_every_get_route_is_not_a_server_error(app, client, login_as, world, case):
    endpoint, rule, fixed = case
    url = build(app, endpoint, get_case(world, endpoint, fixed)).split("?")[0]
    login_as(world.admin)
    with client.get(f"{url}?{GARBAGE_QUERY}") as response:
        assert response.status_code < 500


@pytest.mark.parametrize("url", ["/demands/abc", "/demands/1.5", "/demands/-1", "/demands/0x10",
                                 "/demands/1/attachments/abc", "/demands/abc/revisions"])
def test_non_numeric_demand_ids_are_404(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("query", ["sort=author.email", "sort=id;DROP TABLE proposals", "status=hidden",
                                   "status=draft", "category=nothing", "council=999999", "council=1 OR 1=1",
                                   "filter[user__password_hash]=x", "sort=", "sort=%ff",
                                   "per_page=10&secret=1"])
def test_unknown_list_filters_and_sorts_are_400(client, world, query):
    """Only allowlisted keys and values reach the query (SECURITY.md B.12): anything else is refused."""
    for path in ("/demands", f"/communities/{world.alpha.slug}/demands"):
        assert client.get(f"{path}?{query}").status_code == 400, (path, query)


def test_null_byte_in_a_demand_form_is_400(client, login_as, world):
    login_as(world.admin)
    data = demand_form(world.council, title="عنوان\x00مخفي")
    assert client.post(f"/communities/{world.alpha.slug}/demands/new", data=data).status_code == 400


# Werkzeug leaves the temporary file of a cut-off file part for the garbage collector (a ResourceWarning,
# collected below inside this test): not a server error, and not ours to close.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_broken_multipart_on_a_demand_form_is_not_a_server_error(client, login_as, world):
    login_as(world.admin)
    body = b'--xyz\r\nContent-Disposition: form-data; name="attachments"; filename="a.png"\r\n\r\n\x89PNG'
    response = client.post(f"/communities/{world.alpha.slug}/demands/new", data=body,
                           content_type="multipart/form-data; boundary=xyz")
    assert response.status_code < 500
    del response
    gc.collect()


@pytest.mark.app_config(MAX_CONTENT_LENGTH=2000)
def test_a_request_beyond_the_content_limit_is_413_not_500(client, login_as, world):
    login_as(world.admin)
    data = {**demand_form(world.council), "body": "x" * 5000}
    assert client.post(f"/communities/{world.alpha.slug}/demands/new", data=data).status_code == 413
