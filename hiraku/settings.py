"""Django settings for Hiraku.

Every deployment choice comes from the environment so that the same code runs
on the embedded default (SQLite + local files + a SQLite job queue) and on the
scale-out stack (PostgreSQL + Redis + S3-compatible storage, several web
processes). Nothing here needs editing to switch.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("HIRAKU_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _load_secret_key() -> str:
    """Secret from the environment; otherwise a random one persisted in DATA_DIR.

    Persisting it keeps sessions valid across restarts of the embedded default
    without ever shipping a fixed key in the code.
    """
    configured = os.environ.get("HIRAKU_SECRET_KEY")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _load_secret_key()
DEBUG = env_bool("HIRAKU_DEBUG", False)
ALLOWED_HOSTS = env_list("HIRAKU_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("HIRAKU_CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("HIRAKU_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_TITLE = os.environ.get("HIRAKU_SITE_TITLE", "Hiraku オープンデータカタログ")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "hiraku.core",
    "hiraku.catalog",
    "hiraku.search",
    "hiraku.api",
    "hiraku.accounts",
    "hiraku.dcat",
    "hiraku.web",
    "hiraku.demo",
    "hiraku.datastore",
    "hiraku.quality",
    "hiraku.harvest",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "hiraku.core.middleware.OpenDataCorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hiraku.core.middleware.JapaneseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Web apps on other sites may call these from the browser (no credentials); empty to turn it off.
HIRAKU_CORS_PATHS = [p for p in os.environ.get("HIRAKU_CORS_PATHS", "/api/,/datastore/dump/").split(",") if p]

# CKAN clients call the API with allow_redirects=False: never redirect to add a slash.
APPEND_SLASH = False

ROOT_URLCONF = "hiraku.urls"
WSGI_APPLICATION = "hiraku.wsgi.application"

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
                "hiraku.web.context_processors.site",
            ],
        },
    }
]

# --- Database -----------------------------------------------------------------
SQLITE_PATH = DATA_DIR / "hiraku.sqlite3"
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.config(conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                # IMMEDIATE avoids "database is locked" upgrades under several workers.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA busy_timeout=20000;"
                    "PRAGMA synchronous=NORMAL;PRAGMA cache_size=-65536;PRAGMA mmap_size=268435456;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions, jobs ----------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions live in the database so several stateless web processes share them.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Background jobs: one abstraction (hiraku.core.jobs), three queues.
#   sqlite    – the embedded default: a queue file in DATA_DIR, consumed by a
#               process `hiraku serve` starts itself (no other service);
#   redis     – the default with REDIS_URL: consumed by `hiraku run_huey`;
#   immediate – jobs run in the calling process (tests; `hiraku demo` uses it
#               for its own loading whatever is configured).
# HIRAKU_JOBS_IMMEDIATE=1 is kept as a shorthand for HIRAKU_JOBS=immediate.
HIRAKU_JOBS = os.environ.get("HIRAKU_JOBS", "").strip().lower() or ("redis" if REDIS_URL else "sqlite")
if env_bool("HIRAKU_JOBS_IMMEDIATE", False):
    HIRAKU_JOBS = "immediate"
HIRAKU_JOBS_IMMEDIATE = HIRAKU_JOBS == "immediate"

# --- Files: local by default, any S3-compatible store by configuration --------
MEDIA_ROOT = DATA_DIR / "files"
MEDIA_URL = "/media/"
STATIC_ROOT = DATA_DIR / "static"
# whitenoise expects the folder even when files come from the app folders.
STATIC_ROOT.mkdir(exist_ok=True)
STATIC_URL = "/static/"
S3_BUCKET = os.environ.get("HIRAKU_S3_BUCKET", "")
if S3_BUCKET:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": os.environ.get("HIRAKU_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("HIRAKU_S3_REGION") or None,
            "access_key": os.environ.get("HIRAKU_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("HIRAKU_S3_SECRET_ACCESS_KEY") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Static files are served straight from the app folders too, so `hiraku serve`
# works without a separate collectstatic step in development and tests.
WHITENOISE_USE_FINDERS = True

# Upload limits (bytes). Resources can be large; form fields cannot.
HIRAKU_MAX_UPLOAD_BYTES = int(os.environ.get("HIRAKU_MAX_UPLOAD_BYTES", str(200 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Maps ---------------------------------------------------------------------
# Empty: maps draw without a basemap (no network is assumed).
HIRAKU_MAP_TILE_URL = os.environ.get("HIRAKU_MAP_TILE_URL", "")
HIRAKU_MAP_TILE_ATTRIBUTION = os.environ.get("HIRAKU_MAP_TILE_ATTRIBUTION", "")

# --- Datastore ----------------------------------------------------------------
# datastore_search_sql: per-statement time limit (seconds) and the most rows one call returns.
HIRAKU_DATASTORE_SQL_TIMEOUT = float(os.environ.get("HIRAKU_DATASTORE_SQL_TIMEOUT", "10"))
HIRAKU_DATASTORE_SQL_ROW_CAP = int(os.environ.get("HIRAKU_DATASTORE_SQL_ROW_CAP", "32000"))

# --- Search -------------------------------------------------------------------
# "auto" picks the backend matching the database vendor.
HIRAKU_SEARCH_BACKEND = os.environ.get("HIRAKU_SEARCH_BACKEND", "auto")
# In-memory columnar copy of a large SQLite index per web process (hiraku.search.snapshot):
# "background" builds it in a thread after each index change, "inline" within the search that
# needs it, "off" never. Catalogs with fewer indexed datasets than the minimum are searched in SQL.
HIRAKU_SEARCH_SNAPSHOT = os.environ.get("HIRAKU_SEARCH_SNAPSHOT", "background")
HIRAKU_SEARCH_SNAPSHOT_MIN_DOCS = int(os.environ.get("HIRAKU_SEARCH_SNAPSHOT_MIN_DOCS", "20000"))

# --- Auth and security ----------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("HIRAKU_BEHIND_TLS_PROXY") else None
SESSION_COOKIE_SECURE = env_bool("HIRAKU_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- Internationalization: Japanese first, English available ----------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("HIRAKU_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

SITE_DESCRIPTION = _("Open data of the city: find, see and use it.")
