"""Specification of article-body markup (articles.markup): rendering is safe, and imported
text escaped with escape_markdown renders back to exactly that text."""

from html.parser import HTMLParser

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from articles.ingest.records import Block
from articles.markup import blocks_to_markdown, escape_markdown, render_body

# --- render_body ------------------------------------------------------------------------


RENDERED = {
    "paragraphs": ("One.\n\nTwo.\n", "<p>One.</p>\n<p>Two.</p>\n"),
    "subheading": ("## Unlikely couple\n", "<h2>Unlikely couple</h2>\n"),
    "h1-becomes-h2": ("# A body heading\n", "<h2>A body heading</h2>\n"),
    "h3-stays": ("### Smaller\n", "<h3>Smaller</h3>\n"),
    "emphasis": (
        "*Stress* and **strength**\n",
        "<p><em>Stress</em> and <strong>strength</strong></p>\n",
    ),
    "https-link": (
        "[Reuters](https://reuters.com/)\n",
        '<p><a href="https://reuters.com/">Reuters</a></p>\n',
    ),
    "script-tag": ("<script>alert(1)</script>\n", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"),
    "html-block": ("<div>\nblock\n</div>\n", "<p>&lt;div&gt;\nblock\n&lt;/div&gt;</p>\n"),
    "inline-html": ("A <b>bold</b> claim.\n", "<p>A &lt;b&gt;bold&lt;/b&gt; claim.</p>\n"),
    "javascript-link": ("[x](javascript:alert(1))\n", "<p>[x](javascript:alert(1))</p>\n"),
    "javascript-upper": ("[x](JAVASCRIPT:alert(1))\n", "<p>[x](JAVASCRIPT:alert(1))</p>\n"),
    "javascript-autolink": ("<javascript:alert(1)>\n", "<p>&lt;javascript:alert(1)&gt;</p>\n"),
    "data-link": ("[x](data:text/html;base64,PD4=)\n", "<p>[x](data:text/html;base64,PD4=)</p>\n"),
    "no-linkify": ("www.example.com\n", "<p>www.example.com</p>\n"),
    "no-typographer": ('"Quotes" -- and... (c)\n', "<p>&quot;Quotes&quot; -- and... (c)</p>\n"),
    "entity": ("Fish &amp; chips\n", "<p>Fish &amp; chips</p>\n"),
}


@pytest.mark.parametrize(("source", "html"), RENDERED.values(), ids=RENDERED.keys())
def test_render_body(source, html):
    assert render_body(source) == html


def test_images_are_never_rendered_as_img():
    html = render_body("![a tracking pixel](https://tracker.example/pixel.gif)\n")
    assert "<img" not in html
    assert "<p>!" in html


# --- escape_markdown ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("1851. The year", "<p>1851. The year</p>\n"),
        ("2) Second", "<p>2) Second</p>\n"),
        ("# Not a heading", "<p># Not a heading</p>\n"),
        ("Ends with a hash #", "<p>Ends with a hash #</p>\n"),
        ("- not a list", "<p>- not a list</p>\n"),
        ("+ not a list", "<p>+ not a list</p>\n"),
        ("> not a quote", "<p>&gt; not a quote</p>\n"),
        ("---", "<p>---</p>\n"),
        ("***", "<p>***</p>\n"),
        ("```python", "<p>```python</p>\n"),
        ("~~~", "<p>~~~</p>\n"),
        ("=", "<p>=</p>\n"),
        ("*stars* and _under_", "<p>*stars* and _under_</p>\n"),
        ("`code`", "<p>`code`</p>\n"),
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"),
        ("<https://example.com>", "<p>&lt;https://example.com&gt;</p>\n"),
        ("&amp; &#169; &#x41; &copy", "<p>&amp;amp; &amp;#169; &amp;#x41; &amp;copy</p>\n"),
        ("[link](javascript:alert(1))", "<p>[link](javascript:alert(1))</p>\n"),
        ("[ref]: https://example.com", "<p>[ref]: https://example.com</p>\n"),
        ("C:\\temp\\new \\*", "<p>C:\\temp\\new \\*</p>\n"),
        ("trailing backslash \\", "<p>trailing backslash \\</p>\n"),
        ('“Curly” and "straight"', "<p>“Curly” and &quot;straight&quot;</p>\n"),
        ("1234567890. Too long for a list", "<p>1234567890. Too long for a list</p>\n"),
    ],
)
def test_escaped_text_renders_as_itself(text, html):
    assert render_body(escape_markdown(text)) == html


def test_escape_joins_lines_into_one_block():
    assert escape_markdown("  first line\n  # second line  \n") == "first line # second line"


def test_blocks_to_markdown():
    blocks = [
        Block("paragraph", "1851. Founded."),
        Block("subheading", "Moving beyond the 'reset' #1"),
        Block("paragraph", "Last."),
    ]
    assert blocks_to_markdown(blocks) == (
        "1851\\. Founded.\n\n## Moving beyond the 'reset' #1\n\nLast.\n"
    )
    assert render_body(blocks_to_markdown(blocks)) == (
        "<p>1851. Founded.</p>\n<h2>Moving beyond the 'reset' #1</h2>\n<p>Last.</p>\n"
    )


# --- Property: any line of text survives escaping and rendering ---------------------------


class _Elements(HTMLParser):
    """Every element of an HTML fragment as (tag, attributes, text content)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements, self.open = [], False

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs, ""))
        self.open = True

    def handle_endtag(self, tag):
        self.open = False

    def handle_data(self, data):
        if self.open:
            tag, attrs, text = self.elements[-1]
            self.elements[-1] = (tag, attrs, text + data)


def elements(html):
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.elements


# Printable: no control characters (Cc), surrogates, or line/paragraph separators.
LINES = st.text(st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1).filter(
    lambda t: t == t.strip() and t
)
MARKUP_HEAVY = st.text(st.sampled_from("\\`*_[]()<>!#&;:-+=~|.) 1aA"), min_size=1).filter(
    lambda t: t == t.strip() and t
)


@given(st.one_of(LINES, MARKUP_HEAVY))
@example("1851. The year")
@example("&amp;")
@example("#")
@example("\\")
def test_any_line_renders_as_one_paragraph_of_exactly_that_text(text):
    assert elements(render_body(escape_markdown(text))) == [("p", [], text)]


@given(st.one_of(LINES, MARKUP_HEAVY))
@example("Moving beyond the 'reset'")
@example("C#")
def test_any_line_renders_as_one_subheading_of_exactly_that_text(text):
    html = render_body(blocks_to_markdown([Block("subheading", text)]))
    assert elements(html) == [("h2", [], text)]


@given(st.lists(st.tuples(st.sampled_from(["paragraph", "subheading"]), MARKUP_HEAVY)))
def test_any_sequence_of_blocks_renders_block_for_block(blocks):
    html = render_body(blocks_to_markdown([Block(kind, text) for kind, text in blocks]))
    tags = {"paragraph": "p", "subheading": "h2"}
    assert elements(html) == [(tags[kind], [], text) for kind, text in blocks]
