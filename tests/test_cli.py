from sqlalchemy import func, select

from civicvoice.accounts import services as accounts
from civicvoice.accounts.models import User
from civicvoice.communities import services as communities
from civicvoice.communities.models import Centre, Community, Membership
from civicvoice.council.models import Council, CouncilStaff


def test_demo_load_builds_the_demo_and_is_idempotent(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    counts = [db.session.scalar(select(func.count()).select_from(model))
              for model in (User, Community, Centre, Council, Membership, CouncilStaff)]
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0 and "(0 new records)" in second.output
    assert counts == [db.session.scalar(select(func.count()).select_from(model))
                      for model in (User, Community, Centre, Council, Membership, CouncilStaff)]
    midan, fijeh = communities.by_slug("al-midan"), communities.by_slug("ain-al-fijeh")
    assert midan.is_open and not fijeh.is_open
    assert midan.centres and midan.councils and communities.committee(midan)
    assert accounts.find_by_email("admin@civicvoice.example").is_admin


def test_users_create_admin(app, db):
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "--admin", "--email", "root@example.org", "--name", "المدير",
        "--password", "a long admin password"])
    assert result.exit_code == 0, result.output
    user = accounts.find_by_email("root@example.org")
    assert user.is_admin and user.identity_level == "email"


def test_users_create_refuses_a_weak_password_with_a_message(app):
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "--email", "root@example.org", "--name", "x", "--password", "123"])
    assert result.exit_code != 0 and "Error" in result.output
    assert accounts.find_by_email("root@example.org") is None


def test_jobs_worker_needs_redis(app):
    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code != 0 and "REDIS_URL" in result.output
