"""Text-size controls: the markup, the no-JavaScript path through /text-size/<size>/, the cookie
every page reads, and the four sizes in the stylesheet."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from articles import text_size
from tests.test_article_page import css_rules, page, parse

SIZES = [("xs", "XS", "extra small text"), ("sm", "SM", "small text")]
SIZES += [("md", "MD", "medium text"), ("lg", "LG", "large text")]


@pytest.fixture
def article(make_article):
    return make_article(headline="Text size test", slug="text-size-test")


def controls(document):
    group = document.one(role="group")
    return group, group.find_all("a")


def current_sizes(document):
    return [a.get("data-text-size") for a in controls(document)[1] if a.get("aria-current")]


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
        assert link.get("aria-current") in (None, "true")
    assert current_sizes(document) == ["md"]
    assert document.one("html").get("data-text-size") == "md"


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

    document = page(client, url)
    assert document.one("html").get("data-text-size") == "lg"
    assert current_sizes(document) == ["lg"]
    # And on another page.
    home = page(client, "/")
    assert home.one("html").get("data-text-size") == "lg"
    assert current_sizes(home) == ["lg"]


def test_following_the_rendered_link_returns_to_the_same_page(client, make_article):
    for n in range(25):
        make_article(headline=f"Paginated {n}", slug=f"paginated-{n}")
    document = page(client, "/?page=2")
    link = next(a for a in controls(document)[1] if a.get("data-text-size") == "sm")
    response = client.get(link.get("href"))
    assert response.status_code == 302
    assert response["Location"] == "/?page=2"
    again = page(client, response["Location"])
    assert current_sizes(again) == ["sm"]


@pytest.mark.parametrize("value", ["xs", "sm", "md", "lg"])
def test_every_size_round_trips(client, article, value):
    client.get(f"/text-size/{value}/?next=/")
    document = page(client, article.get_absolute_url())
    assert document.one("html").get("data-text-size") == value
    assert current_sizes(document) == [value]


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
def test_bogus_cookie_value_renders_md(client, article, value):
    client.cookies[text_size.COOKIE_NAME] = value
    document = page(client, article.get_absolute_url())
    assert document.one("html").get("data-text-size") == "md"
    assert current_sizes(document) == ["md"]


def test_reader_pages_vary_on_the_cookie(client, article):
    for url in ("/", article.get_absolute_url()):
        response = client.get(url)
        assert "Cookie" in response["Vary"]


def test_sizes_module_matches_the_controls():
    assert text_size.SIZES == SIZES
    assert text_size.DEFAULT == "md"


# --- The stylesheet ---------------------------------------------------------------------


def ts_values():
    rules = css_rules()
    values = {}
    for value, _, _ in SIZES:
        declarations = rules[f':root[data-text-size="{value}"]']
        match = re.fullmatch(r"--ts:\s*([\d.]+)rem;?", declarations)
        assert match, f"--ts for {value} is not in rem: {declarations!r}"
        values[value] = float(match.group(1))
    return values


def test_css_sizes_are_rem_and_increase():
    values = ts_values()
    assert values["xs"] < values["sm"] < values["md"] < values["lg"]
    assert values["lg"] >= 1.5 * values["md"]
    assert values["xs"] >= 0.75  # never smaller than 12 px at the browser's default


def test_css_default_size_is_md():
    rules = css_rules()
    default = re.search(r"--ts:\s*([\d.]+)rem", rules[":root"])
    assert default and float(default.group(1)) == ts_values()["md"]
    # The body text uses it.
    assert "font-size: var(--ts)" in rules["body"]
