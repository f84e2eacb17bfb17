"""The article page, as readers get it: the ingested sample rendered by the real view and
templates, parsed with Python's html.parser (the small HTML tree of tests/helpers/html.py).
"""

import re
from datetime import datetime

import pytest
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.utils import timezone

from articles.ingest.writer import ingest
from articles.models import Agency, Author, Caption
from tests.helpers.css import css_rules
from tests.helpers.html import (
    Node,
    assert_self_contained,
    is_focusable,
    is_same_origin,
    page,
    parse,
    tab_order,
)
from tests.helpers.images import png_bytes
from tests.helpers.sample import HEADLINE, KOREAN_CAPTION, REUTERS_DESCRIPTION, SAMPLE_SLUG

ARTICLE_URL = f"/articles/{SAMPLE_SLUG}/"
FIRST_PARAGRAPH = (
    "The deal between the United States and Russia on Syrian chemical weapons was due in no "
    "small part to the labors of foreign policy veterans with contrasting styles: Secretary of "
    "State John Kerry and Russian Foreign Minister Sergei Lavrov."
)
LAST_PARAGRAPH = (
    "Those personal touches, many say, helped move the talks toward agreement and avert a U.S. "
    "military strike on Syria."
)
FURNITURE = ("Accessibility links", "Breaking News", "16x9 Image")
PLACEHOLDER_ALTS = {"image", "16x9 image", "photo", "picture", "img"}


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


# --- Images: what readers' assistive technology hears -----------------------------------


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
