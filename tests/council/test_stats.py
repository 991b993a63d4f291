"""Accountability figures, the overdue list and the council inbox (council/stats.py), and the bounded number of
queries of the inbox and accountability pages."""
from datetime import date, datetime, timedelta, timezone
from itertools import count

import pytest
from sqlalchemy import insert

from civicvoice.communities.models import Community
from civicvoice.council import stats
from civicvoice.letters.models import Letter
from civicvoice.proposals.models import Proposal
from tests.factories import make_adopted, make_community, make_council, make_letter, make_sent_letter, make_staff

TODAY = date(2026, 6, 1)
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


def sent(community, council, *, status="submitted", sent_days=0, ack_days=None, answer_days=None, decision=None,
         due_days=10, category="facility_repair"):
    """A letter of `community` sent to `council`, then put directly in the state the figures read: the demand's
    status, the times (in days after T0) and the deadline (in days after TODAY; negative: overdue)."""
    letter = make_sent_letter(make_adopted(community, council=council, category=category))
    letter.sent_at = T0 + timedelta(days=sent_days)
    letter.acknowledged_at = None if ack_days is None else T0 + timedelta(days=ack_days)
    letter.answered_at = None if answer_days is None else T0 + timedelta(days=answer_days)
    letter.answer_decision = decision
    letter.response_due_on = TODAY + timedelta(days=due_days)
    letter.proposal.status = status
    return letter


@pytest.fixture
def scene(app, db):
    """Council K receives six letters from communities A and B; council L one from A; A has a draft to K."""
    a, b = make_community(name="أ حي الميدان"), make_community(name="ب حي الشاغور")
    k, other = make_council(contact_email="k@example.org"), make_council(contact_email="l@example.org")
    letters = {
        # answered in 10 days (acknowledged in 2), accepted, repaired
        "a1": sent(a, k, status="resolved", sent_days=0, ack_days=2, answer_days=10, decision="accepted"),
        # answered in 6 days (acknowledged in 4), declined
        "a2": sent(a, k, status="declined", sent_days=1, ack_days=5, answer_days=7, decision="declined",
                   category="water_sanitation"),
        # acknowledged in 1.5 days, never answered, five days overdue
        "a3": sent(a, k, status="acknowledged", sent_days=2, ack_days=3.5, due_days=-5),
        # not acknowledged, due today: not overdue
        "a4": sent(a, k, sent_days=3, due_days=0, category="water_sanitation"),
        # not acknowledged: ten and seven days overdue
        "b1": sent(b, k, sent_days=4, due_days=-10),
        "b2": sent(b, k, status="in_progress", sent_days=5, ack_days=8, due_days=-7),
        # to council L: acknowledged and answered (partial) in 3 days
        "l1": sent(a, other, status="acknowledged", sent_days=6, ack_days=9, answer_days=9, decision="partial",
                   due_days=-20),
    }
    draft = make_letter(make_adopted(a, council=k))
    db.session.commit()
    return {"A": a, "B": b, "K": k, "L": other, "letters": letters, "draft": draft}


def ids(items) -> list[int]:
    return [item.id for item in items]


def inbox(db, scene, **filters) -> list[int]:
    return ids(db.session.scalars(stats.inbox(scene["K"].id, today=TODAY, **filters)).unique())


def named(scene, *names) -> list[int]:
    return [scene["letters"][name].id for name in names]


# Figures ------------------------------------------------------------------------------------------

def test_figures_of_a_council(db, scene):
    figures = stats.figures(TODAY, council_id=scene["K"].id)
    assert figures == stats.Figures(received=6, acknowledged=4, answered=2, resolved=1, declined=1, overdue=3,
                                    median_days_to_acknowledge=2.5, median_days_to_answer=8.0,
                                    decisions={"accepted": 1, "declined": 1})


def test_figures_of_a_community_count_every_council_it_wrote_to(db, scene):
    figures = stats.figures(TODAY, community_id=scene["A"].id)
    # a1, a2, a3, a4 to K and l1 to L; the draft is not counted.
    assert (figures.received, figures.acknowledged, figures.answered) == (5, 4, 3)
    assert (figures.resolved, figures.declined, figures.overdue) == (1, 1, 1)
    assert figures.median_days_to_acknowledge == 2.5  # 2, 4, 1.5, 3
    assert figures.median_days_to_answer == 6.0  # 10, 6, 3
    assert figures.decisions == {"accepted": 1, "declined": 1, "partial": 1}


def test_figures_of_a_community_with_one_council(db, scene):
    figures = stats.figures(TODAY, council_id=scene["K"].id, community_id=scene["B"].id)
    assert (figures.received, figures.acknowledged, figures.answered, figures.overdue) == (2, 1, 0, 2)
    assert figures.median_days_to_acknowledge == 3.0 and figures.median_days_to_answer is None
    assert figures.decisions == {}


def test_figures_with_no_letters(app, db):
    figures = stats.figures(TODAY, council_id=make_council().id)
    assert figures == stats.Figures(0, 0, 0, 0, 0, 0, None, None, {})


def test_overdue_moves_with_today(db, scene):
    k = scene["K"].id
    assert stats.figures(TODAY - timedelta(days=6), council_id=k).overdue == 2  # a3 not yet overdue
    assert stats.figures(TODAY + timedelta(days=1), council_id=k).overdue == 4  # a4 due yesterday


# The overdue list ---------------------------------------------------------------------------------

def test_overdue_list_longest_overdue_first(db, scene):
    assert ids(stats.overdue(TODAY, council_id=scene["K"].id)) == named(scene, "b1", "b2", "a3")
    assert ids(stats.overdue(TODAY, council_id=scene["K"].id, limit=2)) == named(scene, "b1", "b2")


def test_overdue_list_of_a_community(db, scene):
    # l1 is answered: never overdue, however old its deadline.
    assert ids(stats.overdue(TODAY, community_id=scene["A"].id)) == named(scene, "a3")
    assert ids(stats.overdue(TODAY, community_id=scene["B"].id)) == named(scene, "b1", "b2")


def test_overdue_list_loads_demand_and_community(db, scene):
    letters = stats.overdue(TODAY, council_id=scene["K"].id)
    db.session.expunge_all()  # nothing left to lazy-load from
    assert [letter.community.name for letter in letters] == ["ب حي الشاغور", "ب حي الشاغور", "أ حي الميدان"]
    assert all(letter.proposal.title for letter in letters)


# The inbox ----------------------------------------------------------------------------------------

def test_inbox_lists_sent_letters_to_the_council_newest_first(db, scene):
    assert inbox(db, scene) == named(scene, "b2", "b1", "a4", "a3", "a2", "a1")
    assert scene["draft"].id not in inbox(db, scene)


def test_inbox_filters_by_community(db, scene):
    assert inbox(db, scene, community_id=scene["B"].id) == named(scene, "b2", "b1")
    assert inbox(db, scene, community_id=scene["A"].id) == named(scene, "a4", "a3", "a2", "a1")


def test_inbox_filters_by_category(db, scene):
    assert inbox(db, scene, category="water_sanitation") == named(scene, "a4", "a2")


@pytest.mark.parametrize("status, expected", [
    ("overdue", ("b2", "b1", "a3")), ("submitted", ("b1", "a4")), ("acknowledged", ("a3",)),
    ("in_progress", ("b2",)), ("resolved", ("a1",)), ("declined", ("a2",)),
    ("", ("b2", "b1", "a4", "a3", "a2", "a1")), ("bogus", ("b2", "b1", "a4", "a3", "a2", "a1")),
])
def test_inbox_filters_by_status(db, scene, status, expected):
    assert inbox(db, scene, status=status) == named(scene, *expected)


def test_inbox_filters_combine(db, scene):
    assert inbox(db, scene, community_id=scene["A"].id, status="overdue") == named(scene, "a3")
    assert inbox(db, scene, community_id=scene["B"].id, category="water_sanitation") == []


def test_inbox_communities_are_those_that_wrote_to_the_council(db, scene):
    assert ids(stats.inbox_communities(scene["K"].id)) == [scene["A"].id, scene["B"].id]
    assert ids(stats.inbox_communities(scene["L"].id)) == [scene["A"].id]


def test_inbox_page_filters_through_the_query_string(db, scene, client, login_as):
    login_as(make_staff(scene["K"], role="viewer"))
    page = client.get(f"/councils/{scene['K'].id}/inbox?community={scene['B'].id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    titles = {name: letter.proposal.title for name, letter in scene["letters"].items()}
    assert titles["b1"] in html and titles["b2"] in html and titles["a1"] not in html


# Bounded queries ----------------------------------------------------------------------------------

_bulk = count(1)
STATUSES = ("submitted", "acknowledged", "in_progress", "resolved", "declined")
DECISIONS = {"submitted": None, "acknowledged": "referred", "in_progress": "accepted", "resolved": "partial",
             "declined": "declined"}


def bulk_communities(db, n) -> list[int]:
    """`n` communities in one statement."""
    batch = next(_bulk)
    return db.session.scalars(insert(Community).returning(Community.id, sort_by_parameter_order=True), [
        {"slug": f"bulk-{batch}-{i}", "code": f"B{batch}X{i}", "name": f"حي {batch}-{i}"} for i in range(n)]).all()


def bulk_letters(db, council, community_ids, n):
    """`n` demands sent to `council` as letters, inserted in two statements (the services would take minutes);
    consecutive letters come from different communities, so that a page lazy-loading them would show."""
    batch, now = next(_bulk), datetime.now(timezone.utc)
    rows = []
    for i in range(n):
        status = STATUSES[i % len(STATUSES)]
        rows.append({"community_id": community_ids[i % len(community_ids)], "council_id": council.id,
                     "status": status, "title": f"مطلب {batch}-{i}", "title_key": f"bulk {batch} {i}",
                     "category": "facility_repair" if i % 2 else "electricity", "signature_goal": 10,
                     "signature_count": 0, "online_count": 0, "paper_count": 0, "last_activity_at": now,
                     "published_at": now, "submitted_at": now, "created_at": now})
    proposal_ids = db.session.scalars(insert(Proposal).returning(Proposal.id, sort_by_parameter_order=True),
                                      rows).all()
    letters = []
    for i, (proposal_id, row) in enumerate(zip(proposal_ids, rows, strict=True)):
        sent_at = now - timedelta(days=40, minutes=i)
        decision = DECISIONS[row["status"]]
        letters.append({"proposal_id": proposal_id, "community_id": row["community_id"], "council_id": council.id,
                        "year": 2026, "sequence": batch * 10000 + i, "reference": f"B{batch}/2026/{i:04d}",
                        "status": "sent", "method": "email", "sent_at": sent_at,
                        "response_due_on": (now + timedelta(days=(i % 30) - 15)).date(),
                        "acknowledged_at": sent_at + timedelta(days=2) if row["status"] != "submitted" else None,
                        "answered_at": sent_at + timedelta(days=5) if decision else None,
                        "answer_decision": decision, "created_at": sent_at})
    db.session.execute(insert(Letter), letters)
    db.session.commit()


def queries(client, count_queries, path) -> int:
    with count_queries() as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(statements)


@pytest.mark.parametrize("path", ["/councils/{id}/inbox", "/councils/{id}/inbox?status=overdue",
                                  "/councils/{id}/accountability"])
def test_council_pages_run_the_same_queries_for_10_and_1000_letters(app, db, client, login_as, count_queries,
                                                                    path):
    council = make_council()
    communities = bulk_communities(db, 60)
    login_as(make_staff(council, role="viewer"))
    url = path.format(id=council.id)
    bulk_letters(db, council, communities, 10)
    few = queries(client, count_queries, url)
    bulk_letters(db, council, communities, 990)
    many = queries(client, count_queries, url)
    assert few == many, (few, many)
    assert many <= 15


def test_the_inbox_shows_fifty_letters_a_page_of_the_thousand(app, db, client, login_as):
    council = make_council()
    login_as(make_staff(council, role="viewer"))
    bulk_letters(db, council, bulk_communities(db, 3), 1000)
    html = client.get(f"/councils/{council.id}/inbox").get_data(as_text=True)
    assert html.count(f"/councils/{council.id}/letters/") == 50
    assert client.get(f"/councils/{council.id}/inbox?page=20").status_code == 200
    figures = stats.figures(date.today(), council_id=council.id)
    assert (figures.received, figures.answered) == (1000, 800)


def test_the_community_accountability_page_is_bounded_too(app, db, client, count_queries):
    council, community = make_council(), make_community()
    bulk_letters(db, council, [community.id], 10)
    few = queries(client, count_queries, f"/communities/{community.slug}/accountability")
    bulk_letters(db, council, [community.id], 990)
    assert queries(client, count_queries, f"/communities/{community.slug}/accountability") == few
