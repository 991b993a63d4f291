"""Community operations: creation, centres, councils linked, membership and the committee."""
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from .. import activity
from ..database import utcnow
from ..errors import Conflict, InvalidInput
from ..extensions import db
from . import signals
from .models import Centre, Community, Council, CouncilStaff, Membership, VerificationRequest


def _summary(community: Community) -> dict:
    return {"community_name": community.name}


# Communities and centres ---------------------------------------------------------------------

def create_community(actor, *, name: str, slug: str, code: str, description: str = "", is_open: bool = True,
                     timezone: str = "Asia/Damascus") -> Community:
    """Create a community; slug and code must be unused (Conflict otherwise)."""
    slug, code = slug.strip().lower(), code.strip().upper()
    taken = db.session.scalar(select(Community.id).where((Community.slug == slug) | (Community.code == code)))
    if taken is not None:
        raise Conflict(_("Another community already uses this address or code."))
    community = Community(name=name.strip(), slug=slug, code=code, description=description, is_open=is_open,
                          timezone=timezone)
    db.session.add(community)
    db.session.flush()
    activity.record(actor, "community.created", community, community, **_summary(community))
    return community


def update_community(actor, community: Community, *, name: str, description: str, is_open: bool,
                     timezone: str, review_due_days: int | None = None, review_overdue_days: int | None = None,
                     signature_goal: int | None = None) -> None:
    community.name, community.description = name.strip(), description
    community.is_open, community.timezone = is_open, timezone
    if review_due_days is not None and review_overdue_days is not None:
        if not 1 <= review_due_days <= review_overdue_days:
            raise InvalidInput(_("Overdue must come after due."))
        community.review_due_days, community.review_overdue_days = review_due_days, review_overdue_days
    if signature_goal is not None:
        community.signature_goal = signature_goal
    activity.record(actor, "community.updated", community, community, **_summary(community))
    db.session.flush()


def add_centre(actor, community: Community, *, name: str, address: str = "", opening_hours: str = "",
               phone: str | None = None) -> Centre:
    centre = Centre(community=community, name=name.strip(), address=address, opening_hours=opening_hours,
                    phone=phone or None)
    db.session.add(centre)
    db.session.flush()
    activity.record(actor, "centre.created", centre, community, centre=centre.name)
    return centre


def update_centre(actor, centre: Centre, *, name: str, address: str, opening_hours: str,
                  phone: str | None) -> None:
    centre.name, centre.address, centre.opening_hours = name.strip(), address, opening_hours
    centre.phone = phone or None
    activity.record(actor, "centre.updated", centre, centre.community, centre=centre.name)
    db.session.flush()


def link_councils(actor, community: Community, councils: list) -> None:
    """Set the councils this community may address."""
    community.councils = list(councils)
    activity.record(actor, "community.councils_linked", community, community,
                    councils=[council.id for council in councils])
    db.session.flush()


def by_slug(slug: str) -> Community | None:
    return db.session.scalar(select(Community).where(Community.slug == slug))


def listing():
    """Communities by name; paginate with db.paginate."""
    return select(Community).order_by(Community.name, Community.id)


def member_counts(communities) -> dict[int, int]:
    """Active member count per community id, in one query for a whole page."""
    ids = [community.id for community in communities]
    rows = db.session.execute(
        select(Membership.community_id, func.count(Membership.id))
        .where(Membership.community_id.in_(ids), Membership.status == "active")
        .group_by(Membership.community_id)
    )
    return {community_id: count for community_id, count in rows}


def member_count(community: Community) -> int:
    return db.session.scalar(
        select(func.count(Membership.id)).where(Membership.community_id == community.id,
                                                Membership.status == "active")
    )


def committee(community: Community) -> list[Membership]:
    return list(db.session.scalars(
        select(Membership).where(Membership.community_id == community.id, Membership.role == "committee")
        .order_by(Membership.joined_at, Membership.id)
    ))


def members(community: Community):
    """Active members, committee first; paginate with db.paginate."""
    return (
        select(Membership)
        .where(Membership.community_id == community.id, Membership.status == "active")
        .order_by(Membership.role.desc(), Membership.joined_at, Membership.id)
    )


def pending_requests(community: Community) -> list[Membership]:
    return list(db.session.scalars(
        select(Membership).where(Membership.community_id == community.id, Membership.status == "pending")
        .order_by(Membership.created_at, Membership.id)
    ))


def memberships_of(user) -> list[Membership]:
    return list(db.session.scalars(
        select(Membership).where(Membership.user_id == user.id).join(Membership.community)
        .order_by(Community.name)
    ))


def is_active_member(community: Community, user) -> bool:
    member = membership(community, user)
    return member is not None and member.status == "active"


def is_committee_member(community: Community, user) -> bool:
    member = membership(community, user)
    return member is not None and member.status == "active" and member.role == "committee"


def membership(community: Community, user) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(Membership.community_id == community.id, Membership.user_id == user.id)
    )


# Membership ----------------------------------------------------------------------------------

def join(user, community: Community) -> Membership:
    """Join an open community at once, or ask to join a closed one (the committee decides).

    A second request by the same person is refused by the unique constraint (Conflict).
    """
    active = community.is_open
    member = Membership(community_id=community.id, user_id=user.id, role="member",
                        status="active" if active else "pending", joined_at=utcnow() if active else None)
    try:
        with db.session.begin_nested():
            db.session.add(member)
    except IntegrityError:
        raise Conflict(_("You are already a member of this community or have asked to join it.")) from None
    if active:
        activity.record(user, "membership.joined", member, community, **_summary(community))
    else:
        event = activity.record(user, "membership.requested", member, community, name=user.display_name,
                                **_summary(community))
        activity.notify(event, [m.user for m in committee(community)])
    return member


def leave(user, community: Community) -> None:
    """Leave the community (or withdraw a request). The last committee member must hand over first."""
    member = membership(community, user)
    if member is None:
        raise Conflict(_("You are not a member of this community."))
    if member.role == "committee" and len(committee(community)) == 1:
        raise Conflict(_("You are the last committee member. Appoint another before you leave."))
    activity.record(user, "membership.left", member, community, **_summary(community))
    signals.member_left.send(community, user=user)
    db.session.delete(member)
    db.session.flush()


def _pending(membership_: Membership) -> None:
    if membership_.status != "pending":
        raise Conflict(_("This request was already handled."))


def approve_request(actor, member: Membership) -> None:
    _pending(member)
    member.status, member.joined_at = "active", utcnow()
    event = activity.record(actor, "membership.approved", member, member.community,
                            **_summary(member.community))
    activity.notify(event, [member.user])
    db.session.flush()


def decline_request(actor, member: Membership) -> None:
    _pending(member)
    event = activity.record(actor, "membership.declined", member, member.community,
                            **_summary(member.community))
    activity.notify(event, [member.user])
    db.session.delete(member)
    db.session.flush()


def appoint_committee(actor, community: Community, user) -> Membership:
    """Make an active member a committee member."""
    member = membership(community, user)
    if member is None or member.status != "active":
        raise InvalidInput(_("Only members of the community can join its committee."))
    if member.role == "committee":
        raise Conflict(_("This person is already on the committee."))
    member.role = "committee"
    event = activity.record(actor, "committee.appointed", member, community, name=user.display_name,
                            **_summary(community))
    activity.notify(event, [user])
    db.session.flush()
    return member


def remove_committee(actor, community: Community, user) -> None:
    """Return a committee member to plain membership; a community always keeps one committee member."""
    member = membership(community, user)
    if member is None or member.role != "committee":
        raise Conflict(_("This person is not on the committee."))
    if len(committee(community)) == 1:
        raise Conflict(_("A community needs at least one committee member."))
    member.role = "member"
    event = activity.record(actor, "committee.removed", member, community, name=user.display_name,
                            **_summary(community))
    activity.notify(event, [user])
    db.session.flush()


def appoint_first_committee(actor, community: Community, user) -> Membership:
    """Site administrators appoint anyone, making them a member first if needed."""
    member = membership(community, user)
    if member is None:
        member = Membership(community_id=community.id, user_id=user.id, role="member", status="active",
                            joined_at=utcnow())
        db.session.add(member)
        db.session.flush()
    elif member.status == "pending":
        member.status, member.joined_at = "active", utcnow()
    return appoint_committee(actor, community, user)


def verify_in_person(actor, community: Community, user) -> None:
    """Record that a committee member checked this member's identity face to face."""
    if user.verified_in_person_at is not None:
        raise Conflict(_("This person is already verified in person."))
    user.verified_in_person_at = utcnow()
    user.verified_in_person_by_id = actor.id
    # The person's open requests (in any community) are answered: they are verified everywhere.
    db.session.execute(update(VerificationRequest).where(VerificationRequest.user_id == user.id,
                                                         VerificationRequest.resolved_at.is_(None))
                       .values(resolved_at=utcnow()))
    event = activity.record(actor, "identity.verified_in_person", user, community, **_summary(community))
    activity.notify(event, [user])
    db.session.flush()


# Identity checks in person -----------------------------------------------------------------------

def request_verification(user, community: Community, note: str = "") -> VerificationRequest:
    """A member asks to have their identity checked at the centre; the committee sees it on its dashboard.
    One open request per person and community (a second one is refused by the partial unique index)."""
    if user.verified_in_person_at is not None:
        raise Conflict(_("You are already verified in person."))
    note = (note or "").strip()
    if len(note) > 300:
        raise InvalidInput(_("Keep it under %(n)s characters.", n=300))
    entry = VerificationRequest(community_id=community.id, user_id=user.id, note=note)
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:
        raise Conflict(_("You asked already: the committee will see you at the centre.")) from None
    event = activity.record(user, "identity.requested", entry, community, name=user.display_name,
                            **_summary(community))
    activity.notify(event, [m.user for m in committee(community)])
    return entry


def verification_requests(community: Community) -> list[VerificationRequest]:
    """Open requests of people still members, oldest first."""
    return list(db.session.scalars(
        select(VerificationRequest).join(Membership, (Membership.user_id == VerificationRequest.user_id)
                                         & (Membership.community_id == VerificationRequest.community_id))
        .where(VerificationRequest.community_id == community.id, VerificationRequest.resolved_at.is_(None),
               Membership.status == "active")
        .order_by(VerificationRequest.created_at, VerificationRequest.id)))


def all_councils() -> list[Council]:
    return list(db.session.scalars(select(Council).order_by(Council.name)))


def on_account_deleted(user) -> None:
    """A deleted account holds no place in any community, nor at any council (connected in views.init_app)."""
    db.session.execute(delete(Membership).where(Membership.user_id == user.id))
    db.session.execute(delete(CouncilStaff).where(CouncilStaff.user_id == user.id))
