"""Arabic first: catalogue complete and compiled, direction from the locale, plural forms, digits, dates."""
import gettext
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale, ngettext

from civicvoice import i18n
from tests.factories import make_community, make_member, make_user

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "civicvoice/translations/ar/LC_MESSAGES/messages.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _catalogue():
    with PO.open("rb") as handle:
        return read_po(handle)


def test_every_arabic_msgid_is_translated():
    missing = [m.id for m in _catalogue() if m.id and (not all(m.string) if isinstance(m.string, tuple)
                                                       else not m.string)]
    fuzzy = [m.id for m in _catalogue() if m.id and m.fuzzy]
    assert missing == [] and fuzzy == []


def test_translations_keep_their_placeholders():
    wrong = []
    for message in _catalogue():
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            allowed = set(PLACEHOLDER.findall(message.id[1]))
            wrong += [message.id[0] for s in message.string if not set(PLACEHOLDER.findall(s)) <= allowed]
        elif sorted(PLACEHOLDER.findall(message.id)) != sorted(PLACEHOLDER.findall(message.string)):
            wrong.append(message.id)
    assert wrong == []


def test_every_string_in_the_code_is_in_the_catalogue(tmp_path):
    """Extract again: a string added to code or templates without its Arabic fails here."""
    pot = tmp_path / "messages.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "extract", "-F", str(ROOT / "babel.cfg"),
                    "-k", "_l", "-k", "lazy_gettext", "-k", "ngettext:1,2", "-o", str(pot), str(ROOT / "civicvoice")],
                   check=True, capture_output=True)
    with pot.open("rb") as handle:
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalogue() if m.id}
    assert sorted(extracted - known) == []


def test_compiled_catalogue_matches_the_po_file():
    """The .mo is built by the setup (make translations), never committed stale."""
    assert MO.exists(), "run `make translations`"
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for message in _catalogue():
        if message.id and isinstance(message.id, str):
            assert compiled.gettext(message.id) == message.string, message.id


def test_mo_files_are_not_committed():
    tracked = subprocess.run(["git", "ls-files", "*.mo"], cwd=ROOT, capture_output=True, text=True).stdout
    assert tracked.strip() == ""


@pytest.mark.parametrize("n, expected", [(0, "لا أعضاء"), (1, "عضو واحد"), (2, "عضوان"), (3, "3 أعضاء"),
                                         (11, "11 عضواً"), (100, "100 عضو")])
def test_arabic_has_six_plural_forms(app, n, expected):
    with app.test_request_context(), force_locale("ar"):
        assert ngettext("%(n)s member", "%(n)s members", n, n=n) == expected


def test_pages_render_rtl_in_arabic_and_ltr_in_english(client):
    assert '<html lang="ar" dir="rtl">' in client.get("/").get_data(as_text=True)
    client.post("/language", data={"locale": "en", "next": "/"})
    assert '<html lang="en" dir="ltr">' in client.get("/").get_data(as_text=True)


def test_browser_language_is_used_when_no_choice_was_made(client):
    page = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert 'lang="en"' in page
    page = client.get("/", headers={"Accept-Language": "fr-FR"}).get_data(as_text=True)
    assert 'lang="ar"' in page


def test_language_choice_sticks_in_the_session_and_the_profile(client, login_as, db):
    user = make_user(locale="ar")
    login_as(user)
    response = client.post("/language", data={"locale": "en", "next": "/councils"})
    assert response.status_code == 303 and response.headers["Location"] == "/councils"
    db.session.refresh(user)
    assert user.locale == "en"
    client.post("/logout")
    assert 'lang="en"' in client.get("/").get_data(as_text=True)


def test_language_chosen_before_sign_in_is_kept(client, db):
    from tests.factories import PASSWORD

    user = make_user(email="omar@example.org", locale="ar")
    client.post("/language", data={"locale": "en"})
    client.post("/login", data={"email": "omar@example.org", "password": PASSWORD})
    assert 'lang="en"' in client.get("/").get_data(as_text=True)
    db.session.refresh(user)
    assert user.locale == "en"


def test_unknown_language_is_ignored(client):
    client.post("/language", data={"locale": "xx"})
    assert 'lang="ar"' in client.get("/").get_data(as_text=True)


def test_every_page_has_the_language_switch(client):
    page = client.get("/councils").get_data(as_text=True)
    assert 'action="/language"' in page and 'name="next" value="/councils"' in page


def test_arabic_numbers_use_arabic_indic_digits(app):
    with app.test_request_context(), force_locale("ar"):
        assert i18n.format_number(1234567.5) == "١٬٢٣٤٬٥٦٧٫٥"
    with app.test_request_context(), force_locale("en"):
        assert i18n.format_number(1234567.5) == "1,234,567.5"


def test_percentages_take_the_arabic_percent_sign_with_arabic_indic_digits(app):
    with app.test_request_context(), force_locale("ar"):
        assert i18n.format_percent(0.25) == "\u0662\u0665\u066a"  # ٢٥٪, as browsers write it
        with i18n.fixed_digits(False):  # a reader who chose Latin digits
            assert i18n.format_percent(0.25) == "25%"
    with app.test_request_context(), force_locale("en"):
        assert i18n.format_percent(0.25) == "25%"


def test_dates_in_the_community_time_zone(app):
    moment = datetime(2025, 6, 1, 22, 30, tzinfo=timezone.utc)  # already 2 June in Damascus (UTC+3)
    with app.test_request_context(), force_locale("ar"):
        assert i18n.format_date(moment, "Asia/Damascus") == "٢ حزيران ٢٠٢٥"
        assert i18n.format_datetime(moment, "Asia/Damascus") == "٢ حزيران ٢٠٢٥، ١:٣٠ ص"
    with app.test_request_context(), force_locale("en"):
        assert i18n.format_date(moment, "Asia/Damascus") == "Jun 2, 2025"
        assert i18n.format_date(moment, "UTC") == "Jun 1, 2025"


def test_latin_digits_profile_setting(client, login_as):
    community = make_community()
    for _ in range(12):
        make_member(community)
    assert "١٢ عضواً" in client.get("/").get_data(as_text=True)
    login_as(make_user(digits="latn"))
    assert "12 عضواً" in client.get("/").get_data(as_text=True)


def test_phones_and_codes_keep_latin_digits(client):
    community = make_community(code="MDN7")
    from tests.factories import make_centre

    make_centre(community, phone="+963 11 123 4567")
    page = client.get(f"/communities/{community.slug}").get_data(as_text=True)
    assert "+963 11 123 4567" in page


def test_typed_arabic_digits_are_stored_as_ascii():
    assert i18n.to_ascii_digits("٠٩٤٤-١٢٣ ۴۵۶") == "0944-123 456"


def test_stylesheet_uses_logical_properties_only():
    css = (ROOT / "civicvoice/static/css/app.css").read_text()
    physical = re.findall(r"(?<![-\w])(margin|padding|border)-(left|right)\b|(?<![-\w])(left|right)\s*:|"
                          r"text-align:\s*(left|right)|float:\s*(left|right)", css)
    assert physical == []


def test_the_layout_takes_lang_and_dir_from_the_locale():
    base = (ROOT / "civicvoice/templates/base.html").read_text()
    assert '<html lang="{{ current_language() }}" dir="{{ text_direction() }}">' in base
    # The letter's standalone documents (PDF and print) are in the letter's language, not the reader's.
    letter_tag = """<html lang="{{ lang }}" dir="{{ 'rtl' if lang == 'ar' else 'ltr' }}">"""
    assert letter_tag in (ROOT / "civicvoice/templates/letters/document.html").read_text()
    # HTML mail is in its recipient's language (rendered under force_locale), through the same helpers.
    mail_layout = (ROOT / "civicvoice/templates/email/_layout.html").read_text()
    assert '<html lang="{{ current_language() }}" dir="{{ text_direction() }}">' in mail_layout
    # So is the certificate of volunteering, made by the same machinery.
    documents = {"letters", "volunteers/certificate.html"}
    for template in (ROOT / "civicvoice/templates").rglob("*.html"):
        text = template.read_text()
        standalone = template.parent.name in documents or f"{template.parent.name}/{template.name}" in documents
        assert "<html" not in text or template.name == "base.html" or template.relative_to(
            ROOT / "civicvoice/templates").as_posix() == "email/_layout.html" or (
            standalone and text.count("<html") == 1 and letter_tag in text), template


def test_a_language_left_by_the_previous_person_does_not_change_the_next_account(client, db):
    from tests.factories import PASSWORD

    make_user(email="omar@example.org", locale="en")
    layla = make_user(email="layla@example.org", locale="ar")
    client.post("/login", data={"email": "omar@example.org", "password": PASSWORD})
    client.post("/logout")
    assert 'lang="en"' in client.get("/").get_data(as_text=True)  # the signed-out page keeps Omar's language
    client.post("/login", data={"email": "layla@example.org", "password": PASSWORD})
    db.session.refresh(layla)
    assert layla.locale == "ar"
    assert 'lang="ar"' in client.get("/").get_data(as_text=True)
