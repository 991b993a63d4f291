"""A field people never see, on the forms anyone can post without signing in (ASVS 2.4.2): scripts that fill
every input fill it, and are refused with a message that gives nothing away, a 400, a warning in the log and
nothing done; people, who leave it empty, are served as before."""
import logging
import re

import pytest
from sqlalchemy import func, select

from civicvoice.accounts.forms import LoginForm, RegisterForm, ResetRequestForm
from civicvoice.accounts.models import User
from civicvoice.extensions import db
from civicvoice.forms import BotTrap, Form
from civicvoice.signatures.forms import RegisterAndSignForm
from civicvoice.signatures.models import Signature
from tests.factories import PASSWORD, make_community, make_proposal, make_user

NOT_ACCEPTED = {"ar": "تعذّر قبول هذا النموذج. يُرجى مراجعته وإرساله مرة أخرى.",
                "en": "We could not accept this form. Please check it and send it again."}
LABEL = {"ar": "اترك هذا الحقل فارغاً", "en": "Leave this field empty"}
NEWCOMER = {"display_name": "Newcomer", "email": "newcomer@example.org", "password": "a long enough password 42",
            "visibility": "public"}
FORMS = ["register", "register_and_sign", "login", "reset_request"]
CLASSES = {"register": RegisterForm, "register_and_sign": RegisterAndSignForm, "login": LoginForm,
           "reset_request": ResetRequestForm}


@pytest.fixture
def world(app):
    resident = make_user(email="resident@example.org")
    return {"demand": make_proposal(make_community(), status="open"), "resident": resident}


def _path(form: str, world) -> str:
    return {"register": "/register", "register_and_sign": f"/demands/{world['demand'].id}/sign/register",
            "login": "/login", "reset_request": "/account/reset"}[form]


def _data(form: str) -> dict:
    if form == "login":
        return {"email": "resident@example.org", "password": PASSWORD}
    if form == "reset_request":
        return {"email": "resident@example.org"}
    return dict(NEWCOMER)


def _nothing_done(client, outbox):
    assert db.session.scalar(select(func.count(User.id)).where(User.email == "newcomer@example.org")) == 0
    assert db.session.scalar(select(func.count(Signature.id))) == 0
    assert [m for m in outbox if m["to"] in ("newcomer@example.org", "resident@example.org")] == []
    assert client.get("/account").status_code != 200  # nobody signed in


@pytest.mark.parametrize("locale", ["ar", "en"])
@pytest.mark.parametrize("form", FORMS)
def test_a_filled_trap_is_refused_and_nothing_is_done(client, outbox, world, caplog, form, locale):
    outbox.clear()
    with caplog.at_level(logging.WARNING, logger="civicvoice.security"):
        response = client.post(_path(form, world), headers={"Accept-Language": locale},
                               data={**_data(form), "website": "https://spam.example"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert NOT_ACCEPTED[locale] in body and f'lang="{locale}"' in body
    assert 'value="resident@example.org"' in body or 'value="newcomer@example.org"' in body  # the form, again
    assert "spam.example" not in body  # the trap is shown empty again
    assert [r for r in caplog.records if r.levelno == logging.WARNING and r.name == "civicvoice.security"
            and r.security["event"] == "bot trap filled" and r.security["form"] == CLASSES[form].__name__]
    _nothing_done(client, outbox)


@pytest.mark.parametrize("form", FORMS)
def test_an_empty_trap_is_served(client, outbox, world, form):
    response = client.post(_path(form, world), data={**_data(form), "website": ""})
    if form == "reset_request":
        assert response.status_code == 200 and [m for m in outbox if m["to"] == "resident@example.org"]
    else:
        assert response.status_code == 303
    assert NOT_ACCEPTED["ar"] not in response.get_data(as_text=True)


@pytest.mark.parametrize("locale", ["ar", "en"])
@pytest.mark.parametrize("page", ["/register", "/login", "/account/reset", "demand"])
def test_the_trap_is_hidden_from_people(client, world, page, locale):
    url = f"/demands/{world['demand'].id}" if page == "demand" else page
    body = client.get(url, headers={"Accept-Language": locale}).get_data(as_text=True)
    trap = re.search(r'<div class="visually-hidden" aria-hidden="true">\s*<label for="website">([^<]*)</label>\s*'
                     r'(<input[^>]*name="website"[^>]*>)\s*</div>', body)
    assert trap, f"{url}: no hidden trap"
    assert trap.group(1) == LABEL[locale]
    assert all(attribute in trap.group(2) for attribute in ('tabindex="-1"', 'autocomplete="off"', 'value=""'))
    assert body.count('name="website"') == 1


def _subclasses(cls):
    return {cls, *(sub for child in cls.__subclasses__() for sub in _subclasses(child))}


def test_only_the_forms_anyone_can_post_carry_the_trap(app):
    """Forms of people signed in do without it: their account answers for them."""
    trapped = {form for form in _subclasses(Form) if issubclass(form, BotTrap)}
    assert trapped == {RegisterForm, RegisterAndSignForm, LoginForm, ResetRequestForm}
