"""Static files under names that carry their content's hash, so that browsers may keep them for a year.

`url_for("static", filename="css/app.css")` gives /static/css/app.<first 12 hex of its sha256>.css. Flask serves
both names (the development server, the tests, a server run without nginx); in production `flask static build DIR`
writes both, with .gz and .br siblings, and nginx serves them from DIR (docs/deploy.md).
"""
import hashlib
import os
import re
import stat
from pathlib import Path, PurePosixPath

from flask import abort, current_app, send_from_directory
from werkzeug.security import safe_join

DIGEST_LENGTH = 12  # 48 bits: a collision between two versions of one file is not a concern
YEAR = 365 * 24 * 60 * 60
# A plain name is only for what predates the hashed one (a link from elsewhere, a page saved long ago): its content
# may change at any deploy, so it is kept briefly.
PLAIN_MAX_AGE = 5 * 60
_HASHED = re.compile(rf"(?P<stem>.+)\.(?P<digest>[0-9a-f]{{{DIGEST_LENGTH}}})(?P<suffix>\.[^.]+)?")

# path -> ((mtime, size, inode), digest): each file is hashed once, and again only when it changes (an edit in
# development; the reloader does not watch static files).
_known: dict[str, tuple[tuple[int, int, int], str]] = {}


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:DIGEST_LENGTH]


def hashed_name(name: str, digest: str) -> str:
    """css/app.css -> css/app.<digest>.css; the digest goes before the last suffix, so the type stays readable."""
    path = PurePosixPath(name)
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


def _file(name: str) -> str | None:
    folder = current_app.static_folder
    return safe_join(folder, name) if folder else None


def _current_digest(name: str) -> str | None:
    path = _file(name)
    try:
        status = os.stat(path) if path else None
    except OSError:
        return None
    if status is None or not stat.S_ISREG(status.st_mode):
        return None
    key = (status.st_mtime_ns, status.st_size, status.st_ino)
    known = _known.get(path)
    if known is None or known[0] != key:
        known = _known[path] = (key, digest_of(Path(path).read_bytes()))
    return known[1]


def _add_digest(endpoint: str, values: dict) -> None:
    """url_for's hook: a static file that exists gets its hashed name; anything else is left as asked (a 404)."""
    if endpoint == "static" and "filename" in values:
        digest = _current_digest(values["filename"])
        if digest:
            values["filename"] = hashed_name(values["filename"], digest)


def _plain_name(requested: str) -> str | None:
    """The file whose hashed name `requested` is, if the hash is that of its content now (read afresh: a name
    with a hash never serves other bytes, whatever was cached)."""
    folder, _, base = requested.rpartition("/")
    match = _HASHED.fullmatch(base)
    if match is None:
        return None
    plain = "/".join(filter(None, (folder, match["stem"] + (match["suffix"] or ""))))
    path = _file(plain)
    if path is None or not os.path.isfile(path):
        return None
    if hashed_name(plain, digest_of(Path(path).read_bytes())) != requested:
        return None
    return plain


def _serve(filename: str):
    """Flask's static view, for both names: the hashed one kept a year (immutable), the plain one briefly."""
    plain = _plain_name(filename)
    if plain is not None:
        response = send_from_directory(current_app.static_folder, plain, max_age=YEAR)
        response.cache_control.immutable = True
        return response
    if _HASHED.fullmatch(filename.rpartition("/")[2]):
        abort(404)  # a hash that is not the file's (an old version, a typo): never another content under it
    return send_from_directory(current_app.static_folder, filename, max_age=PLAIN_MAX_AGE)


def init_app(app) -> None:
    app.url_defaults(_add_digest)
    app.view_functions["static"] = _serve
