import io

from flask import Blueprint, abort, current_app, flash, render_template, request, send_file, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from .. import permissions, sections, securitylog, throttle
from ..activity import services as notifications
from ..activity.kinds import KINDS
from ..activity.recipients import read_unsubscribe_token
from ..database import utcnow, write_transaction
from ..errors import InvalidInput
from ..extensions import csrf, db
from ..forms import ActionForm
from ..i18n import force_locale, format_number, language
from ..redirects import safe_next, see_other
from . import personal, personal_data, rules, services, signals, signin
from . import sessions as user_sessions
from .forms import (
    ChangePasswordForm,
    DeleteAccountForm,
    LanguageForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetForm,
    ResetRequestForm,
)
from .models import User, UserSession
from .signin import current_session, sign_in, sign_out

bp = Blueprint("accounts", __name__)


def _mailbox(email: str) -> str:
    email = (email or "").strip()
    return services.email_key(email) if "@" in email else email.casefold()


def _login_key() -> str:
    """Failed sign-ins are counted per mailbox, whichever address they come from. The key is a tag of it: limits'
    keys are stored (Redis) and logged (Flask-Limiter), addresses must not be."""
    return "login:" + securitylog.tag("mailbox", _mailbox(request.form.get("email")))


def _failed(response) -> bool:
    return response.status_code != 303


@bp.route("/register", methods=["GET", "POST"])
@throttle.limit("MAIL_FORM_LIMIT", methods=["POST"], deduct_when=lambda response: response.status_code == 303)
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        services.register(form.display_name.data, form.email.data, form.password.data, phone=form.phone.data,
                          locale=language())
        db.session.commit()
        session["registered_email"] = form.email.data
        return see_other(url_for("accounts.check_email"))
    return render_template("accounts/register.html", form=form)


@bp.route("/register/check-email")
def check_email():
    return render_template("accounts/check_email.html", email=session.get("registered_email"))


@bp.route("/account/verify/<token>")
def verify_email(token):
    return render_template("accounts/verify_confirm.html", token=token, form=ActionForm())


@bp.post("/account/verify/<token>")
@write_transaction  # counts the pending signatures
def verify_email_confirm(token):
    # A POST, not the GET: mail scanners that prefetch links must not consume the token.
    # (CSRFProtect checks the token of every POST before any view runs.)
    try:
        user = services.verify_email(token)
        told = signals.announce_email_verified(user)  # e.g. signatures given before confirming count from now on
    except InvalidInput as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return see_other(url_for("accounts.login"))
    db.session.commit()
    flash(_("Thank you: your email address is verified."), "success")
    for message in told:
        flash(message, "success")
    return see_other(url_for("communities.index") if current_user.is_authenticated else url_for("accounts.login"))


@bp.post("/account/verify/resend")
@login_required
@throttle.limit("MAIL_FORM_LIMIT")
def resend_verification():
    if services.resend_verification(current_user):
        flash(_("We sent a new verification link to your email address."), "success")
    db.session.commit()
    return see_other(url_for("accounts.profile"))


@bp.route("/login", methods=["GET", "POST"])
@throttle.limit("LOGIN_LIMIT_PER_IP", methods=["POST"], deduct_when=_failed)
@throttle.limit("LOGIN_LIMIT_PER_ACCOUNT", key_func=_login_key, methods=["POST"], deduct_when=_failed)
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            securitylog.sign_in_failed(_mailbox(form.email.data), "credentials")
            form.password.errors.append(_("The email address or password is not correct."))
        else:
            # A language chosen on this device before signing in becomes the account's; one merely left
            # behind by the previous person who signed out here (a shared computer at the centre) does not.
            locale = session.get("locale") if not session.get("locale_inherited") else None
            sign_in(user, remember=form.remember.data)
            if locale and locale != user.locale:
                services.set_locale(user, locale)
            db.session.commit()
            return see_other(safe_next(form.next.data))
    elif form.is_submitted():
        securitylog.sign_in_failed(_mailbox(form.email.data), "form")
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout():
    locale = current_user.locale if current_user.is_authenticated else session.get("locale")
    sign_out()
    db.session.commit()
    if locale:
        session["locale"], session["locale_inherited"] = locale, True
    flash(_("You are signed out."), "success")
    return see_other(url_for("communities.index"))


@bp.route("/account/reset", methods=["GET", "POST"])
@throttle.limit("MAIL_FORM_LIMIT", methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, locale=language())
        db.session.commit()
        return render_template("accounts/reset_sent.html", email=form.email.data)
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/account/reset/<token>", methods=["GET", "POST"])
def reset(token):
    if not services.reset_token_valid(token):
        flash(_("This reset link is invalid or has expired. Ask for a new one."), "error")
        return see_other(url_for("accounts.reset_request"))
    form = ResetForm()
    if form.validate_on_submit():
        services.reset_password(token, form.password.data)
        sign_out()  # whoever was signed in on this browser: the reset ended every session of that account
        db.session.commit()
        flash(_("Your password was changed. Sign in with the new one."), "success")
        return see_other(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        permissions.require(rules.can_edit_profile(current_user, current_user))
        services.update_profile(current_user, display_name=form.display_name.data, phone=form.phone.data,
                                locale=form.locale.data, digits=form.digits.data,
                                show_name_publicly=form.show_name_publicly.data)
        db.session.commit()
        session["locale"] = current_user.locale
        flash(_("Your profile was saved."), "success")
        return see_other(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form, password_form=ChangePasswordForm(),
                           sections=sections.render("account.profile", user=current_user), action_form=ActionForm())


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.new_password.data,
                                     keep=current_session())
        except InvalidInput as error:
            db.session.rollback()
            form.current_password.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Your password was changed. Other devices were signed out."), "success")
            return see_other(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    permissions.require(rules.can_delete_account(current_user, current_user))
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            services.delete_account(current_user, form.password.data)
        except InvalidInput as error:
            db.session.rollback()
            form.password.errors.append(error.message)
        else:
            db.session.commit()
            sign_out()  # its sessions are gone with it: only this browser's cookies are left to forget
            flash(_("Your account was deleted. Thank you for taking part."), "success")
            return see_other(url_for("communities.index"))
    return render_template("accounts/delete.html", form=form)


def _export_key() -> str:
    """Downloads are counted per account (a tag of it: limits' keys are stored and logged)."""
    return "export:" + securitylog.tag("user", current_user.id)


@bp.post("/account/data")
@login_required
@throttle.limit("DATA_EXPORT_LIMIT", key_func=_export_key)
def download_data():
    """Everything the site holds about the person signed in, as a ZIP: data.json and the files they uploaded."""
    permissions.require(rules.can_download_own_data(current_user))
    data = personal_data.export(current_user)
    db.session.commit()
    response = send_file(io.BytesIO(data), mimetype="application/zip", as_attachment=True, max_age=0,
                         download_name=f"civicvoice-my-data-{utcnow():%Y-%m-%d}.zip")
    response.headers["Cache-Control"] = "private, no-store"
    return response


# Where one is signed in: each device, and signing the others out ----------------------------------------

@bp.route("/account/sessions")
@login_required
def sessions():
    permissions.require(rules.can_manage_sessions(current_user))
    return render_template("accounts/sessions.html", sessions=user_sessions.live(current_user),
                           current=current_session())


@bp.post("/account/sessions/<int:session_id>/end")
@login_required
def end_session(session_id):
    record = db.session.get(UserSession, session_id)
    if record is None or not rules.can_end_session(current_user, record):
        abort(404)  # someone else's session: not even whether it exists
    if user_sessions.sign_out_device(current_user, record):
        flash(_("That device is signed out."), "success")
    db.session.commit()
    return see_other(url_for(".sessions"))


@bp.post("/account/sessions/end-others")
@login_required
def end_other_sessions():
    permissions.require(rules.can_manage_sessions(current_user))
    count = user_sessions.sign_out_other_devices(current_user, current_session())
    db.session.commit()
    if count:
        flash(ngettext("%(n)s other device is signed out.", "%(n)s other devices are signed out.", count,
                       n=format_number(count)), "success")
    else:
        flash(_("No other device was signed in."), "info")
    return see_other(url_for(".sessions"))


# Mail: every notification mail's link stops that kind of mail, without signing in ----------------------------

def _unsubscribing(token: str) -> tuple[User, str]:
    found = read_unsubscribe_token(token)
    user = db.session.get(User, found[0]) if found else None
    if user is None or not user.is_active:
        abort(404)
    return user, found[1]


def _unsubscribe_page(user, token: str, kind: str, done: bool):
    # In the language of the mail the link came from, whoever's browser opens it.
    with force_locale(user.locale):
        return render_template("accounts/unsubscribe.html", token=token, kind=kind, spec=KINDS.get(kind),
                               done=done, form=ActionForm())


@bp.route("/unsubscribe/<token>")
def unsubscribe(token):
    """The link of every notification email: no sign-in needed, the signed token names the person and kind."""
    user, kind = _unsubscribing(token)
    return _unsubscribe_page(user, token, kind, done=False)


@bp.post("/unsubscribe/<token>")
@csrf.exempt  # RFC 8058: mail programs post here themselves; the token, not a session, is what authorises it
def unsubscribe_confirm(token):
    user, kind = _unsubscribing(token)
    notifications.unsubscribe(user, kind)
    db.session.commit()
    return _unsubscribe_page(user, token, kind, done=True)


@bp.post("/language")
def set_language():
    form = LanguageForm()
    if form.validate_on_submit() and form.locale.data in current_app.config["LANGUAGES"]:
        session["locale"] = form.locale.data
        session.pop("locale_inherited", None)
        if current_user.is_authenticated:
            services.set_locale(current_user, form.locale.data)
            db.session.commit()
    return see_other(safe_next(form.next.data))


def init_app(app) -> None:
    app.register_blueprint(bp)
    personal_data.register("accounts", personal.export)
    personal_data.register("activity", personal.export_activity)  # activity lies below accounts: registered here
    signin.init_app(app)
