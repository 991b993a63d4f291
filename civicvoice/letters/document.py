"""The letter as HTML, one template for the PDF and the printable page, written out in each of its languages.

Each language part is rendered under force_locale(language): the formal phrases, the dates and the digits are the
letter's, never those of the person who happens to render it.
"""
import re
from datetime import datetime
from pathlib import Path

import segno
from flask import current_app, render_template
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from hijridate import Gregorian
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import pdf as renderer
from .. import urls
from ..accounts.models import IDENTITY_LABELS
from ..extensions import db
from ..i18n import fixed_digits, force_locale, format_list, format_number, localise_digits
from ..pdf import font_url
from ..signatures.models import Signature

PARTS = {"ar": ("ar",), "en": ("en",), "ar_en": ("ar", "en")}
CSS = Path(__file__).parents[1] / "static" / "css" / "letter.css"


def languages(code: str) -> tuple[str, ...]:
    return PARTS.get(code, ("ar",))


def hijri(value) -> str:
    """The Hijri (Umm al-Qura) date beside the Gregorian one: '19 جمادى الآخرة 1448 هـ' / '19 Jumada al-Akhirah 1448 AH'."""
    try:
        day = Gregorian.fromdate(value).to_hijri()
    except OverflowError:  # outside the calendar's table (1343–1500 AH): show the Gregorian date only
        return ""

    if str(get_locale().language) == "ar":
        return localise_digits(f"{day.day} {day.month_name('ar')} {day.year} هـ")
    return f"{day.day} {day.month_name('en')} {day.year} AH"


def verify_url(code: str) -> str:
    """Always the site's public address (BASE_URL), whoever renders the letter and from wherever: it is printed."""
    return urls.external("letters.verify", code=code)


def qr(code: str) -> str:
    """The verification address as an inline SVG QR code (a data: URI: nothing to fetch)."""
    return segno.make(verify_url(code), error="m").svg_data_uri(scale=3, border=0)


def annex_rows(proposal, public_names_only: bool = False) -> list[dict]:
    """Every confirmed signature, numbered in the order they came; names as each signer allowed.

    `public_names_only` (the authors' discussion draft) withholds the names of people who asked to appear only in
    the letter sent to the council.
    """
    signatures = db.session.scalars(
        select(Signature).options(selectinload(Signature.user))
        .where(Signature.proposal_id == proposal.id, Signature.status == "confirmed")
        .order_by(Signature.confirmed_at, Signature.id))
    rows = []
    for number, signature in enumerate(signatures, start=1):
        online = signature.source == "online"
        rows.append({
            "number": number,
            "name": signature.public_name if public_names_only else signature.letter_name,
            "neighbourhood": signature.neighbourhood,
            "signed_on": signature.batch.collected_on if not online else signature.confirmed_at,
            "online": online,
            "identity": signature.user.identity_level if online and signature.user is not None else None,
        })
    return rows


def vote_time(evidence: dict):
    vote = evidence.get("vote")
    return datetime.fromisoformat(vote["closed_at"]) if vote and vote.get("closed_at") else None


def community_effort(offers: dict) -> str:
    """The community's own effort as the letter states it: only what was offered, each count in its plural."""
    hours, skills, resources = (offers.get(key) or 0 for key in ("hours", "skills", "resources"))
    what = format_list(
        ([ngettext("%(n)s hour of work", "%(n)s hours of work", hours, n=format_number(hours))] if hours else [])
        + ([ngettext("%(n)s skill", "%(n)s skills", skills, n=format_number(skills))] if skills else [])
        + ([ngettext("%(n)s resource", "%(n)s resources", resources, n=format_number(resources))]
           if resources else []))
    people = offers.get("people") or 0
    if not what:
        return ngettext("The community will contribute its own effort: %(n)s resident offered help.",
                        "The community will contribute its own effort: %(n)s residents offered help.", people,
                        n=format_number(people))
    return ngettext("The community will contribute its own effort: %(n)s resident offered %(what)s.",
                    "The community will contribute its own effort: %(n)s residents offered %(what)s.", people,
                    n=format_number(people), what=what)


def _context(letter, version, draft: bool, proposal, for_pdf: bool) -> dict:
    proposal = proposal if proposal is not None else letter.proposal
    community = proposal.community
    code = None if draft else version.verification_code
    return {
        "letter": letter, "version": version, "proposal": proposal, "community": community,
        "centre": community.centres[0] if community.centres else None,
        "council": proposal.council, "draft": draft, "code": code, "for_pdf": for_pdf,
        "verify_url": verify_url(code) if code else None, "qr": qr(code) if code else None,
        "evidence": version.evidence or {}, "vote_time": vote_time(version.evidence or {}),
        "tz": community.timezone, "effort": community_effort,
    }


def _rendered(html: str) -> Markup:
    """Put into the document as it is: what our own templates rendered (they escape what they are given), our
    stylesheet, or the page counter we wrote."""
    return Markup(html)  # nosec B704 # only the sources above, never text someone typed


def _documents(letter, version, *, draft: bool, proposal, for_pdf: bool, chunk_rows: int | None) -> list[str]:
    """The letter as one HTML document, or (a long annex, `chunk_rows` set) as the letter with the first rows of
    the annex followed by documents of further rows; only a single document numbers its own pages."""
    context = _context(letter, version, draft, proposal, for_pdf)
    rows = annex_rows(context["proposal"], public_names_only=letter is None)
    chunks = [rows[i:i + chunk_rows] for i in range(0, len(rows), chunk_rows)] if chunk_rows else []
    chunks = chunks if len(chunks) > 1 else [rows]
    first = languages(version.language)[0]
    documents = []
    with fixed_digits(True):
        parts = []
        for lang in languages(version.language):
            with force_locale(lang):
                parts.append(_rendered(render_template("letters/_letter.html", lang=lang, hijri=hijri, **context)))
        with force_locale(first):
            for index, chunk in enumerate(chunks):
                annex = _rendered(render_template("letters/_annex.html", lang=first, rows=chunk,
                                                  continued=index > 0, identity_labels=IDENTITY_LABELS, **context))
                documents.append(render_template(
                    "letters/document.html", lang=first, parts=parts if index == 0 else [], annex=annex,
                    css=_rendered(CSS.read_text()) if for_pdf else None, font_regular=_font("Amiri-Regular.ttf"),
                    font_bold=_font("Amiri-Bold.ttf"),
                    page_counter=_rendered(page_counter(first)) if len(chunks) == 1 else None, **context))
    return documents


def html(letter, version, *, draft: bool = False, proposal=None, for_pdf: bool = True) -> str:
    """The whole letter as one document: each language part, then the annex of signatories (in the first language).

    `draft` watermarks it and leaves out the verification code: the authors' discussion copy, or a committee
    preview before approval. `letter` None is the authors' draft of `proposal`.
    """
    return _documents(letter, version, draft=draft, proposal=proposal, for_pdf=for_pdf, chunk_rows=None)[0]


def numbering(lang: str, total: int) -> str:
    """Empty A4 pages carrying only "page x of N", stamped onto the pages of a letter rendered in chunks."""
    with fixed_digits(True), force_locale(lang):
        return render_template("letters/numbering.html", lang=lang, total=total, font_regular=_font("Amiri-Regular.ttf"),
                               page_counter=_rendered(page_counter(lang)))


def pdf(letter, version, *, draft: bool = False, proposal=None) -> tuple[bytes, int]:
    """The PDF of the letter and its page count; a long annex is laid out in chunks (see pdf.render_joined)."""
    pieces = _documents(letter, version, draft=draft, proposal=proposal, for_pdf=True,
                        chunk_rows=current_app.config["LETTER_CHUNK_ROWS"])
    lang = languages(version.language)[0]
    return renderer.render_joined(pieces, lambda total: numbering(lang, total))


def page_counter(lang: str) -> str:
    """The CSS `content` of "Page 2 of 14" in the letter's language, with its digits (٢ من ١٤ in Arabic)."""
    text = _("Page %(page)s of %(pages)s", page="\x00", pages="\x01")
    style = "arabic-indic" if lang == "ar" else "decimal"
    tokens = []
    for piece in re.split("([\x00\x01])", text):
        if piece == "\x00":
            tokens.append(f"counter(page, {style})")
        elif piece == "\x01":
            tokens.append(f"counter(pages, {style})")
        elif piece:
            tokens.append('"' + piece.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"')
    return " ".join(tokens)


def _font(name: str) -> str:
    return font_url(name)
