"""Which format an input is in, and the parser for each: one place for the names the
command's --format option and the admin page use."""

from .capture import parse_capture
from .newsml import parse_newsml
from .ninjs import parse_ninjs
from .records import ArticleRecord, IngestError
from .webpage import parse_webpage

PARSERS = {
    "capture": parse_capture,
    "ninjs": parse_ninjs,
    "newsml-g2": parse_newsml,
    "html": parse_webpage,
}
FORMATS = tuple(PARSERS)
LABELS = {
    "capture": "page capture (plain text)",
    "ninjs": "IPTC ninjs (JSON)",
    "newsml-g2": "IPTC NewsML-G2 (XML)",
    "html": "saved web page (HTML)",
}
_HTML_MARKS = (b"<!doctype html", b"<html", b"<!-- saved from url", b"<head", b"<meta", b"<body")


def detect(data: bytes) -> str:
    """The format by the input's first bytes: JSON is ninjs, an HTML page is a saved web page,
    other XML is NewsML-G2, anything else a page capture (whose parser explains what is
    wrong with an empty or binary file)."""
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n\f")[:1]
    if start in (b"{", b"["):
        return "ninjs"
    if start == b"<":
        head = data[:4096].lower()
        if any(mark in head for mark in _HTML_MARKS):
            return "html"
        return "newsml-g2"
    return "capture"


def parse(data: bytes, fmt: str | None = None) -> ArticleRecord:
    """The record of one input in `fmt` (None or "auto": detected)."""
    name = detect(data) if fmt in (None, "", "auto") else fmt
    if name not in PARSERS:
        raise IngestError(f"unknown format {fmt!r} (known: auto, {', '.join(FORMATS)})")
    record = PARSERS[name](data)
    if record.format != name:
        from dataclasses import replace

        record = replace(record, format=name)
    return record
