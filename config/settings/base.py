"""Settings shared by every environment. Values come from the environment (config.env)."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

# A development key; production.py refuses to start without SECRET_KEY in the environment.
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me-0123456789abcdefghijklmnopq")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
# Keyed hash for look-ups of personal ID numbers (staffing); never a plain hash.
PII_HMAC_KEY = env_str("PII_HMAC_KEY", SECRET_KEY)

INSTALLED_APPS = [
    "core.admin_apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # third party
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
    "csp",
    # ours
    "core",
    "accounts",
    "kindergartens",
    "supervision",
    "staffing",
    "safety",
    "reports",
    "pairing",
    "indicators",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "core.middleware.NulCharacterMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.ErrorPageMiddleware",
    "core.middleware.AuditContextMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    # django-axes wants to be last.
    "axes.middleware.AxesMiddleware",
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
                "django.template.context_processors.i18n",
                "core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The same engine with the pinyin collation PostgreSQL has built in (core/collation.py).
    DATABASES["default"]["ENGINE"] = "core.db.sqlite3"
    # A covering index's extra columns (INCLUDE, for PostgreSQL's index-only scans) are left out on SQLite,
    # where the index still serves the same look-ups: nothing to warn about.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
    # In memory for tests, as Django does for its own SQLite engine (pytest-django's per-worker
    # names are only skipped for that engine's exact name).
    DATABASES["default"].setdefault("TEST", {})["NAME"] = ":memory:"
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's engine with a health check that needs no round trip (core/db/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "core.db.postgresql"
    # Short OLTP queries: PostgreSQL's JIT spent 0.2-1.6 s compiling list queries that run in 0.1 s.
    # The statements the portal PREPAREs (core.db.prepared, core.db.compiled) are planned once: with its
    # default, PostgreSQL kept planning the API list's rows statement anew on every run (2.9 ms, against
    # 0.02 ms with the generic plan, which also ran faster: 0.5 against 1.0 ms). Only PREPAREd
    # statements (and PL/pgSQL) use the plan cache; every other query is planned as before.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off -c plan_cache_mode=force_generic_plan"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # axes first, so a locked-out username+address never reaches the password check.
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.PortalBackend",  # Django's ModelBackend, loading the user's organisation with them
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Reverse proxies in front of the application (nginx: 1). X-Forwarded-For is trusted only that far
# (core.client_ip); with 0 it is ignored, since any client can send it.
TRUSTED_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("Environment variable AXES_PROXY_COUNT must be 0 or more.")

# Login throttling: lock a username+address pair (bureau offices share one address).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
# The client's address (core.client_ip), also for the audit trail and API throttling.
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"
AXES_VERBOSE = False

GUARDIAN_RAISE_403 = False
GUARDIAN_AUTO_PREFETCH = False  # ignores direct-FK permission models (guardian #1028)
ANONYMOUS_USER_NAME = None  # no guardian anonymous user: the public gets no object rights

# One language for everyone: no LocaleMiddleware, so a browser or client asking for English does
# not get Django's and DRF's own messages in English among the portal's Chinese ones.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))  # collectstatic writes here
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    # Django's Redis cache, keeping one client instead of building one per call (core.cache_backends).
    CACHES = {"default": {"BACKEND": "core.cache_backends.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The signed-in user (with their bureau or kindergarten) read from the cache instead of the database
# on every request, for at most this long; any change to an account, bureau or kindergarten rebuilds
# it at once (accounts.backends, core.cache). Only with a cache all processes share: each process
# has its own local-memory cache, and would not see a change made in another.
USER_CACHE_SECONDS = env_int("USER_CACHE_SECONDS", 300 if REDIS_URL else 0)

# A list's total is counted once per filter and kept (core.lists) until a table it reads changes, for
# at most this long; 0 counts on every page.
LIST_TOTAL_CACHE_SECONDS = env_int("LIST_TOTAL_CACHE_SECONDS", 600)
# Sessions read from the cache (Redis in production) and written through to the database: one query
# less on every request, and nobody is signed out when the cache is emptied. accounts.sessions is
# Django's cached_db, reading the signed-in user's cache entry in the same round trip.
SESSION_ENGINE = "accounts.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
CSRF_COOKIE_HTTPONLY = False  # the confirmation script reads no cookie; forms carry the token
CSRF_FAILURE_VIEW = "core.views.csrf_failure"  # the portal's 403 page, in Chinese
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content Security Policy: everything is vendored, so nothing outside 'self' is needed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # ECharts tooltips and Bootstrap components set inline styles.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

REST_FRAMEWORK = {
    # Token first: a call without credentials is answered 401 with "WWW-Authenticate: Token" (core.api_auth).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api_auth.TokenAuthentication",
        "core.api_auth.SessionAuthentication",
    ],
    # Signed in and no longer on a one-time password; views that differ say so (/me/, obtaining a token).
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated", "core.api_auth.PasswordChanged"],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["core.filters.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"token": "10/min"},
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,  # throttles count per client (core.client_ip's rule), not per proxy
}
SPECTACULAR_SETTINGS = {
    "TITLE": "学前教育监管平台 API",
    "DESCRIPTION": "区县教育局幼儿园监管平台的 REST API。所有列表与详情均按调用者的权限范围过滤。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # drf-spectacular's views default to AllowAny: the schema describes every endpoint, so it is closed.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated", "core.api_auth.PasswordChanged"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Over a hundred operations: Swagger UI draws the list as the reader scrolls (only what is on
    # screen is in the page), so the docs open with the tags folded and a filter box over them.
    "SWAGGER_UI_SETTINGS": {"filter": True, "docExpansion": "none", "deepLinking": True},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        # Two models have a "state": each its own name in the schema.
        "ChangeFilingStateEnum": "kindergartens.models.ChangeFiling.State",
        "ReportSubmissionStateEnum": "reports.models.Submission.State",
        "PairingFormEnum": "pairing.models.Form",
        # Safety's "kind" fields: incidents, what a kindergarten adds to the timeline, drills.
        "SafetyIncidentKindEnum": "safety.models.IncidentKind",
        "SafetyEntryKindEnum": "safety.models.KINDERGARTEN_ENTRY_CHOICES",
        "SafetyDrillKindEnum": "safety.models.DrillKind",
    },
}

# Celery: Redis when configured, otherwise the embedded filesystem broker (core/broker.py, config/celery.py).
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = False
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
else:
    _celery_dir = VAR_DIR / "celery"
    CELERY_BROKER_URL = "portalfs://"  # kombu's filesystem transport with atomic writes (core/broker.py)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "processed_folder": str(_celery_dir / "processed"),
        "control_folder": str(_celery_dir / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = None
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "core.tasks.heartbeat", "schedule": 60.0},
    # 00:05 Beijing time (CELERY_TIMEZONE): future-dated status/nature changes come into effect.
    "apply-due-status-changes": {
        "task": "kindergartens.tasks.apply_due_status_changes",
        "schedule": crontab(minute=5, hour=0),
    },
    # 03:30 Beijing time: expired export/import files are deleted (core.jobs).
    "cleanup-jobs": {"task": "core.tasks.cleanup_jobs", "schedule": crontab(minute=30, hour=3)},
    # 00:20 Beijing time: overdue rectification orders are flagged and escalated (supervision).
    "escalate-overdue-orders": {
        "task": "supervision.tasks.escalate_overdue_orders",
        "schedule": crontab(minute=20, hour=0),
    },
    # Monthly reports (reports.schedule): each run reads the due days from the database and does only
    # what is not done yet, so a missed or doubled beat is harmless.
    "reports-open-submissions": {"task": "reports.tasks.open_submissions", "schedule": crontab(minute=30, hour=0)},
    "reports-build-district-reports": {
        "task": "reports.tasks.build_district_reports",
        "schedule": crontab(minute=0, hour=1),
    },
    "reports-send-reminders": {"task": "reports.tasks.send_reminders", "schedule": crontab(minute=0, hour=8)},
    # 00:25 Beijing time: pairing report types ensured, agreements start on their date, idle ones flagged.
    "pairing-daily": {"task": "pairing.tasks.daily", "schedule": crontab(minute=25, hour=0)},
    # 23:50 Beijing time: each kindergarten's enrolment into the month's snapshot (the indicators' "as
    # of a month"); rewritten daily, so the month's last run leaves its month-end figures.
    "indicators-enrolment-snapshot": {
        "task": "indicators.tasks.take_enrolment_snapshot",
        "schedule": crontab(minute=50, hour=23),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"expected_errors": {"()": "core.logging.ExpectedErrorsWithoutTraceback"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["expected_errors"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Pagination size for HTML lists.
PAGE_SIZE = 50

# Class-size limits (幼儿园工作规程 art. 11: 25/30/35/30). Boarding kindergartens take fewer
# children per class ("酌减"); the boarding figures are local practice and configurable.
CLASS_SIZE_LIMITS = {"small": 25, "middle": 30, "large": 35, "mixed": 30}
CLASS_SIZE_LIMITS_BOARDING = {"small": 20, "middle": 25, "large": 30, "mixed": 25}

# Supervision (DOMAIN.md §5); local practice, so each figure is configurable.
# Rectification deadline in days from the day an order is issued, by severity.
RECTIFICATION_DEADLINE_DAYS = {
    "minor": env_int("RECTIFICATION_DAYS_MINOR", 30),
    "major": env_int("RECTIFICATION_DAYS_MAJOR", 15),
    "critical": env_int("RECTIFICATION_DAYS_CRITICAL", 7),
}
# An overdue order is flagged to the responsible supervisor at once and escalated to the bureau
# when it is still unanswered this many days after its deadline.
RECTIFICATION_ESCALATE_TO_BUREAU_DAYS = env_int("RECTIFICATION_ESCALATE_TO_BUREAU_DAYS", 7)
# Safety incidents (DOMAIN.md §6): minutes from the incident to the initial report, the written report
# and, for public-health events, the report to the health department. A report received later is 迟报.
SAFETY_INCIDENT_DEADLINE_MINUTES = {
    "initial": env_int("SAFETY_INITIAL_REPORT_MINUTES", 60),
    "written": env_int("SAFETY_WRITTEN_REPORT_MINUTES", 120),
    "health": env_int("SAFETY_HEALTH_REPORT_MINUTES", 120),
}
# Evidence files (photos, PDF): largest accepted file and files per upload.
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
EVIDENCE_MAX_FILES = env_int("EVIDENCE_MAX_FILES", 10)
# Regular supervision: inspections per kindergarten per term (教育督导条例 art. 14: twice), the
# comprehensive assessment cycle in years (due after the first figure, overdue after the second),
# and the number of kindergartens above which a supervisor's load is flagged (挂牌督导: about 5).
SUPERVISION_MIN_INSPECTIONS_PER_TERM = env_int("SUPERVISION_MIN_INSPECTIONS_PER_TERM", 2)
SUPERVISION_ASSESSMENT_DUE_YEARS = env_int("SUPERVISION_ASSESSMENT_DUE_YEARS", 3)
SUPERVISION_ASSESSMENT_OVERDUE_YEARS = env_int("SUPERVISION_ASSESSMENT_OVERDUE_YEARS", 5)
SUPERVISOR_LOAD_WARNING = env_int("SUPERVISOR_LOAD_WARNING", 5)
# Self-checks: a self-check score this many points away from the latest inspection's on the same
# template version stands out on the self-check pages (so does a vetoed inspection the self-check missed).
SELF_CHECK_GAP_WARNING = env_int("SELF_CHECK_GAP_WARNING", 10)
# 双随机、一公开: the share of the pool drawn by default and the fewest inspectors per visit.
RANDOM_DRAW_DEFAULT_PERCENT = env_int("RANDOM_DRAW_DEFAULT_PERCENT", 5)
RANDOM_DRAW_MIN_INSPECTORS = env_int("RANDOM_DRAW_MIN_INSPECTORS", 2)

# E-mail (core.notifications): SMTP when EMAIL_HOST is set, otherwise printed to the console (the
# embedded default: `make run` shows the messages in its log).
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "学前教育监管平台 <noreply@localhost>")
# The portal's address as users reach it, for links in e-mails (no request to read it from in a task).
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000")
