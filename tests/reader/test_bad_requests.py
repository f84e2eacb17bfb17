"""Bad requests to public pages get 400 or 404, never 500, on SQLite and on PostgreSQL.

What each bad input gets:

- a NUL anywhere in the path (a slug, an archive path): 404, as any address no page has;
- a NUL anywhere in the query string (the search query, a page number, any parameter's name
  or value): 400 Bad Request;
- a page number that is not a whole number from 1 up ("abc", "1e9", "2.5", "-1", "0", a
  thousand digits) or a page past the last one, however large ("99999999999999999999"): 404,
  as the pagination already answered for "abc";
- percent escapes that are not UTF-8 (`%ED%A0%80`, a lone surrogate's; `%FF`): in a slug, no
  such page (404); in the search query, a query like any other (200);
- a search query of only punctuation, of the search syntax alone, or 10,000 characters long:
  200 (no results, or the results of its first 200 characters);
- a date the archives cannot have (year 0, month 13, 30 February, the calendar's first and last
  days): 404.
"""

from datetime import UTC, datetime

import pytest
from django.test import Client

from articles.models import Agency, Article, Author

SLUG = "kerry-lavrov-talks"
PUBLISHED = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)
SEARCH = "/search/?q=kerry"

# Every public page that reads ?page=, with the separator before one more parameter.
PAGINATED = {
    "home": "/?",
    "agency": "/agencies/reuters/?",
    "author": "/authors/jane-doe/?",
    "archive": "/archive/?",
    "archive year": "/archive/2024/?",
    "archive month": "/archive/2024/03/?",
    "archive day": "/archive/2024/03/05/?",
    "search": f"{SEARCH}&",
}
# Every public page, with the separator before a parameter (feeds take none, and ignore any).
PUBLIC = {
    **PAGINATED,
    "article": f"/articles/{SLUG}/?",
    "rss feed": "/feeds/rss.xml?",
    "atom feed": "/feeds/atom.xml?",
    "json feed": "/feeds/feed.json?",
    "ninjs list": "/api/ninjs/articles/?",
    "ninjs article": f"/api/ninjs/articles/{SLUG}/?",
    "sitemap": "/sitemap.xml?",
    "news sitemap": "/news-sitemap.xml?",
    "robots.txt": "/robots.txt?",
}


@pytest.fixture
def client():
    """A test client that answers a view's exception as the site does (500), not by raising."""
    return Client(raise_request_exception=False)


@pytest.fixture
def site(db):
    """One published article, by an author of an agency, on 5 March 2024, about Kerry."""
    agency = Agency.objects.create(name="Reuters", slug="reuters")
    author = Author.objects.create(name="Jane Doe", slug="jane-doe", agency=agency)
    article = Article.objects.create(
        headline="Kerry and Lavrov talk",
        slug=SLUG,
        body="Kerry met Lavrov in Geneva.\n",
        language="en",
        status=Article.Status.PUBLISHED,
        published_at=PUBLISHED,
        agency=agency,
    )
    article.authors.set([author])
    return article


def status(client, url):
    return client.get(url).status_code


@pytest.mark.parametrize("url", PUBLIC.values(), ids=PUBLIC.keys())
def test_every_public_page_answers_200_as_it_is(client, site, url):
    assert status(client, url.rstrip("?&")) == 200
    # An empty page number is the first page; pages without pages ignore it. (The ninjs API's
    # own pagination, Django's Paginator, takes no empty number.)
    assert status(client, f"{url}page=") == (404 if url == PUBLIC["ninjs list"] else 200)


# --- Page numbers ----------------------------------------------------------------------------

TOO_LARGE = {
    "20 digits": "99999999999999999999",
    "2**63-1": str(2**63 - 1),
    "2**63": str(2**63),
    "2**64": str(2**64),
    "41 digits": "1" + "0" * 40,
    "4000 digits": "1" * 4000,  # below Python's 4300 digits for int()
    "5000 digits": "1" * 5000,  # above
}
NOT_A_PAGE = ["abc", "-1", "0", "1e9", "2.5", "1.0", "0x10", "-99999999999999999999", " "]


@pytest.mark.parametrize("number", TOO_LARGE.values(), ids=TOO_LARGE.keys())
@pytest.mark.parametrize("url", PAGINATED.values(), ids=PAGINATED.keys())
def test_a_huge_page_number_is_a_404(client, site, url, number):
    assert status(client, f"{url}page={number}") == 404


@pytest.mark.parametrize("number", NOT_A_PAGE)
@pytest.mark.parametrize("url", PAGINATED.values(), ids=PAGINATED.keys())
def test_a_page_number_that_is_not_one_is_a_404(client, site, url, number):
    assert status(client, f"{url}page={number}") == 404


@pytest.mark.parametrize("url", PAGINATED.values(), ids=PAGINATED.keys())
def test_a_page_past_the_end_is_a_404_and_the_first_page_is_there(client, site, url):
    assert status(client, f"{url}page=1") == 200
    assert status(client, f"{url}page=2") == 404
    assert status(client, f"{url}page=1000000000") == 404


# The largest page whose rows (and the one more the pages without a count fetch) a 64-bit
# OFFSET and LIMIT can reach, at 20 articles a page: the last one the database is asked for.
LARGEST_PAGE = (2**63 - 2) // 20


@pytest.mark.parametrize("number", [LARGEST_PAGE - 1, LARGEST_PAGE, LARGEST_PAGE + 1])
@pytest.mark.parametrize("url", PAGINATED.values(), ids=PAGINATED.keys())
def test_the_pages_at_the_databases_limit_are_a_404(client, site, url, number):
    assert status(client, f"{url}page={number}") == 404


# --- NUL -------------------------------------------------------------------------------------

NUL_PATHS = [
    "/articles/%00/",
    "/articles/kerry%00/",
    f"/articles/{SLUG}%00/",
    "/agencies/%00/",
    "/agencies/reuters%00/",
    "/authors/%00/",
    "/authors/jane-doe%00/",
    "/archive/%00/",
    "/archive/2024%00/",
    "/archive/2024/%00/",
    "/archive/2024/03%00/",
    "/archive/2024/03/%00/",
    "/archive/2024/03/05%00/",
    "/search%00/",
    "/feeds/rss.xml%00",
    "/api/ninjs/articles/%00/",
    "/text-size/%00/",
    "/%00",
]


@pytest.mark.parametrize("path", NUL_PATHS)
def test_a_nul_in_the_path_is_a_404(client, site, path):
    assert status(client, path) == 404


@pytest.mark.parametrize("path", ["/articles/%00/preview/", f"/articles/{SLUG}%00/preview/"])
def test_a_nul_in_the_preview_address_is_a_404_for_editors_too(client, site, editor, path):
    assert status(client, path) == 404
    client.force_login(editor)
    assert status(client, path) == 404
    assert status(client, f"/articles/{SLUG}/preview/") == 200


NUL_QUERIES = ["page=%00", "page=1%00", "q=kerry%00", "q=%00", "x=%00", "%00=1", "q%00=kerry"]


@pytest.mark.parametrize("query", NUL_QUERIES)
@pytest.mark.parametrize("url", PUBLIC.values(), ids=PUBLIC.keys())
def test_a_nul_in_the_query_is_a_400(client, site, url, query):
    response = client.get(f"{url}{query}")
    assert response.status_code == 400
    assert b"<h1>Bad request</h1>" in response.content


@pytest.mark.parametrize("q", ["kerry%00", "%00", "%00kerry", "kerry%00lavrov", "kerry %00"])
def test_a_nul_in_the_search_query_is_a_400(client, site, q):
    assert status(client, f"/search/?q={q}") == 400


def test_a_nul_in_the_text_size_return_address_is_a_400(client, db):
    assert status(client, "/text-size/lg/?next=/%00") == 400
    assert status(client, "/text-size/lg/?next=/") == 302


# --- Escapes that are not UTF-8 --------------------------------------------------------------

NOT_UTF8 = ["%ED%A0%80", "%ED%B0%80", "%FF", "%C0%80", "kerry%ED%A0%80", "%F4%90%80%80"]


@pytest.mark.parametrize("escape", NOT_UTF8)
@pytest.mark.parametrize(
    "prefix", ["/articles/", "/agencies/", "/authors/", "/api/ninjs/articles/"]
)
def test_a_slug_that_is_not_utf8_is_a_404(client, site, prefix, escape):
    assert status(client, f"{prefix}{escape}/") == 404


@pytest.mark.parametrize("escape", NOT_UTF8)
def test_a_search_query_that_is_not_utf8_is_a_query(client, site, escape):
    assert status(client, f"/search/?q={escape}") == 200
    assert status(client, f"/search/?q=kerry+{escape}") == 200


@pytest.mark.parametrize("escape", NOT_UTF8)
@pytest.mark.parametrize("url", PAGINATED.values(), ids=PAGINATED.keys())
def test_a_page_number_that_is_not_utf8_is_a_404(client, site, url, escape):
    assert status(client, f"{url}page={escape}") == 404


# --- Search queries --------------------------------------------------------------------------

ODD_QUERIES = [
    "%3F%21",  # ?!
    "...",
    "-",
    "--",
    "%22",  # "
    "%22%22",
    "%27",  # '
    "%5C",  # \
    "or",
    "-or",
    "%26%7C%21",  # &|!
    "%3A*",
    "()",
    "%3C%3E",
    "%EE%80%80",  # the snippets' private-use sentinel
    "the",  # only a stop word
    "%E2%80%8B",  # a zero-width space
    "+",
]


@pytest.mark.parametrize("q", ODD_QUERIES)
def test_a_search_query_of_punctuation_or_syntax_is_answered(client, site, q):
    assert status(client, f"/search/?q={q}") == 200


@pytest.mark.parametrize(
    "q",
    [
        "k" * 10_000,
        "kerry " * 2_000,
        "kerry " + "-" * 10_000,
        "%22" * 10_000,
        "%ED%A0%80" * 3_000,
        "%E4%B8%AD" * 10_000,  # 中
    ],
    ids=["one word", "many words", "dashes", "quotes", "not utf-8", "cjk"],
)
def test_a_very_long_search_query_is_answered(client, site, q):
    response = client.get(f"/search/?q={q}")
    assert response.status_code == 200


def test_a_very_long_search_query_still_finds(client, site):
    response = client.get("/search/?q=" + "kerry+" * 2_000)
    assert response.status_code == 200
    assert b"Kerry and Lavrov talk" in response.content


@pytest.mark.parametrize("q", ["kerry", "%00", "k" * 10_000])
def test_a_repeated_search_parameter_is_answered(client, site, q):
    assert status(client, f"/search/?q=kerry&q={q}") == (400 if q == "%00" else 200)


# --- Dates the archives cannot have ----------------------------------------------------------

BAD_DATES = [
    "/archive/0/",
    "/archive/1/",
    "/archive/9999/",
    "/archive/10000/",
    "/archive/99999999999999999999/",
    "/archive/2024/0/",
    "/archive/2024/00/",
    "/archive/2024/13/",
    "/archive/2024/99999999999999999999/",
    "/archive/2024/02/30/",
    "/archive/2024/03/0/",
    "/archive/2024/03/32/",
    "/archive/2024/03/99999999999999999999/",
    "/archive/1/1/1/",
    "/archive/0/1/1/",
    "/archive/9999/12/",
    "/archive/9999/12/31/",
    "/archive/-1/",
    "/archive/2024/-3/",
]


@pytest.mark.parametrize("path", BAD_DATES)
def test_a_date_the_archives_cannot_have_is_a_404(client, site, path):
    assert status(client, path) == 404
    assert status(client, f"{path}?page=99999999999999999999") == 404


@pytest.mark.parametrize("timezone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
@pytest.mark.parametrize(
    "path", ["/archive/1/", "/archive/1/1/", "/archive/1/1/1/", "/archive/9999/12/31/"]
)
def test_the_calendars_edges_are_a_404_in_any_time_zone(client, site, settings, timezone, path):
    settings.TIME_ZONE = timezone
    assert status(client, path) == 404


# --- Through the page cache ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/articles/%00/", 404),
        ("/search/?q=kerry%00", 400),
        ("/?page=99999999999999999999", 404),
        ("/archive/2024/?page=-1", 404),
        ("/articles/%ED%A0%80/", 404),
    ],
)
def test_bad_requests_through_the_page_cache(client, site, settings, url, expected):
    settings.PAGE_CACHE_ENABLED = True
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "bad-requests",
        }
    }
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == expected
        assert not response.has_header("X-Page-Cache")
