"""Feedback after an activity: the volunteer's rating and words, the coordinator's answer, the summaries."""

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import activity
from ..communities.models import Community
from ..database import utcnow
from ..errors import Conflict, InvalidInput, NotAllowed
from ..extensions import db
from .models import (
    Feedback,
    Opportunity,
    Signup,
)
from .opportunities import _coordinators_of


def give_feedback(user, signup: Signup, *, rating: int, went_well: str = "", to_improve: str = "",
                  ideas: str = "") -> Feedback:
    """Once per activity joined; the coordinators are told."""
    if signup.user_id != user.id or signup.status != "confirmed":
        raise NotAllowed()
    if not 1 <= rating <= 5:
        raise InvalidInput(_("Choose a rating from 1 to 5."))
    feedback = Feedback(signup_id=signup.id, opportunity_id=signup.opportunity_id, rating=rating,
                        went_well=went_well.strip(), to_improve=to_improve.strip(), ideas=ideas.strip())
    try:
        with db.session.begin_nested():
            db.session.add(feedback)
    except IntegrityError:
        raise Conflict(_("You already gave your feedback on this activity.")) from None
    opportunity = signup.opportunity
    event = activity.record(user, "opportunity.feedback_given", opportunity, opportunity.community,
                            title=opportunity.title, rating=rating)
    activity.notify(event, _coordinators_of(opportunity))
    return feedback


def answer_feedback(actor, feedback: Feedback, answer: str) -> None:
    """The coordinator's answer, which the volunteer reads in their history (and is told of)."""
    if not answer.strip():
        raise InvalidInput(_("Write your answer."))
    feedback.answer, feedback.answered_by_id, feedback.answered_at = answer.strip(), actor.id, utcnow()
    db.session.flush()
    opportunity = feedback.signup.opportunity
    event = activity.record(actor, "opportunity.feedback_answered", opportunity, opportunity.community,
                            title=opportunity.title)
    activity.notify(event, [feedback.signup.user])


def feedback_of(opportunity: Opportunity):
    return select(Feedback).where(Feedback.opportunity_id == opportunity.id).order_by(Feedback.id.desc())


def _summary(query) -> dict:
    rows = dict(db.session.execute(query.group_by(Feedback.rating)).all())
    count = sum(rows.values())
    average = sum(rating * n for rating, n in rows.items()) / count if count else None
    return {"count": count, "average": average, "ratings": {n: rows.get(n, 0) for n in range(5, 0, -1)}}


def feedback_summary(opportunity: Opportunity) -> dict:
    return _summary(select(Feedback.rating, func.count()).where(Feedback.opportunity_id == opportunity.id))


def feedback_by_centre(community: Community) -> list[tuple]:
    """(centre or None, count, average rating) for every centre of the community that had feedback."""
    rows = db.session.execute(
        select(Opportunity.centre_id, func.count(Feedback.id), func.avg(Feedback.rating))
        .join(Feedback, Feedback.opportunity_id == Opportunity.id).where(Opportunity.community_id == community.id)
        .group_by(Opportunity.centre_id)).all()
    centres = {centre.id: centre for centre in community.centres}
    return sorted(((centres.get(cid), n, float(avg)) for cid, n, avg in rows),
                  key=lambda row: (row[0] is None, row[0].name if row[0] else ""))
