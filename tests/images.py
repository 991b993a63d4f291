"""Database images: data built once through the services, captured, then put back before each test that uses it.

Building the security suite's world, or the permission matrix's, through the services takes seconds, and many
tests use each. An image keeps every row the build wrote (read through the models' own types), the files it
uploaded and what the build returned; restoring it inserts the rows in one statement per table and loads the
returned objects again, in the test's own session.

Times move with the clock: every UTC timestamp is restored shifted by the time elapsed since the build, so
"two hours ago" and "within the 15-minute edit window" still hold when a test runs minutes after the build.
"""
import dataclasses
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import Integer, inspect, select, text

from civicvoice import create_app
from civicvoice.storage import upload_folder as upload_directory
from civicvoice.database import UTCDateTime, utcnow
from civicvoice.extensions import db


@dataclass
class Image:
    built_at: datetime
    rows: dict[str, list[dict]]
    timestamps: dict[str, list[str]]  # table → its UTC timestamp columns
    result: tuple  # what the build returned, with (class, primary key) in place of each object
    uploads: Path | None


def build_image(database_url: str, folder: Path, build) -> Image:
    """Run `build()` once, in an app of its own on the (empty) test database, capture it, then empty it again."""
    from tests.conftest import TEST_CONFIG, _truncate

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                      "MAIL_OUTBOX_DIR": str(folder / "outbox")})
    app.instance_path = str(folder / "instance")
    with app.app_context():
        try:
            result = build()
            db.session.commit()
            return _capture(result, folder)
        finally:
            db.session.remove()
            _truncate()
            db.engine.dispose()


def _capture(result, folder: Path) -> Image:
    built_at = utcnow()  # after the build: restored times are never in the future
    rows, timestamps = {}, {}
    for table in db.metadata.sorted_tables:
        found = [dict(row) for row in db.session.execute(select(table)).mappings()]
        if found:
            rows[table.name] = _parents_first(table, found)
            timestamps[table.name] = [column.name for column in table.columns
                                      if isinstance(column.type, UTCDateTime)]
    uploads = None
    if upload_directory().is_dir() and any(upload_directory().iterdir()):
        uploads = folder / "uploads"
        shutil.copytree(upload_directory(), uploads)
    frozen = _freeze(result)
    db.session.rollback()
    return Image(built_at=built_at, rows=rows, timestamps=timestamps, result=frozen, uploads=uploads)


def restore(image: Image):
    """Put the image back into the (empty) test database and upload folder; return what the build returned."""
    shift = utcnow() - image.built_at
    connection = db.session.connection()
    for table in db.metadata.sorted_tables:
        rows = image.rows.get(table.name)
        if rows:
            connection.execute(table.insert(), _shifted(rows, image.timestamps[table.name], shift))
    if connection.dialect.name == "postgresql":
        _advance_sequences(connection, list(image.rows))
    db.session.commit()
    if image.uploads is not None:
        shutil.copytree(image.uploads, upload_directory(), dirs_exist_ok=True)
    return _thaw(image.result)


def _freeze(value) -> tuple:
    if isinstance(value, dict):
        return ("dict", {key: _freeze(item) for key, item in value.items()})
    if isinstance(value, SimpleNamespace):
        return ("namespace", {key: _freeze(item) for key, item in vars(value).items()})
    if isinstance(value, (list, tuple)):
        return (type(value), [_freeze(item) for item in value])
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return ("dataclass", type(value), {field.name: _freeze(getattr(value, field.name))
                                           for field in dataclasses.fields(value)})
    state = inspect(value, raiseerr=False)
    if getattr(state, "mapper", None) is not None and state.identity:
        return ("object", type(value), state.identity)
    if any(getattr(inspect(item, raiseerr=False), "mapper", None) for item in getattr(value, "__dict__", {}).values()):
        raise TypeError(f"{value!r} holds rows of the database: make it a dataclass so that it can be restored")
    return ("value", value)


def _thaw(frozen: tuple):
    kind = frozen[0]
    if kind == "dict":
        return {key: _thaw(item) for key, item in frozen[1].items()}
    if kind == "namespace":
        return SimpleNamespace(**{key: _thaw(item) for key, item in frozen[1].items()})
    if kind == "object":
        return db.session.get(frozen[1], frozen[2])
    if kind == "dataclass":
        return frozen[1](**{name: _thaw(item) for name, item in frozen[2].items()})
    if kind == "value":
        return frozen[1]
    return kind(_thaw(item) for item in frozen[1])  # a list or tuple


def _parents_first(table, rows: list[dict]) -> list[dict]:
    """Rows in an order their own table's foreign keys accept (a reply after the argument it answers, a person
    after whoever verified them), since the database checks each row as it is inserted."""
    own = [key.parent.name for key in table.foreign_keys if key.column.table is table]
    if not own:
        return rows
    [primary] = [column.name for column in table.primary_key.columns]
    by_id, seen, ordered = {row[primary]: row for row in rows}, set(), []

    def visit(row):
        if row[primary] not in seen:
            seen.add(row[primary])
            for name in own:
                if row[name] in by_id:
                    visit(by_id[row[name]])
            ordered.append(row)

    for row in rows:
        visit(row)
    return ordered


def _shifted(rows: list[dict], columns: list[str], shift: timedelta) -> list[dict]:
    if not columns:
        return rows
    return [{**row, **{name: row[name] + shift for name in columns if row[name] is not None}} for row in rows]


def _advance_sequences(connection, names: list[str]) -> None:
    """Rows came back with their ids: move each serial sequence past them, as the inserts would have."""
    calls = []
    for name in names:
        key = list(db.metadata.tables[name].primary_key.columns)
        if len(key) == 1 and isinstance(key[0].type, Integer):
            column = key[0].name
            # NULL (nothing done) for a key without a sequence. Names come from our own metadata.
            calls.append(f"setval(pg_get_serial_sequence('\"{name}\"', '{column}'), "
                         f"(SELECT MAX(\"{column}\") FROM \"{name}\"))")
    if calls:
        connection.execute(text("SELECT " + ", ".join(calls)))
