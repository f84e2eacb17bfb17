"""Search: the form in every page's header, /search/?q=..., its results, snippets and pages.

Most behaviour is the same on both databases and is tested on both. Where they differ by
design (PostgreSQL: full-text search ranked by weight, stemming, ts_headline snippets; SQLite:
every word as a substring, newest first), a test either branches on the database it runs on
or is skipped with the reason; CI runs the suite on both, so both paths are tested there.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from articles.models import Agency, Article, Author
from articles.reader import text_size
from articles.search import MAX_QUERY_LENGTH, fallback_search, postgres_search, search
from tests.helpers.html import assert_self_contained, page, parse, tab_order
from tests.helpers.search import headlines, search_page, snippets

POSTGRES = connection.vendor == "postgresql"
only_postgres = pytest.mark.skipif(
    not POSTGRES, reason="PostgreSQL full-text search; the SQLite run tests the fallback instead"
)
only_fallback = pytest.mark.skipif(
    POSTGRES, reason="the view's SQLite fallback; the PostgreSQL run tests full-text search"
)


def ago(**kwargs):
    return timezone.now() - timedelta(**kwargs)


def summary(document):
    node = document.find("p", cls="search-summary")
    return node.text() if node else None


# --- The form on every page -------------------------------------------------------------


@pytest.fixture
def article(make_article):
    agency = Agency.objects.create(name="Reuters", slug="reuters")
    author = Author.objects.create(name="Jane Doe", slug="jane-doe")
    return make_article(headline="Grain deal signed", agency=agency, authors=[author])


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "article",
        "/agencies/reuters/",
        "/authors/jane-doe/",
        "/archive/",
        "/search/",
        "/search/?q=grain",
        "/no-such-page/",
    ],
)
def test_every_page_has_the_search_form_in_its_header(client, article, url):
    url = article.get_absolute_url() if url == "article" else url
    response = client.get(url)
    document = parse(response.content)
    header = document.one("header", cls="site-header")
    form = document.one("form", role="search")
    assert form.parent is header
    assert (form.get("action"), form.get("method")) == ("/search/", "get")
    label = form.one("label")
    assert label.get("for") == "search"
    assert label.text(visible_only=True) == "Search articles"  # a visible label
    field = form.one("input")
    assert (field.get("type"), field.get("id"), field.get("name")) == ("search", "search", "q")
    assert form.one("button").get("type") == "submit"
    assert form.one("button").text() == "Search"
    # Skip links: the third goes straight into the search box, which takes the focus.
    order = tab_order(document)
    assert [(a.text(), a.get("href")) for a in order[:4]] == [
        ("Skip to main content", "#main"),
        ("Skip to navigation", "#site-nav"),
        ("Skip to search", "#search"),
        ("Skip to text size", "#text-size"),
    ]
    assert document.by_id("search") is field
    assert field in order  # focusable, in the tab order
    ids = [n.get("id") for n in document.iter() if n.get("id")]
    assert len(ids) == len(set(ids)), "duplicate id"
    assert len(document.find_all(role="search")) == 1  # one search landmark
    assert_self_contained(document.one("body"))  # (<head> links are the metadata's business)


def test_header_search_box_keeps_the_query(client, article):
    document = page(client, "/search/?q=grain+deal")
    assert document.by_id("search").get("value") == "grain deal"
    assert page(client, "/").by_id("search").get("value") == ""


# --- Empty and odd queries --------------------------------------------------------------


@pytest.mark.parametrize("url", ["/search/", "/search/?q=", "/search/?q=+++", "/search/?q=%09"])
def test_empty_query_shows_the_form_and_no_results(client, article, url):
    document = page(client, url)
    main = document.one("main")
    assert main.one("h1").text() == "Search"
    assert document.one("title").text() == "Search · Newsroom"
    form = main.one("form")
    assert (form.get("action"), form.get("method")) == ("/search/", "get")
    field = form.one("input", name="q")
    assert field.get("value") == ""
    assert document.by_id(form.one("label").get("for")) is field
    assert main.find("ol") is None
    assert summary(document) is None
    assert "Grain deal signed" not in main.text()


def test_no_results_says_so(client, article):
    document = page(client, "/search/?q=zebra")
    assert summary(document) == "No articles match “zebra”. Try other or fewer words."
    assert document.find("ol", cls="search-results") is None
    assert document.find("nav", cls="pagination") is None
    assert document.one("title").text() == "Search results for “zebra” · Newsroom"


@pytest.mark.parametrize("q", ["?!", "…", "- -", '"', "&&&"])
def test_a_query_of_punctuation_only_finds_nothing(client, article, q):
    document = parse(search_page(client, q).content)
    assert summary(document) == f"No articles match “{q}”. Try other or fewer words."
    assert document.by_id("search").get("value") == q


def test_html_in_the_query_is_echoed_as_text(client, article):
    q = '<script>alert("x")</script><b>grain</b>'
    response = search_page(client, q)
    html = response.content.decode()
    assert "<script>alert" not in html
    assert "<b>grain" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;grain&lt;/b&gt;" in html
    document = parse(response.content)
    assert document.by_id("search").get("value") == q
    assert document.one("main").one("input", name="q").get("value") == q
    assert document.one("title").text() == f"Search results for “{q}” · Newsroom"
    # "script", "alert", "x", "b" and "grain" are all words: no article has all of them.
    assert summary(document) == f"No articles match “{q}”. Try other or fewer words."
    # No inline script but the site's own text-size head script.
    inline = [s.raw_text() for s in document.find_all("script", src=None)]
    assert inline == [text_size.INIT_SCRIPT]


def test_a_very_long_query_is_cut_between_words(client, article):
    q = "grain " * 100
    document = parse(search_page(client, q).content)
    kept = document.by_id("search").get("value")
    assert len(kept) <= MAX_QUERY_LENGTH
    assert kept == " ".join(["grain"] * 33)
    assert headlines(document) == ["Grain deal signed"]


# --- What matches -----------------------------------------------------------------------


@pytest.fixture
def grain(make_article):
    """Three published articles with "grain" in a different field each, newest with the
    weakest match, and others that must never be found."""
    return {
        "headline": make_article(
            headline="Grain corridor reopens",
            body="Ships left Odesa on Monday.\n",
            published_at=ago(days=3),
        ),
        "standfirst": make_article(
            headline="Ships leave Odesa",
            standfirst="The grain corridor is open again.",
            body="Ships left Odesa on Monday.\n",
            published_at=ago(days=2),
        ),
        "body": make_article(
            headline="Ports busy again",
            body="Ships carrying grain left Odesa on Monday.\n",
            published_at=ago(days=1),
        ),
        "unrelated": make_article(headline="Election results", body="Votes were counted.\n"),
        "draft": make_article(
            headline="Grain draft",
            body="Grain grain grain.\n",
            status=Article.Status.DRAFT,
            published_at=None,
        ),
        "scheduled": make_article(
            headline="Grain scheduled",
            body="Grain grain grain.\n",
            published_at=timezone.now() + timedelta(hours=1),
        ),
    }


def test_matches_headline_standfirst_or_body_of_published_articles_only(client, grain):
    document = page(client, "/search/?q=grain")
    found = headlines(document)
    if POSTGRES:
        # Ranked: a match in the headline (weight A) before the standfirst (B), before the
        # body (C), whatever their age.
        assert found == ["Grain corridor reopens", "Ships leave Odesa", "Ports busy again"]
    else:
        # The fallback does not rank: newest first.
        assert found == ["Ports busy again", "Ships leave Odesa", "Grain corridor reopens"]
    assert summary(document) == "3 articles match “grain”."
    html = client.get("/search/?q=grain").content.decode()
    assert "Grain draft" not in html
    assert "Grain scheduled" not in html


def test_results_link_to_the_articles_with_their_time(client, grain):
    document = page(client, "/search/?q=corridor")
    results = document.one("ol", cls="search-results")
    cards = results.find_all("li")
    order = ["headline", "standfirst"] if POSTGRES else ["standfirst", "headline"]
    assert [c.one("a").get("href") for c in cards] == [
        grain[key].get_absolute_url() for key in order
    ]
    for card in cards:
        article = Article.objects.get(headline=card.one("h2").text())
        assert card.one("a").get("href") == article.get_absolute_url()
        time = card.one("time")
        assert time.get("datetime") == article.published_at.replace(microsecond=0).isoformat()
        assert card.one("p", cls="meta").get("lang") == "en"


def test_every_word_must_match(client, grain):
    found = headlines(page(client, "/search/?q=grain+Monday"))
    if POSTGRES:  # ranked: both words in the body beat "grain" in the standfirst
        assert found == ["Grain corridor reopens", "Ports busy again", "Ships leave Odesa"]
    else:
        assert found == ["Ports busy again", "Ships leave Odesa", "Grain corridor reopens"]
    assert headlines(page(client, "/search/?q=grain+carrying")) == ["Ports busy again"]
    assert headlines(page(client, "/search/?q=grain+election")) == []


def test_case_does_not_matter(client, grain):
    assert headlines(page(client, "/search/?q=CARRYING")) == ["Ports busy again"]
    assert headlines(page(client, "/search/?q=cArRyInG+GrAiN")) == ["Ports busy again"]


def test_one_result_is_singular(client, grain):
    assert summary(page(client, "/search/?q=carrying")) == "1 article matches “carrying”."


def test_korean(client, make_article):
    make_article(
        headline="시리아 협상의 길을 닦은 케리와 라브로프",
        body="미국과 러시아의 합의.\n",
        language="ko",
    )
    response = search_page(client, "러시아의")
    document = parse(response.content)
    assert headlines(document) == ["시리아 협상의 길을 닦은 케리와 라브로프"]
    assert document.one("ol", cls="search-results").one("li").get("lang") == "ko"
    assert snippets(response) == ["미국과 <mark>러시아의</mark> 합의."]


# --- Snippets ---------------------------------------------------------------------------


def test_snippet_marks_the_words_in_the_bodys_text(client, make_article):
    make_article(
        headline="Deal in Istanbul",
        body="## Grain\n\nThe grain deal was signed in Istanbul \\#1 on Friday.\n",
    )
    response = search_page(client, "grain deal")
    # Markdown heading marks and escapes are gone; the same on both databases.
    assert snippets(response) == [
        "<mark>Grain</mark> The <mark>grain</mark> <mark>deal</mark> was signed in Istanbul "
        "#1 on Friday."
    ]


def test_snippet_markup_is_only_mark(client, make_article):
    make_article(
        headline="Deal with markup",
        body='Ministers met at dawn. <script>alert("x")</script> The grain & "deal" was signed.\n',
    )
    response = search_page(client, "deal")
    [snippet] = snippets(response)
    if POSTGRES:
        # ts_headline leaves out what looks like a tag; the rest is escaped text.
        assert snippet == (
            "Ministers met at dawn. alert(&quot;x&quot;) The grain &amp; "
            "&quot;<mark>deal</mark>&quot; was signed."
        )
    else:
        assert snippet == (
            "Ministers met at dawn. &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; The "
            "grain &amp; &quot;<mark>deal</mark>&quot; was signed."
        )
    document = parse(response.content)
    node = document.one("p", cls="snippet")
    assert {n.tag for n in node.iter()} == {"p", "mark"}
    # No inline script but the site's own text-size head script.
    inline = [s.raw_text() for s in document.find_all("script", src=None)]
    assert inline == [text_size.INIT_SCRIPT]


def test_snippet_marks_the_language_of_other_scripts(client, make_article):
    """As on the article page (WCAG 3.1.2): a run in another script is in <span lang>."""
    make_article(
        headline="Talks", body="«Мы продолжим переговоры», сказал министр. The deal holds.\n"
    )
    response = search_page(client, "deal")
    assert snippets(response) == [
        '«<span lang="ru">Мы продолжим переговоры», сказал министр</span>. '
        "The <mark>deal</mark> holds."
    ]


def test_snippet_survives_the_highlight_sentinels_in_the_body(client, make_article):
    make_article(headline="Odd characters", body="Stray \ue001 marks \ue000 around the deal.\n")
    [snippet] = snippets(search_page(client, "deal"))
    assert "\ue000" not in snippet and "\ue001" not in snippet
    assert snippet.count("<mark>") == snippet.count("</mark>") == 1
    assert "<mark>deal</mark>" in snippet


LONG_BODY = (
    "One two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty twenty-one twenty-two.\n\n"
    "The grain deal was signed in Istanbul on Friday after weeks of talks between the two "
    "countries and the United Nations, which had warned of famine. Later paragraphs follow "
    "with more words and more words and more words and more.\n"
)


def test_snippet_of_a_long_body_is_an_excerpt(client, make_article):
    make_article(headline="Long story", body=LONG_BODY)
    [snippet] = snippets(search_page(client, "grain deal"))
    if POSTGRES:
        # ts_headline: 15 to 35 words around the best match.
        assert snippet == (
            "… <mark>grain</mark> <mark>deal</mark> was signed in Istanbul on Friday after "
            "weeks of talks between the two countries …"
        )
    else:
        # The fallback: up to 240 characters, from 80 before the first match, cut at spaces.
        assert snippet == (
            "… fifteen sixteen seventeen eighteen nineteen twenty twenty-one twenty-two. The "
            "<mark>grain</mark> <mark>deal</mark> was signed in Istanbul on Friday after weeks "
            "of talks between the two countries and the United Nations, which had warned of "
            "famine. Later paragraphs …"
        )


def test_snippet_when_only_the_headline_matches(client, make_article):
    make_article(headline="Zebra crossing", body=LONG_BODY)
    [snippet] = snippets(search_page(client, "zebra"))
    assert "<mark>" not in snippet
    assert snippet.startswith("One two three four five six seven")
    assert snippet.endswith(" …")


# --- Pages of results -------------------------------------------------------------------


def test_pages_of_results_keep_the_query(client, make_article):
    for n in range(25):
        make_article(
            headline=f"Story {n:02}",
            body="Grain and wheat: the deal holds.\n",
            published_at=ago(minutes=n + 1),
        )
    make_article(headline="Unrelated", body="Nothing to see.\n")
    expected = [f"Story {n:02}" for n in range(25)]  # equal rank: newest first
    q = "grain & deal"
    first = parse(search_page(client, q).content)
    assert summary(first) == "25 articles match “grain & deal”."
    assert headlines(first) == expected[:20]
    nav = first.one("nav", cls="pagination")
    assert [(a.text(), a.get("href"), a.get("rel")) for a in nav.find_all("a")] == [
        ("More results", "?q=grain%20%26%20deal&page=2", "next")
    ]
    assert nav.one(aria_current="page").text() == "Page 1 of 2"

    second = parse(search_page(client, q, page=2).content)
    assert headlines(second) == expected[20:]
    nav = second.one("nav", cls="pagination")
    assert [(a.text(), a.get("href"), a.get("rel")) for a in nav.find_all("a")] == [
        ("Previous results", "?q=grain%20%26%20deal&page=1", "prev")
    ]
    assert nav.one(aria_current="page").text() == "Page 2 of 2"
    assert second.one("title").text() == "Search results for “grain & deal” · Page 2 · Newsroom"
    # The links lead back to the same pages.
    assert headlines(page(client, "/search/?q=grain%20%26%20deal&page=2")) == expected[20:]

    for bad in ("3", "0", "abc", "-1"):
        search_page(client, q, status=404, page=bad)


def test_one_page_of_results_has_no_pagination(client, grain):
    assert page(client, "/search/?q=grain").find("nav", cls="pagination") is None


# --- The search module, each backend ----------------------------------------------------


def test_search_without_words_makes_no_query(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        for q in ("", "   ", "?!", "--"):
            results = search(Article.objects.published(), q)
            assert results.count() == 0
            assert list(results) == []


def test_fallback_search_works_on_any_database(grain):
    """The fallback is what SQLite uses; it runs on PostgreSQL too (ILIKE), so both CI runs
    exercise it."""
    results = fallback_search(Article.objects.published(), "grain")
    assert results.count() == len(results) == 3
    found = results[0:3]
    assert [a.headline for a in found] == [
        "Ports busy again",
        "Ships leave Odesa",
        "Grain corridor reopens",
    ]
    assert [str(a.snippet) for a in found] == [
        "Ships carrying <mark>grain</mark> left Odesa on Monday.",
        "Ships left Odesa on Monday.",
        "Ships left Odesa on Monday.",
    ]
    assert results[1].headline == "Ships leave Odesa"
    assert fallback_search(Article.objects.published(), "grain odesa").count() == 3
    assert fallback_search(Article.objects.published(), "grain carrying").count() == 1
    # Substrings match: "rain" is in "grain" (no word boundaries, no stemming).
    assert fallback_search(Article.objects.published(), "rain").count() == 3


@only_fallback
def test_sqlite_fallback_has_no_stemming_but_matches_substrings(client, grain):
    assert headlines(page(client, "/search/?q=carry")) == ["Ports busy again"]
    assert headlines(page(client, "/search/?q=corridors")) == []


@only_postgres
def test_postgres_search_stems_english(client, grain):
    # english configuration: "corridors" and "carried" find "corridor" and "carrying".
    assert headlines(page(client, "/search/?q=corridors")) == [
        "Grain corridor reopens",
        "Ships leave Odesa",
    ]
    assert headlines(page(client, "/search/?q=carried")) == ["Ports busy again"]


@only_postgres
def test_postgres_websearch_syntax(client, make_article):
    make_article(headline="One", body="The grain deal holds.\n", published_at=ago(days=2))
    make_article(headline="Two", body="A deal on grain and wheat.\n", published_at=ago(days=1))
    assert headlines(page(client, '/search/?q="grain+deal"')) == ["One"]
    assert headlines(page(client, "/search/?q=grain+-wheat")) == ["One"]
    assert headlines(page(client, "/search/?q=holds+or+wheat")) == ["Two", "One"]


@only_postgres
def test_postgres_uses_each_articles_language(client, make_article):
    make_article(
        headline="Accord signé", body="Les accords ont été signés à Genève.\n", language="fr"
    )
    make_article(headline="Agreements", body="The accords were signed in Geneva.\n")
    # French stemming finds "accords" from "accord", English stemming does the same in
    # English; "signés" is a French word, stemmed as such only in the French article.
    assert sorted(headlines(page(client, "/search/?q=accord"))) == ["Accord signé", "Agreements"]
    assert headlines(page(client, "/search/?q=signés")) == ["Accord signé"]


@only_postgres
def test_postgres_search_module_directly(grain):
    results = postgres_search(Article.objects.published(), "grain")
    assert results.count() == 3
    assert [a.headline for a in results[0:3]] == [
        "Grain corridor reopens",
        "Ships leave Odesa",
        "Ports busy again",
    ]
    assert str(results[2].snippet) == "Ships carrying <mark>grain</mark> left Odesa on Monday."
