import sys

import pytest
from sqlalchemy import func, select

from civicvoice import demo, permissions
from civicvoice.accounts import services as accounts
from civicvoice.accounts.models import User
from civicvoice.communities import services as communities
from civicvoice.communities.models import Centre, Community, Council, CouncilStaff, Membership
from civicvoice.errors import NotAllowed
from civicvoice.letters import services as letters
from civicvoice.letters.models import Letter, LetterVersion
from civicvoice.proposals.models import Proposal
from civicvoice.signatures.models import Signature
from civicvoice.voting import services as voting
from civicvoice.voting.models import Poll

DEMO_MODELS = (User, Community, Centre, Council, Membership, CouncilStaff, Proposal, Signature, Poll, Letter,
               LetterVersion)


def test_demo_load_builds_the_demo_and_is_idempotent(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    counts = [db.session.scalar(select(func.count()).select_from(model)) for model in DEMO_MODELS]
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0 and "(0 new records)" in second.output
    assert counts == [db.session.scalar(select(func.count()).select_from(model)) for model in DEMO_MODELS]
    midan, fijeh = communities.by_slug("al-midan"), communities.by_slug("ain-al-fijeh")
    assert midan.is_open and not fijeh.is_open
    assert midan.centres and midan.councils and communities.committee(midan)
    assert accounts.find_by_email("admin@civicvoice.example").is_admin



def test_demo_letter_awaits_the_other_committee_member_and_needs_no_weasyprint(app, db, monkeypatch):
    """al-midan's clinic demand was adopted by a closed vote; Salma drafted its letter, Omar is to approve it.
    Nothing is rendered at load: the demo loads on a machine without WeasyPrint."""
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # `import weasyprint` raises ImportError
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    midan = communities.by_slug("al-midan")
    salma, omar = (accounts.find_by_email(email) for email in (demo.LETTER["drafted_by"], demo.LETTER["approver"]))
    assert {m.user_id for m in communities.committee(midan)} == {salma.id, omar.id}

    proposal = db.session.scalar(select(Proposal).where(Proposal.title == demo.ADOPTED["title"]))
    assert (proposal.community_id, proposal.status) == (midan.id, "adopted")
    assert proposal.council.contact_email == demo.COUNCIL["contact_email"]
    poll = voting.for_proposal(proposal)
    assert poll.status == "closed" and poll.result["adopted"] and poll.close_reason

    letter = letters.of(proposal)
    version = letter.current
    assert (letter.status, letter.reference, version.number) == ("draft", f"MDN/{letter.year}/001", 1)
    assert version.drafted_by_id == salma.id and version.approved_at is None
    assert version.verification_code is None and version.pdf_key is None
    assert (version.language, version.recipient_title, version.show_hijri) == (
        "ar", demo.LETTER["recipient_title"], True)
    assert [person["name"] for person in version.signatories] == [salma.known_name, omar.known_name]
    evidence = version.evidence
    people = len(demo.COMMUNITIES[0]["committee"] + demo.COMMUNITIES[0]["members"])  # every member of al-midan
    assert (evidence["online"], evidence["paper"]) == (people, len(demo.ADOPTED_PAPER))
    assert evidence["vote"]["turnout"] == evidence["vote"]["electorate"] == people

    assert permissions.REGISTRY["approve_letter"](omar, letter) and not permissions.REGISTRY["approve_letter"](salma, letter)
    with pytest.raises(NotAllowed):
        letters.approve(salma, letter)


def test_demo_load_puts_omar_on_the_committee_of_a_demo_loaded_before(app, db):
    """A demo loaded when al-midan had one committee member: loading again appoints the second one."""
    demo.load()
    db.session.commit()
    midan = communities.by_slug("al-midan")
    salma, omar = (accounts.find_by_email(email) for email in (demo.LETTER["drafted_by"], demo.LETTER["approver"]))
    communities.remove_committee(salma, midan, omar)
    db.session.commit()
    assert communities.membership(midan, omar).role == "member"
    assert demo.load() == 1
    assert communities.membership(midan, omar).role == "committee"


def test_users_create_admin(app, db):
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "--admin", "--email", "root@example.org", "--name", "المدير",
        "--password", "a long admin password"])
    assert result.exit_code == 0, result.output
    user = accounts.find_by_email("root@example.org")
    assert user.is_admin and user.identity_level == "email"


def test_users_create_refuses_a_weak_password_with_a_message(app):
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "--email", "root@example.org", "--name", "x", "--password", "123"])
    assert result.exit_code != 0 and "Error" in result.output
    assert accounts.find_by_email("root@example.org") is None


def test_jobs_worker_needs_redis(app):
    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code != 0 and "REDIS_URL" in result.output
