"""Article bodies are Markdown: blank-line paragraphs and "## " subheadings.

Rendering goes through markdown-it-py's CommonMark parser with raw HTML, images and
typographic replacements off, so nothing an editor or a source types can inject markup,
script or a request to another host. Imported text is escaped first (escape_markdown), so
that what the agency wrote is exactly what readers see.

Text in another writing system than the article's language is marked with its language
(mark_language_runs): "an answer, «Мы продолжим переговоры», ..." in an English article becomes
`<span lang="ru">Мы продолжим переговоры</span>`, so that screen readers switch voice and
browsers pick the right fonts and line breaking (WCAG 3.1.2, Language of Parts).

Articles store their rendered body (Article.rendered_body) with a key, render_key(): the
renderer's identity (RENDERER) and a digest of the language and the body, so that stored HTML
is used only while it is what render_body would give now. The identity follows the renderer's
code and libraries, not its comments, docstrings or formatting, so that editing those leaves
stored HTML in use.
"""

import ast
import hashlib
import platform
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import markdown_it
import mdurl
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

from articles import language as language_detection
from articles.language import non_latin_runs

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.disable("image")


def _demote_h1(state):
    """The page's headline is the only h1: a body heading starts at h2."""
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close") and token.tag == "h1":
            token.tag = "h2"


_md.core.ruler.push("demote_h1", _demote_h1)


# --- Language of parts ----------------------------------------------------------------------

# The writing system of each language that non_latin_runs can name, grouped as it groups them
# (Han and kana together).
_RUN_SCRIPT = {
    "ru": "Cyrl",
    "ar": "Arab",
    "he": "Hebr",
    "el": "Grek",
    "th": "Thai",
    "hi": "Deva",
    "ka": "Geor",
    "hy": "Armn",
    "ko": "Hang",
    "zh": "CJK",
    "ja": "CJK",
}
# The usual scripts of languages (primary subtag) not written in the Latin alphabet. A run in
# one of them is in the text's own language (Ukrainian is Cyrillic too, Persian Arabic, and
# Korean may quote Hanja), so it needs no mark.
_LANGUAGE_SCRIPTS = {
    **{lang: {"Cyrl"} for lang in ("ru", "uk", "be", "bg", "sr", "mk", "kk", "ky", "mn", "tg")},
    **{lang: {"Arab"} for lang in ("ar", "fa", "ur", "ps", "ug", "sd", "ckb")},
    **{lang: {"Hebr"} for lang in ("he", "yi")},
    **{lang: {"Deva"} for lang in ("hi", "mr", "ne", "sa")},
    "el": {"Grek"},
    "th": {"Thai"},
    "ka": {"Geor"},
    "hy": {"Armn"},
    "ko": {"Hang", "CJK"},
    "zh": {"CJK"},
    "ja": {"CJK"},
}
# A script subtag says it outright: "sr-Latn", "zh-Hant", "az-Cyrl".
_SCRIPT_SUBTAGS = {
    "latn": set(),
    "cyrl": {"Cyrl"},
    "arab": {"Arab"},
    "hebr": {"Hebr"},
    "grek": {"Grek"},
    "deva": {"Deva"},
    "thai": {"Thai"},
    "geor": {"Geor"},
    "armn": {"Armn"},
    "kore": {"Hang", "CJK"},
    "hang": {"Hang"},
    "hans": {"CJK"},
    "hant": {"CJK"},
    "hani": {"CJK"},
    "jpan": {"CJK"},
}
_RTL = {"ar", "he"}


def _own_scripts(language: str) -> set[str]:
    """The non-Latin scripts text in `language` (a BCP 47 tag) is written in."""
    subtags = (language or "").lower().replace("_", "-").split("-")
    for subtag in subtags[1:]:
        if len(subtag) == 4 and subtag in _SCRIPT_SUBTAGS:
            return _SCRIPT_SUBTAGS[subtag]
    return _LANGUAGE_SCRIPTS.get(subtags[0], set())


def is_written_in(run_language: str, language: str) -> bool:
    """Whether a run that non_latin_runs names `run_language` ("ru", "zh", ...) is in the usual
    script of text in `language`, so that it needs no mark of its own."""
    return _RUN_SCRIPT.get(run_language) in _own_scripts(language)


def mark_language_runs(
    text: str, language: str = "en", escape: Callable[[str], str] = escapeHtml
) -> str:
    """HTML for plain `text` in `language`: escaped, with each run of another writing system
    (see non_latin_runs) in `<span lang="..">`; Arabic and Hebrew runs also get dir="rtl", which
    isolates them from the text around. The attribute values come from a fixed table, never
    from the text."""
    parts, done = [], 0
    for start, end, lang in non_latin_runs(text):
        if is_written_in(lang, language):
            continue
        direction = ' dir="rtl"' if lang in _RTL else ""
        parts.append(escape(text[done:start]))
        parts.append(f'<span lang="{lang}"{direction}>{escape(text[start:end])}</span>')
        done = end
    parts.append(escape(text[done:]))
    return "".join(parts)


def _text(self, tokens, idx, options, env):
    language = env.get("language")
    if language is None:
        return escapeHtml(tokens[idx].content)
    return mark_language_runs(tokens[idx].content, language)


_md.add_render_rule("text", _text)


def render_body(source: str, language: str | None = None) -> str:
    """HTML for an article body written in Markdown. Given the body's `language` (BCP 47),
    text in another script is marked with its own language (mark_language_runs)."""
    return _md.render(source, {"language": language})


def _code(source: str) -> str:
    """What of a module's `source` can change what it does: its syntax tree (ast.dump, without
    line numbers) less the docstrings of the module, its classes and its functions. Comments,
    docstrings, blank lines, line breaks and quote style leave it as it is."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if (
            isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
            and isinstance(node.body[0].value.value, str)
        ):
            del node.body[0]
    return ast.dump(tree)


def renderer_identity(*sources: str) -> str:
    """SHA-256 (hex) of everything render_body's output depends on besides its arguments, given
    the source texts of the modules that make it: the versions of markdown-it-py and of mdurl
    (its link normalisation), of Python (the standard library's HTML entities and regular
    expressions, and the syntax trees below) and of its Unicode database (letter categories),
    and the code of each source (_code): a comment, a docstring or the formatting changed leaves
    the identity as it is."""
    digest = hashlib.sha256()
    for part in (
        f"markdown-it-py {markdown_it.__version__}",
        f"mdurl {mdurl.__version__}",
        f"python {platform.python_implementation()} {platform.python_version()}",
        f"unicode {unicodedata.unidata_version}",
    ):
        digest.update(part.encode() + b"\0")
    for source in sources:
        digest.update(_code(source).encode() + b"\0")
    return digest.hexdigest()


def _renderer_identity() -> str:
    """renderer_identity of this module and of the language detection it marks runs with
    (articles.language, which imports only the standard library), each read from the
    file its module was loaded from.

    Stored HTML made by another renderer never matches a key made with this one: after a
    deploy that changes any of these, pages stay right, each article's body being rendered
    on every view (as before it was stored) until the article is saved again or
    `manage.py render_bodies` stores the bodies again."""
    return renderer_identity(
        *(
            Path(path).read_text(encoding="utf-8")
            for path in (__file__, language_detection.__file__)
        )
    )


# Computed once, at import: the identity of the renderer of this process.
RENDERER = _renderer_identity()


# How many hex digits of RENDERER begin a key (the rest: the language's and source's digest).
RENDERER_DIGITS = 16


def render_key(source: str, language: str) -> str:
    """The key of render_body's output for `source` and `language`: RENDERER's first 16 hex
    digits, then 48 of SHA-256 of the language, a NUL and the source (64 in all). Equal keys,
    equal output; and the first part alone tells whether this renderer made stored HTML,
    which is all that pages that do not read the body can check (Article.body_html)."""
    digest = hashlib.sha256(language.encode() + b"\0" + source.encode()).hexdigest()
    return RENDERER[:RENDERER_DIGITS] + digest[: 64 - RENDERER_DIGITS]


def made_by_this_renderer(key: str) -> bool:
    """Whether a render_key() was made by this process's renderer (RENDERER)."""
    return len(key) == 64 and key[:RENDERER_DIGITS] == RENDERER[:RENDERER_DIGITS]


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
