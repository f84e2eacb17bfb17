"""READER_FAST_QUERIES, the one switch of the readers' speed-ups (articles.reader.sources):
every public page is the same, byte for byte, whether it is read by the hand-written SQL of
articles/reader/fast/ (on) or by plain ORM querysets (off), on the same data, with an active
breaking-news alert and without one."""

from datetime import timedelta

import pytest
from django.db import connection
from django.template import engines
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Agency, Alert, Article, Author, Caption, Correction
from articles.reader.fast import queries

# More than a page of cards on home (20 a page), some published at the same moment.
FILLER = 24


@pytest.fixture
def site(make_article):
    """Two agencies (one without articles), authors, an article with everything the article
    page shows, one in Russian, a withdrawn one and a page and a half of others."""
    now = timezone.now().replace(microsecond=0)
    reuters = Agency.objects.create(
        name="Reuters",
        slug="reuters",
        description="Reuters is a news agency founded in 1851.",
        website="https://www.reuters.com/",
        logo="agencies/reuters.png",
    )
    Agency.objects.create(name="Quiet Wire", slug="quiet-wire")
    jane = Author.objects.create(
        name="Jane Doe", slug="jane-doe", agency=reuters, bio="Jane covers diplomacy."
    )
    ana = Author.objects.create(name="Ana Ruiz", slug="ana-ruiz")
    article = make_article(
        headline="Geneva talks resume",
        slug="geneva-talks-resume",
        standfirst="Negotiators met again on Saturday.",
        body="Negotiators met in Geneva.\n\n## The talks\n\nThey will meet again.\n",
        agency=reuters,
        authors=[jane, ana],
        published_at=now - timedelta(hours=5),
    )
    Caption.objects.create(
        article=article,
        text="The delegations in Geneva.",
        alt_text="Two delegations at a long table.",
        credit="Reuters/Jane Doe",
        image="captions/2026/11/geneva.jpg",
        image_width=1200,
        image_height=800,
        is_lead=True,
        position=2,
    )
    Caption.objects.create(article=article, text="제네바 회담장.", language="ko", position=0)
    Caption.objects.create(article=article, text="A text-only caption.", position=1)
    Correction.objects.create(
        article=article,
        text="An earlier version misspelt a name.",
        noted_at=now - timedelta(hours=2),
    )
    make_article(
        headline="Переговоры в Женеве",
        slug="peregovory",
        body="Переговоры в Женеве продолжаются.\n",
        language="ru",
        agency=reuters,
        authors=[jane],
        published_at=now - timedelta(hours=6),
    )
    make_article(
        slug="withdrawn-story",
        status=Article.Status.WITHDRAWN,
        published_at=now - timedelta(hours=7),
    )
    make_article(slug="scheduled-story", published_at=now + timedelta(hours=1))
    for n in range(FILLER):
        make_article(
            headline=f"Geneva filler {n}",
            agency=None if n % 6 == 0 else reuters,
            authors=[ana] if n % 3 else [],
            published_at=now - timedelta(hours=8 + n // 4),
        )
    day = timezone.localtime(article.published_at).date()
    return {
        "article": article,
        "paths": [
            "/",
            "/?page=2",
            article.get_absolute_url(),
            "/articles/peregovory/",
            "/articles/withdrawn-story/",
            "/articles/no-such-article/",
            "/agencies/reuters/",
            "/agencies/reuters/?page=2",
            "/agencies/quiet-wire/",
            "/authors/jane-doe/",
            "/authors/ana-ruiz/",
            "/archive/",
            f"/archive/{day.year}/",
            f"/archive/{day.year}/{day.month:02}/",
            f"/archive/{day.year}/{day.month:02}/{day.day:02}/",
            "/search/?q=Geneva",
            "/search/?q=Geneva&page=2",
            "/search/",
            "/feeds/rss.xml",
            "/feeds/atom.xml",
            "/feeds/feed.json",
            "/sitemap.xml",
            "/news-sitemap.xml",
            "/robots.txt",
            "/no-such-page/",
        ],
    }


def forget_templates():
    """Templates load again, with the globals the switch gives (newsroom.jinja2)."""
    engines["jinja2"].env.cache.clear()


def render(client, paths):
    pages = {}
    for path in paths:
        response = client.get(path)
        pages[path] = (response.status_code, response["Content-Type"], response.content)
    return pages


def fast_path_refused(*args, **kwargs):
    raise AssertionError("the fast path was used with READER_FAST_QUERIES off")


@pytest.mark.parametrize("alert", [True, False], ids=["alert", "no-alert"])
def test_every_public_page_is_the_same_with_the_switch_on_and_off(client, site, alert, monkeypatch):
    if alert:
        Alert.objects.create(
            text="Ceasefire talks resume in Geneva",
            url="https://news.example/geneva/",
            starts_at=timezone.now() - timedelta(minutes=5),
        )
    paths = site["paths"]
    forget_templates()
    with override_settings(READER_FAST_QUERIES=True):
        fast = render(client, paths)
    forget_templates()
    with override_settings(READER_FAST_QUERIES=False), monkeypatch.context() as patched:
        for name in ("published_article", "PublishedCards", "active_alert"):
            patched.setattr(queries, name, fast_path_refused)
        plain = render(client, paths)
    forget_templates()
    for path in paths:
        assert plain[path] == fast[path], path
    # The pages are the pages they should be.
    statuses = {path: fast[path][0] for path in paths}
    assert statuses.pop("/articles/withdrawn-story/") == 410
    assert statuses.pop("/articles/no-such-article/") == 404
    assert statuses.pop("/no-such-page/") == 404
    assert set(statuses.values()) == {200}
    banner = b"Ceasefire talks resume in Geneva"
    html = [path for path in paths if fast[path][1].startswith("text/html")]
    assert len(html) == 19
    assert all((banner in fast[path][2]) is alert for path in html)
    article = fast[site["article"].get_absolute_url()][2].decode()
    for shown in (
        "By <a",
        "Ana Ruiz",
        "Jane Doe",
        'lang="ko"',
        "Reuters/Jane Doe",
        'width="1200" height="800"',
        "An earlier version misspelt a name.",
        "Updated",
        "og:image",
    ):
        assert shown in article, shown
    assert article.index("The delegations in Geneva.") < article.index("제네바 회담장.")
    assert b"Geneva filler" in fast["/?page=2"][2]


def test_the_switch_changes_the_queries_not_the_page(client, site):
    """With the switch off the article page is read by querysets: more queries (the article
    and agency, its authors, its captions; the alert on its own)."""
    Alert.objects.create(text="Storm warning", starts_at=timezone.now() - timedelta(minutes=1))
    path = site["article"].get_absolute_url()
    counts = {}
    for switch in (True, False):
        with override_settings(READER_FAST_QUERIES=switch):
            client.get(path)  # a warm connection (prepared statements)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path)
        assert b"Storm warning" in response.content
        counts[switch] = len(captured)
    # Fast: one statement, and one for the correction notes; plain: the article, authors,
    # captions, correction notes and the alert.
    assert counts == {True: 2, False: 5}
