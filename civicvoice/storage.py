"""Where uploaded and issued files live: one interface, two backends.

Attachments, sheet scans, council photos, receipts and issued letters are stored under a random key (the database
row holds the key, its type and name). `STORAGE_BACKEND=local` (the default) keeps them in a folder
(`UPLOAD_DIR`, default `instance/uploads/`); with more than one app host, `s3` keeps them in S3-compatible object
storage (see `civicvoice/storage_s3.py`), so that every host serves what any host stored.

A stored file never changes: a new version is a new key. That is what lets a key serve as the file's ETag.
"""
import secrets
from collections.abc import Iterator
from pathlib import Path

from flask import current_app, send_file

from .config import STORAGE_S3_SETTINGS
from .storage_s3 import S3Storage

KEY_BYTES = 24  # 192 random bits: a key cannot be guessed, and names no person or demand


class LocalStorage:
    """Files in one folder, named by their key (never under static/: every download goes through a view that
    checks who may read it)."""

    def __init__(self, folder: Path):
        self.folder = folder

    def _path(self, key: str) -> Path:
        if not key or "/" in key or "\\" in key or key.startswith("."):
            raise KeyError(key)
        return self.folder / key

    def put(self, key: str, data: bytes, content_type: str | None = None) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._path(key).write_bytes(data)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self) -> Iterator[str]:
        if self.folder.is_dir():
            yield from sorted(path.name for path in self.folder.iterdir() if path.is_file())

    def send(self, key: str, mimetype: str, **options):
        return send_file(self._path(key), mimetype=mimetype, etag=key, **options)


def upload_folder(app=None) -> Path:
    app = app or current_app
    return Path(app.config["UPLOAD_DIR"] or Path(app.instance_path) / "uploads")


def backend():
    """The configured backend. The local one is made anew (a Path, nothing to keep); a remote one is kept on the
    app, with its connection pool, for as long as its settings stay the same."""
    app = current_app._get_current_object()
    if app.config.get("STORAGE_BACKEND", "local") != "s3":  # config.load allows only "local" and "s3"
        return LocalStorage(upload_folder(app))
    settings = tuple(app.config.get(name) for name in STORAGE_S3_SETTINGS)
    kept = app.extensions.get("storage")
    if kept is None or kept[0] != settings:
        bucket, endpoint_url, region, prefix = settings
        kept = app.extensions["storage"] = (settings, S3Storage(bucket, endpoint_url=endpoint_url,
                                                                region=region, prefix=prefix))
    return kept[1]


def save(data: bytes, content_type: str | None = None) -> str:
    """Store bytes under a new random key; returns the key."""
    key = secrets.token_hex(KEY_BYTES)
    backend().put(key, data, content_type)
    return key


def read(key: str) -> bytes:
    """The stored bytes (KeyError when there are none)."""
    return backend().get(key)


def exists(key: str) -> bool:
    return backend().exists(key)


def delete(key: str) -> None:
    backend().delete(key)


def keys() -> Iterator[str]:
    """Every stored key (backups, retention)."""
    return backend().keys()


def send(key: str, mimetype: str, **options):
    """A response with the stored file: Flask's send_file options (download_name, as_attachment, max_age,
    conditional). The key is the ETag, since a stored file never changes."""
    return backend().send(key, mimetype, **options)
