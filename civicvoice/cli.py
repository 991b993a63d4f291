"""Command line: `flask users create`, `flask demo load`, `flask jobs worker`, `flask votes close-due`,
`flask council settle-checks`, `flask notifications send-digests`, `flask mail deliver`,
`flask volunteers send-reminders`, `flask sessions purge`, `flask check` (alias `flask doctor`)."""
import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from . import checks
from .accounts import sessions as user_sessions
from .errors import DomainError
from .extensions import db

users = AppGroup("users", help="Manage accounts.")
demo = AppGroup("demo", help="Demo data.")
jobs_cli = AppGroup("jobs", help="Background jobs (RQ on Redis).")
signatures_cli = AppGroup("signatures", help="Co-signatures.")
votes_cli = AppGroup("votes", help="Votes and ballots.")
council_cli = AppGroup("council", help="Councils' answers and residents' checks.")
notifications_cli = AppGroup("notifications", help="Notifications by email.")
mail_cli = AppGroup("mail", help="The mail outbox.")


@notifications_cli.command("send-digests")
def send_digests():
    """Mail each person their daily digest of unread notifications (run it once a day from cron or RQ scheduler)."""
    from .activity.emails import send_digests as send

    click.echo(f"{send()} digest(s) written to the outbox.")


@mail_cli.command("deliver")
def deliver():
    """Send whatever should have left and has not: notifications due at once, then the outbox (cron, every few
    minutes; a failed delivery is tried again later and later)."""
    from .activity.emails import sweep

    done = sweep()
    click.echo(f"{done['notifications']} notification mail(s) written, {done['outbox']} message(s) delivered.")


sessions_cli = AppGroup("sessions", help="Sign-in sessions.")


@sessions_cli.command("purge")
def purge_sessions():
    """Delete the records of sign-in sessions that are over: signed out, revoked, idle too long or too old (safe to
    run at any time; cron, once an hour)."""
    purged = user_sessions.purge()
    db.session.commit()
    click.echo(f"{purged} ended session(s) deleted.")


volunteers_cli = AppGroup("volunteers", help="Volunteer opportunities.")


@volunteers_cli.command("send-reminders")
def send_reminders():
    """Remind confirmed volunteers of the opportunities starting within a day, once each (run it from cron
    every hour)."""
    from .volunteers.signups import send_reminders as remind

    reminded = remind()
    db.session.commit()
    click.echo(f"{reminded} volunteer(s) reminded.")


@council_cli.command("settle-checks")
def settle_checks():
    """Weigh every "is it really fixed?" check whose 14 days are over; reopen the demands residents contested
    (run it from cron once a day)."""
    from .council.responses import settle_due

    reopened = settle_due()
    db.session.commit()
    click.echo(f"{reopened} demand(s) reopened.")


@signatures_cli.command("reconcile")
def reconcile():
    """Recount every demand's signatures and fix (and report) any counter that drifted."""
    from .signatures.services import reconcile as recount

    drifts = recount()
    db.session.commit()
    for drift in drifts:
        click.echo(f"demand {drift['proposal_id']}: stored {drift['stored']}, counted {drift['counted']} (fixed)")
    click.echo(f"{len(drifts)} demand(s) had drifted.")


@votes_cli.command("close-due")
def close_due():
    """Close and count every vote whose closing time has passed (run it from cron every few minutes)."""
    from .voting import services
    from .voting.models import Poll

    closed, refused = 0, 0
    for poll_id in services.due():
        # One transaction per vote: a failure on one leaves the others closed.
        try:
            if services.close(None, db.session.get(Poll, poll_id)):
                closed += 1
            db.session.commit()
        except DomainError as error:  # a secret vote's box that cannot be opened: said, and the vote stays open
            db.session.rollback()
            refused += 1
            click.echo(f"vote {poll_id} not closed: {error.message}", err=True)
    click.echo(f"{closed} vote(s) closed.")
    if refused:
        raise SystemExit(1)


@users.command("create")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--admin", is_flag=True, help="Make a site administrator.")
@click.option("--locale", type=click.Choice(["ar", "en"]), default="ar")
def create_user(email, name, password, admin, locale):
    """Create a verified account (and a site administrator with --admin)."""
    from .accounts.services import create_user as create

    try:
        user = create(email, name, password, admin=admin, locale=locale)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"Created user {user.id} <{user.email}>{' (admin)' if admin else ''}.")


@demo.command("load")
def load_demo():
    """Load the demo communities, council and people (safe to run twice)."""
    from .demo import load

    created = load()
    db.session.commit()
    click.echo(f"Demo data ready ({created} new records).")
    # Its issued letters print the site's address for their verification: BASE_URL decides, set it first.
    click.echo(f"Letters and links point at {current_app.config['BASE_URL']} (BASE_URL).")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst):
    """Run queued jobs (needs REDIS_URL)."""
    from .jobs import work

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: jobs run inline, no worker is needed.")
    work(burst=burst)


@click.command("check")
@with_appcontext
def check():
    """Check the configuration and what it reaches (database, migrations, Redis, jobs, mail, PDF, storage) before
    going live: one line per check, ok / warn / FAIL with the fix; exit status 1 when anything FAILs."""
    colours = {checks.OK: "green", checks.WARN: "yellow", checks.FAIL: "red"}
    results = checks.run()
    for result in results:
        click.echo(click.style(result.line(), fg=colours[result.status]))
    failed = sum(result.status == checks.FAIL for result in results)
    warned = sum(result.status == checks.WARN for result in results)
    click.echo(f"{failed} failure(s), {warned} warning(s).")
    if failed:
        raise SystemExit(1)


def init_app(app) -> None:
    app.cli.add_command(check)
    app.cli.add_command(check, "doctor")
    for group in (users, demo, jobs_cli, signatures_cli, votes_cli, council_cli, notifications_cli, mail_cli,
                  volunteers_cli, sessions_cli):
        app.cli.add_command(group)
