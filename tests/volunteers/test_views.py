"""The volunteering pages: forms that keep what was typed, who sees contact details and profiles, the export,
the centre and demand pages, pagination and a fixed number of queries on every list."""
import csv
import io
import re

import pytest
from sqlalchemy import select

from civicvoice.extensions import db
from civicvoice.proposals.models import Proposal
from civicvoice.volunteers import feedback as volunteer_feedback
from civicvoice.volunteers import offers, opportunities, profiles
from civicvoice.volunteers.models import Feedback, Signup
from tests.factories import (
    committee_member,
    link_council,
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
from tests.pages import flashes, plain, text_of

FRIDAY = 4


@pytest.fixture
def w(app):
    """`midan` with a centre, its committee member `chair`, a partner coordinator `partner` (of the Red Crescent),
    the partner of another community `stranger`, and `layla`, an English-speaking member with a profile."""
    community = make_community("Midan", slug="midan")
    centre = make_centre(community, name="Midan centre")
    chair = committee_member(community)
    partner = make_partner(community)
    stranger = make_partner(make_community())
    layla = make_user("Layla Haddad", "layla@example.org", locale="en", phone="+963 944 123 456")
    make_profile(layla, community, skills=("plumbing",), days=(FRIDAY,), centres=(centre,), visibility="members")

    class World:
        pass

    world = World()
    world.__dict__.update(community=community, centre=centre, chair=chair, partner=partner, stranger=stranger,
                          layla=layla)
    return world


# The volunteer's profile and suggestions -------------------------------------------------------------------

def test_the_profile_form_keeps_what_was_typed_and_explains_in_arabic(client, login_as, w):
    login_as(make_member(w.community, make_user(locale="ar")))
    tags = ",".join(f"وسم{n}" for n in range(11))
    response = client.post("/volunteer/profile", data={"skills": skill_ids("teaching"), "tags": tags,
                                                       "about": "معلّم", "visibility": "members"})
    assert response.status_code == 400
    page = text_of(response)
    assert "أدخل ١١ وسوم على الأكثر." not in page and "وسوم على الأكثر" in page
    assert "وسم10" in page and "معلّم" in page


def test_the_profile_is_saved_and_suggestions_say_why(client, login_as, w):
    make_opportunity(w.community, title="Fix the pump", skills=("plumbing",), starts_in_hours=None, days=(FRIDAY,))
    login_as(w.layla)
    response = client.post("/volunteer/profile", data={
        "skills": skill_ids("plumbing"), "days": [str(FRIDAY)], "centres": [str(w.centre.id)],
        "visibility": "members", "tags": "carpentry"})
    assert flashes(client, response) == ["Your volunteer profile is saved."]
    page = plain(text_of(client.get("/volunteer")))
    assert "Fix the pump" in page and "Matches: Plumbing, Fridays, Midan centre" in page


def test_without_a_profile_the_page_asks_for_one(client, login_as, w):
    login_as(make_member(w.community, make_user(locale="en")))
    assert "Fill in your volunteer profile" in text_of(client.get("/volunteer"))


def test_a_profile_is_seen_as_its_owner_chose(client, login_as, w):
    private = make_profile(community=w.community, skills=("driving",), visibility="committee")
    url = f"/volunteers/{private.user_id}"
    for viewer, status in ((w.chair, 200), (w.partner, 404), (make_member(w.community), 404), (w.stranger, 404),
                           (private.user, 200)):
        login_as(viewer)
        assert client.get(url).status_code == status
    for viewer, status in ((w.partner, 200), (make_member(w.community), 200), (w.stranger, 404)):
        login_as(viewer)
        assert client.get(f"/volunteers/{w.layla.id}").status_code == status


def test_a_profile_never_shows_contact_details(client, login_as, w):
    login_as(w.chair)
    page = text_of(client.get(f"/volunteers/{w.layla.id}"))
    assert "Layla Haddad" in page and "944 123" not in page and "layla@example.org" not in page


# Offers of help on a demand -------------------------------------------------------------------------------

def test_offering_help_shows_on_the_demand_page(client, login_as, w):
    proposal = make_proposal(w.community, status="open")
    login_as(w.layla)
    response = client.post(f"/demands/{proposal.id}/offer-help", data={"kind": "time", "hours": "4",
                                                                        "detail": "4 hours on Fridays"})
    assert flashes(client, response) == ["Thank you: your offer is on the demand, and its authors are told."]
    client.post(f"/demands/{proposal.id}/offer-help", data={"kind": "resource", "detail": "10 chairs"})
    page = plain(text_of(client.get(f"/demands/{proposal.id}")))
    assert "1 person offered help: 4 hours · 0 skills · 1 resource" in page
    assert "10 chairs" in plain(text_of(client.get(f"/demands/{proposal.id}/offers")))


def test_an_offer_of_time_needs_its_hours(client, login_as, w):
    proposal = make_proposal(w.community, status="open")
    login_as(w.layla)
    response = client.post(f"/demands/{proposal.id}/offer-help", data={"kind": "time", "detail": "Fridays"})
    assert response.status_code == 400
    assert "Say how many hours you offer." in text_of(response) and "Fridays" in text_of(response)


def test_outsiders_cannot_offer_help(client, login_as, w):
    proposal = make_proposal(w.community, status="open")
    login_as(make_user())
    assert client.post(f"/demands/{proposal.id}/offer-help", data={"kind": "resource", "detail": "x"}
                       ).status_code == 403


def test_a_demand_remembers_the_centre_it_was_raised_at(client, login_as, w):
    council = link_council(w.community)
    login_as(w.layla)
    form = {"title": "Repair the school roof", "summary": "It leaks.", "body": "", "category": "facility_repair",
            "council_id": str(council.id), "place": "", "resolution": "No leak.", "centre_id": str(w.centre.id)}
    assert client.post("/communities/midan/demands/new", data=form).status_code == 303
    proposal = db.session.scalar(select(Proposal).where(Proposal.title == "Repair the school roof"))
    assert proposal.centre_id == w.centre.id
    other = make_centre(make_community())
    refused = client.post("/communities/midan/demands/new", data={**form, "title": "Another one",
                                                                   "centre_id": str(other.id)})
    assert refused.status_code == 200 and "Not a valid choice" in text_of(refused) and "Another one" in text_of(refused)


def test_the_centre_page_shows_opportunities_demands_and_hours(client, login_as, w):
    done = make_opportunity(w.community, starts_in_hours=-3, title="Clean the yard")
    make_signup(done, status="confirmed", hours=3)
    make_signup(done, status="confirmed", hours=4.5)
    make_opportunity(w.community, title="Paint the classrooms")
    raised = make_proposal(w.community, status="open", title="Lights for the square")
    raised.centre_id = w.centre.id
    make_proposal(w.community, status="draft", title="A private draft").centre_id = w.centre.id
    db.session.commit()
    client.post("/language", data={"locale": "en"})
    page = plain(text_of(client.get(f"/communities/midan/centres/{w.centre.id}")))
    assert "7.5 hours of volunteering given here in" in page
    assert "Paint the classrooms" in page and "Lights for the square" in page and "A private draft" not in page


# Signing up and coordinating --------------------------------------------------------------------------------

def test_signing_up_and_the_coordinator_confirming(client, login_as, w):
    opportunity = make_opportunity(w.community, coordinator=w.partner, capacity=2)
    login_as(w.layla)
    response = client.post(f"/opportunities/{opportunity.id}/sign-up", data={"message": "I have tools"})
    assert flashes(client, response) == ["You are signed up. The coordinator will confirm."]
    signup = db.session.scalar(select(Signup).where(Signup.user_id == w.layla.id))
    login_as(w.partner)
    page = text_of(client.get(f"/opportunities/{opportunity.id}/signups"))
    assert "+963 944 123 456" in page and "layla@example.org" in page and "I have tools" in page
    response = client.post(f"/signups/{signup.id}/confirm")
    assert response.status_code == 303
    db.session.refresh(signup)
    assert signup.status == "confirmed"


def test_htmx_sign_up_swaps_the_box(client, login_as, w):
    opportunity = make_opportunity(w.community)
    login_as(w.layla)
    response = client.post(f"/opportunities/{opportunity.id}/sign-up", headers={"HX-Request": "true"}, data={})
    assert response.status_code == 200
    body = text_of(response)
    assert body.lstrip().startswith('<section class="card" id="signup"') and 'hx-swap-oob="true"' in body
    assert "Withdraw my sign-up" in body


def test_a_full_opportunity_says_so(client, login_as, w):
    opportunity = make_opportunity(w.community, capacity=1)
    login_as(w.layla)
    assert client.post(f"/opportunities/{opportunity.id}/sign-up", data={}).status_code == 303
    login_as(make_member(w.community, make_user(locale="en")))
    assert "All the places are taken." in text_of(client.get(f"/opportunities/{opportunity.id}"))
    assert client.post(f"/opportunities/{opportunity.id}/sign-up", data={}).status_code == 403


def test_contact_details_only_for_the_opportunitys_coordinators(client, login_as, w):
    opportunity = make_opportunity(w.community, coordinator=w.partner)
    make_signup(opportunity, w.layla)
    other_partner = make_partner(w.community, organisation="Other")
    url = f"/opportunities/{opportunity.id}/signups"
    for viewer, status in ((w.chair, 200), (w.partner, 200), (other_partner, 403), (w.stranger, 403),
                           (make_member(w.community), 403)):
        login_as(viewer)
        response = client.get(url)
        assert response.status_code == status
        assert ("944 123" in text_of(response)) is (status == 200)


def test_no_contact_once_the_volunteer_withdrew(client, login_as, w):
    opportunity = make_opportunity(w.community)
    make_signup(opportunity, w.layla, status="withdrawn")
    login_as(w.chair)
    page = text_of(client.get(f"/opportunities/{opportunity.id}/signups"))
    assert "Layla Haddad" in page and "944 123" not in page and "layla@example.org" not in page


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_export_leaves_out_hidden_fields_and_neutralises_formulas(client, login_as, w):
    opportunity = make_opportunity(w.community, coordinator=w.partner)
    make_signup(opportunity, w.layla, message="=HYPERLINK(\"http://x\")")
    private = make_profile(community=w.community, skills=("driving",), visibility="committee")
    make_signup(opportunity, private.user)
    gone = make_signup(opportunity, make_user(phone="+963 933 000 111"), status="withdrawn")
    login_as(w.partner)
    _header, *rows = _csv(client.get(f"/opportunities/{opportunity.id}/signups.csv"))
    by_name = {row[1]: row for row in rows}
    layla = by_name["Layla Haddad"]
    assert (layla[3], layla[4], layla[5], layla[7]) == ("'+963 944 123 456", "layla@example.org", "السباكة",
                                                        "'=HYPERLINK(\"http://x\")")  # skills in the reader's language
    assert by_name[private.user.display_name][5] == ""  # a committee-only profile: no skills for a partner
    assert by_name[private.user.display_name][4] == private.user.email  # but they signed up: contact
    assert by_name[gone.user.display_name][3:5] == ["", ""]
    login_as(w.chair)
    _header, *rows = _csv(client.get(f"/opportunities/{opportunity.id}/signups.csv"))
    assert {row[1]: row for row in rows}[private.user.display_name][5] == "القيادة"


def test_suggested_volunteers_and_an_invitation(client, login_as, w):
    opportunity = make_opportunity(w.community, coordinator=w.partner, skills=("plumbing",))
    hidden = make_profile(community=w.community, skills=("plumbing",), visibility="committee")
    login_as(w.partner)
    page = plain(text_of(client.get(f"/opportunities/{opportunity.id}/suggested")))
    assert "Layla Haddad" in page and hidden.user.display_name not in page
    response = client.post(f"/opportunities/{opportunity.id}/invite/{w.layla.id}")
    assert response.status_code == 303
    assert client.post(f"/opportunities/{opportunity.id}/invite/{hidden.user_id}").status_code == 404
    login_as(w.chair)
    assert hidden.user.display_name in plain(text_of(client.get(f"/opportunities/{opportunity.id}/suggested")))
    login_as(w.layla)
    assert "Accept the invitation" in text_of(client.get(f"/opportunities/{opportunity.id}"))


def test_recording_hours_and_the_history(client, login_as, w):
    opportunity = make_opportunity(w.community, starts_in_hours=-2, title="Clean the yard")
    signup = make_signup(opportunity, w.layla, status="confirmed")
    login_as(w.chair)
    form = client.get(f"/opportunities/{opportunity.id}/hours")
    assert "Layla Haddad" in text_of(form)
    response = client.post(f"/opportunities/{opportunity.id}/hours", data={
        "lines-0-signup_id": str(signup.id), "lines-0-hours": "٣"})
    assert response.status_code == 303
    db.session.refresh(signup)
    assert signup.hours == 3
    login_as(w.layla)
    page = plain(text_of(client.get("/volunteer/history")))
    assert "3 hours in all" in page and "Clean the yard" in page and "Certificate (English)" in page


def test_bad_hours_are_refused_with_the_form(client, login_as, w):
    opportunity = make_opportunity(w.community, starts_in_hours=-2)
    signup = make_signup(opportunity, w.layla, status="confirmed")
    login_as(w.chair)
    response = client.post(f"/opportunities/{opportunity.id}/hours", data={
        "lines-0-signup_id": str(signup.id), "lines-0-hours": "9999"})
    assert response.status_code == 400 and "9999" in text_of(response)


def test_feedback_is_seen_by_coordinators_and_its_answer_by_the_volunteer(client, login_as, w):
    opportunity = make_opportunity(w.community, starts_in_hours=-2, coordinator=w.partner)
    signup = make_signup(opportunity, w.layla, status="confirmed", hours=2)
    other = make_signup(opportunity, status="confirmed", hours=2)
    login_as(w.layla)
    response = client.post(f"/signups/{signup.id}/feedback", data={"rating": "4", "went_well": "Well organised",
                                                                   "to_improve": "Start earlier", "ideas": ""})
    assert response.status_code == 303
    assert client.get(f"/signups/{signup.id}/feedback").status_code == 403  # once
    feedback = db.session.scalar(select(Feedback))
    for viewer, status in ((other.user, 403), (w.stranger, 403), (make_member(w.community), 403)):
        login_as(viewer)
        assert client.get(f"/opportunities/{opportunity.id}/feedback").status_code == status
        assert client.post(f"/feedback/{feedback.id}/answer", data={"answer": "x"}).status_code == 403
    login_as(w.partner)
    page = plain(text_of(client.get(f"/opportunities/{opportunity.id}/feedback")))
    assert "Well organised" in page and "Start earlier" in page
    client.post(f"/feedback/{feedback.id}/answer", data={"answer": "We will start at 8."})
    login_as(w.layla)
    assert "We will start at 8." in plain(text_of(client.get("/volunteer/history")))
    login_as(other.user)
    assert "Well organised" not in plain(text_of(client.get("/volunteer/history")))


def test_a_rating_outside_1_to_5_is_refused_with_the_form(client, login_as, w):
    signup = make_signup(make_opportunity(w.community, starts_in_hours=-2), w.layla, status="confirmed")
    login_as(w.layla)
    response = client.post(f"/signups/{signup.id}/feedback", data={"rating": "9", "went_well": "kept text"})
    assert response.status_code == 400 and "kept text" in text_of(response)


def test_posting_an_opportunity_keeps_the_form_on_a_past_date(client, login_as, w):
    login_as(w.chair)
    response = client.post("/communities/midan/opportunities/new", data={
        "title": "Paint the school", "date": "2020-01-01", "time": "09:00", "duration_minutes": "180",
        "capacity": "4", "centre_id": str(w.centre.id)})
    assert response.status_code == 400 and "Paint the school" in text_of(response)


def test_a_member_proposes_and_a_partner_approves(client, login_as, w):
    login_as(w.layla)
    response = client.post("/communities/midan/opportunities/propose", data={
        "title": "Reading club", "date": "", "time": "", "days": ["5"], "times": ["2"], "capacity": "10",
        "duration_minutes": "120"})
    assert response.status_code == 303
    opportunity_url = response.headers["Location"]
    assert client.get(opportunity_url).status_code == 200  # its author sees it
    login_as(make_member(w.community))
    assert client.get(opportunity_url).status_code == 404
    login_as(w.partner)
    assert "Reading club" in text_of(client.get("/communities/midan/volunteering"))
    assert client.post(opportunity_url + "/approve").status_code == 303
    login_as(make_member(w.community))
    assert client.get(opportunity_url).status_code == 200


def test_partners_are_added_by_the_committee_by_email(client, login_as, w):
    w.chair.locale = "en"
    login_as(w.chair)
    unknown = client.post("/communities/midan/coordinators", data={"email": "nobody@example.org",
                                                                   "organisation": "UNICEF"})
    assert "No account uses this email address" in text_of(unknown)
    person = make_user(email="coordinator@example.org")
    client.post("/communities/midan/coordinators", data={"email": person.email, "organisation": "UNICEF"})
    assert person.id in {c.user_id for c in opportunities.coordinators(w.community)}
    login_as(w.partner)
    assert client.get("/communities/midan/coordinators").status_code == 403


def test_site_admins_keep_the_list_of_skills(client, login_as, w):
    login_as(w.chair)
    assert client.get("/admin/skills").status_code == 403
    login_as(make_user(admin=True, locale="en"))
    response = client.post("/admin/skills", data={"key": "carpentry", "name_ar": "النجارة", "name_en": "Carpentry"})
    assert response.status_code == 303
    duplicate = client.post("/admin/skills", data={"key": "carpentry", "name_ar": "x", "name_en": "y"})
    assert duplicate.status_code == 400 and "already exists" in text_of(duplicate)
    [skill] = [s for s in profiles.skills() if s.key == "carpentry"]
    client.post(f"/admin/skills/{skill.id}", data={"name_ar": "النجارة", "name_en": "Woodwork"})
    assert skill.key not in [s.key for s in profiles.skills()]  # the box left unticked takes it off the list


def test_the_reminder_command(app, w):
    make_signup(make_opportunity(w.community, starts_in_hours=12), w.layla, status="confirmed")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["volunteers", "send-reminders"]).output == "1 volunteer(s) reminded.\n"
    assert runner.invoke(args=["volunteers", "send-reminders"]).output == "0 volunteer(s) reminded.\n"


# Lists: pagination and a fixed number of queries ---------------------------------------------------------

@pytest.mark.parametrize("page", ["0", "-1", "abc", "99"])
def test_a_page_that_does_not_exist_is_404(client, login_as, w, page):
    login_as(w.layla)
    assert client.get(f"/volunteer?page={page}").status_code == 404
    assert client.get(f"/communities/midan/opportunities?page={page}").status_code == 404


def _fill(w, n, opportunity, proposal):
    for i in range(n):
        person = make_member(w.community)
        make_profile(person, w.community, skills=("plumbing",), visibility="members")
        signup = make_signup(opportunity, person, status="confirmed", hours=2)
        volunteer_feedback.give_feedback(person, signup, rating=1 + i % 5, went_well="ok")
        offers.offer_help(person, proposal, kind="skill", skill_id=skill_ids("plumbing")[0], detail="pump")
        make_opportunity(w.community, skills=("plumbing",), title=f"Task {i}", capacity=3)
        mine = make_opportunity(w.community, starts_in_hours=-1, title=f"Done {i}")
        make_signup(mine, w.layla, status="confirmed", hours=1)
    db.session.commit()


def test_every_list_runs_a_fixed_number_of_queries(client, login_as, count_queries, w):
    opportunity = make_opportunity(w.community, starts_in_hours=-1, capacity=100, coordinator=w.partner,
                                   skills=("plumbing",))
    proposal = make_proposal(w.community, status="open")
    lists = [(w.layla, "/volunteer"), (w.layla, "/volunteer/history"), (None, f"/demands/{proposal.id}/offers"),
             (None, "/communities/midan/opportunities"), (w.partner, f"/opportunities/{opportunity.id}/signups"),
             (w.chair, f"/opportunities/{opportunity.id}/suggested"),
             (w.partner, f"/opportunities/{opportunity.id}/feedback"), (w.chair, "/communities/midan/volunteering"),
             (None, f"/communities/midan/centres/{w.centre.id}"), (None, f"/demands/{proposal.id}")]

    def measure():
        counts = {}
        for viewer, url in lists:
            client.post("/logout")
            if viewer is not None:
                login_as(viewer)
            with count_queries() as queries:
                response = client.get(url)
            assert response.status_code == 200, url
            counts[url] = len(queries)
        return counts

    _fill(w, 2, opportunity, proposal)
    few = measure()
    _fill(w, 21, opportunity, proposal)  # more than a page (20) everywhere
    many = measure()
    assert many == few
    login_as(w.layla)
    assert len(re.findall(r'<li class="suggestion">', text_of(client.get("/volunteer")))) == 20
    assert 'rel="next"' in text_of(client.get("/volunteer"))
