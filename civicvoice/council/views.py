from flask import flash, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import permissions, sections
from ..accounts import personal_data
from ..accounts.signals import contributors
from ..communities.models import Council, CouncilStaff
from ..communities.services import all_councils
from ..errors import DomainError
from ..extensions import db
from ..forms import ActionForm
from ..i18n import language
from ..letters.rules import letter_of
from ..proposals import signals as proposal_signals
from ..redirects import see_other
from ..accounts.signin import sign_in
from . import answer_views, personal, responses, rules, services, texts  # noqa: F401 - answer_views adds the answers and accountability pages to bp
from .blueprint import bp
from .forms import AcceptInviteForm, CouncilForm, InviteStaffForm


@bp.route("/councils")
def index():
    return render_template("council/index.html", councils=all_councils())


@bp.route("/councils/<int:council_id>")
def show(council_id):
    council = db.get_or_404(Council, council_id)
    return render_template("council/show.html", council=council)


def _council_form_data(form: CouncilForm) -> dict:
    return {"name": form.name.data, "jurisdiction": form.jurisdiction.data, "contact_email": form.contact_email.data,
            "postal_address": form.postal_address.data, "response_days": form.response_days.data,
            "timezone": form.timezone.data, "working_days": form.working_days.data, "weekend": form.weekend.data or []}


@bp.route("/admin/councils/new", methods=["GET", "POST"])
@login_required
def create():
    permissions.require(rules.can_create_council(current_user))
    form = CouncilForm()
    if form.validate_on_submit():
        council = services.create_council(current_user, **_council_form_data(form))
        db.session.commit()
        flash(_("The council was created."), "success")
        return see_other(url_for(".show", council_id=council.id))
    return render_template("council/form.html", form=form, council=None)


@bp.route("/councils/<int:council_id>/edit", methods=["GET", "POST"])
@login_required
def edit(council_id):
    council = db.get_or_404(Council, council_id)
    permissions.require(rules.can_edit_council(current_user, council))
    form = CouncilForm(obj=council)
    if not form.is_submitted():
        # `obj` wins over keyword data in WTForms: the stored "4,5" string would check no box, and saving the form
        # unchanged would then clear the weekend.
        form.weekend.data = sorted(council.weekend_days)
    if form.validate_on_submit():
        services.update_council(current_user, council, **_council_form_data(form))
        db.session.commit()
        flash(_("Saved."), "success")
        return see_other(url_for(".show", council_id=council.id))
    return render_template("council/form.html", form=form, council=council)


@bp.route("/councils/<int:council_id>/staff", methods=["GET", "POST"])
@login_required
def staff(council_id):
    council = db.get_or_404(Council, council_id)
    permissions.require(rules.can_view_council_staff(current_user, council))
    form = InviteStaffForm()
    if form.validate_on_submit():
        permissions.require(rules.can_invite_council_staff(current_user, council))
        services.invite_staff(current_user, council, form.email.data, form.role.data, locale=language())
        db.session.commit()
        flash(_("The invitation was sent to %(email)s.", email=form.email.data), "success")
        return see_other(url_for(".staff", council_id=council.id))
    return render_template("council/staff.html", council=council, staff=services.staff_of(council), form=form,
                           action_form=ActionForm())


@bp.post("/councils/<int:council_id>/staff/<int:staff_id>/remove")
@login_required
def remove_staff(council_id, staff_id):
    council = db.get_or_404(Council, council_id)
    member = db.first_or_404(db.select(CouncilStaff).where(CouncilStaff.id == staff_id,
                                                           CouncilStaff.council_id == council.id))
    permissions.require(rules.can_invite_council_staff(current_user, council))
    services.remove_staff(current_user, member)
    db.session.commit()
    flash(_("Removed."), "success")
    return see_other(url_for(".staff", council_id=council.id))


@bp.route("/council-invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token):
    invitation, council = services.invitation(token)
    if invitation is None:
        flash(_("This invitation is invalid, expired or already used."), "error")
        return see_other(url_for("communities.index"))
    form = AcceptInviteForm() if not current_user.is_authenticated else ActionForm()
    if form.validate_on_submit():
        try:
            if current_user.is_authenticated:
                # The account itself, not the current_user proxy: sign_in() below stores what it is given.
                user = services.accept_invitation(token, current_user._get_current_object())
            else:
                user = services.accept_invitation(token, display_name=form.display_name.data,
                                                  password=form.password.data, locale=language())
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            # A new session either way: acting for a council is a staff role, with its shorter timeout.
            sign_in(user)
            db.session.commit()
            flash(_("Welcome: you now act for %(council)s.", council=council.name), "success")
            return see_other(url_for(".show", council_id=council.id))
    return render_template("council/accept_invitation.html", form=form, council=council, invitation=invitation)



def _demand_responses(proposal) -> dict:
    return responses.page_context(proposal, current_user, letter_of(proposal))


def init_app(app) -> None:
    app.register_blueprint(bp)
    personal_data.register("council", personal.export)
    contributors.connect(personal.contributors)
    sections.add("demand.after", "council", "council/_responses.html", _demand_responses, order=10)
    proposal_signals.viewed.connect(responses.on_viewed)
    texts.register()
