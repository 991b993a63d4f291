"""The shipped systemd units and the guide, checked without starting anything.

systemd-analyze verify reads each unit as systemd would (with the paths of /srv/civicvoice pointed at this
checkout, whose virtualenv it then finds); each timer's task is expanded as systemd expands the template's
command line and must name a command the app has; the guide's envsubst line names exactly the template's
variables (anything else would be left as ${…} in the rendered file, or wiped from it).
"""
import re
import shlex
import shutil
import subprocess  # nosec B404 - systemd-analyze and sh, on files of this checkout
from pathlib import Path

import pytest

from civicvoice import create_app

from .stack import DEPLOY, ROOT, STEPS, here

UNITS = DEPLOY / "systemd"
TIMERS = sorted(UNITS.glob("*.timer"))
TASK = UNITS / "civicvoice-task@.service"


def _task_of(timer: Path) -> str:
    [unit] = re.findall(r"^Unit=civicvoice-task@(.+)\.service$", timer.read_text(), re.MULTILINE)
    return unit


def test_the_units_pass_systemd_analyze_verify(tmp_path):
    if not shutil.which("systemd-analyze"):
        pytest.skip("needs systemd-analyze (apt-get install systemd)")
    for unit in UNITS.iterdir():
        (tmp_path / unit.name).write_text(here(unit.read_text()))
    for timer in TIMERS:  # each timer's service: the template, instantiated
        shutil.copy(tmp_path / TASK.name, tmp_path / f"civicvoice-task@{_task_of(timer)}.service")
    units = sorted(str(path) for path in tmp_path.iterdir() if "@." not in path.name)
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", *units], capture_output=True, text=True,
                            cwd=tmp_path, timeout=60)  # nosec B603 B607
    assert result.returncode == 0 and not result.stdout + result.stderr, result.stdout + result.stderr


def test_there_is_one_timer_per_scheduled_command():
    assert {_task_of(timer) for timer in TIMERS} == {
        "votes-close-due", "mail-deliver", "council-settle-checks", "notifications-send-digests",
        "volunteers-send-reminders", "sessions-purge", "backup-create", "backup-prune", "retention-run"}
    assert all(f"civicvoice-{_task_of(timer)}.timer" == timer.name for timer in TIMERS)


def _command_line(task: str, fake_flask: Path) -> list[str]:
    """What the template's ExecStart runs for `task`: systemd's escapes undone ($$ and %% are $ and %), %i
    replaced, the words split as systemd splits them; then run, with a `flask` that prints its arguments."""
    [line] = re.findall(r"^ExecStart=(.+)$", TASK.read_text(), re.MULTILINE)
    line = line.replace("%i", task).replace("$$", "$").replace("%%", "%")
    argv = [word.replace("/srv/civicvoice/.venv/bin/flask", str(fake_flask)) for word in shlex.split(line)]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=True)  # nosec B603
    return result.stdout.splitlines()


@pytest.mark.parametrize("timer", TIMERS, ids=[timer.stem for timer in TIMERS])
def test_each_timer_runs_a_command_the_app_has(timer, tmp_path):
    fake_flask = tmp_path / "flask"
    fake_flask.write_text('#!/bin/sh\nfor word in "$@"; do echo "$word"; done\n')
    fake_flask.chmod(0o755)
    group, command = _command_line(_task_of(timer), fake_flask)
    cli = create_app({"TESTING": True, "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"}).cli
    assert group in cli.commands, f"{timer.name}: flask has no command group {group!r}"
    assert command in cli.commands[group].commands, f"{timer.name}: flask {group} has no command {command!r}"


def test_the_guide_renders_nginx_with_exactly_the_template_variables():
    template = (DEPLOY / "nginx.conf").read_text()
    guide = (ROOT / "docs" / "deploy.md").read_text()
    [named] = re.findall(r"envsubst '([^']+)'", guide)
    assert set(re.findall(r"\$\{([A-Z_]+)\}", template)) == set(re.findall(r"\$([A-Z_]+)", named))


def test_the_guide_has_the_smoke_tests_steps_in_its_order():
    """docs/deploy.md is what the smoke test does: each step of the test is a section of the guide, in order."""
    sections = [title.lower().replace(" ", "_")
                for title in re.findall(r"^## (.+)$", (ROOT / "docs" / "deploy.md").read_text(), re.MULTILINE)]
    assert [section for section in sections if section in STEPS] == list(STEPS), sections
