"""Settings for Reglament, read from the environment (django-environ).

Without any environment the project runs on embedded defaults that need no server: SQLite, a
filesystem Celery broker and a mail folder, all under ``HELPDESK_VAR_DIR`` (default ``var/``).
``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and Redis.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from pythonjsonlogger.core import RESERVED_ATTRS

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env.str("HELPDESK_VAR_DIR", default=str(BASE_DIR / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DJANGO_DEBUG", default=True)

_DEV_SECRET_KEY = "dev-only-insecure-key-for-the-embedded-demo-never-use-in-production"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "helpdesk",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "anymail",
    "axes",
    "search",
    "tickets",
    "sla",
    "mailgate",
    "kb",
    "reports",
    "monitoring",
    "api",
    "webhooks",
]

MIDDLEWARE = [
    "monitoring.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "helpdesk.middleware.TenantMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "helpdesk.urls"
TENANT_URLCONF = "helpdesk.urls_tenant"
WSGI_APPLICATION = "helpdesk.wsgi.application"

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
                "django.template.context_processors.i18n",
                "helpdesk.context_processors.tenant",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'reglament.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; IMMEDIATE takes the write lock at
    # BEGIN so two writers queue on busy_timeout instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Users and sign-in ------------------------------------------------------------------------
AUTH_USER_MODEL = "helpdesk.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "tenant:login"
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"

# --- Language and time --------------------------------------------------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Русский")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Moscow"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------------
# Absolute: a relative value would pick up a tenant's /t/<slug>/ script prefix.
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
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
# Attachments on S3-compatible storage (AWS, Yandex Object Storage, MinIO, …) through django-storages
# when S3_BUCKET is set; otherwise on local disk under MEDIA_ROOT. Downloads are streamed by our own
# views behind the same permission checks: the bucket stays private (no public URLs).
S3_BUCKET = env.str("S3_BUCKET", default="")
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("S3_PREFIX", default=""),
            "addressing_style": env.str("S3_ADDRESSING_STYLE", default="") or None,
            "default_acl": "private",
            "file_overwrite": False,
        },
    }
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024

# --- Mail -------------------------------------------------------------------------------------
# Default: every outgoing message is written as a file under var/mail. EMAIL_URL (smtp://…)
# or EMAIL_BACKEND (e.g. anymail.backends.unisender_go.EmailBackend) switch to real delivery.
MAIL_DIR = VAR_DIR / "mail"
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
    EMAIL_FILE_PATH = str(MAIL_DIR)
# A hung mail server must not hold a worker (and every mail queued behind it): SMTP calls time out.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Reglament <noreply@reglament.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value
    for key, value in env.ENVIRON.items()
    if key.startswith("ANYMAIL_") and value
}

# --- Celery -----------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# No task runs forever: a soft limit raises inside the task (it retries), the hard one ends the process.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
CELERY_TIMEZONE = TIME_ZONE
# Several workers without loss: a task is acknowledged only after it ran (acks_late), requeued when
# its worker process dies (reject_on_worker_lost), and killed when it hangs (time limits).
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
# Beat writes its heartbeat from its own tick (monitoring.heartbeats) and ticks at least this often.
CELERY_BEAT_SCHEDULER = "monitoring.heartbeats:HeartbeatScheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = 30
# Our LOGGING configures the worker's logs too (JSON lines in production, a file under rundemo).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # A task taken by a worker that then died (SIGKILL, lost host) is handed to another worker once
    # this many seconds passed without an acknowledgement. Longer than any retry countdown
    # (retry_backoff_max is an hour), or a delayed retry would run twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=7200),
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 1,
    }
else:
    _broker_dir = VAR_DIR / "celery-broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    # A host name only to keep kombu from warning on every connection; the transport ignores it.
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }

# --- Caches -----------------------------------------------------------------------------------
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Security (production when DJANGO_DEBUG=0) -----------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Probes and scrapers on the internal network talk plain HTTP to the container.
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$", r"^metrics$", r"^monitoring/health\.json$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Product ----------------------------------------------------------------------------------
# Base URL used in e-mails (portal links); a tenant's own host name wins when it has one.
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")

# Logs: JSON lines in production (LOG_FORMAT=json, the default when DJANGO_DEBUG=0), readable lines
# otherwise; every line carries the log context (tenant, ticket, inbound message id, task id) set at
# the pipeline and task boundaries (helpdesk.log_context). With LOG_FILE everything goes to that file
# and the console keeps only warnings and errors (and, for runserver, the request lines): rundemo
# runs its worker and beat that way.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
LOG_FILE = env.str("LOG_FILE", default="")
_log_handlers: dict[str, dict[str, object]] = {
    "console": {
        "class": "logging.StreamHandler",
        "formatter": LOG_FORMAT,
        "filters": ["context"],
        "level": "WARNING" if LOG_FILE else "NOTSET",
    }
}
if LOG_FILE:
    Path(LOG_FILE).parent.mkdir(parents=True, exist_ok=True)
    _log_handlers["requests"] = {
        "class": "logging.StreamHandler",
        "formatter": LOG_FORMAT,
        "filters": ["context"],
    }
    _log_handlers["file"] = {
        "class": "logging.handlers.WatchedFileHandler",
        "filename": LOG_FILE,
        "formatter": LOG_FORMAT,
        "filters": ["context"],
    }
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "helpdesk.log_context.ContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s%(context)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(levelname)s %(name)s %(message)s %(process)d",
            "timestamp": "time",
            "rename_fields": {"levelname": "level", "name": "logger"},
            # The context's fields are written one by one; its readable summary is for plain lines.
            "reserved_attrs": [*RESERVED_ATTRS, "context"],
        },
    },
    "handlers": _log_handlers,
    "root": {"handlers": [name for name in _log_handlers if name != "requests"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # runserver's request lines stay on the console even when the rest goes to LOG_FILE.
        **(
            {"django.server": {"handlers": ["requests"], "level": "INFO", "propagate": False}}
            if LOG_FILE
            else {}
        ),
    },
}

# --- Mailgate ---------------------------------------------------------------------------------
# Loop guards: automatic mails recorded per sender per day, and notifications per address per day.
# Inbound webhooks are verified by anymail: ANYMAIL_WEBHOOK_SECRET="user:password" (basic auth) and,
# for Mailgun, ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY — both read into ANYMAIL above.
MAILGATE_AUTOMATIC_DAILY_CAP = env.int("MAILGATE_AUTOMATIC_DAILY_CAP", default=20)
MAILGATE_LOOP_BURST = env.int("MAILGATE_LOOP_BURST", default=5)
MAILGATE_MAX_MESSAGE_MB = env.int("MAILGATE_MAX_MESSAGE_MB", default=50)
MAILGATE_LOOP_WINDOW_MINUTES = env.int("MAILGATE_LOOP_WINDOW_MINUTES", default=60)
MAILGATE_NOTIFY_DAILY_CAP = env.int("MAILGATE_NOTIFY_DAILY_CAP", default=50)

# --- Outbound connections chosen by tenants (IMAP servers, webhooks) ---------------------------
# Only global addresses by default (helpdesk/network_targets.py); the operator may allow chosen internal
# networks, e.g. NETWORK_TARGETS_ALLOWED_NETWORKS=10.20.0.0/24 for an on-premises IMAP server.
NETWORK_TARGETS_ALLOWED_NETWORKS = env.list("NETWORK_TARGETS_ALLOWED_NETWORKS", default=[])

# --- Operations: health thresholds, metrics -----------------------------------------------------
# When a signal of /monitoring/ and /monitoring/health.json turns yellow (warning) or red (error).
# Durations in seconds, counts per day; each from HEALTH_<NAME> in the environment.
_HEALTH_SECONDS = {
    "worker_warning": 120,
    "worker_error": 300,
    "beat_warning": 180,
    "beat_error": 600,
    "mailbox_stale": 900,
    "outbox_warning": 600,
    "outbox_error": 1800,
}
_HEALTH_COUNTS = {"quarantine_day_warning": 1, "quarantine_day_error": 20, "outbox_failed_day_error": 10}
HEALTH_THRESHOLDS = {
    **{
        name: timedelta(seconds=env.int(f"HEALTH_{name.upper()}", default=value))
        for name, value in _HEALTH_SECONDS.items()
    },
    **{name: env.int(f"HEALTH_{name.upper()}", default=value) for name, value in _HEALTH_COUNTS.items()},
}
# Bearer token of /metrics and /monitoring/health.json; empty = both are off (404).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Directories whose prometheus-client multiprocess files /metrics adds up: one per process group on
# this node (web, worker). Defaults to this process's own PROMETHEUS_MULTIPROC_DIR when that is set.
METRICS_MULTIPROC_DIRS = env.list(
    "METRICS_MULTIPROC_DIRS",
    default=[env.str("PROMETHEUS_MULTIPROC_DIR")] if env.str("PROMETHEUS_MULTIPROC_DIR", default="") else [],
)
# --- REST API (``api``) -------------------------------------------------------------------------
# Tokens in ``Authorization: Bearer rg_…`` (created by tenant admins in the admin); errors are RFC 9457
# problem details; throttled per token. The schema (/api/schema/) and its doc page are public.
API_THROTTLE_RATE = env.str("API_THROTTLE_RATE", default="600/min")  # per token; empty = unlimited
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TokenScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerTokenThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Reglament API",
    "DESCRIPTION": "Tickets, messages, contacts and organisations of one tenant. "
    "Authorization: Bearer <token> (a tenant admin creates tokens in the admin: role and scope).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
}
