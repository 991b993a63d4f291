"""The database: declarative base with a constraint naming convention, the `db` object, UTC timestamps, engine
pragmas and transaction helpers."""
from datetime import datetime, timezone

from flask import current_app, has_request_context, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite stores it naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    # One registry carries both the naming convention and "every datetime is UTC-aware".
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


db = SQLAlchemy(model_class=Base)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL, a busy timeout and enforced foreign keys on every SQLite connection."""
    module = type(dbapi_connection).__module__
    if not module.startswith(("sqlite3", "pysqlite")):
        return
    # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy's documented recipe:
    # turn it off here and emit BEGIN ourselves in _sqlite_begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _writing_request() else "BEGIN")


def write_transaction(view):
    """Mark a view whose POSTs read then write under contention (signing): on SQLite they BEGIN IMMEDIATE.

    A deferred transaction (plain BEGIN) that has read and then writes cannot wait for the write lock:
    when another connection committed in the meantime SQLite answers "database is locked" (SQLITE_BUSY)
    at once, whatever busy_timeout says. BEGIN IMMEDIATE takes the write lock before the first read,
    waiting up to busy_timeout for it, so concurrent signatures queue instead of failing. GETs, and views
    not marked, keep deferred transactions (readers never wait). PostgreSQL is not affected.
    """
    view.sqlite_immediate = True
    return view


def _writing_request() -> bool:
    if not has_request_context() or request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return getattr(view, "sqlite_immediate", False)


def insert_ignoring(model, conflict_columns: list[str], values: dict):
    """INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL: a duplicate is an outcome, not an error (the
    statement returns the new id, or nothing when the row was there already)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (insert(model).values(**values).on_conflict_do_nothing(index_elements=conflict_columns)
            .returning(model.__table__.c.id))


def lock_row(obj) -> None:
    """Queue behind whoever else is changing this row, until the transaction ends: SELECT … FOR UPDATE on
    PostgreSQL (SQLite has one writer at a time; its write views BEGIN IMMEDIATE). Taking the lock flushes the
    session first, so nothing unsaved is lost."""
    model = type(obj)
    db.session.execute(select(model.id).where(model.id == obj.id).with_for_update())


def after_commit(callback) -> None:
    """Run `callback()` once the current transaction commits; drop it if it rolls back."""
    db.session.info.setdefault("after_commit", []).append(callback)


def _run_after_commit(session) -> None:
    # SQLAlchemy also fires after_commit when a SAVEPOINT is released (begin_nested): only the outermost commit
    # makes the work durable, so callbacks wait for it.
    if session.in_nested_transaction():
        return
    for callback in session.info.pop("after_commit", []):
        callback()


def _drop_after_rollback(session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the outermost transaction rolled back
        session.info.pop("after_commit", None)


def init_app(app) -> None:
    factory = db.session.session_factory
    if not event.contains(factory, "after_commit", _run_after_commit):
        event.listen(factory, "after_commit", _run_after_commit)
        event.listen(factory, "after_soft_rollback", _drop_after_rollback)
