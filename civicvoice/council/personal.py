"""What the council package holds about a person (their download: answers written for a council with their photos,
"is it really fixed?" checks with theirs), and what keeps an unverified account."""
from sqlalchemy import select

from ..accounts.personal_data import Part, StoredFile, row
from ..extensions import db
from .models import CouncilResponse, ResolutionCheck

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "application/pdf": "pdf"}


def _name(stem: str, content_type: str) -> str:
    return f"{stem}.{EXTENSIONS.get(content_type, 'bin')}"


def export(user) -> Part:
    responses = list(db.session.scalars(select(CouncilResponse).where(CouncilResponse.author_id == user.id)
                                        .order_by(CouncilResponse.id)))
    checks = list(db.session.scalars(select(ResolutionCheck).where(ResolutionCheck.user_id == user.id)
                                     .order_by(ResolutionCheck.id)))
    files = [StoredFile(photo.storage_key, _name(f"response-{r.id}-photo-{photo.id}", photo.content_type),
                        photo.content_type, f"photo of council response {r.id}")
             for r in responses for photo in r.photos]
    files += [StoredFile(c.photo_key, _name(f"check-{c.id}-photo", c.photo_type), c.photo_type,
                         f"photo of your check on demand {c.proposal_id}") for c in checks if c.photo_key]
    return Part({
        "council_responses": [row(r, "id", "proposal_id", "kind", "decision", "stage", "scheduled_for",
                                  "referred_to", "registry_number", "body", "language", "created_at")
                              for r in responses],
        "resolution_checks": [row(c, "id", "proposal_id", "verdict", "comment", "created_at") for c in checks],
    }, files)


def contributors(user_ids: list[int]) -> set[int]:
    responses = select(CouncilResponse.author_id).where(CouncilResponse.author_id.in_(user_ids))
    checks = select(ResolutionCheck.user_id).where(ResolutionCheck.user_id.in_(user_ids))
    return set(db.session.scalars(responses.union(checks)))
