"""The article page, as readers get it: the ingested sample rendered by the real view and
templates, parsed with Python's html.parser.

Also home of the small HTML tree used by the other reader-page tests (`parse`, `Node`).
"""

import re
from datetime import datetime
from html.parser import HTMLParser
from io import BytesIO
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from articles.ingest.writer import ingest
from articles.models import Agency, Author, Caption
from articles.reader import text_size
from tests.conftest import SAMPLE_SLUG

ARTICLE_URL = f"/articles/{SAMPLE_SLUG}/"
HEADLINE = "Kerry-Lavrov Rapport Smoothed Path to Syria Deal"
KOREAN_CAPTION = (
    "터키 접경 마을 수루크에서 촬영한 시리아 도시 코바니. 붉은 선들은 예광탄의 궤적이다."
)
FIRST_PARAGRAPH = (
    "The deal between the United States and Russia on Syrian chemical weapons was due in no "
    "small part to the labors of foreign policy veterans with contrasting styles: Secretary of "
    "State John Kerry and Russian Foreign Minister Sergei Lavrov."
)
LAST_PARAGRAPH = (
    "Those personal touches, many say, helped move the talks toward agreement and avert a U.S. "
    "military strike on Syria."
)
REUTERS_DESCRIPTION = (
    "Reuters is a news agency founded in 1851 and owned by the Thomson Reuters Corporation "
    "based in Toronto, Canada. One of the world's largest wire services, it provides financial "
    "news as well as international coverage in over 16 languages to more than 1000 newspapers "
    "and 750 broadcasters around the globe."
)
FURNITURE = ("Accessibility links", "Breaking News", "16x9 Image")
PLACEHOLDER_ALTS = {"image", "16x9 image", "photo", "picture", "img"}


# --- A small, strict HTML tree ----------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
VOID |= {"track", "wbr"}


class Node:
    def __init__(self, tag, attrs=(), parent=None):
        self.tag = tag
        self.attrs = dict(attrs)
        self.parent = parent
        self.children = []  # Nodes and strings, in document order

    def __repr__(self):
        return f"<{self.tag} {self.attrs}>"

    def get(self, name, default=None):
        return self.attrs.get(name, default)

    @property
    def classes(self):
        return (self.attrs.get("class") or "").split()

    def iter(self):
        """This element and every element inside it, in document order."""
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag=None, *, cls=None, **attrs):
        found = []
        for node in self.iter():
            if tag is not None and node.tag != tag:
                continue
            if cls is not None and cls not in node.classes:
                continue
            if any(node.attrs.get(k.rstrip("_").replace("_", "-")) != v for k, v in attrs.items()):
                continue
            found.append(node)
        return found

    def find(self, tag=None, **kwargs):
        found = self.find_all(tag, **kwargs)
        return found[0] if found else None

    def one(self, tag=None, **kwargs):
        found = self.find_all(tag, **kwargs)
        assert len(found) == 1, f"expected one {tag} {kwargs}, found {len(found)}"
        return found[0]

    def by_id(self, element_id):
        return self.find(id=element_id)

    def text(self, *, visible_only=False):
        """The text inside, with whitespace runs collapsed; visible_only leaves out what
        .visually-hidden hides (so it is the text sighted readers see)."""
        return " ".join("".join(self._texts(visible_only)).split())

    def _texts(self, visible_only):
        for child in self.children:
            if isinstance(child, str):
                yield child
            elif not (visible_only and "visually-hidden" in child.classes):
                yield from child._texts(visible_only)

    def raw_text(self):
        return "".join(self._texts(False))

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def inside(self, tag=None, **kwargs):
        return any(
            (tag is None or a.tag == tag) and all(a.attrs.get(k) == v for k, v in kwargs.items())
            for a in self.ancestors()
        )


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack = [self.root]
        self.doctype = None

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.stack[-1])
        assert len(node.attrs) == len(attrs), f"duplicate attribute in <{tag} {attrs}>"
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        open_tag = self.stack[-1].tag
        # Our templates close every element explicitly: anything else is broken markup.
        assert open_tag == tag, f"</{tag}> closes <{open_tag}>"
        self.stack.pop()

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(content) -> Node:
    """The document tree of a page; fails on mismatched tags (the pages are well-formed)."""
    if isinstance(content, bytes):
        content = content.decode("utf-8")
    builder = _TreeBuilder()
    builder.feed(content)
    builder.close()
    assert builder.stack == [builder.root], f"unclosed elements: {builder.stack[1:]}"
    assert (builder.doctype or "").lower() == "doctype html", "missing <!doctype html>"
    return builder.root


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    assert response["Content-Type"] == "text/html; charset=utf-8"
    return parse(response.content)


FOCUSABLE_TAGS = {"button", "input", "select", "textarea", "summary", "iframe"}


def is_focusable(node) -> bool:
    """Focusable at all (by script or a fragment link), tab order or not."""
    if "tabindex" in node.attrs:
        return True
    if node.tag == "a" and "href" in node.attrs:
        return True
    return node.tag in FOCUSABLE_TAGS and "disabled" not in node.attrs


def tab_order(document) -> list:
    """The elements that Tab reaches, in order (nobody uses a positive tabindex here)."""
    body = document.one("body")
    order = []
    for node in body.iter():
        tabindex = node.get("tabindex")
        if tabindex is not None:
            assert int(tabindex) <= 0, f"positive tabindex on {node}"
            if int(tabindex) < 0:
                continue
        if is_focusable(node):
            order.append(node)
    return order


def is_same_origin(url: str) -> bool:
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and not url.startswith("\\")


# --- The ingested sample ----------------------------------------------------------------


@pytest.fixture
def sample_article(db, sample_bytes):
    result = ingest(sample_bytes, filename="kerry-lavrov.txt", channel="command", publish=True)
    assert not result.failed, result.error
    assert result.article.slug == SAMPLE_SLUG
    return result.article


@pytest.fixture
def doc(client, sample_article):
    return page(client, ARTICLE_URL)


def test_html_lang_is_the_articles_language(doc):
    html = doc.one("html")
    assert html.get("lang") == "en"


def test_korean_article_page_says_lang_ko(client, make_article):
    article = make_article(
        headline="시리아 협상의 길을 닦은 케리와 라브로프",
        body="미국과 러시아의 합의.\n",
        language="ko",
    )
    document = page(client, article.get_absolute_url())
    assert document.one("html").get("lang") == "ko"
    # The frame around the article (skip links, header, footer) is English and says so.
    assert document.one("nav", cls="skip-links").get("lang") == "en"
    assert document.one("header", cls="site-header").get("lang") == "en"
    assert document.one("footer").get("lang") == "en"
    assert document.one("h1").text() == "시리아 협상의 길을 닦은 케리와 라브로프"


def test_semantic_structure(doc):
    body = doc.one("body")
    header = body.one("header", cls="site-header")
    assert header.parent is body
    assert header.find("nav", id="site-nav") is not None
    main = body.one("main")
    assert main.get("id") == "main"
    assert main.parent is body
    article = main.one("article")
    footer = body.one("footer")
    assert footer.parent is body
    # Document order: header, main, footer.
    top_level = [c.tag for c in body.children if isinstance(c, Node)]
    assert top_level.index("header") < top_level.index("main") < top_level.index("footer")
    assert article.one("h1").text() == HEADLINE
    assert [h.text() for h in doc.find_all("h1")] == [HEADLINE]


def test_headline_is_exact(doc):
    assert doc.one("h1").raw_text() == HEADLINE
    assert doc.one("title").text() == f"{HEADLINE} · Newsroom"


def test_subheadings_in_order(doc):
    body = doc.one("div", cls="article-body")
    assert [h.raw_text() for h in body.find_all("h2")] == [
        "Unlikely couple",
        "Moving beyond the 'reset'",
    ]
    assert body.find_all("h3") == []


def test_body_has_32_paragraphs_with_exact_first_and_last(doc):
    body = doc.one("div", cls="article-body")
    paragraphs = body.find_all("p")
    assert len(paragraphs) == 32
    assert paragraphs[0].raw_text() == FIRST_PARAGRAPH
    assert paragraphs[-1].raw_text() == LAST_PARAGRAPH
    # Subheadings sit between the paragraphs where the source put them.
    blocks = [c for c in body.children if isinstance(c, Node)]
    h2_positions = [i for i, node in enumerate(blocks) if node.tag == "h2"]
    assert h2_positions == [11, 21]
    assert blocks[12].raw_text().startswith("Lavrov and Kerry might be diplomatic partners")


def test_figure_with_korean_caption(doc):
    article = doc.one("article")
    figure = article.one("figure")
    figcaption = figure.one("figcaption")
    assert figcaption.get("lang") == "ko"
    assert figcaption.raw_text() == KOREAN_CAPTION
    # The figure comes before the body, after the headline.
    nodes = list(article.iter())
    assert nodes.index(article.one("h1")) < nodes.index(figure)
    assert nodes.index(figure) < nodes.index(article.one("div", cls="article-body"))


def test_no_image_repeats_the_caption_or_is_a_placeholder(doc):
    for img in doc.find_all("img"):
        alt = img.get("alt")
        assert alt is not None
        assert alt != KOREAN_CAPTION
        assert alt.strip().lower() not in PLACEHOLDER_ALTS


def test_agency_box(doc):
    article = doc.one("article")
    aside = article.one("aside")
    label = doc.by_id(aside.get("aria-labelledby"))
    assert label is not None and label.text() == "Reuters"
    assert aside.one("h2").raw_text() == "Reuters"
    assert [p.raw_text() for p in aside.find_all("p")] == [REUTERS_DESCRIPTION]


def test_no_page_furniture_as_text(doc):
    text = doc.one("body").raw_text()
    for furniture in FURNITURE:
        assert furniture not in text
    assert doc.find(cls="breaking-news") is None
    assert doc.find(role="status") is None
    # "Accessibility links" exists only as the skip-links nav's accessible name.
    mentions = [
        (node, name)
        for node in doc.iter()
        for name, value in node.attrs.items()
        if value and "Accessibility links" in value
    ]
    assert mentions == [(doc.one("nav", cls="skip-links"), "aria-label")]
    # The capture's own text-size labels are not body text either.
    body_text = doc.one("div", cls="article-body").raw_text()
    assert not re.search(r"\b(XS|SM|MD|LG)\b", body_text)


def test_time_has_a_datetime_with_offset(doc, sample_article):
    byline = doc.one("p", cls="byline")
    time = byline.one("time")
    value = time.get("datetime")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", value), value
    assert datetime.fromisoformat(value) == sample_article.published_at
    assert time.text() == timezone.localtime(sample_article.published_at).strftime(
        "%-d %B %Y, %H:%M UTC"
    )
    assert byline.text().startswith("Reuters · ")


# --- Skip links -------------------------------------------------------------------------


def test_skip_links_come_first(doc):
    order = tab_order(doc)
    skip_nav = doc.one("nav", cls="skip-links")
    assert skip_nav.get("aria-label") == "Accessibility links"
    assert [(a.text(), a.get("href")) for a in order[:4]] == [
        ("Skip to main content", "#main"),
        ("Skip to navigation", "#site-nav"),
        ("Skip to search", "#search"),
        ("Skip to text size", "#text-size"),
    ]
    assert all(a.parent is skip_nav for a in order[:3])
    # Nothing focusable hides before them, not even with tabindex="-1".
    body = doc.one("body")
    first_focusable = next(n for n in body.iter() if is_focusable(n))
    assert first_focusable is order[0]


def test_every_fragment_link_has_a_focusable_target(doc):
    fragment_links = [a for a in doc.find_all("a") if (a.get("href") or "").startswith("#")]
    assert len(fragment_links) >= 3
    for link in fragment_links:
        target = doc.by_id(link.get("href")[1:])
        assert target is not None, link
        assert target.get("tabindex") == "-1" or is_focusable(target), target
    ids = [n.get("id") for n in doc.iter() if n.get("id")]
    assert len(ids) == len(set(ids)), "duplicate id"


def test_skip_links_are_visually_hidden_until_focused():
    rules = css_rules()
    hidden = rules[".skip-links a"]
    assert "position: absolute" in hidden
    top = re.search(r"top:\s*(-[\d.]+)rem", hidden)
    assert top and float(top.group(1)) <= -5
    shown = rules[".skip-links a:focus"]
    assert re.search(r"top:\s*[\d.]+rem", shown)


def css_rules() -> dict[str, str]:
    """{selector: declarations} of the site stylesheet's top-level rules (not those inside
    @media blocks)."""
    with open(finders.find("css/site.css"), encoding="utf-8") as f:
        text = re.sub(r"/\*.*?\*/", "", f.read(), flags=re.DOTALL)
    rules, depth, start, selector = {}, 0, 0, ""
    for i, char in enumerate(text):
        if char == "{":
            if depth == 0:
                selector, start = text[start:i].strip(), i + 1
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                if not selector.startswith("@"):
                    rules[selector] = text[start:i].strip()
                start = i + 1
    assert depth == 0, "unbalanced braces in site.css"
    return rules


# --- Images: what readers' assistive technology hears -----------------------------------


def png_bytes():
    buffer = BytesIO()
    Image.new("RGB", (16, 9), "#336699").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_image_alt_never_repeats_the_caption_or_is_a_placeholder(client, make_article, media):
    article = make_article()
    cases = [
        ("A crowd in the square.", "A crowd in the square."),
        ("Ministers at the table.", "16x9 Image"),
        ("Lavrov and Kerry.", "image"),
        ("Geneva.", "Two men shake hands in front of flags."),
    ]
    for position, (text, alt) in enumerate(cases):
        caption = Caption(article=article, text=text, alt_text=alt, position=position)
        caption.image.save(f"photo-{position}.png", ContentFile(png_bytes()), save=False)
        caption.save()
    document = page(client, article.get_absolute_url())
    figures = document.one("article").find_all("figure")
    assert len(figures) == 4
    alts = [figure.one("img").get("alt") for figure in figures]
    assert alts == ["", "", "", "Two men shake hands in front of flags."]
    for figure, (text, _) in zip(figures, cases, strict=True):
        img = figure.one("img")
        assert (img.get("width"), img.get("height")) == ("16", "9")
        assert is_same_origin(img.get("src"))
        assert figure.one("figcaption").raw_text() == text


def test_missing_image_file_does_not_break_the_page(client, make_article, media):
    article = make_article(captions=[{"text": "Lost photo.", "image": "captions/gone.png"}])
    document = page(client, article.get_absolute_url())
    img = document.one("figure").one("img")
    assert img.get("width") is None
    assert document.one("figcaption").raw_text() == "Lost photo."


# --- Nothing from another host ----------------------------------------------------------


def assert_self_contained(document):
    article = document.find("article")
    for node in document.iter():
        for name in ("src", "href", "srcset", "poster", "action", "data", "formaction"):
            value = node.get(name)
            if value is None:
                continue
            if node.tag == "a" and article is not None and node.inside("article"):
                continue  # links inside the article (its content) may go anywhere
            if node.tag == "link" and node.get("rel") == "canonical":
                # The page's own address, absolute as search engines want it.
                assert value.startswith("http://testserver/"), value
                continue
            assert is_same_origin(value), f"{node} {name}={value!r} goes to another host"
        assert "style" not in node.attrs, f"inline style on {node}"
        assert node.tag != "style", "inline <style> element"
        if node.tag == "script" and node.get("type") == "application/ld+json":
            continue  # a data block (schema.org JSON-LD), never executed
        if node.tag == "script" and node.get("src") is None:
            # The one inline script: the text size before the first paint, allowed by its
            # hash in the Content-Security-Policy.
            assert node.raw_text() == text_size.INIT_SCRIPT, "inline script"
            assert node.inside("head")
            continue
        if node.tag == "script":
            assert node.raw_text().strip() == "", "script with a body"
            assert node.get("src").startswith("/static/")
        if node.tag == "link" and node.get("rel") == "stylesheet" and node.inside("noscript"):
            assert node.get("href") == "/text-size.css"  # the no-JavaScript text size
        elif node.tag == "link" and node.get("rel") in ("stylesheet", "icon"):
            assert node.get("href").startswith("/static/")


def test_every_address_is_same_origin_and_assets_are_static(doc):
    assert_self_contained(doc)
    head = doc.one("head")
    stylesheet = next(link for link in head.find_all("link", rel="stylesheet"))
    script = next(s for s in head.find_all("script", type=None) if s.get("src"))
    for url in (
        stylesheet.get("href"),
        script.get("src"),
        head.one("link", rel="icon").get("href"),
    ):
        path = url.removeprefix("/static/")
        assert finders.find(path), f"{url} is not a static file"
    assert "defer" in script.attrs or "async" in script.attrs


def test_agency_website_link_is_the_only_external_address(client, make_article):
    agency = Agency.objects.create(
        name="Example Wire", slug="example-wire", website="https://wire.example/"
    )
    article = make_article(agency=agency)
    document = page(client, article.get_absolute_url())
    assert_self_contained(document)
    external = [n.get("href") for n in document.find_all("a") if not is_same_origin(n.get("href"))]
    assert external == ["https://wire.example/"]


# --- Constant number of queries ---------------------------------------------------------

# The article with its agency and the breaking-news alert, its authors and its captions: one
# statement (articles/reader/fast/queries.py). Counted on a warm connection: on PostgreSQL the
# first request of a connection also prepares it.
ARTICLE_PAGE_QUERIES = 1


def test_query_count_small_article(client, make_article, agency, django_assert_num_queries):
    article = make_article(agency=agency, captions=[{"text": "One caption."}])
    client.get(article.get_absolute_url())
    with django_assert_num_queries(ARTICLE_PAGE_QUERIES):
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200


def test_query_count_is_the_same_for_a_big_article(
    client, make_article, agency, django_assert_num_queries
):
    authors = [Author.objects.create(name=f"Writer {n}", slug=f"writer-{n}") for n in range(3)]
    body = "\n\n".join(f"## Part {n}\n\nParagraph {n} " + "word " * 200 for n in range(1, 60))
    article = make_article(
        agency=agency,
        authors=authors,
        body=body,
        captions=[{"text": f"Caption {n}.", "credit": f"Photographer {n}"} for n in range(5)],
    )
    client.get(article.get_absolute_url())
    with django_assert_num_queries(ARTICLE_PAGE_QUERIES):
        response = client.get(article.get_absolute_url())
    document = parse(response.content)
    assert len(document.find_all("figure")) == 5
    assert (
        document.one("p", cls="byline")
        .text()
        .startswith("By Writer 0, Writer 1, Writer 2 · Reuters · ")
    )
    assert len(document.one("div", cls="article-body").find_all("p")) == 59


def test_sample_page_query_count(client, sample_article, django_assert_num_queries):
    client.get(ARTICLE_URL)
    with django_assert_num_queries(ARTICLE_PAGE_QUERIES):
        client.get(ARTICLE_URL)


@pytest.mark.parametrize(("language", "direction"), [("ar", "rtl"), ("he", "rtl"), ("en", "ltr")])
def test_html_direction_follows_the_article_language(client, make_article, language, direction):
    article = make_article(language=language)

    html = client.get(article.get_absolute_url()).content.decode()

    assert f'<html lang="{language}" dir="{direction}"' in html
