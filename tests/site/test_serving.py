"""Serving: /healthz, gunicorn with the checked-in config and its log lines, WhiteNoise's
far-future caching of hashed static files, and media served by Django in development only."""

import http.client
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.test import Client, override_settings

from tests.ops.servers import free_port
from tests.production import PROJECT, STRONG_KEY, clean_env, python

NO_STORE = "max-age=0, no-cache, no-store, must-revalidate, private"
# Nothing listens on port 1.
DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}
# The real Redis of the test machine; a database number of this file's own.
LIVE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/14",
        "KEY_PREFIX": "test-serving",
    }
}


# --- /healthz --------------------------------------------------------------------------------


def test_healthz_answers_ok_when_the_database_and_cache_answer(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"database": "ok", "cache": "ok"}
    assert response["Cache-Control"] == NO_STORE


@override_settings(CACHES=LIVE_REDIS)
def test_healthz_with_a_real_redis(client, db):
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"database": "ok", "cache": "ok"})


@override_settings(CACHES=DEAD_REDIS)
def test_healthz_names_the_cache_when_redis_does_not_answer(client, db, caplog):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "cache": "failing"}
    assert response["Cache-Control"] == NO_STORE
    messages = [r.getMessage() for r in caplog.records if r.name == "articles.healthz"]
    assert messages == ["healthz: the cache does not answer"]


def test_healthz_head_and_post(client, db):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


HEALTHZ_IN_PRODUCTION = (
    "from django.test import Client\n"
    "r = Client().get('/healthz', HTTP_HOST='localhost')\n"
    "print('RESULT', r.status_code, r.content.decode(), r['Cache-Control'])\n"
)


@pytest.mark.parametrize(
    "database_url",
    [
        "postgres://postgres@127.0.0.1:1/nothing",  # nothing listens there
        "sqlite:////nonexistent-directory/newsroom.sqlite3",  # cannot be opened
    ],
    ids=["postgresql", "sqlite"],
)
def test_healthz_names_the_database_when_it_does_not_answer(database_url):
    # The production settings in a subprocess: a database that fails from the first connection,
    # over plain HTTP (healthz is exempt from the HTTPS redirect).
    result = python(
        HEALTHZ_IN_PRODUCTION,
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="localhost",
        DATABASE_URL=database_url,
    )
    results = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    assert results == [f'RESULT 503 {{"database": "failing", "cache": "ok"}} {NO_STORE}'], (
        result.stdout + result.stderr
    )


# --- gunicorn --------------------------------------------------------------------------------

ACCESS_LINE = re.compile(
    r'\[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] access 127\.0\.0\.1 "(?P<request>[^"]*)" '
    r'(?P<status>\d{3}) (?P<bytes>\d+|-) \d+ms for="(?P<for>[^"]*)" ref="-" ua="(?P<ua>[^"]*)"'
)
LOG_LINE = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} (?P<level>[A-Z]+) (?P<logger>[\w.]+) (?P<message>.*)"
)


def fetch(url, path, **headers):
    """GET path from the server at url as it answers (redirects are not followed)."""
    connection = http.client.HTTPConnection(urlsplit(url).netloc, timeout=30)
    try:
        connection.request("GET", path, headers={"Host": "localhost", **headers})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.fixture
def gunicorn(tmp_path):
    """gunicorn with deploy/gunicorn.conf.py and the production settings, on a free port, with
    a database that cannot be opened (so /healthz logs an error); yields (base URL, process)."""
    port = free_port()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            str(PROJECT / "deploy/gunicorn.conf.py"),
        ],
        env=clean_env(
            SECRET_KEY=STRONG_KEY,
            ALLOWED_HOSTS="localhost",
            DATABASE_URL="sqlite:////nonexistent-directory/newsroom.sqlite3",
            GUNICORN_BIND=f"127.0.0.1:{port}",
            GUNICORN_WORKERS="2",
            STATIC_ROOT=tmp_path,
        ),
        cwd="/",  # the config finds the project itself
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if process.poll() is not None:
                break
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=60)


def test_gunicorn_logs_one_line_per_request_and_one_record_per_error_to_stdout(gunicorn):
    url, process = gunicorn
    assert (
        fetch(url, "/healthz", **{"User-Agent": "probe/1", "X-Forwarded-For": "203.0.113.7"})[0]
        == 503
    )
    status, _ = fetch(url, "/robots.txt", **{"User-Agent": "probe/2"})
    assert status == 301  # HTTPS by default: the redirect, with its own access line
    process.terminate()
    # gunicorn gives its workers up to graceful_timeout (30 s) to finish: wait longer than that
    # (a loaded CI machine once took the whole 30 s for one worker, and this wait ran out first).
    stdout, stderr = process.communicate(timeout=60)

    assert stderr == ""
    lines = stdout.splitlines()
    access = [m.groupdict() for line in lines if (m := ACCESS_LINE.fullmatch(line))]
    assert [(a["request"], a["status"], a["for"], a["ua"]) for a in access] == [
        ("GET /healthz HTTP/1.1", "503", "203.0.113.7", "probe/1"),
        ("GET /robots.txt HTTP/1.1", "301", "-", "probe/2"),
    ]
    records = [m.groupdict() for line in lines if (m := LOG_LINE.fullmatch(line))]
    assert [
        (r["level"], r["logger"], r["message"])
        for r in records
        if r["logger"] in ("articles.healthz", "django.request")
    ] == [
        ("ERROR", "articles.healthz", "healthz: the database does not answer"),
        ("ERROR", "django.request", "Service Unavailable: /healthz"),
    ]
    # The healthz record carries its traceback on the lines after it.
    first = next(n for n, line in enumerate(lines) if "healthz: the database" in line)
    assert lines[first + 1] == "Traceback (most recent call last):"
    assert "unable to open database file" in stdout
    # gunicorn's own messages are on stdout too.
    assert any(line.endswith(f"[INFO] Listening at: {url} ({process.pid})") for line in lines)


def test_the_gunicorn_config_reads_workers_and_bind_from_the_environment():
    show = (
        "import runpy; c = runpy.run_path('deploy/gunicorn.conf.py'); "
        "print(c['bind'], c['workers'], c['accesslog'], c['errorlog'], c['wsgi_app'])"
    )

    def config(**variables):
        result = subprocess.run(
            [sys.executable, "-c", show],
            env=clean_env(**variables),
            cwd=PROJECT,
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.strip()

    import multiprocessing

    default_workers = 2 * multiprocessing.cpu_count() + 1
    assert config() == (
        f"['127.0.0.1:8000'] {default_workers} - /dev/stdout newsroom.wsgi:application"
    )
    assert config(GUNICORN_BIND="0.0.0.0:9000, unix:/run/newsroom.sock", GUNICORN_WORKERS="3") == (
        "['0.0.0.0:9000', 'unix:/run/newsroom.sock'] 3 - /dev/stdout newsroom.wsgi:application"
    )


# --- Static files ----------------------------------------------------------------------------

PRODUCTION_STATIC = {
    "default": {"BACKEND": "articles.uploads.GeneratedNameStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


@pytest.fixture(scope="module")
def collected(tmp_path_factory, django_db_blocker):
    """collectstatic with the production storage (hashed names, compressed copies)."""
    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=root, STORAGES=PRODUCTION_STATIC):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield root


def test_hashed_static_files_are_cached_for_ten_years(collected, client, db):
    with override_settings(STATIC_ROOT=collected, STORAGES=PRODUCTION_STATIC):
        url = staticfiles_storage.url("css/site.css")
        assert re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css", url)
        assert url in client.get("/").content.decode()  # pages link the hashed name

        response = Client().get(url, HTTP_ACCEPT_ENCODING="gzip")
        assert response.status_code == 200
        assert response["Cache-Control"] == "max-age=315360000, public, immutable"
        assert response["Content-Encoding"] == "gzip"
        assert response["Vary"] == "Accept-Encoding"
        # WhiteNoise answers inside the header middlewares: static files carry them too.
        assert response["X-Content-Type-Options"] == "nosniff"
        page_policy = client.get("/")["Content-Security-Policy"]
        assert response["Content-Security-Policy"] == page_policy
        assert response["X-Frame-Options"] == "DENY"

        unhashed = Client().get("/static/css/site.css")
        assert unhashed.status_code == 200
        assert unhashed["Cache-Control"] == "max-age=60, public"


def test_collectstatic_writes_compressed_copies(collected):
    hashed = next(collected.glob("css/site.*.css"))
    assert hashed.with_name(hashed.name + ".gz").is_file()


# --- Media -----------------------------------------------------------------------------------

# (The 404 page links static files: without collectstatic, by their plain names.)
MEDIA_REQUEST = (
    "from django.core.management import call_command\n"
    "from django.test import Client, override_settings\n"
    "call_command('migrate', verbosity=0)\n"
    "plain = {'BACKEND': 'django.contrib.staticfiles.storage.StaticFilesStorage'}\n"
    "with override_settings(STORAGES={'staticfiles': plain, 'default': plain}):\n"
    "    r = Client().get('/media/captions/photo.png', HTTP_HOST='localhost', secure=True)\n"
    "print('RESULT', r.status_code, b''.join(r).decode() if r.status_code == 200 else '')\n"
)


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({}, "RESULT 404 "),
        ({"SERVE_MEDIA": "false", "DEBUG": "true"}, "RESULT 404 "),
        ({"SERVE_MEDIA": "true"}, "RESULT 200 not really a photo"),
        ({"DEBUG": "true"}, "RESULT 200 not really a photo"),
    ],
    ids=["production", "debug-but-off", "switched-on", "debug"],
)
def test_media_are_served_by_django_only_when_serve_media_is_on(tmp_path, variables, expected):
    (tmp_path / "captions").mkdir()
    (tmp_path / "captions" / "photo.png").write_text("not really a photo")
    result = python(
        MEDIA_REQUEST,
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="localhost",
        DATABASE_URL="sqlite://:memory:",
        MEDIA_ROOT=tmp_path,
        **variables,
    )
    results = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    assert results == [expected], result.stdout + result.stderr
