"""Specification of how the ninjs parser tells the ninjs versions apart, and of the ninjs items
that are not articles (events, planning, pictures...), on samples the project wrote
(tests/data/wire/ninjs3-*.json, shaped like the agency examples IPTC publishes).

ninjs 3 is camelCase (`contentType`, `altIds`, `pubStatus`...) where 1.x and 2.x are lower
case, and only ninjs 3 has event and planning items (`eventDetails`, `plannedCoverage`). Some
agencies label camelCase items with their own profile's version ("2.2"): the properties tell.
"""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from articles.ingest.formats import parse
from articles.ingest.ninjs import ninjs_major, validator
from articles.ingest.records import Block, IngestError
from articles.models import Agency, Article, Author, Caption, IngestRecord
from tests.helpers.paths import WIRE
from tests.helpers.wire import read

OWN_NINJS_3 = sorted(WIRE.glob("ninjs3-*.json"))


def refusal(data) -> str:
    with pytest.raises(IngestError) as error:
        parse(data)
    return str(error.value)


def as_bytes(item: dict) -> bytes:
    return json.dumps(item).encode()


TEXT_3 = {
    "uri": "urn:newsml:wire.example.org:2025:kinds",
    "version": "1",
    "pubStatus": "usable",
    "headlines": [{"role": "main", "value": "A headline"}],
    "bodies": [{"role": "main", "contentType": "text/plain", "value": "A paragraph."}],
}


# --- The samples are real ninjs 3 ------------------------------------------------------------


@pytest.mark.parametrize("path", OWN_NINJS_3, ids=[p.name for p in OWN_NINJS_3])
def test_the_samples_are_valid_ninjs_3(path):
    assert list(validator(3).iter_errors(json.loads(path.read_bytes()))) == []


# --- Events and planning items are refused, saying what they are -----------------------------


def test_a_ninjs_3_event_item_is_not_an_article():
    # camelCase throughout, labelled "2.2" by the agency's own profile (as TT's are), with a
    # headline and a body: read as ninjs 3 (not "not valid ninjs 2.x: ... 'contentType' was
    # unexpected"), and refused as an event rather than imported as a story.
    assert refusal(read("ninjs3-event.json")) == "a ninjs 3 event item, not an article"


def test_a_ninjs_3_event_item_without_type_or_version_is_known_by_its_event_details():
    assert refusal(read("ninjs3-event-untyped.json")) == "a ninjs 3 event item, not an article"


def test_a_ninjs_3_planning_item_is_not_an_article():
    assert refusal(read("ninjs3-planning.json")) == "a ninjs 3 planning item, not an article"


def test_a_planning_item_without_type_is_known_by_its_planned_coverage():
    item = {**TEXT_3, "plannedCoverage": [{"title": "Story after the vote", "type": "text"}]}
    assert refusal(as_bytes(item)) == "a ninjs 3 planning item, not an article"


@pytest.mark.parametrize("kind", ["picture", "graphic", "video", "audio"])
def test_media_items_are_not_articles(kind):
    assert refusal(as_bytes({**TEXT_3, "type": kind})) == f"a ninjs 3 {kind} item, not an article"


@pytest.mark.parametrize("kind", ["composite", "component"])
def test_a_package_without_text_is_not_an_article(kind):
    item = {key: value for key, value in TEXT_3.items() if key != "bodies"}
    assert refusal(as_bytes({**item, "type": kind})) == (
        f"a ninjs 3 {kind} item without text, not an article"
    )


def test_a_composite_with_a_text_body_is_read_as_an_article():
    record = parse(as_bytes({**TEXT_3, "type": "composite"}))
    assert (record.headline, record.blocks) == ("A headline", (Block("paragraph", "A paragraph."),))


def test_a_ninjs_2_picture_item_is_refused_the_same_way():
    item = {
        "uri": "http://api.example.org/content/picture-1",
        "type": "picture",
        "version": "0",
        "firstcreated": "2019-11-15T13:39:59Z",
        "pubstatus": "usable",
        "headlines": [{"role": "main", "value": "Border crossing"}],
        "descriptions": [{"role": "caption", "value": "A man at the border gate."}],
        "renditions": [{"name": "main", "href": "https://images.example.org/1.jpg"}],
    }
    assert refusal(as_bytes(item)) == "a ninjs 2 picture item, not an article"


# --- Text items ------------------------------------------------------------------------------


def test_a_camel_case_text_item_labelled_2_2_imports_as_ninjs_3_with_a_warning():
    record = parse(read("ninjs3-text-declared-2.json"))

    assert (record.headline, record.version, record.pubstatus, record.published_at) == (
        "Council doubles flood defence budget",
        2,
        "usable",
        "2025-06-03T10:41:00+00:00",
    )
    assert record.blocks == (
        Block("paragraph", "The council will spend twice as much on flood defences next year."),
        Block("paragraph", "The vote is on Thursday."),
    )
    assert record.agency.name == "Example Wire"
    assert record.wire_metadata == {"urgency": 3, "ninjs": "3.x"}
    assert record.warnings == (
        "the item says it is ninjs 2.2 but has ninjs 3 properties (contentType, "
        "copyrightHolder, firstCreated...): read as ninjs 3",
    )


def test_the_existing_ninjs_3_text_sample_still_imports_without_warnings():
    record = parse(read("ninjs-3.json"))
    assert (record.headline, record.wire_metadata["ninjs"], record.warnings) == (
        "Council approves new cycle lanes",
        "3.x",
        (),
    )


def test_a_json_schema_reference_gives_the_version_and_is_not_an_unknown_field():
    item = {
        "$schema": "https://www.iptc.org/std/ninjs/ninjs-schema_3.1.json",
        "uri": "urn:newsml:wire.example.org:2025:schema-ref",
        "headlines": [{"value": "Declared by its schema"}],
        "bodies": [{"value": "Nothing camelCase in here."}],
    }
    record = parse(as_bytes(item))
    assert (record.headline, record.wire_metadata, record.warnings) == (
        "Declared by its schema",
        {"ninjs": "3.x"},
        (),
    )


# --- Version detection -----------------------------------------------------------------------

DETECTED = {
    "declared 3": ({"uri": "u", "standard": {"name": "ninjs", "version": "3.0"}}, 3),
    "declared 2": ({"uri": "u", "standard": {"name": "ninjs", "version": "2.1"}}, 2),
    "$standard 1": ({"uri": "u", "$standard": {"name": "ninjs", "version": "1.6"}}, 1),
    "$schema 2": (
        {"uri": "u", "$schema": "http://www.iptc.org/std/ninjs/ninjs-schema_2.2.json"},
        2,
    ),
    "standard.schema 3": (
        {
            "uri": "u",
            "standard": {"schema": "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json#"},
        },
        3,
    ),
    "camelCase top level": ({"uri": "u", "versionCreated": "2025-01-01T00:00:00Z"}, 3),
    "camelCase nested only": ({"uri": "u", "bodies": [{"contentType": "text/plain"}]}, 3),
    "event type only": ({"uri": "u", "type": "event"}, 3),
    "eventDetails only": ({"uri": "u", "eventDetails": {}}, 3),
    "lower case 2.x": ({"uri": "u", "bodies": [{"contenttype": "text/plain"}]}, 2),
    "2.x arrays": ({"uri": "u", "headlines": [{"value": "h"}]}, 2),
    "1.x strings": ({"uri": "u", "headline": "h", "body_text": "b"}, 1),
    "camelCase declared 2.2": (
        {"uri": "u", "standard": {"version": "2.2"}, "pubStatus": "usable"},
        3,
    ),
    "lower case declared 3.0": (
        {"uri": "u", "standard": {"version": "3.0"}, "pubstatus": "usable", "headlines": []},
        2,
    ),
    "mixed, declared decides": (
        {"uri": "u", "standard": {"version": "2.2"}, "pubstatus": "u", "copyrightHolder": "x"},
        2,
    ),
}


@pytest.mark.parametrize(("item", "major"), DETECTED.values(), ids=DETECTED.keys())
def test_the_version_is_told_by_the_properties_and_the_declaration(item, major):
    assert ninjs_major(item, []) == major


def test_properties_that_contradict_the_declared_version_are_named_in_a_warning():
    warnings = []
    item = {"uri": "u", "standard": {"version": "3.0"}, "pubstatus": "usable", "headlines": []}
    ninjs_major(item, warnings)
    assert warnings == [
        "the item says it is ninjs 3.0 but has ninjs 1.x/2.x properties (pubstatus): "
        "read as ninjs 2"
    ]


def test_a_declared_version_outside_1_to_3_is_still_refused():
    assert refusal(
        b'{"uri": "u", "$schema": "https://www.iptc.org/std/ninjs/ninjs-schema_4.0.json"}'
    ) == ("not ninjs: unknown ninjs version '4.0'")


# --- Through the ingest command --------------------------------------------------------------


@pytest.mark.django_db
def test_the_ingest_command_names_the_file_and_the_kind_and_keeps_the_failed_input():
    path = WIRE / "ninjs3-event.json"
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError) as error:
        call_command("ingest", str(path), stdout=out, stderr=err)

    assert str(error.value) == "1 of 1 files failed"
    assert (out.getvalue(), err.getvalue()) == (
        "",
        f"error: {path}: a ninjs 3 event item, not an article\n",
    )
    record = IngestRecord.objects.get()
    assert (record.outcome, record.message, record.filename, record.format) == (
        "failed",
        "a ninjs 3 event item, not an article",
        str(path),
        "ninjs",
    )
    assert bytes(record.raw) == path.read_bytes()
    assert not any(model.objects.exists() for model in (Agency, Author, Article, Caption))
