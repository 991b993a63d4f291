"""How moderation events read: to the person concerned (notifications) and to everyone (the public log, which names
a role, never a person, and never the hidden text)."""
from datetime import datetime

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup, escape

from ..activity import messages
from ..i18n import format_date, format_number
from .models import KIND_LABELS


def _bdi(value) -> Markup:
    return Markup("<bdi>%s</bdi>") % escape(value)


def _kind(data: dict):
    return KIND_LABELS.get(data.get("kind"), KIND_LABELS["proposal"])


def _until(data: dict) -> Markup:
    value = data.get("until")
    return _bdi(format_date(datetime.fromisoformat(value), data.get("tz"))) if value else Markup("")


def _who(data: dict):
    return {"committee": _("A committee member"), "admin": _("A site administrator")}.get(
        data.get("role"), _("Automatically"))


def notification(event) -> Markup | None:
    """The sentence for the person notified of a moderation event (their content, their block, their appeal)."""
    data = event.data or {}
    community, reason, kind = _bdi(data.get("community_name", "")), _bdi(data.get("reason", "")), _kind(data)
    person = data.get("kind") == "user"
    texts = {
        "moderation.auto_hidden": lambda: (
            _("After several reports, your arguments in %(community)s wait for the committee's review before they "
              "are published.", community=community) if person else
            _("Your content (%(kind)s) in %(community)s was hidden after several reports, until the committee "
              "reviews it.", kind=kind, community=community)),
        "moderation.hidden": lambda: (
            _("The committee of %(community)s reviews your arguments before they are published: %(reason)s",
              community=community, reason=reason) if person else
            _("The committee of %(community)s hid your content (%(kind)s): %(reason)s. You may appeal once.",
              community=community, kind=kind, reason=reason)),
        "moderation.restored": lambda: (
            _("Your arguments in %(community)s are published without review again: %(reason)s",
              community=community, reason=reason) if person else
            _("The committee of %(community)s shows your content (%(kind)s) again: %(reason)s",
              community=community, kind=kind, reason=reason)),
        "moderation.dismissed": lambda: _("The reports about your content (%(kind)s) in %(community)s were "
                                          "dismissed: it is shown again.", kind=kind, community=community),
        "moderation.blocked": lambda: (
            _("The committee of %(community)s blocked you until %(until)s: you can read, but not post, sign or vote "
              "there. Reason: %(reason)s", community=community, until=_until(data), reason=reason)
            if data.get("until") else
            _("The committee of %(community)s blocked you until further notice: you can read, but not post, sign "
              "or vote there. Reason: %(reason)s", community=community, reason=reason)),
        "moderation.unblocked": lambda: _("The committee of %(community)s lifted your block: %(reason)s",
                                          community=community, reason=reason),
        "moderation.appeal_upheld": lambda: _("Your appeal was decided: your content (%(kind)s) stays hidden. "
                                              "%(reason)s", kind=kind, reason=reason),
        "moderation.appeal_granted": lambda: _("Your appeal was granted: your content (%(kind)s) is shown again. "
                                               "%(reason)s", kind=kind, reason=reason),
        "moderation.approved": lambda: _("The committee published your argument on %(title)s.",
                                         title=_bdi(data.get("title", ""))),
        "moderation.rejected": lambda: _("The committee did not publish your argument on %(title)s: %(reason)s. "
                                         "You may appeal once.", title=_bdi(data.get("title", "")), reason=reason),
        # To the committee.
        "moderation.reported": lambda: _("New report in %(community)s (%(kind)s): see the moderation queue.",
                                         community=community, kind=kind),
        "moderation.review_needed": lambda: _("Reports hid content (%(kind)s) in %(community)s: review it in the "
                                              "moderation queue.", kind=kind, community=community),
        "moderation.appeal_assigned": lambda: _("An appeal in %(community)s waits for your decision (%(kind)s).",
                                         community=community, kind=kind),
    }
    text = texts.get(event.verb)
    if text is None:
        return None
    sentence = text()
    return Markup(sentence)  # nosec B704 # our catalogue's sentence; every value in it is escaped (_bdi) or ours


def log_line(event) -> Markup:
    """One entry of the public log: who (a role), what was done to which kind of item, and why."""
    data = event.data or {}
    who, kind, reason = _who(data), _kind(data), _bdi(data.get("reason", ""))
    person = data.get("kind") == "user"
    texts = {
        "moderation.auto_hidden": lambda: (
            _("A person's arguments wait for review after several reports, until the committee decides.")
            if person else _("Hidden after several reports (%(kind)s), until the committee reviews it.", kind=kind)),
        "moderation.hidden": lambda: (
            _("%(who)s held a person's arguments for review: %(reason)s", who=who, reason=reason) if person else
            _("%(who)s hid content (%(kind)s): %(reason)s", who=who, kind=kind, reason=reason)),
        "moderation.restored": lambda: (
            _("%(who)s stopped holding a person's arguments: %(reason)s", who=who, reason=reason) if person else
            _("%(who)s showed content again (%(kind)s): %(reason)s", who=who, kind=kind, reason=reason)),
        "moderation.dismissed": lambda: _("%(who)s dismissed the reports (%(kind)s): %(reason)s", who=who, kind=kind,
                                          reason=reason),
        "moderation.blocked": lambda: (
            _("%(who)s blocked a person until %(until)s: %(reason)s", who=who, until=_until(data), reason=reason)
            if data.get("until") else
            _("%(who)s blocked a person until further notice: %(reason)s", who=who, reason=reason)),
        "moderation.unblocked": lambda: _("%(who)s lifted a block: %(reason)s", who=who, reason=reason),
        "moderation.appealed": lambda: _("The author appealed a decision (%(kind)s).", kind=kind),
        "moderation.appeal_upheld": lambda: _("%(who)s decided an appeal: it stays hidden (%(kind)s). %(reason)s",
                                              who=who, kind=kind, reason=reason),
        "moderation.appeal_granted": lambda: _("%(who)s granted an appeal: shown again (%(kind)s). %(reason)s",
                                               who=who, kind=kind, reason=reason),
        "moderation.approved": lambda: _("%(who)s published an argument that waited for review.", who=who),
        "moderation.rejected": lambda: _("%(who)s did not publish an argument that waited for review: %(reason)s",
                                         who=who, reason=reason),
        # Signatures voided together (signatures/invalidation.py): how many, never whose.
        "signature.invalidated": lambda: ngettext(
            "%(who)s voided %(n)s signature of %(title)s after checking how it came in: %(reason)s",
            "%(who)s voided %(n)s signatures of %(title)s that came in together: %(reason)s",
            data.get("count") or 0, who=who, n=format_number(data.get("count") or 0),
            title=_bdi(data.get("title", "")), reason=reason),
    }
    text = texts.get(event.verb)
    sentence = text() if text else escape(_("A moderation action."))
    return Markup(sentence)  # nosec B704 # our catalogue's sentence; every value in it is escaped (_bdi) or ours


def register() -> None:
    messages.sentences(lambda event, _notification: notification(event), "moderation.")
    messages.links("moderation_cases", lambda event: url_for("moderation.case", case_id=event.subject_id))
