"""Accessibility of every public page in Chromium, beyond what axe-core can see:

- keyboard: the first Tab stop is "Skip to main content", shown when focused, and Enter moves
  focus into <main>; every link, button and input is reached by Tab and shows a visible focus
  indicator (measured in pixels, see focus_indicator);
- reflow (WCAG 1.4.10): no horizontal scrolling at 320 CSS px, at every text size;
- text spacing (WCAG 1.4.12): with the spacing the criterion asks for, no text is clipped and
  no two lines of text overlap;
- without JavaScript every page renders, and navigation, text size and search work;
- dark colour scheme, reduced motion and the print stylesheet.
"""

from io import BytesIO

import pytest
from PIL import Image

from tests.browser.conftest import (
    ARTICLE_PATH,
    EXPECTED_STATUS,
    PUBLIC_PAGES,
    SIZES,
    WIDTHS,
    assert_text_size,
    visit,
)

pytestmark = pytest.mark.django_db(transaction=True)


# --- Keyboard ----------------------------------------------------------------------------------

# Everything a keyboard user must be able to reach, each tagged with its index.
TABBABLE = """() => {
  const selector = "a[href], button, input:not([type=hidden]), select, textarea, summary, " +
    "[tabindex]:not([tabindex='-1'])";
  return [...document.querySelectorAll(selector)]
    .filter(el => !el.disabled && el.getClientRects().length &&
                  getComputedStyle(el).visibility !== "hidden" && !el.closest("[inert]"))
    .map((el, i) => { el.dataset.kbIndex = i; return describe(el); });
  function describe(el) {
    return `${el.tagName.toLowerCase()} "${(el.textContent || el.value || "").trim().slice(0, 40)}"`;
  }
}"""
ACTIVE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const rects = [...el.getClientRects()].map(r => ({ x: r.x, y: r.y, width: r.width, height: r.height }));
  const box = el.getBoundingClientRect();
  return {
    index: el.dataset.kbIndex === undefined ? null : Number(el.dataset.kbIndex),
    tag: el.tagName.toLowerCase(),
    id: el.id,
    text: (el.textContent || "").trim(),
    focusVisible: el.matches(":focus-visible"),
    inMain: !!el.closest("main#main"),
    box: { x: box.x, y: box.y, width: box.width, height: box.height },
    rects,
    viewport: { width: innerWidth, height: innerHeight },
  };
}"""
# Around the element: room for an outline and its offset.
MARGIN = 8


def _linear(channel):
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


_LINEAR = [_linear(c) for c in range(256)]


def luminance(rgb):
    r, g, b = rgb[:3]
    return 0.2126 * _LINEAR[r] + 0.7152 * _LINEAR[g] + 0.0722 * _LINEAR[b]


def contrast(a, b):
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def changed_pixels(focused_png, unfocused_png, minimum_contrast=3.0):
    """How many pixels differ, with a contrast of at least 3:1, between the two screenshots."""
    a = Image.open(BytesIO(focused_png)).convert("RGB")
    b = Image.open(BytesIO(unfocused_png)).convert("RGB")
    assert a.size == b.size
    return sum(
        1
        for p, q in zip(a.get_flattened_data(), b.get_flattened_data(), strict=True)
        if p != q and contrast(p, q) >= minimum_contrast
    )


def focus_indicator(page, active):
    """Pixels that change with at least 3:1 contrast when the focused element loses focus, and
    the least such area WCAG 2.4.13 asks for (a 2 CSS px thick perimeter of the element).

    Screenshots of the element's box plus a margin, focused and then blurred: whatever draws
    the indicator (outline, box-shadow, border, background, underline), and whatever covers or
    clips it, this is what the reader sees. The device pixel ratio is 1, so pixels are CSS px.
    """
    box, viewport = active["box"], active["viewport"]
    x0, y0 = max(0, box["x"] - MARGIN), max(0, box["y"] - MARGIN)
    x1 = min(viewport["width"], box["x"] + box["width"] + MARGIN)
    y1 = min(viewport["height"], box["y"] + box["height"] + MARGIN)
    clip = {"x": x0, "y": y0, "width": x1 - x0, "height": y1 - y0}
    focused = page.screenshot(clip=clip, animations="disabled")
    page.evaluate("document.activeElement.blur()")
    unfocused = page.screenshot(clip=clip, animations="disabled")
    perimeter = sum(2 * (r["width"] + r["height"]) for r in active["rects"])
    return changed_pixels(focused, unfocused), 2 * perimeter


def in_viewport(active):
    box, viewport = active["box"], active["viewport"]
    return (
        box["width"] > 0
        and box["height"] > 0
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= viewport["width"]
        and box["y"] + box["height"] <= viewport["height"]
    )


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_first_tab_is_skip_to_main_content_and_enter_moves_focus_into_main(
    shared_page, live_server, public_pages, name
):
    page = shared_page("light", 1280)
    visit(page, live_server.url, public_pages[name])
    page.keyboard.press("Tab")
    active = page.evaluate(ACTIVE)
    assert (active["tag"], active["text"]) == ("a", "Skip to main content")
    assert active["focusVisible"] and in_viewport(active), active
    page.keyboard.press("Enter")
    active = page.evaluate(ACTIVE)
    assert active is not None, "Enter on the skip link left nothing focused"
    assert active["inMain"] or (active["tag"], active["id"]) == ("main", "main"), active
    assert page.url.endswith("#main")
    # The next Tab goes on from there: to the first control in main, if it has any.
    page.keyboard.press("Tab")
    after = page.evaluate(ACTIVE)
    has_control = page.locator("main a[href], main button, main input").count() > 0
    if has_control:
        assert after is not None and after["inMain"], after

    # Every skip link, in its turn, is shown when focused and moves focus to its target.
    links = page.locator(".skip-links a").evaluate_all(
        "links => links.map(a => [a.textContent.trim(), a.getAttribute('href').slice(1)])"
    )
    assert links[0] == ["Skip to main content", "main"] and len(links) >= 3, links
    for index, (text, target) in enumerate(links[1:], start=2):
        visit(page, live_server.url, public_pages[name])
        for _ in range(index):
            page.keyboard.press("Tab")
        active = page.evaluate(ACTIVE)
        assert active["text"] == text and in_viewport(active), active
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == target, text


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_every_control_is_reached_by_tab_and_shows_a_visible_focus_indicator(
    shared_page, live_server, public_pages, name, scheme
):
    page = shared_page(scheme, 1280)
    visit(page, live_server.url, public_pages[name])
    page.mouse.move(0, 0)
    tabbable = page.evaluate(TABBABLE)
    assert len(tabbable) >= 8, tabbable  # skip links, header, text size at least

    reached, faint, hidden = set(), [], []
    for _ in range(len(tabbable) + 5):
        page.keyboard.press("Tab")
        active = page.evaluate(ACTIVE)
        if active is None or active["index"] in reached:
            break  # past the last control (focus left the page) or round again
        assert active["index"] is not None, f"focus went to something not tabbable: {active}"
        reached.add(active["index"])
        label = f"{tabbable[active['index']]} ({active['index']})"
        if not (active["focusVisible"] and in_viewport(active)):
            hidden.append((label, active["box"]))
            continue
        pixels, needed = focus_indicator(page, active)
        if pixels < needed:
            faint.append((label, f"{pixels} px changed by 3:1 or more, {needed:.0f} needed"))
        # Tab goes on from the blurred element (Chromium keeps it as the starting point).

    missed = [tabbable[i] for i in range(len(tabbable)) if i not in reached]
    assert missed == [], f"never reached by Tab: {missed}"
    assert hidden == [], f"focused but not visible in the viewport: {hidden}"
    assert faint == [], f"focus indicator too faint: {faint}"


# --- Reflow and target size ---------------------------------------------------------------------

WIDEST = """() => Math.max(...[...document.body.querySelectorAll("*")]
  .filter(el => !el.closest(".skip-links, .visually-hidden"))
  .map(el => el.getBoundingClientRect().right))"""


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_no_horizontal_scrolling_at_320_px_at_every_text_size(
    shared_page, live_server, public_pages, name
):
    page = shared_page("light", 320)
    for size in SIZES:
        visit(page, live_server.url, public_pages[name], size)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= 320, (name, size, scroll_width)
        # Nothing sticks out either (overflow: hidden would hide it rather than scroll).
        widest = page.evaluate(WIDEST)
        assert widest <= 320, (name, size, widest)
        # The text-size controls stay at least 24 x 24 CSS px (WCAG 2.5.8).
        boxes = page.locator(".text-size a").evaluate_all(
            "links => links.map(a => [a.offsetWidth, a.offsetHeight])"
        )
        assert len(boxes) == 4 and all(w >= 24 and h >= 24 for w, h in boxes), (size, boxes)


# --- Text spacing ---------------------------------------------------------------------------------

TEXT_SPACING = """
* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
    word-spacing: 0.16em !important; }
p { margin-bottom: 2em !important; }
"""
# Text that is clipped, and pairs of text line boxes (of different text nodes) that overlap.
SPACING_PROBLEMS = """() => {
  const ignored = el => el.closest(".skip-links, .visually-hidden, script, style, template");
  const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (typeof el.className === "string" && el.className ? "." + el.className.split(" ")[0] : "");
  const clipped = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (ignored(el) || !el.innerText || !el.innerText.trim()) continue;
    const style = getComputedStyle(el);
    const clips = value => value === "hidden" || value === "clip";
    if (clips(style.overflowX) && el.scrollWidth > el.clientWidth)
      clipped.push([name(el), "width", el.scrollWidth, el.clientWidth]);
    if (clips(style.overflowY) && el.scrollHeight > el.clientHeight)
      clipped.push([name(el), "height", el.scrollHeight, el.clientHeight]);
  }
  const boxes = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(), n = 0; node; node = walker.nextNode(), n++) {
    if (!node.data.trim() || ignored(node.parentElement)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      if (r.width > 0 && r.height > 0)
        boxes.push({ node: n, el: name(node.parentElement), text: node.data.trim().slice(0, 30),
                     left: r.left, right: r.right, top: r.top, bottom: r.bottom });
    }
  }
  boxes.sort((a, b) => a.top - b.top);
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) {
    const a = boxes[i];
    for (let j = i + 1; j < boxes.length && boxes[j].top < a.bottom; j++) {
      const b = boxes[j];
      if (a.node === b.node) continue;
      const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (x > 1 && y > 1) overlaps.push([a.el, a.text, b.el, b.text, Math.round(x), Math.round(y)]);
    }
  }
  return { clipped, overlaps, boxes: boxes.length,
           scrollWidth: document.documentElement.scrollWidth, width: innerWidth };
}"""


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_text_spacing_loses_no_text(shared_page, live_server, public_pages, name, width):
    page = shared_page("light", width)
    for size in ["md", "lg"]:
        visit(page, live_server.url, public_pages[name], size)
        page.add_style_tag(content=TEXT_SPACING)
        assert page.evaluate("getComputedStyle(document.body).letterSpacing") != "normal"
        found = page.evaluate(SPACING_PROBLEMS)
        assert found["boxes"] > 10, found  # it did look at the text
        assert found["clipped"] == [], (size, found["clipped"])
        assert found["overlaps"] == [], (size, found["overlaps"])
        assert found["scrollWidth"] <= found["width"], (size, found["scrollWidth"])


# --- Without JavaScript --------------------------------------------------------------------------


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_every_page_renders_without_javascript(shared_page, live_server, public_pages, name):
    page = shared_page("light", 1280, javascript=False)
    response = visit(page, live_server.url, public_pages[name], "lg")
    assert response.status == EXPECTED_STATUS.get(name, 200)
    assert page.locator("h1").count() == 1 and page.locator("h1").is_visible()
    assert page.locator("main#main").is_visible()
    # The <noscript> stylesheet applied the chosen size (visit checked it): large from the start.
    assert page.locator("html").get_attribute("data-text-size") is None
    # Every control works without script: real links and a real form.
    hrefs = page.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert all(h and not h.startswith("javascript:") and h != "#" for h in hrefs), hrefs
    form = page.locator("form[role=search]")
    assert form.get_attribute("method") == "get" and form.get_attribute("action")


def test_without_javascript_navigation_text_size_and_search_work(
    shared_page, live_server, public_pages
):
    page = shared_page("light", 1280, javascript=False)
    url = live_server.url
    visit(page, url, ARTICLE_PATH)

    # Navigation.
    page.locator("#site-nav").get_by_role("link", name="Latest news").click()
    page.wait_for_url(url + "/")
    page.locator(f'.article-card a[href="{ARTICLE_PATH}"]').click()
    page.wait_for_url(url + ARTICLE_PATH)
    page.locator("#site-nav").get_by_role("link", name="Archive").click()
    page.wait_for_url(url + public_pages["archive"])
    page.go_back()

    # Text size: the link sets the cookie and comes back to the same page, larger.
    with page.expect_navigation():
        page.locator('.text-size a[data-text-size="lg"]').click()
    assert page.url == url + ARTICLE_PATH
    assert_text_size(page, "lg")

    # Search: the form in the header submits (Enter, then the button).
    search = page.locator(".site-header").get_by_role("search").get_by_role("searchbox")
    search.fill("Lavrov")
    with page.expect_navigation():
        search.press("Enter")
    assert page.url == url + "/search/?q=Lavrov"
    assert page.locator(f'main a[href="{ARTICLE_PATH}"]').count() == 1
    page.locator(".site-header").get_by_role("search").get_by_role("searchbox").fill("Cairo")
    with page.expect_navigation():
        page.locator(".site-header").get_by_role("search").get_by_role(
            "button", name="Search"
        ).click()
    assert page.url == url + "/search/?q=Cairo"
    assert page.locator(f'main a[href="{public_pages["article-multilingual"]}"]').count() == 1


# --- Colour scheme, motion and print -----------------------------------------------------------

COLOURS = """() => {
  const rgb = value => value.match(/[0-9.]+/g).slice(0, 3).map(Number);
  const style = getComputedStyle(document.body);
  return { background: rgb(style.backgroundColor), text: rgb(style.color),
           scheme: getComputedStyle(document.documentElement).colorScheme };
}"""


@pytest.mark.parametrize("name", ["home", "article"])
def test_dark_colour_scheme_follows_the_system_setting(
    shared_page, live_server, public_pages, name
):
    light, dark = shared_page("light", 1280), shared_page("dark", 1280)
    for page in (light, dark):
        visit(page, live_server.url, public_pages[name])
    light_colours, dark_colours = light.evaluate(COLOURS), dark.evaluate(COLOURS)
    assert light_colours["scheme"] == dark_colours["scheme"] == "light dark"
    assert luminance(light_colours["background"]) > 0.9
    assert luminance(dark_colours["background"]) < 0.05
    assert luminance(dark_colours["text"]) > 0.7
    for colours in (light_colours, dark_colours):
        assert contrast(colours["background"], colours["text"]) >= 7  # AAA body text
    # The form controls and scroll bars follow too (color-scheme), and so do links.
    link = "getComputedStyle(document.querySelector('main a, .site-header a')).color"
    assert light.evaluate(link) != dark.evaluate(link)


RUNNING = """() => {
  const moving = [];
  for (const el of [document.documentElement, ...document.querySelectorAll("*")]) {
    for (const pseudo of [null, "::before", "::after"]) {
      const style = getComputedStyle(el, pseudo);
      const durations = (style.transitionDuration + "," + style.animationDuration).split(",");
      if (style.animationName !== "none" || durations.some(d => parseFloat(d) > 0))
        moving.push(el.tagName + (pseudo || ""));
    }
  }
  return { moving: moving.slice(0, 10), animations: document.getAnimations().length,
           scroll: getComputedStyle(document.documentElement).scrollBehavior };
}"""


def test_reduced_motion_means_no_animation_or_transition(browser, live_server, public_pages):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, reduced_motion="reduce")
    try:
        page = context.new_page()
        assert page.evaluate("matchMedia('(prefers-reduced-motion: reduce)').matches")
        for path in public_pages.values():
            page.goto(live_server.url + path)
            # Hover, focus and change the text size: nothing starts moving.
            page.locator(".site-header a").first.hover()
            page.keyboard.press("Tab")
            page.locator('.text-size a[data-text-size="lg"]').click()
            page.wait_for_function("document.documentElement.dataset.textSize === 'lg'")
            state = page.evaluate(RUNNING)
            assert state == {"moving": [], "animations": 0, "scroll": "auto"}, (path, state)
            page.locator('.text-size a[data-text-size="md"]').click()
    finally:
        context.close()


PRINTED = """() => {
  const shown = selector => [...document.querySelectorAll(selector)]
    .map(el => getComputedStyle(el).display !== "none");
  return {
    hidden: {
      skipLinks: shown(".skip-links"), nav: shown("#site-nav"), search: shown("form[role=search]"),
      textSize: shown(".text-size"), banner: shown(".breaking-news"),
    },
    main: shown("main")[0], headline: shown("h1")[0],
    links: [...document.querySelectorAll("main a[href]")].map(a =>
      [a.getAttribute("href"), getComputedStyle(a, "::after").content]),
    colours: [getComputedStyle(document.body).color, getComputedStyle(document.body).backgroundColor],
  };
}"""


@pytest.mark.parametrize("name", ["article", "home"])
def test_print_stylesheet(shared_page, live_server, public_pages, name):
    page = shared_page("dark", 1280)
    visit(page, live_server.url, public_pages[name])
    page.emulate_media(media="print")
    try:
        printed = page.evaluate(PRINTED)
    finally:
        page.emulate_media(media="screen")
    # Navigation, search, the breaking-news banner and the text-size controls are not printed.
    for part, shown in printed["hidden"].items():
        assert shown and not any(shown), (part, shown)
    assert printed["main"] and printed["headline"]
    # Black on white, even from the dark scheme.
    assert printed["colours"] == ["rgb(0, 0, 0)", "rgb(255, 255, 255)"]
    # Each link in the text has its address printed after it; a link within the page
    # ("see all updates" -> #updates) has no address worth printing.
    assert printed["links"], "no link in main to print"
    for href, after in printed["links"]:
        expected = "none" if href.startswith("#") else f'" ({href})"'
        assert after == expected, (href, after)
