"""Public reader pages are marked once: public_page() on the view (articles.reader.page_cache).
The page cache, the read replica's router and the browser tests' sweeps all read that mark."""

import pytest
from django.test import RequestFactory
from django.urls import URLResolver, get_resolver, resolve

from articles.reader.page_cache import is_public_address, is_public_page, public_page_names
from newsroom.routers import is_public_read

# Every public page, in the URLconf's order.
PUBLIC_PAGES = [
    "articles:home",
    "articles:article_detail",
    "articles:agency_detail",
    "articles:author_detail",
    "articles:archive",
    "articles:archive_year",
    "articles:archive_month",
    "articles:archive_day",
    "articles:search",
    "articles:feed_rss",
    "articles:feed_atom",
    "articles:feed_json",
    "sitemap",
    "news_sitemap",
    "robots_txt",
]

# An address of each (the router and the page cache see the resolved view).
ADDRESSES = {
    "articles:home": "/",
    "articles:article_detail": "/articles/a-slug/",
    "articles:agency_detail": "/agencies/reuters/",
    "articles:author_detail": "/authors/jane-doe/",
    "articles:archive": "/archive/",
    "articles:archive_year": "/archive/2024/",
    "articles:archive_month": "/archive/2024/03/",
    "articles:archive_day": "/archive/2024/03/01/",
    "articles:search": "/search/",
    "articles:feed_rss": "/feeds/rss.xml",
    "articles:feed_atom": "/feeds/atom.xml",
    "articles:feed_json": "/feeds/feed.json",
    "sitemap": "/sitemap.xml",
    "news_sitemap": "/news-sitemap.xml",
    "robots_txt": "/robots.txt",
}
NOT_PUBLIC = [
    "/articles/a-slug/preview/",
    "/text-size/lg/",
    "/text-size.css",
    "/api/ninjs/articles/",
    "/api/ninjs/articles/a-slug/",
    "/admin/",
    "/admin/articles/article/",
    "/healthz",
    "/favicon.ico",
]


def every_pattern(patterns=None):
    """Every URL pattern of the URLconf (the admin's included), walked recursively."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from every_pattern(pattern.url_patterns)
        else:
            yield pattern


def request_for(method, path):
    request = getattr(RequestFactory(), method.lower())(path)
    request.resolver_match = resolve(request.path_info)
    return request


def test_the_marked_pages_are_exactly_the_public_pages():
    assert public_page_names() == PUBLIC_PAGES


def test_the_router_reads_exactly_the_marked_pages_as_public():
    marked = [pattern for pattern in every_pattern() if is_public_page(pattern.callback)]
    assert len(marked) == len(PUBLIC_PAGES)
    for pattern in every_pattern():
        request = RequestFactory().get("/")
        request.resolver_match = type("Match", (), {"func": pattern.callback})()
        assert is_public_read(request) is is_public_page(pattern.callback), pattern


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_a_read_of_a_public_page_is_a_public_read(name):
    path = ADDRESSES[name]
    assert resolve(path).view_name == name
    assert is_public_read(request_for("GET", path))
    assert is_public_read(request_for("HEAD", path))
    assert not is_public_read(request_for("POST", path))
    assert is_public_address(path)


@pytest.mark.parametrize("path", NOT_PUBLIC)
def test_other_addresses_are_not_public_reads(path):
    assert not is_public_page(resolve(path).func)
    assert not is_public_read(request_for("GET", path))
    assert not is_public_address(path)


def test_a_request_not_resolved_is_not_a_public_read():
    request = RequestFactory().get("/")
    request.resolver_match = None
    assert not is_public_read(request)
