"""The committee's dashboard: each block shows what waits, and the page costs the same number of queries whatever
the community's size."""
from datetime import timedelta

import pytest

from civicvoice.dashboard import charts, services
from civicvoice.database import utcnow
from civicvoice.extensions import db as _db
from tests.factories import (
    committee_member,
    item,
    make_adopted,
    make_argument,
    make_community,
    make_goal_reached,
    make_letter,
    make_member,
    make_pending,
    make_proposal,
    make_report,
    make_sent_letter,
    make_signature,
    make_user,
)
from tests.pages import plain, text_of


def _page(client, login_as, community, user=None):
    login_as(user or committee_member(community))
    return client.get(f"/communities/{community.slug}/dashboard")


def test_only_the_committee_and_site_admins_see_it(app, db, client, login_as):
    community = make_community()
    assert client.get(f"/communities/{community.slug}/dashboard").status_code == 302
    login_as(make_member(community))
    assert client.get(f"/communities/{community.slug}/dashboard").status_code == 403
    other = make_community()
    login_as(committee_member(other))
    assert client.get(f"/communities/{community.slug}/dashboard").status_code == 403
    assert _page(client, login_as, community).status_code == 200


def test_it_lists_what_waits_for_the_committee(app, db, client, login_as):
    community = make_community(is_open=False)
    in_review = make_proposal(community, status="in_review", title="مسودة تنتظر")
    in_review.submitted_at = utcnow() - timedelta(days=20)
    ready = make_goal_reached(make_proposal(community, status="open", title="بلغ الهدف"))
    letter = make_letter(make_adopted(community, title="كتاب ينتظر"))
    make_pending(community, make_user(name="طالب انضمام"))
    member = make_member(community, make_user(name="يريد التحقق"))
    from civicvoice.communities import services as communities

    communities.request_verification(member, community, "يوم الخميس")
    make_report(item("argument", make_argument(ready)))
    db.session.commit()
    html = plain(text_of(_page(client, login_as, community)))
    for words in ("مسودة تنتظر", "بلغ الهدف", "كتاب ينتظر", "طالب انضمام", "يريد التحقق", "يوم الخميس"):
        assert words in html, words
    assert letter.reference in html


def test_overdue_council_answers_are_listed_with_their_days(app, db, client, login_as):
    letter = make_sent_letter()
    letter.response_due_on = letter.sent_at.date() - timedelta(days=5)
    db.session.commit()
    overdue = services.overdue_answers(letter.community, letter.sent_at.date())
    assert [(found.id, days) for found, days in overdue] == [(letter.id, 5)]


def test_signatures_per_week_are_counted_for_twelve_weeks(app, db):
    proposal = make_proposal(status="open")
    for days_ago in (1, 2, 8, 100):
        signature = make_signature(proposal)
        signature.confirmed_at = utcnow() - timedelta(days=days_ago)
    db.session.commit()
    weeks = services.signatures_per_week(proposal.community, utcnow())
    assert len(weeks) == 12 and [w.signatures for w in weeks][-2:] == [1, 2] and sum(w.signatures for w in weeks) == 3


def test_the_chart_mirrors_in_arabic():
    ltr = charts.columns([("a", 1), ("b", 2)], rtl=False)["columns"]
    rtl = charts.columns([("a", 1), ("b", 2)], rtl=True)["columns"]
    assert ltr[0].x < ltr[1].x and rtl[0].x > rtl[1].x
    assert rtl[1].height == charts.HEIGHT and rtl[0].height == charts.HEIGHT / 2


def test_the_turnout_of_recent_votes(app, db):
    from civicvoice.voting import services as voting
    from tests.factories import make_vote

    poll = make_vote(voters=3)
    electors = voting.electors(poll)
    voting.cast(electors[0], poll, "yes")
    voting.close(committee_member(poll.community), poll, "انتهى")
    db.session.commit()
    [(found, share)] = services.recent_turnouts(poll.community)
    assert found.id == poll.id and share == pytest.approx(1 / len(electors))


def test_the_dashboard_costs_the_same_queries_with_more_to_show(app, db, client, login_as, count_queries):
    community = make_community(is_open=False)
    chair = committee_member(community)

    def add():
        make_proposal(community, status="in_review")
        make_goal_reached(make_proposal(community, status="open"))
        make_pending(community)
        make_report(item("argument", make_argument(make_proposal(community, status="open"))))
        make_letter(make_adopted(community))

    add()
    login_as(chair)
    url = f"/communities/{community.slug}/dashboard"
    with count_queries() as few:
        assert client.get(url).status_code == 200
    for _ in range(4):
        add()
    _db.session.commit()
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_demands_ready_for_a_vote_show_the_longest_waiting_and_how_many_in_all(app, db, client, login_as):
    community = make_community()
    reached = []
    for n in range(services.SHOWN + 2):
        proposal = make_goal_reached(make_proposal(community, status="open", title=f"مطلب {n}"))
        proposal.goal_reached_at = utcnow() - timedelta(days=30 - n)
        reached.append(proposal)
    db.session.commit()
    shown, total = services.ready_for_a_vote(community)
    assert total == services.SHOWN + 2
    assert [p.id for p in shown] == [p.id for p in reached[:services.SHOWN]]
    html = plain(text_of(_page(client, login_as, community)))
    assert "مطلب 11" not in html and "مطلب 0" in html
    assert "ومطلبان آخران" in html and "١٢" in html  # the badge counts them all


def test_weeks_are_labelled_with_their_first_day_in_the_community(app, db):
    from datetime import datetime, timezone

    community = make_community()
    community.timezone = "Asia/Damascus"  # UTC+3: 22:30 UTC is already the next day there
    db.session.commit()
    weeks = services.signatures_per_week(community, datetime(2026, 3, 10, 22, 30, tzinfo=timezone.utc))
    assert weeks[-1].starts.isoformat() == "2026-03-04"
