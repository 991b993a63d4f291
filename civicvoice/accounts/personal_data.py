"""A person's own data ("Download my data"): one ZIP of data.json, everything the site holds about them, and the
files they uploaded.

accounts cannot import the packages built on it, so each package registers, in its views.init_app, an exporter:
exporter(user) -> Part, what that package holds about this person. An exporter gives the person's own rows and
words only: never another person's name, address or text (someone else's ballot, the rows of a paper sheet).
"""
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .. import activity, securitylog, storage
from ..database import utcnow
from .models import User

FORMAT = 1


@dataclass(frozen=True)
class StoredFile:
    """A file the person uploaded, read through storage when the archive is made."""

    key: str
    name: str  # as it was uploaded
    content_type: str
    about: str = ""  # what it belongs to, e.g. "attachment 12 of demand 4"


@dataclass
class Part:
    data: Any  # lists and dicts of str, int, float, bool, None, date and datetime
    files: list[StoredFile] = field(default_factory=list)


_EXPORTERS: dict[str, Callable[[User], Part]] = {}


def register(name: str, exporter: Callable[[User], Part]) -> None:
    """Put what exporter(user) returns under `name` (the package's) in data.json."""
    _EXPORTERS[name] = exporter


def names() -> list[str]:
    return sorted(_EXPORTERS)


def row(obj, *columns: str) -> dict:
    """The named attributes of a row, as a dict."""
    return {name: getattr(obj, name) for name in columns}


def collect(user: User) -> tuple[dict, list[StoredFile]]:
    """data.json's content, and the files to put beside it."""
    data: dict[str, Any] = {"format": FORMAT, "generated_at": utcnow(), "account_id": user.id}
    files: list[StoredFile] = []
    for name in names():
        part = _EXPORTERS[name](user)
        data[name] = part.data
        files.extend(part.files)
    return data, files


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)  # lazily translated labels


UNSAFE = re.compile(r"[^\w.\-]+")


def _path(number: int, name: str) -> str:
    """A path inside the archive: numbered (two uploads may share a name), nothing but a plain file name."""
    stem = UNSAFE.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip("._") or "file"
    return f"files/{number:04d}-{stem[:100]}"


def archive(user: User) -> bytes:
    """The ZIP: data.json, and under files/ each file the person uploaded (listed in data.json's "files")."""
    data, files = collect(user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        listed = []
        for number, stored in enumerate(files, start=1):
            entry = {"name": stored.name, "content_type": stored.content_type, "about": stored.about}
            try:
                content = storage.read(stored.key)
            except KeyError:  # gone from storage (a retention, a lost disk): said, not hidden
                listed.append(entry | {"path": None, "missing": True})
                continue
            path = _path(number, stored.name)
            zipped.writestr(path, content)
            listed.append(entry | {"path": path})
        data["files"] = listed
        zipped.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2, default=_plain))
    return buffer.getvalue()


def export(user: User) -> bytes:
    """The archive for the person themself, recorded: an event in their own log and a security log line."""
    data = archive(user)
    activity.record(user, "account.data_exported", user)
    securitylog.personal_data_exported(user.id, len(data))
    return data
