"""/sitemap.xml, the Google News sitemap /news-sitemap.xml and /robots.txt, parsed with
ElementTree: exactly the published pages, with their last modification times."""

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from articles.models import Agency, Article, Author
from articles.reader import metadata
from tests.helpers.times import iso

HOST = "http://testserver"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


def xml(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{SM}urlset"
    return root


def urls(root):
    """{loc: lastmod or None} of a sitemap."""
    entries = {}
    for url in root.findall(f"{SM}url"):
        loc = url.find(f"{SM}loc").text
        assert loc not in entries, f"{loc} listed twice"
        lastmod = url.find(f"{SM}lastmod")
        entries[loc] = lastmod.text if lastmod is not None else None
    return entries


@pytest.fixture
def site(make_article):
    now = timezone.now()
    wire = Agency.objects.create(name="Example Wire", slug="example-wire")
    hidden_agency = Agency.objects.create(name="Draft Wire", slug="draft-wire")
    jane = Author.objects.create(name="Jane Doe", slug="jane-doe")
    kim = Author.objects.create(name="김민준", slug="김민준")
    ghost = Author.objects.create(name="Only Drafts", slug="only-drafts")
    recent = make_article(
        slug="recent", agency=wire, authors=[jane, kim], published_at=now - timedelta(hours=1)
    )
    older = make_article(slug="older", authors=[jane], published_at=now - timedelta(days=3))
    korean = make_article(
        slug="korean", language="ko", headline="한국어 기사", published_at=now - timedelta(hours=47)
    )
    draft = make_article(
        slug="draft",
        agency=hidden_agency,
        authors=[ghost],
        status=Article.Status.DRAFT,
        published_at=None,
    )
    scheduled = make_article(
        slug="scheduled",
        agency=hidden_agency,
        authors=[ghost],
        published_at=now + timedelta(hours=1),
    )
    # Scheduled later by the same agency and author: not their newest publication yet.
    make_article(
        slug="wire-later", agency=wire, authors=[jane], published_at=now + timedelta(hours=2)
    )
    return {
        "recent": recent,
        "older": older,
        "korean": korean,
        "draft": draft,
        "scheduled": scheduled,
        "wire": wire,
        "jane": jane,
        "kim": kim,
    }


# --- sitemap.xml ------------------------------------------------------------------------


def test_sitemap_lists_exactly_the_published_pages(client, site):
    recent, older, korean = site["recent"], site["older"], site["korean"]
    assert urls(xml(client, "/sitemap.xml")) == {
        f"{HOST}/": iso(recent.published_at),
        f"{HOST}/articles/recent/": iso(recent.updated_at),
        f"{HOST}/articles/korean/": iso(korean.updated_at),
        f"{HOST}/articles/older/": iso(older.updated_at),
        # Agencies and authors with a published article; their newest publication.
        f"{HOST}/agencies/example-wire/": iso(recent.published_at),
        f"{HOST}/authors/jane-doe/": iso(recent.published_at),
        f"{HOST}/authors/%EA%B9%80%EB%AF%BC%EC%A4%80/": iso(recent.published_at),
    }


def test_sitemap_order_and_lastmod_format(client, site):
    root = xml(client, "/sitemap.xml")
    locs = [url.find(f"{SM}loc").text for url in root.findall(f"{SM}url")]
    assert locs[:4] == [
        f"{HOST}/",
        f"{HOST}/articles/recent/",
        f"{HOST}/articles/korean/",
        f"{HOST}/articles/older/",
    ]
    for lastmod in urls(root).values():
        assert datetime.fromisoformat(lastmod).utcoffset() is not None
        assert len(lastmod) == len("2026-11-27T10:00:00+00:00")


def test_sitemap_lastmod_is_the_last_change(client, site):
    older = site["older"]
    older.standfirst = "Corrected."
    older.save()
    assert urls(xml(client, "/sitemap.xml"))[f"{HOST}/articles/older/"] == iso(older.updated_at)
    # Never before the publication: an article written before its scheduled time.
    published = site["recent"].published_at
    Article.objects.filter(pk=site["recent"].pk).update(updated_at=published - timedelta(days=1))
    assert urls(xml(client, "/sitemap.xml"))[f"{HOST}/articles/recent/"] == iso(published)


def test_every_sitemap_address_is_a_page(client, site):
    for loc in urls(xml(client, "/sitemap.xml")):
        assert client.get(loc.removeprefix(HOST)).status_code == 200, loc


def test_empty_sitemap(client, db):
    assert urls(xml(client, "/sitemap.xml")) == {f"{HOST}/": None}


# --- news-sitemap.xml -------------------------------------------------------------------


def news_entries(root):
    entries = {}
    for url in root.findall(f"{SM}url"):
        news = url.find(f"{NEWS}news")
        publication = news.find(f"{NEWS}publication")
        entries[url.find(f"{SM}loc").text] = {
            "name": publication.find(f"{NEWS}name").text,
            "language": publication.find(f"{NEWS}language").text,
            "publication_date": news.find(f"{NEWS}publication_date").text,
            "title": news.find(f"{NEWS}title").text,
        }
    return entries


def test_news_sitemap_has_the_last_48_hours_exactly(client, site):
    response = client.get("/news-sitemap.xml")
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' in response.content
    root = xml(client, "/news-sitemap.xml")
    recent, korean = site["recent"], site["korean"]
    assert news_entries(root) == {
        f"{HOST}/articles/recent/": {
            "name": "Newsroom",
            "language": "en",
            "publication_date": iso(recent.published_at),
            "title": recent.headline,
        },
        f"{HOST}/articles/korean/": {
            "name": "Newsroom",
            "language": "ko",
            "publication_date": iso(korean.published_at),
            "title": "한국어 기사",
        },
    }
    assert [u.find(f"{SM}loc").text for u in root.findall(f"{SM}url")] == [
        f"{HOST}/articles/recent/",
        f"{HOST}/articles/korean/",
    ]


def test_news_sitemap_window_moves_with_the_clock(client, site):
    # Moved past 48 hours: gone, without any other change.
    Article.objects.filter(pk=site["korean"].pk).update(
        published_at=timezone.now() - timedelta(hours=48, seconds=1)
    )
    assert list(news_entries(xml(client, "/news-sitemap.xml"))) == [f"{HOST}/articles/recent/"]


def test_news_sitemap_at_most_1000(client, db):
    now = timezone.now()
    Article.objects.bulk_create(
        Article(
            headline=f"Story {n}",
            slug=f"story-{n}",
            body="Text.\n",
            status=Article.Status.PUBLISHED,
            published_at=now - timedelta(seconds=n + 1),
        )
        for n in range(1005)
    )
    entries = news_entries(xml(client, "/news-sitemap.xml"))
    assert len(entries) == 1000
    assert f"{HOST}/articles/story-0/" in entries
    assert f"{HOST}/articles/story-999/" in entries
    assert f"{HOST}/articles/story-1000/" not in entries


@pytest.mark.parametrize(
    ("language", "news_language"),
    [("en", "en"), ("pt-BR", "pt"), ("zh-Hans", "zh-cn"), ("zh-Hant", "zh-tw"), ("zh", "zh-cn")],
)
def test_news_language(language, news_language):
    assert metadata.news_language(language) == news_language


def test_news_sitemap_language_of_a_regional_tag(client, make_article):
    make_article(slug="brasil", language="pt-BR")
    entries = news_entries(xml(client, "/news-sitemap.xml"))
    assert entries[f"{HOST}/articles/brasil/"]["language"] == "pt"


# --- robots.txt -------------------------------------------------------------------------


def test_robots_txt(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().splitlines() == [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /text-size/",
        "",
        "Sitemap: http://testserver/sitemap.xml",
        "Sitemap: http://testserver/news-sitemap.xml",
    ]


def test_robots_txt_uses_the_request_host_and_scheme(client, db, settings):
    settings.ALLOWED_HOSTS = ["news.example"]
    response = client.get("/robots.txt", HTTP_HOST="news.example", secure=True)
    lines = response.content.decode().splitlines()
    assert lines[-2:] == [
        "Sitemap: https://news.example/sitemap.xml",
        "Sitemap: https://news.example/news-sitemap.xml",
    ]
    root = ET.fromstring(client.get("/sitemap.xml", HTTP_HOST="news.example", secure=True).content)
    assert urls(root) == {"https://news.example/": None}
