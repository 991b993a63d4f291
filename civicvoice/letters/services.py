"""The rules of letters: drafting from the demand, references, four-eyes approval, issuing, sending, checking."""
import hashlib
import secrets
from datetime import date
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import activity, mail, storage
from ..accounts.models import User
from ..communities.models import Community, Membership
from ..database import lock_row, utcnow
from ..errors import Conflict, InvalidInput, NotAllowed
from ..extensions import db
from ..i18n import force_locale
from ..proposals import attachments
from ..proposals import services as proposals
from ..proposals.models import Proposal
from ..signatures import services as signatures
from ..signatures.models import Signature
from ..volunteers.offers import offers_summary
from ..voting import services as voting
from . import approval, deadlines, document
from .models import EDITABLE_FIELDS, Letter, LetterVersion
from .rules import letter_of as of

# Crockford's base 32 without I, L, O, U: a code read aloud or copied by hand from paper stays unambiguous.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_ATTEMPTS = 8


class LetterChanged(Conflict):
    """The letter is not what the approver read (another member edited it, or its counts, letterhead or annex
    changed): nothing is approved. `content` is the letter as it is now (approval.content)."""

    default_message = _l("The letter changed since you read it: read it again before approving it.")

    def __init__(self, content: dict):
        super().__init__()
        self.content = content


# Reading -----------------------------------------------------------------------------------------

def local_today(community) -> date:
    return utcnow().astimezone(ZoneInfo(community.timezone)).date()


def _committee(community) -> list:
    return [m.user for m in db.session.scalars(
        select(Membership).where(Membership.community_id == community.id, Membership.role == "committee",
                                 Membership.status == "active"))]


def committee_signatories(community, language: str = "ar") -> list[dict]:
    """The committee's members, as the draft proposes them to sign; their role in the letter's (first) language,
    not in that of the member who drafts it."""
    members = db.session.scalars(
        select(Membership).where(Membership.community_id == community.id, Membership.role == "committee",
                                 Membership.status == "active").order_by(Membership.id))
    with force_locale("en" if language == "en" else "ar"):
        role = _("Member of the community committee")
    return [{"name": m.user.known_name, "role": role} for m in members]


def evidence(proposal: Proposal) -> dict:
    """Counts and the vote as they are now: a version keeps them, so the letter says what was true when drafted."""
    verified = db.session.scalar(
        select(func.count(Signature.id)).join(User, User.id == Signature.user_id)
        .where(Signature.proposal_id == proposal.id, Signature.status == "confirmed",
               User.verified_in_person_at.is_not(None)))
    result = {"total": proposal.signature_count, "online": proposal.online_count, "paper": proposal.paper_count,
              "verified": verified or 0, "goal": proposal.signature_goal,
              "enclosures": [a.filename for a in attachments.of(proposal)]}

    offered = offers_summary(proposal)
    if offered["offers"]:  # the community's own effort, only when someone offered help
        result["offers"] = {key: offered[key] for key in ("people", "hours", "skills", "resources")}
    poll = voting.for_proposal(proposal)
    if poll is not None and poll.status == "closed" and poll.result:
        result["vote"] = {key: poll.result.get(key) for key in ("yes", "no", "abstain", "turnout", "electorate")}
        result["vote"]["closed_at"] = poll.closed_at.isoformat()
    return result


def default_content(proposal: Proposal, language: str = "ar") -> dict:
    """A first draft made from the demand, its council and its committee."""
    council = proposal.council
    return {
        "language": language,
        "letter_date": local_today(proposal.community),
        "show_hijri": False,
        "recipient_name": council.name if council else "",
        "recipient_title": "",
        "recipient_address": council.postal_address if council else "",
        "subject": proposal.title,
        "body": "\n\n".join(part for part in (proposal.summary.strip(), proposal.body.strip()) if part),
        "place": proposal.place,
        "resolution": proposal.resolution,
        "signatories": committee_signatories(proposal.community, language),
        "evidence": evidence(proposal),
    }


def discussion_draft(proposal: Proposal, language: str) -> SimpleNamespace:
    """What the letter would say today, for the authors to discuss: never stored, never verifiable."""
    return SimpleNamespace(number=0, approved_at=None, verification_code=None, **default_content(proposal, language))


# Drafting ---------------------------------------------------------------------------------------

def _next_sequence(community_id: int, year: int) -> int:
    highest = db.session.scalar(select(func.max(Letter.sequence)).where(Letter.community_id == community_id,
                                                                        Letter.year == year))
    return (highest or 0) + 1


def reference_for(community, year: int, sequence: int) -> str:
    return f"{community.code}/{year}/{sequence:03d}"


def _check(fields: dict) -> None:
    if not (fields.get("recipient_name") or "").strip():
        raise InvalidInput(_("Name the council the letter is addressed to."))
    if not (fields.get("subject") or "").strip() or not (fields.get("body") or "").strip():
        raise InvalidInput(_("The letter needs a subject and a body."))
    if not fields.get("signatories"):
        raise InvalidInput(_("At least one committee member signs the letter."))


def create(actor, proposal: Proposal, language: str = "ar") -> Letter:
    """The committee's draft letter of an adopted demand, with the next reference of its community for the year.

    Two committee members creating letters at once would both read the same highest sequence: the community's row
    is locked first (PostgreSQL; SQLite's write lock does the same), so they number one after the other. Should two
    inserts still collide, the unique constraint refuses the second, which retries with the next number (a
    savepoint keeps the rest of the work).
    """
    if proposal.status != "adopted":
        raise Conflict(_("Only a demand the community adopted gets a formal letter."))
    if proposal.council is None:
        raise InvalidInput(_("Choose the council this demand is addressed to before writing its letter."))
    content = default_content(proposal, language)
    year = content["letter_date"].year
    # Without the lock, each of n creators at once needs up to n attempts (one wins per round) and the last ones
    # ran out of them. FOR NO KEY UPDATE leaves rows that merely refer to the community (events) unblocked.
    db.session.execute(select(Community.id).where(Community.id == proposal.community_id)
                       .with_for_update(key_share=True))
    for _attempt in range(REFERENCE_ATTEMPTS):
        if of(proposal) is not None:
            raise Conflict(_("This demand already has a letter."))
        sequence = _next_sequence(proposal.community_id, year)
        letter = Letter(proposal_id=proposal.id, community_id=proposal.community_id, council_id=proposal.council_id,
                        year=year, sequence=sequence, reference=reference_for(proposal.community, year, sequence),
                        created_by_id=actor.id)
        try:
            with db.session.begin_nested():
                db.session.add(letter)
                db.session.flush()
        except IntegrityError:
            continue
        db.session.add(LetterVersion(letter_id=letter.id, number=1, drafted_by_id=actor.id, **content))
        db.session.flush()
        db.session.refresh(letter)
        event = activity.record(actor, "proposal.letter_drafted", proposal, proposal.community, title=proposal.title,
                                reference=letter.reference)
        activity.notify(event, _committee(proposal.community))  # someone else has to approve it
        return letter
    raise Conflict(_("Many letters were being numbered at once. Please try again."))


def _lock(letter: Letter) -> None:
    """Queue behind any other change or approval of this letter, then read it (and its versions) as committed:
    an approval and an edit at the same moment happen one after the other, never interleaved."""
    lock_row(letter)
    db.session.execute(select(Letter).where(Letter.id == letter.id).execution_options(populate_existing=True))
    db.session.execute(select(LetterVersion).where(LetterVersion.letter_id == letter.id)
                       .execution_options(populate_existing=True))
    db.session.expire(letter, ["versions"])


def edit(actor, letter: Letter, **fields) -> LetterVersion:
    """Change the draft; an approved version is frozen, so changing it makes the next version, to approve again."""
    _lock(letter)
    if letter.status == "sent":
        raise Conflict(_("A sent letter cannot change."))
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    current = letter.current
    merged = {name: getattr(current, name) for name in EDITABLE_FIELDS} | fields
    _check(merged)
    if all(merged[name] == getattr(current, name) for name in EDITABLE_FIELDS):
        return current
    if current.approved_at is not None:
        # The counts stay as they were: numbers change only when someone asks (refresh_evidence).
        current = LetterVersion(letter_id=letter.id, number=current.number + 1, evidence=current.evidence, **merged)
        db.session.add(current)
    else:
        for name, value in merged.items():
            setattr(current, name, value)
    current.drafted_by_id = actor.id
    letter.status = "draft"
    db.session.flush()
    db.session.refresh(letter)
    return current


def refresh_evidence(actor, letter: Letter) -> LetterVersion:
    """Bring the counts up to date (paper sheets entered after the draft): a change like any other."""
    _lock(letter)
    if letter.status == "sent":
        raise Conflict(_("A sent letter cannot change."))
    version = letter.current
    counts = evidence(letter.proposal)
    if counts == version.evidence:
        return version
    if version.approved_at is not None:
        version = LetterVersion(letter_id=letter.id, number=version.number + 1,
                                **{name: getattr(version, name) for name in EDITABLE_FIELDS})
        db.session.add(version)
    version.evidence = counts
    version.drafted_by_id = actor.id
    letter.status = "draft"
    db.session.flush()
    db.session.refresh(letter)
    return letter.current


# Approving and issuing ----------------------------------------------------------------------------

def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_code(text: str) -> str:
    """What a person typed or scanned, as stored: upper case, O read as 0, I and L as 1, grouped by four."""
    raw = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    raw = raw.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def fingerprint(letter: Letter) -> str:
    """The fingerprint of the current version as an approver reads it (approval.py)."""
    return approval.fingerprint(approval.content(letter))


def approve(actor, letter: Letter, *, version_number: int | None = None, seen: str | None = None) -> LetterVersion:
    """A second committee member approves the current version: it is frozen, rendered once and its hash kept.

    `version_number` and `seen` (its fingerprint) are what the approver read, as the approve form carries them:
    if the letter is no longer that, LetterChanged and nothing is approved. The view always gives them; code
    with no reader (the demo, scripts) may leave them out.
    """
    _lock(letter)
    version = letter.current
    if letter.status != "draft" or version.approved_at is not None:
        raise Conflict(_("This version is already approved."))
    if version.drafted_by_id == actor.id:
        raise NotAllowed(_("Another committee member must approve the letter: not the one who drafted it."))
    if seen is not None or version_number is not None:
        now = approval.content(letter)
        if version_number != version.number or seen != approval.fingerprint(now):
            raise LetterChanged(now)
    version.verification_code = new_code()
    data, pages = document.pdf(letter, version)
    version.pdf_key = storage.save(data, "application/pdf")
    version.pdf_sha256 = hashlib.sha256(data).hexdigest()
    version.pdf_pages, version.pdf_size = pages, len(data)
    version.approved_by_id = actor.id
    version.approved_at = utcnow()
    letter.status = "approved"
    db.session.flush()
    event = activity.record(actor, "proposal.letter_approved", letter.proposal, letter.community,
                            title=letter.proposal.title, reference=letter.reference, version=version.number)
    activity.notify(event, _committee(letter.community))
    return version


def issued_pdf(version: LetterVersion) -> bytes:
    return storage.read(version.pdf_key)


# Sending ------------------------------------------------------------------------------------------

def _mark_sent(actor, letter: Letter, **delivery) -> None:
    if letter.status != "approved" or letter.issued is None:
        raise Conflict(_("Only an approved letter can be sent."))
    proposal = letter.proposal
    council = letter.council
    for name, value in delivery.items():
        setattr(letter, name, value)
    letter.status = "sent"
    letter.sent_at = utcnow()
    letter.sent_by_id = actor.id
    # Counted in the council's calendar (its zone, and its working days when it counts those), from the day the
    # council received it: today for an email, the day it was handed in for a delivery recorded later.
    letter.response_due_on = deadlines.due_date(council, letter.sent_at, delivery.get("delivered_on"))
    proposal.submitted_at = letter.sent_at
    event = proposals.send_letter(actor, proposal, reference=letter.reference, method=letter.method,
                                  due=letter.response_due_on.isoformat(),
                                  council=council.name if council else "")
    # The council's staff hear of it too: the letter is now in their inbox, its deadline running.
    staff = [member.user for member in council.staff] if council is not None else []
    activity.notify(event, staff, kind="council_inbox")
    activity.notify(event, signatures.signer_accounts(proposal) + proposals.authors(proposal))
    db.session.flush()


def send_by_email(actor, letter: Letter) -> None:
    """Email the issued PDF to the council's contact address (after the commit) and mark the demand submitted."""
    council = letter.council
    if council is None or not council.contact_email:
        raise InvalidInput(_("The council has no contact email address: deliver the letter by hand, or ask a site "
                             "administrator to add the address."))
    version = letter.issued
    if version is None:
        raise Conflict(_("Only an approved letter can be sent."))
    _mark_sent(actor, letter, method="email", sent_to=council.contact_email)
    first = "en" if version.language == "en" else "ar"
    # Uncapped: a council's address receives every community's letters, and none may be lost.
    mail.send(council.contact_email, "email/letter_subject.txt", "email/letter_body.txt", locale=first,
              kind="letter", capped=False, letter=letter, version=version, proposal=letter.proposal,
              attachments=[(f"{letter.reference.replace('/', '-')}.pdf", "application/pdf", issued_pdf(version))])


def record_hand_delivery(actor, letter: Letter, *, delivered_on: date, delivered_by: str, registry_number: str = "",
                         receipt: tuple[bytes, str] | None = None) -> None:
    """The letter was handed in at the council's office: who took it, when, its registry number, the stamp."""
    if delivered_on > local_today(letter.community):
        raise InvalidInput(_("The delivery date cannot be in the future."))
    if not delivered_by.strip():
        raise InvalidInput(_("Say who delivered the letter."))
    values = {"method": "hand", "delivered_on": delivered_on, "delivered_by": delivered_by.strip(),
              "registry_number": registry_number.strip()}
    if receipt is not None:
        upload = attachments.prepare([receipt])[0]
        values |= {"receipt_key": storage.save(upload.data, upload.content_type), "receipt_type": upload.content_type}
    _mark_sent(actor, letter, **values)


# Verifying ----------------------------------------------------------------------------------------

def by_code(code: str) -> LetterVersion | None:
    normalised = normalise_code(code)
    if len(normalised) != 14:
        return None
    return db.session.scalar(select(LetterVersion).where(LetterVersion.verification_code == normalised))


def matches(version: LetterVersion, data: bytes) -> bool:
    return hashlib.sha256(data).hexdigest() == version.pdf_sha256
