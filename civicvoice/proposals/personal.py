"""What proposals hold about a person (their download: demands written, co-authorships, files uploaded), and what
keeps an unverified account."""
from sqlalchemy import select

from ..accounts.personal_data import Part, StoredFile, row
from ..extensions import db
from .models import Attachment, Coauthor, Proposal, Revision

DEMAND_FIELDS = ("id", "community_id", "status", "title", "summary", "body", "category", "place", "latitude",
                 "longitude", "resolution", "created_at", "submitted_at", "published_at")


def export(user) -> Part:
    authored = db.session.scalars(select(Proposal).where(Proposal.author_id == user.id).order_by(Proposal.id))
    coauthored = db.session.scalars(select(Coauthor).where(Coauthor.user_id == user.id).order_by(Coauthor.id))
    revisions = db.session.scalars(select(Revision).where(Revision.editor_id == user.id).order_by(Revision.id))
    attachments = list(db.session.scalars(select(Attachment).where(Attachment.uploader_id == user.id)
                                          .order_by(Attachment.id)))
    return Part({
        "demands_authored": [row(p, *DEMAND_FIELDS) for p in authored],
        "coauthorships": [row(c, "proposal_id", "status", "created_at") | {"title": c.proposal.title}
                          for c in coauthored],
        "revisions_saved": [row(r, "proposal_id", "number", "note", "created_at", "title", "summary", "body")
                            for r in revisions],
        "attachments_uploaded": [row(a, "id", "proposal_id", "filename", "content_type", "size", "sha256",
                                     "created_at") for a in attachments],
    }, [StoredFile(a.storage_key, a.filename, a.content_type, f"attachment {a.id} of demand {a.proposal_id}")
        for a in attachments])


def contributors(user_ids: list[int]) -> set[int]:
    """Authors and co-authors who accepted, and whoever saved a revision or uploaded a file."""
    queries = (select(Proposal.author_id).where(Proposal.author_id.in_(user_ids)),
               select(Coauthor.user_id).where(Coauthor.user_id.in_(user_ids), Coauthor.status == "accepted"),
               select(Revision.editor_id).where(Revision.editor_id.in_(user_ids)),
               select(Attachment.uploader_id).where(Attachment.uploader_id.in_(user_ids)))
    return {user_id for query in queries for user_id in db.session.scalars(query)}
