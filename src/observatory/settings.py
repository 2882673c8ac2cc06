"""Django settings, all from the environment (twelve-factor).

DATABASE_URL     default: SQLite file var/observatory.sqlite3 (WAL); PostgreSQL in production
SECRET_KEY       required when DEBUG is off, except for the demo and the test runner, which keep
                 a generated key in var/secret_key
DEBUG            "1" to turn on Django's debug mode (never in production)
ALLOWED_HOSTS    comma-separated, default "127.0.0.1,localhost"
OBSERVATORY_CITY a built-in city pack (paris, boston, san-francisco) or the path of one
OBSERVATORY_VAR  where the SQLite file, the generated key and uploads live (default ./var)
"""

from __future__ import annotations

import importlib.util
import os
import re
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from observatory.geo.core.cells import REPORT_RESOLUTIONS
from observatory.geo.core.cities import load_city


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = Path.cwd()
VAR_DIR = Path(os.environ.get("OBSERVATORY_VAR", BASE_DIR / "var")).resolve()

DEBUG = env_bool("DEBUG")
# pytest (>= 8.2) sets PYTEST_VERSION for the whole session.
TESTING = "PYTEST_VERSION" in os.environ
DEMO = env_bool("OBSERVATORY_DEMO")
# `observatory X --help` loads these settings only to describe a command: it needs no key and
# creates nothing on disk. cli.py sets this for help requests, never for a command that runs.
HELP_ONLY = os.environ.get("OBSERVATORY_CLI_HELP") == "1"


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY", "")
    if key:
        return key
    if HELP_ONLY:
        return "help-only-this-process-serves-nothing"
    if not (DEBUG or DEMO or TESTING):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set: set it to a long random string (for example the output of "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(50))'`), or DEBUG=1 on a "
            "development machine"
        )
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

OBSERVATORY_CITY = os.environ.get("OBSERVATORY_CITY", "paris")
try:
    CITY = load_city(OBSERVATORY_CITY)
except ValueError as exc:
    raise ImproperlyConfigured(f"OBSERVATORY_CITY: {exc}") from None

# Background jobs (jobs/): Django's Tasks API, django-tasks backport. OBSERVATORY_JOBS=database
# (default): workers (`observatory worker`) poll the same database, SQLite or PostgreSQL, through
# django-tasks-db; no broker. "immediate" runs each job inside the request that submits it: the
# test suite's default, so that a test about a result gets it at once (the queue's own tests start
# real workers with OBSERVATORY_JOBS=database). Measured in benchmarks/jobs.py, docs/operating.md.
OBSERVATORY_JOBS = os.environ.get("OBSERVATORY_JOBS", "immediate" if TESTING else "database")
if OBSERVATORY_JOBS not in ("database", "immediate"):
    raise ImproperlyConfigured(f"OBSERVATORY_JOBS: {OBSERVATORY_JOBS!r} is not 'database' nor 'immediate'")
OBSERVATORY_JOBS_IMMEDIATE = OBSERVATORY_JOBS == "immediate"
_JOB_APPS = ["django_tasks"] if OBSERVATORY_JOBS_IMMEDIATE else ["django_tasks", "django_tasks_db"]
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if OBSERVATORY_JOBS_IMMEDIATE
        else "django_tasks_db.DatabaseBackend"
    }
}
# Seconds between two polls of the queue by an idle worker: the latency from enqueue to start.
OBSERVATORY_JOBS_POLL = float(os.environ.get("OBSERVATORY_JOBS_POLL", "0.5"))
# A running job whose worker wrote no heartbeat for this long lost its worker (killed): retried or failed.
OBSERVATORY_JOBS_STALE_SECONDS = float(os.environ.get("OBSERVATORY_JOBS_STALE_SECONDS", "45"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",
    "observatory.web",
    "observatory.accounts",
    "observatory.reports",
    "observatory.addresses",
    "observatory.releases",
    "observatory.open311",
    "observatory.analysis",
    "observatory.fieldwork",
    "observatory.photos",
    "observatory.consultation",
    "observatory.simulation",
    "observatory.siting",
    "observatory.panel",
    "observatory.jobs",
    *_JOB_APPS,
    "observatory.subscriptions",
    "observatory.complaints",
    "observatory.bulletins",
    "observatory.alerts",
    "observatory.demo",
]

MIDDLEWARE = [
    "observatory.common.abuse.EarlyRefusalMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "observatory.common.abuse.IntakeLimitMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # login throttling first, as django-axes requires
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "observatory.urls"
WSGI_APPLICATION = "observatory.wsgi.application"

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
                "django.template.context_processors.i18n",
                "observatory.web.context.city",
            ],
        },
    },
]

_DEFAULT_DATABASE = VAR_DIR / "observatory.sqlite3"
try:
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ.get("DATABASE_URL") or f"sqlite:///{_DEFAULT_DATABASE}",
            conn_max_age=60,
            conn_health_checks=True,
        )
    }
except ValueError as exc:
    raise ImproperlyConfigured(
        f"DATABASE_URL is not a database address ({exc}): set it to "
        "postgres://USER@HOST:5432/NAME, or unset it for the SQLite file in var/"
    ) from None
if not DATABASES["default"].get("ENGINE") or not DATABASES["default"].get("NAME"):
    raise ImproperlyConfigured(
        "DATABASE_URL names no database: set it to postgres://USER@HOST:5432/NAME, "
        "or unset it for the SQLite file in var/"
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer commits; IMMEDIATE transactions take the write
    # lock up front so concurrent writers queue (busy timeout) instead of failing mid-way.
    # Keep connections: opening one and rerunning the PRAGMAs cost a third of an intake request.
    DATABASES["default"]["CONN_MAX_AGE"] = 600
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
# Point-in-area and distance queries (observatory.geo.queries): "auto" takes PostGIS where the
# PostgreSQL database has the extension, else the Python path; "python" always the Python path.
OBSERVATORY_GEO_BACKEND = os.environ.get("OBSERVATORY_GEO_BACKEND", "auto")

# After the city and the database, so that a wrong setting is told before a key file is written.
# The SQLite file's folder is created at start-up (jobs/apps.py), not when these settings load.
SECRET_KEY = _secret_key()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Login throttling (django-axes): lock a username after 5 failures for an hour. The "IP" it
# stores is our daily keyed hash shaped as an address (common/abuse.py), never the real one.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hours
# Per user name and client, and per user name alone: guesses spread over many addresses (a
# botnet, a mobile network's pool) lock the name too. The lock page is web/errors.login_locked.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_LOCKOUT_CALLABLE = "observatory.common.errors.login_locked"
AXES_CLIENT_IP_CALLABLE = "observatory.common.abuse.fingerprint_as_ip"
AXES_DISABLE_ACCESS_LOG = True
AXES_RESET_ON_SUCCESS = True

# Caches hold rate-limit counters, used challenges and the public map's answers. Production
# sets CACHE_URL=redis://host:6379/0 so every gunicorn worker shares them. The embedded default is
# memory in each process: fast (a file cache cost 17 ms per request here, renaming a file), but
# counters are per worker, so a client may get up to (workers x limit) before a 429.
_CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES: dict[str, dict[str, Any]]
if _CACHE_URL:
    # The Redis client is an optional extra (pyproject.toml: observatory[redis]; the lock has it).
    if importlib.util.find_spec("redis") is None:
        raise ImproperlyConfigured("CACHE_URL needs the Redis client: install observatory[redis]")
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _CACHE_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "observatory",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
RATELIMIT_USE_CACHE = "default"

# Rate limits on intake (count/period: s, m, h, d), per daily client hash or per account.
OBSERVATORY_RATE_LIMITS = {
    "anonymous": os.environ.get("OBSERVATORY_RATE_ANONYMOUS", "30/h"),
    "user": os.environ.get("OBSERVATORY_RATE_USER", "120/h"),
    "open311": os.environ.get("OBSERVATORY_RATE_OPEN311", "600/h"),
    "register": "10/h",
    "nojs": "3/h",  # anonymous form posts without the proof of work (no JavaScript)
    # Per address; lifted in meeting mode (web/meetings.py), where a whole room shares one.
    "panel": os.environ.get("OBSERVATORY_RATE_PANEL", "10/h"),
    "vote": os.environ.get("OBSERVATORY_RATE_VOTE", "60/h"),
    "meeting": "300/h",  # typing a meeting's code (40 bits: guessing it is hopeless anyway)
}
# Meeting mode: how long a meeting may stay open (staff choose up to this many hours).
OBSERVATORY_MEETING_MAX_HOURS = 8
OBSERVATORY_TRUSTED_PROXIES = int(os.environ.get("OBSERVATORY_TRUSTED_PROXIES", "0"))
OBSERVATORY_API_MAX_BODY = 64 * 1024
OBSERVATORY_CHALLENGE_MAX_NUMBER = 60_000
OBSERVATORY_CHALLENGE_MINUTES = 20

OTP_TOTP_ISSUER = f"Observatory {CITY.name}"

LANGUAGE_CODE = CITY.language
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = CITY.time_zone
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Leaflet comes from the django-leaflet wheel, served as our own static files (no CDN). Only its
# assets are used: its Django app would pull in GeoDjango, which needs the GDAL system library.
_LEAFLET = importlib.util.find_spec("leaflet")
if _LEAFLET is None or _LEAFLET.origin is None:
    raise ImproperlyConfigured("the django-leaflet package is missing: install requirements.lock")
STATICFILES_DIRS = [Path(_LEAFLET.origin).parent / "static"]
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
# Photos (reports' originals and blurred copies, complaints' photos) go through the storage named
# "photos", never a path, and are served only by permission-checked views (photos/storage.py).
# OBSERVATORY_PHOTO_STORAGE=local (default): a folder outside MEDIA_ROOT, OBSERVATORY_PRIVATE_ROOT
# (default VAR_DIR/private). =s3: a private S3-compatible bucket that every web server and worker
# shares, through django-storages (the observatory[s3] extra); docs/operating.md, "Many machines".
OBSERVATORY_PRIVATE_ROOT = Path(os.environ.get("OBSERVATORY_PRIVATE_ROOT") or VAR_DIR / "private").resolve()
OBSERVATORY_PHOTO_STORAGE = os.environ.get("OBSERVATORY_PHOTO_STORAGE", "local").strip().lower() or "local"
# For s3: the bucket (required); the endpoint of a service other than AWS (MinIO, Garage, Ceph,
# Scaleway, OVH...); its region; a key prefix inside the bucket; "path" addressing for services
# without bucket subdomains. Without an access key, boto3's own chain applies (AWS_* variables,
# ~/.aws, an instance role).
OBSERVATORY_PHOTO_S3 = {
    "bucket_name": os.environ.get("OBSERVATORY_PHOTO_S3_BUCKET", ""),
    "endpoint_url": os.environ.get("OBSERVATORY_PHOTO_S3_ENDPOINT_URL", ""),
    "region_name": os.environ.get("OBSERVATORY_PHOTO_S3_REGION", ""),
    "location": os.environ.get("OBSERVATORY_PHOTO_S3_PREFIX", "").strip("/"),
    "addressing_style": os.environ.get("OBSERVATORY_PHOTO_S3_ADDRESSING_STYLE", ""),
    "access_key": os.environ.get("OBSERVATORY_PHOTO_S3_ACCESS_KEY_ID", ""),
    "secret_key": os.environ.get("OBSERVATORY_PHOTO_S3_SECRET_ACCESS_KEY", ""),
}


def photo_storage_setting(kind: str, s3: dict[str, str]) -> dict[str, Any]:
    """STORAGES["photos"] for OBSERVATORY_PHOTO_STORAGE and the OBSERVATORY_PHOTO_S3 values.

    A function, so that the tests build the S3 entry exactly as a deployment does.
    """
    if kind == "local":
        return {"BACKEND": "observatory.photos.storage.PrivateStorage"}
    if kind != "s3":
        raise ImproperlyConfigured(f"OBSERVATORY_PHOTO_STORAGE: {kind!r} is not 'local' nor 's3'")
    if importlib.util.find_spec("storages") is None or importlib.util.find_spec("boto3") is None:
        raise ImproperlyConfigured(
            "OBSERVATORY_PHOTO_STORAGE=s3 needs django-storages and boto3: install observatory[s3]"
        )
    if not s3["bucket_name"]:
        raise ImproperlyConfigured(
            "OBSERVATORY_PHOTO_STORAGE=s3 needs OBSERVATORY_PHOTO_S3_BUCKET, the name of a private bucket"
        )
    if bool(s3["access_key"]) != bool(s3["secret_key"]):
        raise ImproperlyConfigured(
            "OBSERVATORY_PHOTO_S3_ACCESS_KEY_ID and OBSERVATORY_PHOTO_S3_SECRET_ACCESS_KEY go together: "
            "set both, or neither for boto3's own credentials"
        )
    if s3["addressing_style"] not in ("", "auto", "path", "virtual"):
        raise ImproperlyConfigured("OBSERVATORY_PHOTO_S3_ADDRESSING_STYLE is 'path', 'virtual' or 'auto'")
    options: dict[str, Any] = {key: value for key, value in s3.items() if value}
    options.update(
        # Never an ACL on the objects (buckets with ACLs disabled refuse any), never a public link
        # (photos/s3.py refuses url()); a name already taken gets a new one, as in a folder.
        default_acl=None,
        querystring_auth=True,
        file_overwrite=False,
    )
    return {"BACKEND": "observatory.photos.s3.PrivateS3Storage", "OPTIONS": options}


STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "photos": photo_storage_setting(OBSERVATORY_PHOTO_STORAGE, OBSERVATORY_PHOTO_S3),
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if TESTING or DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Security headers; HTTPS-only ones switch on with OBSERVATORY_HTTPS=1 (behind a TLS proxy).
HTTPS = env_bool("OBSERVATORY_HTTPS")
SECURE_CONTENT_TYPE_NOSNIFF = True
# No inline script anywhere: every script is a static file. Inline styles stay allowed because
# Leaflet positions its panes with style attributes and matplotlib's SVG carries <style>.
_TILE_ORIGIN = re.match(r"^(https?://[^/{]+)", os.environ.get("OBSERVATORY_TILE_URL", ""))
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", *([_TILE_ORIGIN.group(1)] if _TILE_ORIGIN else [])],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
CSRF_FAILURE_VIEW = "observatory.common.errors.csrf_failure"  # in the visitor's language
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# Public output rules (ARCHITECTURE.md, "Data and privacy model").
OBSERVATORY_PUBLIC_MIN_COUNT = int(os.environ.get("OBSERVATORY_PUBLIC_MIN_COUNT", "5"))
OBSERVATORY_PUBLIC_DELAY_HOURS = int(os.environ.get("OBSERVATORY_PUBLIC_DELAY_HOURS", "24"))
# The one H3 resolution of everything public (9: cells of about 0.1 km²): the published counts per
# cell (reports/services/publication.py), the releases' domain and the largest resolution the public API
# answers (releases/), Open311's points. One of the resolutions stored on each report (h3_7..h3_10).
OBSERVATORY_PUBLIC_RESOLUTION = 9
if OBSERVATORY_PUBLIC_RESOLUTION not in REPORT_RESOLUTIONS:
    raise ImproperlyConfigured(f"OBSERVATORY_PUBLIC_RESOLUTION must be one of {REPORT_RESOLUTIONS}")
# The release engine (releases/core/__init__.py, docs/privacy.md): every public number is a noisy count of
# a released calendar week or month. Defaults measured in benchmarks/privacy.py.
OBSERVATORY_RELEASES = {
    "lifetime_epsilon": float(os.environ.get("OBSERVATORY_PRIVACY_LIFETIME_EPSILON", "4.0")),
    "epsilon": {
        "month": float(os.environ.get("OBSERVATORY_PRIVACY_MONTH_EPSILON", "3.0")),
        "week": float(os.environ.get("OBSERVATORY_PRIVACY_WEEK_EPSILON", "1.0")),
    },
    "phantom_rate": float(os.environ.get("OBSERVATORY_PRIVACY_PHANTOM_RATE", "0.5")),
    "min_threshold": OBSERVATORY_PUBLIC_MIN_COUNT,
    "delay_days": int(os.environ.get("OBSERVATORY_RELEASE_DELAY_DAYS", "2")),
}
OBSERVATORY_MAX_BACKDATE_DAYS = 7

# E-mail (subscriptions' digests, confirmations, report notices) through a real SMTP server named
# by the environment. Without EMAIL_HOST the demo writes each message to a file in var/mail/
# (load-demo says so) and DEBUG prints them; the tests start their own SMTP server.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "observatory@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_FILE_PATH = VAR_DIR / "mail"
if EMAIL_HOST or not (DEMO or DEBUG):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
elif DEMO:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Links in e-mails sent outside a request (digests after `observatory release`).
OBSERVATORY_SITE_URL = os.environ.get("OBSERVATORY_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # Django logs every 4xx at WARNING: a flood of 429s would cost a log line each.
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False}},
}

# Base map tiles are optional (the map works offline with area outlines only); set a URL
# template such as https://tile.example.org/{z}/{x}/{y}.png to draw them.
OBSERVATORY_TILE_URL = os.environ.get("OBSERVATORY_TILE_URL", "")
# The credit the tile provider asks for (shown in the map's corner, as HTML: `&copy; <a
# href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors`); empty shows none.
OBSERVATORY_TILE_ATTRIBUTION = os.environ.get("OBSERVATORY_TILE_ATTRIBUTION", "")
# Or the city's own vector tiles: the path of a PMTiles archive (for example an extract of the
# Protomaps basemap), served by the app itself at /map/city.pmtiles (web/maps.py).
OBSERVATORY_PMTILES = os.environ.get("OBSERVATORY_PMTILES", "")

# Alerts for the field (docs/alerts.md): threshold_days (100), dedupe_hours (72), replicates
# (999), resolution (9), study_days (28); unset keys take those defaults (alerts/services.py).
OBSERVATORY_ALERTS: dict[str, float] = {}
# The licence line of /open-data/ and its files: ODbL-1.0, CC-BY-4.0 or etalab-2.0.
OBSERVATORY_OPEN_DATA_LICENCE = os.environ.get("OBSERVATORY_OPEN_DATA_LICENCE", "ODbL-1.0")
# Who runs the observatory, for the Open311 discovery document's "contact" (an address or a
# sentence); empty says "the observatory's operators" in the client's language (open311/views.py).
OBSERVATORY_CONTACT = os.environ.get("OBSERVATORY_CONTACT", "")

# Retention: reports' free text is kept raw this long, then reduced to category and place
# (`observatory apply-retention`, run daily); photo originals (moderators only) much shorter.
OBSERVATORY_TEXT_RETENTION_MONTHS = int(os.environ.get("OBSERVATORY_TEXT_RETENTION_MONTHS", "12"))
OBSERVATORY_PHOTO_RETENTION_DAYS = int(os.environ.get("OBSERVATORY_PHOTO_RETENTION_DAYS", "30"))
# Complaints of people who use drugs: their words, contact and photo, counted from closing.
OBSERVATORY_COMPLAINT_RETENTION_MONTHS = int(os.environ.get("OBSERVATORY_COMPLAINT_RETENTION_MONTHS", "12"))
