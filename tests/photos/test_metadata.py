"""articles/photos/metadata.py: a photo's size as shown and its descriptive metadata, from XMP,
IPTC IIM and EXIF in that precedence; and XMP written into a JPEG without re-encoding it."""

import struct
from io import BytesIO

import pytest
from PIL import Image

from articles.photos.metadata import PhotoMetadata, read_metadata, write_xmp, xmp_packet
from tests.photos.images import (
    UTF8,
    app13,
    encoded,
    exif,
    iim,
    insert_segment,
    quadrants,
    tiff_exif,
    xmp_app1,
)

XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"


def plain_jpeg(**options):
    return encoded(quadrants(60, 40), "JPEG", quality=90, **options)


def segments(jpeg):
    """[(marker, bytes of the whole segment)] of a JPEG's header, up to its start of scan."""
    found, position = [], 2
    while jpeg[position + 1] != 0xDA:
        end = position + 2 + struct.unpack(">H", jpeg[position + 2 : position + 4])[0]
        found.append((jpeg[position + 1], jpeg[position:end]))
        position = end
    return found


def xmp_segments(jpeg):
    return [body for marker, body in segments(jpeg) if marker == 0xE1 and XMP_HEADER in body[:40]]


def rdf(properties, extra_namespaces=""):
    """An XMP packet with `properties` (XML text) in one rdf:Description."""
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" '
        f'xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/" {extra_namespaces}>'
        f"{properties}</rdf:Description></rdf:RDF></x:xmpmeta>"
    ).encode()


# Sizes and orientation


def test_a_plain_jpeg_has_its_size_and_no_metadata():
    assert read_metadata(plain_jpeg()) == PhotoMetadata(width=60, height=40, orientation=1)


@pytest.mark.parametrize(
    ("orientation", "size"),
    [(1, (60, 40)), (3, (60, 40)), (5, (40, 60)), (6, (40, 60)), (8, (40, 60))],
)
def test_width_and_height_are_as_shown(orientation, size):
    metadata = read_metadata(plain_jpeg(exif=exif(orientation=orientation)))
    assert (metadata.width, metadata.height) == size
    assert metadata.orientation == orientation


@pytest.mark.parametrize("orientation", [0, 9, 300])
def test_an_orientation_out_of_range_is_1(orientation):
    metadata = read_metadata(plain_jpeg(exif=exif(orientation=orientation)))
    assert (metadata.width, metadata.height, metadata.orientation) == (60, 40, 1)


def test_other_formats_are_read():
    packet = xmp_packet(headline="Dans la rue", creator="Ana Silva")
    webp = encoded(quadrants(30, 20), "WEBP", xmp=packet, exif=exif(orientation=6))
    assert read_metadata(webp) == PhotoMetadata(
        width=20, height=30, orientation=6, headline="Dans la rue", creator="Ana Silva"
    )


def test_only_headers_are_read():
    # Image data cut short: decoding it would fail, reading the metadata does not decode it.
    png = encoded(quadrants(64, 48), "PNG", exif=exif(orientation=6, artist="Jo"))
    cut_png = png[: png.index(b"IDAT") + 12]
    assert read_metadata(cut_png) == PhotoMetadata(width=48, height=64, orientation=6, creator="Jo")
    assert read_metadata(encoded(quadrants(64, 48), "PNG")[:60]).width == 64
    jpeg = write_xmp(plain_jpeg(), headline="Cut")
    cut_jpeg = jpeg[: jpeg.index(b"\xff\xda") + 20]
    assert read_metadata(cut_jpeg) == PhotoMetadata(width=60, height=40, headline="Cut")


def test_data_that_is_no_image_raises():
    with pytest.raises(OSError):
        read_metadata(b"not an image at all")


# XMP


def test_every_field_from_xmp():
    jpeg = write_xmp(
        plain_jpeg(),
        headline="Flood waters rise in the old town",
        description="Residents carry belongings through a flooded street on Monday.",
        creator=["Jane Doe", "John Roe"],
        credit_line="Newsroom / Agency",
        copyright_notice="© 2026 Jane Doe",
        alt_text="Two people wade through knee-deep brown water between stone houses.",
        extended_description="A long description of the scene for screen readers.",
        description_language="en",
        alt_text_language="en-GB",
    )
    assert read_metadata(jpeg) == PhotoMetadata(
        width=60,
        height=40,
        orientation=1,
        headline="Flood waters rise in the old town",
        description="Residents carry belongings through a flooded street on Monday.",
        creator="Jane Doe, John Roe",
        credit_line="Newsroom / Agency",
        copyright_notice="© 2026 Jane Doe",
        alt_text="Two people wade through knee-deep brown water between stone houses.",
        extended_description="A long description of the scene for screen readers.",
        description_language="en",
        alt_text_language="en-GB",
    )


def test_korean_text_round_trips_with_its_language():
    headline = "서울 도심에 폭우"
    description = "25일 서울 종로구 광화문 광장에서 시민들이 우산을 쓰고 걷고 있다."
    alt_text = "우산을 쓴 사람들이 비에 젖은 광장을 건너는 모습"
    jpeg = write_xmp(
        plain_jpeg(),
        headline=headline,
        description=description,
        creator="김민지",
        alt_text=alt_text,
        description_language="ko",
        alt_text_language="ko",
    )
    packet = xmp_segments(jpeg)[0].split(XMP_HEADER, 1)[1]
    assert description.encode("utf-8") in packet  # UTF-8, not character references
    assert b'<rdf:li xml:lang="ko">' in packet
    metadata = read_metadata(jpeg)
    assert (metadata.headline, metadata.description, metadata.creator) == (
        headline,
        description,
        "김민지",
    )
    assert (metadata.alt_text, metadata.description_language, metadata.alt_text_language) == (
        alt_text,
        "ko",
        "ko",
    )


def test_without_a_language_there_is_none():
    metadata = read_metadata(write_xmp(plain_jpeg(), description="A caption", alt_text="Alt"))
    assert (metadata.description, metadata.description_language) == ("A caption", None)
    assert (metadata.alt_text, metadata.alt_text_language) == ("Alt", None)


def test_markup_characters_and_line_breaks_round_trip():
    text = "Tom & Jerry <b>\"bold\"</b> 'quoted'\nsecond line\r\nthird ]]> line"
    jpeg = write_xmp(plain_jpeg(), headline=text, description=text, creator=["A & B <c>"])
    metadata = read_metadata(jpeg)
    assert (metadata.headline, metadata.description, metadata.creator) == (text, text, "A & B <c>")


def test_characters_xml_cannot_hold_are_dropped():
    jpeg = write_xmp(plain_jpeg(), headline="bell\x07 and\x00 null")
    assert read_metadata(jpeg).headline == "bell and null"


def test_the_xmp_segment_is_inserted_after_app0_and_nothing_else_changes():
    original = plain_jpeg()
    assert original[2:4] == b"\xff\xe0"  # Pillow writes a JFIF APP0 segment
    after_app0 = 4 + struct.unpack(">H", original[4:6])[0]
    written = write_xmp(original, headline="Headline")
    (segment,) = xmp_segments(written)
    assert written[:after_app0] == original[:after_app0]
    assert written[after_app0 : after_app0 + len(segment)] == segment
    assert written[after_app0 + len(segment) :] == original[after_app0:]
    with Image.open(BytesIO(written)) as image, Image.open(BytesIO(original)) as before:
        assert image.tobytes() == before.tobytes()


def test_the_xmp_segment_goes_after_exif():
    original = plain_jpeg(exif=exif(artist="Jane Doe"))
    written = write_xmp(original, headline="Headline")
    markers = [(marker, body[4:10]) for marker, body in segments(written)][:3]
    assert markers == [(0xE0, b"JFIF\x00\x01"), (0xE1, b"Exif\x00\x00"), (0xE1, XMP_HEADER[:6])]


def test_an_existing_xmp_packet_is_replaced():
    original = plain_jpeg()
    once = write_xmp(original, headline="First", credit_line="First credit")
    twice = write_xmp(once, headline="Second")
    (segment,) = xmp_segments(twice)
    assert twice.replace(segment, b"") == original
    metadata = read_metadata(twice)
    assert (metadata.headline, metadata.credit_line) == ("Second", None)


def test_xmp_elsewhere_in_the_header_is_replaced_too():
    original = plain_jpeg()
    old = xmp_app1(rdf("<photoshop:Headline>Old</photoshop:Headline>"))
    dqt = original.index(b"\xff\xdb")
    late = original[:dqt] + old + original[dqt:]  # after the quantisation tables
    written = write_xmp(late, headline="New")
    assert len(xmp_segments(written)) == 1
    assert read_metadata(written).headline == "New"
    assert written.replace(xmp_segments(written)[0], b"") == original


def test_writing_refuses_what_is_not_a_jpeg_or_too_large():
    with pytest.raises(ValueError, match="not a JPEG"):
        write_xmp(encoded(quadrants(), "PNG"), headline="x")
    with pytest.raises(ValueError, match="does not fit"):
        write_xmp(plain_jpeg(), description="x" * 70_000)
    with pytest.raises(ValueError, match="language tag"):
        write_xmp(plain_jpeg(), description="x", description_language='ko" onload="')


def test_a_headline_falls_back_on_the_title():
    packet = rdf(
        '<dc:title><rdf:Alt><rdf:li xml:lang="x-default">The title</rdf:li></rdf:Alt></dc:title>'
    )
    assert read_metadata(insert_segment(plain_jpeg(), xmp_app1(packet))).headline == "The title"


def test_simple_properties_given_as_attributes():
    packet = rdf("<photoshop:Credit>Agency</photoshop:Credit>").replace(
        b'rdf:about=""', b'rdf:about="" photoshop:Headline="As an attribute"'
    )
    metadata = read_metadata(insert_segment(plain_jpeg(), xmp_app1(packet)))
    assert (metadata.headline, metadata.credit_line) == ("As an attribute", "Agency")


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        # the x-default text, and the language of the alternative with the same text
        ('<rdf:li xml:lang="x-default">Bonjour</rdf:li><rdf:li xml:lang="fr">Bonjour</rdf:li>',
         ("Bonjour", "fr")),
        # only a language-tagged alternative
        ('<rdf:li xml:lang="fr-CA">Bonjour</rdf:li>', ("Bonjour", "fr-CA")),
        # x-default in another language than the tagged alternative: language unknown
        ('<rdf:li xml:lang="de">Hallo</rdf:li><rdf:li xml:lang="x-default">Hello</rdf:li>',
         ("Hello", None)),
        # no x-default: the first
        ('<rdf:li xml:lang="de">Hallo</rdf:li><rdf:li xml:lang="en">Hello</rdf:li>',
         ("Hallo", "de")),
        # an item without xml:lang (not valid XMP, still text)
        ("<rdf:li>Untagged</rdf:li>", ("Untagged", None)),
        # empty items are skipped
        ('<rdf:li xml:lang="x-default"> </rdf:li><rdf:li xml:lang="it">Ciao</rdf:li>',
         ("Ciao", "it")),
    ],
)  # fmt: skip
def test_language_alternatives(items, expected):
    packet = rdf(f"<dc:description><rdf:Alt>{items}</rdf:Alt></dc:description>")
    metadata = read_metadata(insert_segment(plain_jpeg(), xmp_app1(packet)))
    assert (metadata.description, metadata.description_language) == expected


# IPTC IIM


def test_every_field_from_iim_in_utf8():
    block = iim(
        [
            (1, 90, UTF8),
            (2, 105, "Powódź w Łodzi"),
            (2, 120, "Mieszkańcy uciekają przed wodą."),
            (2, 80, "Zofia Żółć"),
            (2, 80, "Jan Kowalski"),
            (2, 110, "Agencja"),
            (2, 116, "© 2026 Agencja"),
        ]
    )
    metadata = read_metadata(insert_segment(plain_jpeg(), app13(block)))
    assert metadata == PhotoMetadata(
        width=60,
        height=40,
        headline="Powódź w Łodzi",
        description="Mieszkańcy uciekają przed wodą.",
        creator="Zofia Żółć, Jan Kowalski",
        credit_line="Agencja",
        copyright_notice="© 2026 Agencja",
    )


def test_iim_without_a_character_set_that_is_not_utf8_is_windows_1252():
    block = iim(
        [
            (2, 105, "Café “crème”".encode("cp1252")),
            (2, 80, "José Müller".encode("latin-1")),
            (2, 116, b"\xa9 2026 Agence \x81"),  # 0x81: undefined in Windows-1252
        ]
    )
    metadata = read_metadata(insert_segment(plain_jpeg(), app13(block)))
    assert (metadata.headline, metadata.creator) == ("Café “crème”", "José Müller")
    assert metadata.copyright_notice == "© 2026 Agence \x81"


def test_iim_without_a_character_set_that_is_utf8_is_utf8():
    block = iim([(2, 120, "Ünïcödé caption".encode())])
    assert read_metadata(insert_segment(plain_jpeg(), app13(block))).description == (
        "Ünïcödé caption"
    )


# EXIF


def test_fields_from_exif_only():
    jpeg = plain_jpeg(
        exif=exif(
            artist="Jane Doe",
            copyright="(c) 2026 Jane Doe",
            description="Harbour at dawn",
            make="Canon",
        )
    )
    assert read_metadata(jpeg) == PhotoMetadata(
        width=60,
        height=40,
        description="Harbour at dawn",
        creator="Jane Doe",
        copyright_notice="(c) 2026 Jane Doe",
    )


def test_exif_text_in_utf8():
    jpeg = plain_jpeg(exif=exif(artist="김민지".encode(), copyright="© Zoë".encode()))
    metadata = read_metadata(jpeg)
    assert (metadata.creator, metadata.copyright_notice) == ("김민지", "© Zoë")


def test_a_cameras_default_description_is_no_description():
    jpeg = plain_jpeg(exif=exif(description="OLYMPUS DIGITAL CAMERA         ", artist="  Jo  "))
    metadata = read_metadata(jpeg)
    assert (metadata.description, metadata.creator) == (None, "Jo")


def test_exif_copyright_of_photographer_and_editor():
    jpeg = plain_jpeg(exif=exif(copyright="Jane Doe\x00Newsroom"))
    assert read_metadata(jpeg).copyright_notice == "Jane Doe\nNewsroom"


# Precedence


def test_xmp_first_then_iim_then_exif_field_by_field():
    jpeg = plain_jpeg(
        exif=exif(
            artist="EXIF artist",
            copyright="EXIF copyright",
            description="EXIF description",
        )
    )
    block = iim(
        [
            (1, 90, UTF8),
            (2, 105, "IIM headline"),
            (2, 120, "IIM caption"),
            (2, 80, "IIM by-line"),
            (2, 110, "IIM credit"),
        ]
    )
    jpeg = write_xmp(
        insert_segment(jpeg, app13(block)),
        headline="XMP headline",
        description="XMP description",
        alt_text="XMP alt text",
    )
    metadata = read_metadata(jpeg)
    assert metadata.headline == "XMP headline"
    assert metadata.description == "XMP description"
    assert metadata.alt_text == "XMP alt text"
    assert metadata.creator == "IIM by-line"  # no dc:creator: IIM
    assert metadata.credit_line == "IIM credit"
    assert metadata.copyright_notice == "EXIF copyright"  # in neither XMP nor IIM: EXIF


def test_an_empty_xmp_field_does_not_hide_iim():
    jpeg = insert_segment(plain_jpeg(), app13(iim([(2, 105, "IIM headline")])))
    jpeg = write_xmp(jpeg, headline="   ")
    assert read_metadata(jpeg).headline == "IIM headline"


def test_an_iim_headline_comes_before_an_xmp_title():
    packet = rdf(
        "<dc:title><rdf:Alt><rdf:li xml:lang='x-default'>SLUG/1</rdf:li></rdf:Alt></dc:title>"
    )
    jpeg = insert_segment(plain_jpeg(), app13(iim([(2, 105, "IIM headline")])))
    assert read_metadata(insert_segment(jpeg, xmp_app1(packet))).headline == "IIM headline"


# Odd metadata never raises


IIM_AND_EXIF = {"headline": "IIM headline", "creator": "EXIF artist"}


def odd_jpeg(segment=b"", **options):
    options.setdefault("exif", exif(artist="EXIF artist"))
    jpeg = insert_segment(plain_jpeg(**options), app13(iim([(2, 105, "IIM headline")])))
    return insert_segment(jpeg, segment) if segment else jpeg


@pytest.mark.parametrize(
    "packet",
    [
        b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF",  # truncated
        b"not XML at all \xff\xfe",
        b"",
        b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;&a;'>]>"
        b"<x>&b;</x>",  # entities: refused by defusedxml
        b"<root><child>no RDF here</child></root>",
        rdf("<rdf:Description/>"),
        rdf("<dc:creator><rdf:Seq/></dc:creator><dc:description><rdf:Alt/></dc:description>"),
        rdf("<photoshop:Headline><nested><deeper>x</deeper></nested></photoshop:Headline>"),
        rdf("<dc:rights><rdf:Bag><rdf:li><rdf:Alt/></rdf:li></rdf:Bag></dc:rights>"),
    ],
)
def test_malformed_xmp_is_skipped(packet):
    metadata = read_metadata(odd_jpeg(xmp_app1(packet)))
    assert (metadata.headline, metadata.creator) == ("IIM headline", "EXIF artist")
    assert (metadata.description, metadata.copyright_notice, metadata.alt_text) == (None,) * 3


def test_xmp_of_the_wrong_shapes_gives_what_it_can():
    packet = rdf(
        "<dc:creator>A plain creator</dc:creator>"  # not an rdf:Seq
        "<dc:description>A plain description</dc:description>"  # not an rdf:Alt
        "<photoshop:Headline>One</photoshop:Headline>"
        "<photoshop:Headline>Two</photoshop:Headline>"  # repeated
        "<dc:rights><rdf:Seq><rdf:li>Jane</rdf:li></rdf:Seq></dc:rights>"  # a list
    )
    metadata = read_metadata(odd_jpeg(xmp_app1(packet)))
    assert (metadata.creator, metadata.description) == ("A plain creator", "A plain description")
    assert (metadata.headline, metadata.copyright_notice) == ("One", "Jane")


@pytest.mark.parametrize(
    "block",
    [
        b"\x1c\x02\x69\xff\xff",  # a length past the end
        b"\x1c\x02",  # truncated header
        b"\x1d\x02\x69\x00\x01x",  # not a dataset
        b"\x00" * 8,
    ],
)
def test_a_damaged_iim_block_is_skipped(block):
    jpeg = insert_segment(plain_jpeg(exif=exif(artist="EXIF artist")), app13(block))
    metadata = read_metadata(jpeg)
    assert (metadata.headline, metadata.creator) == (None, "EXIF artist")


def test_exif_values_of_the_wrong_type_are_skipped():
    # Artist as a SHORT (type 3) number, ImageDescription as a LONG, Orientation as ASCII.
    entries = [
        (0x010E, 4, 1, struct.pack("<I", 7)),
        (0x0112, 2, 2, b"6\x00"),
        (0x013B, 3, 1, struct.pack("<H", 42)),
    ]
    metadata = read_metadata(odd_jpeg(exif=tiff_exif(entries)))
    assert metadata == PhotoMetadata(width=60, height=40, headline="IIM headline")


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data:UserWarning")  # Pillow's, not raised
@pytest.mark.parametrize(
    "raw",
    [
        b"Exif\x00\x00II*\x00\xff\xff\xff\x7f",  # IFD offset past the end
        b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\xff\xff",  # truncated IFD
        b"Exif\x00\x00garbage",
    ],
)
def test_damaged_exif_is_skipped(raw):
    metadata = read_metadata(odd_jpeg(exif=raw))
    assert (metadata.width, metadata.height, metadata.orientation) == (60, 40, 1)
    assert metadata.headline == "IIM headline"
