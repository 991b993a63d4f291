"""Error pages are localised, htmx-aware, and bad input never turns into a 500."""
import pytest
from flask import abort

from civicvoice.errors import Conflict, InvalidTransition

pytestmark = pytest.mark.own_app  # the tests add routes to their app


@pytest.fixture
def failing(app):

    @app.route("/_test/abort/<int:code>")
    def _abort(code):
        abort(code)

    @app.route("/_test/crash")
    def _crash():
        raise RuntimeError("boom")

    @app.route("/_test/locked")
    def _locked():
        from sqlalchemy.exc import OperationalError

        raise OperationalError("INSERT ...", {}, Exception("database is locked"))

    @app.route("/_test/conflict")
    def _conflict():
        raise InvalidTransition()

    return app


@pytest.mark.parametrize("code, arabic", [(400, "غير صالح"), (403, "لا يُسمح لك"), (404, "غير موجودة"),
                                          (409, "غير ممكن"), (429, "محاولات"), (500, "خطأ")])
def test_error_pages_are_localised(client, failing, code, arabic):
    path = "/_test/crash" if code == 500 else f"/_test/abort/{code}"
    response = client.get(path)
    page = response.get_data(as_text=True)
    assert response.status_code == code
    assert '<html lang="ar" dir="rtl">' in page
    assert arabic in page
    client.post("/language", data={"locale": "en"})
    assert '<html lang="en" dir="ltr">' in client.get(path).get_data(as_text=True)


def test_domain_errors_answer_with_their_status(client, failing):
    assert client.get("/_test/conflict").status_code == 409
    assert Conflict.status == 409


def test_htmx_requests_get_the_error_fragment(client, failing):
    response = client.get("/_test/abort/404", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert "<html" not in response.get_data(as_text=True)


def test_unknown_method_is_405_not_500(client):
    assert client.delete("/").status_code == 405


def test_a_locked_sqlite_database_asks_to_retry(client, failing):
    response = client.get("/_test/locked")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert '<html lang="ar" dir="rtl">' in response.get_data(as_text=True)
