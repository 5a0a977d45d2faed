"""Django settings, one module toggled by environment variables.

Every setting a deployment may change is read from the environment (documented in
``docs/configuration.md``). Defaults are the embedded ones: a SQLite file under ``LINGJUN_HOME``
(default ``./var``), zh-hans, Asia/Shanghai, debug off.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from lingjun.deploy import DEV_SECRET, FIX_KEY, secret_key_problem

BASE_DIR = Path(__file__).resolve().parent


def _bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


#: where the embedded deployment keeps its files (SQLite database, uploads, exports)
LINGJUN_HOME = Path(os.environ.get("LINGJUN_HOME", Path.cwd() / "var")).resolve()

DEBUG = _bool("LINGJUN_DEBUG", False)
#: production mode refuses to start without a real secret key
PRODUCTION = _bool("LINGJUN_PRODUCTION", False)

SECRET_KEY = os.environ.get("LINGJUN_SECRET_KEY", "")
if PRODUCTION:
    # a missing, public (the development key below), short or repetitive key is refused
    _key_problem = secret_key_problem(SECRET_KEY)
    if _key_problem:
        raise ImproperlyConfigured(_key_problem + "请用 " + FIX_KEY + "。")
    if DEBUG:
        raise ImproperlyConfigured(
            "生产模式（LINGJUN_PRODUCTION=1）不能开启 LINGJUN_DEBUG：调试页面会显示代码和设置。"
        )
elif not SECRET_KEY:
    SECRET_KEY = DEV_SECRET

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("LINGJUN_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
if DEBUG or not PRODUCTION:
    ALLOWED_HOSTS += ["testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    # login lockout after repeated failures, per account and per address
    "axes",
    "lingjun.apps.divisions",
    "lingjun.apps.accounts",
    "lingjun.apps.workdays",
    "lingjun.apps.jobs",
    "lingjun.apps.notifications",
    "lingjun.apps.enterprises",
    "lingjun.apps.evaluation",
    "lingjun.apps.membership",
    "lingjun.apps.publishing",
    "lingjun.apps.recognition",
    "lingjun.apps.funds",
    "lingjun.apps.cultivation",
    "lingjun.apps.plan",
    "lingjun.apps.audit",
    "lingjun.apps.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Chinese unless the user chose English (not the browser's Accept-Language)
    "lingjun.apps.web.middleware.ChineseFirstLocaleMiddleware",
    "lingjun.apps.web.middleware.QueryLengthMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # an upload above LINGJUN_IMPORT_MAX_FILE_MB: 413 before the body is read whole
    "lingjun.apps.web.middleware.UploadLimitMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "lingjun.apps.web.middleware.SecurityHeadersMiddleware",
    "lingjun.apps.audit.requestlocal.AuditContextMiddleware",
    # a staff user whose password expired may only change it (or log out)
    "lingjun.apps.web.middleware.PasswordExpiryMiddleware",
    # last, as django-axes asks
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
#: failed logins before an account (whatever the address) or an address (whatever the account) is
#: locked, and for how long; a successful login resets the count
AXES_FAILURE_LIMIT = int(os.environ.get("LINGJUN_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LINGJUN_LOGIN_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

#: idle session timeout: a session ends after this many minutes without a request
SESSION_COOKIE_AGE = int(os.environ.get("LINGJUN_SESSION_IDLE_MINUTES", "30")) * 60
SESSION_SAVE_EVERY_REQUEST = True

#: days the audit log keeps its events (at least 180: 等保 2.0)
LINGJUN_AUDIT_RETENTION_DAYS = max(180, int(os.environ.get("LINGJUN_AUDIT_RETENTION_DAYS", "180")))

ROOT_URLCONF = "lingjun.urls"
WSGI_APPLICATION = "lingjun.wsgi.application"

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
                "lingjun.apps.web.context.navigation",
            ],
        },
    },
]

DEFAULT_SQLITE = LINGJUN_HOME / "lingjun.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE}",
        conn_max_age=int(os.environ.get("LINGJUN_DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {})
    # WAL lets the web app read while an import or evaluation writes
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["OPTIONS"]["timeout"] = 30
    # a file, not :memory:, so that DuckDB can attach the test pool too
    DATABASES["default"]["TEST"] = {"NAME": str(LINGJUN_HOME / f"test-lingjun-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "lingjun.apps.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # staff roles (every role but enterprise users): 10 characters of 3 of the 4 classes (等保 2.0)
    {
        "NAME": "lingjun.apps.accounts.validators.StaffPasswordValidator",
        "OPTIONS": {"min_length": 10, "min_classes": 3},
    },
]
#: days after which a staff role's password must be changed (the login leads to 修改密码 and
#: nothing else opens until it is); 0 turns expiry off
LINGJUN_PASSWORD_MAX_AGE_DAYS = int(os.environ.get("LINGJUN_PASSWORD_MAX_AGE_DAYS", "90"))

LANGUAGE_CODE = os.environ.get("LINGJUN_LANGUAGE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("LINGJUN_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = LINGJUN_HOME / "static"
# WhiteNoise warns (and the tests fail) when STATIC_ROOT does not exist yet
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = LINGJUN_HOME / "media"

# e-mail of notifications (消息通知): written as files under LINGJUN_HOME/mail unless an SMTP
# server is configured (an intranet mail relay)
LINGJUN_BASE_URL = os.environ.get("LINGJUN_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
DEFAULT_FROM_EMAIL = os.environ.get("LINGJUN_MAIL_FROM", "lingjun@localhost")
if os.environ.get("LINGJUN_SMTP_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["LINGJUN_SMTP_HOST"]
    EMAIL_PORT = int(os.environ.get("LINGJUN_SMTP_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("LINGJUN_SMTP_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("LINGJUN_SMTP_PASSWORD", "")
    EMAIL_USE_TLS = _bool("LINGJUN_SMTP_TLS", False)
    EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = LINGJUN_HOME / "mail"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if PRODUCTION:
    SESSION_COOKIE_SECURE = _bool("LINGJUN_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
#: served over HTTPS (directly or behind a proxy that sets X-Forwarded-Proto): secure cookies,
#: HSTS for a year, HTTP redirected to HTTPS
LINGJUN_TLS = _bool("LINGJUN_TLS", False)
if LINGJUN_TLS:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = int(os.environ.get("LINGJUN_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _bool("LINGJUN_HSTS_SUBDOMAINS", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HSTS preload lists are for public sites; an intranet host name cannot be on them
SILENCED_SYSTEM_CHECKS = ["security.W021"]

#: how many runs one user may have waiting or being evaluated at once (a whole-pool run holds
#: a worker for seconds to minutes; ten queued in two seconds would hold everybody else's)
LINGJUN_MAX_OPEN_RUNS = int(os.environ.get("LINGJUN_MAX_OPEN_RUNS", "3"))

#: engine for batch evaluation: duckdb (default), postgres or spark
LINGJUN_ENGINE = os.environ.get("LINGJUN_ENGINE", "duckdb")

#: background jobs (evaluation runs, large imports and exports) go through Django's Tasks API:
#: kept in the database by default (``lingjun worker`` executes them), on RQ workers with Redis
#: when ``REDIS_URL`` is set; ``LINGJUN_TASKS`` chooses explicitly (``immediate`` runs a job inside
#: the request that starts it: tests and debugging only)
REDIS_URL = os.environ.get("REDIS_URL", "")
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
LINGJUN_TASKS = os.environ.get("LINGJUN_TASKS") or ("rq" if REDIS_URL else "database")
if LINGJUN_TASKS not in TASK_BACKENDS:
    raise ImproperlyConfigured(f"LINGJUN_TASKS 只能是 {'、'.join(TASK_BACKENDS)}，实际为“{LINGJUN_TASKS}”。")
#: the queue jobs are sent to and workers take them from: deployments (or test runs) that share
#: one Redis database keep apart by each using its own
#: (the tasks are declared on ``default``, which stays valid; they are sent to this one)
LINGJUN_JOB_QUEUE = os.environ.get("LINGJUN_JOB_QUEUE", "default")
_JOB_QUEUES = sorted({"default", LINGJUN_JOB_QUEUE})
TASKS = {"default": {"BACKEND": TASK_BACKENDS[LINGJUN_TASKS], "QUEUES": _JOB_QUEUES}}
#: a job may run for hours on a large pool: RQ's own 3-minute limit would kill it
RQ_QUEUES = {
    name: {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 24 * 3600}
    for name in _JOB_QUEUES
}
#: days the files under LINGJUN_HOME/jobs (exports to download, uploads waiting) are kept; a
#: worker deletes older ones when it starts (0: never)
LINGJUN_JOB_FILES_RETENTION_DAYS = int(os.environ.get("LINGJUN_JOB_FILES_RETENTION_DAYS", "7"))
#: a job whose worker (on another host) sent no heartbeat for this long is taken as dead
LINGJUN_JOB_STALE_SECONDS = int(os.environ.get("LINGJUN_JOB_STALE_SECONDS", "600"))
# Imported files are untrusted: limits checked while reading, before any work (docs/configuration.md)
LINGJUN_IMPORT_MAX_FILE_MB = int(os.environ.get("LINGJUN_IMPORT_MAX_FILE_MB", "20"))
LINGJUN_IMPORT_MAX_UNZIPPED_MB = int(os.environ.get("LINGJUN_IMPORT_MAX_UNZIPPED_MB", "200"))
LINGJUN_IMPORT_MAX_ROWS = int(os.environ.get("LINGJUN_IMPORT_MAX_ROWS", "200000"))
LINGJUN_IMPORT_MAX_CELLS = int(os.environ.get("LINGJUN_IMPORT_MAX_CELLS", "3000000"))
LINGJUN_IMPORT_MAX_ERRORS = int(os.environ.get("LINGJUN_IMPORT_MAX_ERRORS", "1000"))
# Pool membership (入库企业动态管理, docs/configuration.md): the annual information update's deadline
# as MM-DD of each year, reminders so many days before it, and the qualifications a tier requires
# ("dengling=hnte|tianjin_hnte;lingjun=hnte": none by default, the 2021 rules' text names none)
LINGJUN_ANNUAL_UPDATE_DEADLINE = os.environ.get("LINGJUN_ANNUAL_UPDATE_DEADLINE", "09-30")
LINGJUN_ANNUAL_UPDATE_REMIND_DAYS = os.environ.get("LINGJUN_ANNUAL_UPDATE_REMIND_DAYS", "30,7,1")
LINGJUN_MEMBERSHIP_REQUIRED_QUALIFICATIONS = os.environ.get("LINGJUN_MEMBERSHIP_REQUIRED_QUALIFICATIONS", "")
#: the first handler counts an upload's bytes and stops reading the body past the file limit
FILE_UPLOAD_HANDLERS = [
    "lingjun.apps.web.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LINGJUN_LOG_LEVEL", "WARNING")},
}

# Recognition (评价认定): the length of a 公示 in working days; the largest evidence file accepted
LINGJUN_PUBLICITY_WORKDAYS = int(os.environ.get("LINGJUN_PUBLICITY_WORKDAYS", "7"))
LINGJUN_EVIDENCE_MAX_MB = int(os.environ.get("LINGJUN_EVIDENCE_MAX_MB", "20"))
