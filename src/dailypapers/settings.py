"""Django settings. Every value a deployment changes comes from the environment."""

from __future__ import annotations

from typing import Any

import dj_database_url
import django_stubs_ext

from dailypapers import config
from dailypapers.config import Rate
from dailypapers.core import email_url, policies, proxies

# Lets admin classes and querysets be subscripted with their model at run time.
django_stubs_ext.monkeypatch()

DATA_DIR = config.data_dir()
SECRET_KEY = config.secret_key(DATA_DIR)
DEBUG = config.env_bool("DAILYPAPERS_DEBUG", False)
ALLOWED_HOSTS = config.env_list("DAILYPAPERS_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = config.env_list("DAILYPAPERS_CSRF_TRUSTED_ORIGINS", [])
SITE_NAME = config.env_str("DAILYPAPERS_SITE_NAME", "Daily Papers")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "dailypapers.core",
    "dailypapers.accounts",
    "dailypapers.community",
    "dailypapers.papers",
    "dailypapers.ingest",
    "dailypapers.api",
    "dailypapers.digests",
    "dailypapers.search",
    "dailypapers.foryou",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy (dailypapers.core.headers).
    "dailypapers.core.headers.SecurityHeadersMiddleware",
    # 400 for NUL, lone surrogates and non-UTF-8 bytes in the address, query or form.
    "dailypapers.core.web.RejectUnstorableInputMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # gzip for text responses, at a cheaper level than Django's (dailypapers.core.compress;
    # static files are precompressed by WhiteNoise above).
    "dailypapers.core.compress.GZipMiddleware",
    # CORS, preflights and JSON errors under /api/ (dailypapers.api.middleware).
    "dailypapers.api.middleware.ApiMiddleware",
    # ETag from the body where a view set none, and 304 for a matching If-None-Match.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A signed-in reader's writes show at once on the lists shared by all readers.
    "dailypapers.core.pagecache.NoteWrites",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "dailypapers.urls"
WSGI_APPLICATION = "dailypapers.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dailypapers.core.context_processors.site",
            ],
        },
    },
]


def _database() -> dict[str, Any]:
    url = config.env_str("DAILYPAPERS_DATABASE_URL")
    if url:
        db: dict[str, Any] = dict(
            dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        )
        if db["ENGINE"] == "django.db.backends.postgresql":
            db.setdefault("TEST", {})["NAME"] = config.env_str(
                "DAILYPAPERS_TEST_DATABASE_NAME", f"test_{db['NAME']}"
            )
        return db
    # SQLite in the data folder: WAL so readers never wait for the writer, a busy
    # timeout instead of "database is locked", and IMMEDIATE transactions so a
    # write transaction takes the lock up front rather than failing half-way.
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "dailypapers.sqlite3",
        # Each server thread keeps its connection between requests: a new one starts
        # with an empty page cache and mapping, and a search's check of ~600 candidate
        # ids at 1M papers then took ~8 ms instead of ~1.
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA cache_size=-65536;"
                # Reads through a mapping of up to 2 GiB of the file (SQLite's usual
                # ceiling) instead of a system call per page: at 1M papers (2.2 GB)
                # a search's check of ~600 candidate ids took 1.5 ms instead of 2.6
                # with 256 MiB mapped. Address space only; the OS shares the pages.
                "PRAGMA mmap_size=2147418112;"
            ),
        },
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Argon2 for new and re-hashed passwords; the others still check older hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
LOGIN_URL = "/login"
LOGIN_REDIRECT_URL = "/papers"
LOGOUT_REDIRECT_URL = "/papers"
PASSWORD_RESET_TIMEOUT = config.env_int("DAILYPAPERS_PASSWORD_RESET_SECONDS", 3 * 3600)

# Accounts: see dailypapers.accounts.
ACCOUNT_CONFIRM_DAYS = config.env_int("DAILYPAPERS_ACCOUNT_CONFIRM_DAYS", 3)
# Wrong passwords in a row (within the lockout period) that lock a username for the
# client IP that typed them, and for how long. See dailypapers.accounts.lockout.
ACCOUNT_LOCKOUT_FAILURES = config.env_int("DAILYPAPERS_ACCOUNT_LOCKOUT_FAILURES", 5)
ACCOUNT_LOCKOUT_SECONDS = config.env_int("DAILYPAPERS_ACCOUNT_LOCKOUT_SECONDS", 900)
# How long the sign-in link mailed to a locked account's owner works (once).
ACCOUNT_LOGIN_LINK_SECONDS = config.env_int("DAILYPAPERS_ACCOUNT_LOGIN_LINK_SECONDS", 3600)
# Attempts per account named in the form (or its address), per client IP, and the
# window in seconds. Logins per account, from all clients together, are the lockout's
# backstop.
ACCOUNT_RATE_LIMITS = {
    "login": Rate(
        per_account=config.env_int("DAILYPAPERS_LOGINS_PER_ACCOUNT", 100),
        per_ip=config.env_int("DAILYPAPERS_LOGINS_PER_IP", 30),
        seconds=900,
    ),
    "signup": Rate(
        per_account=config.env_int("DAILYPAPERS_SIGNUPS_PER_ADDRESS", 3),
        per_ip=config.env_int("DAILYPAPERS_SIGNUPS_PER_IP", 5),
        seconds=3600,
    ),
    "reset": Rate(
        per_account=config.env_int("DAILYPAPERS_RESETS_PER_ADDRESS", 3),
        per_ip=config.env_int("DAILYPAPERS_RESETS_PER_IP", 10),
        seconds=3600,
    ),
    "confirm": Rate(per_account=3, per_ip=10, seconds=3600),
}
# Upvotes per user, per client IP, in a window of ten minutes.
UPVOTE_RATE_LIMIT = Rate(
    per_account=config.env_int("DAILYPAPERS_UPVOTES_PER_USER", 120),
    per_ip=config.env_int("DAILYPAPERS_UPVOTES_PER_IP", 600),
    seconds=600,
)
# Submitting papers to the daily list: see dailypapers.ingest.submitting. An account
# must be this many hours old (or have a confirmed author claim); a paper at most this
# many days old on arXiv; at most SUBMIT_PER_DAY submissions per user and UTC day.
SUBMIT_MIN_ACCOUNT_HOURS = config.env_int("DAILYPAPERS_SUBMIT_MIN_ACCOUNT_HOURS", 24)
SUBMIT_MAX_PAPER_AGE_DAYS = config.env_int("DAILYPAPERS_SUBMIT_MAX_PAPER_AGE_DAYS", 14)
SUBMIT_PER_DAY = config.env_int("DAILYPAPERS_SUBMIT_PER_DAY", 3)
# Form posts per user, per client IP, in a window of an hour.
SUBMIT_RATE_LIMIT = Rate(
    per_account=config.env_int("DAILYPAPERS_SUBMITS_PER_USER", 10),
    per_ip=config.env_int("DAILYPAPERS_SUBMITS_PER_IP", 30),
    seconds=3600,
)
# A person is waiting for the arXiv lookup: a short timeout, one retry, a small budget.
SUBMIT_ARXIV_TIMEOUT = config.env_float("DAILYPAPERS_SUBMIT_ARXIV_TIMEOUT", 10.0)
SUBMIT_ARXIV_RETRIES = config.env_int("DAILYPAPERS_SUBMIT_ARXIV_RETRIES", 1)
SUBMIT_ARXIV_BUDGET = config.env_int("DAILYPAPERS_SUBMIT_ARXIV_BUDGET", 30)

LANGUAGE_CODE = "en-us"
# Days on the daily list are cut in this zone (UTC by default, like the upstream API's `date`).
TIME_ZONE = config.time_zone()
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script or style anywhere; views may set their own (the digest pages do).
CONTENT_SECURITY_POLICY = policies.CONTENT_SECURITY_POLICY
PERMISSIONS_POLICY = policies.PERMISSIONS_POLICY
# Reverse proxies whose X-Forwarded-For is believed for the client's address (per-IP
# limits): a number of proxies in front, or a comma list of their addresses/networks.
# Unset: the header is ignored. See dailypapers.core.proxies and docs/deploy.md.
TRUSTED_PROXIES = proxies.parse(config.env_str("DAILYPAPERS_TRUSTED_PROXIES", ""))
if config.env_bool("DAILYPAPERS_HTTPS", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = config.env_bool("DAILYPAPERS_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = config.env_int("DAILYPAPERS_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": config.env_str("DAILYPAPERS_LOG_LEVEL", "WARNING")},
}

# Lists and paper pages are cached this long for visitors who are not logged in
# (0 turns it off); see dailypapers.core.pagecache.
PAGE_CACHE_SECONDS = config.env_int("DAILYPAPERS_PAGE_CACHE_SECONDS", 60)
# One cache for all server processes, in its own SQLite file in the data folder, so a
# page rendered by one worker serves every worker (dailypapers.core.sharedcache).
CACHES = {
    "default": {
        "BACKEND": "dailypapers.core.sharedcache.SQLiteCache",
        "LOCATION": str(DATA_DIR / "page-cache.sqlite3"),
        "OPTIONS": {"MAX_ENTRIES": config.env_int("DAILYPAPERS_PAGE_CACHE_ENTRIES", 5000)},
    }
}

# Trending: see dailypapers.papers.trending for the formula.
TRENDING_WINDOW_DAYS = config.env_int("DAILYPAPERS_TRENDING_WINDOW_DAYS", 7)

# Absolute links in emails: where the hub is reached from outside. Unset, `dailypapers
# serve` uses the address it listens on (and passes it to its worker).
BASE_URL = config.env_str("DAILYPAPERS_BASE_URL", "http://localhost:8000").rstrip("/")

# `dailypapers serve` runs the background worker beside the web server unless this is
# off (deployments that run `dailypapers worker` elsewhere); see core.supervise.
SERVE_WORKER = config.env_bool("DAILYPAPERS_SERVE_WORKER", True)
# `dailypapers serve` loads a sample of real daily lists into an empty database, so a
# new hub shows papers at once; real papers replace it (ingest.sample).
SERVE_SAMPLE = config.env_bool("DAILYPAPERS_SAMPLE", True)

# Outgoing email: one URL, see dailypapers.core.email_url for its forms.
EMAIL_CONFIG = email_url.parse(config.env_str("DAILYPAPERS_EMAIL_URL", "smtp://localhost:25"))
EMAIL_BACKEND = EMAIL_CONFIG.backend
EMAIL_HOST = EMAIL_CONFIG.host
EMAIL_PORT = EMAIL_CONFIG.port
EMAIL_HOST_USER = EMAIL_CONFIG.user
EMAIL_HOST_PASSWORD = EMAIL_CONFIG.password
EMAIL_USE_TLS = EMAIL_CONFIG.use_tls
EMAIL_USE_SSL = EMAIL_CONFIG.use_ssl
EMAIL_TIMEOUT = EMAIL_CONFIG.timeout
DEFAULT_FROM_EMAIL = config.env_str("DAILYPAPERS_EMAIL_FROM", f"{SITE_NAME} <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Digests: see docs/digests.md.
DIGEST_TOP_PAPERS = config.env_int("DAILYPAPERS_DIGEST_TOP_PAPERS", 10)
DIGEST_TOPIC_PAPERS = config.env_int("DAILYPAPERS_DIGEST_TOPIC_PAPERS", 5)
DIGEST_QUIET_NOTE = config.env_bool("DAILYPAPERS_DIGEST_QUIET_NOTE", False)
DIGEST_MAX_ATTEMPTS = config.env_int("DAILYPAPERS_DIGEST_MAX_ATTEMPTS", 5)
DIGEST_BOUNCE_LIMIT = config.env_int("DAILYPAPERS_DIGEST_BOUNCE_LIMIT", 3)
DIGEST_CLAIM_TIMEOUT = config.env_int("DAILYPAPERS_DIGEST_CLAIM_TIMEOUT", 600)
DIGEST_MAX_DELAY_HOURS = config.env_int("DAILYPAPERS_DIGEST_MAX_DELAY_HOURS", 20)
DIGEST_CONFIRM_DAYS = config.env_int("DAILYPAPERS_DIGEST_CONFIRM_DAYS", 3)
DIGEST_SIGNUPS_PER_IP = config.env_int("DAILYPAPERS_DIGEST_SIGNUPS_PER_IP", 10)
DIGEST_SIGNUPS_PER_ADDRESS = config.env_int("DAILYPAPERS_DIGEST_SIGNUPS_PER_ADDRESS", 3)
DIGEST_UNSUBSCRIBE_MAILTO = config.env_str("DAILYPAPERS_DIGEST_UNSUBSCRIBE_MAILTO", "")

# Sync from the upstreams: see docs/sync.md. Base URLs are settings so a hub can
# use a mirror and tests a local server.
ARXIV_API_URL = config.env_str("DAILYPAPERS_ARXIV_API_URL", "https://export.arxiv.org/api/query")
ARXIV_OAI_URL = config.env_str("DAILYPAPERS_ARXIV_OAI_URL", "https://oaipmh.arxiv.org/oai")
ARXIV_RSS_URL = config.env_str("DAILYPAPERS_ARXIV_RSS_URL", "https://rss.arxiv.org/rss")
HF_API_URL = config.env_str("DAILYPAPERS_HF_API_URL", "https://huggingface.co/api")
SYNC_CONTACT = config.env_str("DAILYPAPERS_SYNC_CONTACT", "")
# arXiv asks for one request every 3 seconds; Hugging Face publishes no figure.
SYNC_ARXIV_INTERVAL = config.env_float("DAILYPAPERS_SYNC_ARXIV_INTERVAL", 3.0)
SYNC_HF_INTERVAL = config.env_float("DAILYPAPERS_SYNC_HF_INTERVAL", 1.0)
SYNC_TIMEOUT = config.env_float("DAILYPAPERS_SYNC_TIMEOUT", 30.0)
# The most one upstream request may take, connecting to last byte (a wall clock).
SYNC_REQUEST_DEADLINE = config.env_float("DAILYPAPERS_SYNC_REQUEST_DEADLINE", 120.0)
SYNC_MAX_RETRIES = config.env_int("DAILYPAPERS_SYNC_MAX_RETRIES", 5)
SYNC_BACKOFF = config.env_float("DAILYPAPERS_SYNC_BACKOFF", 2.0)
SYNC_BUDGET = config.env_int("DAILYPAPERS_SYNC_BUDGET", 1800)
SYNC_CLAIM_TIMEOUT = config.env_int("DAILYPAPERS_SYNC_CLAIM_TIMEOUT", 3600)
# Sources the worker runs, and seconds between their runs.
# The Hugging Face daily list keeps a hub current by default (it asks for no contact
# address); arXiv sources are opt-in. "none" turns syncing off.
_SYNC_SOURCES = config.env_list("DAILYPAPERS_SYNC_SOURCES", ["hf"])
SYNC_SOURCES = [] if [s.lower() for s in _SYNC_SOURCES] == ["none"] else _SYNC_SOURCES
SYNC_EVERY = {
    "arxiv": config.env_int("DAILYPAPERS_SYNC_ARXIV_EVERY", 6 * 3600),
    "oai": config.env_int("DAILYPAPERS_SYNC_OAI_EVERY", 24 * 3600),
    "rss": config.env_int("DAILYPAPERS_SYNC_RSS_EVERY", 3600),
    "hf": config.env_int("DAILYPAPERS_SYNC_HF_EVERY", 3600),
}
SYNC_CATEGORIES = config.env_list(
    "DAILYPAPERS_SYNC_CATEGORIES", ["cs.AI", "cs.CL", "cs.CV", "cs.LG"]
)
SYNC_OAI_SET = config.env_str("DAILYPAPERS_SYNC_OAI_SET", "cs")
SYNC_OAI_PREFIX = config.env_str("DAILYPAPERS_SYNC_OAI_PREFIX", "arXivRaw")
SYNC_HF_DAYS = config.env_int("DAILYPAPERS_SYNC_HF_DAYS", 2)
# The first turn (and a turn after a long pause) reaches back this many days.
SYNC_HF_BACKFILL_DAYS = config.env_int("DAILYPAPERS_SYNC_HF_BACKFILL_DAYS", 7)
# How old a paper's linked repositories get before an hf turn asks again; 0: never ask.
SYNC_HF_REPOS_EVERY = config.env_int("DAILYPAPERS_SYNC_HF_REPOS_EVERY", 24 * 3600)

# --- deployment security ---
"""What ``dailypapers check --deploy`` looks at, driven by the environment.

- ``DAILYPAPERS_HTTPS=1``: the hub is served over TLS (directly or behind a proxy that
  sets ``X-Forwarded-Proto: https``): secure session and CSRF cookies, HSTS and a
  redirect of plain-HTTP requests to https (set above, where the other HTTPS settings are).
- ``DAILYPAPERS_HSTS_SECONDS``: how long browsers remember to use https only (default one
  year; 0 turns HSTS off, which the deployment check reports).
- ``DAILYPAPERS_SSL_REDIRECT=0``: the proxy in front already redirects http to https, so
  the hub does not; the deployment check's reminder about the redirect is then silenced.
- ``DAILYPAPERS_DEBUG`` must stay off and ``DAILYPAPERS_SECRET_KEY`` (when given) must be
  long and random: the deployment check reports either.
"""
if config.env_bool("DAILYPAPERS_HTTPS", False) and not config.env_bool(
    "DAILYPAPERS_SSL_REDIRECT", True
):
    SILENCED_SYSTEM_CHECKS = ["security.W008"]
# --- end of deployment security ---

# --- media: thumbnails, a paper's media and avatars, kept in the data folder ---
# The worker fetches them (``media.fetch``) so pages never send visitors elsewhere;
# DAILYPAPERS_MEDIA_FETCH=0 turns fetching off (pages then show covers, initials, links).
MEDIA_CACHE_DIR = DATA_DIR / "media"
MEDIA_FETCH = config.env_bool("DAILYPAPERS_MEDIA_FETCH", True)
# A file larger than this is refused (its paper page links to it instead).
MEDIA_MAX_BYTES = config.env_int("DAILYPAPERS_MEDIA_MAX_BYTES", 16 << 20)
# Hosts (with their subdomains) media are fetched from, redirects included; the host of
# MEDIA_THUMBNAIL_URL is added. Addresses elsewhere in imported data are never asked for.
MEDIA_HOSTS = config.env_list("DAILYPAPERS_MEDIA_HOSTS", ["huggingface.co"])
MEDIA_THUMBNAIL_URL = config.env_str(
    "DAILYPAPERS_MEDIA_THUMBNAIL_URL",
    "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{id}.png",
)
