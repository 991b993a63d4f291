import logging
from datetime import date
from functools import wraps
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from wtforms import SelectChoice

from .. import permissions, sections, storage, throttle
from ..accounts import personal_data
from ..accounts import services as accounts
from ..accounts.signals import contributors, email_verified
from ..communities import services as communities
from ..database import write_transaction
from ..errors import InvalidInput, InvalidTransition, NotAllowed
from ..extensions import db
from ..htmx import after_post
from ..i18n import format_number, language
from ..proposals import attachments
from ..proposals import signals as proposal_signals
from ..proposals.access import visible_proposal
from ..proposals.forms import GoalForm
from ..proposals.models import Proposal
from ..proposals.rules import can_view_proposal
from ..redirects import see_other
from ..securitylog import loggable
from . import export, invalidation, networks, personal, rules, services, texts
from .forms import (CorrectPaperForm, InvalidateForm, InvalidationFilters, PaperBatchForm, ReasonForm,
                    RegisterAndSignForm, SignForm)
from .models import PaperBatch, Signature

bp = Blueprint("signatures", __name__)
log = logging.getLogger(__name__)


def box_context(proposal: Proposal) -> dict:
    """What the signing box of a demand page needs (also re-rendered alone for htmx)."""
    signature = services.signature_of(current_user, proposal)
    return {
        "proposal": proposal, "signature": signature, "latest": services.latest_public(proposal),
        "sign_form": SignForm(visibility=signature.visibility if signature else "public",
                              comment=signature.comment if signature else ""),
        "register_form": RegisterAndSignForm(formdata=None),
        "membership": communities.membership(proposal.community, current_user)
        if current_user.is_authenticated else None,
    }


def _box(proposal: Proposal):
    return after_post("signatures/_box.html", url_for("proposals.show", proposal_id=proposal.id) + "#signatures",
                      **box_context(proposal))


def _account_key() -> str:
    return f"sign:{current_user.id if current_user.is_authenticated else request.remote_addr}"


def _signer():
    return current_user if current_user.is_authenticated else None


def _free_of_the_ip_limit() -> bool:
    return networks.signing_access(request.remote_addr, _signer()) == networks.ALLOWED


def _refused_from_blocked_networks(view):
    """Signing from a network of SIGN_BLOCK_NETWORKS is a 403 that says why, before anything is counted (the
    limits included: placed above them)."""
    @wraps(view)
    def checked(*args, **kwargs):
        if networks.signing_access(request.remote_addr, _signer()) == networks.BLOCKED:
            log.warning("Signing refused from a blocked network on %s", loggable(request.path))
            raise NotAllowed(_("Signatures are not accepted from the network you are connected through (some VPNs "
                               "and hosting services are blocked). Please sign from another connection, or ask "
                               "your committee."))
        return view(*args, **kwargs)
    return checked


# Signing and withdrawing share one budget (per IP and per account): toggling cannot flood the counters. Allowed
# networks and email domains (config.py) are free of the per-IP one, never of the account's.
_signing_per_ip = throttle.shared_limit("SIGN_LIMIT_PER_IP", scope="signing-ip",
                                        exempt_when=_free_of_the_ip_limit)
_signing_per_account = throttle.shared_limit("SIGN_LIMIT_PER_ACCOUNT", scope="signing-account",
                                             key_func=_account_key)


@bp.post("/demands/<int:proposal_id>/sign")
@write_transaction
@login_required
@_refused_from_blocked_networks
@_signing_per_ip
@_signing_per_account
def sign(proposal_id):
    proposal = visible_proposal(proposal_id)
    permissions.require(rules.can_sign_proposal(current_user, proposal))
    form = SignForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        signature = services.sign(current_user, proposal, form.visibility.data, form.comment.data or "",
                                  address=request.remote_addr)
    except services.AlreadySigned:
        db.session.rollback()
        flash(_("You already signed this demand."), "info")
        return _box(db.session.get(Proposal, proposal_id))
    db.session.commit()
    if signature.status == "pending":
        flash(_("Thank you. Confirm your email address and your signature will count."), "success")
    else:
        flash(_("Thank you for signing."), "success")
    return _box(proposal)


@bp.post("/demands/<int:proposal_id>/sign/register")
@write_transaction
@_refused_from_blocked_networks
@throttle.limit("MAIL_FORM_LIMIT")
def register_and_sign(proposal_id):
    """A visitor registers and signs in one form; the signature counts once the emailed link is opened."""
    proposal = visible_proposal(proposal_id)
    if current_user.is_authenticated:
        return see_other(url_for("proposals.show", proposal_id=proposal.id))
    if not (proposal.community.is_open and proposal.status in {"open"}):
        abort(409)
    form = RegisterAndSignForm()
    if not form.validate_on_submit():
        return render_template("signatures/register.html", proposal=proposal, form=form)
    user = accounts.register(form.display_name.data, form.email.data, form.password.data, phone=form.phone.data,
                             locale=language())
    if user is not None:  # an existing address gets a mail instead, and the same answer below
        communities.join(user, proposal.community)
        services.sign(user, proposal, form.visibility.data, form.comment.data or "", address=request.remote_addr)
    db.session.commit()
    return see_other(url_for("accounts.check_email"))


@bp.post("/demands/<int:proposal_id>/signature")
@write_transaction
@login_required
def update(proposal_id):
    proposal = visible_proposal(proposal_id)
    permissions.require(rules.can_change_signature(current_user, proposal))
    form = SignForm()
    if not form.validate_on_submit():
        abort(400)
    services.update_choice(current_user, proposal, form.visibility.data, form.comment.data or "")
    db.session.commit()
    flash(_("Saved."), "success")
    return _box(proposal)


@bp.post("/demands/<int:proposal_id>/signature/withdraw")
@write_transaction
@login_required
@_signing_per_ip
@_signing_per_account
def withdraw(proposal_id):
    proposal = visible_proposal(proposal_id)
    services.withdraw(current_user, proposal)
    db.session.commit()
    flash(_("Your signature was withdrawn."), "success")
    return _box(proposal)


@bp.route("/demands/<int:proposal_id>/signers")
def signers(proposal_id):
    proposal = visible_proposal(proposal_id)
    page = db.paginate(services.signers(proposal), per_page=current_app.config["PER_PAGE"],
                       max_per_page=current_app.config["MAX_PER_PAGE"])
    return render_template("signatures/signers.html", proposal=proposal, page=page,
                           manage=rules.can_manage_signatures(current_user, proposal))


@bp.route("/demands/<int:proposal_id>/count.json")
def count(proposal_id):
    proposal = visible_proposal(proposal_id)
    response = jsonify(online=proposal.online_count, paper=proposal.paper_count, total=proposal.signature_count,
                       goal=proposal.signature_goal, goal_reached=proposal.goal_reached_at is not None)
    # Shared caches keep only what anyone may read: a demand under review (seen by its committee) stays private.
    public = can_view_proposal(None, proposal)
    response.headers["Cache-Control"] = ("public, max-age=60, stale-while-revalidate=120" if public
                                         else "private, no-store")
    return response


@bp.route("/demands/<int:proposal_id>/signers.csv")
@login_required
def signers_csv(proposal_id):
    proposal = visible_proposal(proposal_id)
    permissions.require(rules.can_manage_signatures(current_user, proposal))
    body = export.signers_csv(proposal, services.all_signatures(proposal))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=signers-{proposal.id}.csv", "Cache-Control": "no-store"})


# Paper and voiding (the committee) -------------------------------------------------------------

@bp.route("/demands/<int:proposal_id>/paper", methods=["GET", "POST"])
@write_transaction
@login_required
def paper(proposal_id):
    proposal = visible_proposal(proposal_id)
    permissions.require(rules.can_manage_signatures(current_user, proposal))
    form = PaperBatchForm()
    form.centre.choices = [SelectChoice(c.id, c.name) for c in proposal.community.centres]
    form.centre.validate_choice = bool(form.centre.choices)  # no centre yet: the sheet is entered without one
    if form.validate_on_submit():
        rows = _checked(form.rows, lambda: services.parse_rows(form.rows.data))
        scan = _checked(form.scan, lambda: attachments.prepare([(form.scan.data.read(), form.scan.data.filename)])[0])
        if rows is not None and scan is not None:
            centre = next((c for c in proposal.community.centres if c.id == form.centre.data), None)
            services.record_paper_batch(current_user, proposal, centre=centre, collected_on=form.collected_on.data,
                                        scan=scan, rows=rows)
            db.session.commit()
            flash(ngettext("%(n)s paper signature was added.", "%(n)s paper signatures were added.", len(rows),
                           n=format_number(len(rows))), "success")
            return see_other(url_for(".paper", proposal_id=proposal.id))
    if request.method == "GET":
        form.collected_on.data = date.today()
    return render_template("signatures/paper.html", proposal=proposal, form=form,
                           signatures=services.paper_signatures(proposal),
                           show_phones=rules.can_see_private_contact(current_user))


def _checked(field, compute):
    """compute(), or None with its InvalidInput message shown under `field` (the form keeps what was typed)."""
    try:
        return compute()
    except InvalidInput as error:
        field.errors = [*field.errors, error.message]
        return None


def _signature(signature_id: int) -> tuple[Signature, Proposal]:
    signature = db.get_or_404(Signature, signature_id)
    proposal = visible_proposal(signature.proposal_id)
    permissions.require(rules.can_manage_signatures(current_user, proposal))
    return signature, proposal


@bp.route("/signatures/<int:signature_id>/void", methods=["GET", "POST"])
@write_transaction
@login_required
def void(signature_id):
    signature, proposal = _signature(signature_id)
    form = ReasonForm()
    if form.validate_on_submit():
        services.void(current_user, signature, form.reason.data)
        db.session.commit()
        flash(_("The signature was voided."), "success")
        return see_other(url_for(".signers", proposal_id=proposal.id))
    return render_template("signatures/void.html", proposal=proposal, signature=signature, form=form)


@bp.route("/signatures/<int:signature_id>/correct", methods=["GET", "POST"])
@login_required
def correct(signature_id):
    signature, proposal = _signature(signature_id)
    form = CorrectPaperForm(obj=signature)
    if not rules.can_see_private_contact(current_user):
        del form.phone  # phones are for site administrators only; the stored one is kept
    if form.validate_on_submit():
        phone = (form.phone.data or "") if "phone" in form else (signature.phone or "")
        services.correct_paper(current_user, signature, name=form.name.data, neighbourhood=form.neighbourhood.data,
                               phone=phone, reason=form.reason.data)
        db.session.commit()
        flash(_("Saved."), "success")
        return see_other(url_for(".paper", proposal_id=proposal.id))
    return render_template("signatures/correct.html", proposal=proposal, signature=signature, form=form)


@bp.route("/demands/<int:proposal_id>/paper/<int:batch_id>/scan")
@login_required
def scan(proposal_id, batch_id):
    proposal = visible_proposal(proposal_id)
    permissions.require(rules.can_manage_signatures(current_user, proposal))
    batch = db.first_or_404(db.select(PaperBatch).where(PaperBatch.id == batch_id,
                                                        PaperBatch.proposal_id == proposal.id))
    response = storage.send(batch.scan_key, batch.scan_type,
                         download_name=batch.scan_filename, as_attachment=True, max_age=0)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# Voiding signatures together (the committee) ---------------------------------------------------

def _invalidation_demand(proposal_id: int) -> Proposal:
    """Anyone but the demand's committee is told nothing (404); the committee, once signing is over, why not."""
    proposal = visible_proposal(proposal_id)
    if not rules.can_manage_signatures(current_user, proposal):
        abort(404)
    if not rules.can_invalidate_signatures(current_user, proposal):
        raise InvalidTransition(_("Signatures are voided together only while the demand is open for "
                                  "signatures."))
    return proposal


def _match(form: InvalidationFilters, proposal: Proposal) -> invalidation.Match:
    """The form's filters, its local window read in the community's zone."""
    zone = ZoneInfo(proposal.community.timezone)
    since, until = (moment.replace(tzinfo=zone) if moment else None for moment in form.window())
    return invalidation.Match(network=form.network.data or "", domain=form.domain.data or "", since=since,
                              until=until, online_only=not form.with_paper.data)


def _confirmation(filters: InvalidationFilters, preview, reason: str = "") -> InvalidateForm:
    """The confirm step: the filters and the numbers shown, as hidden fields, and the reason to give."""
    return InvalidateForm(formdata=None, data={**filters.data, "reason": reason,
                                               "confirmed": preview.confirmed, "pending": preview.pending})


def _invalidation_page(proposal, filters, preview, confirm=None, status=200, **context):
    return render_template("signatures/invalidate.html", proposal=proposal, filters=filters, preview=preview,
                           confirm=confirm, tz=proposal.community.timezone, **context), status


def _look(proposal: Proposal):
    """The filters, what they match and, when something does, the confirm step."""
    filters = InvalidationFilters(request.args, meta={"csrf": False})
    if not (request.args and filters.validate()):
        return _invalidation_page(proposal, filters, invalidation.preview(proposal, invalidation.Match()))
    preview = invalidation.preview(proposal, _match(filters, proposal))
    return _invalidation_page(proposal, filters, preview, _confirmation(filters, preview) if preview.total else None)


@bp.route("/demands/<int:proposal_id>/signatures/invalidate", methods=["GET", "POST"])
@write_transaction
@login_required
def invalidate(proposal_id):
    """The committee looks for signatures that came in together (one network, one domain, one hour), then voids
    exactly what it was shown: if that changed meanwhile, 409 with the new numbers to confirm."""
    proposal = _invalidation_demand(proposal_id)
    if request.method == "GET":
        return _look(proposal)
    form = InvalidateForm()
    match = _match(form, proposal)
    if not form.validate_on_submit():
        return _invalidation_page(proposal, form, invalidation.preview(proposal, match), form)
    try:
        voided = invalidation.invalidate(current_user, proposal, match, form.reason.data,
                                         confirmed=form.confirmed.data, pending=form.pending.data)
    except invalidation.CountChanged as changed:
        preview = invalidation.preview(proposal, match)
        return _invalidation_page(proposal, form, preview, _confirmation(form, preview, form.reason.data), 409,
                                  changed=changed)
    db.session.commit()
    flash(ngettext("%(n)s signature was voided; each signer is told why.",
                   "%(n)s signatures were voided; each signer is told why.", voided, n=format_number(voided)),
          "success")
    return see_other(url_for(".signers", proposal_id=proposal.id))


def _demand_signing(proposal: Proposal) -> dict:
    return box_context(proposal) | {"goal_form": GoalForm(goal=proposal.signature_goal)}


def init_app(app) -> None:
    app.register_blueprint(bp)
    personal_data.register("signatures", personal.export)
    contributors.connect(personal.contributors)
    sections.add("demand.aside", "signing", "signatures/_demand_signing.html", _demand_signing, order=40)
    texts.register()
    email_verified.connect(services.on_email_verified)
    proposal_signals.followers.connect(services.on_followers)
    proposal_signals.merged.connect(services.on_merged)
    proposal_signals.goal_changed.connect(services.on_goal_changed)
    proposal_signals.moved.connect(services.on_moved)
