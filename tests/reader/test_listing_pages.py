"""The reader pages that list articles: agency and author pages, the date archives; and the
article page's links to them and its publication and update times."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.template import engines
from django.utils import timezone

from articles.models import Agency, Article, Author
from tests.helpers.html import assert_self_contained, is_same_origin, page, parse
from tests.helpers.images import png_bytes

PER_PAGE = 20
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")


def ago(**kwargs):
    return timezone.now() - timedelta(**kwargs)


def at(*args):
    """An aware datetime in UTC."""
    return datetime(*args, tzinfo=UTC)


def headlines(document):
    """The headlines of the article cards, in order (h2 on home, h3 under a section h2)."""
    return [_card_heading(card) for card in document.find_all("li", cls="article-card")]


def _card_heading(card):
    headings = [n for n in card.iter() if n.tag in ("h2", "h3")]
    assert len(headings) == 1, card
    return headings[0].text()


def links(node):
    return [(a.text(), a.get("href")) for a in node.find_all("a")]


def pagination_links(document):
    nav = document.find("nav", cls="pagination")
    return links(nav) if nav else None


def assert_our_404(client, url):
    response = client.get(url)
    assert response.status_code == 404, url
    assert parse(response.content).one("h1").text() == "Page not found"


def assert_sound(document, external=()):
    """What every reader page keeps: one h1, unique ids, nothing from another host but the
    `external` links."""
    assert len(document.find_all("h1")) == 1
    ids = [n.get("id") for n in document.iter() if n.get("id")]
    assert len(ids) == len(set(ids)), "duplicate id"
    body = document.one("body")
    outside = [a for a in body.find_all("a") if not is_same_origin(a.get("href"))]
    assert [a.get("href") for a in outside] == list(external)
    for a in outside:
        a.attrs["href"] = "/"  # checked: the rest of the page must be self-contained
    assert_self_contained(body)


# --- Agency page ------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_agency_url():
    agency = Agency(name="Reuters", slug="reuters")
    assert agency.get_absolute_url() == "/agencies/reuters/"
    assert (
        Agency(slug="연합뉴스").get_absolute_url()
        == "/agencies/%EC%97%B0%ED%95%A9%EB%89%B4%EC%8A%A4/"
    )


def test_agency_page(client, make_article, media):
    agency = Agency.objects.create(
        name="Reuters",
        slug="reuters",
        description="Reuters is a news agency founded in 1851.",
        website="https://www.reuters.example/",
    )
    agency.logo.save("reuters.png", ContentFile(png_bytes()))
    other = Agency.objects.create(name="AFP", slug="afp")
    make_article(headline="Older", agency=agency, published_at=ago(days=2))
    make_article(headline="Newer", agency=agency, published_at=ago(days=1))
    make_article(headline="From AFP", agency=other)
    make_article(headline="No agency")
    make_article(headline="Draft", agency=agency, status=Article.Status.DRAFT, published_at=None)
    make_article(headline="Scheduled", agency=agency, published_at=ago(hours=-1))

    document = page(client, "/agencies/reuters/")
    main = document.one("main")
    assert main.one("h1").text() == "Reuters"
    assert document.one("title").text() == "Reuters · Newsroom"
    assert "Reuters is a news agency founded in 1851." in [p.text() for p in main.find_all("p")]
    assert ("Reuters website", "https://www.reuters.example/") in links(main)
    logo = main.one("img")
    assert logo.get("alt") == ""  # decorative: the name is the h1 next to it
    assert logo.get("src") == agency.logo.url
    assert main.one("h2").text() == "Articles from Reuters"
    assert headlines(document) == ["Newer", "Older"]
    assert pagination_links(document) is None
    assert_sound(document, external=["https://www.reuters.example/"])


def test_agency_without_articles_logo_or_website(client, db):
    Agency.objects.create(name="Example Wire", slug="example-wire")
    document = page(client, "/agencies/example-wire/")
    main = document.one("main")
    assert main.find("img") is None
    assert main.find("ol") is None
    assert main.find("h2") is None
    assert [p.text() for p in main.find_all("p")] == [
        "No articles from Example Wire have been published yet."
    ]


def test_agency_with_a_unicode_slug(client, make_article):
    agency = Agency.objects.create(name="연합뉴스", slug="연합뉴스")
    make_article(headline="서울 소식", agency=agency, language="ko")
    document = page(client, agency.get_absolute_url())
    assert document.one("h1").text() == "연합뉴스"
    assert headlines(document) == ["서울 소식"]


def test_agency_pages(client, make_article, agency):
    for n in range(45):
        make_article(headline=f"Story {n:02}", agency=agency, published_at=ago(minutes=n + 1))
    expected = [f"Story {n:02}" for n in range(45)]
    first = page(client, "/agencies/reuters/")
    assert headlines(first) == expected[:PER_PAGE]
    assert pagination_links(first) == [("Older articles", "?page=2")]
    second = page(client, "/agencies/reuters/?page=2")
    assert headlines(second) == expected[PER_PAGE : 2 * PER_PAGE]
    assert second.one("title").text() == "Reuters · Page 2 · Newsroom"
    assert pagination_links(second) == [
        ("Newer articles", "?page=1"),
        ("Older articles", "?page=3"),
    ]
    assert headlines(page(client, "/agencies/reuters/?page=3")) == expected[2 * PER_PAGE :]
    for bad in ("4", "0", "abc"):
        assert_our_404(client, f"/agencies/reuters/?page={bad}")


def test_unknown_agency_is_404(client, db):
    assert_our_404(client, "/agencies/no-such-agency/")
    assert_our_404(client, "/agencies/")


def test_article_agency_box_links_to_the_agency_page(client, make_article, agency):
    article = make_article(agency=agency)
    document = page(client, article.get_absolute_url())
    box = document.one("aside", cls="agency-box")
    assert links(box.one("h2")) == [("Reuters", "/agencies/reuters/")]
    assert document.by_id(box.get("aria-labelledby")).text() == "Reuters"


# --- Author page ------------------------------------------------------------------------


@pytest.fixture
def jane(agency):
    return Author.objects.create(
        name="Jane Doe", slug="jane-doe", bio="Jane covers diplomacy.", agency=agency
    )


def test_author_url():
    assert Author(slug="jane-doe").get_absolute_url() == "/authors/jane-doe/"


def test_author_page(client, make_article, jane):
    john = Author.objects.create(name="John Roe", slug="john-roe")
    make_article(headline="Alone", authors=[jane], published_at=ago(days=3))
    make_article(headline="Together", authors=[john, jane], published_at=ago(days=2))
    make_article(headline="John only", authors=[john], published_at=ago(days=1))
    make_article(headline="Draft", authors=[jane], status=Article.Status.DRAFT, published_at=None)
    make_article(headline="Scheduled", authors=[jane], published_at=ago(hours=-1))

    document = page(client, "/authors/jane-doe/")
    main = document.one("main")
    assert main.one("h1").text() == "Jane Doe"
    assert document.one("title").text() == "Jane Doe · Newsroom"
    assert [p.text() for p in main.one("div", cls="profile").find_all("p")] == [
        "Writes for Reuters",
        "Jane covers diplomacy.",
    ]
    assert links(main.one("div", cls="profile")) == [("Reuters", "/agencies/reuters/")]
    assert main.one("h2").text() == "Articles by Jane Doe"
    assert headlines(document) == ["Together", "Alone"]
    assert_sound(document)


def test_author_without_agency_or_articles(client, db):
    Author.objects.create(name="John Roe", slug="john-roe")
    document = page(client, "/authors/john-roe/")
    main = document.one("main")
    assert links(main) == []
    assert [p.text() for p in main.find_all("p")] == [
        "No articles by John Roe have been published yet."
    ]


def test_author_pages(client, make_article, jane):
    for n in range(25):
        make_article(headline=f"Story {n:02}", authors=[jane], published_at=ago(minutes=n + 1))
    first = page(client, "/authors/jane-doe/")
    assert headlines(first) == [f"Story {n:02}" for n in range(PER_PAGE)]
    assert pagination_links(first) == [("Older articles", "?page=2")]
    second = page(client, "/authors/jane-doe/?page=2")
    assert headlines(second) == [f"Story {n:02}" for n in range(PER_PAGE, 25)]
    assert_our_404(client, "/authors/jane-doe/?page=3")


def test_unknown_author_is_404(client, db):
    assert_our_404(client, "/authors/nobody/")


def test_byline_links_each_author_in_order(client, make_article, agency):
    authors = [
        Author.objects.create(name=name, slug=slug)
        for name, slug in [("Jane Doe", "jane-doe"), ("John Roe", "john-roe")]
    ]
    article = make_article(agency=agency, authors=authors)
    byline = page(client, article.get_absolute_url()).one("p", cls="byline")
    assert links(byline) == [("Jane Doe", "/authors/jane-doe/"), ("John Roe", "/authors/john-roe/")]
    assert byline.text().startswith("By Jane Doe, John Roe · Reuters · Published ")


# --- Article times ----------------------------------------------------------------------


def test_article_shows_publication_time_only_when_not_updated_later(client, make_article):
    article = make_article(published_at=at(2026, 11, 27, 10, 0, 0, 123456))
    # Saved within a minute of publication: not an update.
    Article.objects.filter(pk=article.pk).update(updated_at=at(2026, 11, 27, 10, 0, 59))
    byline = page(client, article.get_absolute_url()).one("p", cls="byline")
    [time] = byline.find_all("time")
    assert time.get("datetime") == "2026-11-27T10:00:00+00:00"  # no microseconds
    assert byline.text() == "Published 27 November 2026, 10:00 UTC"
    assert byline.get("lang") == "en"


def test_article_shows_update_time_when_updated_later(client, make_article):
    article = make_article(published_at=at(2026, 11, 27, 10, 0))
    Article.objects.filter(pk=article.pk).update(updated_at=at(2026, 11, 27, 14, 35, 7, 999))
    byline = page(client, article.get_absolute_url()).one("p", cls="byline")
    assert [t.get("datetime") for t in byline.find_all("time")] == [
        "2026-11-27T10:00:00+00:00",
        "2026-11-27T14:35:07+00:00",
    ]
    assert byline.text() == (
        "Published 27 November 2026, 10:00 UTC · Updated 27 November 2026, 14:35 UTC"
    )


def test_times_are_in_the_sites_time_zone(client, make_article, settings):
    settings.TIME_ZONE = "Asia/Seoul"
    article = make_article(published_at=at(2026, 11, 27, 20, 0))
    Article.objects.filter(pk=article.pk).update(updated_at=at(2026, 11, 28, 1, 30))
    byline = page(client, article.get_absolute_url()).one("p", cls="byline")
    assert [t.get("datetime") for t in byline.find_all("time")] == [
        "2026-11-28T05:00:00+09:00",
        "2026-11-28T10:30:00+09:00",
    ]
    assert byline.text() == (
        "Published 28 November 2026, 05:00 KST · Updated 28 November 2026, 10:30 KST"
    )
    card_time = page(client, "/").one("li", cls="article-card").one("time")
    assert card_time.get("datetime") == "2026-11-28T05:00:00+09:00"


def test_every_listing_formats_times_the_same_way(client, make_article, agency):
    author = Author.objects.create(name="Jane Doe", slug="jane-doe")
    article = make_article(
        headline="Timed", agency=agency, authors=[author], published_at=at(2024, 5, 6, 7, 8, 9, 10)
    )
    for url in [
        "/",
        "/agencies/reuters/",
        "/authors/jane-doe/",
        "/archive/",
        "/archive/2024/",
        "/archive/2024/5/",
        "/archive/2024/5/6/",
        "/search/?q=timed",
        article.get_absolute_url(),
    ]:
        times = page(client, url).one("main").find_all("time")
        assert [(t.get("datetime"), t.text()) for t in times][:1] == [
            ("2024-05-06T07:08:09+00:00", "6 May 2024, 07:08 UTC")
        ], url
        assert all(ISO.fullmatch(t.get("datetime")) for t in times)


# --- Date archives ----------------------------------------------------------------------


@pytest.fixture
def dated(make_article):
    """Published articles on known dates (UTC), and some that must not show."""
    rows = [
        ("New Year's Eve", at(2023, 12, 31, 23, 59)),
        ("Leap day late", at(2024, 2, 29, 20, 0)),
        ("March first", at(2024, 3, 1, 10, 0)),
        ("March first, later", at(2024, 3, 1, 18, 0)),
        ("Ides of March", at(2024, 3, 15, 12, 0)),
        ("New Year", at(2025, 1, 1, 3, 0)),
    ]
    made = {headline: make_article(headline=headline, published_at=when) for headline, when in rows}
    make_article(headline="Draft of March", status=Article.Status.DRAFT, published_at=None)
    # A draft with a publication time in the archive's range is still a draft.
    make_article(
        headline="Unpublished March", status=Article.Status.DRAFT, published_at=at(2024, 3, 2)
    )
    return made


def test_archive_index_lists_years_and_latest_articles(client, dated):
    document = page(client, "/archive/")
    main = document.one("main")
    assert main.one("h1").text() == "Archive"
    assert document.one("title").text() == "Archive · Newsroom"
    years = main.one("nav", cls="archive-periods")
    assert years.get("aria-label") == "Years"
    assert links(years) == [
        ("2025", "/archive/2025/"),
        ("2024", "/archive/2024/"),
        ("2023", "/archive/2023/"),
    ]
    assert main.one("h2").text() == "Latest articles"
    assert headlines(document) == [
        "New Year",
        "Ides of March",
        "March first, later",
        "March first",
        "Leap day late",
        "New Year's Eve",
    ]
    assert_sound(document)


def test_archive_is_in_the_main_nav(client, db):
    nav = page(client, "/").one("nav", id="site-nav")
    assert links(nav) == [("Latest news", "/"), ("Archive", "/archive/")]


def test_archive_index_without_articles(client, db):
    document = page(client, "/archive/")
    main = document.one("main")
    assert main.find("nav") is None
    assert main.find("ol") is None
    assert "No articles have been published yet." in main.text()


def test_year_archive(client, dated):
    document = page(client, "/archive/2024/")
    main = document.one("main")
    assert main.one("h1").text() == "2024"
    assert document.one("title").text() == "2024 · Archive · Newsroom"
    assert links(main.one("nav", cls="breadcrumbs")) == [("Archive", "/archive/")]
    months = main.one("nav", cls="archive-periods")
    assert months.get("aria-label") == "Months of 2024"
    assert links(months) == [("February", "/archive/2024/2/"), ("March", "/archive/2024/3/")]
    assert links(main.one("nav", cls="period-nav")) == [
        ("Previous year: 2023", "/archive/2023/"),
        ("Next year: 2025", "/archive/2025/"),
    ]
    assert main.one("h2").text() == "Articles from 2024"
    assert headlines(document) == [
        "Ides of March",
        "March first, later",
        "March first",
        "Leap day late",
    ]
    assert_sound(document)
    # The first and last years link only one way.
    assert links(page(client, "/archive/2023/").one("nav", cls="period-nav")) == [
        ("Next year: 2024", "/archive/2024/")
    ]
    assert links(page(client, "/archive/2025/").one("nav", cls="period-nav")) == [
        ("Previous year: 2024", "/archive/2024/")
    ]


def test_month_archive(client, dated):
    document = page(client, "/archive/2024/3/")
    main = document.one("main")
    assert main.one("h1").text() == "March 2024"
    assert document.one("title").text() == "March 2024 · Archive · Newsroom"
    assert links(main.one("nav", cls="breadcrumbs")) == [
        ("Archive", "/archive/"),
        ("2024", "/archive/2024/"),
    ]
    days = main.one("nav", cls="archive-periods")
    assert days.get("aria-label") == "Days of March 2024"
    assert links(days) == [("1 March", "/archive/2024/3/1/"), ("15 March", "/archive/2024/3/15/")]
    # The neighbours are the nearest months with articles, not empty ones.
    assert links(main.one("nav", cls="period-nav")) == [
        ("Previous month: February 2024", "/archive/2024/2/"),
        ("Next month: January 2025", "/archive/2025/1/"),
    ]
    assert headlines(document) == ["Ides of March", "March first, later", "March first"]
    # A zero-padded month is the same month.
    assert headlines(page(client, "/archive/2024/03/")) == headlines(document)
    assert_sound(document)


def test_day_archive(client, dated):
    document = page(client, "/archive/2024/3/1/")
    main = document.one("main")
    assert main.one("h1").text() == "1 March 2024"
    assert document.one("title").text() == "1 March 2024 · Archive · Newsroom"
    assert links(main.one("nav", cls="breadcrumbs")) == [
        ("Archive", "/archive/"),
        ("2024", "/archive/2024/"),
        ("March 2024", "/archive/2024/3/"),
    ]
    assert main.find("nav", cls="archive-periods") is None
    assert links(main.one("nav", cls="period-nav")) == [
        ("Previous day: 29 February 2024", "/archive/2024/2/29/"),
        ("Next day: 15 March 2024", "/archive/2024/3/15/"),
    ]
    assert headlines(document) == ["March first, later", "March first"]
    assert_sound(document)


def test_archives_follow_the_sites_time_zone(client, dated, settings):
    # 29 February 20:00 UTC is 1 March 05:00 in Seoul, 1 March 18:00 UTC is 2 March 03:00.
    settings.TIME_ZONE = "Asia/Seoul"
    assert headlines(page(client, "/archive/2024/3/1/")) == ["March first", "Leap day late"]
    assert headlines(page(client, "/archive/2024/3/2/")) == ["March first, later"]
    assert_our_404(client, "/archive/2024/2/29/")
    # And New Year's Eve 23:59 UTC is already 2024 there.
    assert links(page(client, "/archive/2024/").one("nav", cls="archive-periods")) == [
        ("January", "/archive/2024/1/"),
        ("March", "/archive/2024/3/"),
    ]
    assert_our_404(client, "/archive/2023/")
    # 1 January 2025 03:00 UTC is still New Year's Eve 2024 in New York.
    settings.TIME_ZONE = "America/New_York"
    assert headlines(page(client, "/archive/2024/12/31/")) == ["New Year"]
    assert_our_404(client, "/archive/2025/")
    assert links(page(client, "/archive/").one("nav", cls="archive-periods")) == [
        ("2024", "/archive/2024/"),
        ("2023", "/archive/2023/"),
    ]


def test_archives_never_show_the_future(client, make_article):
    now = timezone.localtime()
    make_article(headline="Earlier today", published_at=now - timedelta(seconds=1))
    tomorrow = now + timedelta(days=1)
    scheduled = make_article(headline="Scheduled", published_at=tomorrow)
    for url in [
        "/archive/",
        f"/archive/{now.year}/",
        f"/archive/{now.year}/{now.month}/",
        f"/archive/{now.year}/{now.month}/{now.day}/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"Earlier today" in response.content
        assert b"Scheduled" not in response.content
    # The scheduled article's day (and a future year) is not there, even when empty of
    # anything else.
    assert_our_404(client, f"/archive/{tomorrow.year}/{tomorrow.month}/{tomorrow.day}/")
    assert_our_404(client, f"/archive/{now.year + 1}/")
    # No "next" link points to the scheduled article's day.
    day = page(client, f"/archive/{now.year}/{now.month}/{now.day}/")
    assert all("Next" not in text for text, _ in links(day.one("main")))
    assert scheduled.headline not in day.one("body").text()


@pytest.mark.parametrize(
    "url",
    [
        "/archive/2024/13/",
        "/archive/2024/0/",
        "/archive/2024/2/30/",
        "/archive/2023/2/29/",
        "/archive/2024/3/32/",
        "/archive/0/",
        "/archive/99999/",
        "/archive/2024/99999999999999999999/",
        "/archive/2022/",  # no articles that year
        "/archive/2024/4/",  # nor that month
        "/archive/2024/3/2/",  # nor that day (only a draft)
        "/archive/abc/",
        "/archive/2024/march/",
        "/archive/-1/",
    ],
)
def test_bad_or_empty_archive_dates_are_404(client, dated, url):
    assert_our_404(client, url)


def test_archive_pages(client, make_article):
    day = at(2024, 3, 1)
    for n in range(45):
        make_article(headline=f"Story {n:02}", published_at=day + timedelta(minutes=100 - n))
    expected = [f"Story {n:02}" for n in range(45)]
    for url in ["/archive/", "/archive/2024/", "/archive/2024/3/", "/archive/2024/3/1/"]:
        first = page(client, url)
        assert headlines(first) == expected[:PER_PAGE], url
        assert pagination_links(first) == [("Older articles", "?page=2")]
        assert headlines(page(client, f"{url}?page=2")) == expected[PER_PAGE : 2 * PER_PAGE]
        last = page(client, f"{url}?page=3")
        assert headlines(last) == expected[2 * PER_PAGE :]
        assert pagination_links(last) == [("Newer articles", "?page=2")]
        assert_our_404(client, f"{url}?page=4")
        assert_our_404(client, f"{url}?page=0")
    assert page(client, "/archive/2024/3/?page=2").one("title").text() == (
        "March 2024 · Archive · Page 2 · Newsroom"
    )


def test_time_element_only_formats_aware_datetimes(settings):
    settings.TIME_ZONE = "America/New_York"
    template = engines["jinja2"].from_string("{{ time_element(value) }}")
    html = template.render({"value": at(2026, 11, 27, 15, 4, 5, 6)})
    assert html == '<time datetime="2026-11-27T10:04:05-05:00">27 November 2026, 10:04 EST</time>'
    for value in (None, "", datetime(2026, 11, 27, 15, 4, 5)):
        assert template.render({"value": value}) == ""
