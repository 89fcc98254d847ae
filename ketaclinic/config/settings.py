"""Django settings for ketaclinic, read from the environment (.env.example lists every variable).

DEBUG is off unless set. Outside DEBUG a missing SECRET_KEY stops start-up: a clinic system must
never run with a guessable key. `make run` writes a generated key to var/secret_key for the demo.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("KETACLINIC_VAR_DIR", BASE_DIR / "var"))


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from error


def _env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = _env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    secret_file = VAR_DIR / "secret_key"
    if DEBUG and secret_file.exists():
        SECRET_KEY = secret_file.read_text().strip()
    elif DEBUG:
        # Tests and one-off DEBUG commands: a per-process key, never written anywhere.
        SECRET_KEY = "insecure-debug-only-" + os.urandom(24).hex()
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY in the environment (see .env.example); "
            "ketaclinic refuses to start outside DEBUG without one."
        )

ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "csp",
    "ketaclinic.core",
    "ketaclinic.accounts",
    "ketaclinic.clinics",
    "ketaclinic.audit",
    "ketaclinic.patients",
    "ketaclinic.inquiries",
    "ketaclinic.outcomes",
    "ketaclinic.intake",
    "ketaclinic.consent",
    "ketaclinic.courses",
    "ketaclinic.inventory",
    "ketaclinic.scheduling",
    "ketaclinic.jobs",
    "ketaclinic.reminders",
    "ketaclinic.charting",
    "ketaclinic.measures",
    "ketaclinic.care",
    "ketaclinic.analytics",
    "ketaclinic.messaging",
    "ketaclinic.staff",
    "ketaclinic.website",
    "ketaclinic.portal",
    "ketaclinic.api",
    "ketaclinic.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ketaclinic.core.middleware.RequestContextMiddleware",
    # A database outage answers 503 with Retry-After, not 500 (ketaclinic/core/outage.py).
    "ketaclinic.core.middleware.DatabaseUnavailableMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "ketaclinic.accounts.middleware.SessionLimitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "ketaclinic.clinics.middleware.ActiveClinicMiddleware",
    "ketaclinic.accounts.middleware.RequireStaffMfaMiddleware",
    "ketaclinic.core.middleware.NoStoreForSignedInMiddleware",
    "ketaclinic.accounts.middleware.DomainErrorMiddleware",
    # Axes goes last so it sees the final authentication outcome.
    "axes.middleware.AxesMiddleware",
]
# Benchmarks only (bench/http_load.py): each response says how many SQL statements it ran, in an
# `X-Statement-Count` header (ketaclinic/core/statement_count.py). Off unless asked for.
STATEMENT_COUNT_HEADER = _env_bool("KETACLINIC_STATEMENT_COUNT_HEADER", default=False)
if STATEMENT_COUNT_HEADER:
    MIDDLEWARE.insert(0, "ketaclinic.core.statement_count.StatementCountMiddleware")

ROOT_URLCONF = "ketaclinic.config.urls"
WSGI_APPLICATION = "ketaclinic.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "ketaclinic" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ketaclinic.clinics.context_processors.active_clinic",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite (WAL, immediate transactions) under var/ by default; PostgreSQL through DATABASE_URL.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Health checks: a kept connection that PostgreSQL dropped (a restart) is replaced at the
    # start of the next request instead of failing it.
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "ketaclinic.sqlite3"),
            "OPTIONS": {
                # BEGIN IMMEDIATE takes the write lock at the start of each transaction, so two
                # writers queue instead of failing mid-transaction with "database is locked".
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions: in the database (or Redis) so app processes stay stateless -----------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "ketaclinic_cache",
        }
    }
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Idle sessions end after SESSION_IDLE_MINUTES (default 15); SessionLimitsMiddleware also ends
# every session SESSION_ABSOLUTE_HOURS (default 12) after sign-in, however active.
SESSION_IDLE_MINUTES = _env_int("SESSION_IDLE_MINUTES", 15)
SESSION_ABSOLUTE_HOURS = _env_int("SESSION_ABSOLUTE_HOURS", 12)
# The server-side session outlives the idle limit by a margin so that SessionLimitsMiddleware sees
# the idle session, ends it with a message and audits it; the margin is a backstop, not the rule.
SESSION_COOKIE_AGE = (SESSION_IDLE_MINUTES + 5) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Authentication ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "ketaclinic.portal.signin.SignInAdapter"
# Patients confirm a password sign-in with their authenticator app if they set one up, otherwise
# with a one-time code sent by email: 6 digits, single use, valid 5 minutes, 3 tries (the adapter
# asks for it from patients only; staff always use their app).
ACCOUNT_LOGIN_BY_CODE_REQUIRED = {"password"}
ACCOUNT_LOGIN_BY_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 300
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
# allauth's "login_failed" limit is counted per email address from anywhere for passwords, which
# would let a stranger pause a nurse's sign-in: for passwords, accounts.adapters uses django-axes
# (below) and a per-address ceiling instead. What is left of it is the second step's limit per
# account, whatever the address: someone who has the password cannot spread code guesses over
# many addresses (the per-address pause, SECOND_STEP_*, comes first; accounts.forms audits both).
ACCOUNT_RATE_LIMITS = {"login_failed": "20/h/key"}
# Where allauth checks a code or a password itself: limited and audited (accounts.forms).
ACCOUNT_FORMS = {
    "confirm_login_code": "ketaclinic.accounts.forms.EmailedCodeForm",
    "change_password": "ketaclinic.accounts.forms.CurrentPasswordChangeForm",
}
MFA_FORMS = {
    "authenticate": "ketaclinic.accounts.forms.SecondStepForm",
    "reauthenticate": "ketaclinic.accounts.forms.SecondStepReauthenticateForm",
}
MFA_ADAPTER = "ketaclinic.accounts.adapters.ClinicMFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "ketaclinic"
# Accept the code of the 30-second step before or after the current one (RFC 6238 §5.2 advises
# allowing one step of drift): phones' clocks drift, and a code typed at :29 arrives at :31.
MFA_TOTP_TOLERANCE = 1
MFA_RECOVERY_CODE_COUNT = 10

# Five failed sign-ins within AXES_COOLOFF_MINUTES lock that account, from that address, for the
# same period. Not the address alone: every nurse at a clinic shares one public IP, and one
# person's typos must not lock the whole clinic out at 7 a.m. Not the account alone either: then
# anyone anywhere could lock any nurse out from the login form. So the clinic's own address can
# lock a nurse after five of her own typos there (intended), and a stranger's failures from
# another address cannot. The address is the client's (attempts.client_network: behind
# TRUSTED_PROXY_COUNT proxies the forwarded one; an IPv6 /64 counts as one address).
AXES_FAILURE_LIMIT = _env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=_env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "ketaclinic.accounts.attempts.client_network"
# One address that fails this many passwords (any accounts, known or not) within
# AXES_COOLOFF_MINUTES is paused for that period, without locking any account: well above what a
# clinic's shared address sees at a shift change, well below what trying many accounts needs.
SIGN_IN_ADDRESS_FAILURE_LIMIT = _env_int("SIGN_IN_ADDRESS_FAILURE_LIMIT", 30)
# The second step (authenticator, recovery or emailed code): this many wrong codes for one account
# from one address pause that step there for the cool-off, the right code included.
SECOND_STEP_FAILURE_LIMIT = _env_int("SECOND_STEP_FAILURE_LIMIT", 5)
SECOND_STEP_COOLOFF_TIME = timedelta(minutes=_env_int("SECOND_STEP_COOLOFF_MINUTES", 15))
# A witness's signature (their password typed on a colleague's form or API call) has its own
# limit per witness and address, and never touches the witness's sign-in (accounts.signatures).
WITNESS_SIGNATURE_FAILURE_LIMIT = _env_int("WITNESS_SIGNATURE_FAILURE_LIMIT", 5)
WITNESS_SIGNATURE_COOLOFF_TIME = timedelta(
    minutes=_env_int("WITNESS_SIGNATURE_COOLOFF_MINUTES", 15)
)
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "ketaclinic.accounts.lockout.username_from_request"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "ketaclinic.accounts.lockout.locked_out_response"
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = _env_int("TRUSTED_PROXY_COUNT", 0)

# --- Security headers -----------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
HTTPS = _env_bool("HTTPS", default=not DEBUG)
if HTTPS:
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = _env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = _env_bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if AXES_IPWARE_PROXY_COUNT:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # data: for the TOTP enrolment QR code, which allauth renders as an inline SVG image.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Static files: served by the app (WhiteNoise); nothing from a CDN ----------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "ketaclinic" / "static"]
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
MEDIA_ROOT = VAR_DIR / "media"

# --- Email --------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Catalyst Clinic <hello@catalyst.example>"
)

# --- Localisation ---------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"  # stored times are UTC; pages show each clinic's own timezone
USE_I18N = True
USE_TZ = True

# --- REST API -----------------------------------------------------------------------------
# An API token's person, clinic, membership and credentials are kept in each worker's memory for
# this many seconds (0: never), and dropped in every worker the moment any of them changes
# (ketaclinic/api/token_cache.py).
API_TOKEN_CACHE_SECONDS = _env_int("API_TOKEN_CACHE_SECONDS", 5)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "ketaclinic.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "ketaclinic.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "ketaclinic.api.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["ketaclinic.api.parsers.ApiJSONParser"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ketaclinic API",
    "DESCRIPTION": (
        "REST API of ketaclinic. Authenticate integrations with `Authorization: Token <token>` "
        "(a clinic-scoped, revocable token); the web UI uses its session."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"InquiryStatusEnum": "ketaclinic.inquiries.models.InquiryStatus"},
}

# --- ketaclinic -------------------------------------------------------------------------------
# Rows left unsealed in the audit chain longer than this raise an alert (DESIGN.md: one minute).
AUDIT_UNSEALED_ALERT_SECONDS = _env_int("AUDIT_UNSEALED_ALERT_SECONDS", 60)
# Off (the default): the request only inserts its audit rows, and a sealer loop links them into
# the chain (`ketaclinic serve` runs `ketaclinic audit seal --every 1` beside gunicorn; `serve
# --no-sealer` where it runs on its own). On: each request seals its rows right after it commits,
# in a second transaction (about 10 ms of PostgreSQL per write); no sealer loop is needed.
AUDIT_SEAL_INLINE = _env_bool("AUDIT_SEAL_INLINE", default=False)
# The sealer loop links new events every round cheaply (after the newest sealed one) and, this
# often, also sweeps the newest ids for an event that committed after a higher one was sealed.
AUDIT_SEAL_SWEEP_SECONDS = _env_int("AUDIT_SEAL_SWEEP_SECONDS", 30)
# The audit chain's key (docs/operations.md "Audit trail"): events and links are HMACs with it,
# so rows written with the database role alone do not verify. Kept outside the database.
# Outside DEBUG a missing key stops start-up, as SECRET_KEY does (deriving it from SECRET_KEY
# would hand it to everyone who has that); with DEBUG on (the demo) it is derived from SECRET_KEY.
AUDIT_HMAC_KEY = os.environ.get("AUDIT_HMAC_KEY", "")
# Earlier audit keys, comma-separated, so that links and checkpoints made with them still verify.
AUDIT_HMAC_OLD_KEYS = _env_list("AUDIT_HMAC_OLD_KEYS", [])
if not AUDIT_HMAC_KEY and DEBUG:
    AUDIT_HMAC_KEY = "debug-only-derived-from-secret-key:" + SECRET_KEY
elif not AUDIT_HMAC_KEY:
    raise ImproperlyConfigured(
        "AUDIT_HMAC_KEY is not set. Set AUDIT_HMAC_KEY in the environment to a long random "
        "string (python -c 'import secrets; print(secrets.token_urlsafe(48))'), keep a copy "
        "outside the database host, and never change it without moving the old one to "
        "AUDIT_HMAC_OLD_KEYS (docs/operations.md). ketaclinic refuses to start outside DEBUG "
        "without one."
    )
if len(AUDIT_HMAC_KEY) < 32:
    raise ImproperlyConfigured("AUDIT_HMAC_KEY must be at least 32 characters.")
if any(len(key) < 32 for key in AUDIT_HMAC_OLD_KEYS):
    raise ImproperlyConfigured("AUDIT_HMAC_OLD_KEYS: each key must be at least 32 characters.")
# Signed checkpoints of the chain's head (`ketaclinic audit checkpoint`); copy them off this host.
AUDIT_CHECKPOINT_DIR = Path(
    os.environ.get("AUDIT_CHECKPOINT_DIR", "") or VAR_DIR / "audit-checkpoints"
)
# `ketaclinic audit seal --every` also writes a checkpoint this often (0: never).
AUDIT_CHECKPOINT_EVERY_SECONDS = _env_int("AUDIT_CHECKPOINT_EVERY_SECONDS", 3600)
# Public website: which clinic's name, address and hours the pages show (slug); blank = first.
PUBLIC_CLINIC_SLUG = os.environ.get("PUBLIC_CLINIC_SLUG", "")
# Inquiry form: at most this many submissions per IP address per hour.
INQUIRY_RATE_LIMIT_PER_HOUR = _env_int("INQUIRY_RATE_LIMIT_PER_HOUR", 5)
# The minimum patient age, how long a dose order stands and an opened vial's beyond-use days are
# clinical rules, not deployment settings: the clinic's rules (`eligibility.minimum_age`,
# `dose_orders.valid_days`, `vials.beyond_use_days`).
# Credentials expiring within this many days are listed for clinic admins.
CREDENTIAL_EXPIRY_WARNING_DAYS = _env_int("CREDENTIAL_EXPIRY_WARNING_DAYS", 60)

# --- Background jobs and reminders (docs/operations.md "Background jobs") ---------------------
# Where jobs are queued: the database by default (run `ketaclinic jobs work`); another backend
# implements ketaclinic.jobs.backends.JobBackend.
JOBS_BACKEND = os.environ.get("JOBS_BACKEND", "ketaclinic.jobs.backends.DatabaseBackend")
# A running job is handed to another worker if its worker has not finished it in this time.
JOBS_LEASE_SECONDS = _env_int("JOBS_LEASE_SECONDS", 300)
# Attempts before a job gives up, and the first retry delay (doubling, at most an hour).
JOBS_MAX_ATTEMPTS = _env_int("JOBS_MAX_ATTEMPTS", 5)
JOBS_RETRY_BASE_SECONDS = _env_int("JOBS_RETRY_BASE_SECONDS", 30)
# Text messages: the console backend writes them to the log; another backend implements
# ketaclinic.reminders.sms.SmsBackend (e.g. your SMS provider's API).
SMS_BACKEND = os.environ.get("SMS_BACKEND", "ketaclinic.reminders.sms.ConsoleSmsBackend")
# The address patients' links and staff calendar feeds start with (no trailing slash).
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/") or (
    f"{'https' if HTTPS else 'http'}://{ALLOWED_HOSTS[0]}"
    if ALLOWED_HOSTS
    else "http://127.0.0.1:8000"
)
# A portal invitation's link (ketaclinic/portal/invitations.py) works this many hours: long
# enough for a patient who reads email once a day over a weekend, short enough that a link left
# in an old mailbox no longer opens an account. Staff send a new one when it has run out.
PORTAL_INVITATION_VALID_HOURS = _env_int("PORTAL_INVITATION_VALID_HOURS", 72)
# Reminders go this many hours before a visit (besides the confirmation on booking).
REMINDER_HOURS_BEFORE = [int(hours) for hours in _env_list("REMINDER_HOURS_BEFORE", ["48", "24"])]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
