"""Every public page makes a constant number of SQL queries, however many articles it lists,
and however many authors, captions and paragraphs they have.

Each page is measured in a small world (one article: one author, no caption, two
paragraphs) and a big one (25 articles, more than a page: three authors, three captions and
sixty paragraphs each); the article page also without any author. (A list with no article at
all makes one query fewer: Django does not fetch an empty page.) The breaking-news alert is one query on every
page (looked up lazily by the context processor when base.html shows the banner), but the
article page's and the card lists' (home, agency, author), which come in the page's own query.

Counts are of a request on a connection that served one before: on PostgreSQL the first
request of each connection also prepares the statements it uses (articles.reader.fast.queries:
one PREPARE each, once per connection, tested there).
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from articles.models import Agency, Author

DAY = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)

# url: (number of queries, what they are)
PAGES = {
    "/": (1, "page of articles with agencies and the alert (one more than a page: no count)"),
    "article": (1, "article with agency, alert, authors and captions (one UNION ALL)"),
    "/agencies/reuters/": (2, "agency, page of articles with agencies and the alert"),
    "/authors/jane-doe/": (2, "author with agency, page of articles with agencies and the alert"),
    "/archive/": (3, "years, page of articles with agencies, alert"),
    "/archive/2024/": (
        6,
        "any articles?, months, page of articles, previous year, next year, alert",
    ),
    "/archive/2024/3/": (
        6,
        "any articles?, days, page of articles, previous month, next month, alert",
    ),
    "/archive/2024/3/1/": (
        5,
        "any articles?, page of articles, previous day, next day, alert",
    ),
    "/search/?q=grain": (
        # PostgreSQL: within a transaction of their own that sets the statement time limit
        # (articles.search.time_limit): a savepoint here (BEGIN in production), SET LOCAL and
        # the release of the savepoint (COMMIT).
        6 if connection.vendor == "postgresql" else 3,
        "count, page of results with agencies (and snippets), alert",
    ),
    "/search/": (1, "alert (no query, no search)"),
}


@pytest.fixture(params=["small", "big"])
def world(request, make_article):
    agency = Agency.objects.create(name="Reuters", slug="reuters")
    jane = Author.objects.create(name="Jane Doe", slug="jane-doe", agency=agency)
    if request.param == "small":
        article = make_article(
            headline="Grain story",
            body="Grain deal.\n\nSigned.\n",
            agency=agency,
            authors=[jane],
            published_at=DAY,
        )
        return {"size": 1, "article": article}
    others = [Author.objects.create(name=f"Writer {n}", slug=f"writer-{n}") for n in range(2)]
    body = "\n\n".join(f"## Part {n}\n\nGrain paragraph {n} " + "word " * 50 for n in range(60))
    articles = [
        make_article(
            headline=f"Grain story {n}",
            body=body,
            agency=agency,
            authors=[jane, *others],
            captions=[{"text": f"Caption {c}.", "credit": f"Photographer {c}"} for c in range(3)],
            published_at=DAY - timedelta(minutes=n),
        )
        for n in range(25)
    ]
    return {"size": 25, "article": articles[0]}


@pytest.mark.parametrize("url", PAGES)
def test_query_count_is_constant(client, world, url, django_assert_num_queries):
    expected, _ = PAGES[url]
    if url == "article":
        url = world["article"].get_absolute_url()
    client.get(url)  # a warm connection (see the module's docstring)
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    if url == "/search/":
        assert "Grain story" not in content
    else:
        assert "Grain story" in content


@pytest.mark.parametrize("authors", [0, 3])
def test_article_page_with_and_without_authors(
    client, make_article, authors, django_assert_num_queries
):
    writers = [Author.objects.create(name=f"W{n}", slug=f"w-{n}") for n in range(authors)]
    article = make_article(authors=writers)
    client.get(article.get_absolute_url())  # a warm connection (see the module's docstring)
    with django_assert_num_queries(PAGES["article"][0]):
        response = client.get(article.get_absolute_url())
    assert response.content.decode().count('href="/authors/') == authors


def test_the_big_world_fills_a_page(client, make_article):
    """The big world really lists more than a page: the counts above are not for a short
    list by accident."""
    # (Built inline: the `world` fixture is parametrized.)
    agency = Agency.objects.create(name="Reuters", slug="reuters")
    for n in range(25):
        make_article(headline=f"Grain story {n}", agency=agency, published_at=DAY)
    for url in ["/", "/agencies/reuters/", "/archive/2024/3/1/", "/search/?q=grain"]:
        assert client.get(url).content.decode().count('class="article-card"') == 20, url


def test_search_counts_on_this_database(client, world, django_assert_num_queries):
    """The same queries on both databases, and on PostgreSQL the three of the time limit:
    PostgreSQL's ranking and ts_headline snippets are computed in the page's query; the
    fallback's snippets in Python."""
    client.get("/search/")  # a warm connection (see the module's docstring)
    with django_assert_num_queries(PAGES["/search/?q=grain"][0]):
        response = client.get("/search/?q=grain+deal" if world["size"] == 1 else "/search/?q=grain")
    assert response.status_code == 200
    assert "<mark>" in response.content.decode(), connection.vendor
