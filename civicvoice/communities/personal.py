"""What communities hold about a person (their download), and the roles that keep an unverified account."""
from sqlalchemy import select

from ..accounts.personal_data import Part, row
from ..extensions import db
from .models import Block, CouncilStaff, Membership, VerificationRequest


def export(user) -> Part:
    memberships = db.session.scalars(select(Membership).where(Membership.user_id == user.id).order_by(Membership.id))
    requests = db.session.scalars(select(VerificationRequest).where(VerificationRequest.user_id == user.id)
                                  .order_by(VerificationRequest.id))
    staff = db.session.scalars(select(CouncilStaff).where(CouncilStaff.user_id == user.id))
    blocks = db.session.scalars(select(Block).where(Block.user_id == user.id).order_by(Block.id))
    return Part({
        "memberships": [row(m, "community_id", "role", "status", "joined_at", "created_at")
                        | {"community": m.community.name} for m in memberships],
        "verification_requests": [row(r, "community_id", "note", "created_at", "resolved_at") for r in requests],
        "council_staff": [row(s, "council_id", "role", "created_at") | {"council": s.council.name} for s in staff],
        "blocks": [row(b, "community_id", "reason", "starts_at", "ends_at", "lifted_at", "lift_reason")
                   for b in blocks],
    })


def contributors(user_ids: list[int]) -> set[int]:
    """Those on a committee or a council's staff."""
    committee = select(Membership.user_id).where(Membership.user_id.in_(user_ids), Membership.role == "committee")
    staff = select(CouncilStaff.user_id).where(CouncilStaff.user_id.in_(user_ids))
    return set(db.session.scalars(committee.union(staff)))
