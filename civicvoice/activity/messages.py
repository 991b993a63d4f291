"""How each event reads, on a demand's timeline and in a notification, and where a notification leads.

Every package registers the sentences of its own verbs and the links of its own subjects (in its views.init_app),
so this module knows none of them. Names, titles and numbers are isolated with <bdi> so mixed scripts read right.
"""
from collections.abc import Callable
from datetime import date, datetime

from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..i18n import format_date, format_datetime, format_number

# describer(event, notification) -> the sentence, or None for a verb it does not know. `notification` phrases
# it for the person notified ("invited you"); otherwise for a public timeline.
Describer = Callable[[object, bool], object]
_BY_VERB: dict[str, Describer] = {}
_BY_PREFIX: dict[str, Describer] = {}
_LINKS: dict[str, Callable[[object], str | None]] = {}
# Verbs in the council's own voice: marked "official" on a demand's timeline.
OFFICIAL: set[str] = set()


def sentences(describer: Describer, *verbs: str, official: bool = False) -> None:
    """Let `describer` phrase these verbs; a name ending with "." is a prefix, used when no verb matches exactly."""
    for verb in verbs:
        (_BY_PREFIX if verb.endswith(".") else _BY_VERB)[verb] = describer
        if official:
            OFFICIAL.add(verb)


def links(subject_type: str, where: Callable[[object], str | None]) -> None:
    """Where a notification about a subject of this table leads."""
    _LINKS[subject_type] = where


def describe(event, notification: bool = True) -> Markup:
    """One sentence for `event`, in the current language."""
    describer = _BY_VERB.get(event.verb)
    if describer is None:
        describer = next((found for prefix, found in _BY_PREFIX.items() if event.verb.startswith(prefix)), None)
    text = describer(event, notification) if describer is not None else None
    if text is None:
        return escape(_("Something happened that concerns you."))
    return Markup(text)  # nosec B704 # a sentence of our catalogue; every value put in it went through bdi()/ltr()


def link(event) -> str | None:
    """Where a notification leads, if anywhere."""
    where = _LINKS.get(event.subject_type)
    return where(event) if where is not None else None


# Pieces the sentences of every package are made of. ------------------------------------------------------------

def bdi(value) -> Markup:
    return Markup("<bdi>%s</bdi>") % escape(value)


def ltr(value) -> Markup:
    """References and codes: Latin letters and digits that must keep their order inside Arabic text."""
    return Markup('<bdi dir="ltr">%s</bdi>') % escape(value)


def number(value) -> str:
    return format_number(value) if isinstance(value, int) else ""


def moment(value: str | None, zone: str | None) -> Markup:
    """A time stored with an event (ISO text), in the zone stored with it: lists of notifications need no extra
    query per community."""
    return bdi(format_datetime(datetime.fromisoformat(value), zone)) if value else Markup("")


def day(value: str | None) -> Markup:
    """A date stored with an event (ISO text)."""
    return bdi(format_date(date.fromisoformat(value))) if value else Markup("")


def actor_name(event, default=None) -> Markup:
    """The public name of who acted (or `default`, e.g. "the committee", when nobody did)."""
    if event.actor is not None:
        return bdi(event.actor.public_name)
    return escape(default if default is not None else "")
