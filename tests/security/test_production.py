"""Debug mode is off in production (ASVS 13.4.2): the app refuses to start with it, and an error shows the
localised error page, never a traceback."""
import pytest

from civicvoice import create_app

HTTPS = "https://localhost"
production = pytest.mark.app_config(CIVICVOICE_ENV="production", TESTING=False, BASE_URL=HTTPS)


@pytest.fixture
def production_env(monkeypatch):
    monkeypatch.setenv("CIVICVOICE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    monkeypatch.setenv("BASE_URL", "https://civicvoice.example")
    monkeypatch.delenv("FLASK_DEBUG", raising=False)


def test_production_runs_without_debug_mode(production_env):
    app = create_app()
    assert app.debug is False and app.config["DEBUG"] is False


@pytest.mark.parametrize("value", ["1", "true"])
def test_production_refuses_to_start_with_flask_debug(production_env, monkeypatch, value):
    monkeypatch.setenv("FLASK_DEBUG", value)  # what `flask run --debug` sets too
    with pytest.raises(RuntimeError, match="debug mode"):
        create_app()


def test_production_refuses_to_start_with_the_debug_setting(production_env):
    with pytest.raises(RuntimeError, match="debug mode"):
        create_app({"DEBUG": True})


def test_development_may_run_in_debug_mode(monkeypatch):
    """The control: the refusal is production's, not a debug flag that never works."""
    monkeypatch.setenv("FLASK_DEBUG", "1")
    monkeypatch.delenv("CIVICVOICE_ENV", raising=False)
    monkeypatch.delenv("BASE_URL", raising=False)
    assert create_app({"SECRET_KEY": "x" * 40}).debug is True


@production
@pytest.mark.own_app
@pytest.mark.parametrize("language, title", [("ar", "حدث خطأ من جهتنا"), ("en", "Something went wrong on our side")])
def test_an_error_in_production_shows_the_localised_page_without_a_traceback(app, client, language, title):
    @app.get("/test/broken")
    def broken():
        raise RuntimeError("internal detail 8731 in a query")

    assert app.debug is False
    response = client.get("/test/broken", base_url=HTTPS, headers={"Accept-Language": language})
    page = response.get_data(as_text=True)
    assert response.status_code == 500 and response.mimetype == "text/html"
    assert f'lang="{language}"' in page and title in page
    for leak in ("Traceback", "RuntimeError", "internal detail 8731", "werkzeug", 'File "'):
        assert leak not in page
