"""Settings, read from the environment.

Environment variables (all optional for the demo):
  SECRET_KEY, DEBUG, ALLOWED_HOSTS (comma separated), CSRF_TRUSTED_ORIGINS,
  DATABASE_URL (default: SQLite file db.sqlite3 — demo only; PostgreSQL in production),
  REDIS_URL (Celery broker + cache; without it tasks run in-process),
  EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS,
  DEFAULT_FROM_EMAIL, MEDIA_ROOT, AWS_STORAGE_BUCKET_NAME (+ AWS_S3_ENDPOINT_URL,
  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_S3_REGION_NAME) for S3-compatible object storage,
  SECURE_SSL_REDIRECT, MAX_UPLOAD_MB,
  LETTERHEAD_* (sender, contact and competent court of every document; see the "Letterhead" block),
  DEMO_MODE (scripts/demo: runs without DEBUG on plain http, static files from the finders),
  EMAIL_FILE_PATH (where the file mail backend writes, e.g. the demo's mails).
"""

import json
import os
import re
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_text(name: str, default):
    """A text from the environment; unset or blank: the default."""
    return os.environ.get(name, "").strip() or default


DEBUG = env_bool("DEBUG")
DEMO_MODE = env_bool("DEMO_MODE")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    # The demo's helper commands (e.g. `DEMO_MODE=1 manage.py demo_totp EMAIL`) run with the local key.
    if not (DEBUG or DEMO_MODE) and os.environ.get("DJANGO_ALLOW_INSECURE_KEY") != "1":
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("SECRET_KEY must be set (or DEBUG=1 for local use).")
    SECRET_KEY = "insecure-local-development-key-do-not-use-in-production-0123456789"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "rules.apps.AutodiscoverRulesConfig",
    "django_fsm",
    "django_htmx",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.saml",
    "allauth.socialaccount.providers.openid_connect",
    "foundation",
    "audit",
    "outbox",
    "downloads",
    "accounts",
    "grants",
    "applications",
    "jury",
    "payments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "foundation.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "foundation.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "foundation.middleware.PrivatePagesMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.StaffMFARequiredMiddleware",
    "foundation.middleware.StorageUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "foundation.context_processors.navigation",
            ],
            # {{ obj|choice:"state" }} everywhere: a choice's label, translating only that one (foundation.choices).
            # |date: Django's filter, our four numeric formats written directly (foundation.templatetags.dates).
            # {% url %}: Django's tag, the addresses of ids written from a kept pattern (foundation.templatetags.urls).
            # {% portal "name" %}, {% letterhead "land" %}: the installation's names (foundation.templatetags.portal).
            # {{ n|thousands }}: counts and places grouped by thousands, 3.115 (foundation.templatetags.numbers).
            "builtins": ["foundation.templatetags.choices", "foundation.templatetags.dates",
                         "foundation.templatetags.urls", "foundation.templatetags.portal",
                         "foundation.templatetags.numbers"],
        },
    }
]
WSGI_APPLICATION = "config.wsgi.application"
FORM_RENDERER = "foundation.forms.KernFormRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        # A kept-open connection is tested before a request reuses it: after a database restart
        # the first request reconnects instead of failing on the dead connection.
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The demo's SQLite cannot enforce "one final proof per grant" (a unique constraint over a NULL
    # budget year); PostgreSQL, used in production and CI, does.
    SILENCED_SYSTEM_CHECKS = ["models.W047"]
REDIS_URL = os.environ.get("REDIS_URL", "")

# The Land's paying account (debtor of every SEPA credit transfer file, payments/sepa.py).
PAYMENTS_DEBTOR_NAME = env_text("PAYMENTS_DEBTOR_NAME", "Land Hessen – Hessisches Ministerium des Innern")
PAYMENTS_DEBTOR_IBAN = env_text("PAYMENTS_DEBTOR_IBAN", "DE02500105170137075030")  # a public test IBAN
PAYMENTS_DEBTOR_BIC = os.environ.get("PAYMENTS_DEBTOR_BIC", "")  # empty: derived from a German IBAN
# IBANs no payment may go to (besides the Land's own account), comma separated.
PAYMENTS_BLOCKED_IBANS = env_list("PAYMENTS_BLOCKED_IBANS")

# ---------------------------------------------------------------------------------------------
# The Land whose municipalities apply: its two-digit key in the official municipality keys (AGS) and
# the region digits (third digit: the Regierungsbezirke) its keys use. The municipality directory
# import reads this Land's records, keys are checked against it (accounts/keys.py) and the open data
# name it as their area. Defaults: Hessen (06; 4 Darmstadt, 5 Gießen, 6 Kassel).
LAND = {"key": env_text("LAND_KEY", "06"), "name": env_text("LAND_NAME", "Hessen"),
        "regions": env_text("LAND_REGIONS", "456")}
if not (re.fullmatch(r"0[1-9]|1[0-6]", LAND["key"]) and re.fullmatch(r"[0-9]+", LAND["regions"])):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("LAND_KEY must be a Land's key (01–16) and LAND_REGIONS its region digits (e.g. 456).")

# ---------------------------------------------------------------------------------------------
# The portal's own name and who offers it, and the Land's texts of its legal pages: page titles and header, the start
# page, every mail and its subject, the second factor's issuer, the API's title, the open data and the remittance
# text of every payment. Defaults: Hessen's program. Another Land sets these variables; no template or module names
# the portal or the Land itself (templates read them with {% portal "name" %}, foundation/templatetags/portal.py).
# A text set here is shown as given in every language; the defaults are translated.
PORTAL = {
    "name": env_text("PORTAL_NAME", _("Förderportal Starke Heimat Hessen")),
    "short_name": env_text("PORTAL_SHORT_NAME", "Starke Heimat Hessen"),
    "tagline": env_text("PORTAL_TAGLINE", _("Förderung smarter Kommunen und Regionen")),
    "offered_by": env_text("PORTAL_OFFERED_BY", _("Ein Angebot des Landes Hessen")),
    "title": env_text("PORTAL_TITLE", _("Starke Heimat Hessen – Phase 2: Förderung smarter Kommunen und Regionen")),
    "intro": env_text("PORTAL_INTRO", _(
        "Hessische Gemeinden, Städte und Landkreise beantragen hier Zuwendungen für Modellprojekte zu Smart City, "
        "Smart Region und Verwaltungsdigitalisierung – bevorzugt als Gemeinschaftsvorhaben mehrerer Kommunen.")),
    # The accessibility statement (HVBIT → EN 301 549): the law in the dative ("im Einklang mit …"), the enforcement
    # body in the accusative ("an … wenden") and the address for feedback.
    "accessibility_law": env_text("PORTAL_ACCESSIBILITY_LAW", _(
        "dem Hessischen Gesetz über barrierefreie Informationstechnik (HVBIT)")),
    "accessibility_body": env_text("PORTAL_ACCESSIBILITY_BODY", _(
        "die Durchsetzungs- und Überwachungsstelle für barrierefreie Informationstechnik des Landes Hessen")),
    "accessibility_email": env_text("PORTAL_ACCESSIBILITY_EMAIL", "barrierefreiheit@digitales.hessen.de"),
    # The Land's data-protection law beside the GDPR (the imprint's data-protection notice).
    "data_protection_law": env_text("PORTAL_DATA_PROTECTION_LAW", "§ 3 HDSIG"),
}

# ---------------------------------------------------------------------------------------------
# Letterhead of every document (receipt, notices, recovery notice, jury documents) and the court
# named in the legal-remedy text. Defaults: Hessen. Another Land (or another ministry) sets these
# variables; no template names a Land, a ministry or a court itself (foundation/pdf.py reads this).
# The defaults are the program's published contact points; check them before production use.
LETTERHEAD = {
    "land": env_text("LETTERHEAD_LAND", _("Land Hessen")),  # translated by default ("State of Hesse")
    "authority": os.environ.get("LETTERHEAD_AUTHORITY", "Hessisches Ministerium für Digitalisierung und Innovation"),
    "unit": os.environ.get("LETTERHEAD_UNIT", "Referat Förderung smarter Kommunen und Regionen"),
    "street": os.environ.get("LETTERHEAD_STREET", "Georg-August-Zinn-Straße 1"),
    "postal_code": os.environ.get("LETTERHEAD_POSTAL_CODE", "65183"),
    "city": os.environ.get("LETTERHEAD_CITY", "Wiesbaden"),
    "phone": os.environ.get("LETTERHEAD_PHONE", "0611 32-0"),
    "email": os.environ.get("LETTERHEAD_EMAIL", "foerderung-smarte-kommunen@digitales.hessen.de"),
    "website": os.environ.get("LETTERHEAD_WEBSITE", "https://digitales.hessen.de"),
}
# The administrative court for actions against a notice. LETTERHEAD_COURTS (JSON) may map the
# start of a municipality's official key (AGS or Kreisschlüssel, e.g. "06611" or "066") to another
# court, for a Land whose courts are competent by the recipient's seat (§ 52 Nr. 3 Satz 2 VwGO);
# the longest matching prefix wins, else LETTERHEAD_COURT applies.
LETTERHEAD_COURT = {
    "name": os.environ.get("LETTERHEAD_COURT_NAME", "Verwaltungsgericht Wiesbaden"),
    "street": os.environ.get("LETTERHEAD_COURT_STREET", "Mainzer Straße 124"),
    "postal_code": os.environ.get("LETTERHEAD_COURT_POSTAL_CODE", "65189"),
    "city": os.environ.get("LETTERHEAD_COURT_CITY", "Wiesbaden"),
}
try:
    LETTERHEAD_COURTS = json.loads(os.environ.get("LETTERHEAD_COURTS", "") or "{}")
    if not isinstance(LETTERHEAD_COURTS, dict) or not all(isinstance(c, dict) for c in LETTERHEAD_COURTS.values()):
        raise ValueError("not an object of objects")
except ValueError as exc:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        'LETTERHEAD_COURTS must be JSON like {"066": {"name": "…", "street": "…", "postal_code": "…", '
        f'"city": "…"}}}}: {exc}') from exc
# ---------------------------------------------------------------------------------------------

if REDIS_URL:
    # A cache outage degrades (misses, nothing stored, rate limits not enforced) instead of
    # answering 500; dead Redis costs a request at most 0.5 s (foundation/cache.py).
    CACHES = {"default": {"BACKEND": "foundation.cache.ResilientRedisCache", "LOCATION": REDIS_URL,
                          "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"}}
# Sessions only in the database, not cached_db: the cache degrades silently (foundation/cache.py), so a logout
# or an ended untrusted session whose cache delete failed during an outage would come back with Redis.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    # Django's and allauth's backends, reading a session's user with its roles and TOTP flag in one query
    # (accounts/backends.py).
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "home"
LOGIN_URL = "account_login"

# django-allauth: e-mail login, mandatory verification, rate-limited login, TOTP for staff.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_RATE_LIMITS = {"login_failed": "5/5m/ip,5/5m/key", "login": "30/m/ip", "signup": "20/m/ip"}
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{PORTAL['short_name']}] "  # every mail's subject (accounts.tasks too)
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"  # the portal's name and SITE_URL in allauth's mails
# Personal API keys (accounts.models.ApiToken): how long they may live, in days.
API_TOKEN_MAX_DAYS_STAFF = int(os.environ.get("API_TOKEN_MAX_DAYS_STAFF", "90"))
API_TOKEN_MAX_DAYS = int(os.environ.get("API_TOKEN_MAX_DAYS", "365"))
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]

# ---- Identity providers (issue 12; docs/integration.md "Anmeldung mit BundID …"): allauth's SAML provider
# for BundID (persons) and Mein Unternehmenskonto (organisations), its OpenID Connect provider for a
# Land's staff directory. Each provider is a SocialApp in the admin (Soziale Anwendungen) or an entry
# of SAML_PROVIDERS / OIDC_PROVIDERS (JSON lists in allauth's "APPS" shape). None is configured by
# default: the login page then shows only e-mail and password.
# A SAML or OIDC identity is linked to an existing account only from inside that account (the user
# logged in with password and, for staff, TOTP): never because an identity provider names the same
# e-mail address (accounts.adapter.SocialAccountAdapter refuses e-mail authentication outright).
SOCIALACCOUNT_ADAPTER = "accounts.adapter.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "mandatory"  # an address from an IdP is confirmed like any other
SOCIALACCOUNT_EMAIL_REQUIRED = True
SOCIALACCOUNT_LOGIN_ON_GET = False  # the login buttons POST (allauth's CSRF-safe default)
SOCIALACCOUNT_STORE_TOKENS = False


def _env_json_list(name: str) -> list:
    raw = os.environ.get(name, "").strip()
    try:
        value = json.loads(raw) if raw else []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise ValueError("not a list of objects")
    except ValueError as exc:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"{name} must be a JSON list of allauth app objects: {exc}") from exc
    return value


SOCIALACCOUNT_PROVIDERS = {
    # accounts.identity.PortalSAMLProvider: allauth's SAML provider plus the two preconfigured kinds,
    # metadata from a file or inline XML, the trust level, required attributes and replay protection.
    "saml": {"provider_class": "accounts.identity.PortalSAMLProvider", "APPS": _env_json_list("SAML_PROVIDERS")},
    "openid_connect": {"APPS": _env_json_list("OIDC_PROVIDERS")},
}
MFA_TOTP_ISSUER = PORTAL["short_name"]

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("Englisch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    # Temporary name, fsync, atomic rename; removed again if its transaction rolls back; a full
    # or read-only volume answers 503 with a clear message (foundation/storage.py).
    "default": {"BACKEND": "foundation.storage.SafeFileSystemStorage",
                "OPTIONS": {"location": MEDIA_ROOT, "base_url": None}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
                    if DEBUG else "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    # Private objects on S3-compatible storage; files are only served through the app's views.
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "default_acl": "private", "querystring_auth": True, "file_overwrite": False,
        },
    }
MAX_UPLOAD_MB = int(os.environ.get("MAX_UPLOAD_MB", "20"))
# Per application: how many attachments, and how large all of them together.
MAX_ATTACHMENTS = int(os.environ.get("MAX_ATTACHMENTS", "20"))
MAX_ATTACHMENTS_TOTAL_MB = int(os.environ.get("MAX_ATTACHMENTS_TOTAL_MB", "100"))
# A request body larger than one upload plus the form around it is refused before it is read
# (foundation.middleware.RequestSizeLimitMiddleware).
MAX_REQUEST_MB = MAX_UPLOAD_MB + 1
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = (MAX_UPLOAD_MB + 5) * 1024 * 1024

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "mails"))  # for the file backend (the demo)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"{PORTAL['short_name']} <foerderung@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: Redis as broker when REDIS_URL is set; otherwise tasks run in-process (demo).
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"  # a host named: kombu warns on every eager task otherwise
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Real faults (docs/operations.md): a task is acknowledged only after it ran (acks_late), and a
# worker child killed mid-task (OOM killer, SIGKILL) puts its message back in the queue instead
# of losing it. A whole worker lost: Redis hands its unacknowledged messages to another worker
# after the visibility timeout, which must be longer than the longest task (hard limit below)
# plus the longest retry countdown (config.celery.RETRY_BACKOFF_MAX), or tasks would run twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = 900
CELERY_TASK_SOFT_TIME_LIMIT = 840
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 1800,
    # A broker that does not answer fails a publish after seconds, not after TCP's minutes.
    "socket_connect_timeout": 5,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# On a lost broker connection, running tasks are NOT cancelled: they finish and mark their outbox
# row done; the message, whose acknowledgement could not reach the broker, is delivered again and
# finds the row done. Cancelling would cut a mail between "claimed" and "sent" and leave it for a
# person to decide (mails are sent at most once).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Recycle a worker child by its memory (WeasyPrint grows with every rendering), not after a
# few hundred tasks: most tasks are small mails, which would otherwise recycle the children
# that render PDFs many times a day. In KiB; checked after each task.
CELERY_WORKER_MAX_TASKS_PER_CHILD = 1000
CELERY_WORKER_MAX_MEMORY_PER_CHILD = 512_000
# A new child warms WeasyPrint before it reports ready (config/celery.py, about 1.4 s, more under load);
# Celery's default of 4 s would take a slow start for a dead child and start another, over and over.
CELERY_WORKER_PROC_ALIVE_TIMEOUT = 30
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Scheduled jobs, in Europe/Berlin (CELERY_TIMEZONE); the DatabaseScheduler copies them into its tables on start.
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    # Jobs that select what is due from the data run hourly: they are safe to repeat (reminders are
    # claimed with their mail in one transaction), and a missed minute costs an hour, not a day.
    "payments.finalize_due_notices": {"task": "payments.finalize_due_notices", "schedule": crontab(minute=5)},
    "payments.remind_proofs": {"task": "payments.remind_proofs", "schedule": crontab(minute=20)},
    "payments.remind_unpaid_disbursements": {"task": "payments.remind_unpaid_disbursements",
                                             "schedule": crontab(minute=35)},
    "grants.close_due_calls": {"task": "grants.close_due_calls", "schedule": crontab(minute="*/5")},
    "outbox.sweep": {"task": "outbox.sweep", "schedule": crontab(minute="*")},
    "downloads.expire": {"task": "downloads.expire", "schedule": crontab(minute=50)},
}
# "Meine Dokumente" (downloads/): a made document's file is kept this many days, then deleted (state "abgelaufen").
DOWNLOADS_KEEP_DAYS = int(os.environ.get("DOWNLOADS_KEEP_DAYS", "7"))
# The outbox (outbox/services.py): a handed-over row not done after the lease is handed over again;
# failures back off 1, 2, 4 … minutes up to an hour; after that many tries a row is shown as failed.
OUTBOX_LEASE_SECONDS = int(os.environ.get("OUTBOX_LEASE_SECONDS", "600"))
OUTBOX_MAX_BACKOFF_SECONDS = 3600
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "48"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.permissions.StaffHasMFA",
        "accounts.authentication.TokenScope",
    ],
    "DEFAULT_SCHEMA_CLASS": "foundation.api.ApiAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "foundation.paging.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "foundation.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": f"{PORTAL['short_name']} – Förderportal API",
    "DESCRIPTION": "Anträge, Formalprüfung und Status für Kommunen, Portale und Fachverfahren. Ein Feld, das "
                   "ein Endpunkt nicht kennt oder das nicht geändert werden kann, wird mit 400 abgelehnt, nie "
                   "stillschweigend übergangen.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The docstrings are notes for developers (in English, with the code's names); what the schema describes is written
    # for the API's users, in German: `extend_schema(description=…)`, `extend_schema_serializer(description=…)`, a
    # field's `help_text`.
    "DISABLE_DOCSTRING_DESCRIPTIONS": True,
    "ENUM_NAME_OVERRIDES": {
        "ApplicationStateEnum": "applications.enums.ApplicationState",
        "MembershipStateEnum": "accounts.enums.MembershipState",
        "CallStateEnum": "grants.enums.CallState",
        "MunicipalityKindEnum": "accounts.enums.MunicipalityKind",
        "TrustLevelEnum": "accounts.enums.TrustLevel",
        "AttachmentKindEnum": "applications.enums.AttachmentKind",
        "AffiliationKindEnum": "jury.enums.AffiliationKind",
        "DeclarationEnum": "jury.enums.Declaration",
        "ExclusionKindEnum": "jury.enums.ExclusionKind",
        "SheetStateEnum": "jury.enums.SheetState",
        "SessionStateEnum": "jury.enums.SessionState",
        "DecisionOutcomeEnum": "jury.enums.DecisionOutcome",
        "SessionDocumentKindEnum": "jury.models.SessionDocument.Kind",
        "DisbursementKindEnum": "payments.enums.DisbursementKind",
        "DisbursementStateEnum": "payments.enums.DisbursementState",
        "PaymentRunStateEnum": "payments.enums.PaymentRunState",
        "PaymentsDecisionKindEnum": "payments.enums.DecisionKind",
        "PaymentsDecisionStateEnum": "payments.enums.DecisionState",
        "GrantStateEnum": "payments.enums.GrantState",
        "NoticeKindEnum": "payments.enums.NoticeKind",
        "ProofKindEnum": "payments.enums.ProofKind",
        "ProofStateEnum": "payments.enums.ProofState",
        "RecoveryStateEnum": "payments.enums.RecoveryState",
        "SettlementOutcomeEnum": "payments.enums.SettlementOutcome",
    },
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
if DEMO_MODE and not DEBUG:
    # ---- The demo (scripts/demo) runs without DEBUG, like production, but on http://127.0.0.1 with
    # runserver: no HTTPS redirect or secure-only cookies, and WhiteNoise serves static files straight
    # from the finders (no collectstatic, no manifest). Its mails go to files (EMAIL_FILE_PATH).
    SECURE_SSL_REDIRECT = False
    SESSION_COOKIE_SECURE = False
    CSRF_COOKIE_SECURE = False
    SECURE_HSTS_SECONDS = 0
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = False
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost"]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): scripts only from this site, never inline (the API docs use
# drf-spectacular's split Swagger view for that reason). Inline style attributes are still allowed
# (the dashboard's bar widths); images may be data: URIs (the TOTP QR code).
from csp.constants import NONE, SELF, UNSAFE_INLINE  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Browser features this portal never uses (foundation.middleware.PrivatePagesMiddleware sends it).
PERMISSIONS_POLICY = ("accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), "
                      "fullscreen=(self), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
                      "midi=(), payment=(), picture-in-picture=(), publickey-credentials-get=(), "
                      "screen-wake-lock=(), usb=(), xr-spatial-tracking=()")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
