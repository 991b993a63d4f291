"""The certificate of volunteering read back from the PDF: the volunteer's name, the hours, the opportunity and the
community, in Arabic and in English, with the vendored Amiri embedded; only its volunteer downloads it; a server
without WeasyPrint answers 503 as the letters do."""
import pytest

from civicvoice.volunteers import certificate
from tests.factories import make_centre, make_community, make_opportunity, make_signup, make_user
from tests.letters.test_pdf import fonts_of, has_words, no_weasyprint, pages_of, squash  # noqa: F401 (a fixture)

COMMUNITY, TITLE, NAME = "حي الميدان", "تنظيف ساحة المنارة", "ليلى Haddad"


@pytest.fixture
def signup(app):
    community = make_community(COMMUNITY)
    make_centre(community, name="منارة الميدان المجتمعية")
    opportunity = make_opportunity(community, title=TITLE, starts_in_hours=-4)
    return make_signup(opportunity, make_user(NAME), status="confirmed", hours=3)


def test_the_arabic_certificate_names_the_volunteer_hours_opportunity_and_community(app, signup):
    with app.test_request_context():
        data = certificate.pdf(signup, "ar")
    [text] = pages_of(data)
    assert has_words(text, "شهادة تطوع")
    assert has_words(text, COMMUNITY) and has_words(text, TITLE) and "Haddad" in text and has_words(text, "ليلى")
    assert "٣" in squash(text) and has_words(text, "ساعات تطوع")  # Arabic-Indic digits, whoever downloads it
    assert all(embedded for embedded in fonts_of(data).values()) and any("Amiri" in f for f in fonts_of(data))


def test_the_english_certificate(app, signup):
    with app.test_request_context():
        [text] = pages_of(certificate.pdf(signup, "en"))
    assert "Certificate of volunteering" in text
    assert "3 hours of volunteering" in text and "Haddad" in text
    assert has_words(text, TITLE) and has_words(text, COMMUNITY)


def test_half_hours_are_written_as_such(app, signup, db):
    signup.hours = 2.5
    db.session.commit()
    with app.test_request_context():
        [text] = pages_of(certificate.pdf(signup, "en"))
    assert "2.5 hours of volunteering" in text


def test_only_the_volunteer_downloads_it_in_either_language(client, login_as, signup):
    url = f"/signups/{signup.id}/certificate.pdf"
    login_as(make_user())
    assert client.get(url).status_code == 403
    login_as(signup.user)
    for lang in ("ar", "en"):
        response = client.get(f"{url}?lang={lang}")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.headers["Cache-Control"] == "private, no-store"
        assert f"certificate-{signup.id}-{lang}.pdf" in response.headers["Content-Disposition"]


def test_no_certificate_before_hours_are_recorded(client, login_as, app):
    opportunity = make_opportunity(starts_in_hours=-2)
    signup = make_signup(opportunity, status="confirmed")
    login_as(signup.user)
    assert client.get(f"/signups/{signup.id}/certificate.pdf").status_code == 403


def test_without_weasyprint_the_certificate_is_a_503(client, login_as, signup, no_weasyprint):
    login_as(signup.user)
    refused = client.get(f"/signups/{signup.id}/certificate.pdf")
    assert refused.status_code == 503
    assert "libharfbuzz-subset0" in refused.get_data(as_text=True)
    assert client.get("/volunteer/history").status_code == 200
