"""Search's bounded cost: the stored text-search vectors (migration 0015) are kept current
and read through their index, a huge article neither fails to save nor slows a search, and a
search statement that runs out of SEARCH_TIMEOUT_MS gives the 503 page, not a 500 or a held
worker. Timings are measured by bench/search.py, not here.

What holds on both databases is tested on both (the reader's and the editor's results);
the vectors, the index and the statement time limit are PostgreSQL's.
"""

import hashlib

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from articles.reader import views
from articles.search import (
    FALLBACK_CONFIG,
    POSTGRES_CONFIGS,
    SNIPPET_SOURCE,
    SearchTimeout,
    full_text_match,
    search,
    time_limit,
)
from tests.helpers.admin import ARTICLES, shown
from tests.helpers.html import parse
from tests.helpers.search import headlines, search_page, snippets

POSTGRES = connection.vendor == "postgresql"
only_postgres = pytest.mark.skipif(
    not POSTGRES, reason="stored vectors and statement_timeout are PostgreSQL's"
)


def distinct_words(count, prefix="w"):
    """`count` words that are all different (no stemmer merges them): the largest tsvector."""
    return " ".join(prefix + hashlib.md5(str(n).encode()).hexdigest()[:12] for n in range(count))


def found(q):
    return [article.headline for article in search(Article.objects.published(), q)]


# --- Kept current -----------------------------------------------------------------------


def test_search_follows_edits_by_save_and_by_update(make_article):
    article = make_article(headline="Harbour reopens", body="Ships return to the harbour.")
    assert found("ships") == ["Harbour reopens"]

    article.body = "Ferries return to the harbour."
    article.save()
    assert found("ships") == []
    assert found("ferries") == ["Harbour reopens"]

    # Behind save()'s back (QuerySet.update, as SQL typed by hand): the database keeps it.
    Article.objects.filter(pk=article.pk).update(headline="Port resumes", standfirst="Tugboats.")
    assert found("reopens") == []
    assert found("port tugboats") == ["Port resumes"]


@only_postgres
def test_each_language_gets_its_configuration_in_the_database(db):
    """Migration 0015's copy of the language -> configuration map is search.py's."""
    cases = {code: config for code, config in POSTGRES_CONFIGS.items()}
    cases |= {f"{code}-XX": config for code, config in POSTGRES_CONFIGS.items()}
    cases |= {"ko": FALLBACK_CONFIG, "zh-Hant": FALLBACK_CONFIG, "eng": FALLBACK_CONFIG}
    with connection.cursor() as cursor:
        for language, config in cases.items():
            cursor.execute("SELECT articles_search_config(%s)::text", [language])
            assert cursor.fetchone()[0] == config, language


@only_postgres
def test_the_match_can_use_the_index(make_article):
    """The condition is the indexed column against constant queries: with sequential scans
    priced out (a table this small would be read whole), the plan reads the GIN index."""
    make_article(headline="Geneva talks")
    queryset = Article.objects.filter(full_text_match("geneva talks"))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
    assert "articles_article_search_idx" in plan, plan


def test_only_the_first_ten_words_are_searched(make_article):
    """On both databases (ts_rank's cost grows with the words of the query)."""
    make_article(headline="One two three four five six seven eight nine ten")
    assert found("one two three four five six seven eight nine ten eleven") == [
        "One two three four five six seven eight nine ten"
    ]
    assert found("one two three four five six seven eight nine eleven") == []


# --- A huge article ---------------------------------------------------------------------


@only_postgres
def test_a_body_past_the_vectors_limit_saves_and_is_found_by_its_start(make_article):
    """A tsvector holds at most 1 MB ("string is too long for tsvector"): 1.4 MB of distinct
    words would not fit. The vector reads the first 200,000 characters of the body, snippets
    the first SNIPPET_SOURCE."""
    article = make_article(headline="Small", body="Short.")
    huge = f"Opening lines about zeppelins. {distinct_words(100_000)} closingword"
    assert len(huge) > 1_000_000
    # update(): the body limit of the forms (250 KB) and the renderer are not what is tested.
    Article.objects.filter(pk=article.pk).update(headline="Huge", body=huge)
    assert found("zeppelins") == ["Huge"]
    assert found("closingword") == []  # past the 200,000 characters the vector reads

    [article] = search(Article.objects.published(), "zeppelins")[:1]
    assert len(article.snippet_source[1]) == SNIPPET_SOURCE + 1  # not 1.4 MB per result
    assert "<mark>zeppelins</mark>. w" in article.snippet
    assert article.snippet.endswith(" …")


def test_a_search_page_with_a_huge_article_among_many(client, make_article):
    body = "Geneva. " + distinct_words(30_000)
    for n in range(3):
        make_article(headline=f"Geneva {n}", body=body)
    document = parse(search_page(client, "geneva").content)
    assert sorted(headlines(document)) == ["Geneva 0", "Geneva 1", "Geneva 2"]


# --- Time limit -------------------------------------------------------------------------


@only_postgres
@pytest.mark.django_db(transaction=True)
def test_the_time_limit_is_the_blocks_own(settings):
    settings.SEARCH_TIMEOUT_MS = 1500
    queryset = Article.objects.all()

    def timeout():
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            return cursor.fetchone()[0]

    before = timeout()
    with time_limit(queryset):
        assert timeout() == "1500ms"
    assert timeout() == before


@only_postgres
def test_a_search_over_its_time_limit_is_the_503_page(client, make_article, settings, monkeypatch):
    """A statement slower than SEARCH_TIMEOUT_MS (pg_sleep stands for a costly search) is
    cancelled by the server; the reader gets the site's 503 page with Retry-After, and the
    connection serves the next request."""
    make_article(headline="Grain deal")
    settings.SEARCH_TIMEOUT_MS = 50
    listing = views.article_listing
    monkeypatch.setattr(
        views, "article_listing", lambda: listing().extra(where=["pg_sleep(0.5) IS NOT NULL"])
    )
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/search/", {"q": "grain"})
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Cache-Control" in response and "no-cache" in response["Cache-Control"]
    assert any("statement_timeout" in query["sql"] for query in queries.captured_queries)

    monkeypatch.setattr(views, "article_listing", listing)
    assert headlines(parse(search_page(client, "grain").content)) == ["Grain deal"]


@only_postgres
def test_the_time_limit_names_its_setting(make_article, settings):
    make_article(headline="Grain deal")
    settings.SEARCH_TIMEOUT_MS = 20
    queryset = Article.objects.extra(where=["pg_sleep(0.3) IS NOT NULL"])
    message = r"longer than 20 ms \(SEARCH_TIMEOUT_MS\)"
    with pytest.raises(SearchTimeout, match=message), time_limit(queryset):
        queryset.count()
    assert Article.objects.count() == 1  # the test's transaction goes on


# --- Editors ----------------------------------------------------------------------------


def test_admin_search_finds_body_words_headlines_and_slugs(editor_client, make_article):
    geneva = make_article(headline="Talks resume", slug="talks-resume", body="Met in Geneva.")
    later = make_article(headline="Markets", slug="markets-rally-2024", body="Traders cheered.")
    make_article(headline="Weather", body="Rain.")

    assert shown(editor_client.get(ARTICLES, {"q": "geneva"})) == [geneva]
    assert shown(editor_client.get(ARTICLES, {"q": "talks resume"})) == [geneva]
    assert shown(editor_client.get(ARTICLES, {"q": "rally-2024"})) == [later]
    assert shown(editor_client.get(ARTICLES, {"q": "Mark"})) == [later]  # a headline's start
    # An edit behind save()'s back is searched at once.
    Article.objects.filter(pk=later.pk).update(body="Traders in Zurich cheered.")
    assert shown(editor_client.get(ARTICLES, {"q": "zurich"})) == [later]


def test_a_short_bodys_snippet_is_the_whole_body(client, make_article):
    """The snippet reads the body's start (SNIPPET_SOURCE characters): a body within it gives
    the whole body, without ellipses."""
    make_article(headline="Short", body="The grain deal was signed.")
    assert snippets(search_page(client, "grain")) == ["The <mark>grain</mark> deal was signed."]


@only_postgres
def test_a_snippet_of_a_body_longer_than_its_source_ends_with_an_ellipsis(client, make_article):
    make_article(headline="Long", body="The grain deal was signed. " + "x" * SNIPPET_SOURCE)
    [snippet] = snippets(search_page(client, "grain"))
    # (ts_headline leaves out the 20,000-letter word: longer than any word it indexes.)
    assert snippet == "The <mark>grain</mark> deal was signed. …"
