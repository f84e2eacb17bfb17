"""Drafts and scheduled articles never reach readers: a sweep over every public page, then
the same sweep after publishing them shows they do appear once published."""

import json
from datetime import timedelta
from urllib.parse import urljoin

import pytest
from django.utils import timezone

from articles.models import Agency, Article, Author
from tests.helpers.html import parse
from tests.helpers.public import MACHINE_READABLE

PUBLISHED = "PUBLISHED-HEADLINE"
DRAFT = "DRAFT-HEADLINE"
SCHEDULED = "SCHEDULED-HEADLINE"
# Matches the three headlines above on both databases.
SEARCH_URL = "/search/?q=HEADLINE"


@pytest.fixture
def articles(make_article):
    now = timezone.now()
    # Enough filler for three home pages, so pagination is swept too.
    for n in range(45):
        make_article(headline=f"Filler {n}", published_at=now - timedelta(hours=2, minutes=n))
    # The three share an agency and an author, so their pages are swept too.
    byline = {
        "agency": Agency.objects.create(name="Sweep Wire", slug="sweep-wire"),
        "authors": [Author.objects.create(name="Sweep Writer", slug="sweep-writer")],
    }
    return {
        PUBLISHED: make_article(headline=PUBLISHED, slug="published-article", **byline),
        DRAFT: make_article(
            headline=DRAFT,
            slug="draft-article",
            status=Article.Status.DRAFT,
            published_at=None,
            **byline,
        ),
        SCHEDULED: make_article(
            headline=SCHEDULED,
            slug="scheduled-article",
            published_at=now + timedelta(days=1),
            **byline,
        ),
    }


def start_urls():
    """The public pages the sweep starts from: home and every page that lists articles.
    The sweep follows each one's pagination ("next" links) and, from the archive, every
    link into the archive (years, months, days). Add new public pages here."""
    return [
        "/",
        "/archive/",
        SEARCH_URL,
        *(agency.get_absolute_url() for agency in Agency.objects.all()),
        *(author.get_absolute_url() for author in Author.objects.all()),
    ]


def listed_on(article):
    """The pages of start_urls (and the archive pages under them) that should list a
    published `article`, the newest of its agency, author, year, month and day."""
    day = timezone.localtime(article.published_at)
    return {
        "/",
        "/archive/",
        f"/archive/{day.year}/",
        f"/archive/{day.year}/{day.month}/",
        f"/archive/{day.year}/{day.month}/{day.day}/",
        SEARCH_URL,
        article.agency.get_absolute_url(),
        *(author.get_absolute_url() for author in article.authors.all()),
    }


def sweep(client):
    """Every public page a reader can reach from start_urls(), every article they link to,
    plus a 404: {url: (status, html)}."""
    pages = {}
    queue = start_urls()
    while queue:
        url = queue.pop(0)
        if url in pages:
            continue
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = (200, response.content.decode())
        document = parse(response.content)
        older = document.find("a", rel="next")  # the next page of the list
        if older:
            queue.append(urljoin(url, older.get("href")))
        if url.startswith("/archive/"):
            queue += [
                a.get("href")
                for a in document.one("main").find_all("a")
                if a.get("href", "").startswith("/archive/")
            ]
    article_urls = {
        a.get("href")
        for _, html in list(pages.values())
        for a in parse(html).find_all("a")
        if (a.get("href") or "").startswith("/articles/")
    }
    for url in sorted(article_urls):
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = (200, response.content.decode())
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    pages["/no-such-page/"] = (404, response.content.decode())
    return pages


def appears(pages, text):
    return [url for url, (_, html) in pages.items() if text in html]


@pytest.fixture(params=["anonymous", "editor"])
def reader(request, client):
    """Public pages are the same for everyone: an editor's login shows no drafts there."""
    if request.param == "editor":
        return request.getfixturevalue("editor_client")
    return client


def test_drafts_and_scheduled_never_leak_then_appear_once_published(reader, articles):
    draft, scheduled = articles[DRAFT], articles[SCHEDULED]

    pages = sweep(reader)
    assert len([url for url in pages if url.startswith("/articles/")]) == 46
    for url in ["/agencies/sweep-wire/", "/authors/sweep-writer/", "/archive/", SEARCH_URL]:
        assert url in pages
    assert len([url for url in pages if url.startswith("/archive/")]) >= 4
    published = articles[PUBLISHED]
    assert set(appears(pages, PUBLISHED)) == listed_on(published) | {published.get_absolute_url()}
    assert appears(pages, DRAFT) == []
    assert appears(pages, SCHEDULED) == []
    for article in (draft, scheduled):
        assert article.get_absolute_url() not in pages
        response = reader.get(article.get_absolute_url())
        assert response.status_code == 404
        assert article.headline.encode() not in response.content

    # Publish the draft now and bring the scheduled time into the past.
    draft.status = Article.Status.PUBLISHED
    draft.published_at = timezone.now()
    draft.save()
    scheduled.published_at = timezone.now() - timedelta(minutes=1)
    scheduled.save()

    pages = sweep(reader)
    assert set(appears(pages, DRAFT)) == listed_on(draft) | {draft.get_absolute_url()}
    assert set(appears(pages, SCHEDULED)) == listed_on(scheduled) | {scheduled.get_absolute_url()}
    home = parse(pages["/"][1])
    newest = [card.one("h2").text() for card in home.find_all("li", cls="article-card")][:3]
    assert newest == [DRAFT, SCHEDULED, PUBLISHED]

    # And back: unpublishing hides it again at once.
    draft.status = Article.Status.DRAFT
    draft.save()
    pages = sweep(reader)
    assert appears(pages, DRAFT) == []
    assert reader.get(draft.get_absolute_url()).status_code == 404


def test_scheduled_article_appears_when_its_time_comes(client, articles):
    """A publication time reached after the pages were first served counts: the views read
    "now" on every request, not once when they are loaded."""
    scheduled = articles[SCHEDULED]
    assert client.get(scheduled.get_absolute_url()).status_code == 404
    # The clock passes the publication time (moved, as waiting a day is not an option).
    Article.objects.filter(pk=scheduled.pk).update(
        published_at=timezone.now() - timedelta(seconds=1)
    )
    assert client.get(scheduled.get_absolute_url()).status_code == 200
    assert SCHEDULED in client.get("/").content.decode()


# --- Feeds, sitemaps and JSON-LD --------------------------------------------------------


def machine_readable(client):
    """Every feed and sitemap: {url: text}."""
    surfaces = {}
    for url in MACHINE_READABLE:
        response = client.get(url)
        assert response.status_code == 200, url
        surfaces[url] = response.content.decode()
    return surfaces


def article_jsonld(client, article):
    """The JSON-LD blocks of the article's page (none when it is not served)."""
    response = client.get(article.get_absolute_url())
    if response.status_code == 404:
        assert b"application/ld+json" not in response.content
        return []
    scripts = parse(response.content).find_all("script", type="application/ld+json")
    return [json.loads(script.raw_text()) for script in scripts]


def test_drafts_and_scheduled_never_in_feeds_sitemaps_or_jsonld(reader, articles):
    draft, scheduled = articles[DRAFT], articles[SCHEDULED]
    published = articles[PUBLISHED]
    surfaces = machine_readable(reader)
    for url, text in surfaces.items():
        assert published.get_absolute_url() in text, url
        for article in (draft, scheduled):
            assert article.headline not in text, url
            assert article.get_absolute_url() not in text, url
    assert [data["headline"] for data in article_jsonld(reader, published)] == [PUBLISHED]
    assert article_jsonld(reader, draft) == []
    assert article_jsonld(reader, scheduled) == []

    # Publish the draft now and bring the scheduled time into the past.
    draft.status = Article.Status.PUBLISHED
    draft.published_at = timezone.now()
    draft.save()
    Article.objects.filter(pk=scheduled.pk).update(
        published_at=timezone.now() - timedelta(minutes=1)
    )

    surfaces = machine_readable(reader)
    for url, text in surfaces.items():
        for article in (draft, scheduled):
            assert article.get_absolute_url() in text, url
            if url != "/sitemap.xml":  # the only one without titles
                assert article.headline in text, url
    assert [data["headline"] for data in article_jsonld(reader, draft)] == [DRAFT]
    assert [data["headline"] for data in article_jsonld(reader, scheduled)] == [SCHEDULED]

    # And back: unpublished, it leaves every feed and sitemap at once.
    draft.status = Article.Status.DRAFT
    draft.save()
    for url, text in machine_readable(reader).items():
        assert DRAFT not in text, url
        assert draft.get_absolute_url() not in text, url
    assert article_jsonld(reader, draft) == []


# --- Withdrawn articles too: every public surface, then each state flipped ------------------

WITHDRAWN = "WITHDRAWN-HEADLINE"  # matched by SEARCH_URL as well
HIDDEN = (DRAFT, SCHEDULED, WITHDRAWN)


@pytest.fixture
def four_states(articles, make_article):
    """The draft, scheduled and published articles of `articles`, and a withdrawn one with
    the same agency and author (it was published half an hour ago, then withdrawn)."""
    published = articles[PUBLISHED]
    withdrawn = make_article(
        headline=WITHDRAWN,
        slug="withdrawn-article",
        status=Article.Status.WITHDRAWN,
        published_at=timezone.now() - timedelta(minutes=30),
        agency=published.agency,
        authors=list(published.authors.all()),
    )
    return {**articles, WITHDRAWN: withdrawn}


def every_surface(client):
    """Every public page (sweep: home and its pages, article pages, agency, author,
    archives, search, 404; each article page's JSON-LD is in its HTML), every feed and
    sitemap: {url: text}."""
    surfaces = {url: html for url, (_, html) in sweep(client).items()}
    surfaces.update(machine_readable(client))
    return surfaces


def test_draft_scheduled_and_withdrawn_leak_nowhere_then_appear_once_published(reader, four_states):
    from django.test import Client

    anonymous = Client()
    published = four_states[PUBLISHED]
    surfaces = every_surface(reader)

    assert {"/", "/archive/", SEARCH_URL, "/no-such-page/", *MACHINE_READABLE} <= set(surfaces)
    assert "/agencies/sweep-wire/" in surfaces and "/authors/sweep-writer/" in surfaces
    assert published.get_absolute_url() in surfaces
    assert set(appears(pages_of(surfaces), PUBLISHED)) >= listed_on(published)
    for headline in HIDDEN:
        article = four_states[headline]
        assert appears(pages_of(surfaces), headline) == [], headline
        for url, text in surfaces.items():
            assert article.get_absolute_url() not in text, (headline, url)
        assert article_jsonld(reader, article) == []
        # Its preview is for staff only: the public gets the same 404 as for a draft.
        preview = anonymous.get(f"{article.get_absolute_url()}preview/")
        assert preview.status_code == 404
        assert headline.encode() not in preview.content
    for headline in (DRAFT, SCHEDULED):
        response = reader.get(four_states[headline].get_absolute_url())
        assert response.status_code == 404
        assert headline.encode() not in response.content
    # The withdrawn article's own address says so, and says nothing more.
    gone = reader.get(four_states[WITHDRAWN].get_absolute_url())
    assert gone.status_code == 410
    assert b'<meta name="robots" content="noindex">' in gone.content
    assert b"application/ld+json" not in gone.content
    assert b"This article has been withdrawn." in gone.content

    # Flip each: the draft published now, the scheduled time passed, the withdrawn one
    # published again.
    draft = four_states[DRAFT]
    draft.status = Article.Status.PUBLISHED
    draft.published_at = timezone.now()
    draft.save()
    Article.objects.filter(pk=four_states[SCHEDULED].pk).update(
        published_at=timezone.now() - timedelta(minutes=1)
    )
    withdrawn = four_states[WITHDRAWN]
    withdrawn.status = Article.Status.PUBLISHED
    withdrawn.save()

    surfaces = every_surface(reader)
    for headline in HIDDEN:
        article = Article.objects.get(headline=headline)
        url = article.get_absolute_url()
        assert set(appears(pages_of(surfaces), headline)) == listed_on(article) | {url}
        for feed in MACHINE_READABLE:
            assert url in surfaces[feed], (headline, feed)
            if feed != "/sitemap.xml":  # the only one without titles
                assert headline in surfaces[feed], (headline, feed)
        assert [data["headline"] for data in article_jsonld(reader, article)] == [headline]
        assert reader.get(url).status_code == 200


def pages_of(surfaces):
    """The HTML pages of every_surface, in the shape appears() takes."""
    return {url: (200, text) for url, text in surfaces.items() if url not in MACHINE_READABLE}
