"""What signatures hold about a person (their download), and what keeps an unverified account."""
from sqlalchemy import select

from ..accounts.personal_data import Part, row
from ..extensions import db
from .models import PaperBatch, Signature


def export(user) -> Part:
    """Their own signatures; the paper sheets they typed in only as such (the rows are other people's)."""
    signatures = db.session.scalars(select(Signature).where(Signature.user_id == user.id).order_by(Signature.id))
    batches = db.session.scalars(select(PaperBatch).where(PaperBatch.entered_by_id == user.id)
                                 .order_by(PaperBatch.id))
    return Part({
        "signatures": [row(s, "proposal_id", "source", "status", "visibility", "comment", "created_at",
                           "confirmed_at", "voided_at", "void_reason") for s in signatures],
        "paper_sheets_entered": [row(b, "id", "proposal_id", "collected_on", "created_at") for b in batches],
    })


def contributors(user_ids: list[int]) -> set[int]:
    """Signers whose signature counts (one never confirmed holds nothing up), and who typed in a sheet."""
    counted = select(Signature.user_id).where(Signature.user_id.in_(user_ids), Signature.status == "confirmed")
    sheets = select(PaperBatch.entered_by_id).where(PaperBatch.entered_by_id.in_(user_ids))
    return set(db.session.scalars(counted.union(sheets)))
