"""The public page cache (articles.reader.page_cache), on local memory and on a real Redis: hits make no
SQL query, conditional requests get 304 without rendering, every kind of change reaches readers
at once, and editors, previews, the admin and cookies never go through it."""

import logging
import time
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.http import http_date

from articles.models import Alert, Article, Author, Caption, Correction
from articles.reader import page_cache, text_size

REDIS_URL = "redis://127.0.0.1:6379/5"


@pytest.fixture(params=["locmem", "redis"])
def pages(request, settings):
    """The page cache on, with a cache of its own (a fresh key prefix on Redis)."""
    settings.PAGE_CACHE_ENABLED = True
    prefix = f"test-{uuid.uuid4().hex}"
    if request.param == "redis":
        backend = {"BACKEND": "newsroom.redis_cache.RedisCache"}
        backend["LOCATION"] = REDIS_URL
    else:
        backend = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
        backend["LOCATION"] = prefix
    settings.CACHES = {"default": {**backend, "KEY_PREFIX": prefix}}
    page_cache._cache_down_until = 0.0
    yield request.param
    page_cache._cache_down_until = 0.0


@pytest.fixture
def article(make_article, agency):
    return make_article(headline="Cached headline", slug="cached", agency=agency)


def get(client, url, **headers):
    return client.get(url, headers=headers)


def warm(client, url):
    """Request the page until it is stored: the second request is a hit."""
    first = get(client, url)
    assert first.status_code == 200
    assert first["X-Page-Cache"] in ("miss", "hit")
    second = get(client, url)
    assert second["X-Page-Cache"] == "hit"
    return second


def test_a_hit_makes_no_query_and_is_the_same_page(
    pages, client, article, django_assert_num_queries
):
    url = article.get_absolute_url()
    first = get(client, url)
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = get(client, url)
    assert second.status_code == 200
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert b"Cached headline" in second.content
    for response in (first, second):
        assert response["Cache-Control"] == "public, max-age=0, s-maxage=10"
        # Nothing nginx's micro-cache would parse on every hit for nothing (s-maxage says it).
        assert not response.has_header("X-Accel-Expires")
        assert response["Content-Type"] == "text/html; charset=utf-8"
        assert not response.has_header("Vary")
        assert not response.cookies
    assert second["ETag"] == first["ETag"]
    assert second["Last-Modified"] == first["Last-Modified"]


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/?page=1",
        "/archive/",
        "/agencies/reuters/",
        "/search/?q=cached",
        "/feeds/rss.xml",
        "/feeds/atom.xml",
        "/feeds/feed.json",
        "/sitemap.xml",
        "/news-sitemap.xml",
        "/robots.txt",
    ],
)
def test_listings_feeds_and_sitemaps_are_cached(
    pages, client, article, url, django_assert_num_queries
):
    first = get(client, url)
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = get(client, url)
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_each_address_is_its_own_page(pages, client, make_article):
    for n in range(25):
        make_article(headline=f"Paged {n}", slug=f"paged-{n}")
    first, second = get(client, "/"), get(client, "/?page=2")
    assert first.content != second.content
    assert get(client, "/?page=2").content == second.content
    assert get(client, "/")["X-Page-Cache"] == "hit"


def test_head_is_served_from_the_cache(pages, client, article, django_assert_num_queries):
    url = article.get_absolute_url()
    page = warm(client, url)
    with django_assert_num_queries(0):
        head = client.head(url)
    assert head.status_code == 200
    assert head.content == b""
    assert head["Content-Length"] == str(len(page.content))


# --- Conditional requests ---------------------------------------------------------------------


def test_if_none_match_gets_304_without_rendering(
    pages, client, article, django_assert_num_queries
):
    url = article.get_absolute_url()
    page = warm(client, url)
    with django_assert_num_queries(0):
        response = get(client, url, if_none_match=page["ETag"])
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == page["ETag"]
    assert response["Cache-Control"] == "public, max-age=0, s-maxage=10"
    other = get(client, url, if_none_match='"1-000000000000"')
    assert other.status_code == 200


def test_if_modified_since_gets_304_without_rendering(
    pages, client, article, django_assert_num_queries
):
    url = article.get_absolute_url()
    page = warm(client, url)
    with django_assert_num_queries(0):
        response = get(client, url, if_modified_since=page["Last-Modified"])
    assert response.status_code == 304
    earlier = http_date(time.time() - 3600)
    assert get(client, url, if_modified_since=earlier).status_code == 200


def test_a_known_etag_gets_304_even_when_the_page_was_evicted(
    pages, client, article, django_assert_num_queries
):
    url = article.get_absolute_url()
    page = warm(client, url)
    from django.core.cache import cache

    cache.delete(page_cache.page_key(client.get(url).wsgi_request))
    with django_assert_num_queries(0):
        response = get(client, url, if_none_match=page["ETag"])
    assert response.status_code == 304


def test_after_a_change_the_old_etag_gets_the_new_page(
    pages, client, article, django_capture_on_commit_callbacks
):
    url = article.get_absolute_url()
    page = warm(client, url)
    with django_capture_on_commit_callbacks(execute=True):
        article.headline = "A corrected headline"
        article.save()
    response = get(client, url, if_none_match=page["ETag"], if_modified_since=page["Last-Modified"])
    assert response.status_code == 200
    assert b"A corrected headline" in response.content
    assert response["ETag"] != page["ETag"]
    assert response["Last-Modified"] != page["Last-Modified"]


# --- Invalidation: every change reaches readers at once -----------------------------------


def changed(client, url, change, expected, capture):
    """Warm the page, make the change in a committed transaction, and check the next
    request renders it."""
    warm(client, url)
    with capture(execute=True):
        change()
    response = get(client, url)
    assert response["X-Page-Cache"] == "miss", "a page of the old generation was served"
    assert expected(response.content.decode()), response.content.decode()[:2000]
    assert get(client, url)["X-Page-Cache"] == "hit"


def test_editing_an_article(pages, client, article, django_capture_on_commit_callbacks):
    urls = (article.get_absolute_url(), "/", "/feeds/rss.xml", "/agencies/reuters/")
    for url in urls:
        warm(client, url)
    with django_capture_on_commit_callbacks(execute=True):
        article.headline = "New words"
        article.save()
    for url in urls:
        response = get(client, url)
        assert response["X-Page-Cache"] == "miss", url
        assert "New words" in response.content.decode(), url


def test_withdrawing_an_article(pages, client, article, django_capture_on_commit_callbacks):
    url = article.get_absolute_url()
    warm(client, url)
    warm(client, "/")
    with django_capture_on_commit_callbacks(execute=True):
        article.status = Article.Status.WITHDRAWN
        article.save()
    assert get(client, url).status_code == 410
    assert "Cached headline" not in get(client, "/").content.decode()


def test_deleting_an_article(pages, client, article, django_capture_on_commit_callbacks):
    url = article.get_absolute_url()
    warm(client, url)
    with django_capture_on_commit_callbacks(execute=True):
        article.delete()
    assert get(client, url).status_code == 404


def test_publishing_a_new_article(pages, client, make_article, django_capture_on_commit_callbacks):
    warm(client, "/")
    with django_capture_on_commit_callbacks(execute=True):
        make_article(headline="Fresh story", slug="fresh")
    assert "Fresh story" in get(client, "/").content.decode()


def test_a_caption(pages, client, article, django_capture_on_commit_callbacks):
    def change():
        Caption.objects.create(article=article, text="A new caption", alt_text="Alt", position=0)

    changed(
        client,
        article.get_absolute_url(),
        change,
        lambda html: "A new caption" in html,
        django_capture_on_commit_callbacks,
    )


def test_an_agency(pages, client, article, agency, django_capture_on_commit_callbacks):
    def change():
        agency.name = "Renamed Wire"
        agency.save()

    changed(
        client,
        article.get_absolute_url(),
        change,
        lambda html: "Renamed Wire" in html,
        django_capture_on_commit_callbacks,
    )


def test_an_author(pages, client, article, agency, django_capture_on_commit_callbacks):
    author = Author.objects.create(name="Jo Writer", slug="jo-writer", agency=agency)

    def add():
        article.authors.add(author)

    changed(
        client,
        article.get_absolute_url(),
        add,
        lambda html: "Jo Writer" in html,
        django_capture_on_commit_callbacks,
    )

    def rename():
        author.name = "Jo Renamed"
        author.save()

    changed(
        client,
        article.get_absolute_url(),
        rename,
        lambda html: "Jo Renamed" in html,
        django_capture_on_commit_callbacks,
    )


def test_a_correction(pages, client, article, django_capture_on_commit_callbacks):
    def change():
        Correction.objects.create(article=article, text="An earlier version misspelt a name.")

    changed(
        client,
        article.get_absolute_url(),
        change,
        lambda html: "An earlier version misspelt a name." in html,
        django_capture_on_commit_callbacks,
    )


def test_an_alert_starting_and_ending(pages, client, article, django_capture_on_commit_callbacks):
    alert = []

    def start():
        alert.append(Alert.objects.create(text="Polls have closed"))

    changed(
        client,
        "/",
        start,
        lambda html: "Polls have closed" in html,
        django_capture_on_commit_callbacks,
    )

    def end():
        alert[0].ends_at = timezone.now()
        alert[0].save()

    changed(
        client,
        "/",
        end,
        lambda html: "Polls have closed" not in html,
        django_capture_on_commit_callbacks,
    )


def test_a_rolled_back_change_keeps_the_cached_page(pages, client, article):
    from django.db import transaction

    url = article.get_absolute_url()
    warm(client, url)
    with transaction.atomic():
        article.headline = "Never saved"
        article.save()
        transaction.set_rollback(True)
    assert get(client, url)["X-Page-Cache"] == "hit"


# --- Time: pages that change without anyone saving ----------------------------------------


def wait_until(moment):
    while timezone.now() < moment:
        time.sleep(0.05)


def test_a_scheduled_article_goes_live(pages, client, make_article):
    soon = timezone.now() + timedelta(seconds=1)
    make_article(headline="Embargoed story", slug="embargoed", published_at=soon)
    page_cache.new_generation()  # as the save's commit would (this test runs in one transaction)
    assert "Embargoed story" not in warm(client, "/").content.decode()
    assert get(client, "/articles/embargoed/").status_code == 404
    wait_until(soon)
    response = get(client, "/")
    assert response["X-Page-Cache"] == "miss"
    assert "Embargoed story" in response.content.decode()
    assert get(client, "/articles/embargoed/").status_code == 200


def test_an_alert_expires(pages, client, article):
    soon = timezone.now() + timedelta(seconds=1)
    Alert.objects.create(text="Storm warning", ends_at=soon)
    page_cache.new_generation()
    assert "Storm warning" in warm(client, "/").content.decode()
    wait_until(soon)
    assert "Storm warning" not in get(client, "/").content.decode()


def test_the_next_change_is_the_earliest_moment(db, make_article):
    now = timezone.now()
    assert page_cache.next_change_after(now) is None
    make_article(published_at=now - timedelta(hours=47))  # leaves the news sitemap in 1 h
    assert page_cache.next_change_after(now) == pytest.approx(
        (now + timedelta(hours=1)).timestamp(), abs=1
    )
    make_article(published_at=now + timedelta(minutes=30))
    Alert.objects.create(text="Later", starts_at=now + timedelta(minutes=20))
    assert page_cache.next_change_after(now) == (now + timedelta(minutes=20)).timestamp()
    Alert.objects.create(text="Ends", starts_at=now, ends_at=now + timedelta(minutes=10))
    assert page_cache.next_change_after(now) == (now + timedelta(minutes=10)).timestamp()


# --- What is never cached -----------------------------------------------------------------


def test_logged_in_editors_are_never_served_from_the_cache(pages, editor_client, article):
    client = Client()  # a reader (editor_client is the logged-in one)
    url = article.get_absolute_url()
    warm(client, url)
    response = editor_client.get(url)
    assert response.status_code == 200
    assert not response.has_header("X-Page-Cache")
    # And what an editor is shown is never stored for readers.
    editor_client.get("/archive/")
    assert get(client, "/archive/")["X-Page-Cache"] == "miss"


def test_previews_are_never_cached(pages, editor_client, make_article):
    client = Client()  # a reader
    draft = make_article(headline="Draft story", slug="draft", status=Article.Status.DRAFT)
    preview = editor_client.get(f"/articles/{draft.slug}/preview/")
    assert preview.status_code == 200
    assert "no-store" in preview["Cache-Control"]
    assert "s-maxage" not in preview["Cache-Control"]
    assert get(client, f"/articles/{draft.slug}/preview/").status_code == 404


def test_the_admin_is_never_cached(pages, client, db):
    for _ in range(2):
        response = get(client, "/admin/login/")
        assert not response.has_header("X-Page-Cache")
        assert "public" not in response.get("Cache-Control", "")


def test_errors_and_gone_pages_are_not_stored(pages, client, db):
    for _ in range(2):
        response = get(client, "/articles/no-such-thing/")
        assert response.status_code == 404
        assert not response.has_header("X-Page-Cache")
        assert "s-maxage" not in response.get("Cache-Control", "")


def test_a_text_size_cookie_does_not_split_the_cache(pages, client, article):
    url = article.get_absolute_url()
    page = warm(client, url)
    client.cookies[text_size.COOKIE_NAME] = "lg"
    response = get(client, url)
    assert response["X-Page-Cache"] == "hit"
    assert response.content == page.content


def test_a_response_with_a_cookie_is_never_stored(pages, rf, db):
    from django.http import HttpResponse

    response = page_cache.mark_public(HttpResponse("x"))
    assert page_cache.storable(response)
    response.set_cookie("tracking", "1")
    assert not page_cache.storable(response)
    varied = page_cache.mark_public(HttpResponse("x"))
    varied["Vary"] = "Cookie"
    assert not page_cache.storable(varied)


def test_disabled_page_cache_renders_every_time(settings, client, article):
    settings.PAGE_CACHE_ENABLED = False
    for _ in range(2):
        response = get(client, article.get_absolute_url())
        assert not response.has_header("X-Page-Cache")
        assert response["Cache-Control"] == "public, max-age=0, s-maxage=10"


# --- A cache that fails -------------------------------------------------------------------


def test_an_unreachable_cache_serves_pages_from_the_database(settings, client, article, caplog):
    settings.PAGE_CACHE_ENABLED = True
    settings.CACHES = {
        "default": {
            "BACKEND": "newsroom.redis_cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    page_cache._cache_down_until = 0.0
    try:
        with caplog.at_level(logging.ERROR, logger="articles.page_cache"):
            response = get(client, article.get_absolute_url())
        assert response.status_code == 200
        assert b"Cached headline" in response.content
        assert not response.has_header("X-Page-Cache")
        assert [r.getMessage().split(":")[0] for r in caplog.records] == [
            "page cache unavailable, serving uncached"
        ]
        assert "ConnectionError" in caplog.records[0].getMessage()
        # Left alone for a while: the next request does not try (and log) again.
        caplog.clear()
        assert get(client, article.get_absolute_url()).status_code == 200
        assert caplog.records == []
    finally:
        page_cache._cache_down_until = 0.0


def test_a_new_release_does_not_serve_the_old_releases_pages():
    assert page_cache.release() == page_cache.RELEASE
    assert page_cache.STATE_KEY.startswith(f"pages:{page_cache.RELEASE}:")
    assert len(page_cache.RELEASE) == 12


def test_each_host_has_its_own_pages(pages, client, article, settings):
    settings.ALLOWED_HOSTS = ["testserver", "www.newsroom.example"]
    url = article.get_absolute_url()
    warm(client, url)
    other = client.get(url, headers={"host": "www.newsroom.example"})
    assert other["X-Page-Cache"] == "miss"
    assert b'<link rel="canonical" href="http://www.newsroom.example/' in other.content
    assert b'<link rel="canonical" href="http://testserver/' in get(client, url).content


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_with_a_replica_a_change_is_settled_by_one_more_generation(pages, settings, db):
    first = page_cache.new_generation(settle=True)
    assert first.next_change is None  # no replica, nothing scheduled
    settings.DATABASES = {**settings.DATABASES, "replica": settings.DATABASES["default"]}
    before = time.time()
    settled = page_cache.new_generation(settle=True)
    assert before + page_cache.REPLICA_SETTLE <= settled.next_change <= time.time() + 5
    # The generation that settles it sets no further one.
    assert page_cache.new_generation().next_change is None


def test_the_redis_backend_keeps_one_client_per_pool(settings):
    from django.core.cache import cache

    settings.CACHES = {
        "default": {"BACKEND": "newsroom.redis_cache.RedisCache", "LOCATION": REDIS_URL}
    }
    client = cache._cache.get_client()
    assert cache._cache.get_client(write=True) is client
    cache.set("one-client", 1)
    assert cache.get("one-client") == 1
    assert cache._cache.get_client() is client
    cache.delete("one-client")


def test_the_status_header_is_off_unless_asked_for(pages, client, article, settings):
    """X-Page-Cache is for operators who turn it on (PAGE_CACHE_STATUS_HEADER; on with
    DEBUG): in production nginx would parse it on every micro-cache hit."""
    settings.PAGE_CACHE_STATUS_HEADER = False
    url = article.get_absolute_url()
    first = get(client, url)
    second = get(client, url)
    assert first.content == second.content
    assert not first.has_header("X-Page-Cache")
    assert not second.has_header("X-Page-Cache")
    settings.PAGE_CACHE_STATUS_HEADER = True
    assert get(client, url)["X-Page-Cache"] == "hit"
