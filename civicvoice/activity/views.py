from flask import Blueprint, abort, current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import permissions
from ..extensions import db
from ..forms import ActionForm
from ..redirects import see_other
from . import rules, services
from .forms import NotificationFilterForm, preferences_form
from .kinds import KINDS, shown_to
from .messages import describe, link
from .models import Notification
from .recipients import can_be_mailed

bp = Blueprint("activity", __name__)


@bp.route("/notifications")
@login_required
def notifications():
    permissions.require(rules.can_view_notifications(current_user))
    form = NotificationFilterForm(request.args)
    if set(request.args) - {"show", "page", "per_page"} or not form.validate():
        abort(400)
    page = db.paginate(services.notifications_for(current_user, unread_only=form.show.data == "unread"),
                       per_page=current_app.config["PER_PAGE"], max_per_page=current_app.config["MAX_PER_PAGE"])
    return render_template("activity/notifications.html", page=page, describe=describe, link=link, form=ActionForm(),
                           filter_form=form, show=form.show.data)


def _own(notification_id: int) -> Notification:
    """One of the signed-in person's notifications; anyone else's does not exist for them."""
    return db.first_or_404(db.select(Notification).where(Notification.id == notification_id,
                                                         Notification.recipient_id == current_user.id))


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def mark_one_read(notification_id):
    services.mark_read(current_user, _own(notification_id))
    db.session.commit()
    return see_other(url_for(".notifications", show=request.args.get("show", "all")))


@bp.post("/notifications/read")
@login_required
def mark_read():
    services.mark_all_read(current_user)
    db.session.commit()
    return see_other(url_for("activity.notifications"))


@bp.route("/notifications/settings", methods=["GET", "POST"])
@login_required
def settings():
    permissions.require(rules.can_choose_notifications(current_user))
    kinds = shown_to(current_user)
    current = services.preferences(current_user)
    form = preferences_form(kinds, {kind: current[kind] for kind in kinds},
                            formdata=request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        services.set_preferences(current_user, {kind: getattr(form, kind).data for kind in kinds})
        db.session.commit()
        flash(_("Saved: you will hear from us as you chose."), "success")
        return see_other(url_for(".settings"))
    return render_template("activity/settings.html", form=form, kinds=KINDS,
                           mailable=can_be_mailed(current_user))


@bp.app_context_processor
def _unread():
    def unread_notifications() -> int:
        return services.unread_count(current_user) if current_user.is_authenticated else 0

    return {"unread_notifications": unread_notifications}


def init_app(app) -> None:
    app.register_blueprint(bp)
