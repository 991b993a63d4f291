"""What letters hold about a person (their download: the letters they drafted, approved or sent for their
committee), and what keeps an unverified account."""
from sqlalchemy import or_, select

from ..accounts.personal_data import Part
from ..extensions import db
from .models import Letter, LetterVersion


def export(user) -> Part:
    versions = db.session.execute(
        select(LetterVersion, Letter).join(Letter, Letter.id == LetterVersion.letter_id)
        .where(or_(LetterVersion.drafted_by_id == user.id, LetterVersion.approved_by_id == user.id))
        .order_by(LetterVersion.id))
    sent = db.session.scalars(select(Letter).where(Letter.sent_by_id == user.id).order_by(Letter.id))
    return Part({
        "versions": [{"reference": letter.reference, "version": version.number, "drafted": version.drafted_by_id == user.id,
                      "approved": version.approved_by_id == user.id, "created_at": version.created_at,
                      "approved_at": version.approved_at} for version, letter in versions],
        "sent": [{"reference": letter.reference, "sent_at": letter.sent_at, "method": letter.method} for letter in sent],
    })


def contributors(user_ids: list[int]) -> set[int]:
    queries = (select(LetterVersion.drafted_by_id).where(LetterVersion.drafted_by_id.in_(user_ids)),
               select(LetterVersion.approved_by_id).where(LetterVersion.approved_by_id.in_(user_ids)),
               select(Letter.sent_by_id).where(Letter.sent_by_id.in_(user_ids)))
    return {user_id for query in queries for user_id in db.session.scalars(query)}
