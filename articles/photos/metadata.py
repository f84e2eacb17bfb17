"""What a photo file says about itself: its size as shown, and the descriptive metadata that
photographers and agencies put in it (headline, caption, photographer, credit, copyright, alt
text).

`read_metadata(data)` reads the three places such metadata lives, in the precedence that the
IPTC Photo Metadata Standard recommends (and the Metadata Working Group's guidelines before
it), field by field: XMP first, then IPTC IIM (the older binary block of Photoshop's APP13
segment, still written by agencies), then EXIF. A field missing from XMP is taken from IIM,
then from EXIF.

    field                 XMP                                   IIM     EXIF
    headline              photoshop:Headline                    2:105
                          (then dc:title, IPTC's "Title", when neither has a Headline)
    description           dc:description                        2:120   ImageDescription
    creator               dc:creator                            2:80    Artist
    credit_line           photoshop:Credit                      2:110
    copyright_notice      dc:rights                             2:116   Copyright
    alt_text              Iptc4xmpCore:AltTextAccessibility
    extended_description  Iptc4xmpCore:ExtDescrAccessibility

Several creators (an rdf:Seq, a repeated 2:80) are joined with ", ". Of a language
alternative (rdf:Alt) the x-default text is taken, or the first one; its language is the
xml:lang of the alternative that has the same text with a real language tag ("ko" for a
Korean caption written as x-default and ko), or of the alternative taken when it is not
x-default; None when XMP says nothing more than x-default. IIM text is UTF-8 when its 1:90
dataset says so (ESC % G) or when it decodes as UTF-8, else Windows-1252 (Latin-1 with
Photoshop's curly quotes). EXIF text fields are ASCII in the standard but UTF-8 in practice:
decoded as UTF-8 when they are. The default descriptions some cameras write
("OLYMPUS DIGITAL CAMERA") are not descriptions and are dropped.

Reading never fails because of odd metadata (malformed XMP, a truncated IIM block, EXIF values
of the wrong type): what cannot be read is left out, and the rest is returned. Only data that is
no image at all raises (PIL.UnidentifiedImageError).

`write_xmp(jpeg_bytes, **fields)` is the other way: a copy of a JPEG with an XMP packet holding
the given fields, added byte-wise (nothing is re-encoded: every other byte of the file is the
original's), replacing any XMP the file had.
"""

import re
from dataclasses import dataclass
from io import BytesIO
from xml.sax.saxutils import escape, quoteattr

from PIL import Image, IptcImagePlugin

NS_X = "adobe:ns:meta/"
NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NS_XML = "http://www.w3.org/XML/1998/namespace"
NS_DC = "http://purl.org/dc/elements/1.1/"
NS_PHOTOSHOP = "http://ns.adobe.com/photoshop/1.0/"
NS_IPTC_CORE = "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"

XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
XMP_EXTENSION_HEADER = b"http://ns.adobe.com/xmp/extension/\x00"
# An APP segment's length field counts itself (2 bytes) and is 16 bits.
MAX_XMP_PACKET = 0xFFFF - 2 - len(XMP_HEADER)

# EXIF tags (PIL.ExifTags.Base)
_ORIENTATION = 0x0112
_IMAGE_DESCRIPTION = 0x010E
_ARTIST = 0x013B
_COPYRIGHT = 0x8298

# What cameras and phones write into ImageDescription when nobody described the photo.
_CAMERA_DEFAULTS = {
    "olympus digital camera",
    "sony dsc",
    "digital camera",
    "konica minolta digital camera",
    "minolta digital camera",
    "samsung digital camera",
    "samsung",
    "default",
    "exif_jpeg_picture",
    "lead technologies inc. v1.01",
}

_UTF8_MARKER = b"\x1b%G"  # IIM 1:90, coded character set: ISO 2022's escape for UTF-8


@dataclass(frozen=True)
class PhotoMetadata:
    """A photo's size as shown (after its EXIF orientation) and its descriptive metadata; a
    field the file does not have is None."""

    width: int
    height: int
    orientation: int = 1
    headline: str | None = None
    description: str | None = None
    creator: str | None = None
    credit_line: str | None = None
    copyright_notice: str | None = None
    alt_text: str | None = None
    extended_description: str | None = None
    description_language: str | None = None
    alt_text_language: str | None = None


def read_metadata(data: bytes) -> PhotoMetadata:
    """The metadata of the image file `data` (JPEG, PNG, WebP, TIFF, AVIF...): see the module's
    docstring. Nothing is decoded but the headers."""
    with Image.open(BytesIO(data)) as image:
        orientation, exif = _exif_fields(image)
        xmp = _xmp_fields(image)
        iim = _iim_fields(image)
        width, height = image.size
    if orientation in (5, 6, 7, 8):  # turned a quarter: shown the other way round
        width, height = height, width
    sources = (xmp, iim, exif)

    def first(name):
        for source in sources:
            if source.get(name):
                return source[name]
        return None

    return PhotoMetadata(
        width=width,
        height=height,
        orientation=orientation,
        headline=first("headline") or xmp.get("title"),
        description=first("description"),
        creator=first("creator"),
        credit_line=first("credit_line"),
        copyright_notice=first("copyright_notice"),
        alt_text=first("alt_text"),
        extended_description=first("extended_description"),
        description_language=xmp.get("description_language") if xmp.get("description") else None,
        alt_text_language=xmp.get("alt_text_language") if xmp.get("alt_text") else None,
    )


# XMP


def _xmp_fields(image) -> dict:
    try:
        tree = image.getxmp(strip_namespaces=False)
        properties = _xmp_properties(tree)
    except Exception:  # malformed XML, entities refused by defusedxml, an odd structure
        return {}
    fields = {}
    for name, key in (
        ("headline", f"{{{NS_PHOTOSHOP}}}Headline"),
        ("title", f"{{{NS_DC}}}title"),
        ("description", f"{{{NS_DC}}}description"),
        ("creator", f"{{{NS_DC}}}creator"),
        ("credit_line", f"{{{NS_PHOTOSHOP}}}Credit"),
        ("copyright_notice", f"{{{NS_DC}}}rights"),
        ("alt_text", f"{{{NS_IPTC_CORE}}}AltTextAccessibility"),
        ("extended_description", f"{{{NS_IPTC_CORE}}}ExtDescrAccessibility"),
    ):
        try:
            text, language = _xmp_value(properties.get(key))
        except Exception:
            continue
        if text := _clean(text):
            fields[name] = text
            if language:
                fields[f"{name}_language"] = language
    return fields


def _xmp_properties(tree) -> dict:
    """{"{namespace}name": value} of the properties of every rdf:Description of the packet
    (earlier ones first), as Image.getxmp(strip_namespaces=False) gives them: a simple value
    as a string (an attribute, or an element's text), an element with attributes or children
    as a dict."""
    root = tree.get(f"{{{NS_X}}}xmpmeta", tree) if isinstance(tree, dict) else None
    rdf = root.get(f"{{{NS_RDF}}}RDF") if isinstance(root, dict) else None
    descriptions = rdf.get(f"{{{NS_RDF}}}Description") if isinstance(rdf, dict) else None
    if isinstance(descriptions, dict):
        descriptions = [descriptions]
    properties = {}
    for description in descriptions if isinstance(descriptions, list) else ():
        if isinstance(description, dict):
            for key, value in description.items():
                properties.setdefault(key, value)
    return properties


def _xmp_value(value) -> tuple[str | None, str | None]:
    """(text, language) of an XMP property value: a simple text, a language alternative
    (rdf:Alt), or a list (rdf:Seq, rdf:Bag: the items joined with ", ")."""
    if isinstance(value, list):  # a property repeated (not valid XMP): the first one
        value = value[0] if value else None
    if isinstance(value, str):
        return value, None
    if not isinstance(value, dict):
        return None, None
    if (alt := value.get(f"{{{NS_RDF}}}Alt")) is not None:
        return _alternative(_items(alt))
    for kind in ("Seq", "Bag"):
        if (items := value.get(f"{{{NS_RDF}}}{kind}")) is not None:
            texts = [_clean(text) for _, text in _items(items)]
            return ", ".join(text for text in texts if text) or None, None
    text = value.get("text")
    language = value.get(f"{{{NS_XML}}}lang")
    return (text if isinstance(text, str) else None), _language(language)


def _items(container) -> list[tuple[str | None, str | None]]:
    """(xml:lang, text) of the rdf:li items of an rdf:Alt, rdf:Seq or rdf:Bag."""
    if not isinstance(container, dict):
        return []
    items = container.get(f"{{{NS_RDF}}}li")
    if not isinstance(items, list):
        items = [items]
    pairs = []
    for item in items:
        if isinstance(item, str):
            pairs.append((None, item))
        elif isinstance(item, dict) and isinstance(item.get("text"), str):
            language = item.get(f"{{{NS_XML}}}lang")
            pairs.append((language if isinstance(language, str) else None, item["text"]))
    return pairs


def _alternative(pairs) -> tuple[str | None, str | None]:
    pairs = [(language, text) for language, text in pairs if _clean(text)]
    if not pairs:
        return None, None
    chosen = next((pair for pair in pairs if _is_default(pair[0])), pairs[0])
    language, text = chosen
    if _is_default(language):
        language = next(
            (
                other
                for other, other_text in pairs
                if not _is_default(other) and _clean(other_text) == _clean(text)
            ),
            None,
        )
    return text, _language(language)


def _is_default(language) -> bool:
    return not language or language.lower() == "x-default"


_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")


def _language(tag) -> str | None:
    if isinstance(tag, str) and not _is_default(tag) and _LANGUAGE_TAG.fullmatch(tag):
        return tag
    return None


# IPTC IIM


def _iim_fields(image) -> dict:
    try:
        info = IptcImagePlugin.getiptcinfo(image) or {}
    except Exception:  # a damaged block: Pillow raises SyntaxError or OSError
        return {}
    if not isinstance(info, dict):
        return {}
    utf8 = any(_UTF8_MARKER in value for value in _values(info.get((1, 90))))
    fields = {}
    for name, key in (
        ("headline", (2, 105)),
        ("description", (2, 120)),
        ("creator", (2, 80)),
        ("credit_line", (2, 110)),
        ("copyright_notice", (2, 116)),
    ):
        texts = [_clean(_decode_iim(value, utf8)) for value in _values(info.get(key))]
        if text := ", ".join(text for text in texts if text):
            fields[name] = text
    return fields


def _values(value) -> list[bytes]:
    values = value if isinstance(value, list) else [value]
    return [item for item in values if isinstance(item, bytes)]


def _decode_iim(value: bytes, utf8: bool) -> str:
    if utf8:
        return value.decode("utf-8", "replace")
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return value.decode("cp1252")
        except UnicodeDecodeError:  # the five bytes Windows-1252 leaves undefined
            return value.decode("latin-1")


# EXIF


def _exif_fields(image) -> tuple[int, dict]:
    if image.format == "PNG" and "exif" not in image.info:
        # An eXIf chunk after the image data: Pillow would decode the whole image to find it.
        return 1, {}
    try:
        exif = image.getexif()
    except Exception:  # malformed EXIF
        return 1, {}
    orientation = _safe(lambda: exif.get(_ORIENTATION), 1)
    if not isinstance(orientation, int) or not 1 <= orientation <= 8:
        orientation = 1
    fields = {}
    for name, tag in (
        ("description", _IMAGE_DESCRIPTION),
        ("creator", _ARTIST),
        ("copyright_notice", _COPYRIGHT),
    ):
        text = _clean(_exif_text(_safe(lambda tag=tag: exif.get(tag), None)))
        if text and not (name == "description" and text.lower() in _CAMERA_DEFAULTS):
            fields[name] = text
    return orientation, fields


def _safe(function, default):
    try:
        return function()
    except Exception:
        return default


def _exif_text(value) -> str | None:
    """An EXIF ASCII field as text. Pillow decodes them as Latin-1; most software writes UTF-8
    in them. The Copyright field may hold the photographer's and the editor's notices,
    separated by a NUL: both are kept, one per line."""
    if isinstance(value, bytes):
        raw = value
    elif isinstance(value, str):
        try:
            raw = value.encode("latin-1")
        except UnicodeEncodeError:
            return value
    else:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", "replace")
    return "\n".join(part.strip() for part in text.split("\x00") if part.strip())


def _clean(text) -> str | None:
    if not isinstance(text, str):
        return None
    text = text.replace("\x00", "").strip()
    return text or None


# Writing


def write_xmp(
    jpeg_bytes: bytes,
    *,
    headline: str | None = None,
    description: str | None = None,
    creator: str | list[str] | tuple[str, ...] | None = None,
    credit_line: str | None = None,
    copyright_notice: str | None = None,
    alt_text: str | None = None,
    extended_description: str | None = None,
    description_language: str | None = None,
    alt_text_language: str | None = None,
) -> bytes:
    """A copy of the JPEG `jpeg_bytes` with an XMP packet (UTF-8) holding the given fields
    (the names of PhotoMetadata's fields), in an APP1 segment after the file's APP0 (JFIF) and
    EXIF segments. Any XMP segment the file had (with its extension segments) is removed; no
    other byte changes: the image data is not re-encoded.

    Language alternatives (description, copyright, alt text, extended description) get an
    x-default text, and the same text under `description_language` (for the description) or
    `alt_text_language` (alt text and extended description) when given: the IPTC way of saying
    which language the text is in. Raises ValueError for data that is not a JPEG, a packet
    larger than one APP1 segment (64 KB), or a language that is not a language tag.
    """
    packet = xmp_packet(
        headline=headline,
        description=description,
        creator=creator,
        credit_line=credit_line,
        copyright_notice=copyright_notice,
        alt_text=alt_text,
        extended_description=extended_description,
        description_language=description_language,
        alt_text_language=alt_text_language,
    )
    if len(packet) > MAX_XMP_PACKET:
        raise ValueError(f"an XMP packet of {len(packet)} bytes does not fit in a JPEG segment")
    payload = XMP_HEADER + packet
    segment = b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload
    return _replace_xmp_segment(jpeg_bytes, segment)


def xmp_packet(
    *,
    headline=None,
    description=None,
    creator=None,
    credit_line=None,
    copyright_notice=None,
    alt_text=None,
    extended_description=None,
    description_language=None,
    alt_text_language=None,
) -> bytes:
    """The XMP packet (UTF-8 bytes) that write_xmp writes."""
    for tag in (description_language, alt_text_language):
        if tag is not None and not _LANGUAGE_TAG.fullmatch(tag):
            raise ValueError(f"{tag!r} is not a language tag")
    properties = []
    if headline is not None:
        properties.append(_simple("photoshop:Headline", headline))
    if credit_line is not None:
        properties.append(_simple("photoshop:Credit", credit_line))
    if creator is not None:
        creators = [creator] if isinstance(creator, str) else list(creator)
        items = "".join(f"<rdf:li>{_xml_text(name)}</rdf:li>" for name in creators)
        properties.append(f"<dc:creator><rdf:Seq>{items}</rdf:Seq></dc:creator>")
    for name, text, language in (
        ("dc:description", description, description_language),
        ("dc:rights", copyright_notice, None),
        ("Iptc4xmpCore:AltTextAccessibility", alt_text, alt_text_language),
        ("Iptc4xmpCore:ExtDescrAccessibility", extended_description, alt_text_language),
    ):
        if text is not None:
            properties.append(_alternatives(name, text, language))
    body = "\n    ".join(properties)
    xml = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        f'<x:xmpmeta xmlns:x="{NS_X}">\n'
        f' <rdf:RDF xmlns:rdf="{NS_RDF}">\n'
        '  <rdf:Description rdf:about=""\n'
        f'    xmlns:dc="{NS_DC}"\n'
        f'    xmlns:photoshop="{NS_PHOTOSHOP}"\n'
        f'    xmlns:Iptc4xmpCore="{NS_IPTC_CORE}">\n'
        f"    {body}\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    )
    return xml.encode("utf-8")


def _simple(name, text):
    return f"<{name}>{_xml_text(text)}</{name}>"


def _alternatives(name, text, language):
    items = f'<rdf:li xml:lang="x-default">{_xml_text(text)}</rdf:li>'
    if language and not _is_default(language):
        items += f"<rdf:li xml:lang={quoteattr(language)}>{_xml_text(text)}</rdf:li>"
    return f"<{name}><rdf:Alt>{items}</rdf:Alt></{name}>"


# Characters XML 1.0 cannot hold at all (C0 controls but tab, LF, CR; lone surrogates; FFFE/F).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text) -> str:
    if not isinstance(text, str):
        raise TypeError(f"XMP text must be a string, not {type(text).__name__}")
    # A CR would be read back as LF (XML's end-of-line handling): written as a reference.
    return escape(_NOT_XML.sub("", text)).replace("\r", "&#13;")


def _replace_xmp_segment(data: bytes, segment: bytes) -> bytes:
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG file (no SOI marker)")
    old = []  # (start, end) of the XMP segments to remove
    insert_at = 2
    leading = True  # still among the segments that go before the new one (APP0, EXIF)
    position = 2
    while True:
        if position + 2 > len(data) or data[position] != 0xFF:
            raise ValueError(f"not a JPEG file: no marker at byte {position}")
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a length
            position += 2
            leading = False
            continue
        if marker in (0xDA, 0xD9):  # start of scan (image data follows), end of image
            break
        if position + 4 > len(data):
            raise ValueError("truncated JPEG file")
        end = position + 2 + int.from_bytes(data[position + 2 : position + 4], "big")
        if end > len(data) or end < position + 4:
            raise ValueError(f"truncated JPEG segment at byte {position}")
        body = data[position + 4 : end]
        if marker == 0xE1 and body.startswith((XMP_HEADER, XMP_EXTENSION_HEADER)):
            old.append((position, end))
        elif leading and (marker == 0xE0 or (marker == 0xE1 and body.startswith(b"Exif\x00"))):
            insert_at = end
        else:
            leading = False
        position = end
    out = bytearray()
    cursor = 0
    inserted = False
    for start, end in old:
        if not inserted and insert_at <= start:
            out += data[cursor:insert_at] + segment
            cursor, inserted = insert_at, True
        out += data[cursor:start]
        cursor = end
    if not inserted:
        out += data[cursor:insert_at] + segment
        cursor = insert_at
    out += data[cursor:]
    return bytes(out)
