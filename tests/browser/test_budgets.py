"""The weight of the article page, measured in Chromium with an empty cache:

- at most 4 requests: the HTML, one stylesheet, at most one script, the favicon;
- at most 40 KB (40 x 1024 bytes) of HTML + CSS + JS, uncompressed;
- no render-blocking script (every <script src> in <head> is defer, async or a module) and no
  inline script but JSON-LD data and the text-size head script (text_size.INIT_SCRIPT, 0.2 KB,
  allowed by its hash in the Content-Security-Policy: it sets the reader's size before the
  first paint, so the HTML can be the same for every reader);
- no request to any other host.

Run with `-s` to read the figures.
"""

from html.parser import HTMLParser

import pytest

from articles.reader import text_size
from tests.browser.conftest import ARTICLE_PATH, DESKTOP, PUBLIC_PAGES

pytestmark = pytest.mark.django_db(transaction=True)

MAX_REQUESTS = 4
MAX_BYTES = 40 * 1024
ALLOWED_TYPES = {"document": 1, "stylesheet": 1, "script": 1}
FAVICON = "/static/favicon.svg"


def load(browser, url):
    """Requests of one page load in a fresh context (nothing cached), with their bodies."""
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        requests = []
        page.on("request", lambda request: requests.append(request))
        page.goto(url)
        page.wait_for_load_state("networkidle")
        loaded = []
        for request in requests:
            response = request.response()
            body = response.body() if response is not None else b""
            loaded.append(
                {
                    "url": request.url,
                    "type": request.resource_type,
                    "status": response.status if response is not None else None,
                    "bytes": len(body),
                    "body": body,
                }
            )
        return loaded
    finally:
        context.close()


class Scripts(HTMLParser):
    """Every <script>: where it is, its attributes, and whether it has inline content."""

    def __init__(self):
        super().__init__()
        self.in_head = False
        self.in_noscript = False
        self.current = None
        self.scripts = []
        self.stylesheets = 0  # outside <noscript> (what a browser with JavaScript loads)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "head":
            self.in_head = True
        elif tag == "noscript":
            self.in_noscript = True
        elif tag == "script":
            self.current = {"head": self.in_head, "attrs": attrs, "content": ""}
            self.scripts.append(self.current)
        elif tag == "link" and "stylesheet" in (attrs.get("rel") or "").split():
            self.stylesheets += not self.in_noscript
        # Attributes that run script: onclick=..., href="javascript:..."
        for name, value in attrs.items():
            assert not name.startswith("on"), f"inline event handler <{tag} {name}>"
            assert not (value or "").strip().lower().startswith("javascript:"), (tag, name, value)

    def handle_endtag(self, tag):
        if tag == "head":
            self.in_head = False
        elif tag == "noscript":
            self.in_noscript = False
        elif tag == "script":
            self.current = None

    def handle_data(self, data):
        if self.current is not None:
            self.current["content"] += data


def test_article_page_budget(browser, live_server, public_pages):
    """The ingested sample with its author, agency box and a breaking-news banner."""
    origin = live_server.url
    assert public_pages["article"] == ARTICLE_PATH
    loaded = load(browser, origin + ARTICLE_PATH)

    print(f"\nArticle page {ARTICLE_PATH}, empty cache:")
    for item in loaded:
        print(f"  {item['type']:<10} {item['status']} {item['bytes']:>7,} B  {item['url']}")
    counted = [i for i in loaded if i["type"] in ("document", "stylesheet", "script")]
    total = sum(i["bytes"] for i in counted)
    print(
        f"  {len(loaded)} requests; HTML + CSS + JS = {total:,} B "
        f"({total / 1024:.1f} KB of {MAX_BYTES // 1024} KB)"
    )

    # Nothing from another host, and everything loaded.
    assert [i["url"] for i in loaded if not i["url"].startswith(origin + "/")] == []
    assert all(i["status"] == 200 for i in loaded), [(i["url"], i["status"]) for i in loaded]
    # At most 4 requests, of the expected kinds.
    assert len(loaded) <= MAX_REQUESTS
    assert loaded[0]["type"] == "document"
    # Chromium fetches the favicon as type "other" (or "image"): counted by its address.
    types = ["favicon" if i["url"] == origin + FAVICON else i["type"] for i in loaded]
    for kind, most in {**ALLOWED_TYPES, "favicon": 1}.items():
        assert types.count(kind) <= most, types
    assert set(types) <= {*ALLOWED_TYPES, "favicon"}, types
    # At most 40 KB of HTML, CSS and JavaScript.
    assert total <= MAX_BYTES

    # No render-blocking script, and no script but data in the page.
    parser = Scripts()
    parser.feed(loaded[0]["body"].decode())
    assert parser.stylesheets == 1
    for script in parser.scripts:
        attrs = script["attrs"]
        if "src" in attrs:
            blocking = not ({"defer", "async"} & attrs.keys() or attrs.get("type") == "module")
            assert not (script["head"] and blocking), f"render-blocking script {attrs}"
        elif script["content"] == text_size.INIT_SCRIPT:
            assert script["head"] and attrs == {}
        else:
            assert attrs.get("type") == "application/ld+json", f"inline script {attrs}"


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_every_public_page_is_light_and_self_contained(browser, live_server, public_pages, name):
    origin = live_server.url
    loaded = load(browser, origin + public_pages[name])
    total = sum(i["bytes"] for i in loaded if i["type"] in ("document", "stylesheet", "script"))
    print(f"\n{name}: {len(loaded)} requests, HTML + CSS + JS = {total:,} B")
    assert [i["url"] for i in loaded if not i["url"].startswith(origin + "/")] == []
    assert len(loaded) <= MAX_REQUESTS, [(i["type"], i["url"]) for i in loaded]
    assert total <= MAX_BYTES
