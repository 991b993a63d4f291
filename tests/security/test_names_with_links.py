"""A name containing a web address is refused (SECURITY.md A.8; the UK petitions site refuses such signers'
names): wherever a person's name is typed, the form is shown again with the reason under the name, in the reader's
language, keeping what was typed, and nothing is saved. Ordinary names, Arabic or Latin, initials included, are
taken."""
import io
import re
from datetime import date

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from civicvoice.accounts.models import User
from civicvoice.accounts.names import has_web_address
from civicvoice.council import services as council
from civicvoice.extensions import db
from civicvoice.signatures.models import Signature
from tests.factories import (make_centre, make_committee, make_community, make_council,
                             make_paper_batch, make_proposal, make_user, scan_png)

LINKS = ["Omar https://spam.example/offer", "http://example.org", "Omar www.cheap-pills.example",
         "Win at bit.ly/xyz", "example.com", "omar@example.com", "أحمد example.org", "HTTPS://EXAMPLE.COM",
         "Shop spam.online", "xn--mgbaam7a8h.xn--ngbrx", "mailto:omar"]
NAMES = ["سعاد الأحمد", "Rana Haddad", "A. Hassan", "J.R.R. Tolkien", "M.Hassan", "م.أحمد", "أ. د. محمد السيد",
         "Omar Al-Hassan", "Anne-Marie O'Neil", "Layla (Umm Omar)", "X.Li"]
MESSAGES = {"ar": "اكتب الاسم دون عنوان موقع أو بريد إلكتروني.",
            "en": "Write the name without a web or email address."}
TYPED = "Omar https://spam.example/offer"


@pytest.mark.parametrize("text", LINKS)
def test_links_and_addresses_are_found(text):
    assert has_web_address(text)


@pytest.mark.parametrize("text", NAMES)
def test_ordinary_names_are_not(text):
    assert not has_web_address(text)


def _refused(response, locale) -> str:
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and f'lang="{locale}"' in body
    assert MESSAGES[locale] in body
    assert f'value="{escape(TYPED)}"' in body  # what was typed is kept
    return body


@pytest.fixture
def demand(app):
    community = make_community()
    make_centre(community)
    return make_proposal(community, status="open")


def _register(client, name, locale="ar", path="/register"):
    return client.post(path, headers={"Accept-Language": locale}, data={
        "display_name": name, "email": "newcomer@example.org", "password": "a long enough password 42",
        "visibility": "public"})


def _account():
    return db.session.scalar(select(User).where(User.email == "newcomer@example.org"))


def _mailed(outbox) -> list:
    return [message for message in outbox if message["to"] == "newcomer@example.org"]


@pytest.mark.parametrize("locale", ["ar", "en"])
def test_registration_refuses_a_name_with_a_link(client, outbox, locale):
    _refused(_register(client, TYPED, locale), locale)
    assert _account() is None and not _mailed(outbox)


@pytest.mark.parametrize("locale", ["ar", "en"])
def test_registering_to_sign_refuses_a_name_with_a_link(client, outbox, demand, locale):
    _refused(_register(client, TYPED, locale, path=f"/demands/{demand.id}/sign/register"), locale)
    assert _account() is None and not _mailed(outbox)
    assert db.session.scalar(select(func.count(Signature.id))) == 0


@pytest.mark.parametrize("name", NAMES)
def test_registration_takes_ordinary_names(client, name):
    assert _register(client, name).status_code == 303
    assert _account().display_name == name


@pytest.mark.parametrize("locale", ["ar", "en"])
def test_the_profile_refuses_a_name_with_a_link(client, login_as, locale):
    user = make_user("Omar", locale=locale)
    login_as(user)
    response = client.post("/account", data={"display_name": TYPED, "phone": "", "locale": locale,
                                             "digits": "arab"})
    _refused(response, locale)
    db.session.refresh(user)
    assert user.display_name == "Omar"


def test_the_profile_takes_a_name_with_initials(client, login_as):
    user = make_user("Omar", locale="en")
    login_as(user)
    response = client.post("/account", data={"display_name": "O. A. Hassan", "phone": "", "locale": "en",
                                             "digits": "arab"})
    assert response.status_code == 303
    db.session.refresh(user)
    assert user.display_name == "O. A. Hassan"


@pytest.mark.parametrize("locale", ["ar", "en"])
def test_council_staff_accepting_an_invitation_cannot_take_a_name_with_a_link(client, outbox, locale):
    council.invite_staff(None, make_council(), "rana@council.example", "viewer")
    db.session.commit()
    token = re.search(r"/council-invitations/(\S+)", outbox[-1]["body"]).group(1)
    response = client.post(f"/council-invitations/{token}", headers={"Accept-Language": locale},
                           data={"display_name": TYPED, "password": "a long staff password"})
    _refused(response, locale)
    assert db.session.scalar(select(User).where(User.email == "rana@council.example")) is None


def _paper(client, demand, rows):
    return client.post(f"/demands/{demand.id}/paper", content_type="multipart/form-data", data={
        "centre": str(demand.community.centres[0].id), "collected_on": date.today().isoformat(),
        "scan": (io.BytesIO(scan_png()), "sheet.png"), "rows": rows})


@pytest.mark.parametrize("locale, message", [("ar", "السطر 2: اكتب الاسم دون عنوان موقع أو بريد إلكتروني."),
                                             ("en", "Line 2: write the name without a web or email address.")])
def test_a_paper_sheet_refuses_a_name_with_a_link_giving_its_line(client, login_as, demand, locale, message):
    login_as(make_committee(demand.community, make_user(locale=locale)))
    rows = f"سعاد الأحمد، حارة الجامع\n{TYPED}, Old Market"
    response = _paper(client, demand, rows)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in body
    assert str(escape(TYPED)) in body and "سعاد الأحمد، حارة الجامع" in body
    assert db.session.scalar(select(func.count(Signature.id))) == 0


def test_a_paper_sheet_takes_ordinary_names(client, login_as, demand):
    login_as(make_committee(demand.community, make_user(locale="en")))
    rows = "\n".join(f"{name}, Old Market" for name in NAMES if "," not in name)
    assert _paper(client, demand, rows).status_code == 303
    assert sorted(db.session.scalars(select(Signature.name))) == sorted(NAMES)


@pytest.mark.parametrize("locale", ["ar", "en"])
def test_correcting_a_paper_signature_refuses_a_name_with_a_link(client, login_as, demand, locale):
    committee = make_committee(demand.community, make_user(locale=locale))
    make_paper_batch(demand, actor=committee)
    signature = db.session.scalar(select(Signature))
    login_as(committee)
    response = client.post(f"/signatures/{signature.id}/correct", data={
        "name": TYPED, "neighbourhood": "حارة الجامع", "reason": "typo on the sheet"})
    _refused(response, locale)
    db.session.refresh(signature)
    assert signature.name == "سعاد الأحمد"
