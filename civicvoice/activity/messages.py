"""How each kind of event reads in a notification, in the reader's language."""
from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup, escape


def _bdi(value) -> Markup:
    return Markup("<bdi>%s</bdi>") % escape(value)


def describe(event) -> Markup:
    """A sentence for `event`; names are isolated with <bdi> so mixed scripts read right."""
    from ..proposals.timeline import meeting_time

    data = event.data or {}
    community = _bdi(data.get("community_name", ""))
    texts = {
        "membership.requested": lambda: _("%(name)s asked to join %(community)s.",
                                           name=_bdi(data.get("name", "")), community=community),
        "membership.approved": lambda: _("Your request to join %(community)s was approved.", community=community),
        "membership.declined": lambda: _("Your request to join %(community)s was declined.", community=community),
        "committee.appointed": lambda: _("You were appointed to the committee of %(community)s.",
                                         community=community),
        "committee.removed": lambda: _("You are no longer on the committee of %(community)s.",
                                       community=community),
        "identity.requested": lambda: _("%(name)s asks the committee of %(community)s to verify their identity in "
                                        "person.", name=_bdi(data.get("name", "")), community=community),
        "identity.verified_in_person": lambda: _("The committee of %(community)s verified your identity in person.",
                                                 community=community),
        "signature.voided": lambda: _("The committee voided your signature on %(title)s: %(reason)s",
                                      title=_bdi(data.get("title", "")), reason=_bdi(data.get("reason", ""))),
        "signature.invalidated": lambda: _(
            "The committee of %(community)s voided your signature on %(title)s, with other signatures that came in "
            "the same way: %(reason)s. If you think this is a mistake, ask the committee to look at it again.",
            community=community, title=_bdi(data.get("title", "")), reason=_bdi(data.get("reason", ""))),
        "argument.replied": lambda: (
            _("The authors of %(title)s answered your question.", title=_bdi(data.get("title", "")))
            if data.get("as_authors") else
            _("%(name)s replied to your argument on %(title)s.", name=_bdi(event.actor.public_name if event.actor
                                                                           else ""),
              title=_bdi(data.get("title", "")))),
        "argument.hidden": lambda: _("The committee hid your argument on %(title)s: %(reason)s",
                                     title=_bdi(data.get("title", "")), reason=_bdi(data.get("reason", ""))),
        "argument.restored": lambda: _("The committee restored your argument on %(title)s.",
                                       title=_bdi(data.get("title", ""))),
        "meeting.scheduled": lambda: _("New meeting in %(community)s: %(title)s, %(when)s at %(centre)s.",
                                       community=community, title=_bdi(data.get("title", "")), when=meeting_time(event),
                                       centre=_bdi(data.get("centre", ""))),
        "meeting.changed": lambda: _("The meeting %(title)s changed: now %(when)s at %(centre)s.",
                                     title=_bdi(data.get("title", "")), when=meeting_time(event),
                                     centre=_bdi(data.get("centre", ""))),
        "meeting.cancelled": lambda: _("The meeting %(title)s (%(when)s) is cancelled: %(reason)s",
                                       title=_bdi(data.get("title", "")), when=meeting_time(event),
                                       reason=_bdi(data.get("reason", ""))),
        "meeting.minutes_posted": lambda: _("The minutes of the meeting %(title)s are posted.",
                                            title=_bdi(data.get("title", ""))),
        "council.staff_added": lambda: _("You now have access to the inbox of %(council)s.",
                                         council=_bdi(data.get("council", ""))),
        "poll.opened": lambda: _("The vote %(title)s is open until %(when)s: you may vote.",
                                 title=_bdi(data.get("title", "")), when=_closing_time(data)),
        "poll.closed": lambda: _("The vote %(title)s is closed: see the results.", title=_bdi(data.get("title", ""))),
        "poll.proxy_given": lambda: _("%(name)s gave you their proxy for the vote %(title)s: you can vote for them.",
                                      name=_bdi(data.get("name", "")), title=_bdi(data.get("title", ""))),
        "poll.proxy_revoked": lambda: _("%(name)s took back their proxy for the vote %(title)s.",
                                        name=_bdi(data.get("name", "")), title=_bdi(data.get("title", ""))),
        "poll.proxy_used": lambda: _("%(name)s cast your vote in %(title)s with your proxy.",
                                     name=_bdi(data.get("name", "")), title=_bdi(data.get("title", ""))),
    }
    if event.verb.startswith(("opportunity.", "volunteer.")):
        return _describe_volunteering(event, data)
    if event.verb.startswith("proposal."):
        from ..proposals.timeline import describe as describe_proposal

        return describe_proposal(event, notification=True)
    if event.verb.startswith("moderation."):
        from ..moderation.messages import notification

        text = notification(event)
        if text is not None:
            return text
    text = texts.get(event.verb)
    sentence = text() if text else escape(_("Something happened that concerns you."))
    return Markup(sentence)  # nosec B704 # our catalogue's sentence; every value in it is escaped (_bdi) or ours


def _describe_volunteering(event, data: dict) -> Markup:
    """Volunteering events (opportunities, sign-ups, hours, feedback, offers of help)."""
    from ..i18n import format_number
    from ..proposals.timeline import meeting_time

    title = _bdi(data.get("title", ""))
    who = _bdi(event.actor.public_name if event.actor else _("the committee"))
    hours = data.get("hours")
    texts = {
        "opportunity.posted": lambda: _("A volunteer opportunity that matches you in %(community)s: %(title)s.",
                                        community=_bdi(data.get("community_name", "")), title=title),
        "opportunity.invited": lambda: _("You are invited to volunteer: %(title)s (%(community)s).", title=title,
                                         community=_bdi(data.get("community_name", ""))),
        "opportunity.signed_up": lambda: _("%(name)s signed up for %(title)s.",
                                           name=_bdi(event.actor.known_name if event.actor else ""), title=title),
        "opportunity.signup_confirmed": lambda: _("Your sign-up for %(title)s is confirmed.", title=title),
        "opportunity.signup_declined": lambda: _("Your sign-up for %(title)s was declined.", title=title),
        "opportunity.reminder": lambda: (
            _("Reminder: %(title)s is %(when)s, at %(centre)s.", title=title, when=meeting_time(event),
              centre=_bdi(data["centre"])) if data.get("centre") else
            _("Reminder: %(title)s is %(when)s.", title=title, when=meeting_time(event))),
        "opportunity.changed": lambda: (
            _("Sign-ups for %(title)s are closed; your place is kept.", title=title)
            if data.get("change") == "closed" else _("The opportunity %(title)s changed: see the details.",
                                                     title=title)),
        "opportunity.cancelled": lambda: _("The opportunity %(title)s is cancelled: %(reason)s", title=title,
                                           reason=_bdi(data.get("reason", ""))),
        "opportunity.hours_recorded": lambda: ngettext(
            "%(hours)s hour of volunteering was recorded for you on %(title)s.",
            "%(hours)s hours of volunteering were recorded for you on %(title)s.", max(int(hours or 0), 1),
            hours=_bdi(format_number(hours) if hours is not None else ""), title=title),
        "opportunity.proposed": lambda: _("%(name)s proposed a volunteer opportunity: %(title)s.", name=who,
                                          title=title),
        "opportunity.approved": lambda: _("Your proposed opportunity %(title)s is approved and open.", title=title),
        "opportunity.rejected": lambda: _("Your proposed opportunity %(title)s was not approved: %(reason)s",
                                          title=title, reason=_bdi(data.get("reason", ""))),
        "opportunity.feedback_given": lambda: _("%(name)s gave feedback on %(title)s.", name=who, title=title),
        "opportunity.feedback_answered": lambda: _("The coordinator answered your feedback on %(title)s.",
                                                   title=title),
        "volunteer.help_offered": lambda: _("%(name)s offered help on %(title)s.", name=who, title=title),
    }
    text = texts.get(event.verb)
    sentence = text() if text else escape(_("Something happened that concerns you."))
    return Markup(sentence)  # nosec B704 # our catalogue's sentence; every value in it is escaped (_bdi) or ours


def _closing_time(data: dict) -> Markup:
    """When a vote closes, in its community's zone (stored with the event)."""
    from datetime import datetime

    from ..i18n import format_datetime

    value = data.get("closes_at")
    return _bdi(format_datetime(datetime.fromisoformat(value), data.get("tz"))) if value else Markup("")


def link(event) -> str | None:
    """Where a notification leads, if anywhere."""
    from flask import url_for

    if event.subject_type == "proposals":
        return url_for("proposals.show", proposal_id=event.subject_id)
    if event.subject_type == "arguments" and (event.data or {}).get("proposal_id"):
        return url_for("proposals.show", proposal_id=event.data["proposal_id"], _anchor=f"argument-{event.subject_id}")
    if event.subject_type == "meetings":
        return url_for("meetings.show", meeting_id=event.subject_id)
    if event.subject_type == "polls":
        return url_for("voting.show", poll_id=event.subject_id)
    if event.subject_type == "opportunities":
        if event.verb == "opportunity.feedback_given":
            return url_for("volunteers.feedback", opportunity_id=event.subject_id)
        if event.verb in ("opportunity.hours_recorded", "opportunity.feedback_answered"):
            return url_for("volunteers.history")
        return url_for("volunteers.show", opportunity_id=event.subject_id)
    if event.subject_type == "volunteer_offers" and (event.data or {}).get("proposal_id"):
        return url_for("volunteers.offers", proposal_id=event.data["proposal_id"])
    if event.subject_type == "signatures" and (event.data or {}).get("proposal_id"):
        return url_for("proposals.show", proposal_id=event.data["proposal_id"])
    if event.subject_type == "moderation_cases":
        return url_for("moderation.case", case_id=event.subject_id)
    if event.subject_type in ("community_blocks", "communities", "verification_requests", "memberships"):
        return _community_link(event)
    return None


def _community_link(event) -> str | None:
    """The community's page (its dashboard, for the committee's work). Slugs are looked up once per request, so
    a page of notifications costs one query per community, not per notification."""
    from flask import g, url_for

    from ..communities.models import Community
    from ..extensions import db

    if not event.community_id:
        return None
    slugs = g.setdefault("_community_slugs", {})
    if event.community_id not in slugs:
        slugs[event.community_id] = db.session.scalar(db.select(Community.slug).where(
            Community.id == event.community_id))
    slug = slugs[event.community_id]
    if slug is None:
        return None
    if event.verb in ("identity.requested", "membership.requested"):
        return url_for("dashboard.show", slug=slug)
    return url_for("communities.show", slug=slug)
