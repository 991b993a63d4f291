"""Command line: `flask users create`, `flask demo load`, `flask jobs worker`."""
import click
from flask import current_app
from flask.cli import AppGroup

from .errors import DomainError
from .extensions import db

users = AppGroup("users", help="Manage accounts.")
demo = AppGroup("demo", help="Demo data.")
jobs_cli = AppGroup("jobs", help="Background jobs (RQ on Redis).")
signatures_cli = AppGroup("signatures", help="Co-signatures.")


@signatures_cli.command("reconcile")
def reconcile():
    """Recount every demand's signatures and fix (and report) any counter that drifted."""
    from .signatures.services import reconcile as recount

    drifts = recount()
    db.session.commit()
    for drift in drifts:
        click.echo(f"demand {drift['proposal_id']}: stored {drift['stored']}, counted {drift['counted']} (fixed)")
    click.echo(f"{len(drifts)} demand(s) had drifted.")


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


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst):
    """Run queued jobs (needs REDIS_URL)."""
    from .jobs import work

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: jobs run inline, no worker is needed.")
    work(burst=burst)


def init_app(app) -> None:
    for group in (users, demo, jobs_cli, signatures_cli):
        app.cli.add_command(group)
