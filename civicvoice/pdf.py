"""PDF through WeasyPrint, imported only when a PDF is asked for: the app runs without its system libraries.

Everything the letter needs is in the package (the Amiri fonts) or inline (the QR code as a data: URI); the
fetcher refuses anything else, so rendering never reaches the network or the rest of the disk.
"""
import io
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask_babel import gettext as _
from pypdf import PdfReader, PdfWriter

from .errors import DomainError

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


def allowed_url(url: str) -> bool:
    """Inline data, or a file of the fonts folder itself: the path is resolved first, so `..` (plain or
    %-escaped) never leads out of it."""
    if url.startswith("data:"):
        return True
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost") or parts.query or parts.fragment:
        return False
    return Path(unquote(parts.path)).resolve().parent == FONTS.resolve()


def _fetcher(weasyprint):
    class PackageOnly(weasyprint.URLFetcher):
        """Fonts from the package and inline data: nothing else is ever fetched."""

        def fetch(self, url, headers=None):
            if allowed_url(url):
                return super().fetch(url, headers)
            raise ValueError(f"letters fetch nothing outside the package: {url[:80]}")

    return PackageOnly(allowed_protocols={"file", "data"})


def _write(weasyprint, html: str) -> tuple[bytes, int]:
    document = weasyprint.HTML(string=html, base_url=FONTS.as_uri() + "/", url_fetcher=_fetcher(weasyprint)).render()
    out = io.BytesIO()
    document.write_pdf(out)
    return out.getvalue(), len(document.pages)


def render(html: str) -> tuple[bytes, int]:
    """The PDF of a letter's HTML, and its page count."""
    return _write(_weasyprint(), html)


def render_joined(pieces: list[str], numbering: Callable[[int], str]) -> tuple[bytes, int]:
    """One PDF from several HTML documents (a long annex cut in chunks), numbered "page x of N" across them.

    WeasyPrint keeps the layout of every page in memory until it writes (about 5 MB and 0.2 s a page of annex):
    10 000 signatories in one document took 61 s and 1.5 GB. Chunks are laid out separately, on every core, so
    memory stays that of one chunk per core; the pages are then joined, and `numbering(total)` (a document of empty
    pages carrying only the page numbers) is stamped onto them.
    """
    if len(pieces) == 1:
        return render(pieces[0])
    _weasyprint()  # the clear message comes from here, not from a worker
    context = multiprocessing.get_context("forkserver")  # never fork a threaded server
    with ProcessPoolExecutor(max_workers=min(len(pieces), os.cpu_count() or 1), mp_context=context) as pool:
        rendered = list(pool.map(_render_in_worker, pieces))
    total = sum(pages for _data, pages in rendered)
    writer = PdfWriter()
    for data, _pages in rendered:
        writer.append(PdfReader(io.BytesIO(data)))
    numbers = PdfReader(io.BytesIO(render(numbering(total))[0]))
    for page, overlay in zip(writer.pages, numbers.pages, strict=True):
        page.merge_page(overlay)
        page.compress_content_streams()  # merging leaves the joined stream uncompressed: ten times the size
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), total


def _render_in_worker(html: str) -> tuple[bytes, int]:
    """render() in a worker process, which has no Flask application: only WeasyPrint is needed there."""
    import weasyprint

    return _write(weasyprint, html)
