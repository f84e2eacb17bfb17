"""Text-size controls: the markup, the no-JavaScript path through /text-size/<size>/ and the
cookie, the stylesheet that applies it without JavaScript (/text-size.css), the head script that
applies it with JavaScript, and the four sizes in the stylesheet.

Pages are the same for every reader whatever their size (so that every cache can keep one copy):
the size is applied in the browser. tests/browser/test_text_size_js.py shows it in Chromium, with
and without JavaScript."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from articles.reader import text_size
from tests.helpers.css import css_rules
from tests.helpers.html import page, parse

SIZES = [("xs", "XS", "extra small text"), ("sm", "SM", "small text")]
SIZES += [("md", "MD", "medium text"), ("lg", "LG", "large text")]


@pytest.fixture
def article(make_article):
    return make_article(headline="Text size test", slug="text-size-test")


def controls(document):
    group = document.one(role="group")
    return group, group.find_all("a")


def size_css(client):
    """The size the no-JavaScript stylesheet applies, checked to be the whole stylesheet."""
    response = client.get("/text-size.css")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/css"
    css = response.content.decode()
    size = re.fullmatch(r":root \{ --ts: var\(--ts-(\w+)\); \}\n.*", css, flags=re.DOTALL)
    assert size, css
    assert css.splitlines()[1] == (
        f'.text-size a[data-text-size="{size.group(1)}"] '
        "{ background: var(--fg); color: var(--bg); border-color: var(--fg); }"
    )
    return size.group(1)


def test_controls_markup(client, article):
    document = page(client, article.get_absolute_url())
    group, links = controls(document)
    assert group.get("id") == "text-size"
    label = document.by_id(group.get("aria-labelledby"))
    assert label is not None and label.text() == "Text size"
    assert label in group.iter()
    assert len(links) == 4
    for link, (value, visible, rest) in zip(links, SIZES, strict=True):
        assert link.text(visible_only=True) == visible
        # The accessible name starts with the visible label (WCAG 2.5.3 Label in Name).
        assert link.text() == f"{visible} {rest}"
        hidden = link.one("span", cls="visually-hidden")
        assert hidden.raw_text() == f" {rest}"
        assert link.get("data-text-size") == value
        href = urlsplit(link.get("href"))
        assert href.path == f"/text-size/{value}/"
        assert parse_qs(href.query) == {"next": [article.get_absolute_url()]}
        # The chosen one is marked in the browser (static/js/text-size.js), not in the HTML
        # that every reader shares.
        assert link.get("aria-current") is None
    assert document.one("html").get("data-text-size") is None


def test_head_applies_the_size_before_anything_is_painted(client, article):
    document = page(client, article.get_absolute_url())
    head = document.one("head")
    inline = [s for s in head.find_all("script", type=None) if s.get("src") is None]
    assert [s.raw_text() for s in inline] == [text_size.INIT_SCRIPT]
    # Right after the stylesheet, before the body: nothing is painted before it runs.
    children = [
        n for n in head.children if getattr(n, "tag", None) in ("link", "script", "noscript")
    ]
    tags = [(n.tag, n.get("rel"), n.get("src") is None) for n in children]
    stylesheet = tags.index(("link", "stylesheet", True))
    assert tags[stylesheet + 1] == ("script", None, True)
    noscript = head.one("noscript")
    assert noscript.one("link").attrs == {"rel": "stylesheet", "href": "/text-size.css"}


def test_the_head_script_reads_only_the_four_sizes():
    script = text_size.INIT_SCRIPT
    assert "textsize=(xs|sm|md|lg)" in script
    assert '"data-text-size",m?m[1]:"md"' in script
    assert text_size.INIT_SCRIPT_CSP.startswith("'sha256-")


def test_controls_are_in_the_site_header_on_every_page(client, article):
    for url in ("/", article.get_absolute_url(), "/no-such-page/"):
        response = client.get(url)
        document = parse(response.content)
        group, links = controls(document)
        assert group.inside("header")
        assert [a.text(visible_only=True) for a in links] == ["XS", "SM", "MD", "LG"]
        next_urls = {parse_qs(urlsplit(a.get("href")).query)["next"][0] for a in links}
        assert next_urls == {url}


def test_no_js_path_sets_the_cookie_and_returns(client, article):
    url = article.get_absolute_url()
    before = client.get(url).content
    response = client.get(f"/text-size/lg/?next={url}")
    assert response.status_code == 302
    assert response["Location"] == url
    cookie = response.cookies[text_size.COOKIE_NAME]
    assert cookie.value == "lg"
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert int(cookie["max-age"]) >= 180 * 24 * 60 * 60
    # The page's script writes the same cookie, so the server must not make it HttpOnly.
    assert not cookie["httponly"]
    assert "no-store" in response["Cache-Control"]

    # The page is the same bytes as before; the size comes with the stylesheet.
    assert client.get(url).content == before
    assert size_css(client) == "lg"


def test_following_the_rendered_link_returns_to_the_same_page(client, make_article):
    for n in range(25):
        make_article(headline=f"Paginated {n}", slug=f"paginated-{n}")
    document = page(client, "/?page=2")
    link = next(a for a in controls(document)[1] if a.get("data-text-size") == "sm")
    response = client.get(link.get("href"))
    assert response.status_code == 302
    assert response["Location"] == "/?page=2"
    page(client, response["Location"])
    assert size_css(client) == "sm"


@pytest.mark.parametrize("value", ["xs", "sm", "md", "lg"])
def test_every_size_round_trips(client, db, value):
    client.get(f"/text-size/{value}/?next=/")
    assert size_css(client) == value


def test_size_stylesheet_without_a_cookie_is_md(client, db):
    assert size_css(client) == "md"


def test_size_stylesheet_is_private_and_follows_the_cookie(client, db):
    response = client.get("/text-size.css")
    assert response["Cache-Control"] == "private, no-cache"
    assert response["Vary"] == "Cookie"
    assert response["ETag"] == '"md"'
    client.cookies[text_size.COOKIE_NAME] = "xs"
    assert client.get("/text-size.css")["ETag"] == '"xs"'
    assert client.get("/text-size.css", headers={"if-none-match": '"xs"'}).status_code == 304


@pytest.mark.parametrize("size", ["xl", "LG", "", "lg2", "medium"])
def test_bogus_size_is_404(client, size, db):
    response = client.get(f"/text-size/{size}/?next=/")
    assert response.status_code == 404
    assert text_size.COOKIE_NAME not in response.cookies


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example",
        "//evil.example/articles/x/",
        "/\\evil.example",
        "\\\\evil.example",
        "http://testserver.evil.example/",
        "javascript:alert(1)",
        "",
    ],
)
def test_next_to_another_host_goes_home(client, db, next_url):
    response = client.get("/text-size/lg/", {"next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies[text_size.COOKIE_NAME].value == "lg"


def test_missing_next_goes_home(client, db):
    response = client.get("/text-size/xs/")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_next_with_control_characters_is_safe(client, db):
    response = client.get("/text-size/lg/", {"next": "/a\r\nSet-Cookie: x=1"})
    assert response.status_code == 302
    assert "\n" not in response["Location"]
    assert "x" not in response.cookies


@pytest.mark.parametrize("value", ["huge", "LG", "", "lg; md", "../../etc"])
def test_bogus_cookie_value_is_md(client, db, value):
    client.cookies[text_size.COOKIE_NAME] = value
    assert size_css(client) == "md"


def test_reader_pages_are_the_same_for_every_size(client, article):
    for url in ("/", article.get_absolute_url(), "/archive/", "/search/?q=text"):
        first = client.get(url)
        assert not first.has_header("Vary"), url
        assert "Set-Cookie" not in str(first.serialize_headers())
        for value in ("xs", "lg"):
            client.cookies[text_size.COOKIE_NAME] = value
            assert client.get(url).content == first.content, (url, value)
        del client.cookies[text_size.COOKIE_NAME]


def test_sizes_module_matches_the_controls():
    assert text_size.SIZES == SIZES
    assert text_size.DEFAULT == "md"


# --- The stylesheet ---------------------------------------------------------------------


def ts_values():
    """{size: rem} from the :root rule, and each size's rule choosing its variable."""
    rules = css_rules()
    values = {}
    for value, _, _ in SIZES:
        match = re.search(rf"--ts-{value}:\s*([\d.]+)rem;", rules[":root"])
        assert match, f"--ts-{value} is not in rem"
        values[value] = float(match.group(1))
        assert rules[f':root[data-text-size="{value}"]'] == f"--ts: var(--ts-{value});"
    return values


def test_css_sizes_are_rem_and_increase():
    values = ts_values()
    assert values["xs"] < values["sm"] < values["md"] < values["lg"]
    assert values["lg"] >= 1.5 * values["md"]
    assert values["xs"] >= 0.75  # never smaller than 12 px at the browser's default


def test_css_default_size_is_md():
    rules = css_rules()
    assert re.search(r"--ts:\s*var\(--ts-md\);", rules[":root"])
    ts_values()
    # The body text uses it.
    assert "font-size: var(--ts)" in rules["body"]
