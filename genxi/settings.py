"""One settings module, driven by environment variables.

GENXI_DEBUG, GENXI_SECRET_KEY, GENXI_ALLOWED_HOSTS, DATABASE_URL, GENXI_DATA_DIR,
GENXI_TIME_ZONE and GENXI_PIONEER_LABEL are read here; docs/configuration.md lists them all.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("GENXI_DATA_DIR", BASE_DIR.parent / "data")).resolve()

DEBUG = env_bool("GENXI_DEBUG", False)
# The built-in key is published with the source: only `genxi demo` runs with it. `genxi serve`
# refuses to start without a real GENXI_SECRET_KEY, and `genxi check` fails on it.
SECRET_KEY = os.environ.get("GENXI_SECRET_KEY", "django-insecure-genxi-development-key-change-me")
ALLOWED_HOSTS = env_list("GENXI_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("GENXI_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "genxi.core.third_party_apps.TasksDatabaseConfig",  # django_tasks_db, named in Chinese
    "rules.apps.AutodiscoverRulesConfig",
    "genxi.core.third_party_apps.AxesConfig",  # axes, named in Chinese
    "csp",
    "ninja",  # its Swagger UI files, served from here rather than a CDN
    "genxi.core",
    "genxi.accounts",
    "genxi.places",
    "genxi.demands",
    "genxi.triage",
    "genxi.projects",
    "genxi.meetings",
    "genxi.activities",
    "genxi.cobuilding",
    "genxi.pioneers",
    "genxi.inspections",
    "genxi.api",
    "genxi.dashboards",
    "genxi.simulation",
    "genxi.home",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "genxi.core.middleware.DropNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "genxi.core.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "genxi.api.throttle.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "genxi.urls"
WSGI_APPLICATION = "genxi.wsgi.application"
ASGI_APPLICATION = "genxi.asgi.application"

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
                "genxi.core.context_processors.genxi",
                "genxi.home.context_processors.menu",
            ],
            "builtins": ["genxi.core.templatetags.genxi"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'genxi.sqlite3'}",
        conn_max_age=int(os.environ.get("GENXI_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # WAL lets readers work while one writer commits;
    # IMMEDIATE takes the write lock up front instead of upgrading mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "genxi.accounts.backends.UsernameOrPhoneBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lock-out: five failures for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("GENXI_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("GENXI_LOGIN_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "genxi.accounts.backends.lockout_username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
# Genxi's own catalogue first (`make messages` rebuilds it), then its Chinese for third-party apps.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "vendor_locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("GENXI_TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("GENXI_STATIC_ROOT", DATA_DIR / "static"))
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
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = Path(os.environ.get("GENXI_MEDIA_ROOT", DATA_DIR / "media"))
MEDIA_URL = "media/"

TASKS = {
    "default": {
        "BACKEND": os.environ.get("GENXI_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp) on every answer: scripts only from our own static files, no
# inline script or event handler anywhere (templates say what they want with data- attributes and
# genxi/static/genxi/app.js does it). Styles allow 'unsafe-inline' because templates, the admin,
# Swagger UI and ECharts' tooltips set style attributes; no script can run from a style.
# img-src allows data: for Swagger UI's icons and photos previewed before upload (blob:).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if env_bool("GENXI_HTTPS", False):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 30
# `genxi check` fails on any deploy warning. Whether HSTS covers every sub-domain, or the domain
# goes on the browsers' preload list (hard to undo), is the domain owner's decision, not Genxi's.
SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("GENXI_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}, "genxi": {"level": "INFO"}},
}

# The word the interface uses for pioneers: 海棠先锋 in 白洋湾, 红色管家 in 娄葑.
GENXI_PIONEER_LABEL = os.environ.get("GENXI_PIONEER_LABEL", "")
# Where texts to residents go: a class with send(messages); the default writes them to the log.
GENXI_NOTIFY_BACKEND = os.environ.get("GENXI_NOTIFY_BACKEND", "genxi.core.notify.LogBackend")
# Activities: the offering row lock before seats are counted (genxi/activities/services/seats.py).
# Off only in the concurrency test that shows what the lock prevents; never in real use.
GENXI_SEAT_LOCKING = env_bool("GENXI_SEAT_LOCKING", True)
# With the lock off (the demonstration only), a pause between counting seats and writing.
GENXI_SEAT_RACE_DELAY_MS = int(os.environ.get("GENXI_SEAT_RACE_DELAY_MS", "0"))
# Co-building: the row locks before a need's claim, a post's places and a visit slot's places
# are counted (genxi/cobuilding/services/). Off only in the concurrency tests that show what the
# locks prevent, with a pause between counting and writing; never in real use.
GENXI_COBUILDING_LOCKING = env_bool("GENXI_COBUILDING_LOCKING", True)
GENXI_COBUILDING_RACE_DELAY_MS = int(os.environ.get("GENXI_COBUILDING_RACE_DELAY_MS", "0"))
# For genxi.core.notify.WebhookBackend: where the JSON goes, and its bearer token.
GENXI_SMS_WEBHOOK_URL = os.environ.get("GENXI_SMS_WEBHOOK_URL", "")
GENXI_SMS_WEBHOOK_TOKEN = os.environ.get("GENXI_SMS_WEBHOOK_TOKEN", "")
# Working days after a demand is resolved by which its reporters are called back.
GENXI_CALLBACK_DAYS = int(os.environ.get("GENXI_CALLBACK_DAYS", "2"))
# Unanswered call-back attempts after which a reporter is recorded as unreachable and the
# demand may be closed out without them.
GENXI_CALLBACK_MAX_TRIES = int(os.environ.get("GENXI_CALLBACK_MAX_TRIES", "3"))
# Rate limits of /api/ and /open311/ (genxi/api/throttle.py): requests per second, minute or
# hour; "0/minute" switches one off.
GENXI_API_RATE_ANON = os.environ.get("GENXI_API_RATE_ANON", "60/minute")
GENXI_API_RATE_TOKEN = os.environ.get("GENXI_API_RATE_TOKEN", "1200/minute")
GENXI_API_RATE_FAILED = os.environ.get("GENXI_API_RATE_FAILED", "20/minute")
# The counters live in the cache: set GENXI_CACHE_URL=redis://127.0.0.1:6379/0 so that all the
# server's workers share them (the default local-memory cache is per process).
if os.environ.get("GENXI_CACHE_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["GENXI_CACHE_URL"],
        }
    }
# The menu's badges (what waits for the user) are kept this many seconds per user; 0 counts
# them on every page.
GENXI_MENU_BADGE_SECONDS = int(os.environ.get("GENXI_MENU_BADGE_SECONDS", "60"))
# Open311: the jurisdiction_id this server answers to (clients may leave it out) and the contact
# its discovery document gives.
GENXI_OPEN311_JURISDICTION = os.environ.get("GENXI_OPEN311_JURISDICTION", "genxi")
GENXI_OPEN311_CONTACT = os.environ.get("GENXI_OPEN311_CONTACT", "")
# Triage retrains its category classifier (`genxi manage triage retrain`, run periodically) once
# this many more demands have been accepted since the last training.
GENXI_TRIAGE_RETRAIN_EVERY = int(os.environ.get("GENXI_TRIAGE_RETRAIN_EVERY", "200"))
# Page size of every list page.
GENXI_PAGE_SIZE = int(os.environ.get("GENXI_PAGE_SIZE", "25"))
# Excel import (genxi/demands/imports.py): the largest sheet read, checked before it is parsed.
GENXI_IMPORT_MAX_ROWS = int(os.environ.get("GENXI_IMPORT_MAX_ROWS", "100000"))
GENXI_IMPORT_MAX_COLUMNS = int(os.environ.get("GENXI_IMPORT_MAX_COLUMNS", "50"))
GENXI_IMPORT_MAX_UNPACKED_MB = int(os.environ.get("GENXI_IMPORT_MAX_UNPACKED_MB", "200"))
# Photos (genxi/core/images.py): the most pixels one photo may have, checked from its header before
# it is decoded; the photos of one request may have four times this together.
GENXI_PHOTO_MAX_MEGAPIXELS = float(os.environ.get("GENXI_PHOTO_MAX_MEGAPIXELS", "50"))
