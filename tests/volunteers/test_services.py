"""The rules of volunteering, through the services: profiles, offers and the letter, opportunities and their
candidates, sign-ups within capacity, hours, feedback, reminders, and what each one tells whom."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from civicvoice.activity.models import Event, Notification
from civicvoice.database import utcnow
from civicvoice.errors import Conflict, InvalidInput, InvalidTransition, NotAllowed
from civicvoice.extensions import db
from civicvoice.letters import services as letters
from civicvoice.volunteers import candidates, opportunities, profiles, signups
from civicvoice.volunteers import feedback as volunteer_feedback
from civicvoice.volunteers import hours as volunteer_hours
from civicvoice.volunteers import offers as volunteer_offers
from civicvoice.volunteers.models import Opportunity, Signup
from tests.factories import (
    committee_member,
    make_centre,
    make_community,
    make_member,
    make_opportunity,
    make_partner,
    make_profile,
    make_proposal,
    make_signup,
    make_user,
    skill_ids,
)

FRIDAY, MORNING = 4, 0


@pytest.fixture
def community(app):
    community = make_community()
    make_centre(community, name="منارة الميدان")
    return community


def notified(user, verb=None) -> list[str]:
    query = select(Event.verb).join(Notification, Notification.event_id == Event.id).where(
        Notification.recipient_id == user.id)
    verbs = list(db.session.scalars(query.order_by(Event.id)))
    return [v for v in verbs if (verb is None and v.startswith(("opportunity.", "volunteer."))) or v == verb]


def places(opportunity) -> int:
    db.session.commit()
    return db.session.scalar(select(Opportunity.places_taken).where(Opportunity.id == opportunity.id))


# Profiles --------------------------------------------------------------------------------------------

def test_a_profile_keeps_skills_interests_availability_centres_and_visibility(community):
    centre = community.centres[0]
    profile = make_profile(community=community, skills=("plumbing", "first_aid"), interests=("health",),
                           days=(FRIDAY,), times=(MORNING,), centres=(centre,), visibility="members",
                           tags=("نجارة",))
    assert [s.key for s in profile.skills] == ["first_aid", "plumbing"]
    assert (profile.interest_keys, profile.days, profile.times) == (["health"], 1 << FRIDAY, 1)
    assert ([c.id for c in profile.centres], profile.visibility, profile.tags) == ([centre.id], "members", ["نجارة"])


def test_saving_again_replaces_the_profile(community):
    profile = make_profile(community=community, skills=("plumbing",))
    profiles.save_profile(profile.user, skill_ids=skill_ids("driving"), visibility="committee")
    db.session.commit()
    assert [s.key for s in profiles.profile_of(profile.user).skills] == ["driving"]


@pytest.mark.parametrize("bad", [{"visibility": "everyone"}, {"interests": ["nothing"]}, {"days": 128},
                                 {"skill_ids": [999999]}])
def test_profile_choices_outside_the_lists_are_refused(community, bad):
    user = make_member(community)
    with pytest.raises(InvalidInput):
        profiles.save_profile(user, **bad)


def test_preferred_centres_come_from_the_persons_communities(community):
    elsewhere = make_centre(make_community())
    with pytest.raises(InvalidInput):
        profiles.save_profile(make_member(community), centre_ids=[elsewhere.id])


def test_free_tags_are_trimmed_deduplicated_and_limited():
    assert profiles.parse_tags(" نجارة، دهان , نجارة ,,") == ["نجارة", "دهان"]
    with pytest.raises(InvalidInput):
        profiles.parse_tags(",".join(f"t{n}" for n in range(11)))


# Offers of help and the letter --------------------------------------------------------------------------

def test_offers_add_up_and_tell_the_authors(community):
    proposal = make_proposal(community, status="open")
    people = [make_member(community) for _ in range(3)]
    volunteer_offers.offer_help(people[0], proposal, kind="time", hours=4, detail="4 ساعات أيام الجمعة")
    volunteer_offers.offer_help(people[0], proposal, kind="skill", skill_id=skill_ids("plumbing")[0], detail="أصلح المضخة")
    volunteer_offers.offer_help(people[1], proposal, kind="time", hours=26, detail="أسبوع")
    volunteer_offers.offer_help(people[2], proposal, kind="resource", detail="10 كراسٍ")
    withdrawn = volunteer_offers.offer_help(people[2], proposal, kind="resource", detail="شاحنة")
    volunteer_offers.withdraw_offer(people[2], withdrawn)
    db.session.commit()
    assert volunteer_offers.offers_summary(proposal) == {"people": 3, "hours": 30, "skills": 1, "resources": 1, "offers": 4}
    assert notified(proposal.author) == ["volunteer.help_offered"] * 5


@pytest.mark.parametrize("kind, fields", [("time", {}), ("time", {"hours": 0}), ("gold", {}),
                                          ("resource", {"detail": "  "})])
def test_an_offer_says_what_it_offers(community, kind, fields):
    proposal = make_proposal(community, status="open")
    with pytest.raises(InvalidInput):
        volunteer_offers.offer_help(make_member(community), proposal, kind=kind, **{"detail": "x", **fields})


def test_help_is_offered_on_active_demands_only(community):
    proposal = make_proposal(community, status="in_review")
    with pytest.raises(InvalidTransition):
        volunteer_offers.offer_help(make_member(community), proposal, kind="resource", detail="كراسٍ")


def test_the_letter_mentions_the_offers_only_when_there_are_some(community):
    from tests.factories import make_adopted

    quiet = make_adopted(community)
    assert "offers" not in letters.evidence(quiet)
    helped = make_proposal(community, status="open")
    volunteer_offers.offer_help(make_member(community), helped, kind="time", hours=12, detail="يومان")
    volunteer_offers.offer_help(make_member(community), helped, kind="resource", detail="سلم")
    assert letters.evidence(helped)["offers"] == {"people": 2, "hours": 12, "skills": 0, "resources": 1}


def test_the_letter_says_the_community_will_contribute(app, community):
    from civicvoice.letters import document
    from tests.factories import make_adopted, make_letter

    proposal = make_adopted(community)
    volunteer_offers.offer_help(make_member(community), proposal, kind="time", hours=30, detail="شهر")
    db.session.commit()
    letter = make_letter(proposal, language="en")
    with app.test_request_context():
        page = document.html(letter, letter.current, for_pdf=False)
    assert "The community will contribute its own effort: 1 resident offered 30 hours of work." in page


@pytest.mark.parametrize("offers, english, arabic", [
    ({"people": 1, "hours": 1, "skills": 0, "resources": 0},
     "1 resident offered 1 hour of work.", "ساعة عمل واحدة، عرضها أحد السكان."),
    ({"people": 3, "hours": 0, "skills": 1, "resources": 2},
     "3 residents offered 1 skill and 2 resources.", "مهارة واحدة وموردان، عرضها ٣ من السكان."),
    ({"people": 12, "hours": 30, "skills": 3, "resources": 5},
     "12 residents offered 30 hours of work, 3 skills, and 5 resources.",
     "٣٠ ساعة عمل و٣ مهارات و٥ موارد، عرضها ١٢ من السكان."),
])
def test_the_letter_counts_each_kind_of_help_in_its_plural_and_leaves_out_what_nobody_offered(
        app, offers, english, arabic):
    from civicvoice.i18n import fixed_digits, force_locale
    from civicvoice.letters.document import community_effort

    with app.test_request_context(), fixed_digits(True):
        with force_locale("en"):
            assert community_effort(offers) == "The community will contribute its own effort: " + english
        with force_locale("ar"):
            assert community_effort(offers) == "سيسهم المجتمع بجهده الخاص: " + arabic


# Opportunities and matching -------------------------------------------------------------------------

def test_posting_tells_the_volunteers_it_matches_and_only_them(community):
    plumber = make_profile(community=community, skills=("plumbing",)).user
    teacher = make_profile(community=community, skills=("teaching",)).user
    outsider = make_profile(skills=("plumbing",)).user  # another community
    make_opportunity(community, skills=("plumbing",), category="health")
    assert notified(plumber) == ["opportunity.posted"]
    assert notified(teacher) == notified(outsider) == []


def test_a_partner_coordinator_who_posts_runs_the_opportunity(community):
    partner = make_partner(community)
    opportunity = make_opportunity(community, actor=partner)
    assert opportunity.coordinator_id == partner.id


def test_candidates_are_open_not_full_not_started_in_ones_communities_and_not_signed_up(community):
    profile = make_profile(community=community, skills=("plumbing",))
    user = profile.user
    good = make_opportunity(community, skills=("plumbing",), title="مفتوحة")
    full = make_opportunity(community, skills=("plumbing",), capacity=1, title="ممتلئة")
    make_signup(full)
    signed = make_opportunity(community, skills=("plumbing",), title="مسجّل")
    make_signup(signed, user)
    started = make_opportunity(community, skills=("plumbing",), starts_in_hours=-1, title="بدأت")
    closed = make_opportunity(community, skills=("plumbing",), title="مغلقة")
    opportunities.close(committee_member(community), closed)
    make_opportunity(make_community(), skills=("plumbing",), title="مجتمع آخر")
    make_opportunity(community, skills=("driving",), centre=False, title="لا شيء مشترك")
    db.session.commit()
    assert {f.id for f in candidates.opportunity_candidates(profile)} == {good.id}
    assert started.id not in [m.id for m in candidates.suggestions(user)]


def test_suggestions_rank_with_reasons(community):
    centre = community.centres[0]
    profile = make_profile(community=community, skills=("plumbing",), centres=(centre,))
    make_opportunity(community, skills=("teaching",), title="في المنارة")  # centre only: 2
    best = make_opportunity(community, skills=("plumbing",), title="سباكة")  # plumbing + centre: 5
    [first, second] = candidates.suggestions(profile.user)
    assert (first.id, first.score, first.reasons.skills, first.reasons.centre_id) == (best.id, 5, ("plumbing",),
                                                                                       centre.id)
    assert second.score == 2


def test_suggested_volunteers_respect_the_profiles_visibility(community):
    partner = make_partner(community)
    opportunity = make_opportunity(community, actor=partner, skills=("building",))
    private = make_profile(community=community, skills=("building",), visibility="committee").user
    open_ = make_profile(community=community, skills=("building",), visibility="members").user
    chair = committee_member(community)
    assert {m.id for m in candidates.suggested_volunteers(chair, opportunity)} == {private.id, open_.id}
    assert {m.id for m in candidates.suggested_volunteers(partner, opportunity)} == {open_.id}


def test_a_dated_opportunity_takes_its_day_and_time_of_day_in_the_community_zone(community):
    from datetime import datetime, timezone

    # Friday 4 Dec 2026, 07:00 UTC is 10:00 in Damascus (UTC+3): a Friday morning.
    fields = opportunities._fields(None, community, title="يوم عمل", starts_at=datetime(2026, 12, 4, 7, tzinfo=timezone.utc),
                              check_date=False)
    assert (fields["days"], fields["times"]) == (1 << FRIDAY, 1 << MORNING)


def test_an_opportunity_in_the_past_is_refused(community):
    with pytest.raises(InvalidInput):
        opportunities.post(committee_member(community), community, title="أمس", starts_at=utcnow() - timedelta(hours=1))


def test_a_proposal_waits_for_approval_and_its_author_hears_the_decision(community):
    author, chair = make_member(community), committee_member(community)
    proposed = make_opportunity(community, actor=author, status="proposed")
    assert (proposed.status, notified(chair)) == ("proposed", ["opportunity.proposed"])
    opportunities.approve(chair, proposed)
    refused = make_opportunity(community, actor=author, status="proposed", title="أخرى")
    opportunities.reject(chair, refused, "لا يوجد مكان")
    assert (proposed.status, refused.status) == ("open", "rejected")
    assert notified(author) == ["opportunity.approved", "opportunity.rejected"]


def test_the_capacity_never_drops_below_the_places_taken(community):
    opportunity = make_opportunity(community, capacity=3)
    make_signup(opportunity), make_signup(opportunity)
    chair = committee_member(community)
    with pytest.raises(InvalidInput):
        opportunities.edit(chair, opportunity, title=opportunity.title, capacity=1,
                      starts_at=opportunity.starts_at, centre_id=opportunity.centre_id)


def test_changing_closing_and_cancelling_tell_those_signed_up(community):
    opportunity = make_opportunity(community, capacity=3)
    coming = make_signup(opportunity, status="confirmed").user
    invited = make_signup(opportunity, status="invited").user
    chair = committee_member(community)
    opportunities.edit(chair, opportunity, title="عنوان جديد", capacity=3, starts_at=opportunity.starts_at)
    opportunities.close(chair, opportunity)
    opportunities.cancel(chair, opportunity, "المنارة مغلقة")
    assert notified(coming)[-3:] == ["opportunity.changed", "opportunity.changed", "opportunity.cancelled"]
    assert notified(invited) == ["opportunity.invited", "opportunity.cancelled"]


# Sign-ups and capacity ----------------------------------------------------------------------------------

def test_signing_up_takes_a_place_and_tells_the_coordinators(community):
    partner = make_partner(community)
    opportunity = make_opportunity(community, capacity=2, coordinator=partner)
    signup = make_signup(opportunity)
    assert (signup.status, places(opportunity)) == ("pending", 1)
    assert notified(partner) == ["opportunity.signed_up"]
    assert notified(committee_member(community)) == ["opportunity.signed_up"]


def test_a_full_opportunity_refuses_one_more(community):
    opportunity = make_opportunity(community, capacity=1)
    make_signup(opportunity)
    with pytest.raises(signups.Full):
        signups.sign_up(make_member(community), opportunity)


def test_a_second_sign_up_of_the_same_person_is_refused(community):
    opportunity = make_opportunity(community)
    signup = make_signup(opportunity)
    with pytest.raises(signups.AlreadySignedUp):
        signups.sign_up(signup.user, opportunity)
    assert places(opportunity) == 1


def test_withdrawing_and_declining_free_the_place(community):
    opportunity = make_opportunity(community, capacity=2)
    make_signup(opportunity, status="withdrawn")
    declined = make_signup(opportunity, status="declined")
    assert places(opportunity) == 0
    assert notified(declined.user) == ["opportunity.signup_declined"]
    with pytest.raises(NotAllowed):
        signups.sign_up(declined.user, opportunity)


def test_a_withdrawn_volunteer_may_sign_up_again(community):
    opportunity = make_opportunity(community)
    signup = make_signup(opportunity, status="withdrawn")
    signups.sign_up(signup.user, opportunity)
    db.session.commit()
    assert (signup.status, places(opportunity)) == ("pending", 1)


def test_an_invited_volunteer_who_signs_up_is_confirmed(community):
    opportunity = make_opportunity(community)
    signup = make_signup(opportunity, status="invited")
    assert (places(opportunity), notified(signup.user)) == (0, ["opportunity.invited"])
    signups.sign_up(signup.user, opportunity)
    db.session.commit()
    assert (signup.status, places(opportunity)) == ("confirmed", 1)


def test_only_members_are_invited(community):
    with pytest.raises(InvalidInput):
        signups.invite(committee_member(community), make_opportunity(community), make_user())


def test_confirming_tells_the_volunteer(community):
    signup = make_signup(make_opportunity(community), status="confirmed")
    assert notified(signup.user) == ["opportunity.signup_confirmed"]


def test_the_unique_constraint_is_in_the_database(community):
    from sqlalchemy.exc import IntegrityError

    signup = make_signup(make_opportunity(community))
    db.session.add(Signup(opportunity_id=signup.opportunity_id, user_id=signup.user_id, status="pending"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("column, value", [("places_taken", 6), ("capacity", 0)])
def test_capacity_checks_are_in_the_database(community, column, value):
    from sqlalchemy import update
    from sqlalchemy.exc import IntegrityError

    opportunity = make_opportunity(community, capacity=5)
    with pytest.raises(IntegrityError):
        db.session.execute(update(Opportunity).where(Opportunity.id == opportunity.id).values(**{column: value}))
        db.session.flush()
    db.session.rollback()


# Hours, feedback and reminders ---------------------------------------------------------------------------

def test_hours_are_recorded_for_confirmed_volunteers_and_add_up(community):
    first = make_opportunity(community, starts_in_hours=-3, title="الأولى")
    second = make_opportunity(community, starts_in_hours=-2, title="الثانية")
    signup = make_signup(first, status="confirmed", hours=3)
    make_signup(second, signup.user, status="confirmed", hours=2.5)
    assert volunteer_hours.total_hours(signup.user) == 5.5
    assert notified(signup.user, "opportunity.hours_recorded") == ["opportunity.hours_recorded"] * 2
    pending = make_signup(first)
    with pytest.raises(InvalidInput):
        volunteer_hours.record_hours(committee_member(community), first, {pending.id: 2})


def test_hours_wait_for_the_activity_to_start(community):
    opportunity = make_opportunity(community)
    signup = make_signup(opportunity, status="confirmed")
    with pytest.raises(InvalidTransition):
        volunteer_hours.record_hours(committee_member(community), opportunity, {signup.id: 2})


@pytest.mark.parametrize("hours", [0, -1, 501])
def test_hours_must_be_positive_and_plausible(community, hours):
    opportunity = make_opportunity(community, starts_in_hours=-2)
    signup = make_signup(opportunity, status="confirmed")
    with pytest.raises(InvalidInput):
        volunteer_hours.record_hours(committee_member(community), opportunity, {signup.id: hours})


def test_hours_at_a_centre_this_year(community):
    centre = community.centres[0]
    opportunity = make_opportunity(community, starts_in_hours=-2)
    make_signup(opportunity, status="confirmed", hours=3)
    make_signup(opportunity, status="confirmed", hours=4)
    make_signup(make_opportunity(community, starts_in_hours=-2, centre=make_centre(community, name="أخرى")),
                status="confirmed", hours=10)
    year = utcnow().year
    assert (volunteer_hours.hours_at_centre(centre, year), volunteer_hours.hours_at_centre(centre, year - 1)) == (7, 0)


def test_feedback_once_told_to_coordinators_and_answered_to_the_volunteer(community):
    partner = make_partner(community)
    opportunity = make_opportunity(community, starts_in_hours=-2, coordinator=partner)
    signup = make_signup(opportunity, status="confirmed", hours=2)
    feedback = volunteer_feedback.give_feedback(signup.user, signup, rating=4, went_well="التنظيم", to_improve="الوقت")
    assert notified(partner)[-1] == "opportunity.feedback_given"
    with pytest.raises(Conflict):
        volunteer_feedback.give_feedback(signup.user, signup, rating=5)
    db.session.rollback()
    volunteer_feedback.answer_feedback(partner, db.session.merge(feedback), "شكراً، سنبدأ أبكر")
    assert notified(signup.user)[-1] == "opportunity.feedback_answered"
    assert volunteer_feedback.feedback_summary(opportunity) == {"count": 1, "average": 4.0,
                                                      "ratings": {5: 0, 4: 1, 3: 0, 2: 0, 1: 0}}
    [(centre, n, average)] = volunteer_feedback.feedback_by_centre(community)
    assert (centre.id, n, average) == (opportunity.centre_id, 1, 4.0)


@pytest.mark.parametrize("rating", [0, 6])
def test_a_rating_is_from_1_to_5(community, rating):
    signup = make_signup(make_opportunity(community, starts_in_hours=-1), status="confirmed")
    with pytest.raises(InvalidInput):
        volunteer_feedback.give_feedback(signup.user, signup, rating=rating)


def test_reminders_go_once_to_confirmed_volunteers_of_the_next_day(community):
    tomorrow = make_opportunity(community, starts_in_hours=20)
    confirmed = make_signup(tomorrow, status="confirmed")
    pending = make_signup(tomorrow)
    later = make_signup(make_opportunity(community, starts_in_hours=60, title="لاحقاً"), status="confirmed")
    assert signups.send_reminders() == 1
    assert signups.send_reminders() == 0  # idempotent: reminded_at is set
    db.session.commit()
    assert notified(confirmed.user, "opportunity.reminder") == ["opportunity.reminder"]
    assert notified(pending.user, "opportunity.reminder") == notified(later.user, "opportunity.reminder") == []
    assert confirmed.reminded_at is not None


def _edit_fields(opportunity, **changes) -> dict:
    """Every field of `opportunity` as the edit form sends them back, with `changes`."""
    return {"title": opportunity.title, "description": opportunity.description, "centre_id": opportunity.centre_id,
            "proposal_id": opportunity.proposal_id, "starts_at": opportunity.starts_at,
            "duration_minutes": opportunity.duration_minutes, "days": opportunity.days, "times": opportunity.times,
            "category": opportunity.category, "capacity": opportunity.capacity,
            "skill_ids": [skill.id for skill in opportunity.skills], "coordinator_id": opportunity.coordinator_id,
            **changes}


def test_moving_an_opportunity_reminds_its_volunteers_again_for_the_new_date(community):
    opportunity = make_opportunity(community, starts_in_hours=20)
    confirmed = make_signup(opportunity, status="confirmed")
    assert signups.send_reminders() == 1
    opportunities.edit(committee_member(community), opportunity, **_edit_fields(opportunity, title="موعد جديد"))
    db.session.commit()
    assert signups.send_reminders() == 0  # the same date: reminded already
    opportunities.edit(committee_member(community), opportunity,
                  **_edit_fields(opportunity, starts_at=opportunity.starts_at + timedelta(hours=2)))
    db.session.commit()
    assert signups.send_reminders() == 1
    db.session.commit()
    assert notified(confirmed.user, "opportunity.reminder") == ["opportunity.reminder"] * 2


def test_an_opportunity_stays_linked_to_its_demand_once_the_demand_is_no_longer_active(community):
    from tests.factories import advance_proposal

    demand = make_proposal(community, status="open")
    opportunity = make_opportunity(community, proposal=demand)
    advance_proposal(demand, "withdraw")
    db.session.commit()
    opportunities.edit(committee_member(community), opportunity, **_edit_fields(opportunity, capacity=8))
    db.session.commit()
    assert (opportunity.proposal_id, opportunity.capacity) == (demand.id, 8)
    other = make_proposal(community, status="open")
    advance_proposal(other, "withdraw")
    with pytest.raises(InvalidInput):  # but it is not linked anew to a demand no longer active
        opportunities.edit(committee_member(community), opportunity, **_edit_fields(opportunity, proposal_id=other.id))


def test_a_partner_coordinator_runs_their_own_opportunities_only(community):
    partner, other = make_partner(community), make_partner(community)
    with pytest.raises(InvalidInput):
        make_opportunity(community, actor=partner, coordinator=other)
    opportunity = make_opportunity(community, actor=partner)
    assert opportunity.coordinator_id == partner.id
    with pytest.raises(InvalidInput):
        opportunities.edit(partner, opportunity, **_edit_fields(opportunity, coordinator_id=other.id))
    opportunities.edit(committee_member(community), opportunity, **_edit_fields(opportunity, coordinator_id=other.id))
    assert opportunity.coordinator_id == other.id  # the committee may hand it over


def test_removing_a_partner_gives_their_opportunities_back_to_the_committee(community):
    partner = make_partner(community)
    opportunity = make_opportunity(community, actor=partner)
    [coordinator] = opportunities.coordinators(community)
    opportunities.remove_coordinator(committee_member(community), coordinator)
    db.session.commit()
    db.session.refresh(opportunity)
    assert opportunity.coordinator_id is None and opportunities.coordinators(community) == []


def test_every_volunteering_verb_is_one_the_notification_preferences_know():
    """The colleague's preferences map these verbs; nothing else with their prefixes is notified."""
    import re
    from pathlib import Path

    known = {"opportunity.posted", "opportunity.invited", "opportunity.signed_up", "opportunity.signup_confirmed",
             "opportunity.signup_declined", "opportunity.reminder", "opportunity.changed", "opportunity.cancelled",
             "opportunity.hours_recorded", "opportunity.proposed", "opportunity.approved", "opportunity.rejected",
             "opportunity.feedback_given", "opportunity.feedback_answered", "volunteer.help_offered"}
    source = "".join(Path(module.__file__).read_text() for module in (
        candidates, volunteer_feedback, volunteer_hours, volunteer_offers, opportunities, profiles, signups))
    used = set(re.findall(r'"((?:opportunity|volunteer)\.[a-z_]+)"', source))
    assert used == known


def test_a_skill_key_is_unique_and_plain(app, db):
    admin = make_user(admin=True)
    profiles.add_skill(admin, key="Carpentry", name_ar="النجارة", name_en="Carpentry")
    with pytest.raises(InvalidInput):
        profiles.add_skill(admin, key="carpentry", name_ar="نجارة", name_en="Carpentry")
    with pytest.raises(InvalidInput):
        profiles.add_skill(admin, key="نجارة", name_ar="نجارة", name_en="x")
    assert [s.key for s in profiles.skills()].count("carpentry") == 1


def test_leaving_a_community_frees_ones_places_there_and_keeps_the_hours(community):
    from civicvoice.communities import services as communities

    centre = community.centres[0]
    profile = make_profile(community=community, skills=("plumbing",), centres=(centre,))
    coming = make_opportunity(community, capacity=2)
    make_signup(coming, profile.user, status="confirmed")
    done = make_opportunity(community, starts_in_hours=-3, title="مضت")
    make_signup(done, profile.user, status="confirmed", hours=3)
    communities.leave(profile.user, community)
    db.session.commit()
    assert places(coming) == 0 and volunteer_hours.total_hours(profile.user) == 3
    assert profiles.profile_of(profile.user).centres == []


def test_deleting_the_account_erases_the_profile_places_and_roles(community):
    from civicvoice.accounts import services as accounts
    from tests.factories import PASSWORD

    profile = make_profile(community=community, skills=("plumbing",), about="عن نفسي")
    user = profile.user
    opportunity = make_opportunity(community)
    make_signup(opportunity, user)
    make_partner(make_community(), user)
    accounts.delete_account(user, PASSWORD)
    db.session.commit()
    assert profiles.profile_of(user) is None and places(opportunity) == 0
    assert db.session.scalar(select(Signup.status).where(Signup.user_id == user.id)) == "withdrawn"
    from civicvoice.volunteers.models import Coordinator

    assert db.session.scalar(select(Coordinator.id).where(Coordinator.user_id == user.id)) is None
