"""The certificate of volunteering: one activity's hours as a PDF, through the PDF machinery the letters use (WeasyPrint,
the vendored Amiri fonts, the fetcher that fetches nothing else), in Arabic or English whoever downloads it."""
from flask import render_template
from markupsafe import escape

from .. import pdf as renderer
from ..i18n import fixed_digits, force_locale, format_number

LANGUAGES = ("ar", "en")


def html(signup, lang: str = "ar") -> str:
    """The certificate's HTML in `lang`, with its dates and digits (Arabic-Indic in Arabic)."""
    opportunity = signup.opportunity
    with fixed_digits(lang == "ar"), force_locale(lang):
        return render_template("volunteers/certificate.html", lang=lang, signup=signup, opportunity=opportunity,
                               community=opportunity.community, tz=opportunity.community.timezone,
                               font_regular=renderer.font_url("Amiri-Regular.ttf"),
                               font_bold=renderer.font_url("Amiri-Bold.ttf"), hours=escape(_hours(signup.hours)))


def _hours(value: float) -> str:
    return format_number(int(value) if float(value).is_integer() else value)


def pdf(signup, lang: str = "ar") -> bytes:
    """The certificate as PDF bytes (PdfUnavailable, a 503, without WeasyPrint)."""
    data, _pages = renderer.render(html(signup, lang if lang in LANGUAGES else "ar"))
    return data
