"""Specification of the wire-format parsers (articles.ingest.formats and the parser of each
format), on samples the project wrote (tests/data/wire/). Pure: no database."""

import tracemalloc
from pathlib import Path

import pytest

from articles.ingest.formats import detect, parse
from articles.ingest.records import (
    AgencyRecord,
    ArticleRecord,
    Block,
    CaptionRecord,
    IngestError,
)
from articles.ingest.sanitize import html_to_blocks
from tests.helpers.sample import HEADLINE, SAMPLE
from tests.helpers.wire import read

KOREAN = "터키 접경 마을 수루크에서 촬영한 시리아 도시 코바니."
LEAD = Block(
    "paragraph",
    "GENEVA (Reuters) - The rapport, built over months, made the deal. "
    "Read the background or write to us.",
    "GENEVA (Reuters) - The *rapport*, built over months, made the deal. "
    "Read [the background](<https://example.com/background>) or "
    "[write to us](<mailto:desk@example.com>).",
)
RESET = Block("subheading", "Moving beyond the 'reset'")
PUTIN = Block(
    "paragraph",
    "Just 10 days ago, Putin wrote in the New York Times.",
    "Just 10 days ago, Putin wrote in the **New York Times**.",
)


def parsed(name, fmt=None):
    return parse(read(name), fmt)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("ninjs-1.json", "ninjs"),
        ("ninjs-2-v1.json", "ninjs"),
        ("ninjs-3.json", "ninjs"),
        ("not-ninjs.json", "ninjs"),
        ("newsml-g2.xml", "newsml-g2"),
        ("newsml-g2-package-nitf.xml", "newsml-g2"),
        ("xxe.xml", "newsml-g2"),
        ("not-newsml.xml", "newsml-g2"),
        ("webpage.html", "html"),
        ("empty.json", "capture"),
    ],
)
def test_the_format_is_detected_from_the_root_not_from_markup_inside(name, fmt):
    assert detect(read(name)) == fmt


def test_capture_is_still_detected():
    sample = SAMPLE
    assert detect(sample.read_bytes()) == "capture"


def test_ninjs_2_maps_every_field():
    record = parsed("ninjs-2-v1.json")

    assert record == ArticleRecord(
        headline=HEADLINE,
        blocks=(LEAD, RESET, PUTIN),
        language="en",
        standfirst="Two ministers who trust each other.",
        captions=(
            CaptionRecord(
                text=KOREAN,
                alt_text="Smoke over the rooftops of a town at dusk",
                language="ko",
                credit="Reuters/Jane Doe",
                image_url="https://images.example.com/kobani.jpg",
            ),
        ),
        agency=AgencyRecord(name="Reuters"),
        authors=("Jane Doe", "John Roe"),
        external_id="http://example.com/wire/2013/09/16/kerry-lavrov",
        version=978556838,
        # +01:00 and .000Z, stored as UTC.
        published_at="2013-09-16T06:30:00+00:00",
        updated_at="2013-09-16T08:05:00+00:00",
        pubstatus="usable",
        slugline="SYRIA-CHEMICAL/",
        wire_metadata={
            "urgency": 3,
            "located": "Geneva",
            "usageterms": "No resale.",
            "subjects": ["diplomacy"],
            "ninjs": "2.x",
        },
        format="ninjs",
    )


def test_ninjs_1_is_read_through_the_same_mapper():
    record = parsed("ninjs-1.json")

    assert (record.headline, record.standfirst, record.authors, record.version) == (
        "Harbour reopens after storm",
        "Ships return to the quay.",
        ("Ana Lima",),
        2,
    )
    assert record.blocks == (
        Block("paragraph", "The harbour reopened on Friday."),
        Block("paragraph", "Ferries sail again."),
    )
    # 1.x as Superdesk writes it: caption in description_text, alt text in body_text.
    assert record.captions == (
        CaptionRecord(
            text="Der Hafen am Freitag.",
            alt_text="Cranes and a ferry in calm water",
            language="de",
            credit="Max Muster",
            image_url="https://images.example.net/harbour.jpg",
        ),
    )
    assert record.agency == AgencyRecord(name="Example Press")
    assert record.wire_metadata["ninjs"] == "1.x"


def test_ninjs_3_camel_case_and_negative_offset():
    record = parsed("ninjs-3.json")

    assert (record.headline, record.language, record.version, record.pubstatus) == (
        "Council approves new cycle lanes",
        "en-GB",
        7,
        "usable",
    )
    assert (record.published_at, record.updated_at) == (
        "2025-05-20T13:00:00+00:00",
        "2025-05-20T13:45:00+00:00",
    )
    assert record.agency == AgencyRecord(name="Example Wire")
    assert record.wire_metadata == {"urgency": 4, "ninjs": "3.x"}


def test_provider_extensions_are_ignored_with_a_warning():
    record = parsed("ninjs-extensions.json")

    assert record.headline == "Provider extensions are ignored, not fatal"
    assert record.blocks == (
        Block("paragraph", "First paragraph."),
        Block("paragraph", "Second paragraph."),
    )
    assert record.warnings == ("ignored fields outside ninjs 2.x (item): authors, bylines",)


def test_newsml_g2_message_with_linked_picture():
    record = parsed("newsml-g2.xml")

    assert record.headline == "Kurdish fighters hold Kobani as air strikes continue"
    assert record.blocks == (
        # The inline element and the text after it are both kept.
        Block(
            "paragraph",
            "SURUC, Turkey (Reuters) - Kurdish fighters, helped by the Mercury, had been "
            "holding the town.",
            "SURUC, Turkey (Reuters) - Kurdish fighters, helped by the *Mercury*, had been "
            "holding the town.",
        ),
        Block("subheading", "Air strikes"),
        Block(
            "paragraph",
            "The strikes hit positions near the hill.",
            "The strikes hit [positions](<https://example.com/map>) near the hill.",
        ),
    )
    assert record.captions == (
        CaptionRecord(
            text=KOREAN,
            alt_text="Smoke rises over the town seen from a hill",
            language="ko",
            credit="REUTERS/Osman Orsal",
            image_url="https://images.example.com/kobani-hi.jpg",
        ),
    )
    assert (record.external_id, record.version, record.language) == (
        "tag:example.com,2014:newsml_L1N14N0FF",
        978556838,
        "en",
    )
    # "…+01:00 " with a trailing space, stored as UTC.
    assert (record.published_at, record.updated_at) == (
        "2014-10-20T09:30:00+00:00",
        "2014-10-20T09:52:00+00:00",
    )
    assert (record.agency, record.authors, record.standfirst, record.slugline) == (
        AgencyRecord(name="Reuters"),
        ("Jane Doe",),
        "Fighting goes on in the border town.",
        "MIDEAST-CRISIS/KOBANI",
    )
    assert record.wire_metadata == {
        "urgency": "3",
        "located": "Suruc",
        "copyrightnotice": "Copyright 2014 Reuters",
        "usageterms": "For subscribers only.",
        "ednote": "Moves with a picture.",
        "subjects": ["conflict, war and peace"],
    }
    assert record.format == "newsml-g2"


def test_newsml_g2_package_reference_nitf_body_and_latin1():
    record = parsed("newsml-g2-package-nitf.xml")

    assert (record.headline, record.language, record.version) == ("Café de la gare rouvre", "fr", 3)
    assert record.blocks == (
        Block("paragraph", "Le café a rouvert lundi."),
        Block("subheading", "Nouvelle carte"),
        Block("paragraph", "Les clients sont revenus."),
    )
    # The picture the package groups with the text, not the first one in the message; its
    # file: URL is dropped, never read.
    assert record.captions == (
        CaptionRecord(text="La terrasse du café.", language="fr", credit="Luc Martin"),
    )
    # Compact time with offset; a date without a time is flagged, never silently completed.
    assert record.updated_at == "2020-01-02T02:00:00+00:00"
    assert record.published_at == "2020-01-02T00:00:00+00:00"
    assert record.warnings == (
        "first created time 2020-01-02 has no time of day: stored as 00:00 UTC",
        "sanitiser: picture file: URL dropped",
    )


def test_saved_web_page_json_ld_first_then_open_graph_then_markup():
    record = parsed("webpage.html")

    assert record.headline == HEADLINE  # JSON-LD, not og:title
    assert record.standfirst == "Two ministers who trust each other."
    # Only the article text: no skip link, cookie notice, navigation, text-size controls,
    # related links, share buttons, agency box or caption.
    assert record.blocks == (
        Block(
            "paragraph",
            "GENEVA (Reuters) - The rapport, built over months, made the deal. "
            "Read the background.",
            "GENEVA (Reuters) - The *rapport*, built over months, made the deal. "
            "Read [the background](<https://example.com/background>).",
        ),
        RESET,
        PUTIN,
    )
    assert record.captions == (
        CaptionRecord(
            text=KOREAN,
            alt_text="Smoke over the rooftops of a town at dusk",  # img@alt wins over og
            language="ko",  # the figure's lang
            credit="Reuters/Jane Doe",
            # The saved page's relative image is useless: the absolute JSON-LD one is kept.
            image_url="https://images.example.com/kobani.jpg",
        ),
    )
    assert record.agency == AgencyRecord(
        name="Reuters", description="Reuters is a news agency founded in 1851."
    )
    assert record.authors == ("Jane Doe",)  # the Organization author is not a person
    assert record.language == "en-GB"
    # Canonical URL without utm_* and fragment.
    assert record.external_id == "https://www.example.com/world/kerry-lavrov-rapport?id=42"
    assert (record.published_at, record.updated_at) == (
        "2013-09-16T06:30:00+00:00",
        "2013-09-16T08:05:00+00:00",
    )
    assert record.version == 1379318700  # dateModified in seconds
    assert record.warnings == (
        "a malformed JSON-LD block was skipped",
        "sanitiser: removed the onmouseover attribute",
    )


def test_hostile_body_is_sanitised_and_every_removal_is_a_warning():
    record = parsed("hostile-body.json")

    assert record.headline == "Markup in the headline"
    assert record.authors == ("Jane Doe",)
    assert record.blocks == (
        Block(
            "paragraph",
            "Safe text stays, with a bad link and a good one.",
            "Safe *text* stays, with a bad link and [a good one](<https://example.com/ok>).",
        ),
        Block("paragraph", "data link ends here."),
        Block("paragraph", "Last paragraph."),
    )
    body = " ".join(b.markdown or b.text for b in record.blocks)
    for absent in ("alert", "cookie", "frame text", "svg text", "form text", "javascript", "data:"):
        assert absent not in body
    assert record.captions == (
        CaptionRecord(text="A caption with markup", alt_text="Alt text", language="en"),
    )
    assert record.sanitiser_warnings == [
        "sanitiser: markup removed from the headline",
        "sanitiser: removed the onclick attribute",
        "sanitiser: removed style attributes",
        "sanitiser: removed a javascript: URL",
        "sanitiser: removed <script>",
        "sanitiser: removed <iframe>",
        "sanitiser: removed <svg>",
        "sanitiser: removed the onload attribute",
        "sanitiser: removed <form>",
        "sanitiser: removed a data: URL",
        "sanitiser: removed a comment",
        "sanitiser: removed the onerror attribute",
        "sanitiser: markup removed from the caption",
        "sanitiser: markup removed from the alt text",
        "sanitiser: picture javascript: URL dropped",
        "sanitiser: picture data: URL dropped",
        "sanitiser: markup removed from the byline",
    ]


def test_inline_markup_keeps_its_tail_and_markdown_characters_are_escaped():
    blocks, warnings = html_to_blocks("<p>1. A *star* and the <em>Mercury</em>, had [x]</p>")
    assert blocks == (
        Block(
            "paragraph",
            "1. A *star* and the Mercury, had [x]",
            "1\\. A \\*star\\* and the *Mercury*, had \\[x\\]",
        ),
    )
    assert warnings == []


BAD = {
    "empty.json": "empty file",
    "truncated.json": (
        "invalid or truncated JSON: Unterminated string starting at (line 3, column 43)"
    ),
    "not-ninjs.json": "not ninjs: the JSON is an array, not an object",
    "invalid-utf8.json": "not UTF-8: invalid byte 0xe9 at byte offset 107",
    "invalid-utf8.xml": "not UTF-8: invalid byte 0xe9 at byte offset 153",
    "not-newsml.xml": "not NewsML-G2: the root element is <rss>",
    "truncated.xml": "not well-formed XML: no element found at line 2, column 115",
}
REFUSED = (
    "refused: the XML has a DOCTYPE (document type declarations and entities are not "
    "accepted, so nothing was expanded or read)"
)


@pytest.mark.parametrize(("name", "reason"), BAD.items(), ids=BAD.keys())
def test_broken_input_gets_a_one_line_reason(name, reason):
    with pytest.raises(IngestError) as error:
        parsed(name)
    assert str(error.value) == reason


def test_json_that_is_not_ninjs_lists_the_schema_errors():
    with pytest.raises(IngestError) as error:
        parse(b'{"uri": 7, "headlines": "no", "pubstatus": "gone"}')
    assert str(error.value) == (
        "not valid ninjs 2.x: headlines: 'no' is not of type 'array'; "
        "pubstatus: 'gone' is not one of ['usable', 'withheld', 'canceled']; "
        "uri: 7 is not of type 'string'"
    )


def test_an_unknown_ninjs_version_is_refused():
    with pytest.raises(IngestError) as error:
        parse(b'{"uri": "urn:x", "standard": {"name": "ninjs", "version": "9.0"}}')
    assert str(error.value) == "not ninjs: unknown ninjs version '9.0'"


@pytest.mark.parametrize("name", ["xxe.xml", "billion-laughs.xml", "doctype.xml"])
def test_doctype_entities_and_xxe_are_refused_before_expansion(name):
    tracemalloc.start()
    try:
        with pytest.raises(IngestError) as error:
            parsed(name)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(error.value) == REFUSED
    # Flat memory (expat allocates through Python's allocator, which tracemalloc sees): the
    # billion laughs expanded would take gigabytes; refusing it takes kilobytes.
    assert peak < 1_000_000
    assert "root:" not in str(error.value)


def test_xxe_is_refused_even_when_forced_as_newsml_and_names_no_file_content():
    with pytest.raises(IngestError) as error:
        parse(read("xxe.xml"), "newsml-g2")
    assert str(error.value) == REFUSED
    passwd = Path("/etc/passwd").read_text().splitlines()[0]
    assert passwd not in str(error.value)


def test_a_forced_format_is_obeyed():
    with pytest.raises(IngestError) as error:
        parse(read("webpage.html"), "newsml-g2")
    assert str(error.value) == REFUSED  # <!DOCTYPE html> is a DOCTYPE too
    with pytest.raises(IngestError) as error:
        parse(read("ninjs-3.json"), "capture")
    assert str(error.value) == "does not look like an article: starts like JSON"
    with pytest.raises(IngestError) as error:
        parse(b"x", "nitf")
    assert str(error.value) == (
        "unknown format 'nitf' (known: auto, capture, ninjs, newsml-g2, html)"
    )


def test_a_page_declaring_windows_1251_is_decoded_as_declared():
    page = (
        '<!DOCTYPE html><html lang="ru"><head><meta charset="windows-1251">'
        '<link rel="canonical" href="https://example.ru/news/1">'
        "<title>Переговоры продолжатся | Пример</title></head>"
        "<body><article><h1>Переговоры продолжатся</h1><p>Министры встретятся снова.</p>"
        "</article></body></html>"
    ).encode("cp1251")

    record = parse(page)

    assert (record.headline, record.language, record.blocks) == (
        "Переговоры продолжатся",
        "ru",
        (Block("paragraph", "Министры встретятся снова."),),
    )


def test_a_page_without_article_element_falls_back_to_trafilatura_offline():
    paragraphs = [
        f"Paragraph {n} of the story tells what happened at the harbour on Friday morning, "
        "when the ferries sailed again after three days of storms along the coast."
        for n in range(1, 5)
    ]
    page = (
        '<!DOCTYPE html><html lang="en"><head><link rel="canonical" href="https://example.com/a">'
        "<title>Harbour reopens | Example</title></head><body>"
        '<div class="menu"><a href="/">Home</a> <a href="/world">World</a></div>'
        '<div class="story"><h1>Harbour reopens</h1>'
        + "".join(f"<p>{p}</p>" for p in paragraphs)
        + "</div></body></html>"
    ).encode()

    record = parse(page)

    assert record.headline == "Harbour reopens"
    assert [b.text for b in record.blocks] == paragraphs


def test_private_network_and_relative_picture_addresses_are_dropped():
    from articles.ingest.values import safe_url

    warnings = []
    assert safe_url("http://127.0.0.1/admin.jpg", warnings, "picture") == ""
    assert safe_url("http://10.0.0.7/x.jpg", warnings, "picture") == ""
    assert safe_url("http://localhost/x.jpg", warnings, "picture") == ""
    assert safe_url("page_files/x.jpg", warnings, "picture") == ""
    assert safe_url("https://images.example.com/x.jpg", warnings, "picture") == (
        "https://images.example.com/x.jpg"
    )
    assert warnings == [
        "sanitiser: picture URL on a private-network host dropped",
        "sanitiser: picture URL on a private-network host dropped",
        "sanitiser: picture URL on a private-network host dropped",
        "sanitiser: picture relative URL dropped",
    ]


def test_bom_and_crlf_do_not_change_a_ninjs_item():
    data = read("ninjs-2-v1.json")

    assert parse(b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n")) == parse(data)


def test_deeply_nested_json_fails_with_a_reason_not_a_crash():
    with pytest.raises(IngestError) as error:
        parse(b"[" * 100_000 + b"]" * 100_000)
    assert str(error.value) == "cannot be read as ninjs: RecursionError"
