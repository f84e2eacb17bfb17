"""Article bodies are Markdown: blank-line paragraphs and "## " subheadings.

Rendering goes through markdown-it-py's CommonMark parser with raw HTML, images and
typographic replacements off, so nothing an editor or a source types can inject markup,
script or a request to another host. Imported text is escaped first (escape_markdown), so
that what the agency wrote is exactly what readers see.
"""

import re

from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.disable("image")


def _demote_h1(state):
    """The page's headline is the only h1: a body heading starts at h2."""
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close") and token.tag == "h1":
            token.tag = "h2"


_md.core.ruler.push("demote_h1", _demote_h1)


def render_body(source: str) -> str:
    """HTML for an article body written in Markdown."""
    return _md.render(source)


# Characters that are markup anywhere in a line.
_INLINE = re.compile(r"([\\`*_\[\]<])")
# An entity or character reference ("&amp;", "&#169;") would be decoded: escape its "&".
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# Markup only at the start of a line: headings, quotes, list items, rules, ordered lists.
_LINE_START = re.compile(r"^(#|>|-|\+|=|~|(?P<num>[0-9]{1,9})[.)])")
# A closing sequence of "#" at the end of a heading line would be dropped.
_TRAILING_HASHES = re.compile(r"(#+)$")


def escape_markdown(text: str) -> str:
    """Markdown source that renders to exactly `text` (one block; newlines become spaces)."""
    text = " ".join(line.strip() for line in text.splitlines()).strip()
    text = _INLINE.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    text = _TRAILING_HASHES.sub(lambda m: "\\#" * len(m.group(1)), text)

    def escape_start(m):
        if m.group("num"):
            return m.group("num") + "\\" + m.group(0)[-1]
        return "\\" + m.group(0)

    return _LINE_START.sub(escape_start, text, count=1)


def blocks_to_markdown(blocks) -> str:
    """Markdown source for a sequence of ingest Blocks (paragraphs and subheadings)."""
    parts = []
    for block in blocks:
        text = escape_markdown(block.text)
        parts.append(f"## {text}" if block.kind == "subheading" else text)
    return "\n\n".join(parts) + "\n"
