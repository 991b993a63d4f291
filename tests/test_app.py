"""The app starts, is configured from the environment, and its schema is exactly what the migrations build."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from civicvoice import create_app
from civicvoice.config import WEAK_SECRET_KEYS
from civicvoice.extensions import db


def test_models_and_migrations_agree(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_integrity_constraints_exist_in_the_database(app):
    inspector = inspect(db.engine)
    memberships = {tuple(u["column_names"]) for u in inspector.get_unique_constraints("memberships")}
    assert ("community_id", "user_id") in memberships
    users = {tuple(u["column_names"]) for u in inspector.get_unique_constraints("users")}
    assert ("email_key",) in users
    assert inspector.get_foreign_keys("memberships")
    checks = {c["name"] for c in inspector.get_check_constraints("memberships")}
    assert "ck_memberships_role" in checks


@pytest.mark.sqlite
def test_sqlite_runs_with_wal_foreign_keys_and_busy_timeout(app):
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_default_database_is_sqlite_in_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{app.instance_path}/civicvoice.db"


def test_postgres_urls_use_psycopg3(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    app = create_app({"SECRET_KEY": "x" * 40})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_secret_key_is_generated_into_instance_once(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    from civicvoice import config

    first = config._secret_key(str(tmp_path))
    assert len(first) == 64
    assert config._secret_key(str(tmp_path)) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("key", sorted(WEAK_SECRET_KEYS) + ["short-key"])
def test_production_refuses_a_default_secret_key(monkeypatch, key):
    monkeypatch.setenv("CIVICVOICE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_production_starts_with_a_strong_key(monkeypatch):
    monkeypatch.setenv("CIVICVOICE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    monkeypatch.setenv("BASE_URL", "https://civicvoice.example")  # required too: tests/security/test_host_pinning.py
    assert create_app().config["SECRET_KEY"] == "k" * 48


def test_redis_url_backs_rate_limits(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/5")
    app = create_app({"SECRET_KEY": "x" * 40})
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/5"


def test_without_redis_rate_limits_use_memory(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    app = create_app({"SECRET_KEY": "x" * 40})
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
