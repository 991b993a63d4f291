"""`flask check` (and `flask doctor`): one line per check, ok / warn / FAIL with the fix; exit status 1 on a FAIL."""
import socketserver
import sys
import threading

import pytest
from rq import SimpleWorker
from sqlalchemy import text

from civicvoice import create_app, pdf
from tests.conftest import TEST_CONFIG
from tests.ports import free_port

NAMES = ["secret", "base-url", "db-kind", "database", "migrations", "redis", "jobs", "mail", "pdf", "storage",
         "proxies"]


def check(app, command="check"):
    """Run the command; its exit code and, for each check, its status and line."""
    result = app.test_cli_runner().invoke(args=[command])
    # stdout only: a test run's log lines go to stderr.
    lines = [line for line in result.stdout.splitlines() if line.split()[:1] in (["ok"], ["warn"], ["FAIL"])]
    checks = {line.split()[1]: (line.split()[0], line) for line in lines}
    assert list(checks) == NAMES, result.output
    return result.exit_code, checks


def status(checks, name):
    return checks[name][0]


def only_failure(app, name):
    """The one check that FAILs (the others pass), and its line; the exit status is 1."""
    code, checks = check(app)
    assert code == 1
    assert [key for key, (state, _line) in checks.items() if state == "FAIL"] == [name], checks
    return checks[name][1]


class SmtpSink(socketserver.StreamRequestHandler):
    """Just enough of an SMTP server to greet, answer EHLO and NOOP, and say goodbye."""

    def handle(self):
        self.wfile.write(b"220 sink ready\r\n")
        for line in self.rfile:
            if line[:4].upper() == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SmtpSink)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_every_check_passes_on_a_working_setup(app):
    code, checks = check(app)
    assert code == 0
    assert {state for state, _line in checks.values()} == {"ok"}
    assert "WeasyPrint makes an Arabic PDF with the bundled Amiri font" in checks["pdf"][1]


def test_doctor_is_the_same_check(app):
    code, checks = check(app, "doctor")
    assert code == 0 and list(checks) == NAMES


def test_the_output_ends_with_the_count(app):
    app.config["SECRET_KEY"] = "dev"
    result = app.test_cli_runner().invoke(args=["check"])
    assert result.stdout.splitlines()[-1] == "1 failure(s), 0 warning(s)."


@pytest.mark.parametrize("key", ["dev", "change-me", "short-but-not-in-the-list"])
def test_a_weak_secret_key_fails(app, key):
    app.config["SECRET_KEY"] = key
    line = only_failure(app, "secret")
    assert "Fix: set SECRET_KEY" in line


def test_an_http_base_url_fails_in_production(app):
    app.config.update(CIVICVOICE_ENV="production", BASE_URL="http://civic.example")
    code, checks = check(app)
    assert code == 1 and status(checks, "base-url") == "FAIL"
    assert "Fix: set BASE_URL=https://" in checks["base-url"][1]


def test_sqlite_no_redis_and_no_proxy_are_warnings_in_production(app, smtp_server):
    app.config.update(CIVICVOICE_ENV="production", BASE_URL="https://civic.example", MAIL_BACKEND="smtp",
                      MAIL_PORT=smtp_server, MAIL_SERVER="127.0.0.1",
                      MAIL_DEFAULT_SENDER="CivicVoice <a@civic.example>",
                      SQLALCHEMY_DATABASE_URI="sqlite:///civicvoice.db")
    code, checks = check(app)
    assert code == 0
    assert {name for name, (state, _line) in checks.items() if state == "warn"} == {"db-kind", "redis", "proxies"}
    assert "use PostgreSQL" in checks["db-kind"][1]
    assert "Fix: set TRUSTED_PROXIES=1" in checks["proxies"][1]


def test_an_unreachable_database_fails_and_so_do_its_migrations(tmp_path):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/folder/x.db"})
    app.instance_path = str(tmp_path / "instance")
    code, checks = check(app)
    assert code == 1
    assert [name for name, (state, _line) in checks.items() if state == "FAIL"] == ["database", "migrations"]
    assert "Fix: check DATABASE_URL" in checks["database"][1]


def test_a_schema_behind_the_code_fails(app, db, alembic_version):
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000deadbeef'"))
    line = only_failure(app, "migrations")
    assert f"the database is at 0000deadbeef, the code at {alembic_version}" in line
    assert "Fix: run `flask db upgrade`" in line


def test_redis_at_a_closed_port_fails(app):
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    code, checks = check(app)
    assert code == 1
    assert status(checks, "redis") == "FAIL" and status(checks, "jobs") == "FAIL"


@pytest.mark.redis
def test_a_job_waiting_with_no_worker_fails_and_no_worker_at_all_warns(app, job_queue):
    rq_queue, workers = job_queue
    _code, checks = check(app)
    assert status(checks, "redis") == "ok" and status(checks, "jobs") == "warn"
    rq_queue.enqueue("os.getcwd")
    line = only_failure(app, "jobs")
    assert "1 job(s) waiting and no worker registered" in line
    worker = SimpleWorker([rq_queue], connection=rq_queue.connection)
    worker.register_birth()
    workers.append(worker)
    code, checks = check(app)
    assert code == 0 and checks["jobs"][1].endswith("1 job(s) waiting, 1 worker(s).")


@pytest.mark.parametrize("backend", ["outbox", "memory"])
def test_mail_that_never_leaves_fails_in_production(app, backend):
    app.config.update(CIVICVOICE_ENV="production", BASE_URL="https://civic.example", MAIL_BACKEND=backend,
                      TRUSTED_PROXIES=1)
    _code, checks = check(app)
    assert status(checks, "mail") == "FAIL"
    assert "nobody receives it" in checks["mail"][1] and "Fix: set MAIL_BACKEND=smtp" in checks["mail"][1]


def test_an_smtp_server_that_does_not_answer_fails(app):
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    line = only_failure(app, "mail")
    assert "refused or did not answer" in line


def test_an_smtp_server_that_answers_is_ok(app, smtp_server):
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server)
    code, checks = check(app)
    assert code == 0
    assert checks["mail"][1].endswith(f"the SMTP server 127.0.0.1:{smtp_server} answers.")


def test_missing_fonts_fail(app, monkeypatch, tmp_path):
    monkeypatch.setattr(pdf, "FONTS", tmp_path)
    line = only_failure(app, "pdf")
    assert "Amiri-Regular.ttf, Amiri-Bold.ttf" in line


def test_weasyprint_missing_fails(app, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # `import weasyprint` now raises ImportError
    line = only_failure(app, "pdf")
    assert "Fix: apt-get install" in line


def test_storage_that_cannot_be_written_fails(app, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    app.config["UPLOAD_DIR"] = str(tmp_path / "a-file")
    line = only_failure(app, "storage")
    assert "Fix: make UPLOAD_DIR writable" in line


def test_the_storage_probe_leaves_nothing_behind(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    check(app)
    assert list((tmp_path / "uploads").iterdir()) == []
