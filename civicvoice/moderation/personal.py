"""What moderation holds about a person (their download: reports they made, decisions about what they wrote or about
them, their appeals), and what keeps an unverified account."""
from sqlalchemy import select

from ..accounts.personal_data import Part, row
from ..extensions import db
from .models import Appeal, ModerationCase, Report


def export(user) -> Part:
    reports = db.session.execute(select(Report, ModerationCase).join(ModerationCase, ModerationCase.id == Report.case_id)
                                 .where(Report.reporter_id == user.id).order_by(Report.id))
    cases = db.session.scalars(select(ModerationCase).where(ModerationCase.author_id == user.id)
                               .order_by(ModerationCase.id))
    appeals = db.session.scalars(select(Appeal).where(Appeal.appellant_id == user.id).order_by(Appeal.id))
    return Part({
        "reports_made": [row(r, "reason", "comment", "created_at", "resolved_at")
                         | row(case, "subject_type", "subject_id") for r, case in reports],
        # Who reported them is others' business: the decision and its reason are theirs.
        "decisions_about_you": [row(c, "subject_type", "subject_id", "status", "reason", "decided_at") for c in cases],
        "appeals": [row(a, "case_id", "text", "created_at", "decision", "decision_reason", "decided_at")
                    for a in appeals],
    })


def contributors(user_ids: list[int]) -> set[int]:
    reports = select(Report.reporter_id).where(Report.reporter_id.in_(user_ids))
    appeals = select(Appeal.appellant_id).where(Appeal.appellant_id.in_(user_ids))
    return set(db.session.scalars(reports.union(appeals)))
