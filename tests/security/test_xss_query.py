"""Reflected XSS through the URL (SECURITY.md B.11, ASVS 3.2.2): whatever the query string or a text part of the path
carries comes back escaped, on every GET rule of the map, and is never a 500.

Which query parameters a view reads is found by asking it: each GET rule is requested once with a MultiDict that
notes every name the view looks up (request.args.get, query_int, a form bound to request.args), and each name found
is then sent alone with each payload (alone: a view that allows only its own names answers 400 to any other). A
fixed set of common names is also sent, all at once, to every rule, and each text part of the path (a slug, a token,
a code, a network) is replaced by the payload. The payloads are those of test_xss.py that open a tag, break out of
an attribute, give a javascript: URL and an event handler; the page must not carry the payload raw, nor anything a
browser would run (test_xss._scripts), nor redirect to a script.
"""
from urllib.parse import parse_qsl, urlsplit

import pytest
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing.converters import PathConverter, UnicodeConverter

from tests.images import restore

from .routes import ROLE_USERS, SIGNED_IN_AS, URL_MAP, build, get_case, quick_pdfs, rule_id, rules, sign_in
from .test_xss import PAYLOADS, _scripts

# A tag, an attribute broken out of (double and single quotes, with an event handler and a javascript: link), a bare
# javascript: URL, and a script element closing the isolating <bdi> that names are shown in.
CONTEXT_PAYLOADS = [PAYLOADS[0], PAYLOADS[1], PAYLOADS[5], PAYLOADS[2], PAYLOADS[4]]
COMMON_NAMES = ["q", "page", "per_page", "sort", "status", "next", "community", "from", "to", "code", "lang", "tab",
                "category", "show", "receipt", "title", "network", "exclude", "search", "kind", "role"]
GET_RULES = rules("GET")
ROLE_OF = {name: role for role, name in ROLE_USERS.items() if name}  # SIGNED_IN_AS names the world's users


class _Noting(ImmutableMultiDict):
    """request.args that notes every name a view looks up (found, or looked for and absent)."""

    asked: set = set()

    def __contains__(self, key):
        self.asked.add(key)
        return super().__contains__(key)

    def __getitem__(self, key):
        self.asked.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None, type=None):  # noqa: A002 (MultiDict's own signature)
        self.asked.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):  # noqa: A002
        self.asked.add(key)
        return super().getlist(key, type)


@pytest.fixture
def signed_in_world(client, matrix_image):
    return restore(matrix_image)


def _role(endpoint):
    return ROLE_OF[SIGNED_IN_AS.get(endpoint, "admin")]


def _url(app, world, case):
    endpoint, _rule, fixed = case
    return build(app, endpoint, get_case(world, endpoint, fixed))


def names_read(app, client, world, monkeypatch) -> dict:
    """rule_id -> the query names its view looks up, each rule requested once by whoever routes.SIGNED_IN_AS says
    (the site admin, for most). The page number is left out: every request is checked for it before any view."""
    monkeypatch.setattr(app.request_class, "parameter_storage_class", _Noting)
    read = {}
    with quick_pdfs():
        for case in GET_RULES:
            sign_in(client, world, _role(case[0]))
            _Noting.asked = set()
            client.get(_url(app, world, case)).close()
            read[rule_id(case)] = _Noting.asked - {"page"}
    monkeypatch.undo()
    return read


def _path_texts(case) -> list[str]:
    endpoint, rule, fixed = case
    [found] = [r for r in URL_MAP.iter_rules() if r.endpoint == endpoint and r.rule == rule]
    return [name for name, converter in found._converters.items()
            if type(converter) in (UnicodeConverter, PathConverter) and name not in fixed]


def _wrong(response, payload) -> str | None:
    if response.status_code >= 500:
        return "a server error"
    location = response.headers.get("Location", "")
    if location and (urlsplit(location).scheme.lower() not in ("", "http", "https") or "<" in location):
        return f"redirects to {location!r}"
    if response.mimetype != "text/html":
        return None  # CSV, PDF, calendar files and images are not run by a browser
    body = response.get_data(as_text=True)
    if any(mark in payload for mark in "<\"'") and payload in body:
        return "the payload unescaped"
    scripts = _scripts(body)
    return f"something to run: {scripts}" if scripts else None


def _requests(app, world, case, names, payload):
    """(what is sent, URL) for one rule and one payload: the common names together, each read name alone, each text
    part of the path."""
    endpoint, _rule, fixed = case
    url = _url(app, world, case)
    yield "common names", url, {name: payload for name in COMMON_NAMES}
    for name in sorted(names):
        yield f"?{name}=", url, {name: payload}
    for name in _path_texts(case):
        yield f"<{name}>", build(app, endpoint, {**get_case(world, endpoint, fixed), name: payload}), {}


def test_the_views_reading_the_query_string_are_found(app, client, signed_in_world, monkeypatch):
    """The control: the names the views are known to read are noted (or the fuzzing below would send nothing)."""
    read = names_read(app, client, signed_in_world, monkeypatch)
    assert {"status", "category", "council", "sort"} <= read["/demands"]
    assert "next" in read["/login"]
    assert {"community", "status", "category"} <= read["/councils/<int:council_id>/inbox"]
    assert "code" in read["/verify"]
    assert "receipt" in read["/votes/<int:poll_id>/ballots"]
    assert {"from", "to"} <= read["/demands/<int:proposal_id>/diff"]
    assert {"network", "domain", "since_date"} <= read["/demands/<int:proposal_id>/signatures/invalidate"]


@pytest.mark.parametrize("payload", CONTEXT_PAYLOADS, ids=["tag", "attribute", "single-quoted", "javascript-url",
                                                             "closing-bdi"])
def test_no_get_rule_echoes_a_payload_unescaped(app, client, signed_in_world, monkeypatch, payload):
    world = signed_in_world
    read = names_read(app, client, world, monkeypatch)
    failures = []
    with quick_pdfs():
        for case in GET_RULES:
            sign_in(client, world, _role(case[0]))
            for sent, url, query in _requests(app, world, case, read[rule_id(case)], payload):
                path, _, built = url.partition("?")
                response = client.get(path, query_string={**dict(parse_qsl(built)), **query})
                wrong = _wrong(response, payload)
                response.close()
                if wrong:
                    failures.append(f"GET {rule_id(case)} with {sent}: {wrong} ({response.status_code})")
    assert not failures, "\n".join(failures)
