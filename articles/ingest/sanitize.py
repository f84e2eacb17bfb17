"""Body HTML from a wire format, made safe and turned into body blocks.

nh3 (the Rust ammonia sanitiser) applies the allow-list: paragraphs, subheadings, lists,
quotes, emphasis and links with an http, https or mailto address. Everything else goes:
script, style, iframe, svg, form (with their content), event-handler and style attributes,
javascript: and data: URLs, comments. Each kind of thing removed is one warning
("sanitiser: removed <script>").

The sanitised HTML then becomes Blocks: a paragraph or subheading each, with its plain
text and, when it has emphasis or links, Markdown source that keeps them (and keeps the
text after an inline element: "the <em>Mercury</em>, had been" stays whole).
"""

import re
from urllib.parse import quote

import lxml.html
import nh3
from lxml import etree

from articles.markup import escape_markdown

from .records import Block

BLOCK_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote"}
INLINE_TAGS = {"em", "i", "strong", "b", "a", "br"}
ALLOWED_TAGS = BLOCK_TAGS | INLINE_TAGS | {"ul", "ol"}
URL_SCHEMES = {"http", "https", "mailto"}
# Removed with everything inside them.
CONTENT_TAGS = {
    "script", "style", "iframe", "svg", "math", "form", "object", "embed", "template",
    "noscript", "select", "textarea", "button", "frame", "frameset", "applet",
}  # fmt: skip
# Structure that is dropped silently: its text stays.
HARMLESS_TAGS = {
    "html", "body", "div", "span", "section", "article", "main", "header", "footer",
    "u", "s", "sub", "sup", "small", "mark", "abbr", "cite", "q", "time", "code",
    "figure", "figcaption", "img", "picture", "source", "dl", "dt", "dd", "hr", "nav", "aside",
    "table", "thead", "tbody", "tr", "td", "th", "caption", "address", "font", "center",
}  # fmt: skip
HARMLESS_ATTRIBUTES = {"class", "id", "lang", "dir", "title", "datetime", "alt", "src", "width",
                       "height", "xml:lang", "role", "xmlns", "colspan", "rowspan", "name"}  # fmt: skip

_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<])")
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")


def sanitise(html: str) -> tuple[str, list[str]]:
    """(allow-listed HTML, warnings) for an HTML fragment."""
    warnings = _warnings(html)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=CONTENT_TAGS,
        attributes={"a": {"href"}},
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )
    return clean, warnings


def html_to_blocks(html: str) -> tuple[tuple[Block, ...], list[str]]:
    """(blocks, sanitiser warnings) for an HTML body fragment."""
    clean, warnings = sanitise(html)
    if not clean.strip():
        return (), warnings
    root = lxml.html.fragment_fromstring(clean, create_parent="div")
    blocks: list[Block] = []
    loose: list = []  # inline content outside any block element: one paragraph

    def flush():
        if loose:
            _append(blocks, "paragraph", loose)
            loose.clear()

    def walk(element):
        for child in element:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag in BLOCK_TAGS and not _has_block_child(child):
                flush()
                kind = "subheading" if tag in {"h1", "h2", "h3", "h4", "h5", "h6"} else "paragraph"
                _append(blocks, kind, [child], inner=True)
            elif tag in INLINE_TAGS:
                loose.append(child)
            else:
                flush()
                if child.text and child.text.strip():
                    loose.append(child.text)
                walk(child)
                flush()
            if child.tail and child.tail.strip():
                loose.append(child.tail)

    if root.text and root.text.strip():
        loose.append(root.text)
    walk(root)
    flush()
    return tuple(blocks), warnings


def text_to_blocks(text: str) -> tuple[Block, ...]:
    """Plain text: one paragraph per blank-line-separated block."""
    parts = re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    return tuple(Block("paragraph", " ".join(p.split())) for p in parts if p.strip())


def _has_block_child(element) -> bool:
    return any(isinstance(c.tag, str) and c.tag in BLOCK_TAGS | {"ul", "ol"} for c in element)


def _append(blocks, kind, parts, inner=False):
    """A block from lxml nodes/strings; inner: take the element's content, not the element."""
    if inner:
        (element,) = parts
        parts = ([element.text] if element.text else []) + [
            node for child in element for node in (child, child.tail) if node is not None
        ]
        # The children's tails are listed as strings; the children render without them.
    plain = " ".join("".join(_plain(p) for p in parts).split())
    if not plain:
        return
    markdown = " ".join("".join(_markdown(p) for p in parts).split())
    has_inline = any(not isinstance(p, str) for p in parts)
    if not has_inline or markdown == escape_markdown(plain):
        markdown = ""
    else:
        markdown = _escape_line_start(markdown, plain)
    blocks.append(Block(kind, plain, markdown))


def _plain(node) -> str:
    if isinstance(node, str):
        return node
    if node.tag == "br":
        return " "
    return "".join(_plain(n) for n in _content(node))


def _content(element):
    if element.text:
        yield element.text
    for child in element:
        yield child
        if child.tail:
            yield child.tail


def _escape_inline(text: str) -> str:
    return _ENTITY.sub(r"\\&", _INLINE_SPECIAL.sub(r"\\\1", text))


def _markdown(node) -> str:
    if isinstance(node, str):
        return _escape_inline(node)
    tag = node.tag
    if tag == "br":
        return " "
    inner = "".join(_markdown(n) for n in _content(node))
    lead = inner[: len(inner) - len(inner.lstrip())]
    trail = inner[len(inner.rstrip()) :]
    core = inner.strip()
    if not core:
        return inner
    if tag in {"em", "i"}:
        core = f"*{core}*"
    elif tag in {"strong", "b"}:
        core = f"**{core}**"
    elif tag == "a" and node.get("href"):
        href = quote(node.get("href"), safe=":/?#[]@!$&'()*+,;=%~-._")
        core = f"[{core}](<{href}>)"
    return f"{lead}{core}{trail}"


_LINE_START = re.compile(r"^(#|>|-|\+|=|~|(?P<num>[0-9]{1,9})[.)])")


def _escape_line_start(markdown: str, plain: str) -> str:
    """The same protection escape_markdown gives a plain paragraph's first characters."""
    match = _LINE_START.match(markdown)
    if not match:
        return markdown
    if match.group("num"):
        return match.group("num") + "\\" + markdown[len(match.group("num")) :]
    return "\\" + markdown


def _warnings(html: str) -> list[str]:
    """One warning per kind of thing the allow-list removes."""
    found: dict[str, None] = {}
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return []
    for node in root.iter():
        if isinstance(node, etree._Comment):
            found["sanitiser: removed a comment"] = None
            continue
        if not isinstance(node.tag, str):
            continue
        tag = node.tag.split("}")[-1].lower()
        if any(_local(a.tag) in CONTENT_TAGS for a in node.iterancestors()):
            continue
        if tag not in ALLOWED_TAGS and tag not in HARMLESS_TAGS:
            found[f"sanitiser: removed <{tag}>"] = None
        for name, value in node.attrib.items():
            name = name.split("}")[-1].lower()
            if name.startswith("on"):
                found[f"sanitiser: removed the {name} attribute"] = None
            elif name == "style":
                found["sanitiser: removed style attributes"] = None
            elif name in {"href", "src", "action", "formaction", "xlink:href"} or name == "href":
                scheme = value.strip().split(":", 1)[0].lower() if ":" in value else ""
                if scheme and scheme not in URL_SCHEMES:
                    found[f"sanitiser: removed a {scheme}: URL"] = None
    return list(found)


def _local(tag) -> str:
    return tag.split("}")[-1].lower() if isinstance(tag, str) else ""
