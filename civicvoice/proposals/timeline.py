"""How each event of a demand reads on its public timeline and in notifications."""
from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup, escape

from ..i18n import format_datetime, format_number
from .models import REJECTION_REASONS


def _bdi(value) -> Markup:
    return Markup("<bdi>%s</bdi>") % escape(value)


def _n(value) -> str:
    return format_number(value) if isinstance(value, int) else ""


def _ltr(value) -> Markup:
    """References and codes: Latin letters and digits that must keep their order inside Arabic text."""
    return Markup('<bdi dir="ltr">%s</bdi>') % escape(value)


def _due(data: dict) -> Markup:
    from datetime import date

    from ..i18n import format_date

    value = data.get("due")
    return _bdi(format_date(date.fromisoformat(value))) if value else Markup("")


def _who(event) -> Markup:
    return _bdi(event.actor.public_name) if event.actor is not None else escape(_("the committee"))


def meeting_time(event) -> Markup:
    """The meeting time of an event, in its community's zone."""
    from datetime import datetime

    value = (event.data or {}).get("starts_at")
    if not value:
        return Markup("")
    # The zone is stored with the event, so lists of notifications need no extra query per community.
    return _bdi(format_datetime(datetime.fromisoformat(value), (event.data or {}).get("tz")))


def _votes(data: dict) -> dict:
    return {key: _n(data.get(key, 0)) for key in ("yes", "no", "abstain", "turnout", "electorate")}


def _minutes_hidden(meeting_id) -> bool:
    """The note came with the meeting's minutes: when the committee hid them, the note is hidden too. (The demand
    page has loaded its meetings already, meetings.for_proposal: this reads them from the session.)"""
    from ..extensions import db
    from ..meetings.models import Meeting

    meeting = db.session.get(Meeting, meeting_id) if meeting_id else None
    return meeting is not None and meeting.minutes_hidden_at is not None


def _outcome(code: str):
    from ..meetings.models import OUTCOMES

    return OUTCOMES.get(code, "")


# The council's own voice: marked as official on the timeline.
OFFICIAL = frozenset({"proposal.acknowledge", "proposal.council_answer", "proposal.decline", "proposal.start_work",
                      "proposal.council_progress", "proposal.resolve"})


def _answer_text(data: dict, council) -> Markup:
    decision = data.get("decision")
    if decision == "referred":
        return _("%(council)s referred the demand to %(body)s.", council=council,
                 body=_bdi(data.get("referred_to", "")))
    if decision == "partial":
        return _("%(council)s partially accepted the demand.", council=council)
    return _("%(council)s accepted the demand.", council=council)


def _progress_text(data: dict, council) -> Markup:
    from datetime import date

    from ..i18n import format_date

    if data.get("stage") == "scheduled" and data.get("scheduled_for"):
        return _("%(council)s scheduled the work for %(date)s.", council=council,
                 date=_bdi(format_date(date.fromisoformat(data["scheduled_for"]))))
    return _("%(council)s reports the work in progress.", council=council)


def describe(event, notification: bool = False) -> Markup:
    """One sentence for an event of a demand; names and titles isolated with <bdi>.

    `notification` phrases it for the person notified ("invited you"); otherwise for the public timeline.
    """
    data = event.data or {}
    who = _who(event)
    council = _bdi(data.get("council") or _("The council"))
    title = _bdi(data.get("title", ""))
    texts = {
        "proposal.drafted": lambda: _("%(who)s started the draft.", who=who),
        "proposal.edited": lambda: _("%(who)s saved revision %(n)s.", who=who, n=_n(data.get("revision"))),
        "proposal.submit": lambda: _("%(who)s submitted %(title)s for the committee's review.", who=who,
                                     title=title),
        "proposal.publish": lambda: _("The committee published %(title)s.", title=title),
        "proposal.request_changes": lambda: _("The committee asked for changes: %(reason)s",
                                              reason=_bdi(data.get("reason", ""))),
        "proposal.reject": lambda: _("The committee rejected %(title)s (%(code)s): %(reason)s", title=title,
                                     code=REJECTION_REASONS.get(data.get("code"), ""),
                                     reason=_bdi(data.get("reason", ""))),
        "proposal.withdraw": lambda: _("%(who)s withdrew the demand: %(reason)s", who=who,
                                       reason=_bdi(data.get("reason", ""))),
        "proposal.merge": lambda: _("The committee merged this demand into %(kept)s: %(reason)s",
                                    kept=_bdi(data.get("kept_title", "")), reason=_bdi(data.get("reason", ""))),
        "proposal.merged_in": lambda: _("The duplicate %(title)s was merged into this demand.",
                                        title=_bdi(data.get("duplicate_title", ""))),
        "proposal.hide": lambda: (
            _("The demand was hidden after several reports, until the committee reviews it.")
            if data.get("automatic") else
            _("The committee hid the demand: %(reason)s", reason=_bdi(data.get("reason", "")))),
        "proposal.unhide": lambda: _("The committee made the demand public again: %(reason)s",
                                     reason=_bdi(data.get("reason", ""))),
        "proposal.goal_changed": lambda: _("The committee set the signature goal to %(n)s.", n=_n(data.get("after"))),
        "proposal.coauthor_invited": lambda: (
            _("%(who)s invited you to write %(title)s together.", who=who, title=title) if notification
            else _("%(who)s invited a co-author.", who=who)),
        "proposal.coauthor_accepted": lambda: _("%(who)s became a co-author.", who=who),
        "proposal.coauthor_declined": lambda: _("%(who)s declined to co-author %(title)s.", who=who, title=title),
        "proposal.goal_reached": lambda: _("The signature goal (%(n)s) was reached: the demand is ready for a vote.",
                                           n=_n(data.get("goal"))),
        "signature.paper_batch": lambda: _("The committee entered %(n)s signatures collected on paper.",
                                           n=_n(data.get("count"))),
        "signature.invalidated": lambda: ngettext(
            "The committee voided %(n)s signature after checking how it came in: %(reason)s",
            "The committee voided %(n)s signatures that came in together: %(reason)s",
            data.get("count") or 0, n=_n(data.get("count")), reason=_bdi(data.get("reason", ""))),
        "proposal.goal_lost": lambda: _(
            "Voided signatures took %(title)s back below its signature goal (%(n)s): the vote waits until the goal "
            "is reached again.", title=title, n=_n(data.get("goal"))),
        "proposal.open_vote": lambda: _("The committee opened the community's vote on %(title)s.", title=title),
        "proposal.adopt": lambda: _("The community adopted the demand: %(yes)s yes, %(no)s no, %(abstain)s abstentions "
                                    "(turnout %(turnout)s of %(electorate)s).", **_votes(data)),
        "proposal.not_adopt": lambda: _("The community did not adopt the demand: %(yes)s yes, %(no)s no, %(abstain)s "
                                        "abstentions (turnout %(turnout)s of %(electorate)s).", **_votes(data)),
        "proposal.amendment_proposed": lambda: (
            _("%(who)s proposed an amendment to %(title)s.", who=who, title=title) if notification
            else _("%(who)s proposed an amendment.", who=who)),
        "proposal.amendment_accepted": lambda: (
            _("The authors accepted the amendment by %(amender)s: it is revision %(n)s of %(title)s.",
              amender=_bdi(data.get("amender", "")), n=_n(data.get("revision")), title=title)),
        "proposal.amendment_declined": lambda: _("The authors declined an amendment to %(title)s: %(reason)s",
                                                 title=title, reason=_bdi(data.get("reason", ""))),
        "proposal.amendment_withdrawn": lambda: _("%(who)s withdrew their amendment.", who=who),
        "proposal.on_agenda": lambda: _("On the agenda of the meeting %(meeting)s (%(when)s, %(centre)s).",
                                        meeting=_bdi(data.get("meeting_title", "")), when=meeting_time(event),
                                        centre=_bdi(data.get("centre", ""))),
        "proposal.meeting_outcome": lambda: (
            _("Meeting %(meeting)s (%(when)s): %(outcome)s. %(note)s", meeting=_bdi(data.get("meeting_title", "")),
              when=meeting_time(event), outcome=_outcome(data.get("outcome")), note=_bdi(data.get("note", "")))
            if data.get("note") and not _minutes_hidden(data.get("meeting_id")) else
            _("Meeting %(meeting)s (%(when)s): %(outcome)s.", meeting=_bdi(data.get("meeting_title", "")),
              when=meeting_time(event), outcome=_outcome(data.get("outcome")))),
        "proposal.letter_drafted": lambda: _("%(who)s drafted the letter %(reference)s to the council.", who=who,
                                             reference=_ltr(data.get("reference", ""))),
        "proposal.letter_approved": lambda: _("%(who)s approved version %(n)s of the letter %(reference)s.", who=who,
                                              n=_n(data.get("version")), reference=_ltr(data.get("reference", ""))),
        "proposal.send_letter": lambda: _("The committee sent the letter %(reference)s to %(council)s. An answer is "
                                          "expected by %(due)s.", reference=_ltr(data.get("reference", "")),
                                          council=_bdi(data.get("council", "")), due=_due(data)),
        "proposal.attachment_added": lambda: _("%(who)s attached %(name)s.", who=who,
                                               name=_bdi(data.get("filename", ""))),
        "proposal.acknowledge": lambda: (
            _("%(council)s acknowledged receipt of the letter (registry number %(number)s).", council=council,
              number=_ltr(data.get("registry_number"))) if data.get("registry_number") else
            _("%(council)s acknowledged receipt of the letter.", council=council)),
        "proposal.council_answer": lambda: _answer_text(data, council),
        "proposal.decline": lambda: _("%(council)s declined the demand: %(reason)s", council=council,
                                      reason=_bdi(data.get("reason", ""))),
        "proposal.start_work": lambda: _progress_text(data, council),
        "proposal.council_progress": lambda: _progress_text(data, council),
        "proposal.resolve": lambda: (
            _("%(council)s reports %(title)s resolved. Is it really fixed? Tell us.", council=council, title=title)
            if notification else _("%(council)s reports the demand resolved.", council=council)),
        "proposal.reopen": lambda: (
            _("Residents contested the council's report (%(contests)s not fixed, %(confirms)s fixed): the demand is "
              "back in progress.", contests=_n(data.get("contests", 0)), confirms=_n(data.get("confirmations", 0)))
            if data.get("automatic") else
            _("The committee reopened the demand: it is not resolved. %(reason)s", reason=_bdi(data.get("reason", "")))),
    }
    text = texts.get(event.verb)
    sentence = text() if text else _("%(who)s updated the demand.", who=who)
    return Markup(sentence)  # nosec B704 # our catalogue's sentence; every value in it is escaped (_bdi) or ours
