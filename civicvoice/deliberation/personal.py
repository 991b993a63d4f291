"""What deliberation holds about a person (their download), and what keeps an unverified account."""
from sqlalchemy import select

from ..accounts.personal_data import Part, row
from ..extensions import db
from .models import Amendment, AmendmentPosition, Argument, ArgumentEdit, HelpfulMark


def export(user) -> Part:
    arguments = list(db.session.scalars(select(Argument).where(Argument.author_id == user.id).order_by(Argument.id)))
    edits = db.session.scalars(select(ArgumentEdit).where(ArgumentEdit.argument_id.in_([a.id for a in arguments]))
                               .order_by(ArgumentEdit.id))
    marks = db.session.scalars(select(HelpfulMark).where(HelpfulMark.user_id == user.id).order_by(HelpfulMark.id))
    amendments = db.session.scalars(select(Amendment).where(Amendment.author_id == user.id).order_by(Amendment.id))
    positions = db.session.scalars(select(AmendmentPosition).where(AmendmentPosition.user_id == user.id)
                                   .order_by(AmendmentPosition.id))
    return Part({
        "arguments": [row(a, "id", "proposal_id", "parent_id", "stance", "body", "as_authors", "status",
                          "hidden_reason", "created_at", "edited_at") for a in arguments],
        "argument_earlier_texts": [row(e, "argument_id", "body", "written_at", "replaced_at") for e in edits],
        "helpful_marks": [row(m, "argument_id", "created_at") for m in marks],
        "amendments": [row(a, "id", "proposal_id", "status", "reason", "title", "summary", "body", "place",
                           "resolution", "category", "created_at", "decided_at", "decline_reason", "hidden_reason")
                       for a in amendments],
        "amendment_positions": [row(p, "amendment_id", "position", "created_at") for p in positions],
    })


def contributors(user_ids: list[int]) -> set[int]:
    arguments = select(Argument.author_id).where(Argument.author_id.in_(user_ids))
    amendments = select(Amendment.author_id).where(Amendment.author_id.in_(user_ids))
    return set(db.session.scalars(arguments.union(amendments)))
