"""Newsroom settings, read from the environment (and an optional `.env` file) by django-environ.

Every variable is documented in `.env.example`. Defaults are safe: DEBUG is off, HTTPS-only
behaviour is on, the database is a SQLite file under `var/`, and a missing or weak SECRET_KEY
is refused unless DEBUG is on.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from articles.reader.text_size import INIT_SCRIPT_CSP
from newsroom.security import secret_key_problem

PACKAGE_DIR = Path(__file__).resolve().parent
# A wheel carries the templates and static sources inside this package (pyproject.toml maps them
# there); a checkout has them at its top level.
INSTALLED_FROM_WHEEL = (PACKAGE_DIR / "templates").is_dir()
ASSETS_DIR = PACKAGE_DIR if INSTALLED_FROM_WHEEL else PACKAGE_DIR.parent
# The site's own files (.env, var/ with the SQLite database, static files and media): the
# checkout; for an installed wheel, NEWSROOM_HOME or else the directory the command runs in.
BASE_DIR = (
    Path(os.environ.get("NEWSROOM_HOME") or Path.cwd()).resolve()
    if INSTALLED_FROM_WHEEL
    else PACKAGE_DIR.parent
)

env = environ.Env()
# The environment wins over the file. ENV_FILE names another file; ENV_FILE= (empty) reads none.
if env_file := os.environ.get("ENV_FILE", str(BASE_DIR / ".env")):
    environ.Env.read_env(env_file, overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not DEBUG and (problem := secret_key_problem(SECRET_KEY)):
    raise ImproperlyConfigured(
        f"{problem}. Set SECRET_KEY to a long random string of your own in the environment or "
        "in .env (python -c 'import secrets; print(secrets.token_urlsafe(50))'; see "
        ".env.example), or set DEBUG=true for a local development run."
    )
if not SECRET_KEY:
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

# --- HTTPS -----------------------------------------------------------------------------------
# On by default; a plain-HTTP local run turns off each with the variable of the same name
# (scripts/run writes the three =False lines into .env).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
# Load balancers probe over plain HTTP (patterns match the path without its leading slash).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# A year; browsers then refuse plain HTTP for the site (and its subdomains) for that long.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Asking browsers to build the site into their HTTPS-only lists is the operator's decision:
# off unless set, and the deploy check's reminder about it (security.W021) is silenced.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Behind a proxy that terminates TLS, the header it sets to say the request came over HTTPS:
# SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https. Unset (the default), no header is
# trusted. Set it only if the proxy always sets or strips that header.
SECURE_PROXY_SSL_HEADER = env.tuple("SECURE_PROXY_SSL_HEADER", default=None) or None
if SECURE_PROXY_SSL_HEADER is not None and len(SECURE_PROXY_SSL_HEADER) != 2:
    raise ImproperlyConfigured(
        "SECURE_PROXY_SSL_HEADER must be a header and its value, "
        "e.g. SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https"
    )

# --- Cookies and headers ---------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
# The admin and the body editor read the token from the form, never from the cookie.
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# No inline code and nothing from another host; the one inline script (text_size.INIT_SCRIPT,
# applying the reader's text size before the first paint) is allowed by its hash.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, INIT_SCRIPT_CSP],
        "style-src": [SELF],
        "img-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sitemaps",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "simple_history",
    "csp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "articles",
]

MIDDLEWARE = [
    # First: a page in the cache goes out with the headers the whole stack gave it when it was
    # rendered, without running the stack again (an unknown Host or a plain-HTTP request that
    # must be redirected is never in the cache, and goes on to be refused or redirected).
    "articles.reader.page_cache.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The headers go on every response, WhiteNoise's too (and the page cache keeps them).
    "csp.middleware.CSPMiddleware",
    "newsroom.security.PermissionsPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # An unknown Host gets 400 before WhiteNoise can answer.
    "newsroom.security.HostValidationMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # A database that does not answer: the 503 page with Retry-After (newsroom/unavailable.py).
    "newsroom.unavailable.DatabaseUnavailableMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# --- Admin login throttling (django-axes) ----------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "newsroom.login_throttle.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five failed logins for one user name from one address lock that pair out for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "newsroom.login_throttle.lockout_response"
AXES_CLIENT_IP_CALLABLE = "newsroom.login_throttle.client_ip"

ROOT_URLCONF = "newsroom.urls"

# Readers' pages are Jinja2 templates (templates/jinja2/, newsroom/jinja2.py): a page renders in
# a fraction of the time of Django's template language. Django looks templates up engine by
# engine in this order, so the admin's and the sitemaps' names (not in templates/jinja2/) fall
# through to Django's templates below.
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [ASSETS_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "newsroom.jinja2.environment",
            "autoescape": True,
            # The request is always there (Django's Jinja2 backend adds it).
            "context_processors": ["newsroom.jinja2.reader"],
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [ASSETS_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "articles.reader.context_processors.reader",
            ],
        },
    },
]

WSGI_APPLICATION = "newsroom.wsgi.application"

DEFAULT_DATABASE = BASE_DIR / "var" / "newsroom.sqlite3"
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{DEFAULT_DATABASE}")}
if DATABASES["default"]["NAME"] == str(DEFAULT_DATABASE):
    # SQLite makes the file, not its folder: a new site (a wheel run in an empty directory) has none.
    DEFAULT_DATABASE.parent.mkdir(parents=True, exist_ok=True)
# Persistent connections, checked before each request reuses them, so a database restart
# costs the first request nothing (a new connection for every request would be a large part
# of each uncached page's time; figures in docs/benchmarks.md, "Measurements behind the code").
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=600))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
# PostgreSQL through Django's backend with a health check that polls the socket before it
# sends `SELECT 1` (newsroom/db/postgresql/base.py).
POSTGRESQL_ENGINE = "newsroom.db.postgresql"
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = POSTGRESQL_ENGINE
# The readers' queries (articles/reader/fast/queries.py) are prepared once per PostgreSQL
# connection. False behind a pooler that shares server connections between clients
# (PgBouncer in transaction or statement pooling mode), where a prepared statement may be gone.
READER_PREPARED_STATEMENTS = env.bool("READER_PREPARED_STATEMENTS", default=True)
# The readers' speed-ups, behind one switch (articles/reader/sources.py, and
# articles/reader/fast/README.md for what they rely on): the hand-written SQL of
# articles/reader/fast/, the Jinja2 globals in a plain dict, one Redis client per pool. False:
# plain ORM querysets and Django's and Jinja2's own behaviour; the same pages, more queries.
READER_FAST_QUERIES = env.bool("READER_FAST_QUERIES", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Take the write lock when a transaction starts, so two concurrent writers queue up
    # instead of failing with "database is locked" half-way through.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("transaction_mode", "IMMEDIATE")
# The largest request body Django reads into memory (a form POST): an article at the body
# limit (Article: 250 KB of UTF-8, which a form sends percent-encoded, up to three times
# longer) with its captions fits, so an over-long one gets the form's message, not a 400.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# How long a serving process waits for PostgreSQL, for each connection attempt and each query
# (seconds; 0: no limit): a hung database gives readers the 503 page in that time instead of
# a worker killed by gunicorn's timeout (newsroom/db/postgresql/deadline.py). Commands (a
# long migration, an import) have no such limit.
DATABASE_QUERY_TIMEOUT = env.float("DATABASE_QUERY_TIMEOUT", default=5.0)
# How long (milliseconds; 0: no limit) each statement of a reader's search may run on
# PostgreSQL before the server cancels it and the reader gets the 503 page (articles.search):
# well under DATABASE_QUERY_TIMEOUT, so the server stops the work instead of the client
# walking away from it.
SEARCH_TIMEOUT_MS = env.int("SEARCH_TIMEOUT_MS", default=2000)
# A read replica (optional, PostgreSQL): readers' pages read from it, the admin, writes and
# everything else use the primary (newsroom/routers.py, docs/operations.md). Unset: no router.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"].setdefault("CONN_MAX_AGE", DATABASES["default"]["CONN_MAX_AGE"])
    DATABASES["replica"].setdefault("CONN_HEALTH_CHECKS", True)
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["replica"]["ENGINE"] = POSTGRESQL_ENGINE
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # tests read their own database
    DATABASE_ROUTERS = ["newsroom.routers.ReplicaRouter"]
    MIDDLEWARE.append("newsroom.routers.ReplicaReadsMiddleware")
if READER_PREPARED_STATEMENTS:
    # Prepared statements run with the plan made for them once (a "generic" plan). Left to
    # choose (plan_cache_mode=auto), PostgreSQL planned the list statements again on every
    # execution: their LIMIT is a parameter, so the generic plan's estimate looked costly
    # beside a plan for LIMIT 20, although it is the same plan (planning again was a
    # noticeable part of the home page). Only prepared statements follow this setting: the
    # ORM's are not prepared.
    for database in DATABASES.values():
        if database["ENGINE"] == POSTGRESQL_ENGINE:
            options = database.setdefault("OPTIONS", {})
            given = options.get("options", "")
            options["options"] = f"{given} -c plan_cache_mode=force_generic_plan".strip()

# The cache: Redis in production (CACHE_URL=redis://127.0.0.1:6379/1, Django's own
# RedisCache), this process's memory by default.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://newsroom")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # The same, one client per connection pool (newsroom/redis_cache.py).
    CACHES["default"]["BACKEND"] = "newsroom.redis_cache.RedisCache"
    # A Redis that hangs must not hang pages: give up after half a second (the page cache then
    # serves from the database and leaves the cache alone for a few seconds).
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    )
# How long shared caches (the nginx micro-cache, a CDN) may serve a public page without asking
# Django again: the most an edit can take to reach readers.
PUBLIC_CACHE_SECONDS = env.int("PUBLIC_CACHE_SECONDS", default=10)
# Readers' pages served from CACHES (articles.reader.page_cache). On by default with a CACHE_URL: the
# cache must be shared by every server process, since a change made in one must reach all
# (a process-memory cache cannot tell the other workers). PAGE_CACHE_ENABLED=False measures
# rendering.
PAGE_CACHE_ENABLED = env.bool("PAGE_CACHE_ENABLED", default=bool(env.str("CACHE_URL", default="")))
# How often (seconds) each process looks in the database for a page-cache invalidation that
# another process owes (it could not reach the cache when its change committed): at most this
# long, once the cache is back, before no process serves a page from before that change.
PAGE_CACHE_DEBT_CHECK = env.float("PAGE_CACHE_DEBT_CHECK", default=2.0)
# X-Page-Cache: miss/hit on the pages the page cache stored or served, to see what it does.
# Off by default in production: nginx's micro-cache parses every header of a cached page on
# each hit, and each one costs it a measurable part of its rate (docs/benchmarks.md,
# "Measurements behind the code").
PAGE_CACHE_STATUS_HEADER = env.bool("PAGE_CACHE_STATUS_HEADER", default=DEBUG)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
STATICFILES_DIRS = [ASSETS_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
# Uploaded media are served by Django only when this is on (development); in production the
# web server in front serves MEDIA_ROOT.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=DEBUG)

STORAGES = {
    # Uploads are stored under generated names (articles/uploads.py).
    "default": {"BACKEND": "articles.uploads.GeneratedNameStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "/admin/"

# The publication's name: page titles, feeds, the publisher in metadata and news sitemaps.
SITE_NAME = env.str("SITE_NAME", default="Newsroom")

# `manage.py ingest` refuses, by name, a file larger than this (bytes), before reading it: an
# agency file is a few hundred kilobytes, and a file is held in memory whole while imported.
INGEST_MAX_FILE_BYTES = env.int("INGEST_MAX_FILE_BYTES", default=20 * 1024 * 1024)

# --- Fetching agency pictures (articles/photos/downloader.py) ---------------------------------
# Networks that pictures may be fetched from although they are not on the public internet
# (comma-separated, e.g. 10.20.0.0/16 for a wire server on the office network). Empty by
# default: loopback, private, link-local, carrier-grade NAT and reserved addresses are refused,
# so an address sent from outside cannot reach our own machines. The cloud metadata addresses
# (169.254.169.254, fd00:ec2::254, ...) are refused even when listed.
PHOTO_FETCH_ALLOWED_NETWORKS = env.list("PHOTO_FETCH_ALLOWED_NETWORKS", default=[])
# Redirects followed (each new address checked again); one more is refused.
PHOTO_FETCH_MAX_REDIRECTS = env.int("PHOTO_FETCH_MAX_REDIRECTS", default=3)
# The largest picture fetched (bytes): refused on its Content-Length, or as soon as more
# arrives. The whole file is held in memory while it is checked.
PHOTO_FETCH_MAX_BYTES = env.int("PHOTO_FETCH_MAX_BYTES", default=40 * 1024 * 1024)
# Seconds to wait for the connection, and for each piece of the answer.
PHOTO_FETCH_TIMEOUT = env.float("PHOTO_FETCH_TIMEOUT", default=20.0)
# Seconds for the whole fetch, redirects included: a server sending a byte now and then, each
# within PHOTO_FETCH_TIMEOUT, is cut off here.
PHOTO_FETCH_TOTAL_TIMEOUT = env.float("PHOTO_FETCH_TOTAL_TIMEOUT", default=60.0)
# The most pixels (width x height) a fetched picture may have, checked before it is decoded: a
# small file can decode to gigabytes ("decompression bomb"; 100 megapixels decode to 300-400 MB).
# Pillow refuses by itself above about 179 megapixels, whatever this says.
PHOTO_MAX_PIXELS = env.int("PHOTO_MAX_PIXELS", default=100_000_000)
# How many times in all the queue fetches a picture (articles/photos/tasks.fetch_photo) when the
# refusal may pass (a time-out, a connection failure, a 5xx or 429 answer), waiting 1, 4, 16
# minutes and then an hour between attempts; a permanent refusal is not tried again.
PHOTO_FETCH_ATTEMPTS = env.int("PHOTO_FETCH_ATTEMPTS", default=5)

# --- The task queue (django-tasks, stored in the database by django-tasks-db) ---------------
# Work that must not hold up a request (a photo's renditions: articles/photos/tasks.py) is
# queued here and run by `manage.py db_worker --queue-name photos`, next to gunicorn.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "photos"],
    }
}

# --- Logs --------------------------------------------------------------------------------------
# Everything to stdout, one record per event, each starting with time, level and logger, so an
# operator can grep them (gunicorn adds its one line per request: deploy/gunicorn.conf.py).
# A failed request is one django.request ERROR record carrying its traceback. WARNING and up by
# default, so a management command's output stays its own.
LOG_LEVEL = env.str("LOG_LEVEL", default="WARNING")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {
            "format": "{asctime} {levelname} {name} {message}",
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
            "style": "{",
        },
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "line",
            "level": LOG_LEVEL,
        },
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    # Django's own loggers pass their records up to the root's handler, and print nothing twice.
    "loggers": {"django": {"handlers": [], "propagate": True}},
}
