"""The production stack of docs/deploy.md, on 127.0.0.1: each step of the guide is a method named after its
section, run in the guide's order (STEPS). Only the values differ from a real machine: free ports, a temporary
folder for /srv, /etc and /var, a certificate of the test's own for certbot's, the test's own PostgreSQL
database, Redis and SMTP server. The files are the shipped ones: deploy/gunicorn.conf.py, deploy/nginx.conf,
and the command lines and environment of the systemd units.
"""
import mailbox
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess  # nosec B404 - the test starts the servers it checks
import sys
import tempfile
import time
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from pathlib import Path

import boto3
import psycopg
from sqlalchemy import make_url

from .client import Browser

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent  # the virtualenv's scripts: flask, gunicorn
# What the services find on their PATH: the virtualenv first, then the system's (nginx is in /usr/sbin).
PATH = f"{BIN}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SERVER_NAME = "civicvoice.test"
COMMUNITY = "smoke-town"
ADMIN_EMAIL = "committee@example.org"
ADMIN_PASSWORD = "a quiet lantern by the river"  # nosec B105 - a throwaway account of a throwaway site
START_SECONDS = 30
S3_BUCKET = "civicvoice-files"
S3_KEY, S3_SECRET = "smoke-test-key", "smoke-test-secret"  # nosec B105 - moto accepts any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_until(what: str, check, seconds: float = START_SECONDS, every: float = 0.1):
    """Poll `check` until it returns something true; fail with `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds} s")
        time.sleep(every)


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


class Processes:
    """Servers started in their own process group each, so that stopping one stops its children (gunicorn's
    workers, nginx's) too; whatever is still running at the end is stopped."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.running: dict[str, Process] = {}

    def start(self, name: str, argv: list, env: dict, port: int | None = None) -> Process:
        log = self.logs / f"{name}.log"
        with log.open("ab") as out:
            popen = subprocess.Popen([str(arg) for arg in argv], env=env, cwd=ROOT,  # nosec B603
                                     stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        process = self.running[name] = Process(name, popen, log)
        if port is not None:
            def up():
                if popen.poll() is not None:
                    raise AssertionError(f"{name} exited ({popen.returncode}):\n{process.tail()}")
                return listening(port)
            wait_until(f"{name} listening on {port}", up)
        return process

    def stop(self, *names: str, grace: float = 10) -> None:
        """SIGTERM to each group at once (gunicorn finishes its requests, RQ its job), SIGKILL after `grace`
        seconds, and to whatever the leaders left behind."""
        stopping = [self.running.pop(name) for name in names]
        for process in stopping:
            _signal_group(process.popen, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in stopping:
            try:
                process.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass  # RQ's worker may wait a minute for its pubsub thread: not worth waiting for here
            _signal_group(process.popen, signal.SIGKILL)
            process.popen.wait(timeout=15)

    def stop_all(self) -> None:
        self.stop(*self.running, grace=5)


def _signal_group(popen: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(popen.pid, sig)  # start_new_session: the group's id is the leader's pid
    except ProcessLookupError:
        pass


def run(argv: list, env: dict, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([str(arg) for arg in argv], env=env, cwd=ROOT, capture_output=True,  # nosec B603
                            text=True, timeout=120)
    if check and result.returncode:
        raise AssertionError(f"{' '.join(map(str, argv))} exited {result.returncode}:\n"
                             f"{result.stdout}\n{result.stderr}")
    return result


def here(text: str) -> str:
    """A unit's text with /srv/civicvoice (and its virtualenv) pointed at this checkout and its virtualenv."""
    return text.replace("/srv/civicvoice/.venv/bin/", f"{BIN}/").replace("/srv/civicvoice", str(ROOT))


def unit_command(unit: str) -> list[str]:
    """The ExecStart= of one of deploy/systemd's units, as it would run here."""
    [line] = re.findall(r"^ExecStart=(.+)$", (DEPLOY / "systemd" / unit).read_text(), re.MULTILINE)
    return shlex.split(here(line))


def unit_environment(unit: str) -> dict[str, str]:
    """The Environment= settings of one of deploy/systemd's units."""
    text = (DEPLOY / "systemd" / unit).read_text()
    return dict(line.split("=", 1) for line in re.findall(r"^Environment=(.+)$", text, re.MULTILINE))


def render(template: str, values: dict[str, str]) -> str:
    """envsubst with the variables named (docs/deploy.md): ${NAME} for each of `values`, nginx's $vars kept.
    The template must use exactly these variables: none missing, none left over."""
    used = set(re.findall(r"\$\{([A-Z_]+)\}", template))
    assert used == set(values), f"deploy/nginx.conf uses {sorted(used)}, the guide sets {sorted(values)}"
    return re.sub(r"\$\{([A-Z_]+)\}", lambda match: values[match.group(1)], template)


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines, as systemd's EnvironmentFile= (and sh's `.`) read /etc/civicvoice/env: comments and
    blank lines skipped, a value with spaces in double quotes."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _eq, value = line.partition("=")
            value = value.strip()
            if len(value) > 1 and value[0] == value[-1] == '"':
                value = value[1:-1]
            values[key.strip()] = value
    return values


@dataclass
class Site:
    """A running production site: its address, its parts, and how to reach each."""

    root: Path
    pg_url: str
    processes: Processes = None
    ports: dict[str, int] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    database: str = ""
    council_id: int = 0

    @property
    def base_url(self) -> str:
        return f"https://{SERVER_NAME}:{self.ports['https']}"

    @property
    def app_hosts(self) -> list[tuple[str, int]]:
        return [("127.0.0.1", self.ports["app_a"]), ("127.0.0.1", self.ports["app_b"])]

    @property
    def ca_file(self) -> str:
        return str(self.root / "tls" / "ca.pem")

    @property
    def static_dir(self) -> Path:
        return self.root / "static"

    # The guide's steps, in its order ------------------------------------------------------------------------

    def packages(self) -> None:
        """"Packages": nginx and the rest are installed already; Redis, an SMTP server and an S3-compatible
        object store (moto, with a private bucket made the way "Environment" says) of the test's own stand in
        for Debian's redis-server, the mail relay and the provider's object storage."""
        self._start_redis()
        self.processes.start("s3", [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p",
                                    self.ports["s3"]], self.env, port=self.ports["s3"])
        boto3.client("s3", endpoint_url=f"http://127.0.0.1:{self.ports['s3']}", region_name="us-east-1",
                     aws_access_key_id=S3_KEY, aws_secret_access_key=S3_SECRET).create_bucket(Bucket=S3_BUCKET)
        maildir = self.root / "mail"
        self.processes.start("smtp", [sys.executable, "-m", "aiosmtpd", "-n", "-l",
                                      f"127.0.0.1:{self.ports['smtp']}", "-c", "aiosmtpd.handlers.Mailbox",
                                      maildir], self.env, port=self.ports["smtp"])

    def _start_redis(self) -> None:
        self.processes.start("redis", ["redis-server", "--bind", "127.0.0.1", "--port", self.ports["redis"],
                                       "--save", "", "--appendonly", "no", "--dir", self.root],
                             self.env, port=self.ports["redis"])

    def database_and_role(self) -> None:
        """"Database and role": an empty PostgreSQL database of its own (dropped by stop())."""
        self.database = f"cv_smoke_{os.getpid()}_{secrets.token_hex(3)}"
        with self._postgres() as conn:
            conn.execute(f'CREATE DATABASE "{self.database}"')  # our own name: letters, digits, underscores

    def environment(self) -> None:
        """"Environment": /etc/civicvoice/env, written and read back the way systemd reads it."""
        database_url = make_url(self.pg_url).set(database=self.database).render_as_string(hide_password=False)
        settings = {
            "CIVICVOICE_ENV": "production",
            "BASE_URL": self.base_url,
            "SECRET_KEY": secrets.token_hex(32),
            "DATABASE_URL": database_url,
            "REDIS_URL": f"redis://127.0.0.1:{self.ports['redis']}/0",
            "MAIL_BACKEND": "smtp",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(self.ports["smtp"]),
            "MAIL_DEFAULT_SENDER": f'"CivicVoice <no-reply@{SERVER_NAME}>"',  # quoted: it has a space
            "TRUSTED_PROXIES": "1",
            # Two app hosts: the files every host must see, in S3-compatible object storage ("Two app hosts").
            "STORAGE_BACKEND": "s3",
            "STORAGE_S3_BUCKET": S3_BUCKET,
            "STORAGE_S3_ENDPOINT_URL": f"http://127.0.0.1:{self.ports['s3']}",
            "STORAGE_S3_PREFIX": "production/",
            "AWS_ACCESS_KEY_ID": S3_KEY,
            "AWS_SECRET_ACCESS_KEY": S3_SECRET,
            "UPLOAD_DIR": str(self.root / "uploads"),  # unused with s3: the test checks it stays empty
            "BACKUP_DIR": str(self.root / "backups"),
        }
        for folder in ("uploads", "backups"):
            (self.root / folder).mkdir()
        env_file = self.root / "etc" / "env"
        env_file.parent.mkdir()
        env_file.write_text("".join(f"{key}={value}\n" for key, value in settings.items()))
        env_file.chmod(0o600)
        # What systemd gives the services: the file's settings on a clean environment (no FLASK_DEBUG, no
        # CIVICVOICE_TEST_*), and the units' own Environment= (FLASK_APP).
        self.env = {**self.env, **unit_environment("civicvoice-worker.service"), **read_env_file(env_file),
                    "XDG_CACHE_HOME": str(self.root / "cache")}  # the units' CacheDirectory=

    def database_schema(self) -> None:
        """"Database schema": flask db upgrade."""
        run([BIN / "flask", "db", "upgrade"], self.env)

    def static_files(self) -> None:
        """"Static files": flask static build STATIC_DIR (fingerprinted names, .gz and .br beside each)."""
        run([BIN / "flask", "static", "build", self.static_dir], self.env)

    def first_administrator(self) -> None:
        """"First administrator": flask users create --admin."""
        run([BIN / "flask", "users", "create", "--admin", "--email", ADMIN_EMAIL, "--name", "Smoke Committee",
             "--password", ADMIN_PASSWORD, "--locale", "en"], self.env)

    def check(self) -> str:
        """"Check": flask check names every problem before go-live (exit 1 on any FAIL)."""
        return run([BIN / "flask", "check"], self.env).stdout

    def services(self) -> None:
        """"Services": the command lines of civicvoice.service (on two app hosts, as "Two app hosts" says) and
        civicvoice-worker.service."""
        for name in ("app_a", "app_b"):
            env = self.env | {"GUNICORN_BIND": f"127.0.0.1:{self.ports[name]}", "GUNICORN_WORKERS": "2"}
            self.processes.start(name, unit_command("civicvoice.service"), env, port=self.ports[name])
        self.processes.start("worker", unit_command("civicvoice-worker.service"), self.env)

    def certificate(self) -> None:
        """"Certificate": certbot's in the guide; here a certificate authority of the test's own, and the
        site's certificate signed by it (the client trusts that authority only)."""
        tls = self.root / "tls"
        tls.mkdir()
        key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        run(["openssl", "req", "-x509", *key, "-days", "2", "-subj", "/CN=CivicVoice smoke test CA",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-keyout", tls / "ca.key",
             "-out", tls / "ca.pem"], self.env)
        run(["openssl", "req", *key, "-subj", f"/CN={SERVER_NAME}", "-keyout", tls / "site.key",
             "-out", tls / "site.csr"], self.env)
        (tls / "site.ext").write_text(f"subjectAltName=DNS:{SERVER_NAME}\n"
                                      "basicConstraints=critical,CA:FALSE\n"
                                      "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n")
        run(["openssl", "x509", "-req", "-in", tls / "site.csr", "-CA", tls / "ca.pem",
             "-CAkey", tls / "ca.key", "-CAcreateserial", "-days", "2", "-extfile", tls / "site.ext",
             "-out", tls / "site.pem"], self.env)
        for secret in ("ca.key", "site.key"):
            (tls / secret).chmod(0o600)

    def nginx(self) -> None:
        """"nginx": deploy/nginx.conf rendered with the guide's variables, included in a main configuration
        that stands in for Debian's /etc/nginx/nginx.conf (which loads the modules, brotli's among them)."""
        values = {
            "SERVER_NAME": SERVER_NAME,
            "BASE_URL": self.base_url,
            "HTTP_LISTEN": f"127.0.0.1:{self.ports['http']}",
            "HTTPS_LISTEN": f"127.0.0.1:{self.ports['https']}",
            "APP_SERVERS": " ".join(f"server {host}:{port};" for host, port in self.app_hosts),
            "STATIC_DIR": str(self.static_dir),
            "TLS_CERTIFICATE": str(self.root / "tls" / "site.pem"),
            "TLS_CERTIFICATE_KEY": str(self.root / "tls" / "site.key"),
            "LOG_DIR": str(self.root / "logs"),
        }
        conf = self.root / "nginx"
        conf.mkdir()
        (conf / "civicvoice.conf").write_text(render((DEPLOY / "nginx.conf").read_text(), values))
        (conf / "nginx.conf").write_text(f"""
include /etc/nginx/modules-enabled/*.conf;
worker_processes 1;
pid {conf}/nginx.pid;
error_log {self.root}/logs/nginx-main.error.log;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path {conf}/client_body;
    proxy_temp_path {conf}/proxy;
    fastcgi_temp_path {conf}/fastcgi;
    uwsgi_temp_path {conf}/uwsgi;
    scgi_temp_path {conf}/scgi;
    include {conf}/civicvoice.conf;
}}
""")
        main = ["nginx", "-e", self.root / "logs" / "nginx-main.error.log", "-c", conf / "nginx.conf"]
        run([*main, "-t"], self.env)
        self.processes.start("nginx", [*main, "-g", "daemon off;"], self.env, port=self.ports["https"])

    def first_community(self) -> None:
        """"First community": the administrator, at /admin, creates a council and an open community that may
        address it, and appoints the committee (here: the administrator)."""
        admin = self.browser()
        admin.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        page = admin.get("/admin/councils/new")
        created = admin.submit(page, "/admin/councils/new", {"name": "Smoke Town Council",
                                                              "contact_email": "council@example.org"})
        assert created.status == 303, created.text[:2000]
        self.council_id = int(re.search(r"/councils/(\d+)$", created.header("Location")).group(1))
        page = admin.get("/admin/communities/new")
        created = admin.submit(page, "/admin/communities/new", {
            "name": "Smoke Town", "slug": COMMUNITY, "code": "SMK", "is_open": "y",
            "description": "The production smoke test's community."})
        assert created.status == 303, created.text[:2000]
        for path, fields in ((f"/communities/{COMMUNITY}/councils", {"councils": str(self.council_id)}),
                             (f"/communities/{COMMUNITY}/committee", {"email": ADMIN_EMAIL})):
            page = admin.get(path if path.endswith("councils") else f"/communities/{COMMUNITY}/members")
            done = admin.submit(page, path, fields)
            assert done.status == 303, done.text[:2000]

    def browser(self) -> Browser:
        """A new device, talking to the site through nginx over HTTPS."""
        return Browser(self.base_url, ("127.0.0.1", self.ports["https"]), self.ca_file)

    # While it runs -----------------------------------------------------------------------------------------

    def stop_redis(self) -> None:
        self.processes.stop("redis")

    def restart_redis(self) -> None:
        self._start_redis()

    def mails(self, to: str) -> list:
        """The mails the SMTP sink received for `to`, oldest first."""
        folder = self.root / "mail"
        if not (folder / "new").is_dir():
            return []
        parser = BytesParser(policy=policy.default)
        found = []
        for key in mailbox.Maildir(folder, create=False).keys():
            path = folder / "new" / key
            if path.exists():
                message = parser.parsebytes(path.read_bytes())
                if message["To"] == to:
                    found.append((path.stat().st_mtime_ns, message))
        return [message for _mtime, message in sorted(found, key=lambda pair: pair[0])]

    def stored_keys(self) -> list[str]:
        """The names of the objects in the site's bucket."""
        listing = boto3.client("s3", endpoint_url=self.env["STORAGE_S3_ENDPOINT_URL"], region_name="us-east-1",
                               aws_access_key_id=S3_KEY, aws_secret_access_key=S3_SECRET
                               ).list_objects_v2(Bucket=S3_BUCKET)
        return [item["Key"] for item in listing.get("Contents", [])]

    def log(self, name: str) -> str:
        return (self.root / "logs" / name).read_text(errors="replace")

    def stop(self) -> None:
        if self.processes:
            self.processes.stop_all()
        if self.database:
            with self._postgres() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        shutil.rmtree(self.root, ignore_errors=True)

    def _postgres(self):
        server = make_url(self.pg_url).set(drivername="postgresql", database="postgres")
        return psycopg.connect(server.render_as_string(hide_password=False), autocommit=True)


def start(pg_url: str) -> Site:
    """Follow docs/deploy.md on this machine; the caller stops the site (Site.stop) whatever happens."""
    root = Path(tempfile.mkdtemp(prefix="civicvoice-production-"))
    root.chmod(0o755)  # nginx's workers (nobody, when started as root) read the static files under it
    (root / "logs").mkdir()
    site = Site(root=root, pg_url=pg_url, processes=Processes(root / "logs"))
    site.ports = {name: free_port() for name in ("http", "https", "app_a", "app_b", "redis", "smtp", "s3")}
    # What a machine has before the guide's "Environment" step: a clean environment, the virtualenv on PATH.
    site.env = {"PATH": PATH, "LANG": "C.UTF-8", "HOME": str(root)}
    return site


# The guide's sections, in its order, that the test performs ("Service user" and "Code and virtualenv": this
# checkout and its virtualenv).
STEPS = ("packages", "database_and_role", "environment", "database_schema", "static_files",
         "first_administrator", "check", "services", "certificate", "nginx", "first_community")
