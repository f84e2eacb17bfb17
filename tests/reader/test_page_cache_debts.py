"""The page cache under a stalled Redis and under hostile query strings (security probe findings).

A stalled Redis: a change committed while Redis was unreachable (paused with SIGSTOP here, a
real redis-server process of the test's own) used to be logged and forgotten; when Redis came
back it still held the old generation's pages, and a withdrawn article kept answering 200. Now
the owed invalidation is recorded in the database and paid before any process serves from the
cache again.

Hostile query strings: every `?cb=N` was a new 16 KB entry kept 24 hours. Now pages are keyed
by the parameters reader pages read ("page", "q", "p"); the rest is dropped before the view
renders.
"""

import os
import shutil
import signal
import uuid

import pytest
from django.utils import timezone

from articles.models import Article, OwedInvalidation
from articles.reader import page_cache
from tests.ops.servers import PrivateRedis, private_dir

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_server():
    root = private_dir("newsroom-stall-")
    server = PrivateRedis(root)
    server.start()
    yield server
    if server.process is not None:
        os.kill(server.process.pid, signal.SIGCONT)
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def stalled_pages(settings, redis_server):
    """The page cache on the private Redis, with the production client's short time-outs."""
    settings.PAGE_CACHE_ENABLED = True
    settings.CACHES = {
        "default": {
            "BACKEND": "newsroom.redis_cache.RedisCache",
            "LOCATION": redis_server.url,
            "KEY_PREFIX": f"stall-{uuid.uuid4().hex}",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    page_cache._cache_down_until = 0.0
    page_cache._look_for_debts = False
    yield redis_server
    page_cache._cache_down_until = 0.0
    page_cache._look_for_debts = False


def pause(server):
    os.kill(server.process.pid, signal.SIGSTOP)


def resume(server):
    os.kill(server.process.pid, signal.SIGCONT)


def as_another_process():
    """The module's state as in a process that never saw the cache fail."""
    page_cache._cache_down_until = 0.0
    page_cache._look_for_debts = False


def warm(client, url):
    assert client.get(url)["X-Page-Cache"] in ("miss", "hit")
    hit = client.get(url)
    assert hit["X-Page-Cache"] == "hit", hit
    return hit


def withdraw(article):
    article.withdraw()
    article.save()


def test_a_change_made_while_redis_is_paused_reaches_readers_when_it_is_back(
    stalled_pages, client, make_article
):
    article = make_article(headline="Paused", slug="paused")
    url = article.get_absolute_url()
    warm(client, url)

    pause(stalled_pages)
    withdraw(article)  # its invalidation times out: owed
    assert OwedInvalidation.objects.count() == 1
    during = client.get(url)  # rendered, not from the cache
    assert during.status_code == 410
    assert not during.has_header("X-Page-Cache")
    resume(stalled_pages)
    page_cache._cache_down_until = 0.0  # the retry delay has passed

    after = client.get(url)
    assert after.status_code == 410
    assert not OwedInvalidation.objects.exists()


def test_another_process_pays_a_debt_left_by_a_process_that_ended(
    stalled_pages, client, make_article, settings
):
    """The change came from a short-lived process (an import by `manage.py ingest`) that
    ended while Redis was paused; the serving process never saw Redis fail."""
    article = make_article(headline="Paused", slug="paused")
    url = article.get_absolute_url()
    warm(client, url)
    pause(stalled_pages)
    withdraw(article)
    resume(stalled_pages)
    as_another_process()

    # Until its next look, this process cannot know: the periodic look is what tells it.
    settings.PAGE_CACHE_DEBT_CHECK = 2.0
    page_cache._next_debt_check = 0.0  # due

    assert client.get(url).status_code == 410
    assert not OwedInvalidation.objects.exists()


def test_a_debt_is_paid_once_and_then_hits_make_no_query(
    stalled_pages, client, make_article, django_assert_num_queries
):
    article = make_article(headline="Paused", slug="paused")
    url = article.get_absolute_url()
    pause(stalled_pages)
    article.standfirst = "Changed while paused"
    article.save()
    resume(stalled_pages)
    page_cache._cache_down_until = 0.0

    first = client.get(url)
    assert first["X-Page-Cache"] == "miss"
    assert b"Changed while paused" in first.content
    with django_assert_num_queries(0):
        assert client.get(url)["X-Page-Cache"] == "hit"


def test_while_a_debt_cannot_be_paid_nothing_is_served_from_the_cache(
    stalled_pages, client, make_article
):
    article = make_article(headline="Paused", slug="paused")
    url = article.get_absolute_url()
    warm(client, url)
    pause(stalled_pages)
    withdraw(article)
    page_cache._cache_down_until = 0.0  # Redis still paused: paying fails, the page renders

    response = client.get(url)

    assert response.status_code == 410
    assert OwedInvalidation.objects.count() == 1
    resume(stalled_pages)


# --- Query strings ---------------------------------------------------------------------------


@pytest.fixture
def redis_pages(settings, redis_server):
    settings.PAGE_CACHE_ENABLED = True
    settings.CACHES = {
        "default": {"BACKEND": "newsroom.redis_cache.RedisCache", "LOCATION": redis_server.url}
    }
    page_cache._cache_down_until = 0.0
    page_cache._look_for_debts = False
    return redis_server


def test_cache_busters_do_not_grow_the_cache(redis_pages, client, make_article):
    article = make_article(headline="Busted", slug="busted")
    url = article.get_absolute_url()
    warm(client, url)
    keys = redis_pages.dbsize()

    for n in range(50):
        response = client.get(f"{url}?cb={n}&utm_source=x{n}")
        assert response.status_code == 200
        assert response["X-Page-Cache"] == "hit"

    assert redis_pages.dbsize() == keys


def test_the_page_for_a_cache_buster_does_not_echo_it(redis_pages, client, make_article):
    make_article(headline="Home story", published_at=timezone.now())

    first = client.get("/?cb=%22evil%22&next=elsewhere")

    assert first["X-Page-Cache"] == "miss"
    assert b"evil" not in first.content
    assert b"elsewhere" not in first.content
    assert client.get("/")["X-Page-Cache"] == "hit"
    assert client.get("/").content == first.content


@pytest.mark.parametrize(
    ("query", "kept"),
    [
        ("", ""),
        ("cb=1", ""),
        ("page=2", "page=2"),
        ("utm_source=a&page=2&cb=3", "page=2"),
        ("q=kerry&page=2", "page=2&q=kerry"),
        ("page=2&q=kerry", "page=2&q=kerry"),
        ("q=a&q=b", "q=a&q=b"),
        ("p=3&x=1", "p=3"),
        ("q=%ED%95%9C", "q=%ED%95%9C"),
    ],
)
def test_read_parameters(query, kept):
    assert page_cache.read_parameters(query) == kept


def test_search_and_pages_keep_their_parameters(redis_pages, client, make_article):
    for n in range(25):
        make_article(headline=f"Geneva talks {n}", slug=f"geneva-{n}")

    one = client.get("/search/?q=geneva&cb=1")
    two = client.get("/search/?q=geneva&page=2")
    other = client.get("/search/?q=kerry")

    assert one.status_code == two.status_code == other.status_code == 200
    assert len({one.content, two.content, other.content}) == 3
    assert client.get("/search/?q=geneva")["X-Page-Cache"] == "hit"
    assert Article.objects.count() == 25


def test_a_nul_in_an_unread_parameter_is_still_a_400(redis_pages, client, make_article):
    """As without the page cache (tests/reader/test_bad_requests.py): the parameter is not dropped."""
    make_article(headline="Home story")
    assert client.get("/?x=%00").status_code == 400
    assert client.get("/?x=1")["X-Page-Cache"] == "miss"
