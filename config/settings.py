"""Crosscase settings: one file, configured by environment variables (see .env.example)."""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """A yes/no variable; anything else stops start-up, so a typo (`ture`) never silently means off."""
    value = os.environ.get(name)
    if value is None:
        return default
    value = value.strip().lower()
    if value not in TRUE | FALSE:
        raise ImproperlyConfigured(
            f"{name}={os.environ[name]!r} is neither true (1, true, yes, on) nor false (0, false, no, off)."
        )
    return value in TRUE


def email_settings(url: str) -> dict:
    """Django's e-mail settings from one URL: smtp://user:password@host:587 (STARTTLS), smtps://… (TLS).

    An empty URL, or console:, prints every mail to the console instead of sending it.
    """
    parts = urlsplit(url.strip())
    if not url.strip() or parts.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise ImproperlyConfigured(
            f"EMAIL_URL must look like smtp://user:password@host:587 or smtps://user:password@host:465, "
            f"or be console: (got scheme {parts.scheme!r})."
        )
    secure = parts.scheme == "smtps"
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": parts.port or (465 if secure else 587),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": secure,
        "EMAIL_USE_TLS": not secure and parse_qs(parts.query).get("tls", ["1"])[0] not in FALSE,
        "EMAIL_TIMEOUT": 10,
    }


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "accounts",
    "cases",
    "codebook",
    "coding",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.bounded_body",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "config.middleware.vary_on_htmx",
    "config.querytime.BoundedQueries",
    "accounts.sessions.signed_in_pages",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context.signup",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'crosscase.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several coders write at once: wait for the lock instead of failing, and use WAL for concurrent reads.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Tests use a file as well, not Django's in-memory default, so that the test server's threads each open
    # their own connection, as web workers do. Threads sharing one connection deadlock on any Python callback
    # SQLite makes while it holds the connection (REGEXP in the colour check of every code written, for one).
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test-crosscase.sqlite3")}
# No database statement of a web request runs longer than this (0: no limit); the request is answered with a
# sentence instead. PostgreSQL enforces it per statement for every connection, SQLite per request.
STATEMENT_TIMEOUT_SECONDS = float(os.environ.get("STATEMENT_TIMEOUT_SECONDS", "30"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and STATEMENT_TIMEOUT_SECONDS:
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c statement_timeout={int(STATEMENT_TIMEOUT_SECONDS * 1000)}"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background jobs (.qdpx imports, and the export of a whole project) are queued in the database and run by
# `manage.py db_worker`: `make run` starts one, docker compose runs it as the `worker` service.
# TASKS_BACKEND=immediate runs each job inside the request that starts it (no worker needed).
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if os.environ.get("TASKS_BACKEND", "database") not in TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {', '.join(TASK_BACKENDS)}.")
TASKS = {"default": {"BACKEND": TASK_BACKENDS[os.environ.get("TASKS_BACKEND", "database")]}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "cases:project_list"
LOGOUT_REDIRECT_URL = "account_login"

# Accounts (django-allauth): sign-in by username or e-mail, reset by e-mail, throttling, optional TOTP.
AUTHENTICATION_BACKENDS = ["accounts.backends.Backend"]
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"login": "accounts.forms.SignInForm"}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_CHANGE_EMAIL = True  # one address per account; a new one replaces it only once its link is followed
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False  # a reset asked for an unknown address sends nothing and says the same
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Crosscase] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Failed sign-ins: 5 per account (the login typed) in 5 minutes, 10 a minute per client address, then a pause.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
# Behind a reverse proxy every request comes from the proxy: count how many proxies (each adding to
# X-Forwarded-For) are yours, so the per-address limit sees the client's address and not the proxy's.
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# Invite-only unless the operator opens sign-up.
ALLOW_SIGNUP = env_bool("ALLOW_SIGNUP", False)
INVITATION_DAYS = int(os.environ.get("INVITATION_DAYS", "7"))
# Days the access log keeps a row (`manage.py prune_access_log` deletes older ones).
ACCESS_LOG_DAYS = int(os.environ.get("ACCESS_LOG_DAYS", "730"))
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Crosscase"
MFA_RECOVERY_CODE_COUNT = 10

# Throttling counts live in the database cache, so every server process sees the same failures.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "crosscase_cache"}
}

# E-mail: EMAIL_URL selects SMTP; without it mails are printed to the console (the server's output).
EMAIL_URL = os.environ.get("EMAIL_URL", "")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Crosscase <crosscase@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
globals().update(email_settings(EMAIL_URL))

LANGUAGE_CODE = "en"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"  # never served directly: originals are confidential and go through a scoped view

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}


def s3_storage(bucket: str) -> dict:
    """Originals in an S3-compatible bucket (AWS, MinIO, Ceph, Garage…), private, reached with signed URLs
    only by the app itself: every web server of a deployment then sees the same files."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("S3_PREFIX", ""),
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }


# S3_BUCKET keeps the originals in object storage instead of MEDIA_ROOT.
if os.environ.get("S3_BUCKET"):
    STORAGES["default"] = s3_storage(os.environ["S3_BUCKET"])

# Uploads: transcripts up to this size; the web server in front must allow at least as much.
MAX_UPLOAD_MB = int(os.environ.get("MAX_UPLOAD_MB", "25"))
# Longest extracted transcript text, in characters (a 15,000-word interview is about 100,000).
MAX_TRANSCRIPT_CHARS = int(os.environ.get("MAX_TRANSCRIPT_CHARS", "2000000"))
# Largest request body, in MB: a submission of several files at once (the browser uploads one file a request).
MAX_REQUEST_MB = int(os.environ.get("MAX_REQUEST_MB", "100"))
# Largest REFI-QDA project archive (.qdpx), in MB: the one upload allowed past MAX_REQUEST_MB, as a whole
# project's archive may hold its audio and pictures too. The task worker reads it from a file, not memory.
MAX_ARCHIVE_MB = int(os.environ.get("MAX_ARCHIVE_MB", "200"))
# Uploads over FILE_UPLOAD_MAX_MEMORY_SIZE are spooled here (local disk, never shared storage); what a killed
# worker leaves is removed by `manage.py clean_storage`.
FILE_UPLOAD_TEMP_DIR = Path(os.environ.get("UPLOAD_TEMP_DIR", BASE_DIR / "tmp"))
# Reading one file: what its compressed parts may unpack to (the XML of a .docx or .odt together, each stream
# of a PDF), counted as unpacked; and the seconds and memory of the child process that reads it, which stay
# below the web server's worker timeout (60 s in the shipped image) so that a hostile file costs no worker.
MAX_EXTRACTED_MB = int(os.environ.get("MAX_EXTRACTED_MB", "100"))
EXTRACT_SECONDS = int(os.environ.get("EXTRACT_SECONDS", "20"))
EXTRACT_MEMORY_MB = int(os.environ.get("EXTRACT_MEMORY_MB", "512"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Content-Security-Policy on every response: scripts, styles and fonts only from this site, no inline script
# or style at all (colours travel as classes, see static/js/paint.js), images also as data: URIs (the
# two-factor QR code), and the site cannot be framed or post forms elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Sessions end after this long without a request (and with the browser unless "Keep me signed in" is ticked).
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "240"))
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"permission_refusal": {"()": "config.logfilters.PermissionRefusal"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's default console handler here printed every record a second time (with DEBUG on): the root's
        # handler is the only one, and LOG_LEVEL applies to Django's records too.
        "django": {"handlers": [], "level": "NOTSET", "propagate": True},
        "django.request": {"filters": ["permission_refusal"]},
    },
}
