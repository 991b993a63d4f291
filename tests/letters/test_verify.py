"""The public verification of a letter: /verify/<code> shows what the letter says (reference, date, council,
subject, counts, the SHA-256 of the PDF as issued, the demand's status) and no personal data; the code is found
however it is typed; an unknown code is a 404 with the form; an uploaded PDF is compared with the issued hash; a
replaced version says so."""
import io

from flask_babel import force_locale

from civicvoice.extensions import db
from civicvoice.i18n import format_date, format_datetime
from civicvoice.letters import services as letters
from tests.letters.test_views import (EN, HIDDEN_EMAIL, HIDDEN_NAME, PAPER_NAME, PAPER_PHONE, PUBLIC_NAME, approved,
                                      errors_of, letter_of, plain, sent, text_of, w)  # noqa: F401 (w: a fixture)


def formatted(app, value, when=None) -> str:
    """A date (or date and time) as an English page shows it."""
    with app.test_request_context(), force_locale("en"):
        return plain(format_datetime(value, "Asia/Damascus") if when else format_date(value))


def test_the_verification_page_is_public_and_shows_no_personal_data(app, client, w):
    letter = sent(w)
    version = letter.current
    response = client.get(f"/verify/{version.verification_code}", headers=EN)
    assert response.status_code == 200
    html = text_of(response)
    text = plain(html)
    assert f"Reference {letter.reference} – version 1" in text or f"Reference {letter.reference} · version 1" in text
    assert f"Date of the letter {formatted(app, version.letter_date)}" in text
    assert f"Sent {formatted(app, letter.sent_at, when=True)}" in text
    assert "Town Council" in text and "Light the main street" in text
    assert "3 co-signatures: 2 online and 1 on paper." in text
    assert version.pdf_sha256 in html
    assert "The demand now sent to the council" in text  # its status now
    assert "This code belongs to a letter issued by the community committee of" in text
    for secret in (HIDDEN_NAME, PUBLIC_NAME, PAPER_NAME, PAPER_PHONE, HIDDEN_EMAIL, w.chair.display_name,
                   w.second.display_name, w.chair.email, "council@example.org"):
        assert secret not in html, secret


def test_a_letter_approved_but_not_sent_says_so(client, w):
    version = approved(w).current
    text = plain(text_of(client.get(f"/verify/{version.verification_code}", headers=EN)))
    assert "Sent not yet" in text and "The demand now adopted by the community" in text


def test_the_code_is_found_however_it_is_typed(client, w):
    code = approved(w).current.verification_code
    for typed in (code.lower(), code.replace("-", " ").lower(), code.replace("-", ""), f"  {code}  "):
        response = client.get(f"/verify/{typed}", headers=EN)
        assert response.status_code == 200, typed
        assert "Light the main street" in text_of(response)


def test_the_search_form_sends_to_the_normalised_code(client, w):
    code = approved(w).current.verification_code
    response = client.get("/verify", query_string={"code": f" {code.lower().replace('-', ' ')} "})
    assert response.status_code == 303 and response.headers["Location"] == f"/verify/{code}"
    assert client.get("/verify").status_code == 200
    response = client.get("/verify", query_string={"code": ""}, headers=EN)
    assert response.status_code == 200 and "Enter the code printed at the bottom of each page." in text_of(response)


def test_an_unknown_code_is_a_404_page_with_the_form(client, w):
    approved(w)
    for code in ("ZZZZ-ZZZZ-ZZZZ", "short", "x" * 200):
        response = client.get(f"/verify/{code}", headers=EN)
        assert response.status_code == 404
        html = text_of(response)
        assert "No letter has this verification code." in html
        assert 'action="/verify"' in html and 'name="code"' in html


def test_uploading_the_issued_pdf_matches_and_a_changed_one_does_not(client, w):
    letter = approved(w)
    version = letter.current
    data = letters.issued_pdf(version)
    url = f"/verify/{version.verification_code}"
    response = client.post(url, data={"pdf": (io.BytesIO(data), "letter.pdf")}, headers=EN,
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert "This file is exactly the letter as issued." in text_of(response)
    changed = data.replace(b"Light the main street", b"Light the side street") if b"Light the main street" in data \
        else data + b"\n%% appended\n"
    assert changed != data
    response = client.post(url, data={"pdf": (io.BytesIO(changed), "letter.pdf")}, headers=EN,
                           content_type="multipart/form-data")
    assert response.status_code == 200
    html = text_of(response)
    assert "This file is NOT the letter as issued" in html and "exactly the letter as issued" not in html
    response = client.post(url, data={}, headers=EN, content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose the PDF file to check." in errors_of(text_of(response))


def test_a_replaced_version_says_so(client, w):
    letter = approved(w)
    first = letter.current.verification_code
    letters.edit(w.chair, letter, subject="A clearer subject")
    db.session.commit()
    html = text_of(client.get(f"/verify/{first}", headers=EN))
    assert "This version was replaced by a later version of the letter" in html
    letters.approve(w.second, letter_of(w.demand))
    db.session.commit()
    second = letter_of(w.demand).current.verification_code
    assert second != first
    assert "This version was replaced" in text_of(client.get(f"/verify/{first}", headers=EN))
    html = text_of(client.get(f"/verify/{second}", headers=EN))
    assert "This version was replaced" not in html and "A clearer subject" in html and "version 2" in plain(html)
