from flask import Blueprint, current_app, render_template, url_for
from flask_login import current_user, login_required

from ..extensions import db
from ..forms import ActionForm
from ..redirects import see_other
from . import services
from .messages import describe, link

bp = Blueprint("activity", __name__)


@bp.route("/notifications")
@login_required
def notifications():
    page = db.paginate(services.notifications_for(current_user), per_page=current_app.config["PER_PAGE"],
                       max_per_page=current_app.config["MAX_PER_PAGE"])
    return render_template("activity/notifications.html", page=page, describe=describe, link=link, form=ActionForm())


@bp.post("/notifications/read")
@login_required
def mark_read():
    services.mark_all_read(current_user)
    db.session.commit()
    return see_other(url_for("activity.notifications"))


@bp.app_context_processor
def _unread():
    def unread_notifications() -> int:
        return services.unread_count(current_user) if current_user.is_authenticated else 0

    return {"unread_notifications": unread_notifications}
