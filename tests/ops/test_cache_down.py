"""Redis down or unreachable: readers' pages are still served, rendered from the database; the
cache error is logged; never a 500. And when Redis comes back, pages are cached again.

The page cache says what it did in X-Page-Cache: "miss" (rendered and stored), "hit" (served
from the cache); no header when the cache was not used. What the site serves after the article
is changed behind its back (set_headline: no invalidation) shows it independently of that
header: a cached page keeps the old headline, a page from the database has the new one.
"""

import time

import pytest

from .conftest import ARTICLE_PATH, HEADLINE, set_headline
from .servers import free_port
from .web import Client, headline

pytestmark = pytest.mark.ops

# How long the test waits for the page cache to use Redis again after it came back (the page
# cache leaves a failed cache alone for a few seconds). A guard, not a measured time.
RESUME_GUARD = 60


def error_lines(log: str, port: int) -> list[str]:
    """The log lines that report a Redis connection error for the Redis at this port."""
    return [
        line
        for line in log.splitlines()
        if "ERROR" in line and "ConnectionError" in line and f"127.0.0.1:{port}" in line
    ]


def assert_article(response, expected_headline):
    assert response.status == 200, response.text[:2000]
    assert headline(response.text) == expected_headline


def test_pages_are_served_when_nothing_listens_at_the_cache_address(postgres, database, app_server):
    port = free_port()  # nothing listens there
    site = app_server(database_url=postgres.url(database), cache_url=f"redis://127.0.0.1:{port}/0")
    reader = Client()

    for _ in range(2):
        response = reader.get(site.url + ARTICLE_PATH)
        assert_article(response, HEADLINE)
        assert response.header("x-page-cache") is None
    home = reader.get(site.url + "/")
    assert home.status == 200
    assert HEADLINE in home.text

    # Served from the database: a change made behind the site's back shows at once.
    set_headline(postgres, database, "Changed in the database")
    assert_article(reader.get(site.url + ARTICLE_PATH), "Changed in the database")

    health = reader.get(site.url + "/healthz")
    assert health.status == 503
    assert '"cache": "failing"' in health.text
    assert '"database": "ok"' in health.text

    log = site.log_text()
    assert error_lines(log, port), log
    assert " 500 " not in log


def test_pages_are_served_when_redis_stops_and_cached_again_when_it_returns(
    postgres, database, redis_server, app_server
):
    site = app_server(database_url=postgres.url(database), cache_url=redis_server.url)
    reader = Client()
    url = site.url + ARTICLE_PATH

    # Redis up: the first request renders and stores the page, the second is served from Redis.
    first = reader.get(url)
    assert_article(first, HEADLINE)
    assert first.header("x-page-cache") == "miss"
    second = reader.get(url)
    assert_article(second, HEADLINE)
    assert second.header("x-page-cache") == "hit"
    set_headline(postgres, database, "Second headline")
    assert_article(reader.get(url), HEADLINE)  # still the cached page

    # Redis stopped mid-run: the same pages, now from the database.
    redis_server.stop()
    for _ in range(3):
        response = reader.get(url)
        assert_article(response, "Second headline")
        assert response.header("x-page-cache") is None
    home = reader.get(site.url + "/")
    assert home.status == 200
    assert "Second headline" in home.text
    log = site.log_text()
    assert error_lines(log, redis_server.port), log
    assert " 500 " not in log

    # Redis back (empty: it keeps nothing on disk): pages are stored and served from it again.
    redis_server.start()
    deadline = time.monotonic() + RESUME_GUARD
    while (response := reader.get(url)).header("x-page-cache") != "miss":
        assert_article(response, "Second headline")
        assert time.monotonic() < deadline, "the page cache did not use Redis again"
        time.sleep(0.25)
    assert_article(response, "Second headline")
    assert redis_server.dbsize() > 0
    set_headline(postgres, database, "Third headline")
    cached = reader.get(url)
    assert_article(cached, "Second headline")
    assert cached.header("x-page-cache") == "hit"
