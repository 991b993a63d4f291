import io
import math
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, flash, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from .. import permissions, sections
from ..accounts import personal_data
from ..accounts import services as accounts
from ..accounts.models import User
from ..accounts.signals import account_deleted, acts_for_others, contributors
from ..communities.models import Centre
from ..communities.signals import member_left
from ..communities.views import community_or_404
from ..database import utcnow, write_transaction
from ..errors import InvalidInput
from ..extensions import db
from ..forms import ActionForm
from ..htmx import after_post
from ..i18n import language
from ..proposals.access import visible_proposal
from ..proposals.models import CATEGORIES, Proposal
from ..params import MAX_PAGE, query_int
from ..redirects import see_other
from . import candidates, certificate, export, opportunities, personal, rules, texts
from . import feedback as volunteer_feedback
from . import hours as volunteer_hours
from . import offers as volunteer_offers
from . import profiles as volunteer_profiles
from . import signups as volunteer_signups
from .forms import (
    AnswerForm,
    CoordinatorForm,
    FeedbackForm,
    HoursForm,
    OfferForm,
    OpportunityForm,
    ProfileForm,
    ReasonForm,
    SignupForm,
    SkillEditForm,
    SkillForm,
)
from .models import (
    DAYS,
    TIMES,
    Coordinator,
    Feedback,
    Opportunity,
    Signup,
    Skill,
    VolunteerOffer,
    VolunteerProfile,
)

bp = Blueprint("volunteers", __name__)


class ListPage:
    """A page of a list ranked in Python (suggestions), with what the pager macro reads from db.paginate."""

    def __init__(self, items: list, per_page: int):
        self.page = query_int("page", 1, maximum=MAX_PAGE, status=404)  # as db.paginate answers
        self.pages = max(math.ceil(len(items) / per_page), 1)
        if not 1 <= self.page <= self.pages:
            abort(404)
        self.total = len(items)
        self.items = items[(self.page - 1) * per_page:self.page * per_page]
        self.has_prev, self.has_next = self.page > 1, self.page < self.pages
        self.prev_num, self.next_num = self.page - 1, self.page + 1


def _paginate(query):
    return db.paginate(query, per_page=current_app.config["PER_PAGE"], max_per_page=current_app.config["MAX_PER_PAGE"])


def _opportunity(opportunity_id: int) -> Opportunity:
    opportunity = db.get_or_404(Opportunity, opportunity_id)
    if not rules.can_view_opportunity(current_user, opportunity):
        abort(404)
    return opportunity


def _here(opportunity: Opportunity) -> str:
    return url_for(".show", opportunity_id=opportunity.id)


def _try(form, field: str, action) -> bool:
    """Run a service; a rule it refuses shows under `field` of the form, which keeps what was typed."""
    try:
        action()
    except InvalidInput as error:
        db.session.rollback()
        getattr(form, field).errors = [*getattr(form, field).errors, error.message]
        return False
    return True


def skill_name(skill: Skill) -> str:
    return skill.name(language())


@bp.app_context_processor
def _helpers():
    return {"day_labels": DAYS, "time_labels": TIMES, "skill_name": skill_name, "categories": CATEGORIES,
            "has_bit": lambda mask_value, bit: bool(mask_value >> bit & 1)}


def demand_help(proposal: Proposal) -> dict:
    """What the demand page shows of volunteering: the offers' summary and the opportunities for it."""
    return {"summary": volunteer_offers.offers_summary(proposal), "opportunities": opportunities.upcoming(proposal=proposal)}


def centre_volunteering(centre: Centre) -> dict:
    """What a centre's page shows: its coming opportunities, the demands raised there, this year's hours."""
    year = utcnow().astimezone(ZoneInfo(centre.community.timezone)).year
    return {"opportunities": opportunities.upcoming(centre=centre), "demands": _paginate(opportunities.demands_at(centre)),
            "hours": volunteer_hours.hours_at_centre(centre, year), "year": year}


# The volunteer's own pages ---------------------------------------------------------------------------

def _matched(matches, model):
    """The rows behind a page of matches, in the matches' order (one query)."""
    rows = {row.id: row for row in db.session.scalars(select(model).where(model.id.in_([m.id for m in matches])))}
    return [(match, rows[match.id]) for match in matches if match.id in rows]


def _skill_names() -> dict:
    return {skill.key: skill_name(skill) for skill in volunteer_profiles.skills(active_only=False)}


@bp.route("/volunteer")
@login_required
def home():
    profile = volunteer_profiles.profile_of(current_user)
    page = ListPage(candidates.suggestions(current_user), current_app.config["PER_PAGE"])
    page.items = _matched(page.items, Opportunity)
    return render_template("volunteers/home.html", profile=profile, page=page, skill_names=_skill_names(),
                           invitations=volunteer_hours.invitations(current_user), form=ActionForm(),
                           total=volunteer_hours.total_hours(current_user))


@bp.route("/volunteer/history")
@login_required
def history():
    return render_template("volunteers/history.html", page=_paginate(volunteer_hours.history(current_user)),
                           total=volunteer_hours.total_hours(current_user))


def _profile_form(profile: VolunteerProfile | None) -> ProfileForm:
    data = {}
    if profile is not None and request.method == "GET":
        data = {"skills": [s.id for s in profile.skills], "tags": ", ".join(profile.tags or []),
                "interests": profile.interest_keys, "days": [d for d in range(7) if profile.days >> d & 1],
                "times": [t for t in range(3) if profile.times >> t & 1], "centres": [c.id for c in profile.centres],
                "about": profile.about, "visibility": profile.visibility}
    form = ProfileForm(**data)
    form.skills.choices = [SelectChoice(s.id, skill_name(s)) for s in volunteer_profiles.skills()]
    form.centres.choices = [SelectChoice(c.id, c.name) for c in volunteer_profiles.centre_choices(current_user)]
    return form


@bp.route("/volunteer/profile", methods=["GET", "POST"])
@login_required
def profile():
    permissions.require(rules.can_edit_volunteer_profile(current_user))
    form = _profile_form(volunteer_profiles.profile_of(current_user))
    if form.validate_on_submit() and _try(form, "tags", lambda: volunteer_profiles.save_profile(
            current_user, skill_ids=form.skills.data, tags=volunteer_profiles.parse_tags(form.tags.data),
            interests=form.interests.data, days=volunteer_profiles.mask(form.days.data), times=volunteer_profiles.mask(form.times.data),
            centre_ids=form.centres.data, about=form.about.data or "", visibility=form.visibility.data)):
        db.session.commit()
        flash(_("Your volunteer profile is saved."), "success")
        return see_other(url_for(".home"))
    return render_template("volunteers/profile_form.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/volunteers/<int:user_id>")
@login_required
def show_profile(user_id):
    profile = db.first_or_404(select(VolunteerProfile).where(VolunteerProfile.user_id == user_id))
    if not rules.can_view_volunteer_profile(current_user, profile):
        abort(404)
    return render_template("volunteers/profile.html", profile=profile)


# Offers of help on a demand ---------------------------------------------------------------------------

@bp.route("/demands/<int:proposal_id>/offers")
def offers(proposal_id):
    proposal = visible_proposal(proposal_id)
    return render_template("volunteers/offers.html", proposal=proposal, page=_paginate(volunteer_offers.offers(proposal)),
                           summary=volunteer_offers.offers_summary(proposal), form=ActionForm(),
                           mine=volunteer_offers.own_offers(current_user, proposal))


@bp.route("/demands/<int:proposal_id>/offer-help", methods=["GET", "POST"])
@login_required
def offer_help(proposal_id):
    proposal = visible_proposal(proposal_id)
    permissions.require(rules.can_offer_help(current_user, proposal))
    form = OfferForm()
    form.skill_id.choices = [SelectChoice("", _("None"))] + [SelectChoice(s.id, skill_name(s)) for s in volunteer_profiles.skills()]
    if form.validate_on_submit() and _try(form, "detail", lambda: volunteer_offers.offer_help(
            current_user, proposal, kind=form.kind.data, detail=form.detail.data, hours=form.hours.data,
            skill_id=form.skill_id.data)):
        db.session.commit()
        flash(_("Thank you: your offer is on the demand, and its authors are told."), "success")
        return see_other(url_for(".offers", proposal_id=proposal.id))
    return render_template("volunteers/offer_form.html", proposal=proposal, form=form), (
        400 if request.method == "POST" else 200)


@bp.post("/offers/<int:offer_id>/withdraw")
@login_required
def withdraw_offer(offer_id):
    offer = db.get_or_404(VolunteerOffer, offer_id)
    proposal = visible_proposal(offer.proposal_id)
    permissions.require(rules.can_withdraw_offer(current_user, offer))
    volunteer_offers.withdraw_offer(current_user, offer)
    db.session.commit()
    flash(_("Your offer is withdrawn."), "success")
    return see_other(url_for(".offers", proposal_id=proposal.id))


# Opportunities of a community ------------------------------------------------------------------------

@bp.route("/communities/<slug>/opportunities")
def index(slug):
    community = community_or_404(slug)
    return render_template("volunteers/index.html", community=community,
                           page=_paginate(opportunities.listing(community)))


def _opportunity_form(community, opportunity: Opportunity | None = None) -> OpportunityForm:
    data = {}
    if opportunity is not None and request.method == "GET":
        data = {"skills": [s.id for s in opportunity.skills], "category": opportunity.category or "",
                "days": [d for d in range(7) if opportunity.days >> d & 1],
                "times": [t for t in range(3) if opportunity.times >> t & 1]}
        if opportunity.starts_at is not None:
            local = opportunity.starts_at.astimezone(ZoneInfo(community.timezone))
            data |= {"date": local.date(), "time": local.time().replace(second=0, microsecond=0)}
    form = OpportunityForm(obj=opportunity, **data)
    form.centre_id.choices = [SelectChoice("", _("None"))] + [SelectChoice(c.id, c.name) for c in community.centres]
    demands = db.session.scalars(opportunities.linkable_demands(
        community, opportunity.proposal_id if opportunity is not None else None))
    form.proposal_id.choices = [SelectChoice("", _("None"))] + [SelectChoice(p.id, p.title) for p in demands]
    form.skills.choices = [SelectChoice(s.id, skill_name(s)) for s in volunteer_profiles.skills()]
    form.coordinator_id.choices = [SelectChoice("", _("The committee"))] + [
        SelectChoice(c.user_id, f"{c.user.known_name} ({c.organisation})") for c in opportunities.coordinators(community)]
    return form


def _opportunity_fields(form: OpportunityForm, community) -> dict:
    starts_at = None
    if form.date.data is not None:
        local = datetime.combine(form.date.data, form.time.data, tzinfo=ZoneInfo(community.timezone))
        starts_at = local.astimezone(timezone.utc)
    return {"title": form.title.data, "description": form.description.data or "", "centre_id": form.centre_id.data,
            "proposal_id": form.proposal_id.data, "starts_at": starts_at,
            "duration_minutes": form.duration_minutes.data, "days": volunteer_profiles.mask(form.days.data),
            "times": volunteer_profiles.mask(form.times.data), "category": form.category.data or None,
            "capacity": form.capacity.data, "skill_ids": form.skills.data,
            "coordinator_id": form.coordinator_id.data}


def _new_opportunity(slug: str, allowed, action, message: str, template: str = "volunteers/opportunity_form.html"):
    """The posting and the proposing pages: one form, a different gate and service."""
    community = community_or_404(slug)
    permissions.require(allowed(current_user, community))
    form = _opportunity_form(community)
    created = []
    if form.validate_on_submit() and _try(form, "title", lambda: created.append(
            action(current_user, community, **_opportunity_fields(form, community)))):
        db.session.commit()
        flash(message, "success")
        return see_other(_here(created[0]))
    proposing = action is opportunities.propose
    return render_template(template, form=form, community=community, opportunity=None, proposing=proposing), (
        400 if request.method == "POST" else 200)


@bp.route("/communities/<slug>/opportunities/new", methods=["GET", "POST"])
@login_required
def create(slug):
    return _new_opportunity(slug, rules.can_coordinate_volunteers, opportunities.post,
                            _("The opportunity is open; the volunteers it matches are told."))


@bp.route("/communities/<slug>/opportunities/propose", methods=["GET", "POST"])
@login_required
def propose(slug):
    return _new_opportunity(slug, rules.can_propose_opportunity, opportunities.propose,
                            _("Thank you: a coordinator will look at your proposal."))


@bp.route("/communities/<slug>/volunteering")
@login_required
def dashboard(slug):
    community = community_or_404(slug)
    permissions.require(rules.can_coordinate_volunteers(current_user, community))
    return render_template("volunteers/dashboard.html", community=community,
                           proposed=_paginate(opportunities.listing(community, ("proposed",))),
                           by_centre=volunteer_feedback.feedback_by_centre(community),
                           coordinators=opportunities.coordinators(community))


@bp.route("/communities/<slug>/coordinators", methods=["GET", "POST"])
@login_required
def coordinators(slug):
    community = community_or_404(slug)
    permissions.require(rules.can_manage_coordinators(current_user, community))
    form = CoordinatorForm()
    if form.validate_on_submit():
        user = accounts.find_by_email(form.email.data)
        if user is None or not user.is_active:
            form.email.errors = [_("No account uses this email address. Ask the person to register first.")]
        else:
            opportunities.add_coordinator(current_user, community, user, form.organisation.data)
            db.session.commit()
            flash(_("The partner coordinator is added."), "success")
            return see_other(url_for(".coordinators", slug=slug))
    return render_template("volunteers/coordinators.html", community=community, form=form, action=ActionForm(),
                           coordinators=opportunities.coordinators(community))


@bp.post("/communities/<slug>/coordinators/<int:coordinator_id>/remove")
@login_required
def remove_coordinator(slug, coordinator_id):
    community = community_or_404(slug)
    permissions.require(rules.can_manage_coordinators(current_user, community))
    coordinator = db.first_or_404(select(Coordinator).where(Coordinator.id == coordinator_id,
                                                            Coordinator.community_id == community.id))
    opportunities.remove_coordinator(current_user, coordinator)
    db.session.commit()
    flash(_("Removed."), "success")
    return see_other(url_for(".coordinators", slug=slug))


# One opportunity -------------------------------------------------------------------------------------

def signup_context(opportunity: Opportunity) -> dict:
    return {"opportunity": opportunity, "signup": volunteer_signups.signup_of(current_user, opportunity),
            "signup_form": SignupForm(formdata=None)}


@bp.route("/opportunities/<int:opportunity_id>")
def show(opportunity_id):
    opportunity = _opportunity(opportunity_id)
    return render_template("volunteers/show.html", action_form=ActionForm(), **signup_context(opportunity))


@bp.route("/opportunities/<int:opportunity_id>/edit", methods=["GET", "POST"])
@login_required
def edit(opportunity_id):
    opportunity = _opportunity(opportunity_id)
    permissions.require(rules.can_edit_opportunity(current_user, opportunity))
    community = opportunity.community
    form = _opportunity_form(community, opportunity)
    if form.validate_on_submit() and _try(form, "title", lambda: opportunities.edit(
            current_user, opportunity, **_opportunity_fields(form, community))):
        db.session.commit()
        flash(_("Saved; the volunteers who signed up are told."), "success")
        return see_other(_here(opportunity))
    return render_template("volunteers/opportunity_form.html", form=form, community=community,
                           opportunity=opportunity, proposing=False), 400 if request.method == "POST" else 200


@bp.route("/opportunities/<int:opportunity_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(opportunity_id):
    opportunity = _opportunity(opportunity_id)
    permissions.require(rules.can_cancel_opportunity(current_user, opportunity))
    form = ReasonForm()
    if form.validate_on_submit():
        opportunities.cancel(current_user, opportunity, form.reason.data)
        db.session.commit()
        flash(_("The opportunity is cancelled; everyone who signed up is told."), "success")
        return see_other(_here(opportunity))
    return render_template("volunteers/reason.html", opportunity=opportunity, form=form, action="cancel")


@bp.route("/opportunities/<int:opportunity_id>/reject", methods=["GET", "POST"])
@login_required
def reject(opportunity_id):
    opportunity = _opportunity(opportunity_id)
    permissions.require(rules.can_decide_opportunity(current_user, opportunity))
    form = ReasonForm()
    form.reason.description = _("The person who proposed it reads your reason.")
    if form.validate_on_submit():
        opportunities.reject(current_user, opportunity, form.reason.data)
        db.session.commit()
        flash(_("The proposal is not approved; its author is told."), "success")
        return see_other(url_for(".dashboard", slug=opportunity.community.slug))
    return render_template("volunteers/reason.html", opportunity=opportunity, form=form, action="reject")


@bp.post("/opportunities/<int:opportunity_id>/<any(close, approve):action>")
@login_required
def decide(opportunity_id, action):
    opportunity = _opportunity(opportunity_id)
    allowed = rules.can_close_opportunity if action == "close" else rules.can_decide_opportunity
    permissions.require(allowed(current_user, opportunity))
    getattr(opportunities, action)(current_user, opportunity)
    db.session.commit()
    flash(_("Sign-ups are closed; the volunteers who signed up are told.") if action == "close" else
          _("The opportunity is approved and open; its author and the volunteers it matches are told."), "success")
    return see_other(_here(opportunity))


@bp.post("/opportunities/<int:opportunity_id>/sign-up")
@write_transaction
@login_required
def sign_up(opportunity_id):
    opportunity = _opportunity(opportunity_id)
    permissions.require(rules.can_sign_up(current_user, opportunity))
    form = SignupForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        signup = volunteer_signups.sign_up(current_user, opportunity, form.message.data or "")
    except (volunteer_signups.Full, volunteer_signups.AlreadySignedUp) as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return see_other(_here(opportunity))
    db.session.commit()
    flash(_("You are signed up. The coordinator will confirm.") if signup.status == "pending" else
          _("You are signed up and confirmed. Thank you!"), "success")
    return after_post("volunteers/_signup.html", _here(opportunity) + "#signup", **signup_context(opportunity))


@bp.post("/opportunities/<int:opportunity_id>/withdraw")
@write_transaction
@login_required
def withdraw(opportunity_id):
    opportunity = _opportunity(opportunity_id)
    permissions.require(rules.can_withdraw_signup(current_user, opportunity))
    volunteer_signups.withdraw(current_user, opportunity)
    db.session.commit()
    flash(_("Your sign-up is withdrawn."), "success")
    return after_post("volunteers/_signup.html", _here(opportunity) + "#signup", **signup_context(opportunity))


# The coordinator's pages -----------------------------------------------------------------------------

@bp.route("/opportunities/<int:opportunity_id>/signups")
@login_required
def signups(opportunity_id):
    opportunity = _opportunity(opportunity_id)
    permissions.require(rules.can_coordinate_opportunity(current_user, opportunity))
    return render_template("volunteers/signups.html", opportunity=opportunity, form=ActionForm(),
                           page=_paginate(volunteer_signups.signups(opportunity)))


@bp.route("/opportunities/<int:opportunity_id>/signups.csv")
@login_required
def signups_csv(opportunity_id):
    opportunity = _opportunity(opportunity_id)
    permissions.require(rules.can_coordinate_opportunity(current_user, opportunity))
    rows = db.session.scalars(volunteer_signups.signups(opportunity)).all()
    profiles = {p.user_id: p for p in db.session.scalars(select(VolunteerProfile).where(
        VolunteerProfile.user_id.in_([s.user_id for s in rows])))}
    response = Response(export.signups_csv(current_user, opportunity, rows, profiles), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="opportunity-{opportunity.id}-signups.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/signups/<int:signup_id>/<any(confirm, decline):decision>")
@write_transaction
@login_required
def decide_signup(signup_id, decision):
    signup = db.get_or_404(Signup, signup_id)
    permissions.require(rules.can_decide_signup(current_user, signup))
    (volunteer_signups.confirm if decision == "confirm" else volunteer_signups.decline)(current_user, signup)
    db.session.commit()
    flash(_("Confirmed; the volunteer is told.") if decision == "confirm" else _("Declined; the volunteer is told."),
          "success")
    return see_other(url_for(".signups", opportunity_id=signup.opportunity_id))


@bp.route("/opportunities/<int:opportunity_id>/suggested")
@login_required
def suggested(opportunity_id):
    opportunity = _opportunity(opportunity_id)
    permissions.require(rules.can_coordinate_opportunity(current_user, opportunity))
    page = ListPage(candidates.suggested_volunteers(current_user, opportunity), current_app.config["PER_PAGE"])
    page.items = _matched(page.items, User)
    return render_template("volunteers/suggested.html", opportunity=opportunity, page=page, form=ActionForm(),
                           skill_names=_skill_names())


@bp.post("/opportunities/<int:opportunity_id>/invite/<int:user_id>")
@login_required
def invite(opportunity_id, user_id):
    opportunity = _opportunity(opportunity_id)
    permissions.require(rules.can_invite_volunteers(current_user, opportunity))
    profile = volunteer_profiles.profile_of(db.get_or_404(User, user_id))
    if profile is None or not rules.can_view_volunteer_profile(current_user, profile):
        abort(404)  # the suggestions a coordinator may see are the people they may invite
    volunteer_signups.invite(current_user, opportunity, profile.user)
    db.session.commit()
    flash(_("The invitation is sent."), "success")
    return see_other(url_for(".suggested", opportunity_id=opportunity.id))


@bp.route("/opportunities/<int:opportunity_id>/hours", methods=["GET", "POST"])
@login_required
def hours(opportunity_id):
    opportunity = _opportunity(opportunity_id)
    permissions.require(rules.can_record_hours(current_user, opportunity))
    rows = {signup.id: signup for signup in volunteer_signups.confirmed(opportunity)}
    form = HoursForm() if request.method == "POST" else HoursForm(lines=[
        {"signup_id": s.id, "hours": s.hours} for s in rows.values()])
    if form.validate_on_submit():
        values = {line.signup_id.data: float(line.hours.data) if line.hours.data is not None else None
                  for line in form.lines if line.signup_id.data in rows}
        volunteer_hours.record_hours(current_user, opportunity, values)
        db.session.commit()
        flash(_("The hours are recorded; each volunteer is told."), "success")
        return see_other(_here(opportunity))
    lines = [(line, rows[line.signup_id.data]) for line in form.lines if line.signup_id.data in rows]
    return render_template("volunteers/hours.html", opportunity=opportunity, form=form, lines=lines), (
        400 if request.method == "POST" else 200)


@bp.route("/opportunities/<int:opportunity_id>/feedback")
@login_required
def feedback(opportunity_id):
    opportunity = _opportunity(opportunity_id)
    permissions.require(rules.can_coordinate_opportunity(current_user, opportunity))
    return render_template("volunteers/feedback.html", opportunity=opportunity, answer_form=AnswerForm(formdata=None),
                           page=_paginate(volunteer_feedback.feedback_of(opportunity)),
                           summary=volunteer_feedback.feedback_summary(opportunity))


@bp.post("/feedback/<int:feedback_id>/answer")
@login_required
def answer_feedback(feedback_id):
    item = db.get_or_404(Feedback, feedback_id)
    permissions.require(rules.can_answer_feedback(current_user, item))
    form = AnswerForm()
    if not form.validate_on_submit():
        flash(form.answer.errors[0] if form.answer.errors else _("Write your answer."), "error")
    else:
        volunteer_feedback.answer_feedback(current_user, item, form.answer.data)
        db.session.commit()
        flash(_("Your answer is sent to the volunteer."), "success")
    return see_other(url_for(".feedback", opportunity_id=item.opportunity_id))


# The volunteer's feedback and certificate --------------------------------------------------------------

@bp.route("/signups/<int:signup_id>/feedback", methods=["GET", "POST"])
@login_required
def give_feedback(signup_id):
    signup = db.get_or_404(Signup, signup_id)
    permissions.require(rules.can_give_feedback(current_user, signup))
    form = FeedbackForm()
    if form.validate_on_submit():
        volunteer_feedback.give_feedback(current_user, signup, rating=form.rating.data, went_well=form.went_well.data or "",
                               to_improve=form.to_improve.data or "", ideas=form.ideas.data or "")
        db.session.commit()
        flash(_("Thank you for your feedback: the coordinators read it."), "success")
        return see_other(url_for(".history"))
    return render_template("volunteers/feedback_form.html", signup=signup, form=form), (
        400 if request.method == "POST" else 200)


@bp.route("/signups/<int:signup_id>/certificate.pdf")
@login_required
def certificate_pdf(signup_id):
    signup = db.get_or_404(Signup, signup_id)
    permissions.require(rules.can_download_certificate(current_user, signup))
    lang = request.args.get("lang", language())
    data = certificate.pdf(signup, lang if lang in certificate.LANGUAGES else "ar")
    response = send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True, max_age=0,
                         download_name=f"certificate-{signup.id}-{lang if lang in certificate.LANGUAGES else 'ar'}.pdf")
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# Site administration: the list of skills -----------------------------------------------------------------

@bp.route("/admin/skills", methods=["GET", "POST"])
@login_required
def skills():
    permissions.require(rules.can_manage_skills(current_user))
    form = SkillForm()
    if form.validate_on_submit() and _try(form, "key", lambda: volunteer_profiles.add_skill(
            current_user, key=form.key.data, name_ar=form.name_ar.data, name_en=form.name_en.data)):
        db.session.commit()
        flash(_("The skill is added to the list."), "success")
        return see_other(url_for(".skills"))
    return render_template("volunteers/skills.html", form=form, skills=volunteer_profiles.skills(active_only=False)), (
        400 if request.method == "POST" else 200)


@bp.route("/admin/skills/<int:skill_id>", methods=["GET", "POST"])
@login_required
def edit_skill(skill_id):
    permissions.require(rules.can_manage_skills(current_user))
    skill = db.get_or_404(Skill, skill_id)
    form = SkillEditForm(obj=skill)
    if form.validate_on_submit():
        volunteer_profiles.update_skill(current_user, skill, name_ar=form.name_ar.data, name_en=form.name_en.data,
                              active=form.active.data)
        db.session.commit()
        flash(_("Saved."), "success")
        return see_other(url_for(".skills"))
    return render_template("volunteers/skill_form.html", form=form, skill=skill)


def init_app(app) -> None:
    app.register_blueprint(bp)
    personal_data.register("volunteers", personal.export)
    contributors.connect(personal.contributors)
    sections.add("demand.aside", "help", "volunteers/_demand_help.html",
                 lambda proposal: {"help": demand_help(proposal)}, order=60)
    sections.add("centre.aside", "volunteering", "volunteers/_centre.html",
                 lambda community, centre: {"v": centre_volunteering(centre)}, order=20)
    texts.register()
    member_left.connect(volunteer_signups.on_member_left)
    account_deleted.connect(volunteer_signups.on_account_deleted)
    acts_for_others.connect(rules.is_coordinator_anywhere)
