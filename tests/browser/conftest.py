"""Browser tests: Playwright's sync API driving Debian's Chromium against the live server.

Chromium comes from the system (`apt-get install chromium`), never from `playwright install`.
Every test here needs `@pytest.mark.django_db(transaction=True)`: the live server runs in
another thread and must see the test's data.

The sweeps over every public page (axe, vnu, keyboard, reflow, text spacing, language of parts,
no-JS, budgets) take the list from one place: PUBLIC_PAGES (names, for parametrize) and the
public_pages fixture (name -> path, with the data those pages show). shared_page reuses one
browser context per colour scheme and width across tests; visit sets the text-size cookie.
"""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import sync_playwright

from articles.ingest.writer import ingest
from articles.models import Alert, Article, Author, Caption, Correction
from articles.reader.page_cache import public_page_names
from tests.helpers.sample import SAMPLE_SLUG

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
# fixtures here are still plain synchronous calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
ARTICLE_PATH = f"/articles/{SAMPLE_SLUG}/"


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: the browser tests need Debian's Chromium. "
            "Install it with `apt-get install chromium` (do not use `playwright install`).",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport=DESKTOP)
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


@pytest.fixture
def sample_article(transactional_db, sample_bytes):
    result = ingest(sample_bytes, filename="kerry-lavrov.txt", channel="command", publish=True)
    assert not result.failed, result.error
    return result.article


@pytest.fixture
def article_url(live_server, sample_article):
    return live_server.url + ARTICLE_PATH


def text_size_of(page) -> float:
    """Computed font size, in CSS px, of the first paragraph of the article body."""
    value = page.locator(".article-body p").first.evaluate("p => getComputedStyle(p).fontSize")
    assert value.endswith("px"), value
    return float(value.removesuffix("px"))


# --- The public pages every sweep (axe, vnu, reflow, text spacing, language, no-JS) visits ----

# Text in other scripts inside an English article: the site must mark each run's language.
MULTILINGUAL_SLUG = "cairo-book-fair-opens"
MULTILINGUAL_HEADLINE = "“أهلاً وسهلاً”: Cairo book fair opens its doors"
MULTILINGUAL_STANDFIRST = (
    "Greetings in Greek, «Καλώς ήρθατε», and Hebrew, «ברוכים הבאים», at the gate."
)
RUSSIAN_PARAGRAPH = "«Мы продолжим переговоры», сказал министр иностранных дел."
MULTILINGUAL_BODY = (
    "Publishers from forty countries opened their stands on Saturday.\n\n"
    f"{RUSSIAN_PARAGRAPH}\n\n"
    "A Thai poet read *สวัสดี* aloud, and a Hindi translator answered नमस्ते.\n\n"
    "## 서울 and Tokyo (東京) send delegations\n\n"
    "The fair runs until the end of the month.\n"
)
WITHDRAWN_HEADLINE = "A story the agency withdrew"
WITHDRAWN_SLUG = "a-story-the-agency-withdrew"
KOREAN_CAPTION = "서울 국제 도서전 참가자들이 카이로에 도착했다."
CHINESE_CAPTION = "北京出版社的展台。"


@pytest.fixture
def public_data(transactional_db, sample_article, live_server):
    """Everything the public pages show: the ingested sample (Reuters, Korean caption) with an
    author, a multilingual English article, and an active breaking-news alert."""
    author = Author.objects.create(
        name="Arshad Mohammed",
        slug="arshad-mohammed",
        agency=sample_article.agency,
        bio="Arshad Mohammed covers US foreign policy for Reuters.",
    )
    sample_article.authors.add(author)
    multilingual = Article.objects.create(
        headline=MULTILINGUAL_HEADLINE,
        slug=MULTILINGUAL_SLUG,
        standfirst=MULTILINGUAL_STANDFIRST,
        body=MULTILINGUAL_BODY,
        language="en",
        status=Article.Status.PUBLISHED,
        published_at=sample_article.published_at - timedelta(seconds=1),
        agency=sample_article.agency,
    )
    multilingual.authors.add(author)
    Caption.objects.create(article=multilingual, position=0, text=KOREAN_CAPTION, language="ko")
    Caption.objects.create(article=multilingual, position=1, text=CHINESE_CAPTION)
    Correction.objects.create(
        article=sample_article,
        text="An earlier version misstated the date of the Geneva talks.",
        noted_at=sample_article.published_at + timedelta(hours=2),
    )
    Article.objects.create(
        headline=WITHDRAWN_HEADLINE,
        slug=WITHDRAWN_SLUG,
        body="Withdrawn text.\n",
        status=Article.Status.WITHDRAWN,
        published_at=sample_article.published_at - timedelta(hours=1),
    )
    Alert.objects.create(
        text="Ceasefire talks resume in Geneva",
        url=live_server.url + ARTICLE_PATH,
        starts_at=timezone.now() - timedelta(minutes=5),
    )
    return {"article": sample_article, "multilingual": multilingual, "author": author}


# The pages the sweeps visit for each public page, that is each view marked public_page()
# (page_cache.public_page_names(), in the URLconf's order): URL name -> [(name, its URL
# kwargs for the data of public_data)]. The feeds, sitemaps and robots.txt are not HTML pages:
# none here (tests/reader/test_feeds.py, tests/reader/test_sitemaps.py check them). A page marked public
# and missing here stops the collection: say which pages the sweeps visit for it.
_PAGES_OF = {
    "articles:home": [("home", lambda d: {})],
    "articles:article_detail": [
        ("article", lambda d: {"slug": d["article"].slug}),
        ("article-multilingual", lambda d: {"slug": MULTILINGUAL_SLUG}),
    ],
    "articles:agency_detail": [("agency", lambda d: {"slug": d["article"].agency.slug})],
    "articles:author_detail": [("author", lambda d: {"slug": d["author"].slug})],
    "articles:archive": [("archive", lambda d: {})],
    "articles:archive_year": [("archive-year", lambda d: {"year": d["day"].year})],
    "articles:archive_month": [
        ("archive-month", lambda d: {"year": d["day"].year, "month": d["day"].month})
    ],
    "articles:archive_day": [
        (
            "archive-day",
            lambda d: {"year": d["day"].year, "month": d["day"].month, "day": d["day"].day},
        )
    ],
    "articles:search": [("search", lambda d: {})],
    "articles:feed_rss": [],
    "articles:feed_atom": [],
    "articles:feed_json": [],
    "sitemap": [],
    "news_sitemap": [],
    "robots_txt": [],
}
_MARKED = public_page_names()
if set(_MARKED) != set(_PAGES_OF):
    raise RuntimeError(
        "tests/browser/conftest.py: _PAGES_OF must name exactly the pages marked public_page(); "
        f"marked but missing: {sorted(set(_MARKED) - set(_PAGES_OF))}, "
        f"not marked: {sorted(set(_PAGES_OF) - set(_MARKED))}"
    )
# Every public page: (name, URL name, its URL kwargs for the data of public_data).
_PAGES = [(name, url_name, make) for url_name in _MARKED for name, make in _PAGES_OF[url_name]]
# "Saturday" is in both articles: the results show the multilingual one too.
_QUERIES = {"search": "?q=Saturday"}
NOT_FOUND_PATH = "/no-such-page/"
PUBLIC_PAGES = [name for name, _, _ in _PAGES] + ["withdrawn", "404"]
# Pages that answer with something other than 200: a withdrawn article is 410 Gone.
EXPECTED_STATUS = {"withdrawn": 410, "404": 404}


def public_page_paths(data) -> dict[str, str]:
    """Name -> path of every public page (PUBLIC_PAGES), for the data of public_data."""
    data = {**data, "day": timezone.localtime(data["article"].published_at).date()}
    paths = {
        name: reverse(url_name, kwargs=make(data)) + _QUERIES.get(name, "")
        for name, url_name, make in _PAGES
    }
    paths["withdrawn"] = reverse("articles:article_detail", kwargs={"slug": WITHDRAWN_SLUG})
    paths["404"] = NOT_FOUND_PATH
    return paths


@pytest.fixture
def public_pages(public_data):
    """{name: path} of every public page (PUBLIC_PAGES), with their data in place."""
    return public_page_paths(public_data)


# --- Reused browser contexts for the sweeps ---------------------------------------------------

SIZES = ["xs", "sm", "md", "lg"]
SCHEMES = ["light", "dark"]
WIDTHS = [1280, 320]


@pytest.fixture(scope="session")
def shared_page(browser):
    """shared_page(scheme, width): one page per colour scheme and viewport width for the whole
    session; each test sets the text-size cookie it needs (see visit) and navigates."""
    pages = {}

    def get(scheme="light", width=1280, *, javascript=True):
        key = (scheme, width, javascript)
        if key not in pages:
            context = browser.new_context(
                viewport={"width": width, "height": 900 if width > 600 else 640},
                color_scheme=scheme,
                java_script_enabled=javascript,
                # The test tools (axe-core, injected styles) need eval and inline styles,
                # which the site's Content-Security-Policy forbids; the policy itself is in
                # force in tests/browser/test_text_size_js.py and test_body_preview.py.
                bypass_csp=True,
            )
            page = context.new_page()
            page.set_default_timeout(15_000)
            pages[key] = page
        return pages[key]

    yield get
    for page in pages.values():
        page.context.close()


def assert_text_size(page, size):
    """The size in force: --ts is the size's own variable (set by the head script through
    data-text-size, or without JavaScript by the <noscript> stylesheet), and its link is the
    one drawn as chosen."""
    found = page.evaluate(
        """size => {
            const root = getComputedStyle(document.documentElement);
            const chosen = [...document.querySelectorAll(".text-size a")].filter(
                a => getComputedStyle(a).backgroundColor === getComputedStyle(document.body).color
            ).map(a => a.dataset.textSize);
            return {ts: root.getPropertyValue("--ts").trim(),
                    want: root.getPropertyValue("--ts-" + size).trim(), chosen};
        }""",
        size,
    )
    assert found["ts"] and found["ts"] == found["want"], (size, found)
    assert found["chosen"] == [size], (size, found)


def visit(page, base_url, path, size="md"):
    """Go to path with the text size chosen (the cookie the server renders from)."""
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "textsize", "value": size, "url": base_url}])
    response = page.goto(base_url + path)
    assert_text_size(page, size)
    return response
