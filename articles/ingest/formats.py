"""Which format an input is in, and the parser for each: one place for the names the
command's --format option and the admin page use."""

import logging
import re

from .capture import parse_capture
from .newsml import parse_newsml
from .ninjs import parse_ninjs
from .records import ArticleRecord, IngestError
from .webpage import parse_webpage

logger = logging.getLogger(__name__)

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
# The prolog before the root element: XML declaration, comments (a browser's "saved from
# url" one), a DOCTYPE's name; then the root element's name.
_PROLOG = re.compile(
    rb"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+([A-Za-z][\w:.-]*))?",
    re.IGNORECASE | re.DOTALL,
)
_ROOT = re.compile(rb"<([A-Za-z][\w:.-]*)")


def detect(data: bytes) -> str:
    """The format by the input's first bytes: JSON is ninjs, a document whose DOCTYPE or root
    element is html is a saved web page, other XML is NewsML-G2 (whose parser refuses any
    other root, and any DOCTYPE), anything else a page capture (whose parser explains what is
    wrong with an empty or binary file)."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    start = data.lstrip()[:1]
    if start in (b"{", b"["):
        return "ninjs"
    if start != b"<":
        return "capture"
    prolog = _PROLOG.match(data[:65536])
    doctype = prolog.group(1)
    if doctype is not None:
        return "html" if doctype.lower() == b"html" else "newsml-g2"
    root = _ROOT.search(data, prolog.end(), prolog.end() + 65536)
    if root is not None and root.group(1).lower() in (b"html", b"head", b"body", b"meta"):
        return "html"
    return "newsml-g2"


def parse(data: bytes, fmt: str | None = None) -> ArticleRecord:
    """The record of one input in `fmt` (None or "auto": detected)."""
    name = detect(data) if fmt in (None, "", "auto") else fmt
    if name not in PARSERS:
        raise IngestError(f"unknown format {fmt!r} (known: auto, {', '.join(FORMATS)})")
    try:
        record = PARSERS[name](data)
    except IngestError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError) as error:
        # A file the parser did not foresee (deeply nested JSON, odd shapes): one file fails
        # with a reason, the batch goes on; the traceback goes to the log for the developers.
        logger.exception("%s parser failed", name)
        raise IngestError(f"cannot be read as {name}: {type(error).__name__}") from None
    if record.format != name:
        from dataclasses import replace

        record = replace(record, format=name)
    return record
