"""Browser tests: Playwright's sync API driving Debian's Chromium against the live server.

Chromium comes from the system (`apt-get install chromium`), never from `playwright install`.
Every test here needs `@pytest.mark.django_db(transaction=True)`: the live server runs in
another thread and must see the test's data.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from articles.ingest.writer import ingest
from tests.conftest import SAMPLE_SLUG

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
