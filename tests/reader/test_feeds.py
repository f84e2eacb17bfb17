"""RSS 2.0, Atom 1.0 and JSON Feed 1.1: the latest published articles, full text, with their
authors, dates and language. Parsed with feedparser (and ElementTree for exact content)."""

import calendar
import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import feedparser
import pytest
from django.utils import timezone

from articles.ingest.writer import ingest
from articles.models import Agency, Article, Author
from tests.helpers.sample import SAMPLE_SLUG
from tests.helpers.times import iso

HOST = "http://testserver"
ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
DC = "{http://purl.org/dc/elements/1.1/}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SAMPLE_HEADLINE = "Kerry-Lavrov Rapport Smoothed Path to Syria Deal"
KOREAN_HEADLINE = "시리아 협상의 길을 닦은 케리와 라브로프"


def timestamp(value):
    return int(value.replace(microsecond=0).timestamp())


def author_entry(name, slug):
    """A JSON Feed author, with the address of the author's page."""
    return {"name": name, "url": f"{HOST}/authors/{slug}/"}


def parsed_timestamp(struct):
    return calendar.timegm(struct)


@pytest.fixture
def feed_articles(db, sample_bytes, make_article):
    """Newest first: a Korean article with two authors, the sample, an older article; plus a
    draft and a scheduled one that no feed may show."""
    now = timezone.now()
    sample = ingest(sample_bytes, filename="kerry-lavrov.txt", channel="command", publish=True)
    assert not sample.failed
    Article.objects.filter(pk=sample.article.pk).update(published_at=now - timedelta(hours=2))
    sample = Article.objects.get(pk=sample.article.pk)
    authors = [
        Author.objects.create(name="Kim Min-jun", slug="kim-min-jun"),
        Author.objects.create(name="Anna Smith", slug="anna-smith"),
    ]
    korean = make_article(
        headline=KOREAN_HEADLINE,
        slug="korean-article",
        body="미국과 러시아의 *합의*.\n\n## 소제목\n\n두 번째 문단 & 끝.\n",
        language="ko",
        authors=authors,
        agency=Agency.objects.get(name="Reuters"),
        published_at=now - timedelta(minutes=30),
    )
    older = make_article(
        headline="Older & wiser <news>",
        slug="older",
        standfirst="The summary.",
        published_at=now - timedelta(days=3),
    )
    make_article(headline="DRAFT-ONLY", status=Article.Status.DRAFT, published_at=None)
    make_article(headline="SCHEDULED-ONLY", published_at=now + timedelta(hours=1))
    return [korean, sample, older]


def get(client, url, content_type):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    return response


# --- RSS 2.0 ----------------------------------------------------------------------------


def test_rss_feed(client, feed_articles):
    response = get(client, "/feeds/rss.xml", "application/rss+xml; charset=utf-8")
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "rss20"
    assert feed.feed.title == "Newsroom"
    assert feed.feed.link == f"{HOST}/"
    assert feed.feed.language == "en"
    assert feed.feed.description == "The latest news from Newsroom."
    assert [e.title for e in feed.entries] == [a.headline for a in feed_articles]
    for entry, article in zip(feed.entries, feed_articles, strict=True):
        url = HOST + article.get_absolute_url()
        assert entry.link == url
        assert entry.id == url
        assert parsed_timestamp(entry.published_parsed) == timestamp(article.published_at)
        assert parsed_timestamp(entry.updated_parsed) == timestamp(article.updated_at)
        assert entry.language == article.language
        assert entry.content[0].type == "text/html"
    korean = feed.entries[0]
    assert [a["name"] for a in korean.authors] == ["Anna Smith", "Kim Min-jun"]
    assert "authors" not in feed.entries[1]
    assert feed.entries[2].summary == "The summary."


def test_rss_items_exactly(client, feed_articles):
    """The XML itself: guid is the permalink, content:encoded is the whole body HTML."""
    root = ET.fromstring(
        get(client, "/feeds/rss.xml", "application/rss+xml; charset=utf-8").content
    )
    channel = root.find("channel")
    assert root.get("version") == "2.0"
    assert channel.find(f"{ATOM}link").get("href") == f"{HOST}/feeds/rss.xml"
    items = channel.findall("item")
    assert len(items) == 3
    for item, article in zip(items, feed_articles, strict=True):
        url = HOST + article.get_absolute_url()
        guid = item.find("guid")
        assert (guid.text, guid.get("isPermaLink")) == (url, "true")
        assert item.find("title").text == article.headline
        assert item.find(f"{CONTENT}encoded").text == article.body_html()
        assert item.find(f"{DC}language").text == article.language
        assert item.find(f"{ATOM}updated").text == iso(article.updated_at)
        assert item.find("pubDate").text == timezone.localtime(article.published_at).strftime(
            "%a, %d %b %Y %H:%M:%S %z"
        )
    assert [c.text for c in items[0].findall(f"{DC}creator")] == ["Anna Smith", "Kim Min-jun"]
    assert items[1].find("description").text == (
        "The deal between the United States and Russia on Syrian chemical weapons was due in "
        "no small part to the labors of foreign policy veterans with contrasting…"
    )
    # The plain-text summary is HTML-escaped once in the (HTML) description.
    assert items[0].find("description").text == "미국과 러시아의 합의."


def test_rss_full_text_of_the_sample(client, feed_articles):
    feed = feedparser.parse(client.get("/feeds/rss.xml").content)
    sample = next(e for e in feed.entries if e.title == SAMPLE_HEADLINE)
    content = sample.content[0].value
    assert content.count("<p>") == 32
    assert content.count("<h2>") == 2
    assert content.startswith("<p>The deal between the United States and Russia")
    assert "avert a U.S. military strike on Syria.</p>" in content


# --- Atom 1.0 ---------------------------------------------------------------------------


def test_atom_feed(client, feed_articles):
    response = get(client, "/feeds/atom.xml", "application/atom+xml; charset=utf-8")
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "Newsroom"
    assert feed.feed.language == "en"
    assert feed.feed.link == f"{HOST}/"
    assert [e.title for e in feed.entries] == [a.headline for a in feed_articles]
    for entry, article in zip(feed.entries, feed_articles, strict=True):
        url = HOST + article.get_absolute_url()
        assert entry.link == url
        assert entry.id == url
        assert entry.published == iso(article.published_at)
        assert entry.updated == iso(article.updated_at)
        assert parsed_timestamp(entry.published_parsed) == timestamp(article.published_at)
        # xml:lang on the entry: the language of its title and content.
        assert entry.title_detail.language == article.language
        assert entry.content[0].language == article.language
        assert entry.content[0].type == "text/html"
    assert [a["name"] for a in feed.entries[0].authors] == ["Anna Smith", "Kim Min-jun"]
    assert feed.entries[2].summary == "The summary."


def test_atom_entries_exactly(client, feed_articles):
    root = ET.fromstring(client.get("/feeds/atom.xml").content)
    assert root.get(XML_LANG) == "en"
    self_link = [link for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert self_link[0].get("href") == f"{HOST}/feeds/atom.xml"
    assert root.find(f"{ATOM}updated").text == iso(feed_articles[0].updated_at)
    entries = root.findall(f"{ATOM}entry")
    for entry, article in zip(entries, feed_articles, strict=True):
        assert entry.get(XML_LANG) == article.language
        assert entry.find(f"{ATOM}title").text == article.headline
        content = entry.find(f"{ATOM}content")
        assert content.get("type") == "html"
        assert content.text == article.body_html()
    assert [n.text for n in entries[0].findall(f"{ATOM}author/{ATOM}name")] == [
        "Anna Smith",
        "Kim Min-jun",
    ]
    assert [n.text for n in entries[0].findall(f"{ATOM}author/{ATOM}uri")] == [
        f"{HOST}/authors/anna-smith/",
        f"{HOST}/authors/kim-min-jun/",
    ]
    assert entries[1].findall(f"{ATOM}author") == []


# --- JSON Feed 1.1 ----------------------------------------------------------------------


def test_json_feed(client, feed_articles):
    response = get(client, "/feeds/feed.json", "application/feed+json")
    feed = json.loads(response.content)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] == "Newsroom"
    assert feed["home_page_url"] == f"{HOST}/"
    assert feed["feed_url"] == f"{HOST}/feeds/feed.json"
    assert feed["language"] == "en"
    korean, sample, _older = feed_articles
    assert feed["items"][0] == {
        "id": f"{HOST}/articles/korean-article/",
        "url": f"{HOST}/articles/korean-article/",
        "title": KOREAN_HEADLINE,
        "content_html": korean.body_html(),
        "summary": "미국과 러시아의 합의.",
        "date_published": iso(korean.published_at),
        "date_modified": iso(korean.updated_at),
        "language": "ko",
        "authors": [
            author_entry("Anna Smith", "anna-smith"),
            author_entry("Kim Min-jun", "kim-min-jun"),
        ],
    }
    assert [item["id"] for item in feed["items"]] == [
        f"{HOST}/articles/korean-article/",
        f"{HOST}/articles/{SAMPLE_SLUG}/",
        f"{HOST}/articles/older/",
    ]
    assert "authors" not in feed["items"][1]
    assert feed["items"][1]["content_html"] == sample.body_html()
    assert feed["items"][2]["title"] == "Older & wiser <news>"
    for item in feed["items"]:
        for key in ("date_published", "date_modified"):
            assert datetime.fromisoformat(item[key]).utcoffset() is not None
            assert len(item[key]) == len("2026-11-27T10:00:00+00:00")


# --- All feeds --------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/feeds/rss.xml", "/feeds/atom.xml"])
def test_latest_twenty_only(client, make_article, url):
    now = timezone.now()
    for n in range(25):
        make_article(headline=f"Story {n:02}", published_at=now - timedelta(minutes=n + 1))
    feed = feedparser.parse(client.get(url).content)
    assert feed.bozo == 0
    assert [e.title for e in feed.entries] == [f"Story {n:02}" for n in range(20)]


def test_json_feed_latest_twenty_only(client, make_article):
    now = timezone.now()
    for n in range(25):
        make_article(headline=f"Story {n:02}", published_at=now - timedelta(minutes=n + 1))
    items = json.loads(client.get("/feeds/feed.json").content)["items"]
    assert [item["title"] for item in items] == [f"Story {n:02}" for n in range(20)]


@pytest.mark.parametrize("url", ["/feeds/rss.xml", "/feeds/atom.xml", "/feeds/feed.json"])
def test_only_published_articles(client, feed_articles, url):
    content = client.get(url).content.decode()
    assert "DRAFT-ONLY" not in content
    assert "SCHEDULED-ONLY" not in content


@pytest.mark.parametrize("url", ["/feeds/rss.xml", "/feeds/atom.xml"])
def test_empty_feeds_are_valid(client, db, url):
    feed = feedparser.parse(client.get(url).content)
    assert feed.bozo == 0
    assert feed.entries == []


def test_empty_json_feed(client, db):
    feed = json.loads(client.get("/feeds/feed.json").content)
    assert feed["items"] == []


def test_headline_with_markup_is_text_in_every_feed(client, make_article):
    headline = "A & B </script><script>alert(1)</script>"
    make_article(headline=headline)
    for url in ("/feeds/rss.xml", "/feeds/atom.xml"):
        feed = feedparser.parse(client.get(url).content)
        assert feed.bozo == 0
        assert feed.entries[0].title == headline
    assert json.loads(client.get("/feeds/feed.json").content)["items"][0]["title"] == headline
