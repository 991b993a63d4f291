"""Two people at the council acting on one letter at the same instant: the partial unique index (one
acknowledgement, one answer per letter) and the state table decide, never a race.

As in tests/letters/test_concurrency.py, every worker thread has its own app context, hence its own session and
pooled connection, as one request of a threaded server would; each action runs through the service inside the
request context of the real endpoint (so SQLite takes its write lock first, as that endpoint does), and once
through the real HTTP endpoint. PostgreSQL runs each scenario with 8 responders at once; SQLite (one writer at a
time: writers queue) with 3.
"""
import pytest
from sqlalchemy import func, select

from civicvoice.accounts.models import User
from civicvoice.council import responses
from civicvoice.council.models import CouncilResponse
from civicvoice.errors import Conflict, InvalidTransition
from civicvoice.extensions import db
from civicvoice.letters.models import Letter
from tests.factories import make_sent_letter, make_staff, session_secret
from tests.racing import race

POOL = {"pool_size": 20, "max_overflow": 10, "pool_timeout": 60}  # every thread holds its own connection
SCALE = pytest.mark.parametrize("threads", [pytest.param(8, marks=pytest.mark.postgres, id="postgres-8"),
                                            pytest.param(3, marks=pytest.mark.sqlite, id="sqlite-3")])
HTTP_OK = {303, 403, 409}  # done, no longer allowed (the other one did it), or "reload": never 500


def acting(app, letter, user_id, step, act):
    """`act(user, letter)` in the contexts of one POST to the step's endpoint (its own session), then commit.
    The outcome is "done", "invalid" (InvalidTransition) or "conflict" (Conflict)."""
    path = f"/councils/{letter.council_id}/letters/{letter.id}/{step}"
    letter_id = letter.id

    def action():
        with app.test_request_context(path, method="POST"):
            try:
                act(db.session.get(User, user_id), db.session.get(Letter, letter_id))
            except InvalidTransition:
                db.session.rollback()
                return "invalid"
            except Conflict:
                db.session.rollback()
                return "conflict"
            db.session.commit()
            return "done"
    return action


def posting(app, letter, user_id, step, data):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = session_secret(db.session.get(User, user_id)), True
    path = f"/councils/{letter.council_id}/letters/{letter.id}/{step}"

    def action():
        with app.app_context():
            return client.post(path, data=data).status_code
    return action


def acknowledge(user, letter):
    responses.acknowledge(user, letter, registry_number=f"R-{user.id}")


def answer(user, letter):
    responses.answer(user, letter, "accepted", body=f"جواب {user.id}")


def stored(letter_id, kind) -> list[CouncilResponse]:
    db.session.commit()  # end the read transaction: SQLite would keep showing its old snapshot
    db.session.expire_all()
    return list(db.session.scalars(select(CouncilResponse).where(CouncilResponse.letter_id == letter_id,
                                                                 CouncilResponse.kind == kind)))


def setting(threads):
    letter = make_sent_letter()
    responders = [make_staff(letter.council).id for _ in range(threads)]
    return letter, responders


@SCALE
@pytest.mark.app_config(SQLALCHEMY_ENGINE_OPTIONS=POOL)
def test_responders_acknowledging_at_once_acknowledge_once(app, threads):
    letter, responders = setting(threads)
    result = race([acting(app, letter, uid, "acknowledge", acknowledge) for uid in responders])
    assert result.errors == [], "\n".join(result.errors)
    assert result.count("done") == 1
    assert result.count("invalid") + result.count("conflict") == threads - 1
    [ack] = stored(letter.id, "acknowledgement")
    letter = db.session.get(Letter, letter.id)
    assert letter.proposal.status == "acknowledged"
    assert letter.acknowledged_at == ack.created_at and letter.registry_number == ack.registry_number
    assert db.session.scalar(select(func.count(CouncilResponse.id))) == 1


@SCALE
@pytest.mark.app_config(SQLALCHEMY_ENGINE_OPTIONS=POOL)
def test_responders_answering_at_once_answer_once(app, threads):
    letter, responders = setting(threads)
    responses.acknowledge(db.session.get(User, responders[0]), letter)
    db.session.commit()
    result = race([acting(app, letter, uid, "answer", answer) for uid in responders])
    assert result.errors == [], "\n".join(result.errors)
    assert (result.count("done"), result.count("conflict")) == (1, threads - 1)
    [reply] = stored(letter.id, "answer")
    letter = db.session.get(Letter, letter.id)
    assert (letter.answered_at, letter.answer_decision) == (reply.created_at, "accepted")
    assert letter.proposal.status == "acknowledged"
    assert len(stored(letter.id, "acknowledgement")) == 1


@SCALE
@pytest.mark.app_config(SQLALCHEMY_ENGINE_OPTIONS=POOL)
def test_answering_an_unacknowledged_letter_at_once_acknowledges_and_answers_once(app, threads):
    """Each answer acknowledges the letter first: both rows stay single, whoever wins."""
    letter, responders = setting(threads)
    result = race([acting(app, letter, uid, "answer", answer) for uid in responders])
    assert result.errors == [], "\n".join(result.errors)
    assert result.count("done") == 1 and result.count("invalid") + result.count("conflict") == threads - 1
    [ack], [reply] = stored(letter.id, "acknowledgement"), stored(letter.id, "answer")
    assert ack.author_id == reply.author_id
    assert db.session.get(Letter, letter.id).proposal.status == "acknowledged"


@SCALE
@pytest.mark.app_config(SQLALCHEMY_ENGINE_OPTIONS=POOL)
def test_acknowledging_and_answering_at_once(app, threads):
    """Some acknowledge while others answer: one acknowledgement, at most one answer, and nothing else."""
    letter, responders = setting(threads * 2)
    actions = [acting(app, letter, uid, "acknowledge", acknowledge) for uid in responders[:threads]]
    actions += [acting(app, letter, uid, "answer", answer) for uid in responders[threads:]]
    result = race(actions)
    assert result.errors == [], "\n".join(result.errors)
    acks, answers = stored(letter.id, "acknowledgement"), stored(letter.id, "answer")
    assert len(acks) == 1 and len(answers) <= 1
    # An answer that won the race did the acknowledgement itself: one success for both rows.
    answered_by_another = bool(answers) and answers[0].author_id != acks[0].author_id
    assert result.count("done") == 1 + answered_by_another
    assert result.count("done") + result.count("invalid") + result.count("conflict") == threads * 2
    letter = db.session.get(Letter, letter.id)
    assert letter.proposal.status == "acknowledged"
    assert (letter.answered_at is None) == (not answers)


@pytest.mark.parametrize("step, data", [
    ("acknowledge", {"registry_number": "77", "body": "", "language": "ar"}),
    ("answer", {"decision": "accepted", "body": "سننفذ", "referred_to": "", "language": "ar"}),
], ids=["acknowledge", "answer"])
@SCALE
@pytest.mark.app_config(SQLALCHEMY_ENGINE_OPTIONS=POOL)
def test_posting_at_once_through_the_endpoint(app, threads, step, data):
    letter, responders = setting(threads)
    if step == "answer":
        responses.acknowledge(db.session.get(User, responders[0]), letter)
        db.session.commit()
    result = race([posting(app, letter, uid, step, data) for uid in responders])
    assert result.errors == [], "\n".join(result.errors)
    assert set(result.outcomes) <= HTTP_OK and result.count(303) == 1, result.outcomes
    kind = "acknowledgement" if step == "acknowledge" else "answer"
    assert len(stored(letter.id, kind)) == 1
    assert db.session.get(Letter, letter.id).proposal.status == "acknowledged"
