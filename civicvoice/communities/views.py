from flask import Blueprint, current_app, flash, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from .. import permissions, sections
from ..accounts import personal_data
from ..accounts import services as accounts
from ..accounts.models import User
from ..accounts.rules import can_administer_site
from ..accounts.signals import account_deleted, acts_for_others, contributors
from ..activity import kinds
from ..extensions import db
from ..forms import ActionForm
from ..htmx import after_post
from ..redirects import see_other
from . import personal, rules, services, texts
from .forms import (
    AppointByEmailForm,
    CentreForm,
    CommunityEditForm,
    CommunityForm,
    CouncilLinkForm,
    VerificationRequestForm,
)
from .models import Centre, Community, Membership

bp = Blueprint("communities", __name__)


def community_or_404(slug: str) -> Community:
    return db.first_or_404(db.select(Community).where(Community.slug == slug))


def _per_page() -> dict:
    return {"per_page": current_app.config["PER_PAGE"], "max_per_page": current_app.config["MAX_PER_PAGE"]}


@bp.route("/")
def index():
    page = db.paginate(services.listing(), **_per_page())
    return render_template("communities/index.html", page=page, counts=services.member_counts(page.items))


def _membership_context(community: Community) -> dict:
    member = services.membership(community, current_user) if current_user.is_authenticated else None
    return {"community": community, "membership": member, "form": ActionForm(),
            "member_count": services.member_count(community)}


@bp.route("/communities/<slug>")
def show(slug):
    community = community_or_404(slug)
    requested = (rules.open_verification_request(current_user, community)
                 if current_user.is_authenticated else None)
    return render_template("communities/show.html", committee=services.committee(community),
                           sections={"aside": sections.render("community.aside", community=community)},
                           verification_form=VerificationRequestForm(),
                           verification_requested=requested, **_membership_context(community))


@bp.post("/communities/<slug>/verification")
@login_required
def request_verification(slug):
    community = community_or_404(slug)
    permissions.require(rules.can_request_verification(current_user, community))
    form = VerificationRequestForm()
    if form.validate_on_submit():
        services.request_verification(current_user, community, form.note.data)
        db.session.commit()
        flash(_("The committee is told. Bring an identity document to the centre."), "success")
    else:
        flash(_("Keep the note under 300 characters."), "error")
    return see_other(url_for(".show", slug=slug))


@bp.post("/communities/<slug>/join")
@login_required
def join(slug):
    community = community_or_404(slug)
    permissions.require(rules.can_join_community(current_user, community))
    member = services.join(current_user, community)
    db.session.commit()
    if member.status == "active":
        flash(_("Welcome! You are now a member of %(community)s.", community=community.name), "success")
    else:
        flash(_("Your request was sent. The committee will answer it."), "success")
    return after_post("communities/_membership.html", url_for(".show", slug=slug), **_membership_context(community))


@bp.post("/communities/<slug>/leave")
@login_required
def leave(slug):
    community = community_or_404(slug)
    permissions.require(rules.can_leave_community(current_user, community))
    services.leave(current_user, community)
    db.session.commit()
    flash(_("You left %(community)s.", community=community.name), "success")
    return after_post("communities/_membership.html", url_for(".show", slug=slug), **_membership_context(community))


@bp.route("/communities/<slug>/members")
@login_required
def members(slug):
    community = community_or_404(slug)
    permissions.require(rules.can_view_member_list(current_user, community))
    page = db.paginate(services.members(community), **_per_page())
    return render_template("communities/members.html", community=community, page=page,
                           requests=services.pending_requests(community), form=ActionForm(),
                           appoint_form=AppointByEmailForm(), verifications=services.verification_requests(community))


@bp.post("/communities/<slug>/committee")
@login_required
def appoint_by_email(slug):
    community = community_or_404(slug)
    permissions.require(rules.can_appoint_anyone(current_user, community))
    form = AppointByEmailForm()
    user = accounts.find_by_email(form.email.data) if form.validate_on_submit() else None
    if user is None or not user.is_active:
        flash(_("No account uses this email address. Ask the person to register first."), "error")
    else:
        services.appoint_first_committee(current_user, community, user)
        db.session.commit()
        flash(_("Appointed to the committee."), "success")
    return see_other(url_for(".members", slug=slug))


def _request(community: Community, membership_id: int) -> Membership:
    return db.first_or_404(db.select(Membership).where(Membership.id == membership_id,
                                                       Membership.community_id == community.id))


@bp.post("/communities/<slug>/requests/<int:membership_id>/<any(approve, decline):decision>")
@login_required
def decide_request(slug, membership_id, decision):
    community = community_or_404(slug)
    permissions.require(rules.can_review_membership_requests(current_user, community))
    member = _request(community, membership_id)
    if decision == "approve":
        services.approve_request(current_user, member)
    else:
        services.decline_request(current_user, member)
    db.session.commit()
    flash(_("The request was approved.") if decision == "approve" else _("The request was declined."), "success")
    return see_other(url_for(".members", slug=slug))


def _member(community: Community, user_id: int) -> Membership:
    return db.first_or_404(db.select(Membership).where(Membership.user_id == user_id,
                                                       Membership.community_id == community.id))


def _member_user(community: Community, user_id: int) -> User:
    return _member(community, user_id).user


@bp.post("/communities/<slug>/members/<int:user_id>/committee")
@login_required
def appoint(slug, user_id):
    community = community_or_404(slug)
    permissions.require(rules.can_appoint_committee(current_user, community))
    services.appoint_committee(current_user, community, _member_user(community, user_id))
    db.session.commit()
    flash(_("Appointed to the committee."), "success")
    return see_other(url_for(".members", slug=slug))


@bp.post("/communities/<slug>/members/<int:user_id>/committee/remove")
@login_required
def remove_from_committee(slug, user_id):
    community = community_or_404(slug)
    permissions.require(rules.can_appoint_committee(current_user, community))
    services.remove_committee(current_user, community, _member_user(community, user_id))
    db.session.commit()
    flash(_("Removed from the committee."), "success")
    return see_other(url_for(".members", slug=slug))


@bp.post("/communities/<slug>/members/<int:user_id>/verify")
@login_required
def verify_in_person(slug, user_id):
    community = community_or_404(slug)
    member = _member(community, user_id)
    permissions.require(rules.can_verify_in_person(current_user, community, member))
    services.verify_in_person(current_user, community, member.user)
    db.session.commit()
    flash(_("Identity verified in person."), "success")
    return see_other(url_for(".members", slug=slug))


# Administration ------------------------------------------------------------------------------

@bp.route("/admin")
@login_required
def admin():
    permissions.require(can_administer_site(current_user))
    page = db.paginate(services.listing(), **_per_page())
    return render_template("admin/index.html", page=page, counts=services.member_counts(page.items),
                           councils=services.all_councils())


@bp.route("/admin/communities/new", methods=["GET", "POST"])
@login_required
def create():
    permissions.require(rules.can_create_community(current_user))
    form = CommunityForm()
    if form.validate_on_submit():
        community = services.create_community(
            current_user, name=form.name.data, slug=form.slug.data, code=form.code.data,
            description=form.description.data, is_open=form.is_open.data, timezone=form.timezone.data)
        db.session.commit()
        flash(_("The community was created."), "success")
        return see_other(url_for(".show", slug=community.slug))
    return render_template("communities/form.html", form=form, community=None)


@bp.route("/communities/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug):
    community = community_or_404(slug)
    permissions.require(rules.can_edit_community(current_user, community))
    form = CommunityEditForm(obj=community)
    if form.validate_on_submit():
        services.update_community(current_user, community, name=form.name.data, description=form.description.data,
                                  is_open=form.is_open.data, timezone=form.timezone.data,
                                  review_due_days=form.review_due_days.data,
                                  review_overdue_days=form.review_overdue_days.data,
                                  signature_goal=form.signature_goal.data)
        db.session.commit()
        flash(_("Saved."), "success")
        return see_other(url_for(".show", slug=slug))
    return render_template("communities/form.html", form=form, community=community)


def _centre(community: Community, centre_id: int) -> Centre:
    return db.first_or_404(db.select(Centre).where(Centre.id == centre_id, Centre.community_id == community.id))


@bp.route("/communities/<slug>/centres/<int:centre_id>")
def centre(slug, centre_id):
    community = community_or_404(slug)
    place = _centre(community, centre_id)
    return render_template("communities/centre.html", community=community, centre=place,
                           sections={"aside": sections.render("centre.aside", community=community, centre=place)})


@bp.route("/communities/<slug>/centres/new", methods=["GET", "POST"])
@login_required
def add_centre(slug):
    community = community_or_404(slug)
    permissions.require(rules.can_manage_centres(current_user, community))
    form = CentreForm()
    if form.validate_on_submit():
        services.add_centre(current_user, community, name=form.name.data, address=form.address.data,
                            opening_hours=form.opening_hours.data, phone=form.phone.data)
        db.session.commit()
        flash(_("The centre was added."), "success")
        return see_other(url_for(".show", slug=slug))
    return render_template("communities/centre_form.html", form=form, community=community, centre=None)


@bp.route("/communities/<slug>/centres/<int:centre_id>/edit", methods=["GET", "POST"])
@login_required
def edit_centre(slug, centre_id):
    community = community_or_404(slug)
    centre = _centre(community, centre_id)
    permissions.require(rules.can_manage_centres(current_user, community))
    form = CentreForm(obj=centre)
    if form.validate_on_submit():
        services.update_centre(current_user, centre, name=form.name.data, address=form.address.data,
                               opening_hours=form.opening_hours.data, phone=form.phone.data)
        db.session.commit()
        flash(_("Saved."), "success")
        return see_other(url_for(".show", slug=slug))
    return render_template("communities/centre_form.html", form=form, community=community, centre=centre)


@bp.route("/communities/<slug>/councils", methods=["GET", "POST"])
@login_required
def councils(slug):
    community = community_or_404(slug)
    permissions.require(rules.can_link_councils(current_user, community))
    choices = services.all_councils()
    form = CouncilLinkForm(councils=[council.id for council in community.councils])
    form.councils.choices = [SelectChoice(council.id, council.name) for council in choices]
    if form.validate_on_submit():
        chosen = [council for council in choices if council.id in form.councils.data]
        services.link_councils(current_user, community, chosen)
        db.session.commit()
        flash(_("Saved."), "success")
        return see_other(url_for(".show", slug=slug))
    return render_template("communities/councils_form.html", form=form, community=community)


def init_app(app) -> None:
    app.register_blueprint(bp)
    personal_data.register("communities", personal.export)
    contributors.connect(personal.contributors)
    sections.add("account.profile", "communities", "communities/_my_communities.html",
                 lambda user: {"memberships": services.memberships_of(user)}, order=10)
    texts.register()
    account_deleted.connect(services.on_account_deleted)
    acts_for_others.connect(rules.acts_for_others)
    # Who sees the notification kinds meant for the committee, and for council staff.
    kinds.audience("committee", rules.is_committee_anywhere)
    kinds.audience("council", lambda user: rules.council_of(user) is not None)
    app.jinja_env.globals["block_of"] = lambda community: rules.block_of(current_user, community)
    app.jinja_env.globals["council_of"] = lambda: rules.council_of(current_user)
