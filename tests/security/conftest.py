"""Fixtures of the security suite: a world of real objects, sites built once per payload, a whole-database snapshot,
a CSRF token."""
import pytest
from sqlalchemy import MetaData, select

from tests.images import build_image, restore

from .routes import build_matrix_world, build_world, csrf_token_of


@pytest.fixture(scope="session")
def world_image(database_url, tmp_path_factory):
    """The world, built through the services once for the session."""
    return build_image(database_url, tmp_path_factory.mktemp("world"), build_world)


@pytest.fixture(scope="session")
def matrix_image(database_url, tmp_path_factory):
    """The world with one user of each role of routes.ROLES, each signed in on a session of their own (restore it;
    routes.sign_in puts a role's cookie on a client)."""
    return build_image(database_url, tmp_path_factory.mktemp("matrix"), build_matrix_world)


@pytest.fixture(scope="session")
def _site_images():
    return {}


@pytest.fixture
def site_image(app, _site_images, database_url, tmp_path_factory):
    """site_image(build, payload) -> build(payload)'s (objects, tag), built through the services once per build and
    payload for the session, then restored before each test that asks (the XSS suites build the same site with the
    same payload for every page they check: letters with their PDFs, councils' answers… seconds each)."""

    def _restore(build, payload):
        key = (build.__module__, build.__qualname__, payload)
        if key not in _site_images:
            _site_images[key] = build_image(database_url, tmp_path_factory.mktemp("site"),
                                            lambda: build(payload)[0])
        return restore(_site_images[key]), lambda field: f"{payload} ~{field}"

    return _restore


@pytest.fixture
def world(app, world_image):
    """build_world()'s objects, restored from the session's image (as if built just now)."""
    return restore(world_image)


@pytest.fixture(scope="session")
def reflected():
    """The database's tables as reflected once per session (the schema does not change while tests run)."""
    metadata = MetaData()

    def tables_of(engine) -> MetaData:
        if not metadata.tables:
            metadata.reflect(bind=engine)
        return metadata

    return tables_of


@pytest.fixture
def snapshot(db, reflected):
    """snapshot() -> every row of every table in the database (reflected: tables outside the models count)."""

    def _snapshot() -> dict:
        metadata = reflected(db.engine)
        rows = {}
        for name, table in sorted(metadata.tables.items()):
            order = list(table.primary_key.columns) or list(table.columns)
            rows[name] = [tuple(row) for row in db.session.execute(select(table).order_by(*order))]
        db.session.rollback()  # end the read, so the next snapshot sees what requests committed since
        return rows

    return _snapshot


@pytest.fixture
def csrf_token(client):
    """csrf_token() -> the token the site's own pages give this client."""
    return lambda: csrf_token_of(client)
