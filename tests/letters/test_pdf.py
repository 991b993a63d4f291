"""The PDF read back: Arabic text, embedded Amiri, the verification code on every page, the annex, page numbers,
the authors' discussion draft, a real rendering of page 1 (its stylesheet applied), and a server without
WeasyPrint's libraries."""
import hashlib
import importlib.abc
import importlib.util
import io
import re
import subprocess
import sys

import pytest
from PIL import Image, ImageChops
from pypdf import PdfReader

from civicvoice import pdf
from civicvoice.letters import document, services
from tests.factories import (
    advance_proposal,
    committee_member,
    make_adopted,
    make_committee,
    make_community,
    make_council,
    make_letter,
    make_paper_batch,
    make_proposal,
    make_signature,
    make_user,
)

PDFTOPPM = "/usr/bin/pdftoppm"
# Bidi controls and marks that text extraction may leave between letters.
MARKS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\\s]")
SUBJECT = "إصلاح إنارة شارع بغداد"
COUNCIL = "مجلس محافظة دمشق"


def pages_of(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def squash(text: str) -> str:
    """Extracted text without spaces and direction marks: right-to-left runs may come out in another word order,
    so tests look for each word, never for a whole Arabic phrase."""
    return MARKS.sub("", text)


def has_words(text: str, phrase: str) -> bool:
    flat = squash(text)
    return all(word in flat for word in phrase.split())


def fonts_of(data: bytes) -> dict[str, bool]:
    """BaseFont of every font the pages use -> whether its font file is embedded."""
    found = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:  # Type0 (CID) fonts
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            found[str(font["/BaseFont"])] = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
    return found


def paper(n: int, prefix: str = "Signer") -> tuple:
    return tuple((f"{prefix} {i:04d}", "حارة الجامع", "") for i in range(1, n + 1))


def issued(proposal, language="ar"):
    letter = make_letter(proposal, language=language, approve=True)
    return letter, services.issued_pdf(letter.current)


# The Arabic letter -------------------------------------------------------------------------------

def test_the_arabic_letter_has_its_subject_recipient_and_embedded_amiri(app, db):
    proposal = make_adopted(council=make_council(COUNCIL, contact_email="diwan@damascus.example"), signers=2,
                            title=SUBJECT)
    letter, data = issued(proposal)
    version = letter.current
    assert hashlib.sha256(data).hexdigest() == version.pdf_sha256
    text = "\n".join(pages_of(data))
    assert has_words(text, SUBJECT) and has_words(text, COUNCIL)
    assert letter.reference in squash(text)
    fonts = fonts_of(data)
    assert fonts and all(fonts.values()), fonts  # every font is embedded
    assert any(name.endswith("+Amiri") for name in fonts) and any("Amiri-Bold" in name for name in fonts), fonts
    assert not any(name.endswith(("Helvetica", "Times-Roman", "DejaVuSans")) for name in fonts)


def test_the_verification_code_is_on_every_page_and_pages_grow_with_the_annex(app, db):
    community = make_community()
    small = issued(make_adopted(community, paper=paper(5)))
    large = issued(make_adopted(community, paper=paper(200)))
    (small_letter, small_pdf), (large_letter, large_pdf) = small, large
    small_pages, large_pages = pages_of(small_pdf), pages_of(large_pdf)
    assert small_letter.current.pdf_pages == len(small_pages)
    assert large_letter.current.pdf_pages == len(large_pages) >= len(small_pages) + 3
    for letter, pages in ((small_letter, small_pages), (large_letter, large_pages)):
        code = letter.current.verification_code
        assert all(code in page for page in pages), [i for i, page in enumerate(pages, 1) if code not in page]
        assert all(f"/verify/{code}" in squash(page) for page in pages)
    flat = squash("".join(large_pages))
    assert all(f"Signer{i:04d}" in flat for i in (1, 100, 200))  # every row, to the last one


def test_the_english_letter_numbers_its_pages(app, db):
    proposal = make_adopted(council=make_council("Damascus Governorate", contact_email="diwan@damascus.example"),
                            paper=paper(120), title="Street lights on Baghdad Street")
    letter, data = issued(proposal, language="en")
    pages = pages_of(data)
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page, page[-300:]
    assert "Street lights on Baghdad Street" in pages[0] and "Damascus Governorate" in pages[0]
    assert "Dear Sir or Madam" in pages[0]


def test_a_bilingual_letter_has_both_parts(app, db):
    proposal = make_adopted(council=make_council(COUNCIL, contact_email="diwan@damascus.example"), title=SUBJECT)
    letter, data = issued(proposal, language="ar_en")
    text = "\n".join(pages_of(data))
    assert has_words(text, SUBJECT) and "Dear Sir or Madam" in text
    assert letter.current.pdf_pages >= 2  # each language part starts on its own page


# The annex and the authors' discussion draft ----------------------------------------------------

def test_letter_only_names_are_in_the_councils_letter_never_in_the_discussion_draft(app, db):
    proposal = make_proposal(status="open", council=make_council(COUNCIL, contact_email="diwan@example.org"))
    make_signature(proposal, make_user(name="Karim Haddad"))
    make_signature(proposal, make_user(name="Rania Zeitoun"), visibility="letter_only")
    make_signature(proposal, make_user(name="Nadia Hidden", show_name_publicly=False))
    make_paper_batch(proposal, rows=(("Salma Paper", "حارة الجامع", "0944-123-456"),))
    advance_proposal(proposal, "open_vote")
    advance_proposal(proposal, "adopt")

    letter, data = issued(proposal)
    sent = squash("".join(pages_of(data)))
    for name in ("Karim Haddad", "Rania Zeitoun", "Nadia Hidden", "Salma Paper"):
        assert squash(name) in sent, name
    assert "0944" not in sent  # phones never leave the committee's export

    content = services.discussion_draft(proposal, "ar")
    html = document.html(None, content, draft=True, proposal=proposal)
    assert 'class="watermark"' in html and 'class="verification"' not in html
    draft, pages = pdf.render(html)
    text = squash("".join(pages_of(draft)))
    assert squash("Karim Haddad") in text
    for name in ("Rania Zeitoun", "Nadia Hidden", "Salma Paper"):
        assert squash(name) not in text, name
    assert letter.current.verification_code not in text and "/verify/" not in text
    assert letter.reference not in text
    assert has_words(text, proposal.title)


def test_five_hundred_signatories(app, db):
    """A normal test at the scale of a real demand (one sheet of 500 rows is as quick to enter as any)."""
    proposal = make_adopted(signers=3, paper=paper(497))
    letter, data = issued(proposal)
    pages = pages_of(data)
    assert letter.current.evidence["total"] == 500
    assert 12 <= len(pages) == letter.current.pdf_pages <= 40
    code = letter.current.verification_code
    assert all(code in page for page in pages)
    flat = squash("".join(pages))
    assert "Signer0001" in flat and "Signer0497" in flat
    assert squash("Signer 0497") in squash(pages[-1]) or squash("Signer 0497") in squash(pages[-2])


@pytest.mark.app_config(LETTER_CHUNK_ROWS=40)
def test_a_long_annex_is_laid_out_in_chunks_and_numbered_across_them(app, db):
    """The path of 10 000 signatories (see benchmarks/letter_10000.py), with small chunks: 130 rows make four
    documents laid out in worker processes, joined, then numbered "page x of N" across them."""
    proposal = make_adopted(council=make_council("Damascus Governorate", contact_email="diwan@damascus.example"),
                            paper=paper(130), title="Street lights on Baghdad Street")
    single, single_pages = pdf.render(document.html(None, services.discussion_draft(proposal, "en"), draft=True,
                                                    proposal=proposal))
    letter, data = issued(proposal, language="en")
    pages = pages_of(data)
    assert letter.current.pdf_pages == len(pages) >= single_pages  # a chunk may end on a part-filled page
    code = letter.current.verification_code
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page, page[-300:]
        assert code in page
    text = "".join(pages)
    assert text.count("Annex: the signatories (continued)") == 3
    flat = squash(text)
    assert all(f"Signer{i:04d}" in flat for i in range(1, 131))  # every row once, in order, across the chunks
    assert flat.index("Signer0040") < flat.index("Signer0041") < flat.index("Signer0130")
    assert fonts_of(data) and all(fonts_of(data).values())
    assert len(data) < 3 * len(single)  # joined pages keep compressed streams and shared fonts


# Rendering ---------------------------------------------------------------------------------------

def test_page_one_renders_to_a_picture_that_is_not_blank(app, db, tmp_path):
    proposal = make_adopted(council=make_council(COUNCIL, contact_email="diwan@example.org"), signers=2,
                            title=SUBJECT)
    _letter, data = issued(proposal)
    (tmp_path / "letter.pdf").write_bytes(data)
    subprocess.run([PDFTOPPM, "-png", "-r", "50", "-f", "1", "-l", "1", str(tmp_path / "letter.pdf"),
                    str(tmp_path / "page")], check=True, timeout=60)
    [png] = sorted(tmp_path.glob("page*.png"))
    with Image.open(png) as image:
        grey = image.convert("L")
        width, height = grey.size
        histogram = grey.histogram()
        red, green, _blue = image.convert("RGB").split()
        greener = sum(ImageChops.subtract(green, red).histogram()[20:])
    inked, white = sum(histogram[:200]), sum(histogram[250:])
    assert (width, height) == pytest.approx((413, 585), abs=3)  # A4 at 50 dpi
    assert inked > 0.01 * width * height, inked  # text, rules and the QR code
    assert white > 0.5 * width * height  # a page, not a black box
    # The letterhead's green (#1d4e3a) comes only from static/css/letter.css, which the PDF inlines by path (no
    # URL, so hashed static names change nothing here): about 900 pixels with it, none without.
    assert greener > 200, greener


def test_the_pdf_fetches_nothing_but_the_fonts_and_inline_data(app):
    fonts = pdf.FONTS.as_uri()
    assert pdf.allowed_url(fonts + "/Amiri-Regular.ttf") and pdf.allowed_url("data:image/svg+xml;base64,PHN2Zz4=")
    for url in ("https://example.org/logo.png", "file:///etc/passwd", fonts + "/../pdf.py", fonts + "/%2e%2e/pdf.py",
                fonts + "/%2E%2E/%2E%2E/config.py", "file://evil.example" + pdf.FONTS.as_posix() + "/OFL.txt",
                fonts + "-other/x.ttf", "ftp://example.org/x"):
        assert not pdf.allowed_url(url), url
    weasyprint = pdf._weasyprint()
    fetcher = pdf._fetcher(weasyprint)
    with pytest.raises(ValueError):
        fetcher.fetch(fonts + "/%2e%2e/pdf.py")
    # A letter that asked for something else renders without it.
    data, pages = pdf.render('<p>x</p><img src="file:///etc/hostname"><img src="https://example.org/x.png">')
    assert data.startswith(b"%PDF-") and pages == 1


# Without WeasyPrint's libraries ------------------------------------------------------------------

class _BrokenLibraries(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """`import weasyprint` finds the package but loading it fails as it does without Pango: OSError."""

    def find_spec(self, name, path=None, target=None):
        return importlib.util.spec_from_loader(name, self) if name == "weasyprint" else None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        raise OSError("cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object file")


@pytest.fixture(params=["ImportError", "OSError"])
def no_weasyprint(request, monkeypatch):
    if request.param == "ImportError":
        monkeypatch.setitem(sys.modules, "weasyprint", None)  # `import weasyprint` raises ImportError
    else:
        monkeypatch.delitem(sys.modules, "weasyprint", raising=False)
        monkeypatch.setattr(sys, "meta_path", [_BrokenLibraries(), *sys.meta_path])
    with pytest.raises(ImportError if request.param == "ImportError" else OSError):
        import weasyprint  # noqa: F401
    return request.param


def test_without_weasyprint_a_pdf_is_refused_with_what_to_install(app, db, no_weasyprint):
    with pytest.raises(pdf.PdfUnavailable) as refused:
        pdf.render("<p>x</p>")
    assert refused.value.status == 503
    assert "libharfbuzz-subset0" in str(refused.value.message) and "libpango-1.0-0" in str(refused.value.message)
    # Approving (which renders once) is refused the same way and changes nothing.
    letter = make_letter()
    with pytest.raises(pdf.PdfUnavailable):
        services.approve(make_committee(letter.community), letter)
    db.session.rollback()
    assert (letter.status, letter.current.verification_code) == ("draft", None)


def test_without_weasyprint_the_app_still_serves_the_demand_and_the_letter(app, db, client, login_as, no_weasyprint):
    letter = make_letter()
    proposal = letter.proposal
    login_as(committee_member(letter.community))
    assert client.get(f"/demands/{proposal.id}").status_code == 200
    page = client.get(f"/demands/{proposal.id}/letter")
    assert page.status_code == 200 and letter.reference in page.get_data(as_text=True)
    assert client.get(f"/demands/{proposal.id}/letter/print").status_code == 200
    refused = client.get(f"/demands/{proposal.id}/letter.pdf")
    assert refused.status_code == 503
    assert "libharfbuzz-subset0" in refused.get_data(as_text=True)
