"""The article body's editor in a real browser: the preview and the word count follow the
typing, the page stays on its own host and logs no error, and the preview is readable in the
admin's dark mode too."""

from urllib.parse import urlsplit

import pytest

from articles.admin.editing import MAX_PREVIEW_BYTES, describe_reading, reading_stats
from articles.markup import render_body
from articles.models import Article
from tests.browser.conftest import DESKTOP, MULTILINGUAL_BODY
from tests.helpers.browser import log_in_and_open

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def article(transactional_db):
    return Article.objects.create(
        headline="Rescue in Antakya",
        slug="rescue-in-antakya",
        body="An *old* first paragraph.\n",
        language="en",
    )


def watch(page, host):
    """Console errors, uncaught exceptions and requests to any other host, as they happen."""
    seen = {"errors": [], "elsewhere": [], "previews": []}

    def on_console(message):
        if message.type == "error":
            seen["errors"].append((message.text, message.location.get("lineNumber")))

    page.on("console", on_console)
    page.on("pageerror", lambda error: seen["errors"].append((str(error), None)))

    def on_request(request):
        if urlsplit(request.url).netloc != host:
            seen["elsewhere"].append(request.url)
        if request.url.endswith("/preview-body/"):
            seen["previews"].append(request.method)

    page.on("request", on_request)
    return seen


def until(page, read, expected, timeout_ms=10_000):
    """Wait until read() gives expected. (Polled from here: page.wait_for_function evaluates
    a string, which the Content-Security-Policy forbids.)"""
    for _ in range(timeout_ms // 50):
        if read() == expected:
            return
        page.wait_for_timeout(50)
    assert read() == expected


def preview_html(page):
    return page.locator("#id_body_preview").evaluate("e => e.innerHTML.replace(/\\n/g, '')")


def test_typing_updates_the_preview_and_the_word_count(page, live_server, editor, article):
    seen = watch(page, urlsplit(live_server.url).netloc)
    path = f"/admin/articles/article/{article.pk}/change/"
    response = log_in_and_open(page, live_server, editor, path)
    # The site's own Content-Security-Policy (settings): no inline script or style.
    csp = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in csp and "style-src 'self'" in csp
    stats = page.locator("#id_body_stats")
    assert stats.text_content() == "4 words · 1 min read"
    assert preview_html(page) == "<p>An <em>old</em> first paragraph.</p>"
    assert page.locator("#id_body_preview").get_attribute("aria-live") == "polite"
    assert page.get_by_role("region", name="Preview, as readers will see it").count() == 1

    body = page.locator("#id_body")
    body.fill("")
    body.press_sequentially("## Sub\n\nPara *one*")

    until(page, lambda: preview_html(page), "<h2>Sub</h2><p>Para <em>one</em></p>")
    assert stats.text_content() == "3 words · 1 min read"
    assert page.locator("#id_body_status").text_content() == ""
    assert seen["previews"] and set(seen["previews"]) == {"POST"}
    # Debounced: far fewer requests than the 18 keys typed.
    assert len(seen["previews"]) <= 6
    assert seen["errors"] == []
    assert seen["elsewhere"] == []
    # The policy was in force (so no error above means no inline script or style was used).
    inline_ran = page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.inlineRan = true'; document.head.append(s);"
        " return window.inlineRan === true; }"
    )
    assert inline_ran is False


def test_the_count_in_the_browser_matches_the_servers(page, live_server, editor, article):
    log_in_and_open(page, live_server, editor, f"/admin/articles/article/{article.pk}/change/")
    body = MULTILINGUAL_BODY + "\nTom &amp; Jerry — *don't* 1,851 U.S. 北京出版社的展台。\n"
    expected = describe_reading(*reading_stats(render_body(body, language="en")))
    assert expected != "4 words · 1 min read"

    page.locator("#id_body").fill(body)

    until(page, lambda: page.locator("#id_body_stats").text_content(), expected)
    assert preview_html(page) == render_body(body, language="en").replace("\n", "")


def test_a_change_of_language_reaches_the_preview(page, live_server, editor, article):
    article.body = "«Мы продолжим переговоры»"
    article.save()
    log_in_and_open(page, live_server, editor, f"/admin/articles/article/{article.pk}/change/")
    assert 'lang="ru"' in preview_html(page)

    page.locator("#id_language").fill("ru")
    page.locator("#id_language").dispatch_event("change")

    until(page, lambda: preview_html(page), "<p>«Мы продолжим переговоры»</p>")
    assert page.locator("#id_body_preview").get_attribute("lang") == "ru"


def test_a_body_over_the_limit_is_not_sent(page, live_server, editor, article):
    seen = watch(page, urlsplit(live_server.url).netloc)
    log_in_and_open(page, live_server, editor, f"/admin/articles/article/{article.pk}/change/")

    page.locator("#id_body").fill("a" * (MAX_PREVIEW_BYTES + 1))

    status = page.locator("#id_body_status")
    status.wait_for(state="visible")
    assert status.text_content() == "The body is too long to preview: the limit is 250 KB."
    assert seen["previews"] == []
    assert preview_html(page) == "<p>An <em>old</em> first paragraph.</p>"


def relative_luminance(rgb):
    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def colours(locator):
    values = locator.evaluate(
        "e => { const s = getComputedStyle(e); return [s.color, s.backgroundColor]; }"
    )
    return [
        tuple(int(part) for part in value.split("(")[1].rstrip(")").split(",")[:3])
        for value in values
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_preview_follows_the_admins_colour_scheme(browser, live_server, editor, scheme):
    article = Article.objects.create(
        headline="Scheme", slug="scheme", body="## Sub\n\nSome [link](/x/) text.", language="en"
    )
    context = browser.new_context(viewport=DESKTOP, color_scheme=scheme)
    try:
        page = context.new_page()
        log_in_and_open(page, live_server, editor, f"/admin/articles/article/{article.pk}/change/")
        preview = page.locator("#id_body_preview")
        fg, bg = colours(preview)
        heading_fg, heading_bg = colours(preview.locator("h2"))
        lighter, darker = sorted([relative_luminance(fg), relative_luminance(bg)], reverse=True)
        assert (lighter + 0.05) / (darker + 0.05) >= 7
        assert (relative_luminance(bg) < 0.1) == (scheme == "dark")
        assert heading_fg == fg  # not the admin's white-on-blue module headings
        assert relative_luminance(heading_bg) == 0 or heading_bg == bg
    finally:
        context.close()
