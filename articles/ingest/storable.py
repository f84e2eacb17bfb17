"""Text a database can store, checked before anything is written.

A parser's record may carry characters that no database column holds: a NUL (U+0000), which
PostgreSQL refuses in any text ("A string literal cannot contain NUL"), and a lone surrogate
(U+D800 to U+DFFF, as a JSON "\\ud800" escape can make), which is not Unicode text at all and
cannot be encoded as UTF-8 on either database. Such a file fails with the reason, naming where
the character is; its raw bytes are kept in the failed ingest record like any other.
"""

from dataclasses import fields, is_dataclass

from .records import IngestError

_SURROGATES = range(0xD800, 0xE000)


def unstorable(text: str) -> str | None:
    """What in `text` no database can store ("a NUL character (U+0000)"), or None."""
    if "\x00" in text:
        return "a NUL character (U+0000)"
    for char in text:
        if ord(char) in _SURROGATES:
            return f"a lone surrogate (U+{ord(char):04X}, not text)"
    return None


def check_storable(record) -> None:
    """Raise IngestError if any text of the record (wire metadata included) is unstorable."""
    for where, text in _texts(record, ""):
        problem = unstorable(text)
        if problem is not None:
            raise IngestError(f"cannot be stored: {problem} in {where or 'the item'}")


def _texts(value, where):
    """(where, text) for every string in a record: dataclass fields, sequences, dict keys and
    values; `where` as "the headline", "captions[0].alt_text", "wire metadata 'located'"."""
    if isinstance(value, str):
        yield where, value
    elif is_dataclass(value):
        for field in fields(value):
            name = "wire metadata" if field.name == "wire_metadata" else field.name
            path = f"{where}.{name}" if where else f"the {name}"
            yield from _texts(getattr(value, field.name), path)
    elif isinstance(value, dict):
        for key, item in value.items():
            key_text = str(key)
            yield f"{where} (a key)", key_text
            yield from _texts(item, f"{where} {_quoted(key_text)}")
    elif isinstance(value, (list, tuple)):
        for position, item in enumerate(value):
            yield from _texts(item, f"{where}[{position}]")


def _quoted(text: str) -> str:
    """A key as the message shows it: without the characters it is refused for."""
    shown = "".join("?" if ch == "\x00" or ord(ch) in _SURROGATES else ch for ch in text[:60])
    return f"'{shown}'"


def storable_filename(name: str) -> str:
    """A file name as the ingest record stores it: bytes that are not UTF-8 (kept by Python
    as surrogates) and NULs shown as escapes, so that the record can always be written."""
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text.replace("\x00", "\\x00")
