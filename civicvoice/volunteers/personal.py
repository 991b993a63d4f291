"""What volunteers holds about a person (their download: profile, offers of help, sign-ups, feedback, partner
roles), and what keeps an unverified account."""
from sqlalchemy import select

from ..accounts.personal_data import Part, row
from ..extensions import db
from .models import Coordinator, Feedback, Signup, VolunteerOffer, VolunteerProfile


def _profile(profile: VolunteerProfile | None) -> dict | None:
    if profile is None:
        return None
    return row(profile, "tags", "interest_keys", "days", "times", "about", "visibility", "created_at", "updated_at") | {
        "skills": [skill.key for skill in profile.skills], "centres": [centre.name for centre in profile.centres]}


def export(user) -> Part:
    profile = db.session.scalar(select(VolunteerProfile).where(VolunteerProfile.user_id == user.id))
    offers = db.session.scalars(select(VolunteerOffer).where(VolunteerOffer.user_id == user.id)
                                .order_by(VolunteerOffer.id))
    signups = list(db.session.scalars(select(Signup).where(Signup.user_id == user.id).order_by(Signup.id)))
    feedback = db.session.scalars(select(Feedback).where(Feedback.signup_id.in_([s.id for s in signups]))
                                  .order_by(Feedback.id))
    roles = db.session.scalars(select(Coordinator).where(Coordinator.user_id == user.id).order_by(Coordinator.id))
    return Part({
        "profile": _profile(profile),
        "offers": [row(o, "proposal_id", "kind", "hours", "detail", "status", "created_at")
                   | {"skill": o.skill.key if o.skill else None} for o in offers],
        "signups": [row(s, "opportunity_id", "status", "message", "hours", "decided_at", "created_at")
                    | {"opportunity": s.opportunity.title} for s in signups],
        "feedback": [row(f, "opportunity_id", "rating", "went_well", "to_improve", "ideas", "answer", "created_at",
                         "answered_at") for f in feedback],
        "coordinator_roles": [row(c, "community_id", "organisation", "created_at") for c in roles],
    })


def contributors(user_ids: list[int]) -> set[int]:
    queries = (select(VolunteerOffer.user_id).where(VolunteerOffer.user_id.in_(user_ids)),
               select(Signup.user_id).where(Signup.user_id.in_(user_ids), Signup.status.in_(("pending", "confirmed"))),
               select(Coordinator.user_id).where(Coordinator.user_id.in_(user_ids)))
    return {user_id for query in queries for user_id in db.session.scalars(query)}
