"""All settings come from the environment, parsed strictly: a typo fails at start-up
instead of silently falling back. Defaults suit development; production sets
DJANGO_DEBUG=false, DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS."""

import datetime
import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    if not value.strip().isdigit():
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}")
    return int(value)


def env_list(name, default):
    value = os.environ.get(name)
    return [item.strip() for item in value.split(",") if item.strip()] if value else default


def database_from_url(url):
    """postgres://user:password@host:port/name?host=/socket/dir -> Django DATABASES entry."""
    parts = urlparse(url)
    if parts.scheme not in ("postgres", "postgresql", "postgis"):
        raise ImproperlyConfigured(f"DATABASE_URL must be a postgres:// URL, not {parts.scheme!r}")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    # GeoJSON is streamed from server-side cursors, which PostgreSQL plans for the first
    # 10% of rows by default (a slow plan when the client reads them all, as we do).
    # A web request's query is short: on a small shared server, compiling it (JIT) or
    # starting parallel workers costs more than it saves (a z12 vector tile: 250 ms with
    # them, 70 ms without; see bench/RESULTS.md).
    query.setdefault("options", "-c cursor_tuple_fraction=1 -c jit=off -c max_parallel_workers_per_gather=0")
    return {
        "ENGINE": "django.contrib.gis.db.backends.postgis",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": query.pop("host", parts.hostname or ""),
        "PORT": str(parts.port or ""),
        "OPTIONS": query,
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or (
    "development-only-key-not-for-production" if DEBUG else None
)
if not SECRET_KEY:
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=true for development).")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

if "DATABASE_URL" not in os.environ:
    raise ImproperlyConfigured(
        "Set DATABASE_URL (postgres://user:password@host/name); `make run` sets it for you."
    )
DATABASES = {"default": database_from_url(os.environ["DATABASE_URL"])}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_gis",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Long work (exports) runs in a PostgreSQL-backed task queue, never in a request.
    "procrastinate.contrib.django",
    "gis_portal",
    "layers",
    "importers",
    "basemaps",
    "dashboards",
    "editor",
    "catalogue",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "gis_portal.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gis_portal.middleware.ThaiFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into a 429 page.
    "axes.middleware.AxesMiddleware",
]

# Login throttling: after 5 failures for one user name from one address, that pair waits
# 15 minutes (web sign-in, tokens and HTTP Basic alike). Others are not locked out by it.
AUTHENTICATION_BACKENDS = [
    "gis_portal.authentication.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Mail (password reset): SMTP from the environment; in development it is printed.
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_FROM_EMAIL", "gis@localhost")

# A signed-in session ends after a working day without use.
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_HOURS", "8")) * 3600
SESSION_SAVE_EVERY_REQUEST = True

ROOT_URLCONF = "gis_portal.urls"
WSGI_APPLICATION = "gis_portal.wsgi.application"

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
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "gis_portal.authentication.NewPasswordVoidsTokens"},
]

# Thai first, English second.
LANGUAGE_CODE = "th"
LANGUAGES = [("th", "ไทย"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Bangkok"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "var" / "media"))

# Uploaded files are never served straight from MEDIA_ROOT: every download passes the
# permission check. Behind nginx, set this to an `internal` location aliasing MEDIA_ROOT
# (e.g. /protected-media/) and the proxy sends the bytes.
MEDIA_ACCEL_REDIRECT = os.environ.get("DJANGO_MEDIA_ACCEL_REDIRECT", "")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its challenge makes a failed login a 401 without the browser's
        # Basic dialog popping up over the web map.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        # HTTP Basic so that QGIS and GDAL can connect with a saved login.
        "rest_framework.authentication.BasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "layers.api.exception_handler",
    "DEFAULT_METADATA_CLASS": "layers.metadata.DescribeOnlyMetadata",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "City data platform API",
    "DESCRIPTION": "Municipal layers and features (GeoJSON). ข้อมูลชั้นแผนที่ของเทศบาล",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Exports of layers up to this many features are written during the request; larger
# ones go to the task queue (POST /api/v1/layers/{id}/export-jobs/).
EXPORT_NOW_MAX = int(os.environ.get("DJANGO_EXPORT_NOW_MAX", "50000"))

# Uploads to import: larger files (or zips that unpack to more) are refused.
IMPORT_MAX_BYTES = int(os.environ.get("DJANGO_IMPORT_MAX_MB", "500")) * 1024 * 1024

# Uploaded imagery (GeoTIFF orthophotos, drone images) larger than this is refused. The
# reverse proxy's own limit (deploy/nginx.conf, client_max_body_size) must be as large.
IMAGERY_MAX_BYTES = env_int("DJANGO_IMAGERY_MAX_MB", 200) * 1024 * 1024

# The admin map's basemap. Empty means no basemap (works offline).
ADMIN_BASEMAP_URL = os.environ.get(
    "ADMIN_BASEMAP_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)

# GDAL 3.6 (Debian 12) cannot block file and network access from spatial reference
# definitions. No user-supplied SRS text reaches it: the API accepts GeoJSON geometries
# only as type + coordinates (layers.models.parse_geometry), always WGS84.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo")

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"procrastinate": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
