"""Photos and documents of a demand: type checked by content, images re-encoded without metadata,
stored outside static/ under a random name."""
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import func, select

from .. import activity, storage
from ..errors import InvalidInput
from ..i18n import format_number
from ..extensions import db
from .models import Attachment

# Magic numbers: what a file is, whatever its name says.
SIGNATURES = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"%PDF-", "application/pdf"))
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}


def sniff(data: bytes) -> str | None:
    return next((kind for magic, kind in SIGNATURES if data.startswith(magic)), None)


def _strip_metadata(data: bytes, kind: str) -> bytes:
    """Re-encode the pixels only: EXIF (GPS position, camera, owner) and text chunks are dropped."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)  # keep the orientation the metadata gave
            out = io.BytesIO()
            if kind == "image/jpeg":
                image.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
            else:
                image.save(out, "PNG", optimize=True)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise InvalidInput(_("This image could not be read. Try another file.")) from None


def _safe_name(filename: str, kind: str) -> str:
    stem = Path(filename or "").stem.replace("/", "_").replace("\\", "_").strip()[:150] or "file"
    return f"{stem}.{EXTENSIONS[kind]}"


def check(data: bytes, filename: str) -> str:
    """The content type of an acceptable upload, or InvalidInput with the reason."""
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    if len(data) == 0:
        raise InvalidInput(_("The file %(name)s is empty.", name=filename))
    if len(data) > limit:
        # Not rounded down: a limit under 1 MB must not read "larger than 0 MB".
        raise InvalidInput(_("The file %(name)s is larger than %(size)s MB.", name=filename,
                             size=format_number(limit / (1024 * 1024))))
    kind = sniff(data)
    if kind is None:
        raise InvalidInput(_("The file %(name)s is not a JPEG, PNG or PDF.", name=filename))
    expected = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}
    extension = Path(filename or "").suffix.lower().lstrip(".")
    if extension and expected.get(extension) != kind:
        raise InvalidInput(_("The file %(name)s is not what its name says.", name=filename))
    return kind


@dataclass(frozen=True)
class Upload:
    """A file that passed every check, ready to store."""

    filename: str
    content_type: str
    data: bytes


def prepare(files: list[tuple[bytes, str]], proposal=None) -> list[Upload]:
    """Check every (data, filename) before anything is stored: one refused file refuses them all.

    Images come back re-encoded without metadata. InvalidInput says which file and why.
    """
    existing = 0 if proposal is None or proposal.id is None else db.session.scalar(
        select(func.count(Attachment.id)).where(Attachment.proposal_id == proposal.id))
    limit = current_app.config["ATTACHMENTS_PER_PROPOSAL"]
    if existing + len(files) > limit:
        raise InvalidInput(_("A demand can have at most %(n)d attachments.", n=limit))
    uploads = []
    for data, filename in files:
        kind = check(data, filename)
        cleaned = data if kind == "application/pdf" else _strip_metadata(data, kind)
        uploads.append(Upload(_safe_name(filename, kind), kind, cleaned))
    return uploads


def add(uploader, proposal, upload: Upload) -> Attachment:
    """Store one prepared file for the demand under a random name, with its row."""
    data = upload.data
    key = storage.save(data, upload.content_type)
    attachment = Attachment(proposal_id=proposal.id, uploader_id=uploader.id, filename=upload.filename,
                            content_type=upload.content_type, size=len(data), storage_key=key,
                            sha256=hashlib.sha256(data).hexdigest())
    db.session.add(attachment)
    db.session.flush()
    activity.record(uploader, "proposal.attachment_added", proposal, proposal.community, filename=attachment.filename)
    return attachment


def remove(actor, attachment: Attachment) -> None:
    proposal_id, key = attachment.proposal_id, attachment.storage_key
    db.session.delete(attachment)
    db.session.flush()
    storage.delete(key)
    activity.record(actor, "proposal.attachment_removed", attachment, None, proposal_id=proposal_id)


def of(proposal) -> list[Attachment]:
    return list(db.session.scalars(
        select(Attachment).where(Attachment.proposal_id == proposal.id).order_by(Attachment.id)))
