"""The council's side in the browser: its inbox, each letter with the answer forms, the residents' check, and the
public accountability pages. Registered on the council blueprint."""
from flask import abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import permissions, storage
from ..communities.models import Community, Council
from ..database import write_transaction
from ..deliberation import services as deliberation
from ..errors import DomainError, InvalidInput
from ..extensions import db
from ..i18n import direction
from ..letters import deadlines
from ..letters.models import Letter
from ..params import query_int
from ..proposals import states
from ..proposals.access import visible_proposal
from ..proposals.forms import ReasonForm
from ..proposals.models import CATEGORIES
from ..proposals.rules import can_transition_proposal
from ..redirects import see_other
from ..voting import charts
from ..voting.services import for_proposal as vote_of
from . import responses, rules, stats
from .blueprint import bp
from .forms import AcknowledgeForm, AnswerForm, CheckForm, InboxFilterForm, ProgressForm
from .models import DECISION_LABELS, CouncilResponse, ResolutionCheck, ResponsePhoto
from .services import staff_membership

INBOX_PAGE = 50


def _council_or_404(council_id: int) -> Council:
    """Another council's inbox does not exist for you: 404, so a council learns nothing of another's letters."""
    council = db.get_or_404(Council, council_id)
    if not rules.can_view_council_inbox(current_user, council):
        abort(404)
    return council


def _letter_or_404(council: Council, letter_id: int) -> Letter:
    letter = db.first_or_404(select(Letter).where(Letter.id == letter_id, Letter.council_id == council.id,
                                                  Letter.status == "sent"))
    if not rules.can_view_council_letter(current_user, letter):
        abort(404)
    return letter


def _files(field) -> list[tuple[bytes, str]]:
    return [(item.read(), item.filename) for item in (field.data or []) if item and item.filename]


# Inbox --------------------------------------------------------------------------------------------

@bp.route("/council/inbox")
@login_required
def my_inbox():
    """The staff member's own council inbox (the link in the menu)."""
    staff = staff_membership(current_user)
    if staff is None:
        abort(404)
    return see_other(url_for(".inbox", council_id=staff.council_id))


@bp.route("/councils/<int:council_id>/inbox")
@login_required
def inbox(council_id):
    council = _council_or_404(council_id)
    today = deadlines.today(council)
    form = InboxFilterForm(request.args)
    communities = stats.inbox_communities(council.id)
    form.community.choices = [(0, _("All communities"))] + [(c.id, c.name) for c in communities]
    form.category.choices = [("", _("All categories"))] + list(CATEGORIES.items())
    form.status.choices = ([("", _("All statuses")), ("overdue", _("Overdue"))]
                           + [(s, states.LABELS[s]) for s in stats.INBOX_STATUSES])
    community_id = query_int("community", minimum=0) or None  # 0: all communities
    category = request.args.get("category", "") if request.args.get("category") in CATEGORIES else ""
    status = request.args.get("status", "")
    page = db.paginate(stats.inbox(council.id, community_id=community_id, category=category, status=status,
                                   today=today), per_page=INBOX_PAGE, error_out=False)
    return render_template("council/inbox.html", council=council, page=page, form=form, today=today,
                           days_left=deadlines.days_left,
                           filters={"community": community_id or "", "category": category, "status": status})


def _letter_page(council: Council, letter: Letter, status: int = 200, **forms):
    proposal = letter.proposal
    round_ = responses.current_round(proposal)
    contested = responses.latest_contested_round(proposal)
    context = dict(
        council=council, letter=letter, proposal=proposal, responses=responses.of(proposal),
        poll=vote_of(proposal), argument_counts=deliberation.stance_counts(proposal),
        strongest=deliberation.strongest(proposal),
        today=deadlines.today(council), days_left=deadlines.days_left,
        round=round_, tally=responses.tally(round_) if round_ else None,
        round_closes=responses.check_closes_at(round_) if round_ else None,
        contested=contested, contests=responses.contests(contested) if contested else [],
        contested_tally=responses.tally(contested) if contested else None,
        acknowledge_form=forms.get("acknowledge_form") or AcknowledgeForm(),
        answer_form=forms.get("answer_form") or AnswerForm(),
        progress_form=forms.get("progress_form") or ProgressForm())
    return render_template("council/letter.html", **context), status


@bp.route("/councils/<int:council_id>/letters/<int:letter_id>")
@login_required
def letter(council_id, letter_id):
    council = _council_or_404(council_id)
    return _letter_page(council, _letter_or_404(council, letter_id))


def _respond(council_id: int, letter_id: int, predicate, form_class, form_name: str, act, message: str):
    council = _council_or_404(council_id)
    letter = _letter_or_404(council, letter_id)
    permissions.require(predicate(current_user, letter))
    form = form_class()
    if form.validate_on_submit():
        try:
            act(letter, form)
        except InvalidInput as error:  # a photo refused, or a rule the form could not see
            db.session.rollback()
            form.form_errors.append(error.message)
        else:
            db.session.commit()
            flash(message, "success")
            return see_other(url_for(".letter", council_id=council.id, letter_id=letter.id))
    db.session.rollback()
    return _letter_page(council, letter, 400, **{form_name: form})


@bp.post("/councils/<int:council_id>/letters/<int:letter_id>/acknowledge")
@login_required
@write_transaction
def acknowledge(council_id, letter_id):
    return _respond(council_id, letter_id, rules.can_acknowledge_letter, AcknowledgeForm, "acknowledge_form",
                    lambda letter, form: responses.acknowledge(
                        current_user, letter, registry_number=form.registry_number.data or "",
                        body=form.body.data or "", language=form.language.data),
                    _("Receipt acknowledged. The residents are told."))


@bp.post("/councils/<int:council_id>/letters/<int:letter_id>/answer")
@login_required
@write_transaction
def answer(council_id, letter_id):
    return _respond(council_id, letter_id, rules.can_answer_letter, AnswerForm, "answer_form",
                    lambda letter, form: responses.answer(
                        current_user, letter, form.decision.data, body=form.body.data or "",
                        referred_to=form.referred_to.data or "", language=form.language.data,
                        photos=_files(form.photos)),
                    _("The answer is published on the demand's page. The residents are told."))


@bp.post("/councils/<int:council_id>/letters/<int:letter_id>/progress")
@login_required
@write_transaction
def progress(council_id, letter_id):
    return _respond(council_id, letter_id, rules.can_post_progress, ProgressForm, "progress_form",
                    lambda letter, form: responses.post_progress(
                        current_user, letter, form.stage.data, form.body.data or "",
                        scheduled_for=form.scheduled_for.data, language=form.language.data,
                        photos=_files(form.photos)),
                    _("The update is published on the demand's page. The residents are told."))


# Photos -------------------------------------------------------------------------------------------

def _image(key: str, content_type: str, cache: str):
    response = storage.send(key, content_type, max_age=0, conditional=True)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = cache
    return response


@bp.route("/demands/<int:proposal_id>/council-photos/<int:photo_id>")
def response_photo(proposal_id, photo_id):
    """A photo the council published with its answer or progress: public like the demand."""
    proposal = visible_proposal(proposal_id)
    photo = db.first_or_404(select(ResponsePhoto).join(CouncilResponse).where(
        ResponsePhoto.id == photo_id, CouncilResponse.proposal_id == proposal.id))
    return _image(photo.storage_key, photo.content_type, "public, max-age=86400")


@bp.route("/demands/<int:proposal_id>/checks/<int:check_id>/photo")
@login_required
def check_photo(proposal_id, check_id):
    """A resident's photo contesting the repair: for the committee and the council's staff."""
    proposal = visible_proposal(proposal_id)
    item = db.first_or_404(select(ResolutionCheck).where(ResolutionCheck.id == check_id,
                                                         ResolutionCheck.proposal_id == proposal.id))
    if not item.photo_key or not rules.can_view_resolution_checks(current_user, proposal):
        abort(404)
    return _image(item.photo_key, item.photo_type, "private, no-store")


# Residents' check -------------------------------------------------------------------------------

@bp.route("/demands/<int:proposal_id>/is-it-fixed", methods=["GET", "POST"])
@login_required
@write_transaction
def check(proposal_id):
    proposal = visible_proposal(proposal_id)
    if responses.settle(proposal):
        db.session.commit()
    permissions.require(rules.can_check_resolution(current_user, proposal))
    round_ = responses.current_round(proposal)
    existing = responses.check_of(current_user, round_)
    form = CheckForm(obj=existing) if request.method == "GET" else CheckForm()
    status = 200
    if form.validate_on_submit():
        upload = form.photo.data
        photo = (upload.read(), upload.filename) if upload and upload.filename else None
        try:
            responses.check(current_user, proposal, form.verdict.data, form.comment.data or "", photo)
        except InvalidInput as error:
            db.session.rollback()
            form.photo.errors = [error.message]
            status = 400
        else:
            db.session.commit()
            flash(_("Thank you: your answer is counted.") if form.verdict.data == "confirm" else
                  _("Thank you: your answer is counted, and the council will see what you wrote."), "success")
            return see_other(url_for("proposals.show", proposal_id=proposal.id))
    elif request.method == "POST":
        status = 400
    return render_template("council/check.html", proposal=proposal, round=round_, form=form, existing=existing,
                           closes_at=responses.check_closes_at(round_)), status


@bp.route("/demands/<int:proposal_id>/reopen", methods=["GET", "POST"])
@login_required
@write_transaction
def reopen(proposal_id):
    """The committee decides the council's "resolved" is not true: the demand goes back to in progress."""
    proposal = visible_proposal(proposal_id)
    permissions.require(can_transition_proposal(current_user, proposal, "reopen"))
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            responses.reopen(current_user, proposal, form.reason.data)
        except DomainError as error:
            db.session.rollback()
            form.reason.errors = [error.message]
        else:
            db.session.commit()
            flash(_("The demand is back in progress; the council and the residents are told."), "success")
            return see_other(url_for("proposals.show", proposal_id=proposal.id))
    status = 400 if request.method == "POST" else 200
    return render_template("proposals/reason.html", proposal=proposal, form=form, action="reopen"), status


# Accountability --------------------------------------------------------------------------------

def _charts(figures) -> dict:
    rtl = direction() == "rtl"
    funnel = charts.bars([(_("Received"), figures.received), (_("Acknowledged"), figures.acknowledged),
                          (_("Answered"), figures.answered), (_("Resolved"), figures.resolved)], rtl,
                         total=figures.received)
    decisions = charts.bars([(DECISION_LABELS[key], figures.decisions.get(key, 0)) for key in DECISION_LABELS], rtl)
    return {"funnel": funnel, "decisions": decisions}


@bp.route("/councils/<int:council_id>/accountability")
def accountability(council_id):
    council = db.get_or_404(Council, council_id)
    today = deadlines.today(council)
    figures = stats.figures(today, council_id=council.id)
    return render_template("council/accountability.html", council=council, community=None, figures=figures,
                           overdue=stats.overdue(today, council_id=council.id), today=today, **_charts(figures))


@bp.route("/communities/<slug>/accountability")
def community_accountability(slug):
    community = db.first_or_404(select(Community).where(Community.slug == slug))
    today = deadlines.local_date(deadlines.utcnow(), community.timezone)
    figures = stats.figures(today, community_id=community.id)
    return render_template("council/accountability.html", council=None, community=community, figures=figures,
                           overdue=stats.overdue(today, community_id=community.id), today=today, **_charts(figures))

