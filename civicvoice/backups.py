"""Backups: one archive with the database's dump, every stored file and a manifest of checksums; its restore into an
empty database and an empty storage; the pruning of old archives.

The archive is a plain tar file, `civicvoice-backup-<UTC time>.tar`, readable by `tar -tf`:

    database.pgdump     pg_dump --format=custom (PostgreSQL), or
    database.sqlite3    a copy made by SQLite's online backup API (consistent while the site runs)
    files/<key>         every stored file (attachments, sheet scans, council photos, receipts, issued letters)
    manifest.json       format, created_at, app_version, alembic_revision, database, and each member's size and sha256

It holds personal data: it is written with mode 0600, under its final name only once complete.
Only the generic metadata is read here (tables, the migration revision): no feature is known.
"""
import hashlib
import io
import json
import os
import re
import sqlite3
import subprocess  # nosec B404 # pg_dump and pg_restore, run without a shell, with arguments we build
import tarfile
import tempfile
from contextlib import closing
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from alembic.util import CommandError
from flask import current_app
from psycopg.conninfo import make_conninfo
from sqlalchemy import URL, inspect, make_url, text

from . import health, storage
from .extensions import db

FORMAT = 1  # the manifest's format; a restore refuses any other
PREFIX = "civicvoice-backup-"
NAME = re.compile(r"^civicvoice-backup-(\d{8}T\d{6}Z)\.tar$")
STAMP = "%Y%m%dT%H%M%SZ"
MANIFEST = "manifest.json"
DUMPS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
FILES = "files/"
KEY = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$")  # what a storage key may be, inside an archive
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do (the command line shows it)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def folder(app=None) -> Path:
    """Where archives are written and pruned: BACKUP_DIR, default instance/backups."""
    app = app or current_app
    return Path(app.config.get("BACKUP_DIR") or Path(app.instance_path) / "backups")


def database_kind(url=None) -> str:
    kind = make_url(url or db.engine.url).get_backend_name()
    if kind not in DUMPS:
        raise BackupError(f"Backups know PostgreSQL and SQLite databases, not {kind!r}.")
    return kind


# --- create ------------------------------------------------------------------------------------------------------

def create(output: Path | None = None) -> Path:
    """Write one archive into `output` (default: BACKUP_DIR) and return its path."""
    target = Path(output) if output else folder()
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    final = target / f"{PREFIX}{now.strftime(STAMP)}.tar"
    if final.exists():
        raise BackupError(f"{final} already exists (one backup per second): try again.")
    url = db.engine.url  # as Flask-SQLAlchemy made it (a relative SQLite path is under the instance folder)
    kind = database_kind(url)
    # The work folder is beside the archive (same disk, mode 0700), not in a shared /tmp that may be small.
    with tempfile.TemporaryDirectory(dir=target, prefix=".backup-") as work:
        dump = Path(work) / DUMPS[kind]
        # The database first, then the files: a file uploaded meanwhile is only an extra file in the archive,
        # whereas listing files first would leave rows whose files are missing.
        _dump(kind, url, dump)
        manifest = {"format": FORMAT, "created_at": now.isoformat().replace("+00:00", "Z"),
                    "app_version": _app_version(), "alembic_revision": _revision(), "database": kind, "members": {}}
        handle, partial = tempfile.mkstemp(dir=target, prefix=f".{final.name}.", suffix=".partial")  # mode 0600
        try:
            with os.fdopen(handle, "wb") as raw:
                with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
                    with dump.open("rb") as source:
                        manifest["members"][dump.name] = _add(archive, dump.name, source, dump.stat().st_size)
                    for key in storage.keys():
                        try:
                            data = storage.read(key)
                        except KeyError:  # deleted since it was listed: the dump may name it, nothing to keep
                            continue
                        manifest["members"][FILES + key] = _add(archive, FILES + key, io.BytesIO(data), len(data))
                    body = json.dumps(manifest, indent=2, sort_keys=True).encode()
                    _add(archive, MANIFEST, io.BytesIO(body), len(body))
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, final)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
    return final


def _add(archive: tarfile.TarFile, name: str, source, size: int) -> dict:
    """Add one member from a readable stream, hashing what goes in."""
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(datetime.now(timezone.utc).timestamp())
    hashing = _Hashing(source)
    archive.addfile(info, hashing)
    if hashing.size != size:
        raise BackupError(f"{name} changed while it was being archived: try again.")
    return {"size": size, "sha256": hashing.digest.hexdigest()}


class _Hashing:
    """A stream that hashes what is read through it."""

    def __init__(self, source):
        self.source, self.digest, self.size = source, hashlib.sha256(), 0

    def read(self, n: int = -1) -> bytes:
        data = self.source.read(n)
        self.digest.update(data)
        self.size += len(data)
        return data


def _dump(kind: str, url: URL, path: Path) -> None:
    if kind == "postgresql":
        conninfo, env = _libpq(url)
        _run("pg_dump", ["--format=custom", "--no-password", f"--file={path}", f"--dbname={conninfo}"], env)
        return
    with closing(sqlite3.connect(_sqlite_path(url))) as source, closing(sqlite3.connect(path)) as copy:
        source.backup(copy)
    path.chmod(0o600)


def _app_version() -> str | None:
    try:
        return metadata.version("civicvoice")
    except metadata.PackageNotFoundError:
        return None


def _revision() -> str | None:
    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.scalar(text("SELECT version_num FROM alembic_version"))


# --- restore -----------------------------------------------------------------------------------------------------

def verify(path: Path) -> dict:
    """Check the archive against its manifest (every member, its size and sha256; nothing more, nothing less) and
    return the manifest. Touches nothing: a damaged archive is refused before the restore begins."""
    damaged = f"{path} is damaged or is not a CivicVoice backup"
    try:
        with tarfile.open(path, mode="r:") as archive:
            listed = archive.getmembers()
            members = {member.name: member for member in listed}
            if MANIFEST not in members:
                raise BackupError(f"{damaged}: it has no {MANIFEST}. Nothing was restored.")
            try:
                manifest = json.loads(archive.extractfile(members[MANIFEST]).read())
                kind, expected = str(manifest["database"]), manifest["members"]
                if not all(isinstance(entry, dict) for entry in expected.values()):
                    raise ValueError(MANIFEST)
            except (ValueError, KeyError, TypeError, AttributeError):
                raise BackupError(f"{damaged}: its {MANIFEST} cannot be read. Nothing was restored.") from None
            if manifest.get("format") != FORMAT:
                raise BackupError(f"{path} is a backup of format {manifest.get('format')!r}; this version reads "
                                  f"format {FORMAT}. Nothing was restored.")
            if kind not in DUMPS or DUMPS[kind] not in expected:
                raise BackupError(f"{damaged}: it holds no database dump. Nothing was restored.")
            names = set(members) - {MANIFEST}
            if len(listed) != len(members) or names != set(expected):
                odd = sorted((names ^ set(expected)) or {"(a member twice)"})
                raise BackupError(f"{damaged}: its members differ from its manifest ({', '.join(odd[:3])}). "
                                  f"Nothing was restored.")
            for name, entry in sorted(expected.items()):
                member = members[name]
                if not member.isfile() or not (name == DUMPS[kind] or _key(name)):
                    raise BackupError(f"{damaged}: unexpected member {name!r}. Nothing was restored.")
                if _checksum(archive, member) != (entry.get("size"), entry.get("sha256")):
                    raise BackupError(f"{damaged}: {name} does not match its checksum (changed or corrupted since "
                                      f"the backup). Nothing was restored.")
    except (tarfile.TarError, EOFError) as error:
        raise BackupError(f"{damaged} ({error}). Nothing was restored.") from None
    return manifest


def _key(name: str) -> str | None:
    key = name.removeprefix(FILES)
    return key if name.startswith(FILES) and KEY.match(key) else None


def _checksum(archive: tarfile.TarFile, member: tarfile.TarInfo) -> tuple[int, str]:
    source, digest, size = archive.extractfile(member), hashlib.sha256(), 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def check_target(manifest: dict) -> None:
    """Refuse unless the backup fits this site: the same kind of database, a migration this code knows, an empty
    database (no table, or only an empty alembic_version) and an empty storage."""
    kind = database_kind()
    if manifest["database"] != kind:
        raise BackupError(f"This backup holds a {_NAMES[manifest['database']]} database and DATABASE_URL is a "
                          f"{_NAMES[kind]} one: restore it into a {_NAMES[manifest['database']]} database (moving "
                          f"between the two is not done by a restore). Nothing was restored.")
    revision = manifest.get("alembic_revision")
    if revision and not _known(revision):
        raise BackupError(f"This backup was taken at migration {revision}, which this version of CivicVoice does not "
                          f"know (the backup's version: {manifest.get('app_version')}): install that version or a "
                          f"newer one, then restore. Nothing was restored.")
    with db.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        filled = "alembic_version" in tables and conn.scalar(text("SELECT count(*) FROM alembic_version"))
    if tables - {"alembic_version"} or filled:
        raise BackupError(f"The database is not empty ({len(tables)} table(s)): a restore goes only into a new, "
                          f"empty database (create one, point DATABASE_URL at it). Nothing was restored.")
    if next(iter(storage.keys()), None) is not None:
        raise BackupError("The storage already holds files (UPLOAD_DIR, or the bucket): a restore goes only into an "
                          "empty one. Nothing was restored.")


_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}


def restore(path: Path, manifest: dict) -> dict:
    """Restore a verified archive (see verify, check_target): the database, then the files. Returns what was done,
    and whether the database needs `flask db upgrade` (a backup taken at an older migration)."""
    kind = manifest["database"]
    url = db.engine.url
    db.session.remove()
    with tarfile.open(path, mode="r:") as archive, tempfile.TemporaryDirectory(prefix="civicvoice-restore-") as work:
        dump = Path(work) / DUMPS[kind]
        with archive.extractfile(DUMPS[kind]) as source, dump.open("wb") as copy:
            while chunk := source.read(CHUNK):
                copy.write(chunk)
        if kind == "postgresql":
            with db.engine.begin() as conn:  # checked empty; pg_restore creates it with the backup's revision
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.engine.dispose()
            conninfo, env = _libpq(url)
            _run("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                                "--no-password", f"--dbname={conninfo}", str(dump)], env)
        else:
            db.engine.dispose()  # no pooled connection may keep the old, empty file's pages
            target = Path(_sqlite_path(url))
            target.parent.mkdir(parents=True, exist_ok=True)
            with closing(sqlite3.connect(dump)) as source, closing(sqlite3.connect(target)) as copy:
                source.backup(copy)
        files = 0
        store = storage.backend()
        for name, entry in sorted(manifest["members"].items()):
            if key := _key(name):
                data = archive.extractfile(name).read()
                if hashlib.sha256(data).hexdigest() != entry["sha256"]:
                    raise BackupError(f"{name} changed since the archive was checked: the files are restored only "
                                      f"in part. Empty the database and the storage and restore again.")
                store.put(key, data)
                files += 1
    revision = manifest.get("alembic_revision")
    heads = _heads()
    return {"files": files, "revision": revision, "heads": heads, "upgrade": revision not in heads}


def _known(revision: str) -> bool:
    try:
        return health.migration_script().get_revision(revision) is not None
    except CommandError:
        return False


def _heads() -> tuple[str, ...]:
    return tuple(sorted(health.migration_heads()))


# --- prune -------------------------------------------------------------------------------------------------------

RULES = {  # each rule keeps the newest archive of each of its last N periods (days, ISO weeks, months)
    "daily": lambda moment: moment.date(),
    "weekly": lambda moment: moment.isocalendar()[:2],
    "monthly": lambda moment: (moment.year, moment.month),
}


def archives(where: Path | None = None) -> list[tuple[datetime, Path]]:
    """The archives in the folder, newest first (only files named as `create` names them)."""
    where = where or folder()
    found = []
    for path in where.iterdir() if where.is_dir() else ():
        if (match := NAME.match(path.name)) and path.is_file():
            found.append((datetime.strptime(match.group(1), STAMP).replace(tzinfo=timezone.utc), path))
    return sorted(found, reverse=True)


def prune(keep: dict[str, int], where: Path | None = None, dry_run: bool = False) -> tuple[list[Path], list[Path]]:
    """Delete the archives no rule keeps; the newest is always kept. `keep` maps daily/weekly/monthly to how many
    periods each keeps. Returns (kept, deleted), newest first."""
    found = archives(where)
    kept = {path for _, path in found[:1]}
    for rule, count in keep.items():
        periods = []
        for moment, path in found:
            period = RULES[rule](moment)
            if len(periods) >= count:
                break
            if period not in periods:
                periods.append(period)
                kept.add(path)
    deleted = [path for _, path in found if path not in kept]
    if not dry_run:
        for path in deleted:
            path.unlink(missing_ok=True)
    return [path for _, path in found if path in kept], deleted


# --- PostgreSQL's client tools -----------------------------------------------------------------------------------

def _sqlite_path(url: URL) -> str:
    path = make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        raise BackupError("Backups need the SQLite database in a file (DATABASE_URL sqlite:////path/to/file.db).")
    return path


def _libpq(url: URL) -> tuple[str, dict]:
    """The URL as a libpq connection string (quoted by psycopg: no shell, no option injection) and the environment
    for the tool: the password in PGPASSWORD, never on a command line that `ps` shows."""
    parts = make_url(url)
    params = {"host": parts.host, "port": parts.port, "user": parts.username, "dbname": parts.database,
              **{name: value for name, value in parts.query.items() if isinstance(value, str)}}
    env = dict(os.environ)
    if parts.password:
        env["PGPASSWORD"] = parts.password
    return make_conninfo(**{name: value for name, value in params.items() if value is not None}), env


def _tool(name: str) -> str:
    """The tool, from BACKUP_PG_BIN when set (a server newer than the default client: /usr/lib/postgresql/17/bin)."""
    where = current_app.config.get("BACKUP_PG_BIN")
    return str(Path(where) / name) if where else name


def _run(name: str, arguments: list[str], env: dict) -> None:
    try:
        result = subprocess.run(  # nosec B603 # no shell: a list of arguments we build
            [_tool(name), *arguments], env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(f"{name} was not found: install PostgreSQL's client tools (Debian: apt-get install "
                          f"postgresql-client), of the server's major version or newer, or set BACKUP_PG_BIN to "
                          f"the folder that holds them.") from None
    except OSError as error:
        raise BackupError(f"{name} could not be run: {error}.") from None
    if result.returncode:
        said = " ".join(result.stderr.strip().splitlines()[-5:]) or "no message"
        raise BackupError(f"{name} failed (exit status {result.returncode}): {said}")
