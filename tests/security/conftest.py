"""Fixtures of the security suite: a world of real objects, a whole-database snapshot, a CSRF token."""
import pytest
from sqlalchemy import MetaData, select

from .routes import build_world, csrf_token_of


@pytest.fixture
def world(app):
    return build_world()


@pytest.fixture
def snapshot(db):
    """snapshot() -> every row of every table in the database (reflected: tables outside the models count)."""

    def _snapshot() -> dict:
        metadata = MetaData()
        metadata.reflect(bind=db.engine)
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
