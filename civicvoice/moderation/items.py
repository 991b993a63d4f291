"""What can be reported, seen the same way whatever it is: a demand, an argument, an amendment, a meeting's minutes,
or a person in a community. Each kind says where it lives, who wrote it, and how it is hidden and shown again."""
from dataclasses import dataclass

from flask import url_for
from sqlalchemy import select

from ..accounts.models import User
from ..database import utcnow
from ..deliberation.models import Amendment, Argument
from ..extensions import db
from ..meetings.models import Meeting
from ..proposals import services as proposals
from ..proposals import states
from ..proposals.models import Proposal
from ..proposals.services import authors
from .models import KIND_LABELS


@dataclass
class Item:
    kind: str
    obj: object
    community: object

    @property
    def id(self) -> int:
        return self.obj.id

    @property
    def author(self):
        """Who is told, and may appeal (the person themselves, when a person is reported)."""
        if self.kind == "user":
            return self.obj
        if self.kind == "minutes":
            return None  # the committee's own text: nobody to appeal for
        return self.obj.author

    @property
    def told(self) -> list:
        """Who hears of what becomes of it: its author, and for a demand its co-authors too."""
        if self.kind == "proposal":
            return authors(self.obj)
        return [self.author]

    @property
    def proposal(self):
        return {"proposal": self.obj, "argument": getattr(self.obj, "proposal", None),
                "amendment": getattr(self.obj, "proposal", None)}.get(self.kind)

    @property
    def is_hidden(self) -> bool:
        """Whether the content is out of public view now (a reported person's posts are held instead)."""
        return {
            "proposal": lambda: self.obj.status == "hidden",
            "argument": lambda: self.obj.status == "hidden",
            "amendment": lambda: self.obj.hidden_at is not None,
            "minutes": lambda: self.obj.minutes_hidden_at is not None,
            "user": lambda: False,
        }[self.kind]()

    @property
    def can_be_hidden(self) -> bool:
        """A demand cannot be hidden while the community votes on it, nor content already removed."""
        return {
            "proposal": lambda: self.obj.status in states.HIDEABLE,
            "argument": lambda: self.obj.status in ("visible", "held"),
            "amendment": lambda: self.obj.hidden_at is None,
            "minutes": lambda: self.obj.minutes_posted_at is not None and self.obj.minutes_hidden_at is None,
            "user": lambda: True,
        }[self.kind]()

    @property
    def kind_label(self):
        return KIND_LABELS[self.kind]

    @property
    def label(self) -> str:
        """A short name for the item, for the reporter and the committee (never for the public log)."""
        if self.kind in ("proposal", "amendment"):
            return self.obj.title
        if self.kind == "argument":
            body = " ".join((self.obj.body or "").split())
            return body if len(body) <= 140 else body[:139] + "…"
        if self.kind == "minutes":
            return self.obj.title
        return str(self.obj.public_name)

    @property
    def text(self) -> str:
        """The content itself, as typed (markdown), for the committee's review."""
        return {"proposal": lambda: self.obj.summary, "argument": lambda: self.obj.body,
                "amendment": lambda: self.obj.summary, "minutes": lambda: self.obj.minutes,
                "user": lambda: ""}[self.kind]()

    def url(self) -> str:
        if self.kind == "proposal":
            return url_for("proposals.show", proposal_id=self.obj.id)
        if self.kind == "argument":
            return url_for("proposals.show", proposal_id=self.obj.proposal_id, _anchor=f"argument-{self.obj.id}")
        if self.kind == "amendment":
            return url_for("deliberation.amendment", amendment_id=self.obj.id)
        if self.kind == "minutes":
            return url_for("meetings.show", meeting_id=self.obj.id, _anchor="minutes-title")
        return url_for("communities.show", slug=self.community.slug)


MODELS = {}


def _models() -> dict:
    if not MODELS:
        MODELS.update(proposal=Proposal, argument=Argument, amendment=Amendment, minutes=Meeting, user=User)
    return MODELS


def community_of(kind: str, obj):
    if kind == "proposal":
        return obj.community
    if kind in ("argument", "amendment"):
        return obj.proposal.community
    if kind == "minutes":
        return obj.community
    return None


def load(kind: str, subject_id: int, community=None) -> Item | None:
    """The item, or None; a person is an item of the community they are reported in (`community`)."""
    model = _models().get(kind)
    obj = db.session.get(model, subject_id) if model else None
    if obj is None:
        return None
    found = community if kind == "user" else community_of(kind, obj)
    if found is None or (community is not None and found.id != community.id):
        return None
    return Item(kind, obj, found)


def of(kind: str, obj) -> Item:
    return Item(kind, obj, community_of(kind, obj))


def load_many(cases) -> dict[int, Item]:
    """case id -> its item, one query per kind whatever the number of cases (the moderation queue)."""
    wanted: dict[str, set[int]] = {}
    for case in cases:
        wanted.setdefault(case.subject_type, set()).add(case.subject_id)
    found = {}
    for kind, ids in wanted.items():
        model = _models()[kind]
        found[kind] = {obj.id: obj for obj in db.session.scalars(select(model).where(model.id.in_(ids)))}
    return {case.id: Item(case.subject_type, found[case.subject_type][case.subject_id], case.community)
            for case in cases if case.subject_id in found[case.subject_type]}


# Hiding and showing the content itself: the moderation service decides, records and tells.

def hide(actor, item: Item, reason: str) -> None:
    """Take the content out of public view; an empty reason means the reports hid it, pending review."""
    if item.kind == "proposal":
        proposals.hide(actor, item.obj, reason, automatic=not reason)
    elif item.kind == "argument":
        item.obj.status, item.obj.held_reason = "hidden", None
        item.obj.hidden_reason = reason
    elif item.kind == "amendment":
        item.obj.hidden_at, item.obj.hidden_reason = utcnow(), reason
    elif item.kind == "minutes":
        item.obj.minutes_hidden_at, item.obj.minutes_hidden_reason = utcnow(), reason
    db.session.flush()


def show(actor, item: Item, reason: str, previous_status: str | None = None) -> None:
    """Public again (a demand, in the status it had when it was hidden)."""
    if item.kind == "proposal" and item.obj.status == "hidden":
        proposals.unhide(actor, item.obj, previous_status or "open", reason)
    elif item.kind == "argument" and item.obj.status in ("hidden", "held"):
        item.obj.status, item.obj.hidden_reason, item.obj.held_reason = "visible", "", None
    elif item.kind == "amendment":
        item.obj.hidden_at, item.obj.hidden_reason = None, ""
    elif item.kind == "minutes":
        item.obj.minutes_hidden_at, item.obj.minutes_hidden_reason = None, ""
    db.session.flush()
