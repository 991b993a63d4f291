from flask import Blueprint, render_template
from flask_login import current_user, login_required

from .. import permissions
from ..communities.views import community_or_404
from ..i18n import direction, format_date
from ..letters.services import local_today
from . import charts, rules, services

bp = Blueprint("dashboard", __name__)


@bp.route("/communities/<slug>/dashboard")
@login_required
def show(slug):
    community = community_or_404(slug)
    permissions.require(rules.can_view_dashboard(current_user, community))
    today = local_today(community)
    overview = services.overview(community, today)
    weeks = overview["figures"]["weeks"]
    chart = charts.columns([(format_date(week.starts), week.signatures) for week in weeks], direction() == "rtl")
    return render_template("dashboard/show.html", community=community, today=today, chart=chart, **overview)


def init_app(app) -> None:
    app.register_blueprint(bp)
