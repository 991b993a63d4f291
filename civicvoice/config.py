"""Every setting with its default, overlaid from the environment."""
import ipaddress
import os
import re
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from limits import parse_many

SESSION_SETTINGS = ("SESSION_IDLE_MINUTES_STAFF", "SESSION_IDLE_MINUTES", "SESSION_REMEMBER_DAYS", "SESSION_MAX_HOURS")
# The business-logic limits (ASVS 2.1.3) besides the sessions': an operator sets each from the environment, and the
# README names each (tests/security/test_limits.py finds them in Config by name and checks both).
RATE_LIMITS = ("LOGIN_LIMIT_PER_ACCOUNT", "LOGIN_LIMIT_PER_IP", "MAIL_FORM_LIMIT", "SIGN_LIMIT_PER_ACCOUNT",
               "SIGN_LIMIT_PER_IP", "POST_LIMIT_PER_ACCOUNT", "DATA_EXPORT_LIMIT")  # Flask-Limiter's syntax: "5 per minute;30 per hour"
COUNT_LIMITS = ("MAX_CONTENT_LENGTH", "ATTACHMENT_MAX_BYTES", "ATTACHMENTS_PER_PROPOSAL", "PASSWORD_MIN_LENGTH",
                "PASSWORD_MAX_LENGTH", "EMAIL_TOKEN_MAX_AGE", "RESET_TOKEN_MAX_AGE", "INVITE_TOKEN_MAX_AGE",
                "REPORT_THRESHOLD", "PER_PAGE", "ARGUMENTS_PER_PAGE", "ARGUMENT_EDIT_MINUTES", "MAX_PER_PAGE")
# How long personal data is kept (`flask retention run`): whole numbers of at least 1, from the environment too.
RETENTION_SETTINGS = ("RETENTION_SIGNER_MONTHS", "RETENTION_UNCONFIRMED_DAYS", "RETENTION_OUTBOX_DAYS",
                      "RETENTION_LOG_DAYS")
WEAK_SECRET_KEYS = {"", "dev", "secret", "change-me", "changeme", "development", "civicvoice"}
# Outside production the site also answers on these names (http://localhost:5000 as well as BASE_URL).
LOOPBACK_NAMES = ("localhost", "127.0.0.1")
SIGNING_NETWORK_LISTS = ("SIGN_ALLOW_NETWORKS", "SIGN_BLOCK_NETWORKS")
STORAGE_BACKENDS = ("local", "s3")
STORAGE_S3_SETTINGS = ("STORAGE_S3_BUCKET", "STORAGE_S3_ENDPOINT_URL", "STORAGE_S3_REGION", "STORAGE_S3_PREFIX")
_DOMAIN = re.compile(r"^(?=.{4,253}$)[a-z0-9-]+(\.[a-z0-9-]+)+$")


class Config:
    CIVICVOICE_ENV = "development"  # development | production | testing
    SECRET_KEY: str | None = None
    # Keys being rotated out (Flask 3.1): still accepted for signed cookies, and to open the sealed ballots of a
    # secret vote cast before SECRET_KEY changed. Environment: comma-separated.
    SECRET_KEY_FALLBACKS: tuple[str, ...] = ()
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    REDIS_URL: str | None = None

    # Locales: Arabic first. Community time zones default to Damascus.
    BABEL_DEFAULT_LOCALE = "ar"
    BABEL_DEFAULT_TIMEZONE = "Asia/Damascus"
    LANGUAGES = ("ar", "en")

    # Cookies and sessions.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Also Secure on any request that arrived over HTTPS; always on in production. When on, the cookies take the
    # __Host- prefix (__Host-session, __Host-remember): browsers then refuse them unless Secure, for this host
    # only and for the whole site, so no subdomain nor plain-http page can plant or overwrite one.
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"  # its lifetime is SESSION_REMEMBER_DAYS
    # Sign-in sessions are records on the server (accounts/sessions.py): each ends when signed out, after this
    # long without a request, or this long after signing in, whichever comes first.
    SESSION_IDLE_MINUTES_STAFF = 8 * 60  # site admins, committee members, council staff, partner coordinators
    SESSION_IDLE_MINUTES = 2 * 60  # residents who did not tick "remember me"
    SESSION_REMEMBER_DAYS = 30  # residents who ticked it: signed in on that device this long (staff never)
    SESSION_MAX_HOURS = 24  # any session not remembered, however active
    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead: a slow phone may keep a form open for hours
    # A whole form (several attachments); each file is checked against ATTACHMENT_MAX_BYTES with a clear message.
    MAX_CONTENT_LENGTH = 32 * 1024 * 1024
    ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
    # Letters with a longer annex are laid out in chunks of this many signatories (bounded memory, every core).
    LETTER_CHUNK_ROWS = 1000
    ATTACHMENTS_PER_PROPOSAL = 10
    UPLOAD_DIR: str | None = None  # default: instance/uploads (never under static/)
    STORAGE_BACKEND = "local"  # local: UPLOAD_DIR; s3: S3-compatible object storage (more than one app host)
    # `flask backup create` writes here and `flask backup prune` prunes here (default: instance/backups).
    BACKUP_DIR: str | None = None
    # The folder of pg_dump and pg_restore when those on PATH are older than the server (/usr/lib/postgresql/17/bin).
    BACKUP_PG_BIN: str | None = None
    # With STORAGE_BACKEND=s3 (civicvoice/storage_s3.py): the bucket, required; the address of an S3-compatible
    # service other than AWS (empty: AWS); the region; a folder of the bucket. Credentials are not settings of the
    # app: boto3 reads them (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, or the machine's role).
    STORAGE_S3_BUCKET = ""
    STORAGE_S3_ENDPOINT_URL = ""
    STORAGE_S3_REGION = "us-east-1"
    STORAGE_S3_PREFIX = ""
    TRUSTED_PROXIES = 0  # number of reverse proxies whose X-Forwarded-For is trusted
    # The site's public address: every absolute link it writes (mail, letters and their QR code, calendar
    # files), and the host it answers to; https and required in production. Any other host gets a 400.
    BASE_URL = "http://127.0.0.1:5000"
    SERVER_ALIASES: tuple[str, ...] = ()  # other host names it answers to (links still say BASE_URL)

    # Mail: "outbox" writes to the log and instance/outbox/; "smtp" sends; "memory" keeps a list (tests).
    MAIL_BACKEND = "outbox"
    MAIL_OUTBOX_DIR: str | None = None
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_USE_TLS = False
    MAIL_DEFAULT_SENDER = "CivicVoice <no-reply@civicvoice.local>"
    # Mails anyone can make the site send to an address (verification, reset, "already registered", council
    # invitations), per recipient mailbox and kind, per hour, whatever the IP; past it they are silently
    # dropped (and logged). 0: no cap.
    MAIL_CAP_PER_HOUR = 3

    # Accounts.
    PASSWORD_MIN_LENGTH = 10
    PASSWORD_MAX_LENGTH = 256
    EMAIL_TOKEN_MAX_AGE = 60 * 60 * 48
    RESET_TOKEN_MAX_AGE = 60 * 60
    INVITE_TOKEN_MAX_AGE = 60 * 60 * 24 * 14
    # Domains whose mailboxes ignore dots in the local part (alias multiplication).
    EMAIL_DOTLESS_DOMAINS = ("gmail.com", "googlemail.com")

    # Rate limits (Flask-Limiter syntax). Memory storage unless REDIS_URL is set.
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Redis unreachable: count in each process's memory until it is back (a weaker limit, never a 500).
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    LOGIN_LIMIT_PER_ACCOUNT = "5 per minute"
    LOGIN_LIMIT_PER_IP = "30 per minute"
    MAIL_FORM_LIMIT = "5 per hour"  # register, reset and resend forms, per IP
    SIGN_LIMIT_PER_ACCOUNT = "20 per hour"
    SIGN_LIMIT_PER_IP = "60 per hour"  # a centre's shared connection may carry many honest signers
    # Who signs without the per-IP limit: from these networks (a centre's own connection, where a whole queue signs
    # from one address) or with a verified address at these email domains. Signing from a blocked network (a VPN
    # or hosting range used for stuffing) is refused, whatever the domain. Environment: comma-separated addresses
    # or CIDR networks (203.0.113.7, 198.51.100.0/24, 2001:db8::/32), and domains (example.org).
    SIGN_ALLOW_NETWORKS: tuple = ()
    SIGN_ALLOW_DOMAINS: tuple[str, ...] = ()
    SIGN_BLOCK_NETWORKS: tuple = ()
    # Arguments, replies and amendments, per account: a lively debate, not a flood.
    POST_LIMIT_PER_ACCOUNT = "5 per minute;30 per hour"

    # "Download my data" (a ZIP of everything about the person, their files included), per account.
    DATA_EXPORT_LIMIT = "3 per hour"

    # Retention (`flask retention run`, daily). Signers of a demand closed this long ago (rejected, not adopted,
    # resolved, declined, withdrawn, merged) keep only what its letter holds: their comment, a paper signer's
    # phone, the networks signing was checked against, and the signatures that never counted, go.
    RETENTION_SIGNER_MONTHS = 12
    RETENTION_UNCONFIRMED_DAYS = 30  # accounts whose address was never verified, that wrote and signed nothing
    RETENTION_OUTBOX_DAYS = 30  # mail delivered (or given up on), and the files of MAIL_BACKEND=outbox
    RETENTION_LOG_DAYS = 365  # an account's own log (sign-outs, password and profile changes, downloads)

    # Reports from this many different people (email confirmed) hide an item until the committee reviews it;
    # each community may change it (moderation rules).
    REPORT_THRESHOLD = 3

    # Logs: "json" writes one JSON object per line to stderr (the default in production), "text" leaves Python's
    # logging as it is (development, tests). Environment: LOG_FORMAT.
    LOG_FORMAT: str | None = None
    # /readyz answers 503 once the oldest queued job has waited this long (a stuck or too slow worker).
    READY_QUEUE_MAX_AGE_SECONDS = 600

    PER_PAGE = 20
    ARGUMENTS_PER_PAGE = 50  # top-level arguments per page; their replies come with them
    ARGUMENT_EDIT_MINUTES = 15
    MAX_PER_PAGE = 50


def _database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "civicvoice.db")
    # psycopg 3 is the PostgreSQL driver; accept the usual short spellings.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _secret_key(instance_path: str) -> str:
    """Read SECRET_KEY from the instance folder, creating it on first run."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _rate_limit(key: str, value: str) -> str:
    """A limit in Flask-Limiter's syntax; a typo stops the start, rather than every request it would limit."""
    try:
        parse_many(value)
    except ValueError:
        raise RuntimeError(f"{key} must be a rate limit like '5 per minute' or '5 per minute;30 per hour' "
                           f"(it is {value!r}).") from None
    return value


def _whole_number(key: str, value: str, least: int) -> int:
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < least:
        raise RuntimeError(f"{key} must be a whole number of at least {least} (it is {value!r}).")
    return number


def load(app, test_config: dict | None) -> None:
    """Fill app.config: defaults, then the environment, then test_config."""
    app.config.from_object(Config)
    env = os.environ
    app.config["CIVICVOICE_ENV"] = env.get("CIVICVOICE_ENV", Config.CIVICVOICE_ENV)
    app.config["SQLALCHEMY_DATABASE_URI"] = _database_url(app.instance_path)
    if env.get("REDIS_URL"):
        app.config["REDIS_URL"] = env["REDIS_URL"]
    for key in ("UPLOAD_DIR", "STORAGE_BACKEND", "BASE_URL", "MAIL_BACKEND", "MAIL_SERVER", "MAIL_USERNAME",
                "MAIL_PASSWORD", "MAIL_DEFAULT_SENDER", "MAIL_OUTBOX_DIR", "BACKUP_DIR", "BACKUP_PG_BIN",
                *STORAGE_S3_SETTINGS):
        if env.get(key):
            app.config[key] = env[key]
    if env.get("MAIL_PORT"):
        app.config["MAIL_PORT"] = int(env["MAIL_PORT"])
    for key in RATE_LIMITS:
        if env.get(key):
            app.config[key] = _rate_limit(key, env[key])
    at_least_one = (*COUNT_LIMITS, *RETENTION_SETTINGS, "READY_QUEUE_MAX_AGE_SECONDS")
    for key, least in (*((key, 1) for key in at_least_one), ("MAIL_CAP_PER_HOUR", 0)):  # a cap of 0: no cap
        if env.get(key):
            app.config[key] = _whole_number(key, env[key], least)
    if env.get("LOG_FORMAT"):
        app.config["LOG_FORMAT"] = env["LOG_FORMAT"].strip().lower()
    if env.get("MAIL_USE_TLS"):
        app.config["MAIL_USE_TLS"] = env["MAIL_USE_TLS"].lower() in ("1", "true", "yes")
    for key in SESSION_SETTINGS:
        if env.get(key):
            app.config[key] = int(env[key])
    if env.get("TRUSTED_PROXIES"):
        app.config["TRUSTED_PROXIES"] = int(env["TRUSTED_PROXIES"])
    for key in (*SIGNING_NETWORK_LISTS, "SIGN_ALLOW_DOMAINS"):
        if env.get(key):
            app.config[key] = env[key]
    if env.get("SERVER_ALIASES"):
        app.config["SERVER_ALIASES"] = tuple(_items(env["SERVER_ALIASES"]))
    if env.get("SESSION_COOKIE_SECURE"):
        app.config["SESSION_COOKIE_SECURE"] = env["SESSION_COOKIE_SECURE"].lower() in ("1", "true", "yes")
    app.config["SECRET_KEY"] = env.get("SECRET_KEY")
    if env.get("SECRET_KEY_FALLBACKS"):
        app.config["SECRET_KEY_FALLBACKS"] = _items(env["SECRET_KEY_FALLBACKS"])
    if test_config:
        app.config.update(test_config)

    if app.config.get("REDIS_URL") and app.config["RATELIMIT_STORAGE_URI"] == "memory://":
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    production = app.config["CIVICVOICE_ENV"] == "production"
    _log_format(app.config, production)
    if production:
        _no_debug(app)
        app.config["SESSION_COOKIE_SECURE"] = True  # BASE_URL is https: every page is served over it
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    _cookie_names(app.config)
    if any(not isinstance(app.config[key], int) or app.config[key] < 1 for key in SESSION_SETTINGS):
        raise RuntimeError(f"{', '.join(SESSION_SETTINGS)} must be whole numbers above zero.")
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(days=app.config["SESSION_REMEMBER_DAYS"])
    if not app.config.get("MAIL_OUTBOX_DIR"):
        app.config["MAIL_OUTBOX_DIR"] = str(Path(app.instance_path) / "outbox")

    if production:
        if weak_secret_key(app.config.get("SECRET_KEY")):
            raise RuntimeError("Refusing to start in production without a strong SECRET_KEY (32+ characters).")
    elif not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(app.instance_path)
    _site_address(app.config)
    _signing_lists(app.config)
    _storage(app.config)


def _log_format(config, production: bool) -> None:
    config["LOG_FORMAT"] = config.get("LOG_FORMAT") or ("json" if production else "text")
    if config["LOG_FORMAT"] not in ("json", "text"):
        raise RuntimeError(f"LOG_FORMAT must be 'json' or 'text' (it is {config['LOG_FORMAT']!r}).")


def weak_secret_key(key: str | None) -> bool:
    """Missing, a word from the examples, or shorter than 32 characters: production refuses it (and `flask check`)."""
    key = key or ""
    return key.lower() in WEAK_SECRET_KEYS or len(key) < 32


def _no_debug(app) -> None:
    """Debug mode shows tracebacks and runs code typed into the browser: never in production."""
    if app.debug:  # FLASK_DEBUG (set by `flask run --debug` too) or DEBUG in the configuration
        raise RuntimeError("Refusing to start in production in debug mode (FLASK_DEBUG, --debug or DEBUG): it "
                           "shows tracebacks to visitors and lets them run code. Unset it.")


def _cookie_names(config) -> None:
    """With cookies always Secure, name them __Host-session and __Host-remember (unless named otherwise); a
    __Host- cookie must also be for the whole site (Path=/) and this host only (no Domain)."""
    if config["SESSION_COOKIE_SECURE"]:
        if config.get("SESSION_COOKIE_NAME", "session") == "session":
            config["SESSION_COOKIE_NAME"] = "__Host-session"
        if config.get("REMEMBER_COOKIE_NAME", "remember_token") == "remember_token":
            config["REMEMBER_COOKIE_NAME"] = "__Host-remember"
    for prefix in ("SESSION", "REMEMBER"):
        if (config.get(f"{prefix}_COOKIE_NAME") or "").startswith("__Host-") and (
                not config["SESSION_COOKIE_SECURE"] or config.get(f"{prefix}_COOKIE_DOMAIN")
                or (config.get(f"{prefix}_COOKIE_PATH") or "/") != "/"):
            raise RuntimeError(f"{prefix}_COOKIE_NAME starts with __Host-: the cookie must be Secure "
                               f"(SESSION_COOKIE_SECURE), for Path=/ and without a Domain, or browsers refuse it.")


def _site_address(config) -> None:
    """Check BASE_URL (https in production); derive from it the hosts the site answers to (TRUSTED_HOSTS)."""
    base_url = (config.get("BASE_URL") or "").strip().rstrip("/")
    site = urlsplit(base_url)
    if (site.scheme not in ("http", "https") or not site.hostname or site.username
            or site.query or site.fragment):
        raise RuntimeError(f"BASE_URL must be the site's public address, like https://civicvoice.example "
                           f"(it is {base_url!r}).")
    production = config["CIVICVOICE_ENV"] == "production"
    if production and site.scheme != "https":
        raise RuntimeError("Refusing to start in production without the site's https address in BASE_URL "
                           "(every link in mail and letters is built from it).")
    config["BASE_URL"] = base_url
    names = [site.hostname, *config["SERVER_ALIASES"], *(() if production else LOOPBACK_NAMES)]
    config["TRUSTED_HOSTS"] = list(dict.fromkeys(name.strip().lower() for name in names if name.strip()))


def _items(value) -> list[str]:
    """A comma-separated setting (from the environment) or a list of them (from test_config), as its items."""
    parts = value.split(",") if isinstance(value, str) else [str(item) for item in value or ()]
    return [part.strip() for part in parts if part.strip()]


def _signing_lists(config) -> None:
    """Read the signing allow and block lists once, at start: a mistyped entry stops the site with its name, rather
    than silently leaving a centre limited or a blocked range open."""
    for key in SIGNING_NETWORK_LISTS:
        networks = []
        for item in _items(config[key]):
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise RuntimeError(f"{key}: {item!r} is not an IP address or network "
                                   f"(write them like 203.0.113.7, 198.51.100.0/24 or 2001:db8::/32, "
                                   f"separated by commas).") from None
        config[key] = tuple(networks)
    domains = []
    for item in _items(config["SIGN_ALLOW_DOMAINS"]):
        name = item.lower().lstrip("@").rstrip(".")
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            name = ""
        if not _DOMAIN.match(name):
            raise RuntimeError(f"SIGN_ALLOW_DOMAINS: {item!r} is not an email domain "
                               f"(write them like example.org, separated by commas).")
        domains.append(name)
    config["SIGN_ALLOW_DOMAINS"] = tuple(domains)


def _storage(config) -> None:
    """Check where files are stored at start: a wrong setting would otherwise show only at the first upload or
    download, as an error page for whoever made it."""
    kind = config["STORAGE_BACKEND"]
    if kind not in STORAGE_BACKENDS:
        raise RuntimeError(f"STORAGE_BACKEND must be 'local' (the UPLOAD_DIR folder) or 's3' (S3-compatible object "
                           f"storage) (it is {kind!r}).")
    if kind != "s3":
        return
    if not (config["STORAGE_S3_BUCKET"] or "").strip():
        raise RuntimeError("STORAGE_BACKEND is 's3' but STORAGE_S3_BUCKET is not set: name the bucket that keeps "
                           "the uploaded files and issued letters.")
    endpoint = (config["STORAGE_S3_ENDPOINT_URL"] or "").strip()
    address = urlsplit(endpoint)
    if endpoint and (address.scheme not in ("http", "https") or not address.hostname):
        raise RuntimeError(f"STORAGE_S3_ENDPOINT_URL must be the address of the S3-compatible service, like "
                           f"https://s3.example.net, or empty for AWS (it is {endpoint!r}).")
    config["STORAGE_S3_BUCKET"], config["STORAGE_S3_ENDPOINT_URL"] = config["STORAGE_S3_BUCKET"].strip(), endpoint
