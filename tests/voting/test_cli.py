"""`flask votes close-due`: what cron (or the RQ scheduler) runs so votes close even if nobody visits."""
from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import func, select

from civicvoice.activity.models import Event
from civicvoice.extensions import db
from civicvoice.voting import services
from civicvoice.voting.models import Poll
from tests.factories import committee_member, make_priority_ballot, make_vote


def close_due(app):
    result = app.test_cli_runner().invoke(args=["votes", "close-due"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()  # the command ran in its own app context and session
    return result.output.strip()


def closed_events(poll) -> int:
    return db.session.scalar(select(func.count(Event.id)).where(
        Event.verb == "poll.closed", Event.subject_type == "polls", Event.subject_id == poll.id))


def status(poll) -> str:
    return db.session.get(Poll, poll.id).status


def test_nothing_due_closes_nothing(app):
    poll = make_vote(days=1)
    assert close_due(app) == "0 vote(s) closed."
    assert status(poll) == "open"


def test_closes_the_votes_whose_time_is_over_and_only_those(app):
    due = make_vote(voters=1, days=1)
    later = make_vote(voters=1, days=3)
    early = make_vote(voters=1, days=1)
    services.close(committee_member(early.community), early, "أُغلق باكراً")
    db.session.commit()
    with freeze_time(due.closes_at + timedelta(hours=1)):
        assert close_due(app) == "1 vote(s) closed."
    assert (status(due), status(later), status(early)) == ("closed", "open", "closed")
    assert closed_events(early) == 1
    stored = db.session.get(Poll, due.id)
    assert stored.closed_by_id is None and stored.close_reason == ""


def test_prints_how_many_it_closed(app):
    polls = [make_vote(days=1), make_vote(days=2), make_priority_ballot(days=1)]
    with freeze_time(polls[1].closes_at + timedelta(minutes=1)):
        assert close_due(app) == "3 vote(s) closed."
    assert {status(poll) for poll in polls} == {"closed"}


def test_running_it_again_closes_nothing_more(app):
    poll = make_vote(voters=2, days=1)
    with freeze_time(poll.closes_at + timedelta(minutes=1)):
        assert close_due(app) == "1 vote(s) closed."
        assert close_due(app) == "0 vote(s) closed."
    assert closed_events(poll) == 1
    assert db.session.scalar(select(func.count(Event.id)).where(
        Event.verb.in_(["proposal.adopt", "proposal.not_adopt"]), Event.subject_type == "proposals",
        Event.subject_id == poll.proposal_id)) == 1


def test_closing_by_command_counts_and_decides_the_demand(app):
    poll = make_vote(voters=2, days=1)
    chair = committee_member(poll.community)
    for user in [u for u in services.electors(poll) if u.id != chair.id][:2]:
        services.cast(user, poll, "yes")
    db.session.commit()
    with freeze_time(poll.closes_at + timedelta(minutes=1)):
        close_due(app)
    stored = db.session.get(Poll, poll.id)
    assert stored.result["yes"] == 2 and stored.result["adopted"] is True
    assert stored.proposal.status == "adopted"
