from flask import Blueprint, abort, current_app, flash, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import permissions, sections
from ..accounts import personal_data
from ..accounts.signals import contributors
from ..communities.models import Block, Membership
from ..communities.rules import is_member
from ..communities.services import membership
from ..communities.views import community_or_404
from ..database import write_transaction
from ..deliberation.models import Argument
from ..deliberation.rules import can_moderate_argument
from ..deliberation.signals import argument_written
from ..errors import InvalidTransition
from ..extensions import db
from ..forms import ActionForm
from ..params import MAX_PAGE, query_int
from ..proposals.access import visible_proposal
from ..proposals.forms import ReasonForm
from ..proposals.rules import can_view_proposal
from ..redirects import see_other
from . import items, messages, personal, rules, services
from .forms import AppealDecisionForm, AppealForm, BlockForm, DecisionForm, ReportForm, RulesForm
from .messages import log_line
from .models import Appeal, ModerationCase
from .premoderation import HOLD_REASONS

bp = Blueprint("moderation", __name__)

KIND = "any(proposal, argument, amendment, minutes, user)"


def _per_page() -> dict:
    return {"per_page": current_app.config["PER_PAGE"], "max_per_page": current_app.config["MAX_PER_PAGE"]}


def _visible(item) -> bool:
    """Can the person asking see this item at all? (Otherwise it does not exist for them: 404.)"""
    if item.proposal is not None and not can_view_proposal(current_user, item.proposal):
        return False
    if item.kind == "argument":
        return item.obj.status == "visible" or rules.can_moderate(current_user, item.community)
    if item.kind == "user":
        return is_member(item.obj, item.community)
    return True


def _item(slug: str, kind: str, subject_id: int):
    item = items.load(kind, subject_id, community_or_404(slug))
    if item is None or not _visible(item):
        abort(404)
    return item


@bp.app_template_global()
def moderation_item(kind: str, obj, community=None):
    """The item a template offers to report or hide (a person is an item of the community given)."""
    return items.Item(kind, obj, community) if kind == "user" else items.of(kind, obj)


@bp.route(f"/communities/<slug>/report/<{KIND}:kind>/<int:subject_id>", methods=["GET", "POST"])
@write_transaction
@login_required
def report(slug, kind, subject_id):
    item = _item(slug, kind, subject_id)
    permissions.require(rules.can_report(current_user, item))
    form = ReportForm()
    if form.validate_on_submit():
        services.report(current_user, item, form.reason.data, form.comment.data)
        db.session.commit()
        flash(_("Thank you: the committee will look at your report."), "success")
        return see_other(item.url())
    return render_template("moderation/report.html", item=item, form=form,
                           already=services.has_reported(current_user, item))


@bp.route("/moderation/<any(proposal, argument, amendment):kind>/<int:subject_id>")
@login_required
def item_case(kind, subject_id):
    """From a hidden item to its case (the author's "why, and appeal" link); 404 unless they may see it."""
    found = db.session.scalars(db.select(ModerationCase).where(ModerationCase.subject_type == kind,
                                                               ModerationCase.subject_id == subject_id)).all()
    case = next((entry for entry in found if rules.can_view_case(current_user, entry)), None)
    if case is None:
        abort(404)
    return see_other(url_for(".case", case_id=case.id))


@bp.route(f"/communities/<slug>/hide/<{KIND}:kind>/<int:subject_id>", methods=["GET", "POST"])
@write_transaction
@login_required
def hide(slug, kind, subject_id):
    item = _item(slug, kind, subject_id)
    permissions.require(rules.can_hide_item(current_user, item))
    form = DecisionForm()
    if form.validate_on_submit():
        case = services.hide(current_user, item, form.reason.data)
        db.session.commit()
        flash(_("Hidden. The author is told why and may appeal."), "success")
        return see_other(url_for(".case", case_id=case.id))
    return render_template("moderation/decide.html", item=item, case=rules.case_of(item), action="hide",
                           form=form)


# The committee's queue -------------------------------------------------------------------------

@bp.route("/communities/<slug>/moderation")
@login_required
def queue(slug):
    community = community_or_404(slug)
    permissions.require(rules.can_moderate(current_user, community))
    page = db.paginate(services.queue(community), **_per_page())
    found, reports = services.queue_details(page.items)
    return render_template("moderation/queue.html", community=community, page=page, found=found, reports=reports,
                           held=services.held_arguments(community), appeals=services.open_appeals(community),
                           blocks=services.current_blocks(community), hold_reasons=HOLD_REASONS, form=ActionForm())


def _case(case_id: int) -> ModerationCase:
    case = db.get_or_404(ModerationCase, case_id)
    if not rules.can_view_case(current_user, case):
        abort(404)  # whether a case exists is nobody else's business
    return case


@bp.route("/moderation/cases/<int:case_id>")
@login_required
def case(case_id):
    entry = _case(case_id)
    committee = rules.can_moderate(current_user, entry.community)
    item = items.load(entry.subject_type, entry.subject_id, entry.community)
    author = item.author if item is not None else None
    return render_template("moderation/case.html", case=entry, item=item, committee=committee,
                           reports=services.reports_of(entry) if committee else [],
                           appeal=rules.appeal_of(entry),
                           author_membership=membership(entry.community, author) if committee and author else None)


@bp.route("/moderation/cases/<int:case_id>/<any(hide, restore, dismiss):action>", methods=["GET", "POST"])
@write_transaction
@login_required
def decide(case_id, action):
    entry = _case(case_id)
    permissions.require(rules.can_decide_case(current_user, entry))
    item = services.item_of(entry)
    form = DecisionForm()
    if form.validate_on_submit():
        if action == "hide":
            services.hide(current_user, item, form.reason.data)
        else:
            getattr(services, action)(current_user, entry, form.reason.data)
        db.session.commit()
        flash({"hide": _("Kept hidden. The author is told why and may appeal."),
               "restore": _("Shown again. The author is told."),
               "dismiss": _("The reports are dismissed.")}[action], "success")
        return see_other(url_for(".case", case_id=entry.id))
    return render_template("moderation/decide.html", item=item, case=entry, action=action, form=form)


# Arguments waiting for review -------------------------------------------------------------------

def _held(argument_id: int) -> Argument:
    argument = db.get_or_404(Argument, argument_id)
    permissions.require(rules.can_review_held(current_user, argument))
    return argument


@bp.post("/moderation/held/<int:argument_id>/approve")
@write_transaction
@login_required
def approve_held(argument_id):
    argument = _held(argument_id)
    services.approve_held(current_user, argument)
    db.session.commit()
    flash(_("Published."), "success")
    return see_other(url_for(".queue", slug=argument.proposal.community.slug))


@bp.route("/moderation/held/<int:argument_id>/reject", methods=["GET", "POST"])
@write_transaction
@login_required
def reject_held(argument_id):
    argument = _held(argument_id)
    form = DecisionForm()
    if form.validate_on_submit():
        services.reject_held(current_user, argument, form.reason.data)
        db.session.commit()
        flash(_("Not published. The author is told why and may appeal."), "success")
        return see_other(url_for(".queue", slug=argument.proposal.community.slug))
    return render_template("moderation/decide.html", item=items.of("argument", argument), case=None,
                           action="reject", form=form)


# Blocks ----------------------------------------------------------------------------------------

@bp.route("/communities/<slug>/people/<int:user_id>/block", methods=["GET", "POST"])
@login_required
def block(slug, user_id):
    community = community_or_404(slug)
    membership = db.first_or_404(db.select(Membership).where(Membership.community_id == community.id,
                                                             Membership.user_id == user_id))
    person = membership.user
    permissions.require(rules.can_block_member(current_user, community, membership))
    form = BlockForm()
    if form.validate_on_submit():
        services.block(current_user, community, person, form.period.data, form.reason.data)
        db.session.commit()
        flash(_("Blocked. The person is told why and until when."), "success")
        return see_other(url_for(".queue", slug=slug))
    return render_template("moderation/block.html", community=community, person=person, form=form)


@bp.route("/moderation/blocks/<int:block_id>/lift", methods=["GET", "POST"])
@login_required
def lift_block(block_id):
    entry = db.get_or_404(Block, block_id)
    permissions.require(rules.can_lift_block(current_user, entry))
    form = DecisionForm()
    if form.validate_on_submit():
        services.lift_block(current_user, entry, form.reason.data)
        db.session.commit()
        flash(_("The block is lifted."), "success")
        return see_other(url_for(".queue", slug=entry.community.slug))
    return render_template("moderation/lift.html", block=entry, form=form)


# Appeals ---------------------------------------------------------------------------------------

@bp.route("/moderation/cases/<int:case_id>/appeal", methods=["GET", "POST"])
@login_required
def appeal(case_id):
    entry = _case(case_id)
    permissions.require(rules.can_appeal(current_user, entry))
    form = AppealForm()
    if form.validate_on_submit():
        services.appeal(current_user, entry, form.text.data)
        db.session.commit()
        flash(_("Your appeal is sent. Another committee member will decide and tell you."), "success")
        return see_other(url_for(".case", case_id=entry.id))
    return render_template("moderation/appeal.html", case=entry, form=form)


@bp.route("/moderation/appeals/<int:appeal_id>/decide", methods=["GET", "POST"])
@write_transaction
@login_required
def decide_appeal(appeal_id):
    entry = db.get_or_404(Appeal, appeal_id)
    permissions.require(rules.can_decide_appeal(current_user, entry))
    form = AppealDecisionForm()
    if form.validate_on_submit():
        services.decide_appeal(current_user, entry, form.decision.data, form.reason.data)
        db.session.commit()
        flash(_("The appeal is decided. Its author is told."), "success")
        return see_other(url_for(".case", case_id=entry.case_id))
    return render_template("moderation/appeal_decide.html", appeal=entry, case=entry.case,
                           item=items.load(entry.case.subject_type, entry.case.subject_id, entry.case.community),
                           form=form)


# Arguments: hidden and shown again from the debate itself ------------------------------------------

def _argument(argument_id: int) -> Argument:
    """The argument, if its demand is visible to this person (404 otherwise, like the demand)."""
    argument = db.get_or_404(Argument, argument_id)
    visible_proposal(argument.proposal_id)
    return argument


def _at_argument(argument: Argument) -> str:
    return url_for("proposals.show", proposal_id=argument.proposal_id, _anchor=f"argument-{argument.id}")


@bp.route("/arguments/<int:argument_id>/hide", methods=["GET", "POST"])
@login_required
def hide_argument(argument_id):
    argument = _argument(argument_id)
    permissions.require(can_moderate_argument(current_user, argument))
    if argument.status != "visible":
        flash(_("Only a visible argument can be hidden."), "error")
        return see_other(_at_argument(argument))
    form = ReasonForm()
    if form.validate_on_submit():
        services.hide_argument(current_user, argument, form.reason.data)
        db.session.commit()
        flash(_("The argument is hidden; its place shows your reason."), "success")
        return see_other(_at_argument(argument))
    return render_template("moderation/hide_argument.html", argument=argument, proposal=argument.proposal, form=form)


@bp.route("/arguments/<int:argument_id>/restore", methods=["GET", "POST"])
@login_required
def restore_argument(argument_id):
    argument = _argument(argument_id)
    permissions.require(can_moderate_argument(current_user, argument))
    if argument.status != "hidden":
        raise InvalidTransition(_("Only a hidden argument can be restored."))
    form = ReasonForm()
    if form.validate_on_submit():
        services.restore_argument(current_user, argument, form.reason.data)
        db.session.commit()
        flash(_("The argument is visible again."), "success")
        return see_other(_at_argument(argument))
    return render_template("moderation/hide_argument.html", argument=argument, proposal=argument.proposal, form=form,
                           restoring=True)


# Rules and the public log ----------------------------------------------------------------------

@bp.route("/communities/<slug>/moderation/rules", methods=["GET", "POST"], endpoint="rules")
@login_required
def edit_rules(slug):
    community = community_or_404(slug)
    permissions.require(rules.can_edit_moderation_rules(current_user, community))
    current = services.rules_of(community)
    form = RulesForm(obj=current)
    if form.validate_on_submit():
        services.update_rules(current_user, community, report_threshold=form.report_threshold.data,
                              hold_account_days=form.hold_account_days.data, hold_links=form.hold_links.data,
                              hold_words=form.hold_words.data)
        db.session.commit()
        flash(_("Saved."), "success")
        return see_other(url_for(".queue", slug=slug))
    return render_template("moderation/rules.html", community=community, form=form)


@bp.route("/communities/<slug>/moderation/log")
def log(slug):
    community = community_or_404(slug)
    query_int("page", 1, maximum=MAX_PAGE)  # 400 for a page that is no page number, before the query
    page = db.paginate(services.log(community), **_per_page())
    return render_template("moderation/log.html", community=community, page=page, log_line=log_line)


def _demand_notice(proposal):
    """Why a hidden demand is hidden (only its authors and the committee reach its page)."""
    if proposal.status != "hidden":
        return None
    return {"hidden_case": rules.case_of(items.of("proposal", proposal))}


def init_app(app) -> None:
    app.register_blueprint(bp)
    personal_data.register("moderation", personal.export)
    contributors.connect(personal.contributors)
    sections.add("demand.notices", "hidden", "moderation/_demand_notice.html", _demand_notice, order=10)
    argument_written.connect(services.on_argument_written)
    messages.register()
