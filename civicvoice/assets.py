"""Static files under names that carry their content's hash, so that browsers may keep them for a year.

`url_for("static", filename="css/app.css")` gives /static/css/app.<first 12 hex of its sha256>.css. Flask serves
both names (the development server, the tests, a server run without nginx); in production `flask static build DIR`
writes both, with .gz and .br siblings, and nginx serves them from DIR (docs/deploy.md).
"""
import gzip
import hashlib
import os
import re
import stat
from pathlib import Path, PurePosixPath

import brotli
from flask import abort, current_app, send_from_directory
from werkzeug.security import safe_join

DIGEST_LENGTH = 12  # 48 bits: a collision between two versions of one file is not a concern
YEAR = 365 * 24 * 60 * 60
# A plain name is only for what predates the hashed one (a link from elsewhere, a page saved long ago): its content
# may change at any deploy, so it is kept briefly.
PLAIN_MAX_AGE = 5 * 60
COMPRESSIBLE = frozenset({".css", ".js", ".mjs", ".map", ".json", ".svg", ".txt", ".xml", ".html", ".webmanifest"})
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


def _write(path: Path, data: bytes) -> bool:
    """Write `data` at `path` unless it is already there; through a temporary file, so nginx never serves half
    of one. Unchanged files keep their time, so a second build changes nothing at all."""
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    return True


def build(source: Path, target: Path) -> tuple[int, int]:
    """Write every file of `source` into `target` under its plain and its hashed name, with gzip and brotli
    siblings (name.gz, name.br) for text, for nginx's gzip_static and brotli_static. The same input gives the same
    bytes (no time in the gzip header). Files of earlier builds stay: a page served just before a deploy still finds
    its stylesheet. Returns (files read, files written)."""
    source, target = Path(source).resolve(), Path(target).resolve()
    if target == source or source in target.parents:
        raise ValueError(f"{target} is inside the static folder {source}")
    read = written = 0
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        name = path.relative_to(source).as_posix()
        data = path.read_bytes()
        versions = {"": data}
        if path.suffix.lower() in COMPRESSIBLE:
            versions[".gz"] = gzip.compress(data, compresslevel=9, mtime=0)
            versions[".br"] = brotli.compress(data, quality=11)
        for out_name in (name, hashed_name(name, digest_of(data))):
            for extension, content in versions.items():
                written += _write(target / (out_name + extension), content)
        read += 1
    return read, written


def init_app(app) -> None:
    app.url_defaults(_add_digest)
    app.view_functions["static"] = _serve
