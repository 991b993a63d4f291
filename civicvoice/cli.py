"""Command line: `flask users create`, `flask demo load`, `flask jobs worker`, `flask votes close-due`,
`flask council settle-checks`, `flask notifications send-digests`, `flask mail deliver`,
`flask volunteers send-reminders`, `flask sessions purge`, `flask backup create|restore|prune`,
`flask retention run`, `flask static build`, `flask check` (alias `flask doctor`)."""
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from . import assets, checks
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


retention_cli = AppGroup("retention", help="What the site stops keeping, and when.")


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="Only say how many items of each kind would go; change nothing.")
def retention_run(dry_run):
    """Delete or reduce what is kept past its time (RETENTION_* settings): ended sessions, spent links, old mail,
    old account logs, signers' details beyond the letter of demands long closed, accounts never verified (safe to
    run at any time; cron, once a day)."""
    from .retention import run

    counts = run(dry_run=dry_run)
    for kind, count in counts.items():
        click.echo(f"{kind}: {count}{' would go' if dry_run else ''}")


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


backup_cli = AppGroup("backup", help="Backups of the database and the stored files.")


@backup_cli.command("create")
@click.option("--output", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the archive to (default: BACKUP_DIR, instance/backups).")
def create_backup(output):
    """Write one archive (the database's dump, every stored file, a manifest of checksums) and print its path
    (systemd timer or cron, nightly; then `flask backup prune`)."""
    from . import backups

    try:
        path = backups.create(output)
    except backups.BackupError as error:
        raise click.ClickException(error.message) from None
    click.echo(str(path))


@backup_cli.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before restoring.")
def restore_backup(archive, yes):
    """Check ARCHIVE's checksums, then restore it into an empty database (DATABASE_URL) and an empty storage."""
    from . import backups

    try:
        manifest = backups.verify(archive)
        click.echo(f"{archive}: {len(manifest['members'])} member(s), every checksum right; taken "
                   f"{manifest['created_at']} (version {manifest.get('app_version')}, migration "
                   f"{manifest.get('alembic_revision')}).")
        backups.check_target(manifest)
        if not yes:
            click.confirm("Restore it into this database and storage?", abort=True)
        done = backups.restore(archive, manifest)
    except backups.BackupError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Restored the database and {done['files']} file(s).")
    if done["upgrade"]:
        click.echo(f"The backup was taken at migration {done['revision']}; this version is at "
                   f"{', '.join(done['heads'])}: run `flask db upgrade` now.")


@backup_cli.command("prune")
@click.option("--keep-daily", type=click.IntRange(min=0), default=7, show_default=True,
              help="Keep the newest archive of each of the last N days that have one.")
@click.option("--keep-weekly", type=click.IntRange(min=0), default=4, show_default=True,
              help="… of each of the last N weeks.")
@click.option("--keep-monthly", type=click.IntRange(min=0), default=6, show_default=True,
              help="… of each of the last N months.")
@click.option("--dry-run", is_flag=True, help="Say what would be deleted; delete nothing.")
def prune_backups(keep_daily, keep_weekly, keep_monthly, dry_run):
    """Delete the archives in BACKUP_DIR that no rule keeps (the newest is always kept)."""
    from . import backups

    kept, deleted = backups.prune({"daily": keep_daily, "weekly": keep_weekly, "monthly": keep_monthly},
                                  dry_run=dry_run)
    for path in deleted:
        click.echo(f"{'would delete' if dry_run else 'deleted'} {path}")
    click.echo(f"{len(kept)} archive(s) kept, {len(deleted)} {'to delete' if dry_run else 'deleted'}.")


static_cli = AppGroup("static", help="Static files, for the web server.")


@static_cli.command("build")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def build_static(directory):
    """Write every static file into DIRECTORY under its plain and its hashed name (the one pages link to), with
    .gz and .br siblings for text, for nginx (`alias DIRECTORY/; gzip_static on; brotli_static on;`). Run it at
    each deploy; files of earlier deploys are kept, for pages still open in a browser."""
    try:
        read, written = assets.build(Path(current_app.static_folder), directory)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{read} static file(s) in {directory}: {written} file(s) written, the rest unchanged.")


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
                  volunteers_cli, sessions_cli, backup_cli, retention_cli, static_cli):
        app.cli.add_command(group)
