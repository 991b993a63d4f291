"""Render the letter of a demand with 10 000 signatories and print the time, the pages and the peak memory.

A benchmark, not a test: run it by hand on the target machine (the issue asks for "well under a minute on the
2-core box with bounded memory").

    .venv/bin/python benchmarks/letter_10000.py [--signatories N] [--language ar|en|ar_en] [--keep]

It builds a throw-away SQLite database in a temporary folder (the migrations, then a community, a council and an
adopted demand signed by N people: 100 online, the rest on paper sheets of 500 rows), then times the two stages of
approving a letter: the HTML of the letter and its annex, and WeasyPrint's PDF (wall-clock and CPU time). Peak RSS
comes from resource.getrusage (the whole process: Python, the app, the data and the rendering).
"""
import argparse
import hashlib
import io
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

NAMES = ("سعاد الأحمد", "محمد الحلبي", "Rania Zeitoun", "فاطمة الزهراء", "عمر حداد", "Jean-Pierre Khoury",
         "نور الهدى", "أحمد عبد الله", "ليلى الشامي", "خالد 2")
PLACES = ("حارة الجامع", "الميدان", "باب توما", "Kafr Sousa", "الشاغور")
SHEET = 500


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def build(signatories: int, language: str):
    """The data: an adopted demand with `signatories` confirmed signatures, and its draft letter."""
    from civicvoice.extensions import db
    from civicvoice.letters import services
    from civicvoice.proposals import attachments
    from civicvoice.signatures import services as signatures
    from tests.factories import (
        advance_proposal,
        committee_member,
        make_centre,
        make_community,
        make_council,
        make_proposal,
        make_signature,
        make_user,
        scan_png,
    )

    community = make_community("حي القيمرية", code="QYM")
    make_centre(community, name="منارة القيمرية", address="دمشق القديمة، القيمرية", phone="011-5423-678")
    council = make_council("مجلس محافظة دمشق", contact_email="diwan@damascus.example",
                           postal_address="دمشق، ساحة المحافظة")
    proposal = make_proposal(community, status="open", council=council, title="إنارة شارع القيمرية",
                             place="شارع القيمرية من الجامع إلى باب شرقي")
    online = min(100, signatories)
    for n in range(online):
        make_signature(proposal, make_user(name=f"{NAMES[n % len(NAMES)]} {n}"),
                       visibility="letter_only" if n % 3 == 0 else "public")
    chair = committee_member(community)
    [scan] = attachments.prepare([(scan_png(), "sheet.png")])
    remaining, row = signatories - online, 0
    while remaining > 0:
        size = min(SHEET, remaining)
        rows = [(f"{NAMES[(row + i) % len(NAMES)]} {row + i}", PLACES[(row + i) % len(PLACES)], "")
                for i in range(size)]
        signatures.record_paper_batch(chair, proposal, centre=None, collected_on=date.today(), scan=scan, rows=rows)
        db.session.commit()
        remaining, row = remaining - size, row + size
    advance_proposal(proposal, "open_vote")
    advance_proposal(proposal, "adopt")
    letter = services.create(chair, proposal, language)
    db.session.commit()
    return letter


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signatories", type=int, default=10_000)
    parser.add_argument("--language", choices=("ar", "en", "ar_en"), default="ar")
    parser.add_argument("--keep", action="store_true", help="keep the PDF next to this script")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from civicvoice import create_app
    from civicvoice.extensions import db
    from civicvoice.letters import document, services

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "CIVICVOICE_ENV": "testing", "SECRET_KEY": "benchmark-" + "x" * 40,
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db", "MAIL_BACKEND": "memory",
                          "UPLOAD_DIR": f"{tmp}/uploads", "RATELIMIT_ENABLED": False,
                          "PASSWORD_HASH_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}})
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            letter = build(args.signatories, args.language)
            built = time.perf_counter() - started
            version = letter.current
            version.verification_code = services.new_code()  # as approve() sets it before rendering
            before = peak_rss_mb()

            started = time.perf_counter()
            data, pages = document.pdf(letter, version)  # what approve() does: chunks laid out on every core
            seconds = time.perf_counter() - started
            after = peak_rss_mb()
            workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

            from pypdf import PdfReader

            assert len(PdfReader(io.BytesIO(data)).pages) == pages
            if args.keep:
                out = Path(__file__).with_name(f"letter_{args.signatories}.pdf")
                out.write_bytes(data)
                print(f"PDF kept at {out}")
            db.session.rollback()
            db.engine.dispose()

    print(f"signatories          {args.signatories:>10,}  ({args.language})")
    print(f"data set up          {built:>10.1f} s  (not part of the rendering)")
    print(f"rendering (HTML+PDF) {seconds:>10.1f} s  (wall time; it grows when other processes share the cores)")
    print(f"pages                {pages:>10,}")
    print(f"PDF size             {len(data) / 1e6:>10.2f} MB  (sha256 {hashlib.sha256(data).hexdigest()[:16]}…)")
    print(f"peak RSS before      {before:>10.0f} MB")
    print(f"peak RSS after       {after:>10.0f} MB  (this process)")
    print(f"peak RSS of a worker {workers:>10.0f} MB  (each lays out one chunk of the annex at a time)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
