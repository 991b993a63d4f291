"""Council operations: councils, and the staff accounts invited to act for them."""
from flask_babel import gettext as _
from sqlalchemy import select

from .. import activity, mail
from ..accounts import services as accounts
from ..accounts import tokens
from ..communities.models import Council, CouncilStaff
from ..database import utcnow
from ..errors import Conflict, InvalidInput
from ..extensions import db


def _weekend(days) -> str:
    return ",".join(str(day) for day in sorted(set(days)))


def create_council(actor, *, name: str, jurisdiction: str = "", contact_email: str = "", postal_address: str = "",
                   response_days: int = 30, timezone: str = "Asia/Damascus", working_days: bool = False,
                   weekend=(4, 5)) -> Council:
    council = Council(name=name.strip(), jurisdiction=jurisdiction, contact_email=contact_email,
                      postal_address=postal_address, response_days=response_days, timezone=timezone,
                      working_days=working_days, weekend=_weekend(weekend))
    db.session.add(council)
    db.session.flush()
    activity.record(actor, "council.created", council, council=council.name)
    return council


def update_council(actor, council: Council, *, name: str, jurisdiction: str, contact_email: str,
                   postal_address: str, response_days: int, timezone: str = "Asia/Damascus",
                   working_days: bool = False, weekend=(4, 5)) -> None:
    """Change the council's details; the deadlines of letters already sent keep the calendar they were given."""
    council.name, council.jurisdiction, council.contact_email = name.strip(), jurisdiction, contact_email
    council.postal_address, council.response_days = postal_address, response_days
    council.timezone, council.working_days, council.weekend = timezone, working_days, _weekend(weekend)
    activity.record(actor, "council.updated", council, council=council.name)
    db.session.flush()


def staff_of(council: Council) -> list[CouncilStaff]:
    return list(db.session.scalars(
        select(CouncilStaff).where(CouncilStaff.council_id == council.id).order_by(CouncilStaff.created_at)
    ))


def staff_membership(user) -> CouncilStaff | None:
    return db.session.scalar(select(CouncilStaff).where(CouncilStaff.user_id == user.id))


def invite_staff(actor, council: Council, email: str, role: str, locale: str = "ar") -> None:
    """Mail an invitation link that attaches its holder's account to this council."""
    if role not in ("viewer", "responder"):
        raise InvalidInput()
    existing = accounts.find_by_email(email)
    if existing is not None and staff_membership(existing) is not None:
        raise Conflict(_("This person already works for a council on CivicVoice."))
    token = tokens.issue("council_invite", email=accounts.normalise_email(email), council_id=council.id, role=role)
    activity.record(actor, "council.staff_invited", council, council=council.name, role=role)
    mail.send(email, "email/council_invite_subject.txt", "email/council_invite.txt",
              locale=existing.locale if existing else locale, kind="council_invite", council=council, token=token,
              role=role)


def invitation(signed: str):
    """The still-valid invitation behind a link and its council, or (None, None)."""
    token = tokens.peek("council_invite", signed)
    council = db.session.get(Council, token.data.get("council_id")) if token else None
    return (token, council) if council else (None, None)


def accept_invitation(signed: str, user=None, *, display_name: str = "", password: str = "",
                      locale: str = "ar"):
    """Attach `user` (or a new account for the invited address) to the council; the link works once.

    A signed-in user must be the invited address: the link proves who reads that mailbox.
    """
    token, council = invitation(signed)
    if token is None:
        raise InvalidInput(_("This invitation is invalid, expired or already used."))
    if user is None:
        if accounts.find_by_email(token.email) is not None:
            raise Conflict(_("An account with this email address already exists. Sign in to accept."))
        user = accounts.create_user(token.email, display_name, password, locale=locale)
    elif accounts.email_key(user.email) != accounts.email_key(token.email):
        raise Conflict(_("This invitation was sent to another email address."))
    if tokens.consume("council_invite", signed) is None:
        raise InvalidInput(_("This invitation is invalid, expired or already used."))
    user.email_verified_at = user.email_verified_at or utcnow()
    add_staff(user, council, user, token.data["role"])
    return user


def add_staff(actor, council: Council, user, role: str) -> CouncilStaff:
    """Attach an account to a council; an account works for one council at most."""
    if staff_membership(user) is not None:
        raise Conflict(_("This person already works for a council on CivicVoice."))
    staff = CouncilStaff(council_id=council.id, user_id=user.id, role=role)
    db.session.add(staff)
    db.session.flush()
    activity.record(actor, "council.staff_added", council, council=council.name, role=role, user_id=user.id)
    return staff


def remove_staff(actor, staff: CouncilStaff) -> None:
    activity.record(actor, "council.staff_removed", staff.council, council=staff.council.name,
                    user_id=staff.user_id)
    db.session.delete(staff)
    db.session.flush()
