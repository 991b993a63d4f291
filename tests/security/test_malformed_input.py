"""Malformed input is a client error, never a 500 (SECURITY.md E.26, E.27; ASVS 16.5.3).

Null bytes give 400, ids that are not numbers (or too large for the database) give 404, pagination
parameters are clamped or give 404, and bytes that are not UTF-8 are survived. Integers of the query string
that no column holds give 400 (issue #18, item 3).
"""
import functools
import gc
import re
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.utils import cached_property

import civicvoice
from tests.factories import make_community, make_user

from .routes import (
    POST_CASES,
    build,
    demand_form,
    get_case,
    rule_id,
    rules,
    signed_in_as,
)

PACKAGE = Path(civicvoice.__file__).resolve().parent


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


HUGE_QUERY = "&".join(f"{name}={2**64}" for name in ("per_page", "from", "to", "exclude", "community",
                                                         "council", "id", "user", "poll", "number"))
# Headers a browser never sends: a broken language list, htmx's own headers on any page, a stray override.
GARBAGE_HEADERS = {"Accept-Language": "ar;q=abc,en;q=-1,*;q=9,zz-ZZZZ-0123,,;;", "HX-Request": "true",
                   "HX-Target": "<svg>", "HX-Current-URL": "javascript:alert(1)", "HX-Trigger": "%ff",
                   "X-HTTP-Method-Override": "DELETE"}


@pytest.mark.parametrize("case", rules("GET"), ids=rule_id)
def test_garbage_query_on_every_get_route_is_not_a_server_error(app, client, login_as, world, case):
    """A query of garbage, one of integers beyond 64 bits, and the page itself as htmx would ask for it with
    garbage headers: never a server error."""
    endpoint, rule, fixed = case
    url = build(app, endpoint, get_case(world, endpoint, fixed))
    login_as(world.admin)
    for sent, headers in ((f"{url.split('?')[0]}?{GARBAGE_QUERY}", {}), (f"{url.split('?')[0]}?{HUGE_QUERY}", {}),
                          (url, GARBAGE_HEADERS), (f"{url.split('?')[0]}?{GARBAGE_QUERY}", GARBAGE_HEADERS)):
        with client.get(sent, headers=headers) as response:
            assert response.status_code < 500, (rule, sent, headers)


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


# Integers of the query string (issue #18, item 3). ---------------------------------------------------------

# Every query parameter the GET views read, by endpoint, and what it holds: "integer" (a reference or a filter: 400
# when it is no whole number a column holds), "page" (pagination: 404, or 400, for a page that is no page number;
# the number of rows per page is the site's, never the request's) or "text" (a word of an allowlist, a search, a
# code). The test below records what each GET route asks request.args for: one it does not find here fails it.
_PAGE = {"page": "page"}
_LIST = {"category": "text", "council": "integer", "page": "page", "sort": "text", "status": "text"}
_LANG = {"lang": "text"}
QUERY_PARAMETERS = {
    "accounts.login": {"next": "text"},
    "activity.notifications": {"page": "page", "show": "text"},
    "communities.admin": _PAGE, "communities.centre": _PAGE, "communities.index": _PAGE,
    "communities.members": _PAGE,
    "council.inbox": {"category": "text", "community": "integer", "page": "page", "status": "text"},
    "deliberation.amendment_list": _PAGE, "deliberation.arguments": {"page": "page", "sort": "text"},
    "letters.discussion": _LANG, "letters.discussion_pdf": _LANG, "letters.printable": _LANG,
    "letters.verify_form": {"code": "text"},
    "meetings.index": _PAGE,
    "moderation.log": _PAGE, "moderation.queue": _PAGE,
    "proposals.community_index": _LIST, "proposals.index": _LIST,
    "proposals.compare": {"from": "integer", "to": "integer"},
    "proposals.similar": {"exclude": "integer", "title": "text"},
    "signatures.signers": _PAGE,
    "volunteers.certificate_pdf": _LANG, "volunteers.dashboard": _PAGE, "volunteers.feedback": _PAGE,
    "volunteers.history": _PAGE, "volunteers.home": _PAGE, "volunteers.index": _PAGE, "volunteers.offers": _PAGE,
    "volunteers.signups": _PAGE, "volunteers.suggested": _PAGE,
    "voting.ballot_list": {"page": "page", "receipt": "text"}, "voting.index": _PAGE, "voting.voters": _PAGE,
}
# What a parameter answers, by kind, when it holds each value: a status, the statuses allowed, or "as without" (the
# status of the same request without the parameter). A page that is no page number is 404 (as db.paginate answers)
# or 400, or the first page (200: a list that clamps); one beyond a million is 404 before any view.
NOT_A_PAGE = (200, 400, 404)
INTEGER_VALUES = {
    str(2**64): {"integer": 400, "page": 404},
    "99999999999999999999": {"integer": 400, "page": 404},
    "9" * 5000: {"integer": 400, "page": NOT_A_PAGE},
    "-1": {"integer": 400, "page": NOT_A_PAGE},
    "1e3": {"integer": 400, "page": NOT_A_PAGE},
    "0x10": {"integer": 400, "page": NOT_A_PAGE},
    "": {"integer": "as without", "page": ("as without", 404)},
}


def _scalars(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)


@contextmanager
def _recording_query_reads(app):
    """A set that collects the names of the query parameters views (and what they call) ask request.args for.

    The guard that runs before every view (headers) is left out: it reads `page` on every route, for all of them.
    """
    read, viewing = set(), []

    def record(key):
        if viewing:
            read.add(key)

    class Args(ImmutableMultiDict):
        def __getitem__(self, key):
            record(key)
            return super().__getitem__(key)

        def get(self, key, default=None, type=None):
            record(key)
            return super().get(key, default, type)

        def getlist(self, key, type=None):
            record(key)
            return super().getlist(key, type)

        def __contains__(self, key):
            record(key)
            return super().__contains__(key)

    class Request(app.request_class):
        @cached_property
        def args(self):
            return Args(super().args)

    def watched(view):
        @functools.wraps(view)
        def run(*args, **kwargs):
            viewing.append(view)
            try:
                return view(*args, **kwargs)
            finally:
                viewing.pop()
        return run

    views = {endpoint: watched(view) for endpoint, view in app.view_functions.items()}
    with mock.patch.object(app, "request_class", Request), mock.patch.dict(app.view_functions, views):
        yield read


def test_every_query_parameter_a_view_reads_is_known(app, client, login_as, world):
    unknown = {}
    with _recording_query_reads(app) as read:
        for endpoint, rule, fixed in rules("GET"):
            login_as(signed_in_as(world, endpoint))
            read.clear()
            client.get(build(app, endpoint, get_case(world, endpoint, fixed))).close()
            if read - set(QUERY_PARAMETERS.get(endpoint, {})):
                unknown[endpoint] = sorted(read - set(QUERY_PARAMETERS.get(endpoint, {})))
    assert unknown == {}, "add these to QUERY_PARAMETERS (and make any integer go through params.query_int)"


def test_integer_query_parameters_are_read_only_through_the_range_checked_helper():
    """request.args.get(..., type=int) or int(request.args...) would let 2⁶⁴ reach a query (an overflow, a 500)."""
    # headers.py reads `page` before every view the way db.paginate will, to refuse one that would overflow it.
    for path in PACKAGE.rglob("*.py"):
        if path not in (PACKAGE / "params.py", PACKAGE / "headers.py"):
            source = path.read_text(encoding="utf-8")
            assert not re.search(r"type=int|int\(\s*request\.", source), path


def _integer_parameters_of(endpoint: str) -> list[str]:
    return [name for name, kind in QUERY_PARAMETERS[endpoint].items() if kind in ("integer", "page")]


@pytest.mark.parametrize("case", [case for case in rules("GET") if case[0] in QUERY_PARAMETERS
                                  and _integer_parameters_of(case[0])], ids=rule_id)
def test_integer_query_parameters_out_of_range_are_client_errors(app, client, login_as, world, case):
    """Each integer parameter the view reads as 2⁶⁴, -1, an exponent, hex, thousands of digits or nothing: 400 for
    a reference or a filter, 404 (or 400) for a page, never 500; "١٢٣" reads as 123."""
    endpoint, rule, fixed = case
    values = get_case(world, endpoint, fixed)
    login_as(signed_in_as(world, endpoint))

    def status(**query):
        url = build(app, endpoint, {**{k: v for k, v in values.items() if k not in query}, **query})
        with client.get(url) as response:
            return response.status_code

    problems = []
    for name in _integer_parameters_of(endpoint):
        kind, without = QUERY_PARAMETERS[endpoint][name], status(**{name: None})
        for value, expected in INTEGER_VALUES.items():
            allowed = [without if e == "as without" else e for e in _scalars(expected[kind])]
            if (got := status(**{name: value})) not in allowed:
                problems.append(f"{name}={value[:24]}: {got}, not {allowed}")
        if status(**{name: "١٢٣"}) != status(**{name: "123"}):
            problems.append(f"{name}=١٢٣ is not read as 123")
        if status(**{name: "0"}) >= 500:
            problems.append(f"{name}=0: a server error")
    assert not problems, f"GET {rule}: {problems}"


def test_the_issues_integers_beyond_64_bits_are_a_localised_400(client, login_as, world):
    """Issue #18 item 3, as reported: both were an OverflowError."""
    for who, url in ((world.admin, f"/demands/{world.draft.id}/diff?from=99999999999999999999"),
                     (world.staffer, f"/councils/{world.council.id}/inbox?community=99999999999999999999")):
        login_as(who)
        response = client.get(url)
        assert response.status_code == 400, url
        assert "بعض ما في الطلب غير صالح" in response.get_data(as_text=True)
