"""CivicVoice: communities turn shared needs into formal, signed demands to their local councils."""
from importlib import import_module
from pathlib import Path

from flask import Flask

FEATURES = ("accounts", "activity", "communities", "council", "proposals", "signatures", "deliberation", "meetings",
            "voting", "letters", "moderation", "volunteers")


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)

    from . import config
    config.load(app, test_config)

    from . import database, errors, forms, headers, htmx, i18n, permissions, rendering, sessions
    from .extensions import csrf, db, limiter, migrate
    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    sessions.init_app(app)
    i18n.init_app(app)
    htmx.init_app(app)
    headers.init_app(app)
    forms.init_app(app)
    permissions.init_app(app)
    rendering.init_app(app)
    errors.init_app(app)

    for feature in FEATURES:  # every table is known before migrations or queries run
        import_module(f"{__name__}.{feature}.models")
    import_module(f"{__name__}.mail")  # the outbox's tables

    from .accounts.views import bp as accounts_bp
    from .activity.views import bp as activity_bp
    from .communities.views import bp as communities_bp
    from .council.views import bp as council_bp
    from .proposals.views import bp as proposals_bp
    from .deliberation.views import bp as deliberation_bp
    from .meetings.views import bp as meetings_bp
    from .signatures.views import bp as signatures_bp
    from .voting.views import bp as voting_bp
    from .letters.views import bp as letters_bp
    from .moderation.views import bp as moderation_bp
    from .dashboard.views import bp as dashboard_bp
    from .volunteers.views import bp as volunteers_bp
    for blueprint in (communities_bp, accounts_bp, activity_bp, council_bp, proposals_bp, signatures_bp,
                      deliberation_bp, meetings_bp, voting_bp, letters_bp, moderation_bp, dashboard_bp, volunteers_bp):
        app.register_blueprint(blueprint)

    from . import cli
    cli.init_app(app)
    return app
