"""CivicVoice: communities turn shared needs into formal, signed demands to their local councils."""
from pathlib import Path

from flask import Flask

from . import (
    assets,
    cli,
    config,
    database,
    errors,
    forms,
    headers,
    health,
    htmx,
    i18n,
    jsonlog,
    permissions,
    rendering,
    requestlog,
    securitylog,
    sessions,
    urls,
)
from .accounts import views as accounts_views
from .activity import views as activity_views
from .communities import views as communities_views
from .council import views as council_views
from .dashboard import views as dashboard_views
from .deliberation import views as deliberation_views
from .extensions import csrf, db, limiter, migrate
from .letters import views as letters_views
from .meetings import views as meetings_views
from .moderation import views as moderation_views
from .proposals import views as proposals_views
from .signatures import views as signatures_views
from .volunteers import views as volunteers_views
from .voting import views as voting_views

# Each package's views.init_app registers its blueprint and what the package adds to the others (signal receivers,
# page sections, notification texts, template globals).
PACKAGES = (communities_views, accounts_views, activity_views, council_views, proposals_views, signatures_views,
            deliberation_views, meetings_views, voting_views, letters_views, moderation_views, dashboard_views,
            volunteers_views)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    config.load(app, test_config)
    jsonlog.init_app(app)  # before anything logs: one JSON object per line in production
    securitylog.init_app(app)

    urls.init_app(app)  # first: a request for another host is refused before any other hook runs
    requestlog.init_app(app)  # its after-request hook runs last: the id and the access line see the final answer
    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    sessions.init_app(app)
    i18n.init_app(app)
    htmx.init_app(app)
    headers.init_app(app)
    assets.init_app(app)
    forms.init_app(app)
    permissions.init_app(app)
    rendering.init_app(app)
    errors.init_app(app)
    health.init_app(app)
    for package in PACKAGES:
        package.init_app(app)
    cli.init_app(app)
    return app
