"""Locale selection, text direction, and Babel formatting with Arabic-Indic digits."""
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import lists as babel_lists
from babel import numbers as babel_numbers
from flask import current_app, g, has_request_context, request, session
from flask_babel import force_locale, get_locale  # noqa: F401  (force_locale re-exported for emails/letters)
from flask_login import current_user
from markupsafe import Markup

from .extensions import babel

RTL_LANGUAGES = {"ar", "fa", "he", "ur"}
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
TO_ASCII_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def select_locale() -> str:
    """The user's choice, then the session's, then the browser's, then Arabic."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def language() -> str:
    return str(get_locale().language) if get_locale() else current_app.config["BABEL_DEFAULT_LOCALE"]


def direction(lang: str | None = None) -> str:
    return "rtl" if (lang or language()) in RTL_LANGUAGES else "ltr"


def _native_digits() -> bool:
    """Arabic pages use Arabic-Indic digits unless the reader chose Latin digits in their profile."""
    if language() != "ar":
        return False
    if g.get("fixed_digits") is not None:  # a letter looks the same whoever renders it
        return g.fixed_digits
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.digits != "latn"
    return not g.get("latin_digits", False)


def localise_digits(text: str) -> str:
    return text.translate(ARABIC_INDIC) if _native_digits() else text


@contextmanager
def fixed_digits(native: bool = True):
    """Digits chosen by the document, not by the reader's profile (letters, certificates)."""
    previous = g.get("fixed_digits")
    g.fixed_digits = native
    try:
        yield
    finally:
        g.fixed_digits = previous


def to_ascii_digits(text: str) -> str:
    """Normalise digits typed on an Arabic keyboard (phones, ids) to ASCII for storage."""
    return text.translate(TO_ASCII_DIGITS)


def _zone(tz: str | None) -> ZoneInfo:
    return ZoneInfo(tz or current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _babel_locale():
    """Arabic is formatted as spoken in Syria (month names, separators); Babel's plain `ar` is not."""
    return Locale.parse("ar_SY") if language() == "ar" else get_locale()


def format_number(value) -> str:
    return localise_digits(babel_numbers.format_decimal(value, locale=_babel_locale(), numbering_system="default"))


def format_percent(share) -> str:
    """A share (0.25) as the locale writes a percentage (25%, ٢٥٪)."""
    text = babel_numbers.format_percent(share, locale=_babel_locale(), numbering_system="default")
    # With Arabic-Indic digits goes the Arabic percent sign, as browsers (ICU) write it: ٢٥٪, not ٢٥%.
    return localise_digits(text).replace("%", "\u066a") if _native_digits() else text


def format_date(value, tz: str | None = None) -> str:
    """'2 حزيران 2025' / 'Jun 2, 2025', in the given (community) time zone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(_zone(tz))
    return localise_digits(babel_dates.format_skeleton("yMMMd", value, locale=_babel_locale()))


def format_time(value, tz: str | None = None) -> str:
    if value is None:
        return ""
    return localise_digits(babel_dates.format_time(value, format="short", tzinfo=_zone(tz), locale=_babel_locale()))


def format_datetime(value, tz: str | None = None) -> str:
    if value is None:
        return ""
    return f"{format_date(value, tz)}{'، ' if language() == 'ar' else ' · '}{format_time(value, tz)}"


def format_list(items: list) -> str:
    """"a, b and c" as the locale joins them ("أ وب وج" in Arabic)."""
    return babel_lists.format_list(list(items), locale=_babel_locale()) if items else ""


def list_separator() -> str:
    """Between the items of a short list: the Arabic comma in Arabic."""
    return "، " if language() == "ar" else ", "


def separator() -> str:
    """Between items of a line: "·" in English; in Arabic a dash, since a middle dot reads as the digit zero (٠)."""
    return " – " if language() == "ar" else " · "


def bdi(value) -> Markup:
    """Isolate a name or title inside a translated sentence, so mixed Arabic and Latin text reads right."""
    return Markup("<bdi>%s</bdi>") % value


def ltr(value) -> Markup:
    """A reference, code, address or number inside a translated sentence: isolated and kept left to right."""
    return Markup('<bdi dir="ltr">%s</bdi>') % value


def ltr_text(value) -> str:
    """The plain-text twin of `ltr` (flash messages, mail): Unicode isolates keep a code or address in order."""
    return f"\u2066{value}\u2069"


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale, default_translation_directories="translations")
    app.jinja_env.filters.update(
        number=format_number, date=format_date, datetime=format_datetime, time=format_time, bdi=bdi, ltr=ltr,
        percent=format_percent,
    )
    app.jinja_env.globals.update(text_direction=direction, current_language=language, sep=separator,
                                 comma=list_separator)
