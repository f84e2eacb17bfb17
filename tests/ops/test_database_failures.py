"""PostgreSQL restarted: the first request afterwards succeeds, with no restart of the app.
PostgreSQL down: the site's own 503 page with Retry-After, never a traceback; /healthz names
the database; everything works again as soon as the database is back.

Django's test client hides these failures (it runs in the test's own connection); so the site
runs under gunicorn, with one worker and one thread: every request goes through the same
persistent connection (CONN_MAX_AGE), which the restart breaks.
"""

import pytest
from django.template.loader import render_to_string

from newsroom.unavailable import RETRY_AFTER

from .conftest import ADMIN_PASSWORD, ADMIN_USERNAME, ARTICLE_PATH, HEADLINE, UNCACHED
from .web import Client, headline

pytestmark = pytest.mark.ops

UNAVAILABLE_TEXT = "Newsroom cannot show this page right now."


def site_connections(postgres, database: str) -> list[int]:
    """Server process ids of the connections open to the test's database (the site's)."""
    rows = postgres.sql(
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'",
        (database,),
    )
    return [pid for (pid,) in rows]


def booted_workers(site) -> int:
    return site.log_text().count("Booting worker")


def test_first_request_after_a_postgresql_restart_succeeds(postgres, database, app_server):
    # No page cache in the way: every request reads the database.
    site = app_server(database_url=postgres.url(database), **UNCACHED)
    reader = Client()
    url = site.url + ARTICLE_PATH

    before = reader.get(url)
    assert before.status == 200
    assert headline(before.text) == HEADLINE
    # The connection outlives the request (CONN_MAX_AGE from a URL-configured database).
    (connection_before,) = site_connections(postgres, database)
    workers = booted_workers(site)
    assert workers == 1

    postgres.restart()
    assert site_connections(postgres, database) == []  # the site's connection is gone

    after = reader.get(url)
    assert after.status == 200, after.text[:2000]
    assert headline(after.text) == HEADLINE
    (connection_after,) = site_connections(postgres, database)
    assert connection_after != connection_before
    # The same worker served it: no restart of the app.
    assert booted_workers(site) == workers
    assert site.process.poll() is None


def test_database_down_answers_503_with_the_site_page_and_recovers(
    postgres, database, redis_server, app_server
):
    site = app_server(database_url=postgres.url(database), cache_url=redis_server.url)
    reader, editor = Client(), Client()
    assert reader.get(site.url + ARTICLE_PATH).header("x-page-cache") == "miss"
    editor.log_in(site.url, ADMIN_USERNAME, ADMIN_PASSWORD)
    health = reader.get(site.url + "/healthz")
    assert health.status == 200, health.text
    assert health.text == '{"database": "ok", "cache": "ok"}'

    postgres.stop()
    try:
        # A page in the page cache is still served from Redis.
        cached = reader.get(site.url + ARTICLE_PATH)
        assert cached.status == 200
        assert cached.header("x-page-cache") == "hit"
        assert headline(cached.text) == HEADLINE

        # Pages not in the page cache (the archive has not been asked for yet) need the
        # database; so does everything an editor does.
        for client, path in (
            (reader, "/archive/"),
            (reader, "/search/?q=Lavrov"),
            (editor, "/admin/"),
        ):
            response = client.get(site.url + path)
            assert response.status == 503, response.text[:2000]
            assert response.header("retry-after") == str(RETRY_AFTER)
            assert "no-store" in response.header("cache-control")
            assert "<h1>Temporarily unavailable</h1>" in response.text
            assert UNAVAILABLE_TEXT in response.text
            for leak in ("Traceback", "OperationalError", "psycopg2", "connection", "5432"):
                assert leak not in response.text

        health = reader.get(site.url + "/healthz")
        assert health.status == 503
        assert health.text == '{"database": "failing", "cache": "ok"}'

        log = site.log_text()
        unavailable = [line for line in log.splitlines() if "database unavailable" in line]
        assert len(unavailable) == 3, log
        assert "ERROR" in unavailable[0]
        assert "GET /archive/: OperationalError:" in unavailable[0]
        assert "Service Unavailable: /archive/" not in log  # one line per failure, not two
    finally:
        postgres.start()

    for path in ("/archive/", "/search/?q=Lavrov", ARTICLE_PATH):
        response = reader.get(site.url + path)
        assert response.status == 200, response.text[:2000]
        assert HEADLINE in response.text
    assert f"<strong>{ADMIN_USERNAME}</strong>" in editor.get(site.url + "/admin/").text
    assert reader.get(site.url + "/healthz").status == 200


def test_the_unavailable_page_makes_no_query():
    """Rendered with no request, hence no context processor. This test has no database (any
    query would raise pytest-django's "Database access not allowed")."""
    html = render_to_string("503.html")
    assert "<h1>Temporarily unavailable</h1>" in html
    assert UNAVAILABLE_TEXT in html
