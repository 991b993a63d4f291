"""What a committee member approves: the letter as they read it, its fingerprint, and what changed since.

A draft is edited in place, so "version 3" alone does not say what was read. The approve form therefore carries,
besides the version number, the fingerprint of everything the approval freezes into the issued PDF that can change
between reading and approving: the version's fields (language included), its counts, the letterhead, the council's
answer time and the list of signatories of the annex. It also carries that content itself, as read: should the
letter differ now, the 409 page shows what changed, field by field. The decision never rests on that copy: the
service compares the posted fingerprint with one computed from the database, under the letter's lock.
"""
import hashlib
import json
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ..i18n import force_locale, format_date, format_number, list_separator
from ..proposals.diff import words
from . import document
from .models import EDITABLE_FIELDS, LANGUAGE_LABELS

TEXT_FIELDS = ("recipient_name", "recipient_title", "recipient_address", "subject", "body", "place", "resolution")
LABELS = {
    "version": _l("Version"), "language": _l("Language of the letter"), "letter_date": _l("Date of the letter"),
    "show_hijri": _l("Also give the Hijri date"), "recipient_name": _l("Addressed to (the council)"),
    "recipient_title": _l("Title of the official (optional)"), "recipient_address": _l("Address (optional)"),
    "subject": _l("Subject"), "body": _l("What we ask, and why"), "place": _l("Where"),
    "resolution": _l("What would count as resolved"), "signatories": _l("Signed by (one per line: name | role)"),
    "total": _l("Co-signatures"), "online": _l("online"), "paper": _l("on paper"),
    "verified": _l("Verified in person"), "goal": _l("Signature goal"), "enclosures": _l("Enclosures"),
    "offers": _l("Offers of help"), "vote": _l("The community's vote"),
    "letterhead": _l("The letterhead (community and centre)"), "response_days": _l("Response deadline in days"),
    "annex": _l("The list of signatories (annex)"),
}


def content(letter) -> dict:
    """Everything of the current version that approving freezes into the PDF, as JSON-ready values."""
    version = letter.current
    proposal = letter.proposal
    community = proposal.community
    centre = community.centres[0] if community.centres else None
    fields = {name: getattr(version, name) for name in EDITABLE_FIELDS}
    fields["letter_date"] = fields["letter_date"].isoformat()
    return {
        "version": version.number,
        "fields": fields,
        "evidence": version.evidence or {},
        "letterhead": [community.name, *((centre.name, centre.address or "", centre.phone or "") if centre
                                         else ("", "", ""))],
        "response_days": proposal.council.response_days if proposal.council else None,
        "annex": _annex(proposal, version.language),
    }


def _annex(proposal, language: str) -> dict:
    """How many signatories the annex lists, and a digest of its rows as the letter's first language prints them
    (a former member's name is a phrase of that language)."""
    with force_locale(document.languages(language)[0]):
        rows = [[row["number"], str(row["name"]), row["neighbourhood"], row["signed_on"].isoformat(), row["online"],
                 row["identity"]] for row in document.annex_rows(proposal)]
    return {"count": len(rows), "digest": fingerprint(rows)}


def well_formed(read) -> bool:
    """Whether `read` has the shape content() gives: what a form carries back is checked before it is compared or
    shown (anything else is a 400), since it comes from the browser."""
    if not isinstance(read, dict) or set(read) != {"version", "fields", "evidence", "letterhead", "response_days",
                                                   "annex"}:
        return False
    fields, annex = read["fields"], read["annex"]
    return (isinstance(read["version"], int) and isinstance(fields, dict) and set(fields) == set(EDITABLE_FIELDS)
            and all(isinstance(fields[name], str) for name in (*TEXT_FIELDS, "language", "letter_date"))
            and isinstance(fields["show_hijri"], bool) and isinstance(fields["signatories"], list)
            and all(isinstance(person, dict) and isinstance(person.get("name"), str)
                    and all(isinstance(text, str) for text in person.values()) for person in fields["signatories"])
            and isinstance(read["evidence"], dict)
            and isinstance(read["letterhead"], list) and all(isinstance(text, str) for text in read["letterhead"])
            and (read["response_days"] is None or isinstance(read["response_days"], int))
            and isinstance(annex, dict) and isinstance(annex.get("count"), int))


def encode(value) -> str:
    """The canonical text of a JSON value: the same content always gives the same text, hence fingerprint."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def fingerprint(value) -> str:
    return hashlib.sha256(encode(value).encode()).hexdigest()


def changes(read: dict, now: dict) -> list[dict]:
    """What differs between the content read and the content now, in the order of the letter: one entry per
    changed field ({"field", "label", "parts"}), parts being a word diff (proposals/diff.py) or old → new."""
    found = []
    if read.get("version") != now["version"]:
        found.append(_replaced("version", format_number(read.get("version") or 0), format_number(now["version"])))
    before, after = read.get("fields") or {}, now["fields"]
    for name in EDITABLE_FIELDS:
        old, new = before.get(name), after[name]
        if old == new:
            continue
        if name in TEXT_FIELDS:
            found.append({"field": name, "label": LABELS[name], "parts": words(str(old or ""), new or "")})
        elif name == "signatories":
            found.append({"field": name, "label": LABELS[name],
                          "parts": words(_signatories(old), _signatories(new))})
        else:
            found.append(_replaced(name, _shown(name, old), _shown(name, new)))
    old_evidence, new_evidence = read.get("evidence") or {}, now["evidence"]
    for key in sorted(set(old_evidence) | set(new_evidence), key=_evidence_order):
        if old_evidence.get(key) != new_evidence.get(key):
            found.append(_replaced(key, _counted(key, old_evidence.get(key)), _counted(key, new_evidence.get(key))))
    if read.get("letterhead") != now["letterhead"]:
        found.append(_replaced("letterhead", " – ".join(filter(None, read.get("letterhead") or [])),
                               " – ".join(filter(None, now["letterhead"]))))
    if read.get("response_days") != now["response_days"]:
        found.append(_replaced("response_days", _number(read.get("response_days")), _number(now["response_days"])))
    if read.get("annex") != now["annex"]:
        found.append(_annex_change((read.get("annex") or {}).get("count"), now["annex"]["count"]))
    return found


def _signatories(people) -> str:
    """One line per signatory, "name | role", as the edit form shows them."""
    return "\n".join(" | ".join(filter(None, (person.get("name"), person.get("role")))) for person in people or [])


def _replaced(field: str, old: str, new: str) -> dict:
    return {"field": field, "label": LABELS.get(field, field), "parts": [("del", old), ("ins", new)]}


def _number(value) -> str:
    return format_number(value) if isinstance(value, int) and not isinstance(value, bool) else ""


def _shown(name: str, value) -> str:
    if name == "language":
        return str(LANGUAGE_LABELS.get(value, value or ""))
    if name == "letter_date":
        try:
            return format_date(date.fromisoformat(value))
        except (TypeError, ValueError):
            return ""
    if name == "show_hijri":
        return str(_l("Yes") if value else _l("No"))
    return str(value or "")


EVIDENCE_ORDER = ("total", "online", "paper", "verified", "goal", "vote", "offers", "enclosures")


def _evidence_order(key: str):
    return (EVIDENCE_ORDER.index(key) if key in EVIDENCE_ORDER else len(EVIDENCE_ORDER), key)


def _counted(key: str, value) -> str:
    """A count of the letter's evidence as the letter states it (its sentences, in the reader's language)."""
    if value is None:
        return ""
    if key == "vote" and isinstance(value, dict):
        return str(_l("The community's vote: %(yes)s for, %(no)s against, %(abstain)s abstentions; %(turnout)s "
                      "of %(electorate)s members voted.", **{k: _number(value.get(k)) for k in
                                                              ("yes", "no", "abstain", "turnout", "electorate")}))
    if key == "offers" and isinstance(value, dict) and all(isinstance(n, int) for n in value.values()):
        return document.community_effort(value)
    if isinstance(value, list):
        return list_separator().join(str(item) for item in value)
    return _number(value) or str(value)


def _annex_change(old, new: int) -> dict:
    def sentence(n):
        return ngettext("Annex: the list of %(n)s signatory.", "Annex: the list of %(n)s signatories.", n,
                        n=format_number(n)) if isinstance(n, int) else ""

    if old == new:
        return {"field": "annex", "label": LABELS["annex"],
                "parts": [("same", str(_l("The names or details of signatories changed.")))]}
    return _replaced("annex", sentence(old), sentence(new))
