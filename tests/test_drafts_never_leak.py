"""Drafts and scheduled articles never reach readers: a sweep over every public page, then
the same sweep after publishing them shows they do appear once published."""

from datetime import timedelta
from urllib.parse import urljoin

import pytest
from django.utils import timezone

from articles.models import Article
from tests.test_article_page import parse

PUBLISHED = "PUBLISHED-HEADLINE"
DRAFT = "DRAFT-HEADLINE"
SCHEDULED = "SCHEDULED-HEADLINE"


@pytest.fixture
def articles(make_article):
    now = timezone.now()
    # Enough filler for three home pages, so pagination is swept too.
    for n in range(45):
        make_article(headline=f"Filler {n}", published_at=now - timedelta(hours=2, minutes=n))
    return {
        PUBLISHED: make_article(headline=PUBLISHED, slug="published-article"),
        DRAFT: make_article(
            headline=DRAFT, slug="draft-article", status=Article.Status.DRAFT, published_at=None
        ),
        SCHEDULED: make_article(
            headline=SCHEDULED, slug="scheduled-article", published_at=now + timedelta(days=1)
        ),
    }


def sweep(client):
    """Every public page a reader can reach from home, plus a 404: {url: (status, html)}."""
    pages = {}
    url = "/"
    while url:  # home and all its pages, following "Older articles"
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = (200, response.content.decode())
        document = parse(response.content)
        older = document.find("a", rel="next")
        url = urljoin("/", older.get("href")) if older else None
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
    assert appears(pages, PUBLISHED) == ["/", articles[PUBLISHED].get_absolute_url()]
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
    assert appears(pages, DRAFT) == ["/", draft.get_absolute_url()]
    assert appears(pages, SCHEDULED) == ["/", scheduled.get_absolute_url()]
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
