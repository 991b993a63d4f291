"""The council's side of a letter: acknowledging it, answering in public, reporting progress, and residents'
"is it really fixed?" check that can reopen a demand the council called resolved.

Every step moves the demand through `proposals/states.py`, records an event on its public timeline, and notifies
the co-signers, the authors and the committee.
"""
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import activity, storage
from ..communities import services as communities
from ..database import utcnow
from ..errors import Conflict, InvalidInput
from ..extensions import db
from ..letters import deadlines
from ..proposals import attachments
from ..proposals import services as proposals
from ..proposals.models import Proposal
from ..signatures import services as signatures
from .models import DECISIONS, STAGES, VERDICTS, CouncilResponse, ResolutionCheck, ResponsePhoto

CHECK_DAYS = 14
MAX_PHOTOS = 4
LANGUAGES = ("ar", "en")


# Reading ------------------------------------------------------------------------------------------

def of(proposal: Proposal) -> list[CouncilResponse]:
    """The council's public responses on a demand, oldest first (photos loaded with them)."""
    return list(db.session.scalars(
        select(CouncilResponse).where(CouncilResponse.proposal_id == proposal.id)
        .order_by(CouncilResponse.created_at, CouncilResponse.id)))


def audience(proposal: Proposal) -> list:
    """Everyone told of the council's steps: confirmed co-signers with an account, the authors, the committee."""
    return (signatures.signer_accounts(proposal) + proposals.authors(proposal)
            + [m.user for m in communities.committee(proposal.community)])


def current_round(proposal: Proposal) -> CouncilResponse | None:
    """The "resolved" update residents are being asked about: the latest one, while the demand is resolved."""
    if proposal.status != "resolved":
        return None
    return db.session.scalar(
        select(CouncilResponse).where(CouncilResponse.proposal_id == proposal.id, CouncilResponse.kind == "progress",
                                      CouncilResponse.stage == "resolved")
        .order_by(CouncilResponse.created_at.desc(), CouncilResponse.id.desc()).limit(1))


def check_closes_at(response: CouncilResponse) -> datetime:
    return response.created_at + timedelta(days=CHECK_DAYS)


def tally(response: CouncilResponse) -> dict:
    rows = db.session.execute(
        select(ResolutionCheck.verdict, func.count()).where(ResolutionCheck.response_id == response.id)
        .group_by(ResolutionCheck.verdict)).all()
    counts = {"confirm": 0, "contest": 0} | dict(rows)
    return counts


def contests(response: CouncilResponse) -> list[ResolutionCheck]:
    return list(db.session.scalars(
        select(ResolutionCheck).where(ResolutionCheck.response_id == response.id,
                                      ResolutionCheck.verdict == "contest")
        .order_by(ResolutionCheck.created_at)))


def latest_contested_round(proposal: Proposal) -> CouncilResponse | None:
    """The last "resolved" update that residents' contests reopened, to show the council what they said."""
    return db.session.scalar(
        select(CouncilResponse).where(CouncilResponse.proposal_id == proposal.id, CouncilResponse.stage == "resolved",
                                      CouncilResponse.settled_at.is_not(None))
        .order_by(CouncilResponse.created_at.desc()).limit(1))


def check_of(user, response: CouncilResponse) -> ResolutionCheck | None:
    if user is None or response is None:
        return None
    return db.session.scalar(select(ResolutionCheck).where(ResolutionCheck.response_id == response.id,
                                                           ResolutionCheck.user_id == user.id))


# Writing ------------------------------------------------------------------------------------------

def _text(value: str) -> str:
    return (value or "").strip()


def _language(language: str) -> str:
    if language not in LANGUAGES:
        raise InvalidInput(_("Choose Arabic or English."))
    return language


def _prepare_photos(files: list[tuple[bytes, str]]) -> list:
    if len(files) > MAX_PHOTOS:
        raise InvalidInput(_("At most %(n)d photos.", n=MAX_PHOTOS))
    uploads = attachments.prepare(files)
    if any(not upload.content_type.startswith("image/") for upload in uploads):
        raise InvalidInput(_("Only photos (JPEG or PNG) can be attached here."))
    return uploads


def _add(actor, letter, **fields) -> CouncilResponse:
    """Insert the response; a second acknowledgement or answer of the same letter is a Conflict, not a crash."""
    uploads = _prepare_photos(fields.pop("photos", []) or [])
    response = CouncilResponse(letter_id=letter.id, proposal_id=letter.proposal_id, council_id=letter.council_id,
                               author_id=actor.id, **fields)
    try:
        with db.session.begin_nested():
            db.session.add(response)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("Someone at the council has just done this: reload the page.")) from None
    for upload in uploads:
        db.session.add(ResponsePhoto(response_id=response.id, storage_key=storage.save(upload.data, upload.content_type),
                                     content_type=upload.content_type))
    db.session.flush()
    return response


def _require_sent(letter) -> None:
    if letter.status != "sent":
        raise Conflict(_("This letter has not been sent to the council."))


def _council_name(letter) -> str:
    return letter.council.name if letter.council is not None else ""


def acknowledge(actor, letter, registry_number: str = "", body: str = "", language: str = "ar") -> CouncilResponse:
    """The council confirms it received the letter (optionally with its incoming registry number): the demand
    becomes `acknowledged`. InvalidTransition once it has moved on."""
    _require_sent(letter)
    proposal = letter.proposal
    registry_number = _text(registry_number)
    event = proposals.council_move(actor, proposal, "acknowledge", title=proposal.title, council=_council_name(letter),
                                   registry_number=registry_number, body=_text(body))
    response = _add(actor, letter, kind="acknowledgement", registry_number=registry_number, body=_text(body),
                    language=_language(language))
    event.data = dict(event.data, response_id=response.id)
    letter.acknowledged_at = response.created_at
    if registry_number and not letter.registry_number:
        letter.registry_number = registry_number
    activity.notify(event, audience(proposal))
    db.session.flush()
    return response


def answer(actor, letter, decision: str, body: str = "", referred_to: str = "", language: str = "ar",
           photos: list[tuple[bytes, str]] | None = None) -> CouncilResponse:
    """The council's public decision on the demand: accepted, partially accepted, declined (with its reason) or
    referred to another body (named). An unacknowledged letter is acknowledged first; a decline closes the demand.
    One answer per letter."""
    _require_sent(letter)
    proposal = letter.proposal
    body, referred_to = _text(body), _text(referred_to)
    if decision not in DECISIONS:
        raise InvalidInput(_("Choose a decision."))
    if decision == "declined" and not body:
        raise InvalidInput(_("Give the reason for declining: residents read it."))
    if decision == "referred" and not referred_to:
        raise InvalidInput(_("Name the body the demand was referred to."))
    if letter.answered_at is not None:
        raise Conflict(_("The council has already answered this letter."))
    if proposal.status == "submitted":
        acknowledge(actor, letter, language=language)
    data = {"title": proposal.title, "council": _council_name(letter), "decision": decision, "body": body,
            "referred_to": referred_to}
    if decision == "declined":
        event = proposals.council_move(actor, proposal, "decline", body, **data)
    elif proposal.status in ("acknowledged", "in_progress"):
        event = activity.record(actor, "proposal.council_answer", proposal, proposal.community, **data)
    else:
        raise Conflict(_("This demand can no longer be answered."))
    response = _add(actor, letter, kind="answer", decision=decision, body=body, referred_to=referred_to,
                    language=_language(language), photos=photos)
    event.data = dict(event.data, response_id=response.id)
    letter.answered_at = response.created_at
    letter.answer_decision = decision
    activity.notify(event, audience(proposal))
    db.session.flush()
    return response


def post_progress(actor, letter, stage: str, body: str, scheduled_for: date | None = None, language: str = "ar",
                  photos: list[tuple[bytes, str]] | None = None) -> CouncilResponse:
    """Report the work on an accepted demand: scheduled (with its date), in progress, or resolved. Scheduling or
    starting moves the demand to `in_progress`; resolved moves it to `resolved` and asks the signers to check."""
    _require_sent(letter)
    proposal = letter.proposal
    body = _text(body)
    if stage not in STAGES:
        raise InvalidInput(_("Choose a stage."))
    if not body:
        raise InvalidInput(_("Say what was done or planned."))
    if stage == "scheduled" and scheduled_for is None:
        raise InvalidInput(_("Enter the date the work is scheduled for."))
    if letter.answer_decision not in ("accepted", "partial"):
        raise Conflict(_("Progress can be reported once the council has accepted the demand, fully or partly."))
    data = {"title": proposal.title, "council": _council_name(letter), "stage": stage, "body": body,
            "scheduled_for": scheduled_for.isoformat() if scheduled_for else ""}
    if stage == "resolved":
        event = proposals.council_move(actor, proposal, "resolve", **data)
    elif proposal.status == "acknowledged":
        event = proposals.council_move(actor, proposal, "start_work", **data)
    elif proposal.status == "in_progress":
        event = activity.record(actor, "proposal.council_progress", proposal, proposal.community, **data)
        proposal.last_activity_at = utcnow()
    else:
        raise Conflict(_("This demand is not in progress."))
    response = _add(actor, letter, kind="progress", stage=stage, body=body, scheduled_for=scheduled_for,
                    language=_language(language), photos=photos)
    event.data = dict(event.data, response_id=response.id)
    if stage == "resolved":
        letter.resolved_at = response.created_at
    activity.notify(event, audience(proposal))
    db.session.flush()
    return response


def check(user, proposal: Proposal, verdict: str, comment: str = "",
          photo: tuple[bytes, str] | None = None) -> ResolutionCheck:
    """A signer confirms the repair or contests it (a comment required, a photo optional). They may change their
    answer until the check is settled."""
    response = current_round(proposal)
    if response is None or response.settled_at is not None:
        raise Conflict(_("The council's report is no longer open for checking."))
    if verdict not in VERDICTS:
        raise InvalidInput(_("Choose whether it is fixed."))
    comment = _text(comment)
    if verdict == "contest" and not comment:
        raise InvalidInput(_("Say what is still wrong."))
    upload = _prepare_photos([photo])[0] if photo is not None else None
    existing = check_of(user, response)
    item = existing or ResolutionCheck(response_id=response.id, proposal_id=proposal.id, user_id=user.id)
    item.verdict, item.comment = verdict, comment
    if upload is not None:
        item.photo_key, item.photo_type = storage.save(upload.data, upload.content_type), upload.content_type
    if existing is None:
        try:
            with db.session.begin_nested():
                db.session.add(item)
                db.session.flush()
        except IntegrityError:
            raise Conflict(_("You have already answered: reload the page.")) from None
    # Off the demand's timeline (subject: the check): the counts are public, the names are not.
    activity.record(user, f"resolution.{verdict}", item, proposal.community, proposal_id=proposal.id)
    db.session.flush()
    return item


def _reopen(actor, proposal: Proposal, response: CouncilResponse, reason: str, now: datetime | None = None,
            **data) -> None:
    response.settled_at = now or utcnow()
    event = proposals.council_move(actor, proposal, "reopen", reason, title=proposal.title, **data)
    activity.notify(event, audience(proposal) + _council_staff(proposal))


def _council_staff(proposal: Proposal) -> list:
    if proposal.council is None:
        return []
    return [member.user for member in proposal.council.staff]


def reopen(actor, proposal: Proposal, reason: str) -> None:
    """The committee decides the demand is not resolved, whatever the count: back to `in_progress`."""
    response = current_round(proposal)
    if response is None:
        raise Conflict(_("Only a demand the council reported resolved can be reopened."))
    counts = tally(response)
    _reopen(actor, proposal, response, _text(reason), confirmations=counts["confirm"], contests=counts["contest"])


def settle(proposal: Proposal, now: datetime | None = None) -> bool | None:
    """Weigh the check once its 14 days are over: more contests than confirmations reopen the demand.

    Returns True (reopened), False (stays resolved), None (not due, or nothing to settle). Idempotent.
    """
    response = current_round(proposal)
    now = now or utcnow()
    if response is None or response.settled_at is not None or now < check_closes_at(response):
        return None
    counts = tally(response)
    if counts["contest"] > counts["confirm"]:
        _reopen(None, proposal, response, "contested", now, automatic=True, confirmations=counts["confirm"],
                contests=counts["contest"])
        return True
    response.settled_at = now
    db.session.flush()
    return False


def on_viewed(proposal: Proposal) -> bool:
    """Before the demand's page is shown: settle its residents' check if its days are over (True: it wrote)."""
    return settle(proposal) is not None


def settle_due(now: datetime | None = None) -> int:
    """Settle every check whose 14 days are over (`flask council settle-checks`, daily). Returns how many reopened."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Proposal).join(CouncilResponse, CouncilResponse.proposal_id == Proposal.id)
        .where(Proposal.status == "resolved", CouncilResponse.stage == "resolved",
               CouncilResponse.settled_at.is_(None),
               CouncilResponse.created_at <= now - timedelta(days=CHECK_DAYS)).distinct()).all()
    return sum(1 for proposal in due if settle(proposal, now))


def page_context(proposal: Proposal, user, letter=None) -> dict:
    """What the demand's page shows of the council's side: its responses, the days left for the council's answer
    (negative once overdue), and the residents' check while open."""
    round_ = current_round(proposal)
    waiting = letter is not None and letter.status == "sent" and letter.answered_at is None
    days_left = deadlines.days_left(letter.response_due_on, deadlines.today(letter.council)) if waiting else None
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    return {"council_responses": of(proposal), "check_round": round_, "answer_days_left": days_left,
            "check_tally": tally(round_) if round_ is not None else None,
            "check_closes_at": check_closes_at(round_) if round_ is not None else None,
            "my_check": check_of(user, round_) if signed_in and round_ is not None else None}
