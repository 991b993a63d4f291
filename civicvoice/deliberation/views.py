from flask import Blueprint, abort, current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from .. import permissions, sections, throttle
from ..accounts import personal_data
from ..accounts.signals import contributors
from ..database import write_transaction
from ..errors import InvalidInput
from ..extensions import db
from ..forms import ActionForm
from ..htmx import after_post, render
from ..i18n import format_number
from ..params import MAX_PAGE, query_int
from ..proposals import diff
from ..proposals.access import visible_proposal
from ..proposals.forms import ReasonForm
from ..proposals.rules import proposal_roles
from ..redirects import see_other
from . import amendments, personal, rules, services, texts
from .forms import AmendmentForm, ArgumentForm, EditArgumentForm, ReplyForm, ThreadSortForm
from .models import Amendment, Argument

bp = Blueprint("deliberation", __name__)

TOO_FAST = 429


def arguments_context(proposal, sort: str = "helpful", page_number: int = 1, form: ArgumentForm | None = None) -> dict:
    """What the argument section of a demand needs, in a fixed number of queries whatever the thread size."""
    viewer = current_user.id if current_user.is_authenticated else None
    all_held = "committee" in proposal_roles(current_user, proposal)
    page = db.paginate(services.top_level(proposal, sort, viewer, all_held), page=page_number,
                       per_page=current_app.config["ARGUMENTS_PER_PAGE"], max_per_page=None, error_out=False)
    nodes = services.threads(page.items, viewer, all_held)
    strongest = services.strongest(proposal)
    shown = services.all_arguments(nodes) + [a for a in strongest.values() if a is not None]
    return {
        "proposal": proposal, "page": page, "nodes": nodes, "sort": sort, "strongest": strongest,
        "stance_counts": services.stance_counts(proposal), "marked": services.marked_by(current_user, shown),
        "argument_form": form or ArgumentForm(formdata=None), "action_form": ActionForm(),
        "sort_form": ThreadSortForm(sort=sort, formdata=None),
        "open_amendments": amendments.open_count(proposal),
    }


def _argument(argument_id: int) -> Argument:
    """The argument, if its demand is visible to this person (404 otherwise, like the demand)."""
    argument = db.get_or_404(Argument, argument_id)
    visible_proposal(argument.proposal_id)
    return argument


def _at(argument: Argument) -> str:
    return url_for("proposals.show", proposal_id=argument.proposal_id, _anchor=f"argument-{argument.id}")


def _posting_allowed() -> bool:
    return throttle.allow("POST_LIMIT_PER_ACCOUNT", current_user.id)


def _posted(argument: Argument, message: str) -> str:
    if argument.status == "held":
        return _("Thank you. The committee reviews it before it is published (this community's rules).")
    return message


def _too_fast_message() -> str:
    return _("You are posting quickly. Please wait a few minutes, then post again: your text is kept below.")


# Arguments -------------------------------------------------------------------------------------

@bp.route("/demands/<int:proposal_id>/arguments")
def arguments(proposal_id):
    proposal = visible_proposal(proposal_id)
    form = ThreadSortForm(request.args)
    if set(request.args) - {"sort", "page"} or not form.validate():
        abort(400)  # sorts outside the allowlist are refused, never passed to SQL
    page_number = query_int("page", 1, maximum=MAX_PAGE)
    return render("deliberation/arguments.html", "deliberation/_arguments.html",
                  **arguments_context(proposal, form.sort.data or "helpful", page_number))


@bp.post("/demands/<int:proposal_id>/arguments")
@login_required
def post(proposal_id):
    proposal = visible_proposal(proposal_id)
    permissions.require(rules.can_argue(current_user, proposal))
    form = ArgumentForm()
    status = 200
    if form.validate_on_submit():
        if _posting_allowed():
            argument = services.post(current_user, proposal, form.stance.data, form.body.data)
            db.session.commit()
            flash(_posted(argument, _("Your argument is posted.")), "success")
            return see_other(_at(argument))
        flash(_too_fast_message(), "error")
        status = TOO_FAST
    return render_template("deliberation/arguments.html", **arguments_context(proposal, form=form)), status


@bp.route("/arguments/<int:argument_id>/reply", methods=["GET", "POST"])
@login_required
def reply(argument_id):
    parent = _argument(argument_id)
    permissions.require(rules.can_reply_argument(current_user, parent))
    form = ReplyForm()
    may_answer = rules.can_answer_as_authors(current_user, parent)
    status = 200
    if form.validate_on_submit():
        if _posting_allowed():
            argument = services.reply(current_user, parent, form.body.data, may_answer and form.as_authors.data)
            db.session.commit()
            flash(_posted(argument, _("Your reply is posted.")), "success")
            return see_other(_at(argument))
        flash(_too_fast_message(), "error")
        status = TOO_FAST
    return render_template("deliberation/reply.html", parent=parent, proposal=parent.proposal, form=form,
                           may_answer=may_answer), status


@bp.route("/arguments/<int:argument_id>/edit", methods=["GET", "POST"])
@login_required
def edit(argument_id):
    argument = _argument(argument_id)
    permissions.require(rules.can_edit_argument(current_user, argument))
    form = EditArgumentForm(obj=argument)
    if form.validate_on_submit():
        services.edit(current_user, argument, form.body.data)
        db.session.commit()
        flash(_posted(argument, _("Saved.")), "success")
        return see_other(_at(argument))
    return render_template("deliberation/edit.html", argument=argument, proposal=argument.proposal, form=form,
                           ends=rules.edit_window_ends(argument))


@bp.post("/arguments/<int:argument_id>/delete")
@login_required
def delete(argument_id):
    argument = _argument(argument_id)
    permissions.require(rules.can_delete_argument(current_user, argument))
    services.delete_own(current_user, argument)
    db.session.commit()
    flash(_("Your argument was deleted. Replies to it stay."), "success")
    return see_other(_at(argument))


@bp.post("/arguments/<int:argument_id>/helpful")
@write_transaction
@login_required
def mark_helpful(argument_id):
    return _helpful(argument_id, services.mark_helpful, rules.can_mark_helpful)


@bp.post("/arguments/<int:argument_id>/helpful/remove")
@write_transaction
@login_required
def unmark_helpful(argument_id):
    return _helpful(argument_id, services.unmark_helpful, rules.can_remove_helpful_mark)


def _helpful(argument_id: int, change, allowed):
    argument = _argument(argument_id)
    permissions.require(allowed(current_user, argument))
    change(current_user, argument)
    db.session.commit()
    return after_post("deliberation/_helpful.html", _at(argument), argument=argument,
                      marked=services.marked_by(current_user, [argument]), action_form=ActionForm())


@bp.route("/arguments/<int:argument_id>/history")
@login_required
def history(argument_id):
    argument = _argument(argument_id)
    permissions.require(rules.can_moderate_argument(current_user, argument))
    return render_template("deliberation/history.html", argument=argument, proposal=argument.proposal,
                           edits=services.history(argument))


# Amendments ------------------------------------------------------------------------------------

def _amendment(amendment_id: int) -> Amendment:
    """The amendment, if its demand is visible; one hidden by moderation only for its author and the committee."""
    amendment = db.get_or_404(Amendment, amendment_id)
    visible_proposal(amendment.proposal_id)
    if amendment.hidden_at is not None and not rules.can_view_hidden_amendment(current_user, amendment):
        abort(404)
    return amendment


def _here(amendment: Amendment) -> str:
    return url_for(".amendment", amendment_id=amendment.id)


@bp.route("/demands/<int:proposal_id>/amendments")
def amendment_list(proposal_id):
    proposal = visible_proposal(proposal_id)
    query_int("page", 1, maximum=MAX_PAGE)  # 400 for a page that is no page number, before the query
    page = db.paginate(amendments.of(proposal), per_page=current_app.config["PER_PAGE"],
                       max_per_page=current_app.config["MAX_PER_PAGE"])
    return render_template("deliberation/amendments.html", proposal=proposal, page=page)


@bp.route("/demands/<int:proposal_id>/amendments/new", methods=["GET", "POST"])
@login_required
def propose_amendment(proposal_id):
    proposal = visible_proposal(proposal_id)
    permissions.require(rules.can_propose_amendment(current_user, proposal))
    form = AmendmentForm(obj=proposal if request.method == "GET" else None)
    form.council_id.choices = [SelectChoice(c.id, c.name) for c in proposal.community.councils]
    status = 200
    if form.validate_on_submit():
        if not _posting_allowed():
            flash(_too_fast_message(), "error")
            status = TOO_FAST
        else:
            try:
                amendment = amendments.propose(current_user, proposal, form.reason.data, **form.fields_data())
            except InvalidInput as error:  # no change, or a locked field changed: said above the kept text
                db.session.rollback()
                form.title.errors = [*form.title.errors, error.message]
            else:
                db.session.commit()
                flash(_("Your amendment is proposed. The authors will accept or decline it."), "success")
                return see_other(_here(amendment))
    return render_template("deliberation/amendment_form.html", proposal=proposal, form=form,
                           locked=proposal.signature_count > 0), status


@bp.route("/amendments/<int:amendment_id>")
def amendment(amendment_id):
    item = _amendment(amendment_id)
    return render_template("deliberation/amendment.html", amendment=item, proposal=item.proposal,
                           changes=diff.revisions(amendments.compared_with(item), item),
                           position=amendments.position_of(current_user, item), action_form=ActionForm())


@bp.post("/amendments/<int:amendment_id>/<any(support, oppose, neutral):position>")
@write_transaction
@login_required
def take_position(amendment_id, position):
    item = _amendment(amendment_id)
    permissions.require(rules.can_take_position_on_amendment(current_user, item))
    amendments.take_position(current_user, item, None if position == "neutral" else position)
    db.session.commit()
    flash(_("Your position is recorded.") if position != "neutral" else _("Your position was removed."), "success")
    return see_other(_here(item))


@bp.post("/amendments/<int:amendment_id>/accept")
@write_transaction
@login_required
def accept_amendment(amendment_id):
    item = _amendment(amendment_id)
    permissions.require(rules.can_decide_amendment(current_user, item))
    rev = amendments.accept(current_user, item)
    db.session.commit()
    flash(_("The amendment is accepted: it is revision %(n)s of the demand.", n=format_number(rev.number)), "success")
    return see_other(_here(item))


@bp.route("/amendments/<int:amendment_id>/decline", methods=["GET", "POST"])
@login_required
def decline_amendment(amendment_id):
    item = _amendment(amendment_id)
    permissions.require(rules.can_decide_amendment(current_user, item))
    form = ReasonForm()
    if form.validate_on_submit():
        amendments.decline(current_user, item, form.reason.data)
        db.session.commit()
        flash(_("The amendment is declined; its author is told why."), "success")
        return see_other(_here(item))
    return render_template("deliberation/decline.html", amendment=item, proposal=item.proposal, form=form)


@bp.post("/amendments/<int:amendment_id>/withdraw")
@login_required
def withdraw_amendment(amendment_id):
    item = _amendment(amendment_id)
    permissions.require(rules.can_withdraw_amendment(current_user, item))
    amendments.withdraw(current_user, item)
    db.session.commit()
    flash(_("Your amendment was withdrawn."), "success")
    return see_other(_here(item))


def _demand_amendments(proposal) -> dict:
    return {"open_amendments": amendments.open_count(proposal)}


def init_app(app) -> None:
    app.register_blueprint(bp)
    personal_data.register("deliberation", personal.export)
    contributors.connect(personal.contributors)
    sections.add("demand.aside", "amendments", "deliberation/_demand_amendments.html", _demand_amendments, order=50)
    sections.add("demand.after", "arguments", "deliberation/_arguments.html", arguments_context, order=20)
    texts.register()
