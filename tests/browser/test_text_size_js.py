"""Text-size controls in a real browser: with JavaScript (no page load), across reloads and
pages, and with JavaScript disabled (the plain links)."""

import pytest

from tests.browser.conftest import ARTICLE_PATH, text_size_of

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = ["xs", "sm", "md", "lg"]
# Recorded on DOMContentLoaded, before any of the page's own scripts could change anything.
FIRST_PAINT_PROBE = """
document.addEventListener("DOMContentLoaded", () => {
  const p = document.querySelector(".article-body p");
  window.__firstPaint = {
    size: document.documentElement.dataset.textSize,
    font: p ? parseFloat(getComputedStyle(p).fontSize) : null,
    bodyFont: parseFloat(getComputedStyle(document.body).fontSize),
  };
}, { once: true });
"""


def control(page, size):
    return page.locator(f'.text-size a[data-text-size="{size}"]')


def current(page):
    return page.locator('.text-size a[aria-current="true"]').evaluate_all(
        "links => links.map(a => a.dataset.textSize)"
    )


def highlighted(page):
    """The size links drawn as chosen (filled with the text colour), by computed style."""
    return page.locator(".text-size a").evaluate_all(
        """links => links.filter(a => {
            const style = getComputedStyle(a);
            return style.backgroundColor === getComputedStyle(document.body).color;
        }).map(a => a.dataset.textSize)"""
    )


def count_navigations(page):
    navigations = []
    page.on(
        "framenavigated",
        lambda frame: navigations.append(frame.url) if frame == page.main_frame else None,
    )
    return navigations


def test_clicking_lg_changes_the_size_without_a_page_load(page, article_url):
    page.goto(article_url)
    navigations = count_navigations(page)
    page.evaluate("window.__sameDocument = true")
    before = text_size_of(page)
    assert current(page) == ["md"]

    control(page, "lg").click()

    page.wait_for_function("document.documentElement.dataset.textSize === 'lg'")
    assert text_size_of(page) > before
    assert current(page) == ["lg"]
    assert control(page, "md").get_attribute("aria-current") is None
    assert navigations == []
    assert page.url == article_url
    assert page.evaluate("window.__sameDocument") is True
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["textsize"]["value"] == "lg"
    assert cookies["textsize"]["sameSite"] == "Lax"


def test_sizes_strictly_increase(page, article_url):
    page.goto(article_url)
    sizes = {}
    for size in SIZES:
        control(page, size).click()
        page.wait_for_function(f"document.documentElement.dataset.textSize === '{size}'")
        assert current(page) == [size]
        sizes[size] = text_size_of(page)
    assert sizes["xs"] < sizes["sm"] < sizes["md"] < sizes["lg"]
    assert sizes["lg"] >= 1.5 * sizes["md"]
    assert sizes["xs"] >= 12


def test_choice_survives_reload_and_other_pages_from_the_first_paint(
    page, article_url, live_server
):
    page.goto(article_url)
    md = text_size_of(page)
    control(page, "lg").click()
    page.wait_for_function("document.documentElement.dataset.textSize === 'lg'")
    lg = text_size_of(page)

    page.add_init_script(FIRST_PAINT_PROBE)
    page.reload()
    first_paint = page.evaluate("window.__firstPaint")
    assert first_paint["size"] == "lg"
    assert first_paint["font"] == lg
    assert text_size_of(page) == lg
    assert current(page) == ["lg"]

    page.goto(live_server.url + "/")
    first_paint = page.evaluate("window.__firstPaint")
    assert first_paint["size"] == "lg"
    assert first_paint["bodyFont"] == lg
    assert current(page) == ["lg"]

    # And the same from a link on the home page back to the article.
    page.locator(f'.article-card a[href="{ARTICLE_PATH}"]').click()
    page.wait_for_url(article_url)
    assert page.evaluate("window.__firstPaint")["font"] == lg
    assert lg >= 1.5 * md


def test_without_javascript_the_link_sets_the_size_and_returns(browser, article_url):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    try:
        page = context.new_page()
        page.goto(article_url)
        md = text_size_of(page)
        # The page is the one every reader gets; the <noscript> stylesheet applies the size.
        assert page.locator("html").get_attribute("data-text-size") is None
        assert highlighted(page) == ["md"]

        with page.expect_navigation():
            control(page, "lg").click()

        assert page.url == article_url
        assert page.locator("html").get_attribute("data-text-size") is None
        assert highlighted(page) == ["lg"]
        assert text_size_of(page) >= 1.5 * md
        cookies = {c["name"]: c["value"] for c in context.cookies()}
        assert cookies["textsize"] == "lg"

        # The JavaScript path gives the same size for the same choice.
        js_context = browser.new_context(viewport={"width": 1280, "height": 900})
        try:
            js_page = js_context.new_page()
            js_page.goto(article_url)
            control(js_page, "lg").click()
            js_page.wait_for_function("document.documentElement.dataset.textSize === 'lg'")
            assert text_size_of(js_page) == text_size_of(page)
        finally:
            js_context.close()
    finally:
        context.close()


def test_modified_click_is_left_to_the_browser(page, article_url):
    """Ctrl/Cmd-click opens the link in a new tab as usual: the script does not swallow it."""
    page.goto(article_url)
    with page.context.expect_page() as new_tab:
        control(page, "xs").click(modifiers=["ControlOrMeta"])
    new_tab.value.close()
    # This page did not change size.
    assert page.evaluate("document.documentElement.dataset.textSize") == "md"
