"""Parse a "page capture": the plain text of a news web page (Reuters layout).

Pure: bytes in, :class:`ArticleRecord` out, no Django. Layout rules:

Decoding
    Strict UTF-8; a leading BOM is dropped; CRLF and CR become LF; trailing
    whitespace of each line is dropped. Text is otherwise kept exactly as written
    (quotes, apostrophes, inner spaces; no Unicode normalisation). A line's leading
    whitespace only marks it as indented and is not part of its text.

Furniture (ignored wherever it appears)
    "Accessibility links", "Breaking News", the text-size labels "XS" "SM" "MD"
    "LG" (one per line or several on one line) and image placeholders such as
    "  • 16x9 Image" (optional bullet •, - or *, then ``<digits>x<digits> Image``).

Structure, over the remaining non-empty lines ("content lines")
    1. Headline: the first content line, never a guess (see "Refusals" below).
    2. Agency box: the trailing run of *indented* content lines after the headline
       (furniture such as the image placeholder may sit before or inside it). Its
       first line is the agency name, the others (joined with "\\n") its
       description. Indented lines followed by a non-indented content line are
       ordinary body lines.
    3. Caption: the two content lines after the headline are a photo caption when
       they are identical (alt text = caption, stored once, ``alt_text`` "") or when
       they differ but both are in another script than the article (headline plus
       the rest of the body): alt text line first, then the caption line.
       Otherwise there is no caption and they are body.
    4. Body: every other content line is one block, blank lines or not (paragraphs
       are never hard-wrapped). A block is a subheading when it has at most 8 words
       and 80 characters, starts with a letter that is not lower case, does not end
       with sentence punctuation (. ! ? : ; , … possibly followed by closing quotes
       or brackets, so "said.”" ends a sentence but "the 'reset'" does not), and is
       followed by another block. Everything else, markup-looking text included, is
       a paragraph kept literally.

Refusals (the parser never picks when it cannot tell headline, caption and body apart)
    - The first two content lines are identical (a caption pair, or a headline twice):
      "no headline: the capture holds only the photo caption" when nothing follows;
      "no headline: the first text is the photo caption" when the body after them is in
      another script; otherwise "ambiguous headline: the first text is repeated".
    - The first two content lines differ but are both in scripts that no later line uses
      (an alt text and caption pair, rule 3, with no headline before it): "no headline:
      the first text is the photo caption".
    - The first line is in a script that no body line uses: "no headline: the first text
      is in another script than the body, like a photo caption".
    - The first line ends with a full stop, as a sentence does (not an abbreviation such
      as "U.S." nor an ellipsis): "no headline: the first text ends with a full stop, like
      a body paragraph".
    - Nothing but a headline: "does not look like an article: a headline but no body
      paragraph" ("... a headline and a photo caption but no body paragraph" with one).
    - The first body line repeats the headline ("ambiguous headline: the headline is
      repeated after the photo caption") or the caption ("ambiguous caption: the photo
      caption is repeated in the body").
    - Two consecutive identical body lines, the mark of a caption pair inside the body:
      "ambiguous body: a text is repeated on consecutive lines, like a photo caption".

Language
    The article's language comes from the script of headline and body, the
    caption's from its own script alone; Latin script gives "en". See
    :mod:`articles.language`.
"""

import re
from collections import Counter
from itertools import pairwise

from articles.ingest.records import AgencyRecord, ArticleRecord, Block, CaptionRecord, IngestError
from articles.language import language_for_script, script_of

MAX_HEADLINE = 300
MAX_SUBHEADING_WORDS = 8
MAX_SUBHEADING_CHARS = 80
BINARY_CONTROL_SHARE = 0.05

_FURNITURE = re.compile(
    r"Accessibility links|Breaking News|(?:XS|SM|MD|LG)(?:\s+(?:XS|SM|MD|LG))*"
    r"|(?:[•*-]\s*)?\d+x\d+\s+Image"
)
# Sentence punctuation, then any closing quotes or brackets (see the module docstring).
_SENTENCE_END = re.compile(r"[.!?:;,\u2026][\u201d\"\u2019'\u00bb)\]]*$")
# A sentence's full stop, then any closing quotes or brackets; not an ellipsis ("..") nor the
# end of an abbreviation with a dot inside its word ("U.S.").
_FULL_STOP = re.compile(r"(?<![.\u2026])(?<!\.\w)(?<!\.\w\w)\.[\u201d\"\u2019'\u00bb)\]]*$")
# C0 controls and DEL, except tab, newline, carriage return and form feed.
_CONTROL_BYTES = bytes(b for b in [*range(32), 127] if b not in b"\t\n\r\f")


def parse_capture(data: bytes) -> ArticleRecord:
    """Parse the bytes of one capture; raise :class:`IngestError` with a one-line reason."""
    lines = _decode(data).split("\n")
    content = [line for line in lines if line.strip() and not _FURNITURE.fullmatch(line.strip())]
    if not content:
        raise IngestError("no headline: only page furniture")
    if len(content[0].strip()) > MAX_HEADLINE:
        raise IngestError(
            f"does not look like an article: the headline is {len(content[0].strip())} "
            f"characters (more than {MAX_HEADLINE})"
        )

    agency = None
    box = len(content)
    while box > 1 and content[box - 1][0].isspace():
        box -= 1
    if box < len(content):
        name, *description = (line.strip() for line in content[box:])
        agency = AgencyRecord(name=name, description="\n".join(description))
        content = content[:box]

    headline, *rest = (line.strip() for line in content)
    _refuse_an_unclear_start(headline, rest)
    captions, body = _split_caption(headline, rest)
    _refuse_an_unclear_body(headline, captions, body)
    language = language_for_script("\n".join([headline, *body]))
    blocks = tuple(
        Block("subheading" if _is_subheading(text, i + 1 < len(body)) else "paragraph", text)
        for i, text in enumerate(body)
    )
    return ArticleRecord(
        headline=headline,
        blocks=blocks,
        language=language,
        captions=tuple(
            CaptionRecord(text=c, alt_text=a, language=language_for_script(c)) for a, c in captions
        ),
        agency=agency,
    )


def _decode(data: bytes) -> str:
    """Bytes to normalised text; rejects empty, binary, non-UTF-8 and markup/JSON input."""
    if not data.strip():
        raise IngestError("empty file")
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    if 0 in data or controls > BINARY_CONTROL_SHARE * len(data):
        raise IngestError("binary file, not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"not UTF-8: invalid byte 0x{data[exc.start]:02x} at position {exc.start}"
        ) from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    start = text.lstrip()[:1]
    if not start:
        raise IngestError("empty file")
    if start == "<":
        raise IngestError("does not look like an article: starts like HTML/XML")
    if start in "{[":
        raise IngestError("does not look like an article: starts like JSON")
    return text


def _refuse_an_unclear_start(first: str, rest: list[str]) -> None:
    """Refuse when the first text may not be the headline (see "Refusals")."""
    if rest and rest[0] == first:
        after = rest[1:]
        if not after:
            raise IngestError("no headline: the capture holds only the photo caption")
        captions, body = _split_caption(first, after)
        if not captions and not _shares_a_script(first, body):
            raise IngestError("no headline: the first text is the photo caption")
        raise IngestError("ambiguous headline: the first text is repeated")
    if len(rest) >= 2 and not any(_shares_a_script(line, rest[1:]) for line in (first, rest[0])):
        raise IngestError("no headline: the first text is the photo caption")
    if _FULL_STOP.search(first):
        raise IngestError(
            "no headline: the first text ends with a full stop, like a body paragraph"
        )


def _refuse_an_unclear_body(
    headline: str, captions: list[tuple[str, str]], body: list[str]
) -> None:
    """Refuse a body that is missing or may hold the headline or a caption (see "Refusals")."""
    if not body:
        what = "a headline and a photo caption" if captions else "a headline"
        raise IngestError(f"does not look like an article: {what} but no body paragraph")
    if not _shares_a_script(headline, body):
        raise IngestError(
            "no headline: the first text is in another script than the body, like a photo caption"
        )
    if captions and body[0] == headline:
        raise IngestError("ambiguous headline: the headline is repeated after the photo caption")
    if captions and body[0] in captions[0]:
        raise IngestError("ambiguous caption: the photo caption is repeated in the body")
    if any(a == b for a, b in pairwise(body)):
        raise IngestError(
            "ambiguous body: a text is repeated on consecutive lines, like a photo caption"
        )


def _dominant_script(text: str) -> str | None:
    """The script most letters of ``text`` are in (Han and kana together), None without any."""
    counts = Counter(_script_group(char) for char in text)
    counts.pop(None, None)
    return max(counts, key=counts.__getitem__) if counts else None


def _script_group(char: str) -> str | None:
    script = script_of(char)
    return "CJK" if script in ("Han", "Hiragana", "Katakana") else script


def _shares_a_script(first: str, body: list[str]) -> bool:
    """Whether some body line has letters in the script of most of ``first``'s letters (True
    when ``first`` or the body has no letters of a known script: nothing to compare)."""
    script = _dominant_script(first)
    scripts = {_script_group(char) for char in set("".join(body))} - {None}
    return script is None or not scripts or script in scripts


def _split_caption(headline: str, body: list[str]) -> tuple[list[tuple[str, str]], list[str]]:
    """Split ``[(alt_text, caption)]`` (zero or one) off the start of the body."""
    if len(body) < 2:
        return [], body
    alt, caption, after = body[0], body[1], body[2:]
    if alt == caption:
        return [("", caption)], after
    # "" = Latin script or no letters, so Latin captions count as foreign in a Russian article.
    article = language_for_script("\n".join([headline, *after]), "")
    if all(language_for_script(line, "") != article for line in (alt, caption)):
        return [(alt, caption)], after
    return [], body


def _is_subheading(text: str, followed: bool) -> bool:
    return (
        followed
        and len(text) <= MAX_SUBHEADING_CHARS
        and len(text.split()) <= MAX_SUBHEADING_WORDS
        and text[0].isalpha()
        and not text[0].islower()
        and not _SENTENCE_END.search(text)
    )
