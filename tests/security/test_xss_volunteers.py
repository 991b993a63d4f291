"""Stored XSS and template injection in volunteering (SECURITY.md B.10, B.13), as in test_xss.py: every text a
volunteer, a coordinator or a site administrator types holds `payload ~field` (names, a profile's tags and about,
an offer's detail, an opportunity's title and description, the reasons for cancelling and refusing, a sign-up's
word for the coordinator, feedback and its answer, a partner organisation, a skill's names, the centre and the
community). Each page is checked for exactly the fields it shows; the certificate's HTML too.
"""
import pytest

from civicvoice.extensions import db
from civicvoice.volunteers import certificate, offers, opportunities, profiles
from civicvoice.volunteers import feedback as volunteer_feedback
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

from .test_xss import _assert_escaped, _page, _scripts, payload  # noqa: F401 (payload is a fixture)


@pytest.fixture
def site(site_image, payload):
    return site_image(_site, payload)


def _site(payload):
    """`alpha` (a centre) where everything typed carries the payload; returns (objects, tag)."""

    def tag(field):
        return f"{payload} ~{field}"

    community = make_community(name=tag("community"), slug="alpha")
    centre = make_centre(community, name=tag("centre"))
    chair = make_member(community, make_user(name=tag("chair"), locale="en"))
    from tests.factories import make_committee

    make_committee(community, chair)
    admin = make_user(admin=True, locale="en")
    skill = profiles.add_skill(admin, key="carpentry", name_ar=tag("skill_ar"), name_en=tag("skill_en"))
    partner = make_partner(community, make_user(name=tag("partner"), locale="en"), organisation=tag("organisation"))
    layla = make_member(community, make_user(name=tag("volunteer"), locale="en"))
    profiles.save_profile(layla, skill_ids=[skill.id, *skill_ids("plumbing")], tags=[tag("tags")],
                            about=tag("about"), centre_ids=[centre.id], visibility="members")
    other = make_profile(make_user(name=tag("candidate"), locale="en"), community, skills=("carpentry",),
                         visibility="members").user
    demand = make_proposal(community, status="open", title=tag("demand"))
    demand.centre_id = centre.id  # raised at the centre
    offers.offer_help(layla, demand, kind="resource", detail=tag("detail"))
    opportunity = make_opportunity(community, actor=chair, title=tag("title"), description=tag("description"),
                                   coordinator=partner, centre=centre, skills=("plumbing", "carpentry"))
    make_signup(opportunity, layla, message=tag("message"))
    make_opportunity(community, actor=chair, title=tag("suggested"), proposal=demand, centre=centre,
                     skills=("carpentry",))
    done = make_opportunity(community, actor=chair, title=tag("done"), starts_in_hours=-2, centre=centre)
    signup = make_signup(done, layla, status="confirmed", hours=3)
    feedback = volunteer_feedback.give_feedback(layla, signup, rating=5, went_well=tag("went_well"),
                                        to_improve=tag("to_improve"), ideas=tag("ideas"))
    volunteer_feedback.answer_feedback(chair, feedback, tag("answer"))
    cancelled = make_opportunity(community, actor=chair, title=tag("cancelled"), centre=centre)
    opportunities.cancel(chair, cancelled, tag("reason"))
    proposed = make_opportunity(community, actor=layla, status="proposed", title=tag("proposed"), centre=centre)
    refused = make_opportunity(community, actor=layla, status="proposed", title=tag("refused"), centre=centre)
    opportunities.reject(chair, refused, tag("refusal"))
    db.session.commit()
    objects = dict(chair=chair, partner=partner, layla=layla, admin=admin, other=other.id, layla_id=layla.id,
                   demand=demand.id, opportunity=opportunity.id, done=done.id, cancelled=cancelled.id,
                   proposed=proposed.id, refused=refused.id, centre=centre.id, signup=signup)
    assert committee_member(community).id == chair.id
    return objects, tag


def _format(url: str, objects: dict) -> str:
    return url.format(**{k: v for k, v in objects.items() if isinstance(v, int)})


# (viewer, url, fields shown as typed, escaped; fields rendered as markdown)
PAGES = [
    ("layla", "/volunteer", ["suggested", "centre", "community", "skill_en"], []),
    ("layla", "/volunteer/history", ["done", "community"], ["answer"]),
    ("layla", "/opportunities/{opportunity}", ["title", "centre", "community", "partner", "skill_en"],
     ["description"]),
    (None, "/opportunities/{cancelled}", ["cancelled", "reason"], []),
    ("layla", "/opportunities/{refused}", ["refused", "refusal"], []),
    ("chair", "/volunteers/{layla_id}", ["volunteer", "tags", "skill_en", "centre"], ["about"]),
    (None, "/demands/{demand}/offers", ["demand", "detail", "volunteer"], []),
    (None, "/demands/{demand}", ["demand", "suggested", "centre"], []),
    (None, "/communities/alpha/opportunities", ["title", "community", "centre"], []),
    (None, "/communities/alpha/centres/{centre}", ["title", "centre", "demand"], []),
    ("partner", "/opportunities/{opportunity}/signups", ["title", "volunteer", "message"], []),
    ("chair", "/opportunities/{opportunity}/suggested", ["title", "candidate", "skill_en"], []),
    ("chair", "/opportunities/{done}/feedback", ["done", "volunteer"], ["went_well", "to_improve", "ideas", "answer"]),
    ("chair", "/opportunities/{done}/hours", ["done", "volunteer"], []),
    ("chair", "/communities/alpha/volunteering", ["proposed", "partner", "organisation", "centre"], []),
    ("chair", "/communities/alpha/coordinators", ["partner", "organisation"], []),
    ("chair", "/communities/alpha/opportunities/new", ["centre", "demand", "partner", "organisation", "skill_en"], []),
    ("layla", "/volunteer/profile", ["tags", "centre", "skill_en"], []),
    ("admin", "/admin/skills", ["skill_ar", "skill_en"], []),
    ("layla", "/notifications", ["done", "title"], []),
    ("chair", "/notifications", ["title", "done"], []),
]


@pytest.mark.parametrize("viewer, url, fields, markdown", PAGES,
                         ids=[f"{viewer or 'visitor'} {url}" for viewer, url, _f, _m in PAGES])
def test_volunteering_pages_escape_stored_text(client, login_as, site, payload, viewer, url, fields, markdown):
    objects, tag = site
    if viewer:
        login_as(objects[viewer])
    body = _page(client, _format(url, objects))
    _assert_escaped(body, payload, tag, fields)
    for field in markdown:
        assert f"~{field}" in body, f"{field} is not shown on this page"
    assert "49 ~" not in body


def test_the_offer_form_with_errors_keeps_the_typed_text_escaped(client, login_as, site, payload):
    objects, tag = site
    login_as(objects["layla"])
    response = client.post(_format("/demands/{demand}/offer-help", objects),
                           data={"kind": "time", "hours": "", "detail": tag("typed")})
    assert response.status_code == 400
    _assert_escaped(response.get_data(as_text=True), payload, tag, ["typed", "demand"])


def test_the_certificate_escapes_names_and_titles(app, site, payload):
    objects, tag = site
    for lang in ("ar", "en"):
        with app.test_request_context():
            html = certificate.html(objects["signup"], lang)
        _assert_escaped(html, payload, tag, ["volunteer", "done", "community", "centre"])
        assert _scripts(html) == []
