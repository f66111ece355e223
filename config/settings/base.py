"""Settings shared by every environment.

Everything that differs between machines comes from environment variables,
each with an embedded default that works on a bare machine: SQLite under
``var/``, kombu's filesystem broker (no server), console-free file e-mail.
"""

from pathlib import Path

import dj_database_url
from celery.schedules import crontab

from .env import cache_from_url, env_bool, env_int, env_list, env_site_url, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The project's apps, top floor first. An app imports only from apps below
# it; an app above hears from one below through that app's hooks module.
# tests/test_architecture.py enforces this list, and a new app must join it.
PROJECT_APPS = [
    "home",
    "certification",
    "accreditation",
    "certificates",
    "credentials",
    "courses",
    "quizzes",
    "accounts",
    "core",
]

INSTALLED_APPS = [
    *reversed(PROJECT_APPS),
    "wagtail.contrib.settings",
    "wagtail.contrib.table_block",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "allauth",
    "allauth.account",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.SessionIdleTimeoutMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "core.middleware.DatabaseUnavailableMiddleware",
    "core.middleware.AccountPagesNoStoreMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        # Persistent connections: a new PostgreSQL connection costs about 9 ms,
        # more than a whole cached lesson page; health checks drop dead ones.
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": cache_from_url(env_str("CACHE_URL", "locmem://"))}

AUTH_USER_MODEL = "accounts.User"
# One backend for every caller of authenticate(): allauth's failure limits,
# lockout and e-mail verification apply whichever view asks (accounts/backends.py).
# Django's ModelBackend is left out: it would accept the password unguarded.
AUTHENTICATION_BACKENDS = ["accounts.backends.GuardedAuthenticationBackend"]
# OWASP ASVS 2.1: at least 12 characters, no common or user-similar passwords.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"

# django-allauth: e-mail is the login, and it must be verified before use.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SIGNUP_REDIRECT_URL = "profile"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[TRD Certify] "
# Failed logins are limited per IP *and* per account ("key"), so rotating a
# spoofed X-Forwarded-For header cannot reset the per-account lockout.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# Unverified addresses (a pending e-mail change) claim nothing: see accounts/forms.py.
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm", "reset_password": "accounts.forms.ResetPasswordForm"}
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Learners' uploads (other providers' CE certificates): outside MEDIA_ROOT,
# served only by owner-checked views (core/storage.py).
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
CE_UPLOAD_MAX_BYTES = 5 * 1024 * 1024

# Media: local files by default; any S3-compatible store when a bucket is set.
if env_str("AWS_STORAGE_BUCKET_NAME"):
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL"),
            "default_acl": "private",
            "querystring_auth": True,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "TRD Certify <no-reply@trd-certify.test>")

WAGTAIL_SITE_NAME = "TRD Certify"
# The address `make run` serves (Procfile.dev's runserver), so links in
# development e-mails open in the session the learner is signed in to.
DEV_SITE_URL = "http://127.0.0.1:8000"
SITE_URL = env_site_url(DEV_SITE_URL)
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 5 * 1024 * 1024
# Larger images are dropped by the certificate renderer anyway.
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAILIMAGES_EXTENSIONS = ["png", "jpg", "jpeg", "webp"]
WAGTAILDOCS_EXTENSIONS = ["pdf"]
# One way to sign in and reset a password: allauth's. The admin's own log-in
# and reset URLs redirect there (config/urls.py); the admin's password change
# is off (editors use allauth's), and pages and documents cannot be given a
# shared password, whose form would accept unlimited guesses.
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAILADMIN_LOGIN_URL = "/admin/login/"
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"
WAGTAIL_PRIVATE_PAGE_OPTIONS = {"SHARED_PASSWORD": False}
WAGTAILDOCS_PRIVATE_COLLECTION_OPTIONS = {"SHARED_PASSWORD": False}
# The admin calls no outside service in any setting: no Gravatar avatars
# (they would send a hash of each editor's e-mail address to a third party)
# and no check for new Wagtail releases from editors' browsers.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False

SESSION_COOKIE_HTTPONLY = True
# Sessions live in the database and are read through the cache: a signed-in
# page reads its session from Redis instead of PostgreSQL (one database
# round trip less per request, see docs/BENCHMARKS.md), and a lost cache
# entry falls back to the row. Ending a session must go through the session
# store, which deletes both (accounts.services.sign_out_everywhere). The
# project's store is cached_db that also reads the signed-in user's cached
# row in the same round trip (accounts/sessions.py).
SESSION_ENGINE = "accounts.sessions"
# Idle timeout: a session ends after this long without a request (the expiry
# moves forward at most every SESSION_REFRESH_SECONDS, see accounts/middleware.py).
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 120) * 60
SESSION_REFRESH_SECONDS = 300
CSRF_FAILURE_VIEW = "core.views.csrf_failure"

# --- Celery -----------------------------------------------------------------
# Default broker needs no server: kombu's filesystem transport under var/.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
_celery_dir = VAR_DIR / "celery"
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu expects the folders to exist.
    for _folder in ("queue", "processed", "control"):
        (_celery_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "processed_folder": str(_celery_dir / "processed"),
        "control_folder": str(_celery_dir / "control"),
        "store_processed": False,
    }
else:
    # At-least-once on Redis: an unacknowledged message comes back after the
    # visibility timeout, which must exceed the longest task (time limit 120s).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 900),
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 90
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Publishing must not hang a web request when the broker is down: give up
# quickly; the periodic sweep enqueues whatever is still pending later.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "certificates-sweep-pending": {
        "task": "certificates.tasks.sweep_pending_certificates",
        "schedule": env_int("CERTIFICATE_SWEEP_SECONDS", 60),
    },
    "quizzes-finalize-expired": {
        "task": "quizzes.tasks.finalize_expired_attempts",
        "schedule": crontab(minute="*"),
    },
    "quizzes-refresh-stale-statistics": {
        "task": "quizzes.tasks.refresh_stale_quiz_statistics",
        "schedule": crontab(minute="*/10"),
    },
    "certification-sweep-pending": {
        "task": "certification.tasks.sweep_pending_periods",
        "schedule": env_int("CERTIFICATE_SWEEP_SECONDS", 60),
    },
    "certification-expiry-reminders": {
        "task": "certification.tasks.send_expiry_reminders",
        "schedule": crontab(minute=15, hour=6),
    },
}
# Item statistics are recomputed this long after the first attempt graded since the last run.
QUIZ_STATISTICS_DEBOUNCE_SECONDS = env_int("QUIZ_STATISTICS_DEBOUNCE_SECONDS", 60)
# A supervisor's attestation link works this long (and once).
CERTIFICATION_LINK_MAX_AGE = env_int("CERTIFICATION_LINK_MAX_AGE", 14 * 24 * 3600)
# Renewal opens this many days before a certification expires.
CERTIFICATION_RENEWAL_WINDOW_DAYS = env_int("CERTIFICATION_RENEWAL_WINDOW_DAYS", 180)
# A certificate still pending this long after creation is re-enqueued.
CERTIFICATE_PENDING_GRACE_SECONDS = env_int("CERTIFICATE_PENDING_GRACE_SECONDS", 120)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "core.logging.RedactPersonalDataFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Wagtail's background-task runner logs every search-index update.
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
    },
}

# --- Open Badges credentials (credentials/) ---------------------------------
# The issuer profile every credential names (the URL is SITE_URL).
CREDENTIAL_ISSUER_NAME = env_str("CREDENTIAL_ISSUER_NAME", "TRD Certify Clinical Education")
CREDENTIAL_ISSUER_EMAIL = env_str("CREDENTIAL_ISSUER_EMAIL", "education@trd-certify.test")
# Ed25519 secret key, multibase ("z..."; `manage.py credential_key` makes one).
# Unset outside production: one is generated once in the file below.
CREDENTIAL_SIGNING_KEY = env_str("CREDENTIAL_SIGNING_KEY", "")
CREDENTIAL_SIGNING_KEY_FILE = env_str("CREDENTIAL_SIGNING_KEY_FILE", str(VAR_DIR / "credential-signing-key"))
