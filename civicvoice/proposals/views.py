from flask import Blueprint, abort, current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from .. import permissions, sections, storage
from ..accounts import personal_data
from ..accounts import services as accounts
from ..accounts.signals import contributors
from ..activity import messages
from ..activity.services import timeline
from ..communities.models import Council
from ..communities.rules import is_blocked, is_member
from ..communities.views import community_or_404
from ..errors import InvalidInput, InvalidTransition
from ..extensions import db
from ..forms import ActionForm
from ..htmx import render
from ..params import query_int
from ..redirects import see_other
from . import attachments, diff, personal, rules, services, signals, states, texts
from .access import visible_proposal
from .forms import CoauthorForm, FilterForm, GoalForm, MergeForm, ProposalForm, PublishForm, ReasonForm, RejectForm
from .models import Attachment, Proposal

bp = Blueprint("proposals", __name__)


def _paginate(query):
    return db.paginate(query, per_page=current_app.config["PER_PAGE"], max_per_page=current_app.config["MAX_PER_PAGE"])


# Lists -------------------------------------------------------------------------------------------

def _filtered(community=None):
    form = FilterForm(request.args)
    form.status.choices = [SelectChoice("", _("All statuses"))] + [
        SelectChoice(s, states.LABELS[s]) for s in services.LIST_STATUSES]
    councils = community.councils if community else db.session.scalars(db.select(Council).order_by(Council.name))
    form.council.choices = [SelectChoice("", _("All councils"))] + [SelectChoice(str(c.id), c.name) for c in councils]
    if set(request.args) - {*form._fields, "page", "per_page"}:
        abort(400)  # unknown filter keys (filter[user__password_hash]...) are refused, not ignored
    if request.args and not form.validate():
        abort(400)  # filters and sorts outside the allowlists are refused, never passed to SQL
    query = services.listing(community=community, category=form.category.data or "", status=form.status.data or "",
                             council_id=int(form.council.data) if form.council.data else None,
                             sort=form.sort.data or "newest")
    return form, _paginate(query)


@bp.route("/demands")
def index():
    form, page = _filtered()
    return render("proposals/index.html", "proposals/_list.html", form=form, page=page, community=None)


@bp.route("/communities/<slug>/demands")
def community_index(slug):
    community = community_or_404(slug)
    form, page = _filtered(community)
    return render("proposals/index.html", "proposals/_list.html", form=form, page=page, community=community)


@bp.route("/demands/mine")
@login_required
def mine():
    return render_template("proposals/mine.html", drafts=services.drafts_of(current_user))


@bp.route("/communities/<slug>/demands/similar")
def similar(slug):
    community = community_or_404(slug)
    title = (request.args.get("title") or "")[:160]
    exclude = query_int("exclude")
    return render_template("proposals/_similar.html", similar=services.similar(community, title, exclude),
                           community=community)


@bp.route("/communities/<slug>/review")
@login_required
def review_queue(slug):
    community = community_or_404(slug)
    permissions.require(rules.can_review_proposals(current_user, community))
    queue = [(p, services.review_age(p)) for p in services.review_queue(community)]
    return render_template("proposals/review_queue.html", community=community, queue=queue)


# Drafting ----------------------------------------------------------------------------------------

def _proposal_form(community, **kwargs) -> ProposalForm:
    form = ProposalForm(**kwargs)
    form.council_id.choices = [SelectChoice(c.id, c.name) for c in community.councils]
    form.centre_id.choices = [SelectChoice("", _("None"))] + [SelectChoice(c.id, c.name) for c in community.centres]
    return form


def _uploads(form, proposal=None):
    """The checked uploads of the form, or None with the reason under the field (the rest of the form is kept)."""
    files = [(f.read(), f.filename) for f in form.attachments.data or [] if f and f.filename]
    try:
        return attachments.prepare(files, proposal)
    except InvalidInput as error:
        form.attachments.errors = [*form.attachments.errors, error.message]
        return None


@bp.route("/communities/<slug>/demands/new", methods=["GET", "POST"])
@login_required
def create(slug):
    community = community_or_404(slug)
    permissions.require(rules.can_draft_proposal(current_user, community))
    form = _proposal_form(community)
    if form.validate_on_submit() and (uploads := _uploads(form)) is not None:
        proposal = services.create_draft(current_user, community, **form.fields_data())
        for upload in uploads:
            attachments.add(current_user, proposal, upload)
        db.session.commit()
        flash(_("Your draft is saved. Invite co-authors, or submit it to the committee when it is ready."), "success")
        return see_other(url_for(".show", proposal_id=proposal.id))
    similar = services.similar(community, form.title.data or "") if form.title.data else []
    return render_template("proposals/form.html", form=form, community=community, proposal=None, similar=similar)


@bp.route("/demands/<int:proposal_id>/edit", methods=["GET", "POST"])
@login_required
def edit(proposal_id):
    proposal = visible_proposal(proposal_id)
    permissions.require(rules.can_edit_proposal(current_user, proposal))
    form = _proposal_form(proposal.community, obj=proposal)
    if form.validate_on_submit() and (uploads := _uploads(form, proposal)) is not None:
        services.edit(current_user, proposal, **form.fields_data())
        for upload in uploads:
            attachments.add(current_user, proposal, upload)
        db.session.commit()
        flash(_("Saved."), "success")
        return see_other(url_for(".show", proposal_id=proposal.id))
    return render_template("proposals/form.html", form=form, community=proposal.community, proposal=proposal,
                           similar=services.similar(proposal.community, form.title.data or "", proposal.id),
                           attachments=attachments.of(proposal), action_form=ActionForm())


# The demand page ---------------------------------------------------------------------------------

@bp.route("/demands/<int:proposal_id>")
def show(proposal_id):
    proposal = visible_proposal(proposal_id)
    if any(wrote for _receiver, wrote in signals.viewed.send(proposal)):
        db.session.commit()
    events = db.session.scalars(timeline("proposals", proposal.id)).all()
    # What the features built on demands show here (the vote, the letter, signing, arguments, the council's side…).
    fragments = {place: sections.render(f"demand.{place}", proposal=proposal) for place in PLACES}
    return render_template(
        "proposals/show.html", proposal=proposal, sections=fragments, authors=services.authors(proposal),
        events=events, describe=_timeline_sentence, official=messages.OFFICIAL,
        attachments=attachments.of(proposal), coauthor_form=CoauthorForm(), publish_form=_publish_form(proposal),
        invitation=services.invitation_for(current_user, proposal) if current_user.is_authenticated else None)


# The places of the demand page that other packages fill (sections.add("demand.<place>", …)).
PLACES = ("notices", "aside", "after")


def _publish_form(proposal: Proposal) -> PublishForm | None:
    """The publish button binds what the reviewer reads on this page: its revision and its submission."""
    if not rules.can_transition_proposal(current_user, proposal, "publish"):
        return None
    return PublishForm(formdata=None, revision=str(services.latest_revision_number(proposal)),
                       submitted=services.submission(proposal))


def _timeline_sentence(event):
    return messages.describe(event, notification=False)


def _require_transition(proposal: Proposal, action: str) -> None:
    """403 for a role that never makes this move, or for someone blocked in the community (the refusal says why);
    409 (InvalidTransition) for one that may, but not now."""
    if (not rules.can_transition_proposal(current_user, proposal, action)
            and rules.proposal_roles(current_user, proposal) & states.TRANSITIONS[action].roles
            and not is_blocked(current_user, proposal.community)):
        raise InvalidTransition()
    permissions.require(rules.can_transition_proposal(current_user, proposal, action))


def _act(proposal: Proposal, action: str, message: str, *args):
    _require_transition(proposal, action)
    getattr(services, action)(current_user, proposal, *args)
    db.session.commit()
    flash(message, "success")
    return see_other(url_for(".show", proposal_id=proposal.id))


@bp.post("/demands/<int:proposal_id>/submit")
@login_required
def submit(proposal_id):
    return _act(visible_proposal(proposal_id), "submit", _("Sent to the committee for review."))


@bp.post("/demands/<int:proposal_id>/publish")
@login_required
def publish(proposal_id):
    """Publish the demand as the reviewer read it; if it was sent back and submitted again since: 409, with what
    changed in its text and a fresh button."""
    proposal = visible_proposal(proposal_id)
    _require_transition(proposal, "publish")
    form = PublishForm()
    form.validate_on_submit() or abort(400)
    read = int(form.revision.data)
    try:
        services.publish(current_user, proposal, revision=read, submitted=form.submitted.data)
    except services.ReviewedTextChanged:
        db.session.rollback()
        proposal = visible_proposal(proposal_id)
        old, new = services.revision(proposal, read), services.revision(proposal,
                                                                        services.latest_revision_number(proposal))
        return render_template("proposals/review_changed.html", proposal=proposal,
                               changes=diff.revisions(old, new) if old and new else [],
                               attachments=attachments.of(proposal), publish_form=_publish_form(proposal)), 409
    db.session.commit()
    flash(_("The demand is published and open for signatures."), "success")
    return see_other(url_for(".show", proposal_id=proposal.id))


def _with_reason(proposal_id: int, action: str, form_class, message: str, template: str, **context):
    proposal = visible_proposal(proposal_id)
    _require_transition(proposal, action)
    form = form_class()
    if "choices" in context:
        form.target.choices = context.pop("choices")
    if form.validate_on_submit():
        args = {"reject": lambda: (form.code.data, form.reason.data),
                "merge": lambda: (db.session.get(Proposal, form.target.data), form.reason.data)}
        return _act(proposal, action, message, *args.get(action, lambda: (form.reason.data,))())
    return render_template(template, proposal=proposal, form=form, action=action, **context)


@bp.route("/demands/<int:proposal_id>/request-changes", methods=["GET", "POST"])
@login_required
def request_changes(proposal_id):
    return _with_reason(proposal_id, "request_changes", ReasonForm, _("The authors were asked for changes."),
                        "proposals/reason.html")


@bp.route("/demands/<int:proposal_id>/reject", methods=["GET", "POST"])
@login_required
def reject(proposal_id):
    return _with_reason(proposal_id, "reject", RejectForm, _("The demand was rejected."), "proposals/reason.html")


@bp.route("/demands/<int:proposal_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(proposal_id):
    return _with_reason(proposal_id, "withdraw", ReasonForm, _("The demand was withdrawn."), "proposals/reason.html")


@bp.route("/demands/<int:proposal_id>/merge", methods=["GET", "POST"])
@login_required
def merge(proposal_id):
    proposal = visible_proposal(proposal_id)
    choices = [SelectChoice(p.id, p.title) for p in services.mergeable_targets(proposal)]
    return _with_reason(proposal_id, "merge", MergeForm, _("The duplicate was merged."), "proposals/reason.html",
                        choices=choices)


@bp.post("/demands/<int:proposal_id>/goal")
@login_required
def set_goal(proposal_id):
    proposal = visible_proposal(proposal_id)
    permissions.require(rules.can_set_signature_goal(current_user, proposal))
    form = GoalForm()
    if not form.validate_on_submit():
        flash(form.goal.errors[0], "error")
        return see_other(url_for(".show", proposal_id=proposal.id))
    services.set_goal(current_user, proposal, form.goal.data)
    db.session.commit()
    flash(_("Saved."), "success")
    return see_other(url_for(".show", proposal_id=proposal.id))


# Co-authors --------------------------------------------------------------------------------------

@bp.post("/demands/<int:proposal_id>/coauthors")
@login_required
def invite_coauthor(proposal_id):
    proposal = visible_proposal(proposal_id)
    permissions.require(rules.can_invite_coauthor(current_user, proposal))
    form = CoauthorForm()
    user = accounts.find_by_email(form.email.data) if form.validate_on_submit() else None
    # A non-member reads like an unknown address: inviting must not reveal who has an account.
    if user is None or not user.is_active or not is_member(user, proposal.community):
        flash(_("No member of this community uses this email address."), "error")
    else:
        services.invite_coauthor(current_user, proposal, user)
        db.session.commit()
        flash(_("The invitation was sent."), "success")
    return see_other(url_for(".show", proposal_id=proposal.id))


@bp.post("/demands/<int:proposal_id>/coauthors/<any(accept, decline):answer>")
@login_required
def answer_invitation(proposal_id, answer):
    proposal = visible_proposal(proposal_id)
    permissions.require(rules.can_become_coauthor(current_user, proposal) if answer == "accept"
                        else rules.can_answer_coauthor_invitation(current_user, proposal))
    services.answer_invitation(current_user, proposal, answer == "accept")
    db.session.commit()
    flash(_("You are now a co-author.") if answer == "accept" else _("You declined the invitation."), "success")
    if answer == "decline" and not rules.can_view_proposal(current_user, proposal):
        return see_other(url_for(".mine"))
    return see_other(url_for(".show", proposal_id=proposal.id))


# Revisions ---------------------------------------------------------------------------------------

@bp.route("/demands/<int:proposal_id>/revisions")
def revisions(proposal_id):
    proposal = visible_proposal(proposal_id)
    return render_template("proposals/revisions.html", proposal=proposal, revisions=services.revisions(proposal))


@bp.route("/demands/<int:proposal_id>/diff")
def compare(proposal_id):
    proposal = visible_proposal(proposal_id)
    old = services.revision(proposal, query_int("from", 0))
    new = services.revision(proposal, query_int("to", 0))
    if old is None or new is None:
        abort(404)
    return render_template("proposals/diff.html", proposal=proposal, old=old, new=new,
                           changes=diff.revisions(old, new))


# Attachments -------------------------------------------------------------------------------------

def _attachment(proposal: Proposal, attachment_id: int) -> Attachment:
    return db.first_or_404(db.select(Attachment).where(Attachment.id == attachment_id,
                                                       Attachment.proposal_id == proposal.id))


@bp.route("/demands/<int:proposal_id>/attachments/<int:attachment_id>")
def attachment(proposal_id, attachment_id):
    item = _attachment(visible_proposal(proposal_id), attachment_id)
    response = storage.send(item.storage_key, item.content_type, download_name=item.filename,
                         as_attachment=item.content_type == "application/pdf", max_age=0, conditional=True)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.post("/demands/<int:proposal_id>/attachments/<int:attachment_id>/remove")
@login_required
def remove_attachment(proposal_id, attachment_id):
    proposal = visible_proposal(proposal_id)
    permissions.require(rules.can_edit_proposal(current_user, proposal))
    attachments.remove(current_user, _attachment(proposal, attachment_id))
    db.session.commit()
    flash(_("Removed."), "success")
    return see_other(url_for(".edit", proposal_id=proposal.id))


def init_app(app) -> None:
    app.register_blueprint(bp)
    personal_data.register("proposals", personal.export)
    contributors.connect(personal.contributors)
    texts.register()
