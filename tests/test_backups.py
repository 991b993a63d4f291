"""Backups: the round trip on SQLite and PostgreSQL (every table, every row, every column, every file), the manifest,
and the refusals (a damaged archive, a database or storage not empty, the other kind of database, pg_dump missing
or failing), each before anything is touched; the pruning of old archives."""
import hashlib
import io
import json
import os
import socket
import stat
import tarfile
from datetime import datetime, timedelta, timezone
from importlib import metadata
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, make_url, select, text

from civicvoice import backups, create_app, demo, storage
from civicvoice.accounts import services as accounts
from civicvoice.accounts import sessions
from civicvoice.council import responses
from civicvoice.extensions import db as _db
from civicvoice.letters import services as letters
from civicvoice.proposals import attachments
from civicvoice.proposals.models import Proposal
from tests.conftest import BACKEND, TEST_CONFIG
from tests.factories import make_proposal, make_user, scan_png


def _target_url(source_url: str) -> str:
    """An empty database of the source's kind: a new SQLite file, or the PostgreSQL database named after the test
    database with a "2" (cv_backup → cv_backup2; created once), emptied."""
    url = make_url(source_url)
    if url.get_backend_name() == "sqlite":
        return url.set(database=str(Path(url.database).parent / f"restored-{os.getpid()}-{os.urandom(4).hex()}.db")) \
            .render_as_string(hide_password=False)
    target = url.set(database=f"{url.database}2")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}):
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))  # our own name: the test database's + 2
    finally:
        admin.dispose()
    engine = create_engine(target)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    finally:
        engine.dispose()
    return target.render_as_string(hide_password=False)


@pytest.fixture
def target(app, tmp_path):
    """A second site: an empty database of the same kind and an empty upload folder."""
    site = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": _target_url(app.config["SQLALCHEMY_DATABASE_URI"]),
                       "UPLOAD_DIR": str(tmp_path / "restored-uploads")})
    site.instance_path = str(tmp_path / "target-instance")
    yield site
    with site.app_context():
        _db.session.remove()
        _db.engine.dispose()


def _create(app, folder: Path) -> Path:
    """`flask backup create --output folder` on the site of `app`: the archive's path, which it prints."""
    result = app.test_cli_runner().invoke(args=["backup", "create", "--output", str(folder)])
    assert result.exit_code == 0, result.output
    return Path(result.output.strip())


def _restore(site, archive: Path, *options):
    # The command runs in the app context it finds: the target's, pushed here, not the test's (the source's).
    with site.app_context():
        return site.test_cli_runner().invoke(args=["backup", "restore", str(archive), *options])


def _realistic_data(db):
    """The demo (communities, demands, signatures on paper with their scans, votes, letters issued as PDFs, council
    answers, volunteers), plus an attachment, a council photo and a sign-in session."""
    demo.load()
    adopted = db.session.scalar(select(Proposal).where(Proposal.title == demo.ADOPTED["title"]))
    author = accounts.find_by_email(demo.ADOPTED["author"])
    [upload] = attachments.prepare([(scan_png(color=(200, 30, 30)), "plan.png")], adopted)
    attachments.add(author, adopted, upload)
    sessions.start(author, user_agent="Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0")
    answered = db.session.scalar(select(Proposal).where(Proposal.title == demo.COUNCIL_LETTERS[1]["title"]))
    responses.post_progress(accounts.find_by_email(demo.RESPONDER), letters.of(answered), "in_progress",
                            "بدأت الورشة باستبدال الأنابيب.", photos=[(scan_png(color=(30, 200, 30)), "work.png")])
    db.session.commit()


def _small_data(db):
    """A demand with an attachment: enough for the refusals."""
    proposal = make_proposal()
    [upload] = attachments.prepare([(scan_png(), "plan.png")], proposal)
    attachments.add(proposal.author, proposal, upload)
    db.session.commit()


def _tables(url: str) -> dict[str, list[tuple]]:
    """Every table of the database (those the models declare and alembic's), every row ordered by primary key."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found = {}
            for name in inspect(conn).get_table_names():
                table = _db.metadata.tables.get(name)
                if table is None:  # alembic_version
                    found[name] = sorted(conn.execute(text(f'SELECT * FROM "{name}"')).all())
                    continue
                order = list(table.primary_key.columns) or list(table.columns)
                found[name] = [tuple(row) for row in conn.execute(select(table).order_by(*order))]
            if conn.dialect.name == "postgresql":  # the next ids: a new row after a restore takes a free one
                found["(sequences)"] = conn.execute(text(
                    "SELECT sequencename, last_value FROM pg_sequences ORDER BY sequencename")).all()
            return found
    finally:
        engine.dispose()


def _files(site) -> dict[str, bytes]:
    with site.app_context():
        return {key: storage.read(key) for key in storage.keys()}


def _round_trip(app, db, target, tmp_path):
    _realistic_data(db)
    source_tables, source_files = _tables(app.config["SQLALCHEMY_DATABASE_URI"]), _files(app)
    assert all(source_tables[name] for name in ("users", "proposals", "signatures", "poll_ballots", "letter_versions",
                                                "proposal_attachments", "council_response_photos", "user_sessions"))
    assert len(source_files) >= 7  # two sheet scans, two issued letters, an attachment, a photo …
    archive = _create(app, tmp_path / "backups")

    result = _restore(target, archive, "--yes")

    assert result.exit_code == 0, result.output
    assert f"Restored the database and {len(source_files)} file(s)." in result.output
    assert "flask db upgrade" not in result.output  # taken at the head of the migrations
    restored = _tables(target.config["SQLALCHEMY_DATABASE_URI"])
    assert restored.keys() == source_tables.keys()
    for name, rows in source_tables.items():
        assert restored[name] == rows, name
    assert _files(target) == source_files
    return archive, source_files


@pytest.mark.sqlite
def test_round_trip_on_sqlite_restores_every_table_row_and_file(app, db, target, tmp_path):
    _round_trip(app, db, target, tmp_path)


@pytest.mark.postgres
def test_round_trip_on_postgresql_restores_every_table_row_and_file(app, db, target, tmp_path):
    archive, _ = _round_trip(app, db, target, tmp_path)
    with tarfile.open(archive) as members:
        assert "database.pgdump" in members.getnames()


def test_the_archive_is_private_and_its_manifest_checks_every_member(app, db, tmp_path):
    _small_data(db)
    archive = _create(app, tmp_path / "backups")

    assert archive.parent == tmp_path / "backups" and backups.NAME.match(archive.name)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert [path.name for path in archive.parent.iterdir()] == [archive.name]  # no work file left behind
    with tarfile.open(archive) as members:
        manifest = json.loads(members.extractfile("manifest.json").read())
        contents = {member.name: members.extractfile(member).read() for member in members
                    if member.name != "manifest.json"}
    kind = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
    assert (manifest["format"], manifest["database"]) == (1, kind)
    assert manifest["app_version"] == metadata.version("civicvoice")
    with app.app_context():
        assert manifest["alembic_revision"] == db.session.scalar(text("SELECT version_num FROM alembic_version"))
        keys = set(storage.keys())
    created = datetime.fromisoformat(manifest["created_at"])
    assert abs(datetime.now(timezone.utc) - created) < timedelta(minutes=1)
    assert set(contents) == {backups.DUMPS[kind], *(f"files/{key}" for key in keys)} and keys
    assert manifest["members"] == {name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                                   for name, data in contents.items()}


def _flip_byte(archive: Path, member: str):
    with tarfile.open(archive) as members:
        offset = members.getmember(member).offset_data
    with archive.open("r+b") as handle:
        handle.seek(offset + 3)
        byte = handle.read(1)
        handle.seek(offset + 3)
        handle.write(bytes([byte[0] ^ 0xFF]))


def _truncate(archive: Path):
    with archive.open("r+b") as handle:
        handle.truncate(archive.stat().st_size // 2)


def _damage_dump(archive: Path):
    with tarfile.open(archive) as members:
        dump = next(name for name in members.getnames() if name.startswith("database."))
    _flip_byte(archive, dump)


def _damage_file(archive: Path):
    with tarfile.open(archive) as members:
        stored = next(name for name in members.getnames() if name.startswith("files/"))
    _flip_byte(archive, stored)


@pytest.mark.parametrize("damage, said", [
    (_damage_file, "does not match its checksum"),
    (_damage_dump, "does not match its checksum"),
    (_truncate, "is damaged or is not a CivicVoice backup"),
])
def test_a_damaged_archive_is_refused_before_anything_is_touched(app, db, target, tmp_path, damage, said):
    _small_data(db)
    archive = _create(app, tmp_path / "backups")
    damage(archive)

    result = _restore(target, archive, "--yes")

    assert result.exit_code == 1 and said in result.output and "Nothing was restored." in result.output
    assert "Traceback" not in result.output
    assert _tables(target.config["SQLALCHEMY_DATABASE_URI"]) in ({}, {"(sequences)": []})
    assert _files(target) == {}


def test_a_member_added_to_the_archive_is_refused(app, db, target, tmp_path):
    _small_data(db)
    archive = _create(app, tmp_path / "backups")
    extra = tmp_path / "extra"
    extra.write_bytes(b"not from the backup")
    with tarfile.open(archive, "a") as members:
        members.add(extra, arcname="files/planted")

    result = _restore(target, archive, "--yes")

    assert result.exit_code == 1 and "its members differ from its manifest (files/planted)" in result.output
    assert _files(target) == {}


def test_restore_into_a_database_that_is_not_empty_is_refused(app, db, tmp_path):
    _small_data(db)
    archive = _create(app, tmp_path / "backups")
    tables = _tables(app.config["SQLALCHEMY_DATABASE_URI"])
    site = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                       "UPLOAD_DIR": str(tmp_path / "empty-uploads")})

    result = _restore(site, archive, "--yes")

    assert result.exit_code == 1 and "The database is not empty" in result.output
    assert _tables(app.config["SQLALCHEMY_DATABASE_URI"]) == tables
    with site.app_context():
        _db.engine.dispose()


def test_restore_into_a_storage_that_is_not_empty_is_refused(app, db, target, tmp_path):
    _small_data(db)
    archive = _create(app, tmp_path / "backups")
    with target.app_context():
        key = storage.save(b"already here")

    result = _restore(target, archive, "--yes")

    assert result.exit_code == 1 and "The storage already holds files" in result.output
    assert _files(target) == {key: b"already here"}
    assert _tables(target.config["SQLALCHEMY_DATABASE_URI"]) in ({}, {"(sequences)": []})


def test_a_database_holding_only_an_empty_alembic_version_counts_as_empty(app, db, target, tmp_path):
    """What `flask db stamp` or a failed first `flask db upgrade` may leave: the restore goes on."""
    _small_data(db)
    archive = _create(app, tmp_path / "backups")
    engine = create_engine(target.config["SQLALCHEMY_DATABASE_URI"])
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
    engine.dispose()

    result = _restore(target, archive, "--yes")

    assert result.exit_code == 0, result.output
    assert _tables(target.config["SQLALCHEMY_DATABASE_URI"]) == _tables(app.config["SQLALCHEMY_DATABASE_URI"])
    assert _files(target) == _files(app)


def test_restore_asks_first_without_yes(app, db, target, tmp_path):
    _small_data(db)
    archive = _create(app, tmp_path / "backups")

    with target.app_context():
        result = target.test_cli_runner().invoke(args=["backup", "restore", str(archive)], input="n\n")

    assert result.exit_code == 1 and "Restore it into this database and storage?" in result.output
    assert _files(target) == {}


def _unused_port() -> int:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return listener.getsockname()[1]


def test_a_backup_is_restored_only_into_the_same_kind_of_database(app, db, tmp_path):
    _small_data(db)
    archive = _create(app, tmp_path / "backups")
    other = (f"sqlite:///{tmp_path / 'other.db'}" if BACKEND == "postgresql"
             else f"postgresql+psycopg://postgres@127.0.0.1:{_unused_port()}/nothing")
    site = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": other, "UPLOAD_DIR": str(tmp_path / "other")})

    result = _restore(site, archive, "--yes")

    kinds = ("SQLite", "PostgreSQL") if BACKEND == "sqlite" else ("PostgreSQL", "SQLite")
    assert result.exit_code == 1
    assert f"This backup holds a {kinds[0]} database and DATABASE_URL is a {kinds[1]} one" in result.output


def _postgres_site(tmp_path, **settings):
    """A site whose PostgreSQL nobody answers for: pg_dump is started, and fails, before any connection is made."""
    return create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI":
                       f"postgresql+psycopg://postgres:secret@127.0.0.1:{_unused_port()}/nothing", **settings})


@pytest.mark.parametrize("tools, said", [
    ("missing", "pg_dump was not found: install PostgreSQL's client tools"),
    ("failing", "pg_dump failed (exit status 1): pg_dump: error: server version: 99.0; pg_dump version: 15"),
    ("real", "pg_dump failed (exit status 1): pg_dump: error: connection to server at \"127.0.0.1\""),
])
def test_pg_dump_missing_or_failing_gives_a_clear_error_and_no_archive(tmp_path, tools, said):
    folder = tmp_path / "bin"
    folder.mkdir()
    if tools == "failing":
        fake = folder / "pg_dump"
        fake.write_text("#!/bin/sh\necho 'pg_dump: error: server version: 99.0; pg_dump version: 15' >&2\nexit 1\n")
        fake.chmod(0o755)
    site = _postgres_site(tmp_path, **({} if tools == "real" else {"BACKUP_PG_BIN": str(folder)}))

    result = site.test_cli_runner().invoke(args=["backup", "create", "--output", str(tmp_path / "backups")])

    assert result.exit_code == 1, result.output
    assert f"Error: {said}" in result.output and "Traceback" not in result.output
    assert "secret" not in result.output
    assert list((tmp_path / "backups").iterdir()) == []


def test_pg_dump_gets_the_password_in_its_environment_not_on_its_command_line(tmp_path):
    folder = tmp_path / "bin"
    folder.mkdir()
    spy = folder / "pg_dump"
    spy.write_text(f'#!/bin/sh\necho "$PGPASSWORD" > {tmp_path}/password\necho "$@" > {tmp_path}/arguments\nexit 3\n')
    spy.chmod(0o755)
    site = _postgres_site(tmp_path, BACKUP_PG_BIN=str(folder))

    site.test_cli_runner().invoke(args=["backup", "create", "--output", str(tmp_path / "backups")])

    assert (tmp_path / "password").read_text().strip() == "secret"
    arguments = (tmp_path / "arguments").read_text()
    assert "secret" not in arguments and "--format=custom" in arguments
    assert "host=127.0.0.1" in arguments and "dbname=nothing" in arguments


@pytest.mark.sqlite
def test_a_backup_taken_at_an_older_migration_restores_and_says_to_upgrade(tmp_path):
    older = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'older.db'}",
                        "UPLOAD_DIR": str(tmp_path / "older-uploads")})
    with older.app_context():
        upgrade(revision="fd509cea1cd2")  # the head's parent: before the sealed ballots
        make_user(email="before@example.org")
        _db.session.commit()
        _db.engine.dispose()
    archive = _create(older, tmp_path / "backups")
    site = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'new.db'}",
                       "UPLOAD_DIR": str(tmp_path / "new-uploads")})

    result = _restore(site, archive, "--yes")

    assert result.exit_code == 0, result.output
    assert "The backup was taken at migration fd509cea1cd2; this version is at " in result.output
    assert "run `flask db upgrade` now" in result.output
    with site.app_context():
        upgrade()
        assert accounts.find_by_email("before@example.org") is not None
        _db.engine.dispose()


def test_a_backup_from_a_newer_version_is_refused(app, db, target, tmp_path):
    _small_data(db)
    archive = _create(app, tmp_path / "backups")
    with tarfile.open(archive) as members:
        contents = {member.name: members.extractfile(member).read() for member in members}
    manifest = json.loads(contents.pop("manifest.json"))
    manifest["alembic_revision"], manifest["app_version"] = "f00dfeedbeef", "9.0.0"
    newer = tmp_path / "newer.tar"
    with tarfile.open(newer, "w") as members:
        for name, data in [*contents.items(), ("manifest.json", json.dumps(manifest).encode())]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            members.addfile(info, io.BytesIO(data))

    result = _restore(target, newer, "--yes")

    assert result.exit_code == 1
    assert "taken at migration f00dfeedbeef, which this version of CivicVoice does not know" in result.output


# --- prune ---------------------------------------------------------------------------------------------------------

def _archives(folder: Path, moments: list[datetime]) -> list[Path]:
    folder.mkdir(exist_ok=True)
    paths = []
    for moment in moments:
        path = folder / f"civicvoice-backup-{moment:%Y%m%dT%H%M%SZ}.tar"
        path.write_bytes(b"")
        paths.append(path)
    return paths


def test_prune_keeps_the_newest_of_each_day_week_and_month_asked_for(app, tmp_path):
    # A nightly backup at 03:15 for 120 days, and a second one on the last day (taken by hand before an upgrade).
    last = datetime(2026, 12, 8, 3, 15, tzinfo=timezone.utc)
    nightly = [last - timedelta(days=n) for n in range(120)]
    _archives(tmp_path, [*nightly, last + timedelta(hours=9)])
    other = tmp_path / "notes.txt"
    other.write_text("kept: not an archive")

    kept, deleted = backups.prune({"daily": 7, "weekly": 4, "monthly": 3}, tmp_path)

    names = [path.name[len("civicvoice-backup-"):-len(".tar")] for path in kept]
    # Daily: the 8th's newest (its 03:15 goes) and the six days before. Weekly (ISO weeks, Monday to Sunday; the 8th
    # is a Tuesday): the 8th's newest again, then Sunday the 6th, the 29th, the 22nd. Monthly: December's newest,
    # 30 November, 31 October.
    assert names == ["20261208T121500Z", "20261207T031500Z", "20261206T031500Z", "20261205T031500Z",
                     "20261204T031500Z", "20261203T031500Z", "20261202T031500Z", "20261130T031500Z",
                     "20261129T031500Z", "20261122T031500Z", "20261031T031500Z"]
    assert len(deleted) == 121 - len(kept) and all(not path.exists() for path in deleted)
    assert all(path.exists() for path in kept) and other.exists()


def test_prune_always_keeps_the_newest_and_dry_run_deletes_nothing(app, tmp_path):
    paths = _archives(tmp_path, [datetime(2026, 1, d, 3, 15, tzinfo=timezone.utc) for d in (1, 2, 3)])
    app.config["BACKUP_DIR"] = str(tmp_path)

    result = app.test_cli_runner().invoke(args=["backup", "prune", "--keep-daily", "0", "--keep-weekly", "0",
                                                "--keep-monthly", "0", "--dry-run"])

    assert result.exit_code == 0, result.output
    assert f"would delete {paths[0]}" in result.output and "1 archive(s) kept, 2 to delete." in result.output
    assert all(path.exists() for path in paths)
    result = app.test_cli_runner().invoke(args=["backup", "prune", "--keep-daily", "0", "--keep-weekly", "0",
                                                "--keep-monthly", "0"])
    assert "1 archive(s) kept, 2 deleted." in result.output
    assert [path.exists() for path in paths] == [False, False, True]
