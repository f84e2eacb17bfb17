"""Small value rules every wire parser shares: decoding, plain text, times, versions, URLs and
language tags. Pure functions, no Django."""

import html
import ipaddress
import re
from datetime import UTC, date, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import nh3

from .records import IngestError

MAX_BYTES = 5 * 1024 * 1024
_MARKUP = re.compile(r"<[A-Za-z!/?]")
_BCP47 = re.compile(r"\A[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?\Z")


def check_size(data: bytes) -> None:
    if not data.strip():
        raise IngestError("empty file")
    if len(data) > MAX_BYTES:
        raise IngestError(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")


def decode_utf8(data: bytes) -> str:
    """Strict UTF-8 (a leading BOM dropped); the error names the first bad byte's offset."""
    check_size(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"not UTF-8: invalid byte 0x{data[exc.start]:02x} at byte offset {exc.start}"
        ) from None
    return text.removeprefix("\ufeff")


def collapse(text: str) -> str:
    return " ".join(str(text or "").split())


def plain_text(value, warnings: list[str] | None = None, what: str = "text") -> str:
    """One line of plain text: tags stripped (with a warning), whitespace collapsed."""
    text = str(value or "")
    if _MARKUP.search(text):
        stripped = html.unescape(nh3.clean(text, tags=set()))
        if warnings is not None:
            warnings.append(f"sanitiser: markup removed from the {what}")
        text = stripped
    return collapse(text)


def parse_time(value, warnings: list[str], what: str) -> str:
    """ISO 8601 with an offset ("+01:00", "Z", fractions, the compact "20131020T192751+1100")
    as ISO 8601 in UTC; "" when missing. A time without an offset is taken as UTC and a date
    without a time as midnight UTC, each with a warning; an unreadable one is a warning."""
    text = collapse(value)
    if not text:
        return ""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        warnings.append(f"unreadable {what} {text!r}: ignored")
        return ""
    if len(text) <= 10 and isinstance(moment, datetime) and ("T" not in text):
        warnings.append(f"{what} {text} has no time of day: stored as 00:00 UTC")
        return moment.replace(tzinfo=UTC).isoformat()
    if moment.tzinfo is None:
        warnings.append(f"{what} {text} has no time zone: taken as UTC")
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def is_date_only(text: str) -> bool:
    try:
        date.fromisoformat(collapse(text))
    except ValueError:
        return False
    return True


def version_number(value, warnings: list[str]) -> int | None:
    """An agency version as a number (so that 978556838 < 1542761538); None if absent."""
    text = collapse(value)
    if not text:
        return None
    if text.isdigit():
        return int(text)
    warnings.append(f"version {text!r} is not a number: versions of this story compare by time")
    return None


def time_version(iso_utc: str) -> int | None:
    """A version from a modification time, for formats whose version is a time."""
    if not iso_utc:
        return None
    return int(datetime.fromisoformat(iso_utc).timestamp())


def safe_url(value, warnings: list[str], what: str, schemes=("http", "https")) -> str:
    """An absolute http(s) URL on a public host, or "" with a warning (javascript:, data:,
    file:, relative paths, private-network hosts are dropped; nothing is ever fetched)."""
    url = collapse(value)
    if not url:
        return ""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() not in schemes or not host:
        warnings.append(f"sanitiser: {what} {_scheme_of(url)} URL dropped")
        return ""
    try:
        private = not ipaddress.ip_address(host).is_global
    except ValueError:
        private = host == "localhost" or host.endswith((".localhost", ".local", ".internal"))
    if private:
        warnings.append(f"sanitiser: {what} URL on a private-network host dropped")
        return ""
    return url


def widest_picture(renditions, warnings: list[str]) -> str:
    """The address of the widest rendition whose address safe_url keeps, from (width, href)
    pairs in the agency's order (equal widths keep it); "" when none."""
    for _width, href in sorted(renditions, key=lambda rendition: -rendition[0]):
        url = safe_url(href, warnings, "picture")
        if url:
            return url
    return ""


def _scheme_of(url: str) -> str:
    scheme = urlsplit(url).scheme
    return f"{scheme}:" if scheme else "relative"


def canonical_url(url: str) -> str:
    """The page's address as an identifier: no fragment, no utm_* tracking parameters."""
    parts = urlsplit(collapse(url))
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    query = [(k, v) for k, v in query if not k.lower().startswith("utm_")]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def language_tag(value, warnings: list[str] | None = None) -> str:
    """A BCP 47 tag in the model's spelling ("en_GB" -> "en-GB", "EN" -> "en"); "" if none or
    unusable (with a warning)."""
    text = collapse(value).replace("_", "-")
    if not text:
        return ""
    parts = text.split("-")
    fixed = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            fixed.append(part.title())
        elif len(part) in (2, 3):
            fixed.append(part.upper())
        else:
            fixed.append(part)
    tag = "-".join(fixed)
    if _BCP47.match(tag):
        return tag
    primary = fixed[0]
    if _BCP47.match(primary):
        return primary
    if warnings is not None:
        warnings.append(f"language {text!r} is not a BCP 47 tag: ignored")
    return ""


def split_byline(value) -> tuple[str, ...]:
    """ "By Jane Doe and John Roe" -> ("Jane Doe", "John Roe"); "Jane Doe/Reuters" -> ("Jane Doe",)."""
    text = collapse(value)
    text = re.sub(r"^by\s+", "", text, flags=re.IGNORECASE)
    names = []
    for part in re.split(r"\s+and\s+|\s*[,;&]\s*", text):
        name = part.split("/")[0].strip()
        if name and name not in names:
            names.append(name)
    return tuple(names)
