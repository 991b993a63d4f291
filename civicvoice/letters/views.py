import io
from types import SimpleNamespace

from flask import Blueprint, Response, abort, flash, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import permissions, sections, storage
from ..accounts import personal_data
from ..accounts.signals import contributors
from ..database import write_transaction
from ..errors import InvalidInput
from ..extensions import db
from ..forms import ActionForm
from ..i18n import format_number, ltr_text
from ..proposals import attachments
from ..proposals.access import visible_proposal
from ..redirects import see_other
from . import approval, deadlines, document, personal, rules, services, texts
from .forms import (
    ApproveForm,
    CreateLetterForm,
    HandDeliveryForm,
    LetterForm,
    VerifyCodeForm,
    VerifyFileForm,
    signatories_text,
)
from .models import LANGUAGE_LABELS, STATUS_LABELS, Letter, LetterVersion

bp = Blueprint("letters", __name__)


@bp.app_context_processor
def _labels():
    return {"letter_status": STATUS_LABELS, "language_labels": LANGUAGE_LABELS}


def _letter(proposal_id: int) -> Letter:
    proposal = visible_proposal(proposal_id)
    letter = services.of(proposal)
    if letter is None:
        abort(404)
    permissions.require(rules.can_view_letter(current_user, letter))
    return letter


def _here(letter: Letter) -> str:
    return url_for(".show", proposal_id=letter.proposal_id)


def _file_name(letter: Letter | None, proposal, suffix: str = "") -> str:
    stem = letter.reference.replace("/", "-") if letter else f"draft-{proposal.id}"
    return f"{stem}{suffix}.pdf"


def _pdf_response(data: bytes, filename: str) -> Response:
    response = send_file(io.BytesIO(data), mimetype="application/pdf", download_name=filename, as_attachment=True,
                         max_age=0)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _language_arg(default: str) -> str:
    value = request.args.get("lang", default)
    return value if value in document.PARTS else default


# The committee's letter -----------------------------------------------------------------------

@bp.route("/demands/<int:proposal_id>/letter")
@login_required
def show(proposal_id):
    proposal = visible_proposal(proposal_id)
    letter = services.of(proposal)
    if letter is None:
        permissions.require(rules.can_draft_letter(current_user, proposal))
        return render_template("letters/new.html", proposal=proposal, form=CreateLetterForm())
    permissions.require(rules.can_view_letter(current_user, letter))
    return render_template("letters/show.html", proposal=proposal, letter=letter, version=letter.current,
                           action=ActionForm(), delivery=HandDeliveryForm(formdata=None,
                                                                          delivered_on=services.local_today(
                                                                              letter.community)),
                           **_approval(letter))


def _approval(letter: Letter) -> dict:
    """The content an approver reads and the form that approves exactly it (only for those who may approve)."""
    if not rules.can_approve_letter(current_user, letter):
        return {"approval": None, "approve_form": None}
    content = approval.content(letter)
    text = approval.encode(content)
    form = ApproveForm(formdata=None, version=str(content["version"]), fingerprint=approval.fingerprint(content),
                       read=text)
    return {"approval": content, "approve_form": form}


@bp.post("/demands/<int:proposal_id>/letter")
@login_required
@write_transaction
def create(proposal_id):
    proposal = visible_proposal(proposal_id)
    permissions.require(rules.can_draft_letter(current_user, proposal))
    form = CreateLetterForm()
    if not form.validate_on_submit():
        return render_template("letters/new.html", proposal=proposal, form=form), 400
    letter = services.create(current_user, proposal, form.language.data)
    db.session.commit()
    flash(_("The draft letter %(reference)s is ready: check it, then ask another committee member to approve it.",
            reference=ltr_text(letter.reference)), "success")
    return see_other(url_for(".edit", proposal_id=proposal.id))


@bp.route("/demands/<int:proposal_id>/letter/edit", methods=["GET", "POST"])
@login_required
@write_transaction
def edit(proposal_id):
    letter = _letter(proposal_id)
    permissions.require(rules.can_edit_letter(current_user, letter))
    version = letter.current
    form = LetterForm(obj=version) if request.method == "GET" else LetterForm()
    if request.method == "GET":
        form.signatories.data = signatories_text(version.signatories)
    if form.validate_on_submit():
        was_approved = version.approved_at is not None
        saved = services.edit(current_user, letter, **form.values())
        db.session.commit()
        if saved.number != version.number:
            flash(_("Saved as version %(n)s: it needs approval again.", n=format_number(saved.number)), "success")
        elif was_approved:
            flash(_("Nothing changed."), "info")
        else:
            flash(_("The draft is saved."), "success")
        return see_other(_here(letter))
    status = 400 if request.method == "POST" else 200
    return render_template("letters/edit.html", proposal=letter.proposal, letter=letter, version=version,
                           form=form), status


@bp.post("/demands/<int:proposal_id>/letter/counts")
@login_required
@write_transaction
def refresh_counts(proposal_id):
    letter = _letter(proposal_id)
    permissions.require(rules.can_edit_letter(current_user, letter))
    ActionForm().validate_on_submit() or abort(400)
    before = letter.current.number
    version = services.refresh_evidence(current_user, letter)
    db.session.commit()
    flash(_("The counts are up to date (version %(n)s).", n=format_number(version.number)) if version.number != before
          else _("The counts are up to date."), "success")
    return see_other(_here(letter))


@bp.post("/demands/<int:proposal_id>/letter/approve")
@login_required
@write_transaction
def approve(proposal_id):
    letter = _letter(proposal_id)
    permissions.require(rules.can_approve_letter(current_user, letter))
    form = ApproveForm()
    form.validate_on_submit() or abort(400)
    try:
        version = services.approve(current_user, letter, version_number=form.version_number(),
                                   seen=form.fingerprint.data)
    except services.LetterChanged as changed:
        # Nothing approved: what changed since it was read, the letter as it is now, and a fresh form for it.
        db.session.rollback()
        letter = _letter(proposal_id)
        return render_template("letters/changed.html", proposal=letter.proposal, letter=letter,
                               version=letter.current, changes=approval.changes(form.read_content(), changed.content),
                               **_approval(letter)), 409
    db.session.commit()
    flash(_("Version %(n)s is approved and frozen. Verification code: %(code)s.", n=format_number(version.number),
            code=ltr_text(version.verification_code)), "success")
    return see_other(_here(letter))


@bp.post("/demands/<int:proposal_id>/letter/send-email")
@login_required
@write_transaction
def send_email(proposal_id):
    letter = _letter(proposal_id)
    permissions.require(rules.can_send_letter(current_user, letter))
    ActionForm().validate_on_submit() or abort(400)
    services.send_by_email(current_user, letter)
    db.session.commit()
    flash(_("The letter is emailed to %(address)s. The council's response time starts today; the co-signers are told.",
            address=ltr_text(letter.sent_to)), "success")
    return see_other(_here(letter))


@bp.post("/demands/<int:proposal_id>/letter/deliver")
@login_required
@write_transaction
def deliver(proposal_id):
    letter = _letter(proposal_id)
    permissions.require(rules.can_send_letter(current_user, letter))
    form = HandDeliveryForm()
    if form.validate_on_submit():
        if form.delivered_on.data > services.local_today(letter.community):
            form.delivered_on.errors = [_("The delivery date cannot be in the future.")]
        else:
            upload = form.receipt.data
            receipt = (upload.read(), upload.filename) if upload and upload.filename else None
            try:
                services.record_hand_delivery(current_user, letter, delivered_on=form.delivered_on.data,
                                              delivered_by=form.delivered_by.data,
                                              registry_number=form.registry_number.data or "", receipt=receipt)
            except InvalidInput as error:  # the receipt file: empty, too large, not an image
                form.receipt.errors = [error.message]
            else:
                db.session.commit()
                flash(_("The delivery is recorded. The council's response time runs from the day it was handed "
                        "in; the co-signers are told."), "success")
                return see_other(_here(letter))
    db.session.rollback()
    return render_template("letters/show.html", proposal=letter.proposal, letter=letter, version=letter.current,
                           action=ActionForm(), delivery=form, **_approval(letter)), 400


@bp.route("/demands/<int:proposal_id>/letter/receipt")
@login_required
def receipt(proposal_id):
    letter = _letter(proposal_id)
    if not letter.receipt_key:
        abort(404)
    response = storage.send(letter.receipt_key, letter.receipt_type,
                         download_name=f"{letter.reference.replace('/', '-')}-receipt."
                                       f"{attachments.EXTENSIONS.get(letter.receipt_type, 'bin')}", max_age=0)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/demands/<int:proposal_id>/letter.pdf")
@login_required
def download(proposal_id):
    """The issued PDF once approved (byte for byte what the verification page hashes); before, a watermarked
    preview, in any language."""
    letter = _letter(proposal_id)
    issued = letter.issued
    if issued is not None:
        return _pdf_response(services.issued_pdf(issued), _file_name(letter, letter.proposal))
    preview = _preview(letter)
    data, _pages = document.pdf(letter, preview, draft=True)
    return _pdf_response(data, _file_name(letter, letter.proposal, "-draft"))


@bp.route("/demands/<int:proposal_id>/letter/versions/<int:number>.pdf")
@login_required
def version_pdf(proposal_id, number):
    """An earlier approved version, as it was issued (a replaced letter can still be checked)."""
    letter = _letter(proposal_id)
    version = db.first_or_404(db.select(LetterVersion).where(LetterVersion.letter_id == letter.id,
                                                             LetterVersion.number == number,
                                                             LetterVersion.approved_at.is_not(None)))
    return _pdf_response(services.issued_pdf(version), _file_name(letter, letter.proposal, f"-v{number}"))


def _preview(letter: Letter):
    """The current version in the language asked for (a preview only: it is not what gets approved)."""
    version = letter.current
    values = {name: getattr(version, name) for name in services.EDITABLE_FIELDS}
    values["language"] = _language_arg(version.language)
    return SimpleNamespace(number=version.number, evidence=version.evidence, approved_at=None,
                           verification_code=None, **values)


@bp.route("/demands/<int:proposal_id>/letter/print")
@login_required
def printable(proposal_id):
    letter = _letter(proposal_id)
    issued = letter.issued
    if issued is not None and request.args.get("lang", issued.language) == issued.language:
        return document.html(letter, issued, for_pdf=False)
    return document.html(letter, _preview(letter), draft=True, for_pdf=False)


# The authors' copy for discussion --------------------------------------------------------------

@bp.route("/demands/<int:proposal_id>/letter/discussion.pdf")
@login_required
def discussion_pdf(proposal_id):
    proposal = visible_proposal(proposal_id)
    permissions.require(rules.can_download_discussion_draft(current_user, proposal))
    content = services.discussion_draft(proposal, _language_arg("ar"))
    data, _pages = document.pdf(None, content, draft=True, proposal=proposal)
    return _pdf_response(data, _file_name(None, proposal))


@bp.route("/demands/<int:proposal_id>/letter/discussion")
@login_required
def discussion(proposal_id):
    proposal = visible_proposal(proposal_id)
    permissions.require(rules.can_download_discussion_draft(current_user, proposal))
    content = services.discussion_draft(proposal, _language_arg("ar"))
    return document.html(None, content, draft=True, proposal=proposal, for_pdf=False)


# Public verification ---------------------------------------------------------------------------

@bp.route("/verify")
def verify_form():
    form = VerifyCodeForm(request.args)
    if request.args and form.validate():
        return see_other(url_for(".verify", code=services.normalise_code(form.code.data)))
    return render_template("letters/verify_form.html", form=form)


@bp.route("/verify/<code>", methods=["GET", "POST"])
def verify(code):
    version = services.by_code(code)
    if version is None:
        return render_template("letters/verify_form.html", form=VerifyCodeForm(formdata=None, code=code),
                               unknown=True), 404
    form = VerifyFileForm()
    outcome = None
    if form.validate_on_submit():
        upload = form.pdf.data
        data = upload.read() if upload and upload.filename else b""
        if not data:
            form.pdf.errors = [_("Choose the PDF file to check.")]
        else:
            outcome = "match" if services.matches(version, data) else "mismatch"
    letter = version.letter
    status = 200 if request.method == "GET" or outcome else 400
    return render_template("letters/verify.html", version=version, letter=letter, proposal=letter.proposal,
                           form=form, outcome=outcome, latest=letter.issued), status


def _demand_letter(proposal):
    """The letter's card; while the council has not answered a sent letter, the days left (negative: overdue)."""
    letter = services.of(proposal)
    waiting = letter is not None and letter.status == "sent" and letter.answered_at is None
    days_left = deadlines.days_left(letter.response_due_on, deadlines.today(letter.council)) if waiting else None
    return {"letter": letter, "answer_days_left": days_left}


def init_app(app) -> None:
    app.register_blueprint(bp)
    personal_data.register("letters", personal.export)
    contributors.connect(personal.contributors)
    sections.add("demand.aside", "letter", "letters/_demand_letter.html", _demand_letter, order=20)
    texts.register()
