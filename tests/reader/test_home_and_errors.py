"""Home page (latest published articles, pagination), the breaking-news banner on every page,
and the 404 and 500 pages."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.urls import include, path
from django.utils import timezone

from articles.models import Alert, Article
from tests.helpers.html import assert_self_contained, page, parse, tab_order

PER_PAGE = 20


def boom(request):
    raise RuntimeError("a bug in a view")


# Used by the handler500 test through @pytest.mark.urls: the real URLs plus a view that fails.
urlpatterns = [
    path("boom/", boom),
    path("", include("articles.reader.urls")),
]


def headlines(document):
    return [card.one("h2").text() for card in document.find_all("li", cls="article-card")]


# --- Home -------------------------------------------------------------------------------


def test_home_lists_published_articles_newest_first(client, make_article):
    now = timezone.now()
    make_article(headline="Two days old", published_at=now - timedelta(days=2))
    make_article(headline="Newest", published_at=now - timedelta(minutes=1))
    make_article(headline="Yesterday", published_at=now - timedelta(days=1))
    make_article(headline="A draft", status=Article.Status.DRAFT, published_at=None)
    make_article(headline="Tomorrow", published_at=now + timedelta(days=1))
    document = page(client, "/")
    assert document.one("h1").text() == "Latest news"
    assert headlines(document) == ["Newest", "Yesterday", "Two days old"]
    for card in document.find_all("li", cls="article-card"):
        link = card.one("h2").one("a")
        article = Article.objects.get(headline=link.text())
        assert link.get("href") == article.get_absolute_url()
        time = card.one("time")
        assert time.get("datetime") == article.published_at.replace(microsecond=0).isoformat()
    assert document.find("nav", cls="pagination") is None
    assert_self_contained(document)


def test_home_without_articles(client, db):
    document = page(client, "/")
    assert document.one("main").find("ol") is None
    assert "No articles have been published yet." in document.one("main").text()


def test_home_marks_foreign_language_cards(client, make_article):
    make_article(headline="케리와 라브로프", language="ko")
    document = page(client, "/")
    card = document.one("li", cls="article-card")
    assert card.get("lang") == "ko"
    assert card.one("p", cls="meta").get("lang") == "en"


def test_pagination(client, make_article):
    now = timezone.now()
    for n in range(45):
        make_article(headline=f"Story {n:02}", published_at=now - timedelta(minutes=n + 1))
    expected = [f"Story {n:02}" for n in range(45)]

    first = page(client, "/")
    assert headlines(first) == expected[:PER_PAGE]
    nav = first.one("nav", cls="pagination")
    assert nav.get("aria-label")
    assert [(a.text(), a.get("href"), a.get("rel")) for a in nav.find_all("a")] == [
        ("Older articles", "?page=2", "next")
    ]
    # No "of N": the pages are not counted (articles/reader/pagination.py).
    assert nav.one(aria_current="page").text() == "Page 1"

    second = page(client, "/?page=2")
    assert headlines(second) == expected[PER_PAGE : 2 * PER_PAGE]
    assert [
        (a.text(), a.get("href")) for a in second.one("nav", cls="pagination").find_all("a")
    ] == [
        ("Newer articles", "?page=1"),
        ("Older articles", "?page=3"),
    ]

    third = page(client, "/?page=3")
    assert headlines(third) == expected[2 * PER_PAGE :]
    nav = third.one("nav", cls="pagination")
    assert [a.text() for a in nav.find_all("a")] == ["Newer articles"]
    assert nav.one(aria_current="page").text() == "Page 3"

    # Without a count there is no "last" page to name.
    for bad in ("4", "0", "abc", "-1", "last", "2.5"):
        document = page(client, f"/?page={bad}", status=404)
        assert document.one("h1").text() == "Page not found"


def test_a_full_last_page_has_no_older_link(client, make_article):
    now = timezone.now()
    for n in range(2 * PER_PAGE):
        make_article(headline=f"Story {n:02}", published_at=now - timedelta(minutes=n + 1))
    second = page(client, "/?page=2")
    assert len(headlines(second)) == PER_PAGE
    nav = second.one("nav", cls="pagination")
    assert [a.text() for a in nav.find_all("a")] == ["Newer articles"]
    page(client, "/?page=3", status=404)


def test_an_empty_site_has_a_first_page(client, db):
    document = page(client, "/")
    assert headlines(document) == []


def test_home_query_count_is_constant(client, make_article, agency, django_assert_num_queries):
    for n in range(PER_PAGE + 5):
        make_article(headline=f"Story {n}", agency=agency)
    # The page of articles with their agencies and the alert (one more article, to know of an
    # older page; no count): one statement, on a warm connection.
    client.get("/")
    with django_assert_num_queries(1):
        response = client.get("/")
    assert len(headlines(parse(response.content))) == PER_PAGE


# --- Breaking news ----------------------------------------------------------------------


@pytest.fixture
def article(make_article):
    return make_article(headline="An ordinary story")


def banner(document):
    statuses = document.find_all(role="status")
    return statuses[0] if statuses else None


@pytest.mark.parametrize("url", ["/", "article", "/no-such-page/"])
def test_active_alert_is_on_every_page(client, article, url):
    Alert.objects.create(text="Earthquake hits the capital", starts_at=timezone.now())
    url = article.get_absolute_url() if url == "article" else url
    response = client.get(url)
    document = parse(response.content)
    status = banner(document)
    assert status is not None
    assert status.text() == "Breaking news: Earthquake hits the capital"
    assert "breaking-news" in status.classes
    assert not status.inside("main")
    # The banner does not push itself before the skip links.
    assert tab_order(document)[0].text() == "Skip to main content"


def test_alert_with_a_link(client, article):
    Alert.objects.create(text="Live coverage", url="https://newsroom.example/live/")
    status = banner(page(client, "/"))
    assert status.one("a").get("href") == "https://newsroom.example/live/"
    assert status.one("a").text() == "Live coverage"


def test_newest_active_alert_wins(client, article):
    now = timezone.now()
    Alert.objects.create(text="Older alert", starts_at=now - timedelta(hours=2))
    Alert.objects.create(text="Newer alert", starts_at=now - timedelta(minutes=5))
    document = page(client, "/")
    assert len(document.find_all(role="status")) == 1
    assert banner(document).text() == "Breaking news: Newer alert"


@pytest.mark.parametrize(
    ("starts", "ends"),
    [
        (timedelta(hours=-2), timedelta(hours=-1)),  # ended
        (timedelta(hours=1), None),  # not started
        (timedelta(hours=1), timedelta(hours=2)),  # not started, with an end
    ],
)
def test_inactive_alert_shows_no_banner(client, article, starts, ends):
    now = timezone.now()
    Alert.objects.create(
        text="Not now", starts_at=now + starts, ends_at=now + ends if ends else None
    )
    for url in ("/", article.get_absolute_url(), "/no-such-page/"):
        response = client.get(url)
        document = parse(response.content)
        assert banner(document) is None
        assert document.find(cls="breaking-news") is None
        assert b"Not now" not in response.content
        assert b"Breaking news" not in response.content


# --- 404 --------------------------------------------------------------------------------


def assert_our_404(response):
    assert response.status_code == 404
    document = parse(response.content)
    assert document.one("title").text() == "Page not found · Newsroom"  # 404.html
    assert document.one("h1").text() == "Page not found"
    assert document.one("main").get("id") == "main"
    home_link = document.one("main").find("a", href="/")
    assert home_link is not None and home_link.text() == "Go to the latest news"
    assert b"Traceback" not in response.content
    assert b"Page not found at" not in response.content  # Django's debug 404
    assert_self_contained(document)
    return document


@pytest.mark.parametrize(
    "url",
    ["/no-such-page/", "/articles/no-such-article/", "/articles/", "/static-nope/x.css"],
)
def test_unknown_url_is_our_404(client, db, url):
    assert_our_404(client.get(url))


def test_unpublished_articles_are_our_404(client, make_article):
    draft = make_article(headline="Draft", status=Article.Status.DRAFT, published_at=None)
    scheduled = make_article(headline="Scheduled", published_at=timezone.now() + timedelta(hours=1))
    for article in (draft, scheduled):
        document = assert_our_404(client.get(article.get_absolute_url()))
        assert article.headline not in document.one("body").text()


# --- 500 --------------------------------------------------------------------------------


def test_500_template_renders_standalone():
    html = render_to_string("500.html")
    document = parse(html)
    assert document.one("html").get("lang") == "en"
    assert document.one("h1").text() == "Something went wrong"
    assert document.one("main").get("id") == "main"
    assert document.one("link", rel="stylesheet").get("href") == "/static/css/site.css"
    assert document.find("a", href="/") is not None
    assert_self_contained(document)
    # Nothing in it needs a database, a request or context processors.
    assert "{{" not in html and "{%" not in html


@pytest.mark.urls("tests.reader.test_home_and_errors")
def test_handler500_uses_our_template(client, db):
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    document = parse(response.content)
    assert document.one("title").text() == "Something went wrong · Newsroom"  # 500.html
    assert document.one("h1").text() == "Something went wrong"
    assert b"Traceback" not in response.content
    assert b"RuntimeError" not in response.content
    assert b"a bug in a view" not in response.content


def test_alert_is_looked_up_once_per_page(client, article, django_assert_num_queries):
    Alert.objects.create(text="One lookup", url="https://newsroom.example/live/")
    # The article with agency, the alert, its authors and its captions: one statement (on a
    # warm connection).
    client.get(article.get_absolute_url())
    with django_assert_num_queries(1):
        response = client.get(article.get_absolute_url())
    assert banner(parse(response.content)).text() == "Breaking news: One lookup"


@pytest.mark.parametrize("url", ["/", "article", "/no-such-page/"])
def test_public_pages_set_no_cookie(client, article, url):
    """Anonymous readers get no session or CSRF cookie, so shared caches can keep the pages."""
    response = client.get(article.get_absolute_url() if url == "article" else url)

    assert response.status_code in (200, 404)
    assert not response.cookies
    assert "Set-Cookie" not in response.headers
