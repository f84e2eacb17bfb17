"""Layout in a real browser: target sizes, reflow at 320 px, no request to another host, and
screenshots of the article page.

The screenshots go to a temporary folder; with UPDATE_SCREENSHOTS=1 they are written to
docs/screenshots/ (article-desktop.png, article-mobile.png) for people to look at.
"""

import os
from pathlib import Path

import pytest

from tests.browser.conftest import DESKTOP

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = ["xs", "sm", "md", "lg"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def set_size(page, size):
    page.locator(f'.text-size a[data-text-size="{size}"]').click()
    page.wait_for_function(f"document.documentElement.dataset.textSize === '{size}'")


@pytest.mark.parametrize("width", [320, 1280])
def test_text_size_controls_are_at_least_24_px(browser, article_url, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    try:
        page = context.new_page()
        page.goto(article_url)
        links = page.locator(".text-size a")
        assert links.count() == 4
        for i in range(4):
            box = links.nth(i).bounding_box()
            assert box["width"] >= 24 and box["height"] >= 24, box
    finally:
        context.close()


@pytest.mark.parametrize("path", ["article", "/", "/no-such-page/"])
def test_no_horizontal_scrolling_at_320_px_at_every_size(browser, article_url, live_server, path):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        page.goto(article_url if path == "article" else live_server.url + path)
        for size in SIZES:
            set_size(page, size)
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= 320, (size, scroll_width)
            # Nothing sticks out of the page either (overflow hidden would hide it).
            widest = page.evaluate(
                "Math.max(...[...document.body.querySelectorAll('*')]"
                ".filter(e => !e.closest('.skip-links, .visually-hidden'))"
                ".map(e => e.getBoundingClientRect().right))"
            )
            assert widest <= 320, (size, widest)
    finally:
        context.close()


def test_no_request_goes_to_another_host(browser, article_url, live_server):
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        requests = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(article_url)
        set_size(page, "lg")
        page.goto(live_server.url + "/")
        page.goto(live_server.url + "/no-such-page/")
        page.goto(article_url)
        page.locator('.text-size a[data-text-size="md"]').click()
        page.wait_for_load_state("load")
        assert requests
        outside = [url for url in requests if not url.startswith(live_server.url + "/")]
        assert outside == []
        # The page's own assets were loaded from the static folder.
        assert live_server.url + "/static/css/site.css" in requests
        assert live_server.url + "/static/js/text-size.js" in requests
    finally:
        context.close()


@pytest.mark.parametrize(
    ("name", "viewport"),
    [("article-desktop.png", DESKTOP), ("article-mobile.png", {"width": 375, "height": 812})],
)
def test_screenshots(browser, article_url, tmp_path, name, viewport):
    folder = tmp_path
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        folder = SCREENSHOTS
    context = browser.new_context(viewport=viewport, color_scheme="light")
    try:
        page = context.new_page()
        page.goto(article_url)
        path = folder / name
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
        # The reading column keeps a comfortable measure on wide screens.
        body_width = page.locator(".article-body").bounding_box()["width"]
        assert body_width <= min(viewport["width"], 760)
    finally:
        context.close()
