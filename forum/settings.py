"""Settings for Agora, read from the environment (twelve-factor).

With nothing set, the site runs in development: SQLite in ``db.sqlite3``,
local-memory cache, e-mail printed to the console. Production sets
``DEBUG=0``, a real ``SECRET_KEY``, ``DATABASE_URL``, ``REDIS_URL``,
``EMAIL_URL``, ``ALLOWED_HOSTS`` and ``SITE_URL``.
"""

import os
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from forum.dbpool import check_if_idle

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean; anything but a clear yes/no is a configuration error."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off: {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer: {raw!r}") from None


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """Read one of a fixed set of values, spelled exactly."""
    value = os.environ.get(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}: {value!r}")
    return value


def env_rate(name: str, default: str) -> str:
    """Read a rate limit as forum.ratelimit counts it: "count/seconds", both positive."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    # A zero or a typo would otherwise surface as a 500 on the first limited request.
    match = re.fullmatch(r"\s*([1-9][0-9]*)\s*/\s*([1-9][0-9]*)\s*", raw)
    if match is None:
        raise ImproperlyConfigured(
            f"{name} must read count/seconds, two positive integers (e.g. 10/600): {raw!r}"
        )
    return f"{match[1]}/{match[2]}"


def env_allauth_rates(name: str, default: str) -> str:
    """Read an allauth rate limit: "count/period/per", e.g. "20/m/ip" or "5/300s/key,30/h/ip"."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    # allauth only parses its limits on the first request it counts.
    rate = r"\s*[0-9]+/([0-9]+(\.[0-9]+)?)?[smhd](/(ip|key|user))?\s*"
    if re.fullmatch(rf"{rate}(,{rate})*", raw) is None:
        raise ImproperlyConfigured(
            f"{name} must read count/period/per, e.g. 20/m/ip or 5/300s/key: {raw!r}"
        )
    return raw.strip()


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def mailer_from_url(url: str) -> dict:
    """Turn ``EMAIL_URL`` (smtp://user:pass@host:587?tls=1, console://, locmem://) into a mailer."""
    parts = urlsplit(url)
    simple = {
        "console": "django.core.mail.backends.console.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
        "dummy": "django.core.mail.backends.dummy.EmailBackend",
    }
    if parts.scheme in simple:
        return {"BACKEND": simple[parts.scheme]}
    if parts.scheme not in {"smtp", "smtps"}:
        raise ImproperlyConfigured(f"EMAIL_URL scheme must be smtp, smtps or console: {url!r}")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    options = {
        "host": parts.hostname or "localhost",
        "port": parts.port or (465 if parts.scheme == "smtps" else 587),
        "username": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "use_ssl": parts.scheme == "smtps",
        "use_tls": parts.scheme == "smtp" and query.get("tls", "1") in _TRUE,
        "timeout": int(query.get("timeout", "10")),
    }
    return {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": options}


# --- Core -----------------------------------------------------------------

DEBUG = env_bool("DEBUG", True)
_DEV_SECRET = "dev-only-insecure-secret-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET if DEBUG else "")
# The rules of Django's own deploy check (security.W009): long, and not one character
# repeated ("x" * 50 is long and guessable).
if not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY == _DEV_SECRET):
    # A guessable key lets anyone forge sessions and password-reset links.
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random string of at least 50 characters, with at least "
        "5 different ones, when DEBUG is off."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [] if DEBUG else [SITE_URL])

INSTALLED_APPS = [
    "forum",
    "articles",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
]

MIDDLEWARE = [
    "forum.middleware.ProbesFirstMiddleware",  # /healthz and /livez, answered at once
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Pages compress to a seventh of their size. Django's, at a lighter level; each
    # compressed response is padded with random bytes (its BREACH mitigation), and the
    # CSRF token is masked on every page.
    "forum.middleware.GZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous readers' copies of article and question pages, before the rest.
    "forum.pagecache.SharedPagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "forum.sessions.AuthenticationMiddleware",  # Django's, the member read with the session
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "forum.middleware.ReadableMethodNotAllowedMiddleware",
    "forum.middleware.ServiceUnavailableMiddleware",
]

ROOT_URLCONF = "forum.urls"
CSRF_FAILURE_VIEW = "forum.views.site.csrf_failure"
# A question's page is its discussion, which the site (not the articles app) serves.
ABSOLUTE_URL_OVERRIDES = {
    "articles.question": lambda question: reverse(
        "forum:question", kwargs={"slug": question.article.slug, "question": question.slug}
    ),
}
WSGI_APPLICATION = "forum.wsgi.application"
AUTH_USER_MODEL = "forum.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
                "forum.context_processors.site",
                "forum.context_processors.moderation",
                "forum.context_processors.inbox",
            ],
        },
    },
]

# --- Data -----------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
# A read replica of it (streaming replication), for anonymous readers' pages when their
# shared copy must be made again (forum.replicas); unset, every query goes to DATABASE_URL.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")


PREPARE_AFTER_RUNS = 5  # psycopg's own default, which Django turns off (None)


def database(url: str) -> dict:
    settings = dj_database_url.parse(url, conn_health_checks=True)
    if settings["ENGINE"] == "django.db.backends.postgresql":
        # psycopg 3's pool keeps connections warm across requests in each worker;
        # it replaces CONN_MAX_AGE, which must stay 0 with a pool.
        settings["CONN_MAX_AGE"] = 0
        settings["OPTIONS"] = {
            "pool": {
                "min_size": env_int("DB_POOL_MIN", 2),
                "max_size": env_int("DB_POOL_MAX", 10),
                # Seconds a request waits for a connection: when the database is down, a
                # quick 503 (forum.middleware) rather than sync workers stalled for long.
                "timeout": env_int("DB_POOL_TIMEOUT", 1),
                # Checked before lending only after sitting idle (forum.dbpool); no
                # "reset" callback: with one, every return goes through a worker thread.
                "check": check_if_idle,
            },
            "connect_timeout": env_int("DB_CONNECT_TIMEOUT", 1),
            # Parameters sent apart from the statement, so that a statement run again
            # is the same text, which psycopg prepares on its connection after a few
            # runs: PostgreSQL then plans it once, not on every run. Planning was about
            # half of the database's work for the hot reads (its CPU for a vote: about
            # 1.8 → 1.1 ms; for a member's question page: 2.6 → 1.1 ms). Behind a
            # PgBouncer that cannot keep prepared statements (before 1.21, or with
            # max_prepared_statements at 0): DB_PREPARED_STATEMENTS=0.
            "server_side_binding": True,
            "prepare_threshold": (
                PREPARE_AFTER_RUNS if env_bool("DB_PREPARED_STATEMENTS", True) else None
            ),
        }
        # Behind PgBouncer in transaction mode, each transaction may run on another
        # server connection: a cursor kept open across them (QuerySet.iterator()) would
        # be lost. (Prepared statements are off already: Django's psycopg default.)
        settings["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("DB_PGBOUNCER", False)
    elif settings["ENGINE"] == "django.db.backends.sqlite3":
        # WAL and a busy timeout let the dev server and a task worker share the file.
        settings["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    return settings


DATABASES = {"default": database(DATABASE_URL)}
if DATABASE_REPLICA_URL:
    # In tests the replica is the test database itself, as replication would make it.
    DATABASES["replica"] = database(DATABASE_REPLICA_URL) | {"TEST": {"MIRROR": "default"}}
    DATABASE_ROUTERS = ["forum.replicas.ReplicaRouter"]

REDIS_URL = env_str("REDIS_URL")
# Without a shared cache each worker process counts rate limits on its own (three
# workers let three times the limit through): production refuses to start so, unless
# told it runs a single process.
if not DEBUG and not REDIS_URL and not env_bool("SINGLE_PROCESS", False):
    raise ImproperlyConfigured(
        "REDIS_URL is required when DEBUG is off: rate limits and the cache must be shared "
        "by every worker. (SINGLE_PROCESS=1 runs without it, for one process only.)"
    )
REDIS_TIMEOUT = 0.5  # seconds: a Redis that does not answer must not hold a page up
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis down is a cache miss, not an error (forum.cache).
            "BACKEND": "forum.cache.FailSafeRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT,
                "socket_timeout": REDIS_TIMEOUT,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            # Room for the rendered answers of a few large threads.
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    }

TASKS = {
    "default": {
        # Jobs live in the database, so e-mail survives a restart; in tests
        # and when TASKS_IMMEDIATE is set they run inline.
        "BACKEND": (
            "django.tasks.backends.immediate.ImmediateBackend"
            if env_bool("TASKS_IMMEDIATE", DEBUG)
            else "django_tasks_db.DatabaseBackend"
        ),
    }
}

# --- Accounts -------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
# URL names, not paths: reversed in the language of the page, so a reader who signs up,
# in or out from /en/ stays on English pages.
LOGIN_REDIRECT_URL = "articles:home"
ACCOUNT_LOGOUT_REDIRECT_URL = "articles:home"
ACCOUNT_LOGIN_METHODS = {"email"}
# The username is the public pseudonym shown on answers.
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_USERNAME_MIN_LENGTH = 3
ACCOUNT_PRESERVE_USERNAME_CASING = True
ACCOUNT_UNIQUE_EMAIL = True
# Members sign in once they have followed the link sent to their address. This is
# what keeps sign-up from telling whether an address has an account: a taken one gets
# the same "check your e-mail" page, and its owner a mail saying someone tried
# (allauth's ACCOUNT_PREVENT_ENUMERATION, on by default, needs it). Posting needs a
# verified address too (forum.rules), for members whose address changed since.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Agora] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
ACCOUNT_ADAPTER = "forum.accounts.AccountAdapter"
# allauth's forms with one label per field and no placeholder (forum.forms_accounts).
ACCOUNT_FORMS = {
    "login": "forum.forms_accounts.LoginForm",
    "signup": "forum.forms_accounts.SignupForm",
    "add_email": "forum.forms_accounts.AddEmailForm",
    "change_password": "forum.forms_accounts.ChangePasswordForm",
    "set_password": "forum.forms_accounts.SetPasswordForm",
    "reset_password": "forum.forms_accounts.ResetPasswordForm",
    "reset_password_from_key": "forum.forms_accounts.ResetPasswordKeyForm",
    "reauthenticate": "forum.forms_accounts.ReauthenticateForm",
}
MFA_FORMS = {
    "authenticate": "forum.forms_accounts.AuthenticateForm",
    "reauthenticate": "forum.forms_accounts.MfaReauthenticateForm",
    "activate_totp": "forum.forms_accounts.ActivateTOTPForm",
}
# allauth keeps its rate limits in the cache: Redis in production, so every
# worker counts the same attempts.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/300s/key",
    "signup": env_allauth_rates("RATE_LIMIT_SIGNUP", "20/m/ip"),
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Agora"

# --- E-mail ---------------------------------------------------------------

MAILERS = {"default": mailer_from_url(env_str("EMAIL_URL", "console://"))}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Agora <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Language and time ----------------------------------------------------

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Paris"
USE_TZ = True

# --- Static files ---------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
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

# --- Security -------------------------------------------------------------

SECURE_CSP = {
    "default-src": [CSP.SELF],
    # Files from this site only, none inline: no nonce, so a page holds no per-response
    # secret and anonymous readers can share one copy (forum.pagecache).
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],  # data: for the QR code of two-factor set-up
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Sessions live in the database only: a session cached in Redis would survive a
# sign-out made while Redis was down, and per-worker caches would each keep their own.
# Django's database sessions, with the member beside the data: read together (forum.sessions).
SESSION_ENGINE = "forum.sessions"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Load balancers probe /healthz and /livez over plain HTTP, by address: those are
    # answered before this redirect and the host check (forum.middleware.ProbesFirstMiddleware).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Refusals (403, 404, 405, 429) are the site working as meant, not errors: Django
    # logs each with its traceback as a warning, which buries real errors.
    "loggers": {
        # Django's own console handler (under DEBUG) would print each line a second time.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.request": {"level": "ERROR"},
    },
}

# --- Discussions ----------------------------------------------------------

# The values of articles.models.Article.DiscussionPolicy, restated because settings
# load before models (tests/forum/test_settings.py keeps the two equal).
DISCUSSION_POLICIES = ("post", "pre-new", "pre-all")
# "post" (answers appear at once), "pre-new" or "pre-all"; each article can override it.
DEFAULT_DISCUSSION_POLICY = env_choice("DEFAULT_DISCUSSION_POLICY", "post", DISCUSSION_POLICIES)

# An author may edit for this long, or longer while nobody has replied.
ANSWER_EDIT_WINDOW = timedelta(minutes=env_int("ANSWER_EDIT_MINUTES", 15))
ANSWER_EDIT_WINDOW_UNANSWERED = timedelta(hours=env_int("ANSWER_EDIT_UNANSWERED_HOURS", 24))
ANSWER_MAX_LENGTH = env_int("ANSWER_MAX_LENGTH", 10_000)  # about two pages of text
ANSWER_MIN_LENGTH = 2
# Bots fill forms in milliseconds; people take a few seconds at least.
ANSWER_MIN_FILL_SECONDS = env_int("ANSWER_MIN_FILL_SECONDS", 3)
ANSWERS_PER_PAGE = env_int("ANSWERS_PER_PAGE", 20)  # top-level answers, with all their replies
# How long anonymous readers may share one copy of an article's or a question's page at
# most (forum.pagecache; any change to what it shows ends it at once). 0: no copies.
ANONYMOUS_PAGE_SECONDS = env_int("ANONYMOUS_PAGE_SECONDS", 300)
# "count/seconds" per member and per IP address, for answers and replies together.
RATE_LIMIT_ANSWER_MEMBER = env_rate("RATE_LIMIT_ANSWER_MEMBER", "10/600")
RATE_LIMIT_ANSWER_IP = env_rate("RATE_LIMIT_ANSWER_IP", "30/600")
# Scores of answers younger than this are hidden (but counted) so early votes do not herd.
SCORE_HIDDEN_FOR = timedelta(minutes=env_int("SCORE_HIDDEN_MINUTES", 60))
RATE_LIMIT_VOTE_MEMBER = env_rate("RATE_LIMIT_VOTE_MEMBER", "60/60")
RATE_LIMIT_PREVIEW = env_rate("RATE_LIMIT_PREVIEW", "120/60")  # live previews per member
RATE_LIMIT_VOTE_IP = env_rate("RATE_LIMIT_VOTE_IP", "300/60")

# --- Moderation -------------------------------------------------------------
# A flag weighs 1 from a new member (forum.moderation.trust), 3 from a member with at least
# FLAG_TRUSTED_UPHELD upheld flags (and twice as many upheld as dismissed), else 2.
FLAG_TRUSTED_UPHELD = env_int("FLAG_TRUSTED_UPHELD", 3)
# Once its open flags weigh this much, an answer is hidden until a moderator decides:
# three established members, two trusted ones, or six new accounts.
FLAG_HIDE_WEIGHT = env_int("FLAG_HIDE_WEIGHT", 6)
RATE_LIMIT_FLAG_MEMBER = env_rate("RATE_LIMIT_FLAG_MEMBER", "20/3600")
RATE_LIMIT_FLAG_IP = env_rate("RATE_LIMIT_FLAG_IP", "60/3600")
# The public log names the moderator who decided, or says "the moderation team".
MODERATION_LOG_NAMES_MODERATORS = env_bool("MODERATION_LOG_NAMES_MODERATORS", False)
# Trust levels, from what a member did: "new" until both thresholds of "member" are met,
# "trusted" past both of its own; an upheld flag against them or a sanction within
# TRUST_MEMORY_DAYS keeps them at "new". Under the "pre-new" policy answers from "new"
# members wait for review, and so do links from members below TRUST_LINKS_LEVEL.
TRUST_MEMBER_ANSWERS = env_int("TRUST_MEMBER_ANSWERS", 3)  # approved (published) answers
TRUST_MEMBER_DAYS = env_int("TRUST_MEMBER_DAYS", 7)  # account age
TRUST_TRUSTED_ANSWERS = env_int("TRUST_TRUSTED_ANSWERS", 20)
TRUST_TRUSTED_DAYS = env_int("TRUST_TRUSTED_DAYS", 90)
TRUST_MEMORY_DAYS = env_int("TRUST_MEMORY_DAYS", 90)
TRUST_LINKS_LEVEL = env_choice("TRUST_LINKS_LEVEL", "member", ("new", "member", "trusted"))
# Appeals (DSA art. 20) are open this long after the decision.
APPEAL_WINDOW = timedelta(days=env_int("APPEAL_WINDOW_DAYS", 183))
RATE_LIMIT_NOTICE_IP = env_rate("RATE_LIMIT_NOTICE_IP", "10/3600")
# Heat control: after posting in a thread that carries open flags, a member waits this long
# before posting in it again.
HEAT_WAIT = timedelta(minutes=env_int("HEAT_WAIT_MINUTES", 2))

# --- Notifications --------------------------------------------------------

# The daily digest goes out at this time of the site's TIME_ZONE (HH:MM), through the task
# worker (`manage.py db_worker`); `manage.py send_digests` sends it by hand.
NOTIFICATION_DIGEST_TIME = env_str("NOTIFICATION_DIGEST_TIME", "07:00")
if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", NOTIFICATION_DIGEST_TIME):
    raise ImproperlyConfigured(
        f"NOTIFICATION_DIGEST_TIME must be HH:MM (24-hour clock): {NOTIFICATION_DIGEST_TIME!r}"
    )
