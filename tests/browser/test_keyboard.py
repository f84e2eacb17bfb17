"""Keyboard use: the skip links are the first stops, show when focused, and move focus."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

ACTIVE = """() => {
  const el = document.activeElement;
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    text: el.textContent.trim(),
    inMain: !!el.closest("main#main"),
    box: { x: box.x, y: box.y, width: box.width, height: box.height },
    viewport: { width: innerWidth, height: innerHeight },
  };
}"""


def assert_visible_in_viewport(box, viewport):
    assert box["width"] > 0 and box["height"] > 0, box
    assert box["x"] >= 0 and box["y"] >= 0, box
    assert box["x"] + box["width"] <= viewport["width"], box
    assert box["y"] + box["height"] <= viewport["height"], box


def test_first_tab_is_skip_to_main_content_and_enter_moves_focus_to_main(page, article_url):
    page.goto(article_url)
    skip = page.get_by_role("link", name="Skip to main content")
    # Out of sight before it is focused.
    hidden_box = skip.bounding_box()
    assert hidden_box is None or hidden_box["y"] + hidden_box["height"] <= 0

    page.keyboard.press("Tab")
    active = page.evaluate(ACTIVE)
    assert (active["tag"], active["text"]) == ("a", "Skip to main content")
    assert_visible_in_viewport(active["box"], active["viewport"])
    assert skip.is_visible()

    page.keyboard.press("Enter")
    active = page.evaluate(ACTIVE)
    assert active["inMain"] or (active["tag"], active["id"]) == ("main", "main"), active
    assert page.url.endswith("#main")


def test_after_skipping_the_next_tab_is_the_first_link_in_main(page, live_server, sample_article):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    active = page.evaluate(ACTIVE)
    assert active["inMain"], active
    assert active["text"] == sample_article.headline


def test_every_skip_link_in_tab_order_moves_focus_to_its_target(page, article_url):
    expected = [
        ("Skip to main content", "main"),
        ("Skip to navigation", "site-nav"),
        ("Skip to search", "search"),
        ("Skip to text size", "text-size"),
    ]
    for index, (name, target) in enumerate(expected):
        page.goto(article_url)
        for _ in range(index + 1):
            page.keyboard.press("Tab")
        active = page.evaluate(ACTIVE)
        assert active["text"] == name
        assert_visible_in_viewport(active["box"], active["viewport"])
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == target


def test_text_size_controls_work_from_the_keyboard(page, article_url):
    page.goto(article_url)
    page.locator('.text-size a[data-text-size="lg"]').focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.documentElement.dataset.textSize === 'lg'")
    assert page.evaluate("document.activeElement.dataset.textSize") == "lg"
    focus_ring = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert focus_ring != "none"
