"""Anjian settings: every value comes from the environment (see .env.example) with embedded defaults."""

from __future__ import annotations

import sys
from pathlib import Path

from anjian.config.env import (
    ConfigError,
    database_from_url,
    env_bool,
    env_bounds,
    env_fernet_keys,
    env_int,
    env_int_range,
    env_list,
    env_networks,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("ANJIAN_VAR_DIR") or BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)

try:
    DEBUG = env_bool("DEBUG", False)
    _secret = env_str("SECRET_KEY")
    if not _secret:
        if not DEBUG and env_bool("ANJIAN_PRODUCTION", False):
            raise ConfigError("SECRET_KEY is required when ANJIAN_PRODUCTION=true")
        _secret = "anjian-insecure-development-key-change-me-0123456789abcdef"  # noqa: S105
    elif len(_secret) < 32:
        raise ConfigError("SECRET_KEY must be at least 32 characters long")
    SECRET_KEY = _secret
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
    # Reverse proxies whose X-Forwarded-For is believed (rate limits and the audit log see the client).
    TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")
    PORT = env_int("PORT", 8000, minimum=1, maximum=65535)
    DATABASE_URL = env_url("DATABASE_URL", ("sqlite", "postgres", "postgresql"))
    REDIS_URL = env_url("REDIS_URL", ("redis", "rediss"))
    MQTT_URL = env_url("MQTT_URL", ("mqtt", "mqtts", "tcp"))
    DATABASES = {"default": database_from_url(DATABASE_URL, BASE_DIR)}
    MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "media")
    UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
    IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
    IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 40_000_000, minimum=10_000)
    LICENCE_WARNING_DAYS = env_int("LICENCE_WARNING_DAYS", 30, minimum=1, maximum=365)
    LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5, minimum=1)
    LOGIN_LOCK_SECONDS = env_int("LOGIN_LOCK_SECONDS", 900, minimum=1)
    GEO_BOUNDS = env_bounds("GEO_BOUNDS", (18.0, 73.0, 54.0, 135.0))
    # Assignments (DOMAIN.md §1): a cadre has 3–5 electroplating enterprises, a liaison 1–2 communities.
    ASSIGNMENT_CADRE_RANGE = env_int_range("ASSIGNMENT_CADRE_RANGE", (3, 5), minimum=0)
    ASSIGNMENT_LIAISON_RANGE = env_int_range("ASSIGNMENT_LIAISON_RANGE", (1, 2), minimum=0)
    ASSIGNMENT_VISITS_PER_WEEK = env_int("ASSIGNMENT_VISITS_PER_WEEK", 1, minimum=1, maximum=7)
    ASSIGNMENT_MEETINGS_PER_MONTH = env_int("ASSIGNMENT_MEETINGS_PER_MONTH", 1, minimum=1, maximum=10)
    # Public tip-offs (DOMAIN.md §6): reporter identity is encrypted with these keys (first one encrypts).
    TIPOFF_ENCRYPTION_KEYS = env_fernet_keys(
        "TIPOFF_ENCRYPTION_KEY",
        fallback_secret=_secret,
        required=env_bool("ANJIAN_PRODUCTION", False),
    )
    TIPOFF_STEP_DAYS = {  # deadline of each workflow step, in days from entering it
        "received": env_int("TIPOFF_ACCEPT_DAYS", 3, minimum=1, maximum=90),
        "accepted": env_int("TIPOFF_ASSIGN_DAYS", 2, minimum=1, maximum=90),
        "assigned": env_int("TIPOFF_VERIFY_DAYS", 30, minimum=1, maximum=180),
        "verified_true": env_int("TIPOFF_HANDLE_DAYS", 30, minimum=1, maximum=180),
        "handled": env_int("TIPOFF_REWARD_DAYS", 15, minimum=1, maximum=90),
        "reward_decided": env_int("TIPOFF_PAYMENT_DAYS", 15, minimum=1, maximum=90),
    }
    TIPOFF_FEEDBACK_DAYS = env_int("TIPOFF_FEEDBACK_DAYS", 10, minimum=1, maximum=60)
    TIPOFF_DUPLICATE_METERS = env_int("TIPOFF_DUPLICATE_METERS", 200, minimum=0, maximum=5000)
    TIPOFF_DUPLICATE_DAYS = env_int("TIPOFF_DUPLICATE_DAYS", 30, minimum=1, maximum=365)
    TIPOFF_RATE_PER_HOUR = env_int("TIPOFF_RATE_PER_HOUR", 5, minimum=1, maximum=10_000)
    TIPOFF_POW_BITS = env_int("TIPOFF_POW_BITS", 16, minimum=0, maximum=24)
    TIPOFF_MAX_BODY_BYTES = env_int("TIPOFF_MAX_BODY_BYTES", 30 * 1024 * 1024, minimum=64 * 1024)
    # Hidden hazards (DOMAIN.md §4): reminders before the deadline, then an escalation chain on overdue
    # hazards (grid inspector → community workers → street office), each step after so many days.
    HAZARD_REMINDER_DAYS = env_int("HAZARD_REMINDER_DAYS", 3, minimum=1, maximum=60)
    HAZARD_ESCALATE_GRID_DAYS = env_int("HAZARD_ESCALATE_GRID_DAYS", 1, minimum=1, maximum=365)
    HAZARD_ESCALATE_COMMUNITY_DAYS = env_int("HAZARD_ESCALATE_COMMUNITY_DAYS", 3, minimum=1, maximum=365)
    HAZARD_ESCALATE_OFFICE_DAYS = env_int("HAZARD_ESCALATE_OFFICE_DAYS", 7, minimum=1, maximum=365)
    if not HAZARD_ESCALATE_GRID_DAYS <= HAZARD_ESCALATE_COMMUNITY_DAYS <= HAZARD_ESCALATE_OFFICE_DAYS:
        raise ConfigError("HAZARD_ESCALATE_*_DAYS must grow: grid <= community <= office")
    HAZARD_MAX_EXTENSION_DAYS = env_int("HAZARD_MAX_EXTENSION_DAYS", 90, minimum=1, maximum=730)
    # Above this many rows a hazard count is the database's estimate (PostgreSQL), shown as "约"; it is also
    # how deep a hazard list can be paged (beyond it, narrow the filters or export the ledger).
    HAZARD_EXACT_COUNT_LIMIT = env_int("HAZARD_EXACT_COUNT_LIMIT", 10_000, minimum=100)
    HAZARD_NOTIFY_CHANNELS = env_list("HAZARD_NOTIFY_CHANNELS", ["sms", "wecom", "email"])
    if set(HAZARD_NOTIFY_CHANNELS) - {"sms", "wecom", "email"}:
        raise ConfigError("HAZARD_NOTIFY_CHANNELS: use any of sms, wecom, email (comma-separated)")
    # Case-file PDFs embed a CJK font (Debian fonts-noto-cjk by default; index 2 = Simplified Chinese).
    CJK_FONT_PATH = env_str("CJK_FONT_PATH", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    CJK_FONT_INDEX = env_int("CJK_FONT_INDEX", 2, minimum=0, maximum=64)
    # Outside notification channels: unset → deliveries are logged as skipped.
    SMS_GATEWAY_URL = env_url("SMS_GATEWAY_URL", ("http", "https"))
    SMS_API_KEY = env_str("SMS_API_KEY")
    WECOM_WEBHOOK_URL = env_url("WECOM_WEBHOOK_URL", ("http", "https"))
    SMTP_URL = env_url("SMTP_URL", ("smtp", "smtps", "smtp+tls"))
    CHANNEL_TIMEOUT_SECONDS = env_int("CHANNEL_TIMEOUT_SECONDS", 10, minimum=1, maximum=120)
    MAP_TILE_URL = env_str("MAP_TILE_URL")
    MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION")
    WORKERS_THREADS = env_int("WEB_THREADS", 16, minimum=1, maximum=256)
    LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
    if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ConfigError(f"LOG_LEVEL={LOG_LEVEL!r}: use DEBUG, INFO, WARNING, ERROR or CRITICAL")
    if env_bool("ANJIAN_PRODUCTION", False) and env_bool("ANJIAN_TESTING", False):
        raise ConfigError(
            "ANJIAN_TESTING=true (weak password hashing, inline tasks) is refused in production"
        )
except ConfigError as exc:  # fail loudly and clearly at start-up
    sys.stderr.write(f"Anjian configuration error: {exc}\n")
    raise

TESTING = "pytest" in sys.modules or env_bool("ANJIAN_TESTING", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "huey.contrib.djhuey",
    "anjian.core",
    "anjian.org",
    "anjian.enterprises",
    "anjian.notifications",
    "anjian.inspections",
    "anjian.hazards",
    "anjian.tipoffs",
    "anjian.monitoring",
    "anjian.risks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "anjian.core.middleware.RequestContextMiddleware",
    "anjian.core.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "anjian.config.urls"
WSGI_APPLICATION = "anjian.config.wsgi.application"
AUTH_USER_MODEL = "org.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "anjian.core.context_processors.navigation",
            ],
            "builtins": ["anjian.core.templatetags.anjian_tags"],
        },
    }
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Fast hashing only where no real password is stored; the argon2 path is tested explicitly.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
FORMAT_MODULE_PATH = ["anjian.config.formats"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# Uploads are stored outside the web root and served only through scoped views: no MEDIA_URL route.
MEDIA_URL = "/files/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 12 * 3600
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

HUEY = {
    "name": "anjian",
    "immediate": TESTING or env_bool("HUEY_IMMEDIATE", False),
    "utc": True,
    "consumer": {"workers": env_int("WORKER_THREADS", 2, minimum=1, maximum=64), "worker_type": "thread"},
}
if REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": REDIS_URL})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(VAR_DIR / "huey.sqlite3")})

# E-mail (notification channel): SMTP_URL=smtp://user:password@host:587 (smtp+tls: STARTTLS, smtps: TLS).
EMAIL_BACKEND = env_str("EMAIL_BACKEND") or "django.core.mail.backends.smtp.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL") or "anjian@localhost"
if SMTP_URL:
    from urllib.parse import unquote as _unquote
    from urllib.parse import urlparse as _urlparse

    _smtp = _urlparse(SMTP_URL)
    EMAIL_HOST = _smtp.hostname or ""
    EMAIL_PORT = _smtp.port or (465 if _smtp.scheme == "smtps" else 587 if _smtp.scheme == "smtp+tls" else 25)
    EMAIL_HOST_USER = _unquote(_smtp.username or "")
    EMAIL_HOST_PASSWORD = _unquote(_smtp.password or "")
    EMAIL_USE_SSL = _smtp.scheme == "smtps"
    EMAIL_USE_TLS = _smtp.scheme == "smtp+tls"
    EMAIL_TIMEOUT = CHANNEL_TIMEOUT_SECONDS

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "anjian.core.api.pagination.StandardPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "anjian.core.api.errors.exception_handler",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "安监 Anjian API",
    "DESCRIPTION": '街道安全生产监管平台 REST API (v1)。错误格式：{"error": {"code", "message", "fields"}}。',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Swagger UI and ReDoc are served from the app itself (drf-spectacular-sidecar): no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "AssignmentKindEnum": "anjian.org.choices.AssignmentKind",
        "AssignmentStatusEnum": "anjian.org.choices.AssignmentStatus",
        "DecisionStatusEnum": "anjian.org.choices.DecisionStatus",
        "RoleEnum": "anjian.org.choices.Role",
        "LicenceKindEnum": "anjian.enterprises.choices.LicenceKind",
        "RiskLevelEnum": "anjian.risks.choices.RiskLevel",
        "RiskPointKindEnum": "anjian.risks.choices.PointKind",
        "AccidentTypeEnum": "anjian.inspections.choices.AccidentType",
        "HazardLevelEnum": "anjian.hazards.choices.Level",
        "HazardStateEnum": "anjian.hazards.choices.State",
        "HazardSourceKindEnum": "anjian.hazards.choices.SourceKind",
        "HazardCategoryEnum": "anjian.inspections.choices.HazardCategory",
        "ExtensionStatusEnum": "anjian.hazards.choices.ExtensionStatus",
        "OperatingStatusEnum": "anjian.enterprises.choices.OperatingStatus",
        "ImportStatusEnum": "anjian.enterprises.choices.ImportStatus",
        "PlanStatusEnum": "anjian.inspections.choices.PlanStatus",
        "InspectionStatusEnum": "anjian.inspections.choices.InspectionStatus",
        "DeviceStatusEnum": "anjian.monitoring.choices.DeviceStatus",
        "DeliveryStatusEnum": "anjian.notifications.choices.DeliveryStatus",
        "TipStatusEnum": "anjian.tipoffs.choices.TipStatus",
        "PaymentMethodEnum": "anjian.tipoffs.choices.PaymentMethod",
        "AssessmentMethodEnum": "anjian.risks.choices.Method",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # Configured here, so that run_huey does not add a second handler (each line printed twice).
        "huey": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
}
