"""How the events of communities read, on a demand's timeline and in notifications."""
from flask import g, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..activity import messages
from ..activity.messages import bdi
from ..extensions import db
from .models import Community


def describe(event, notification: bool = False):
    data = event.data or {}
    community = bdi(data.get("community_name", ""))
    texts = {
        "membership.requested": lambda: _("%(name)s asked to join %(community)s.",
                                           name=bdi(data.get("name", "")), community=community),
        "membership.approved": lambda: _("Your request to join %(community)s was approved.", community=community),
        "membership.declined": lambda: _("Your request to join %(community)s was declined.", community=community),
        "committee.appointed": lambda: _("You were appointed to the committee of %(community)s.",
                                         community=community),
        "committee.removed": lambda: _("You are no longer on the committee of %(community)s.",
                                       community=community),
        "identity.requested": lambda: _("%(name)s asks the committee of %(community)s to verify their identity in "
                                        "person.", name=bdi(data.get("name", "")), community=community),
        "identity.verified_in_person": lambda: _("The committee of %(community)s verified your identity in person.",
                                                 community=community),
    }
    text = texts.get(event.verb)
    return text() if text else None


def _community_link(event) -> str | None:
    """The community's page (its dashboard, for the committee's work). Slugs are looked up once per request, so
    a page of notifications costs one query per community, not per notification."""
    if not event.community_id:
        return None
    slugs = g.setdefault("_community_slugs", {})
    if event.community_id not in slugs:
        slugs[event.community_id] = db.session.scalar(select(Community.slug).where(
            Community.id == event.community_id))
    slug = slugs[event.community_id]
    if slug is None:
        return None
    if event.verb in ("identity.requested", "membership.requested"):
        return url_for("dashboard.show", slug=slug)
    return url_for("communities.show", slug=slug)


def register() -> None:
    messages.sentences(describe, "membership.", "committee.", "identity.")
    for subject_type in ("community_blocks", "communities", "verification_requests", "memberships"):
        messages.links(subject_type, _community_link)
