"""A hung PostgreSQL (a finding of the security probe): every process of the private cluster
is paused with SIGSTOP, so connections stay open and nothing answers, as with a frozen server
or network path.

Before: a reader's request waited until gunicorn killed the worker (30 s) and got an empty
reply. Now each wait for the database is bounded (DATABASE_QUERY_TIMEOUT,
newsroom/db/postgresql/deadline.py): readers get the site's 503 page with Retry-After, pages
in the page cache are still served, /healthz names the database, and the site works again as
soon as the database does, with no restart.
"""

import contextlib
import os
import signal
from pathlib import Path

import pytest

from newsroom.unavailable import RETRY_AFTER

from .conftest import ARTICLE_PATH, HEADLINE
from .web import Client, headline

pytestmark = pytest.mark.ops


def cluster_processes(postgres) -> list[int]:
    """The postmaster and all its children (backends, checkpointer, walwriter...)."""
    postmaster = int((postgres.data / "postmaster.pid").read_text().split()[0])
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        if int(fields[1]) == postmaster:  # the parent's id
            children.append(int(stat.parent.name))
    return [postmaster, *children]


def signal_all(pids, signum):
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)


@pytest.mark.parametrize("connection", ["open", "new"])
def test_a_hung_database_gives_the_503_page_and_cached_pages_are_still_served(
    connection, postgres, database, redis_server, app_server
):
    site = app_server(
        database_url=postgres.url(database),
        cache_url=redis_server.url,
        DATABASE_QUERY_TIMEOUT="2",
        # The persistent connection kept ("open": it hangs on a query) or not ("new": it
        # hangs while connecting).
        CONN_MAX_AGE="600" if connection == "open" else "0",
    )
    reader = Client()
    assert reader.get(site.url + ARTICLE_PATH).header("x-page-cache") == "miss"
    assert reader.get(site.url + ARTICLE_PATH).header("x-page-cache") == "hit"

    paused = cluster_processes(postgres)
    signal_all(paused, signal.SIGSTOP)
    try:
        for path in ("/archive/", "/search/?q=Lavrov"):
            response = reader.get(site.url + path)
            assert response.status == 503, response.text[:2000]
            assert response.header("retry-after") == str(RETRY_AFTER)
            assert "<h1>Temporarily unavailable</h1>" in response.text

        cached = reader.get(site.url + ARTICLE_PATH)
        assert cached.status == 200
        assert cached.header("x-page-cache") == "hit"
        assert headline(cached.text) == HEADLINE

        health = reader.get(site.url + "/healthz")
        assert health.status == 503
        assert health.text == '{"database": "failing", "cache": "ok"}'
        assert "did not answer within 2 s (DATABASE_QUERY_TIMEOUT)" in site.log_text()
    finally:
        signal_all(paused, signal.SIGCONT)

    for path in ("/archive/", "/search/?q=Lavrov"):
        response = reader.get(site.url + path)
        assert response.status == 200, response.text[:2000]
        assert HEADLINE in response.text
    assert reader.get(site.url + "/healthz").status == 200
    assert site.log_text().count("Booting worker") == 1  # the same worker all along
