"""PDF through WeasyPrint, imported only when a PDF is asked for: the app runs without its system libraries.

Everything the letter needs is in the package (the Amiri fonts) or inline (the QR code as a data: URI); the
fetcher refuses anything else, so rendering never reaches the network or the rest of the disk.
"""
import io
from pathlib import Path

from flask_babel import gettext as _

from ..errors import DomainError

FONTS = Path(__file__).parent / "fonts"
SYSTEM_PACKAGES = "Pango (libpango-1.0-0, libpangoft2-1.0-0) and libharfbuzz-subset0"


class PdfUnavailable(DomainError):
    status = 503


def font_url(name: str) -> str:
    return (FONTS / name).as_uri()


def _weasyprint():
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: the Python package is there, a C library is not
        raise PdfUnavailable(_("PDF letters cannot be made on this server: WeasyPrint or the system libraries it "
                               "needs (%(packages)s) are missing. The printable page still works.",
                               packages=SYSTEM_PACKAGES)) from error
    return weasyprint


def _fetcher(weasyprint):
    class PackageOnly(weasyprint.URLFetcher):
        """Fonts from the package and inline data: nothing else is ever fetched."""

        def fetch(self, url, headers=None):
            if url.startswith("data:") or (url.startswith("file:") and url.startswith(FONTS.as_uri() + "/")):
                return super().fetch(url, headers)
            raise ValueError(f"letters fetch nothing outside the package: {url[:80]}")

    return PackageOnly(allowed_protocols={"file", "data"})


def render(html: str) -> tuple[bytes, int]:
    """The PDF of a letter's HTML, and its page count."""
    weasyprint = _weasyprint()
    document = weasyprint.HTML(string=html, base_url=FONTS.as_uri() + "/", url_fetcher=_fetcher(weasyprint)).render()
    out = io.BytesIO()
    document.write_pdf(out)
    return out.getvalue(), len(document.pages)
