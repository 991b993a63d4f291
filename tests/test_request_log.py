"""Request ids (X-Request-ID, on error pages) and the JSON log: one object per line, each request's access line with
its route, status and time, accounts as tags only, and no one's address, name or id in clear."""
import json
import logging
import re

import pytest
from flask import abort

from civicvoice import create_app, jsonlog, requestlog
from civicvoice.securitylog import tag
from tests.conftest import TEST_CONFIG
from tests.factories import PASSWORD, make_community, make_user

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture(autouse=True)
def logging_state():
    """Put the root logger (and the loggers jsonlog quietens or strips) back as they were: an app built with
    LOG_FORMAT=json configures the process's logging, and the next tests of this worker must not inherit it."""
    root = logging.getLogger()
    saved = [(logger, list(logger.handlers), logger.level) for logger in
             (root, logging.getLogger("civicvoice"), *map(logging.getLogger, jsonlog.CHATTY))]
    yield
    for logger, handlers, level in saved:
        logger.handlers[:] = handlers
        logger.setLevel(level)


def json_lines(capsys) -> list[dict]:
    """Every line written to stderr, each parsed as JSON (a line that is not JSON fails the test)."""
    return [json.loads(line) for line in capsys.readouterr().err.splitlines()]


def access_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == "civicvoice.access"]


@pytest.fixture
def failing(app):
    @app.route("/_test/crash")
    def _crash():
        raise RuntimeError("boom")

    @app.route("/_test/forbidden")
    def _forbidden():
        abort(403)

    return app


# Request ids. ------------------------------------------------------------------------------------------------------

def test_every_response_carries_a_new_request_id(client):
    first, second = client.get("/").headers["X-Request-ID"], client.get("/").headers["X-Request-ID"]
    assert GENERATED.fullmatch(first) and GENERATED.fullmatch(second) and first != second
    with client.get("/static/css/app.css") as static:
        assert GENERATED.fullmatch(static.headers["X-Request-ID"])
    assert GENERATED.fullmatch(client.get("/no/such/page").headers["X-Request-ID"])


def test_an_incoming_id_is_not_trusted_without_a_proxy(client):
    response = client.get("/", headers={"X-Request-ID": "chosen-by-the-client"})
    assert GENERATED.fullmatch(response.headers["X-Request-ID"])


@pytest.mark.app_config(TRUSTED_PROXIES=1)
def test_the_trusted_proxys_id_is_kept(client):
    given = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"  # nginx's $request_id
    assert client.get("/", headers={"X-Request-ID": given}).headers["X-Request-ID"] == given
    assert client.get("/", headers={"X-Request-ID": "a.B_c-12"}).headers["X-Request-ID"] == "a.B_c-12"


@pytest.mark.app_config(TRUSTED_PROXIES=1)
@pytest.mark.parametrize("given", ["short", "x" * 65, "with space", "<script>alert(1)</script>", "id;forged=1",
                                   "ليس-معرّفاً-صالحاً"])
def test_a_proxys_id_that_is_not_a_plain_id_is_replaced(client, given):
    response = client.get("/", headers={"X-Request-ID": given.encode("utf-8").decode("latin-1")})
    assert GENERATED.fullmatch(response.headers["X-Request-ID"])


@pytest.mark.own_app
def test_the_500_page_shows_the_reference(client, failing):
    response = client.get("/_test/crash")
    assert response.status_code == 500
    reference = response.headers["X-Request-ID"]
    assert f'الرقم المرجعي: <bdi dir="ltr">{reference}</bdi>' in response.get_data(as_text=True)


def test_error_pages_show_the_reference_in_english_too(client):
    client.post("/language", data={"locale": "en"})
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert f'Reference: <bdi dir="ltr">{response.headers["X-Request-ID"]}</bdi>' in response.get_data(as_text=True)


def test_the_htmx_error_fragment_shows_the_reference(client):
    response = client.get("/no/such/page", headers={"HX-Request": "true"})
    assert response.headers["X-Request-ID"] in response.get_data(as_text=True)


@pytest.mark.parametrize("address, network", [("203.0.113.77", "203.0.113.0"), ("2001:db8:1:2::5", "2001:db8:1::"),
                                              ("::ffff:198.51.100.9", "198.51.100.0"), ("", "-"), (None, "-"),
                                              ("not an address", "-")])
def test_addresses_are_cut_to_their_network(address, network):
    assert requestlog.network(address) == network


# The JSON log. -----------------------------------------------------------------------------------------------------

@pytest.mark.own_app
@pytest.mark.app_config(LOG_FORMAT="json")
def test_each_request_writes_one_json_access_line(client, capsys):
    community = make_community(slug="alpha")
    capsys.readouterr()
    home = client.get("/", environ_base={"REMOTE_ADDR": "203.0.113.77"})
    page = client.get(f"/communities/{community.slug}")
    missing = client.get("/no/such/page")
    lines = access_lines(json_lines(capsys))
    assert [(line["method"], line["route"], line["endpoint"], line["status"]) for line in lines] == [
        ("GET", "/", "communities.index", 200), ("GET", "/communities/<slug>", "communities.show", 200),
        ("GET", "-", "-", 404)]
    assert [line["request_id"] for line in lines] == [r.headers["X-Request-ID"] for r in (home, page, missing)]
    assert lines[0]["ip"] == "203.0.113.0" and lines[1]["ip"] == "127.0.0.0"
    assert all(isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0 for line in lines)
    assert all(line["level"] == "INFO" and line["time"].endswith("Z") for line in lines)
    assert "alpha" not in json.dumps(lines)  # the route, never the path with what identifies a page


@pytest.mark.own_app
@pytest.mark.app_config(LOG_FORMAT="json")
def test_the_probes_write_no_access_line(client, capsys):
    capsys.readouterr()
    client.get("/healthz")
    client.get("/readyz")
    assert access_lines(json_lines(capsys)) == []


@pytest.mark.own_app
@pytest.mark.app_config(LOG_FORMAT="json")
def test_the_log_names_nobody_in_clear(client, failing, capsys):
    user = make_user(name="ريم الحداد", email="rima.haddad@example.org")
    capsys.readouterr()
    client.post("/login", data={"email": user.email, "password": "not the password at all"})
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    client.get("/account")
    client.get("/_test/forbidden")
    output = capsys.readouterr().err
    lines = [json.loads(line) for line in output.splitlines()]
    assert {"sign-in failed", "session started", "access refused"} <= {line.get("event") for line in lines}
    assert "rima" not in output.lower() and "haddad" not in output.lower() and "ريم" not in output
    assert "not the password" not in output and PASSWORD not in output
    signed_in = [line for line in access_lines(lines) if line["route"] in ("/account", "/_test/forbidden")]
    assert [line.get("user") for line in signed_in] == [tag("user", user.id)] * 2
    assert all(line.get("user") in (None, tag("user", user.id)) for line in lines)


@pytest.mark.own_app
@pytest.mark.app_config(LOG_FORMAT="json")
def test_a_crash_is_one_line_with_its_request_id_and_traceback(client, failing, capsys):
    capsys.readouterr()
    response = client.get("/_test/crash")
    [crash] = [line for line in json_lines(capsys) if line["level"] == "ERROR"]
    assert crash["request_id"] == response.headers["X-Request-ID"]
    assert crash["logger"] == "civicvoice.errors" and "RuntimeError: boom" in crash["exception"]


def test_building_the_app_twice_keeps_one_json_handler(database_url, capsys):
    config = {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "LOG_FORMAT": "json"}
    create_app(config)
    app = create_app(config)
    handlers = [handler for handler in logging.getLogger().handlers if isinstance(handler, jsonlog.JsonHandler)]
    assert len(handlers) == 1
    capsys.readouterr()
    with app.app_context():
        app.test_client().get("/healthz")
        app.logger.warning("once")
    assert [line["message"] for line in json_lines(capsys)] == ["once"]


def test_json_is_the_default_in_production_and_text_elsewhere(database_url, monkeypatch):
    production = {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "CIVICVOICE_ENV": "production",
                  "BASE_URL": "https://civic.example"}
    assert create_app(production).config["LOG_FORMAT"] == "json"
    assert create_app({**production, "LOG_FORMAT": "text"}).config["LOG_FORMAT"] == "text"
    assert create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url}).config["LOG_FORMAT"] == "text"
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(RuntimeError, match="LOG_FORMAT must be 'json' or 'text'"):
        create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
