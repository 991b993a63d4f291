"""`flask check` (alias `flask doctor`): what stands between this configuration and a working site, before go-live.

Each check says ok, warn or FAIL, in plain words, with the fix. FAIL is what breaks the site for its users (no
database, a schema behind the code, mail that never leaves, letters that cannot be made, files that cannot be
stored); warn is what works today but not as it should in production (SQLite, no Redis, no proxy trusted).

Production refuses to start (config.load) without a strong SECRET_KEY, with an http BASE_URL or in debug mode:
those checks are here too, for a configuration tried outside production first. The start never touches the
network; this command does (database, Redis, the SMTP server).
"""
import io
import smtplib
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from pypdf import PdfReader
from sqlalchemy import make_url

from . import health, pdf, storage
from .config import weak_secret_key
from .errors import DomainError

OK, WARN, FAIL = "ok", "warn", "FAIL"
FONT_FILES = ("Amiri-Regular.ttf", "Amiri-Bold.ttf")  # what letters and certificates embed (pdf.FONTS)
SMTP_TIMEOUT = 10
PROBE_HTML = """<html lang="ar" dir="rtl"><head><style>
@font-face {{ font-family: Amiri; src: url("{regular}"); }}
body {{ font-family: Amiri; }}
</style></head><body><p>كتاب رسمي</p></body></html>"""


@dataclass(frozen=True)
class Result:
    status: str
    name: str
    message: str
    fix: str = ""

    def line(self) -> str:
        return f"{self.status:<4}  {self.name:<10}  {self.message}" + (f" Fix: {self.fix}" if self.fix else "")


def _production() -> bool:
    return current_app.config["CIVICVOICE_ENV"] == "production"


def secret_key() -> Result:
    key = current_app.config.get("SECRET_KEY") or ""
    if weak_secret_key(key):
        return Result(FAIL, "secret", f"SECRET_KEY is missing, weak or short ({len(key)} characters): anyone "
                      "who guesses it can sign cookies and open sealed ballots.",
                      "set SECRET_KEY to 64 random characters: python -c 'import secrets; "
                      "print(secrets.token_hex(32))'.")
    return Result(OK, "secret", f"SECRET_KEY is set ({len(key)} characters).")


def base_url() -> Result:
    url = current_app.config["BASE_URL"]
    if _production() and not url.startswith("https://"):
        return Result(FAIL, "base-url", f"BASE_URL is {url}: production needs the site's https address "
                      "(every link in mail and letters is built from it).",
                      "set BASE_URL=https://your.domain (TLS is terminated by nginx).")
    return Result(OK, "base-url", f"links point at {url}.")


def database_kind() -> Result:
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and _production():
        return Result(WARN, "db-kind", "SQLite in production: one app host only, and writers wait on each other "
                      "under load.", "use PostgreSQL: DATABASE_URL=postgresql://user@host/civicvoice.")
    return Result(OK, "db-kind", f"{url.get_backend_name()} database ({url.render_as_string(hide_password=True)}).")


def database_and_migrations() -> list[Result]:
    try:
        revisions = health.check_database()
    except health.Failed:
        return [Result(FAIL, "database", "the database does not answer (the log says why).",
                       "check DATABASE_URL, that the server runs and that its user may connect."),
                Result(FAIL, "migrations", "cannot tell: the database does not answer.", "fix the database first.")]
    try:
        health.check_migrations(revisions)
    except health.Failed as failure:
        return [Result(OK, "database", "the database answers."),
                Result(FAIL, "migrations", f"{failure.reason}.", failure.fix)]
    return [Result(OK, "database", "the database answers."),
            Result(OK, "migrations", f"the schema is at the code's head ({', '.join(sorted(revisions))}).")]


def redis_and_jobs() -> list[Result]:
    if not current_app.config.get("REDIS_URL"):
        if _production():
            return [Result(WARN, "redis", "REDIS_URL is not set: each app process counts rate limits on its own "
                           "(a limit of 5 becomes 5 per process) and mail is sent inside the request.",
                           "install Redis, set REDIS_URL=redis://127.0.0.1:6379/0 and run `flask jobs worker`."),
                    Result(OK, "jobs", "no queue: jobs run inline.")]
        return [Result(OK, "redis", "not set: rate limits in memory, jobs run inline."),
                Result(OK, "jobs", "no queue: jobs run inline.")]
    client = health.redis_client()
    try:
        try:
            health.check_redis(client)
        except health.Failed:
            return [Result(FAIL, "redis", "Redis does not answer at REDIS_URL (the log says why).",
                           "start Redis, or correct REDIS_URL (host, port, database number, password)."),
                    Result(FAIL, "jobs", "cannot tell: Redis does not answer.", "fix Redis first.")]
        redis = Result(OK, "redis", "Redis answers.")
        try:
            health.check_jobs(client)
        except health.Failed as failure:
            return [redis, Result(FAIL, "jobs", f"{failure.reason}.", failure.fix)]
        waiting, _oldest, workers = health.queue_state(client)
        if not workers:
            return [redis, Result(WARN, "jobs", "no worker is registered: queued mail will wait.",
                                  "run `flask jobs worker` (its systemd unit).")]
        return [redis, Result(OK, "jobs", f"{waiting} job(s) waiting, {workers} worker(s).")]
    finally:
        client.close()


def mail() -> Result:
    config = current_app.config
    backend = config["MAIL_BACKEND"]
    if backend != "smtp":
        if _production():
            # Not a warning: without mail nobody can confirm an address (their signatures do not count) nor reset
            # a password, and every notification is lost.
            return Result(FAIL, "mail", f"MAIL_BACKEND is {backend!r}: mail is written to "
                          f"{'the log and ' + config['MAIL_OUTBOX_DIR'] if backend == 'outbox' else 'memory'}, "
                          "nobody receives it (address confirmations, password resets, notifications).",
                          "set MAIL_BACKEND=smtp, MAIL_SERVER, MAIL_PORT, MAIL_USERNAME, MAIL_PASSWORD, "
                          "MAIL_USE_TLS and MAIL_DEFAULT_SENDER.")
        return Result(OK, "mail", f"MAIL_BACKEND is {backend!r}: nothing is sent (fine outside production).")
    where = f"{config['MAIL_SERVER']}:{config['MAIL_PORT']}"
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT) as smtp:
            smtp.ehlo()
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
                smtp.ehlo()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.noop()
    except (OSError, smtplib.SMTPException) as error:
        return Result(FAIL, "mail", f"the SMTP server {where} refused or did not answer: {error}.",
                      "check MAIL_SERVER, MAIL_PORT, MAIL_USE_TLS, MAIL_USERNAME and MAIL_PASSWORD.")
    if _production() and config["MAIL_DEFAULT_SENDER"].endswith("civicvoice.local>"):
        return Result(WARN, "mail", f"the SMTP server {where} answers, but MAIL_DEFAULT_SENDER is still the "
                      "example address: mail from it is refused or marked as spam.",
                      "set MAIL_DEFAULT_SENDER to an address of your domain, e.g. 'CivicVoice <no-reply@your.domain>'.")
    return Result(OK, "mail", f"the SMTP server {where} answers"
                  f"{' and accepts the login' if config['MAIL_USERNAME'] else ''}.")


def pdf_letters() -> Result:
    missing = [name for name in FONT_FILES if not (pdf.FONTS / name).is_file()]
    if missing:
        return Result(FAIL, "pdf", f"the bundled fonts are missing from {pdf.FONTS}: {', '.join(missing)}.",
                      "reinstall the application (civicvoice/fonts/ ships with it).")
    try:
        data, _pages = pdf.render(PROBE_HTML.format(regular=pdf.font_url(FONT_FILES[0])))
    except DomainError as error:  # pdf.PdfUnavailable: WeasyPrint or its system libraries are missing
        return Result(FAIL, "pdf", str(error.message), f"apt-get install {pdf.SYSTEM_PACKAGES} "
                      "(Debian names), then restart.")
    fonts = {str(font.get("/BaseFont", "")) for page in PdfReader(io.BytesIO(data)).pages
             for font in (page.get("/Resources", {}).get("/Font", {}) or {}).values()
             for font in [font.get_object()]}
    if not any("Amiri" in name for name in fonts):
        return Result(FAIL, "pdf", f"WeasyPrint runs but did not use the bundled Amiri font (it used "
                      f"{', '.join(sorted(fonts)) or 'none'}): letters would not show Arabic right.",
                      "check that Pango and fontconfig are installed (apt-get install libpango-1.0-0 "
                      "libpangoft2-1.0-0 fontconfig).")
    return Result(OK, "pdf", "WeasyPrint makes an Arabic PDF with the bundled Amiri font.")


def storage_probe() -> Result:
    kind = current_app.config.get("STORAGE_BACKEND", "local")
    where = storage.upload_folder() if kind == "local" else kind
    try:
        key = storage.save(b"civicvoice check\n", "text/plain")
        try:
            readable = storage.read(key) == b"civicvoice check\n"
        finally:
            storage.delete(key)
        gone = not storage.exists(key)
    except Exception as error:  # noqa: BLE001 - any backend, any failure: the fix is the operator's
        return Result(FAIL, "storage", f"files cannot be stored ({kind}: {where}): {error}.",
                      "make UPLOAD_DIR writable by the service user (local), or check the STORAGE_S3_* "
                      "settings and credentials (s3).")
    if not readable or not gone:
        return Result(FAIL, "storage", f"a file stored in {where} did not read back or could not be deleted.",
                      "check the storage's permissions.")
    return Result(OK, "storage", f"a file was stored, read and deleted ({kind}: {where}).")


def proxies() -> Result:
    count = current_app.config["TRUSTED_PROXIES"]
    if count == 0 and _production():
        return Result(WARN, "proxies", "TRUSTED_PROXIES is 0: behind nginx, every visitor has nginx's address, "
                      "so one visitor's rate limit stops everyone and the logs cannot tell people apart.",
                      "set TRUSTED_PROXIES=1 when the app runs behind one nginx (and is reachable only through it).")
    return Result(OK, "proxies", f"TRUSTED_PROXIES is {count}.")


CHECKS: tuple[Callable[[], Result | list[Result]], ...] = (
    secret_key, base_url, database_kind, database_and_migrations, redis_and_jobs, mail, pdf_letters,
    storage_probe, proxies)


def run() -> list[Result]:
    """Every check's result, in order."""
    results = []
    for check in CHECKS:
        outcome = check()
        results.extend(outcome if isinstance(outcome, list) else [outcome])
    return results
