"""Malformed input is a client error, never a 500 (SECURITY.md E.26, E.27; ASVS 16.5.3).

Null bytes give 400, ids that are not numbers (or too large for the database) give 404, pagination
parameters are clamped or give 404, and bytes that are not UTF-8 are survived. Integers of the query string
that no column holds give 400 (issue #18, item 3), and every field of every POST form sent as what it is not (a
file for text, 2⁶⁴ or -1 for a number, NaN, year 9999) gives 400 with the form shown again (items 2 and 3).
"""
import functools
import gc
import importlib
import io
import pkgutil
import re
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
from markupsafe import escape
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.utils import cached_property
from wtforms import (
    BooleanField,
    DateField,
    DateTimeField,
    DecimalField,
    FileField,
    FloatField,
    IntegerField,
    MultipleFileField,
    TimeField,
)
from wtforms.form import BaseForm

import civicvoice
from civicvoice.forms import Form, inputs_of
from tests.factories import make_community, make_user

from .routes import (
    POST_CASES,
    VISITORS_ONLY,
    build,
    demand_form,
    get_case,
    post_case,
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


# Headers and cookies no browser sends. -----------------------------------------------------------------------

@pytest.mark.parametrize("length", ["999999999", "99999999999999999999999", "-1", "abc", "0"])
def test_a_content_length_that_lies_is_not_a_server_error(client, user, length):
    """A length far beyond the small body sent (or no number at all): 413 for one beyond the site's limit, else the
    form as read."""
    response = client.open("/login", method="POST", input_stream=io.BytesIO(b"email=a&password=b"),
                           environ_overrides={"CONTENT_LENGTH": length,
                                              "CONTENT_TYPE": "application/x-www-form-urlencoded"})
    assert response.status_code == (413 if len(length) > 8 else 200)


@pytest.mark.parametrize("name, value", [("session", "garbage"), ("session", "e30.ZZZZ.%ff"),
                                         ("remember_token", "1:1|" + "a" * 128), ("remember_token", "%ff|\x7f"),
                                         ("locale", "x" * 4000)])
def test_garbage_cookies_leave_a_visitor(client, user, name, value):
    client.set_cookie(name, value)
    for url in ("/", "/login", "/account"):
        response = client.get(url)
        assert response.status_code in (200, 302, 303), url
    assert client.get("/account").status_code != 200  # nobody is signed in by a forged cookie


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
    "signatures.invalidate": {name: "text" for name in ("network", "domain", "since_date", "since_time", "until_date",
                                                         "until_time", "with_paper")},
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


# Every field of every POST form (issue #18, items 2 and 3). --------------------------------------------------

SECRET_FIELDS = {"password", "current_password", "new_password"}  # never shown again, by design
MALFORMED = {  # kind of field: values no browser form sends it, each refused with a 400
    "integer": [str(2**64), "-1"],
    "decimal": ["NaN", "sNaN", "Infinity"],
    "date": ["0001-01-01", "9999-12-31"],
}
TIMES_THAT_ARE_NONE = ["24:00", "23:60"]  # a client error, like any time mistyped
LONG_TEXT = "ش" * 50_001  # longer than any field takes (a paper batch's signers: 50,000 characters)
# Fields that take any length because nothing keeps what they hold (besides ticked boxes, which any value ticks).
NOT_KEPT = {"next": "where to go back to: checked, then dropped"}


def _is_file(value) -> bool:
    return isinstance(value, tuple) or (isinstance(value, list) and any(isinstance(v, tuple) for v in value))


def _as_file(name):
    return io.BytesIO(f"{name}, sent as a file".encode()), f"{name}.txt"


def _typed(value) -> list[str]:
    """What the person typed for a field, as the page must show it again."""
    return [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str) and v]


def _kind(field) -> str:
    if isinstance(field, (FileField, MultipleFileField)):
        return "file"
    if isinstance(field, BooleanField):
        return "box"
    if isinstance(field, IntegerField) or isinstance(_coerced(field), int):
        return "integer"
    if isinstance(field, (DecimalField, FloatField)):
        return "decimal"
    if isinstance(field, TimeField):  # a DateTimeField in wtforms
        return "time"
    return "date" if isinstance(field, (DateField, DateTimeField)) else "text"


def _coerced(field):
    try:
        return field.coerce("1") if hasattr(field, "coerce") else None
    except (TypeError, ValueError):
        return None


@contextmanager
def _validated_forms():
    """{field name: kind} of the forms (sub-forms included) a view validates while in the block."""
    fields, validate = {}, Form.validate

    def spy(form, *args, **kwargs):
        fields.update({field.name: _kind(field) for field in inputs_of(form) if field.name != "csrf_token"})
        return validate(form, *args, **kwargs)

    with mock.patch.object(Form, "validate", spy):
        yield fields


def _refused(response, sent: dict, field: str, what: str) -> list[str]:
    """What is wrong with the answer to a form in which `field` held `what`: not a 400, or (where the form is
    shown again) a value the person typed in another field that is not there any more."""
    if response.status_code != 400:
        return [f"{field} {what}: {response.status_code}"]
    body = response.get_data(as_text=True)
    if f'name="{field}"' not in body:
        return []  # answered with the error page: nothing to keep
    lost = [name for name, value in sent.items() if name not in (field, *SECRET_FIELDS) and not _is_file(value)
            and any(str(escape(typed)) not in body for typed in _typed(value))]
    return [f"{field} {what}: the form lost {lost}"] if lost else []


def _survived(response, field: str, what: str) -> list[str]:
    return [f"{field} {what[:24]}: {response.status_code}"] if response.status_code >= 500 else []


@pytest.mark.parametrize("case", rules("POST"), ids=rule_id)
def test_malformed_fields_of_every_post_form_are_refused_keeping_the_rest(app, client, login_as, world, snapshot,
                                                                          case):
    """Every field of the forms the view validates (found while the first field is sent as a file), one at a
    time, the rest of the succeeding form unchanged: a file in a field that takes text (and text in a file field),
    an integer of 2⁶⁴ or -1, a decimal NaN or infinite and a date in year 1 or 9999 answer 400, with the form shown
    again keeping what was typed; a time that is no time and 50,001 characters answer a client error. Nothing is
    written. Then (taken or not) a long text where nothing keeps it, repeated fields, JSON bodies and a file no
    field expects: never a server error."""
    endpoint, rule, fixed = case
    values, data = post_case(world, endpoint, fixed)
    url = build(app, endpoint, {**values, **fixed})
    if endpoint not in VISITORS_ONLY:
        login_as(signed_in_as(world, endpoint))

    def post(field, value, **kwargs):
        sent = {**post_case(world, endpoint, fixed)[1], field: value}  # fresh files: a post reads them
        return client.post(url, data=sent, **kwargs), sent

    def misplaced(name, kind) -> tuple:
        return (name, "photo.jpg", "as text") if kind == "file" else (name, _as_file(name), "as a file")

    before = snapshot()
    problems = []
    # The forms' fields are found on the first refusal: a field of the succeeding form sent as what it is not.
    # A route whose form has no field of its own (a button) reads nothing but its token: nothing to find out.
    first = [misplaced(name, "file" if _is_file(value) else "text") for name, value in data.items()][:1]
    with _validated_forms() as fields:
        for field, value, what in first:
            problems += _refused(*post(field, value), field, what)
    assert fields or not first, f"POST {rule}: no form validated what was posted"
    for field, value, what in [misplaced(name, kind) for name, kind in fields.items()]:
        if (field, what) != first[0][::2]:
            problems += _refused(*post(field, value), field, what)
    for field, kind in fields.items():
        for value in MALFORMED.get(kind, []):
            problems += _refused(*post(field, value), field, f"= {value}")
        for value in TIMES_THAT_ARE_NONE if kind == "time" else []:
            problems += _survived(post(field, value)[0], field, f"= {value}")
        if kind not in ("file", "box") and field not in NOT_KEPT:
            problems += _survived(post(field, LONG_TEXT)[0], field, "of 50,001 characters")
    assert not problems, f"POST {rule}: {problems}"
    assert snapshot() == before, f"POST {rule}: refused input changed the database"

    # What follows may be taken as it is (and change the world): it only must not be a server error.
    for field in [name for name, kind in fields.items() if kind == "box" or name in NOT_KEPT]:
        problems += _survived(post(field, LONG_TEXT)[0], field, "of 50,001 characters")
    repeated = {name: [*_typed(value), "another value"] if not _is_file(value) else value
                for name, value in post_case(world, endpoint, fixed)[1].items()}
    problems += _survived(client.post(url, data=repeated), "every field", "repeated")
    for body in ([1, [2]], {name: [1, {"x": None}] for name in fields}):  # FlaskForm read JSON: a 500 for both
        problems += _survived(client.post(url, json=body), "the body", f"as JSON {str(body)[:16]}")
    problems += _survived(post("unexpected", _as_file("unexpected"))[0], "a file no field expects", "")
    assert not problems, f"POST {rule}: {problems}"


# What a person sees of a refusal. -----------------------------------------------------------------------------

@pytest.mark.parametrize("language, message", [("ar", "هذا الحقل يقبل نصاً، لا ملفاً."),
                                               ("en", "This field takes text, not a file.")])
def test_a_file_for_the_password_is_refused_in_the_readers_language(client, user, language, message):
    """Issue #18 item 2: a file in the password field reached argon2 (a 500). Now the sign-in form is shown again,
    400, the address kept, the error under the field in the reader's language, and nobody signed in."""
    response = client.post("/login", headers={"Accept-Language": language},
                           data={"email": "resident@example.org", "password": (io.BytesIO(b"secret"), "pw.txt")})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in body and 'value="resident@example.org"' in body
    assert client.get("/account").status_code != 200


def test_a_number_beyond_any_column_is_refused_keeping_what_was_typed(client, login_as, world):
    login_as(world.admin)
    data = {**post_case(world, "communities.edit", {})[1], "review_due_days": str(2**64), "name": "اسم جديد"}
    response = client.post(f"/communities/{world.alpha.slug}/edit", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'value="{2**64}"' in body and 'value="اسم جديد"' in body
    assert "أدخل رقماً بين 1 و 90." in body  # the field's own rule explains it best


def test_a_json_body_is_not_read_as_a_form(client, user):
    """JSON put numbers and lists where the fields expect text (len() of an int: a 500)."""
    response = client.post("/login", json={"email": 5, "password": ["x", {"y": 1}]})
    assert response.status_code == 200
    assert "أدخل بريدك الإلكتروني." in response.get_data(as_text=True)


def test_a_button_whose_form_refused_input_answers_the_error_page(client, login_as, world, snapshot):
    """A form that lives on another page (the signature goal, on the demand's page) sends the browser back there
    when valid; refused, it answers the 400 page instead, with the message under its title."""
    login_as(world.admin)
    before = snapshot()
    response = client.post(f"/demands/{world.published.id}/goal", data={"goal": (io.BytesIO(b"75"), "goal.txt")})
    assert response.status_code == 400 and "Location" not in response.headers
    assert "هذا الحقل يقبل نصاً، لا ملفاً." in response.get_data(as_text=True)
    assert snapshot() == before


def test_every_form_of_the_site_is_built_on_the_shared_base():
    """The refusals above live in civicvoice.forms.Form: a form built on FlaskForm (or on wtforms' own Form)
    would let a file or a number beyond any column reach the code again."""
    for module in pkgutil.walk_packages(civicvoice.__path__, "civicvoice."):
        importlib.import_module(module.name)
    classes, pending = set(), [BaseForm]
    while pending:
        for subclass in pending.pop().__subclasses__():
            classes.add(subclass)
            pending.append(subclass)
    ours = {cls for cls in classes if cls.__module__.startswith("civicvoice")}
    assert len(ours) > 70
    assert sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in ours if not issubclass(cls, Form)) == []
    # Forms built inside functions exist only once called: no module but the base's may reach for another base.
    for path in PACKAGE.rglob("*.py"):
        if path != PACKAGE / "forms.py":
            source = path.read_text(encoding="utf-8")
            assert not re.search(r"\bFlaskForm\b|\bBaseForm\b|wtforms\.Form\b|from wtforms import [^\n]*\bForm\b",
                                 source), path
