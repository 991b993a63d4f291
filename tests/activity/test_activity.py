from sqlalchemy import select

from civicvoice import activity
from civicvoice.activity import services
from civicvoice.activity.models import Event, Notification
from tests.factories import make_committee, make_community, make_member, make_pending, make_user


def test_record_stores_actor_verb_subject_community_and_data(app, db):
    community = make_community()
    user = make_user()
    event = activity.record(user, "test.happened", community, community, detail="x")
    assert (event.actor_id, event.verb, event.subject_type, event.subject_id, event.community_id, event.data) == (
        user.id, "test.happened", "communities", community.id, community.id, {"detail": "x"})


def test_notify_skips_the_actor_and_duplicates(app, db):
    community = make_community()
    actor, other = make_user(), make_user()
    event = activity.record(actor, "test.happened", community, community)
    assert activity.notify(event, [actor, other, other, None]) == 1
    assert db.session.scalars(select(Notification.recipient_id)).all() == [other.id]


def test_timeline_reads_events_of_a_subject_in_order(app, db):
    community = make_community()
    make_member(community)
    verbs = [e.verb for e in db.session.scalars(services.timeline("communities", community.id))]
    assert verbs == ["community.created"]


def test_notifications_page_lists_unread_and_marks_read(client, login_as, db):
    community = make_community(name="قرية عين الفيجة", is_open=False)
    chair = make_committee(community)
    make_pending(community, make_user(name="ليلى"))
    login_as(chair)
    home = client.get("/").get_data(as_text=True)
    assert 'class="badge"' in home
    page = client.get("/notifications").get_data(as_text=True)
    assert "<bdi>ليلى</bdi>" in page and "<bdi>قرية عين الفيجة</bdi>" in page
    assert 'class="unread"' in page
    assert client.post("/notifications/read").status_code == 303
    assert services.unread_count(chair) == 0
    assert 'class="badge"' not in client.get("/").get_data(as_text=True)


def test_notification_text_follows_the_readers_language(client, login_as):
    community = make_community(name="Al-Midan", is_open=False)
    chair = make_committee(community, make_user(locale="en"))
    make_pending(community, make_user(name="Layla"))
    login_as(chair)
    assert "asked to join" in client.get("/notifications").get_data(as_text=True)


def test_notifications_page_is_private_and_paginated(client, login_as, app, db):
    assert client.get("/notifications").status_code == 302
    user = make_user()
    community = make_community()
    for _ in range(app.config["PER_PAGE"] + 1):
        event = activity.record(None, "membership.approved", community, community, community_name="x")
        activity.notify(event, [user])
    db.session.commit()
    login_as(user)
    assert 'rel="next"' in client.get("/notifications").get_data(as_text=True)


def test_notifications_page_has_constant_queries(client, login_as, count_queries, db):
    user = make_user()
    community = make_community()
    login_as(user)

    def add(n):
        for _ in range(n):
            activity.notify(activity.record(make_user(), "membership.approved", community, community,
                                            community_name="x"), [user])
        db.session.commit()

    add(2)
    with count_queries() as few:
        client.get("/notifications")
    add(10)
    with count_queries() as many:
        client.get("/notifications")
    assert len(many) == len(few)


def test_every_service_call_records_an_event(app, db):
    community = make_community()
    make_committee(community)
    make_member(community)
    verbs = set(db.session.scalars(select(Event.verb)))
    assert {"account.created", "community.created", "committee.appointed", "membership.joined"} <= verbs
