"""Specification of importing wire formats through the one writer, on a real database:
identity per agency, numeric versions (updated / unchanged / skipped (stale)), cancellation
(withdrawn, 410, never deleted), editors' changes held, possible duplicates across formats,
times in UTC, sanitiser warnings, broken and hostile files (nothing written), no network."""

import hashlib
import json
import socket
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from articles.ingest.capture import parse_capture
from articles.ingest.writer import ingest
from articles.models import Agency, Article, Author, Caption, IngestRecord, PendingUpdate
from tests.helpers.paths import WIRE
from tests.helpers.wire import read, run

SLUG = "kerry-lavrov-rapport-smoothed-path-to-syria-deal"
URL = f"/articles/{SLUG}/"
NINJS_URI = "http://example.com/wire/2013/09/16/kerry-lavrov"
KOREAN = "터키 접경 마을 수루크에서 촬영한 시리아 도시 코바니."
BODY = (
    "GENEVA (Reuters) - The *rapport*, built over months, made the deal. Read "
    "[the background](<https://example.com/background>) or "
    "[write to us](<mailto:desk@example.com>).\n\n"
    "## Moving beyond the 'reset'\n\n"
    "Just 10 days ago, Putin wrote in the **New York Times**.\n"
)

pytestmark = pytest.mark.django_db


def content_rows():
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (Agency, Author, Article, Caption, PendingUpdate)
    }


def test_ninjs_creates_the_article_with_every_mapped_field():
    result = run("ninjs-2-v1.json")

    assert result.line() == f"created {URL}"
    article = Article.objects.get()
    assert (article.headline, article.slug, article.standfirst, article.language) == (
        "Kerry-Lavrov Rapport Smoothed Path to Syria Deal",
        SLUG,
        "Two ministers who trust each other.",
        "en",
    )
    assert article.body == BODY
    assert (article.agency.name, article.external_id, article.external_version) == (
        "Reuters",
        NINJS_URI,
        978556838,
    )
    assert [a.name for a in article.authors.order_by("name")] == ["Jane Doe", "John Roe"]
    # Aware UTC, from "+01:00" and ".000Z".
    assert article.published_at == datetime(2013, 9, 16, 6, 30, tzinfo=UTC)
    assert article.source_updated_at == datetime(2013, 9, 16, 8, 5, tzinfo=UTC)
    assert article.status == Article.Status.DRAFT
    assert (article.slugline, article.source_format) == ("SYRIA-CHEMICAL/", "ninjs")
    assert article.wire_metadata["usageterms"] == "No resale."
    caption = article.captions.get()
    assert (
        caption.text,
        caption.alt_text,
        caption.language,
        caption.credit,
        caption.image_url,
        caption.is_lead,
        bool(caption.image),
    ) == (
        KOREAN,
        "Smoke over the rooftops of a town at dusk",
        "ko",
        "Reuters/Jane Doe",
        "https://images.example.com/kobani.jpg",
        True,
        False,  # the URL is stored; nothing is downloaded
    )
    record = IngestRecord.objects.get()
    assert (record.format, record.outcome, bytes(record.raw)) == (
        "ninjs",
        "created",
        read("ninjs-2-v1.json"),
    )


@pytest.mark.parametrize(
    ("name", "fmt", "slug"),
    [
        ("ninjs-1.json", "ninjs", "harbour-reopens-after-storm"),
        ("ninjs-3.json", "ninjs", "council-approves-new-cycle-lanes"),
        ("newsml-g2.xml", "newsml-g2", "kurdish-fighters-hold-kobani-as-air-strikes-continue"),
        ("newsml-g2-package-nitf.xml", "newsml-g2", "cafe-de-la-gare-rouvre"),
        ("webpage.html", "html", SLUG),
    ],
)
def test_every_format_imports_once_and_then_is_unchanged(name, fmt, slug):
    first = run(name)
    again = run(name)

    # The package's picture has a file: URL, the page an onmouseover: the sanitiser drops them.
    warnings = "; imported with 1 sanitiser warning" if fmt == "html" or "package" in name else ""
    assert (first.line(), first.format) == (f"created /articles/{slug}/{warnings}", fmt)
    assert again.line() == f"unchanged /articles/{slug}/"
    assert Article.objects.count() == 1
    assert list(IngestRecord.objects.order_by("id").values_list("format", "outcome")) == [
        (fmt, "created"),
        (fmt, "unchanged"),
    ]


def test_a_higher_version_updates_in_place_and_keeps_the_previous_in_history():
    run("ninjs-2-v1.json")
    article = Article.objects.get()
    caption_pk = article.captions.get().pk

    # 1542761538 > 978556838 as numbers (as strings "1542761538" < "978556838").
    result = run("ninjs-2-v2.json")

    assert result.line() == f"updated {URL}"
    article.refresh_from_db()
    assert article.headline == "CORRECTED-Kerry-Lavrov Rapport Smoothed Path to Syria Deal"
    assert (article.slug, article.external_version) == (SLUG, 1542761538)
    assert article.source_updated_at == datetime(2013, 9, 16, 8, 15, tzinfo=UTC)
    assert article.wire_metadata["ednote"] == "Corrects the headline."
    assert list(article.captions.values_list("pk", flat=True)) == [caption_pk]
    assert list(article.history.order_by("history_id").values_list("headline", flat=True)) == [
        "Kerry-Lavrov Rapport Smoothed Path to Syria Deal",
        "CORRECTED-Kerry-Lavrov Rapport Smoothed Path to Syria Deal",
    ]


def test_a_lower_version_is_skipped_as_stale():
    run("ninjs-2-v1.json")
    run("ninjs-2-v2.json")
    before = content_rows()

    result = run("ninjs-2-v1.json")

    assert result.line() == f"skipped (stale) {URL}"
    assert content_rows() == before
    record = IngestRecord.objects.latest("id")
    assert (record.outcome, record.message) == (
        "stale",
        "skipped (stale): version 978556838 is older than the imported 1542761538",
    )


def test_newsml_versions_compare_as_numbers_too():
    run("newsml-g2.xml")
    slug = "kurdish-fighters-hold-kobani-as-air-strikes-continue"

    assert run("newsml-g2-v2.xml").line() == f"updated /articles/{slug}/"
    assert run("newsml-g2.xml").line() == f"skipped (stale) /articles/{slug}/"
    assert Article.objects.get().headline == "Kurdish fighters hold Kobani as air strikes go on"


def test_the_same_identifier_and_version_in_another_format_is_unchanged():
    ninjs = {
        "uri": "tag:example.com,2014:newsml_L1N14N0FF",
        "version": "978556838",
        "headlines": [{"role": "main", "value": "Kurdish fighters hold Kobani"}],
        "bodies": [{"role": "main", "contenttype": "text/plain", "value": "Fighting."}],
        "infosources": [{"name": "Reuters"}],
    }
    run("kobani.json", json.dumps(ninjs).encode())

    result = run("newsml-g2.xml")

    assert result.line() == "unchanged /articles/kurdish-fighters-hold-kobani/"
    assert Article.objects.get().headline == "Kurdish fighters hold Kobani"
    assert IngestRecord.objects.latest("id").message == (
        "version 978556838 again with other content: not applied (the agency should send a "
        "new version)"
    )


def test_canceled_withdraws_the_article_which_answers_410_and_is_kept(client):
    run("ninjs-2-v1.json", publish=True)
    assert client.get(URL).status_code == 200

    result = run("ninjs-2-canceled.json")

    assert result.line() == f"withdrawn {URL}"
    article = Article.objects.get()
    assert (article.status, article.external_version) == ("withdrawn", 1600000000)
    assert article.headline == "Kerry-Lavrov Rapport Smoothed Path to Syria Deal"
    assert client.get(URL).status_code == 410
    # Withdrawn once: a repeat changes nothing, and a later import never republishes it.
    assert run("ninjs-2-canceled.json").line() == f"unchanged {URL}"


def test_newsml_canceled_withdraws_too(client):
    run("newsml-g2.xml", publish=True)
    slug = "kurdish-fighters-hold-kobani-as-air-strikes-continue"

    assert run("newsml-g2-canceled.xml").line() == f"withdrawn /articles/{slug}/"
    assert client.get(f"/articles/{slug}/").status_code == 410
    assert Article.objects.get().status == "withdrawn"


def test_a_cancellation_of_a_story_never_imported_is_skipped():
    result = run("ninjs-2-canceled.json")

    assert result.line() == f"skipped {NINJS_URI}: canceled by the agency and never imported here"
    assert Article.objects.count() == 0
    assert IngestRecord.objects.get().outcome == "skipped"


def test_an_update_never_overwrites_an_editors_change():
    run("ninjs-2-v1.json")
    article = Article.objects.get()
    article.standfirst = "An editor's standfirst."
    article.save()

    result = run("ninjs-2-v2.json")

    assert result.line() == f"held {URL}"
    article.refresh_from_db()
    assert (article.headline, article.standfirst, article.needs_review) == (
        "Kerry-Lavrov Rapport Smoothed Path to Syria Deal",
        "An editor's standfirst.",
        True,
    )
    pending = PendingUpdate.objects.get()
    assert (
        pending.record["headline"] == "CORRECTED-Kerry-Lavrov Rapport Smoothed Path to Syria Deal"
    )
    assert pending.record["version"] == 1542761538


def test_the_same_story_in_two_formats_is_flagged_as_a_possible_duplicate_not_merged():
    run("ninjs-2-v1.json")

    result = run("webpage.html")

    assert result.line() == (
        f"created /articles/{SLUG}-2/; imported with 1 sanitiser warning; possible duplicate of {URL}"
    )
    first, second = Article.objects.order_by("pk")
    assert second.possible_duplicate_of == first
    assert first.possible_duplicate_of is None
    assert IngestRecord.objects.latest("id").message == (
        f"possible duplicate of {URL}: same headline and agency, another identifier; not merged"
    )


def test_sanitiser_warnings_are_counted_in_the_output_and_kept():
    result = run("hostile-body.json")

    assert (
        result.line()
        == "created /articles/markup-in-the-headline/; imported with 17 sanitiser warnings"
    )
    article = Article.objects.get()
    assert article.body == (
        "Safe *text* stays, with a bad link and [a good one](<https://example.com/ok>).\n\n"
        "data link ends here.\n\n"
        "Last paragraph.\n"
    )
    assert "<script" not in article.body_html() and "javascript" not in article.body_html()
    assert len(IngestRecord.objects.get().warnings) == 17


def test_withheld_is_never_published():
    item = json.loads(read("ninjs-3.json"))
    item["pubStatus"] = "withheld"

    run("withheld.json", json.dumps(item).encode(), publish=True)

    article = Article.objects.get()
    assert (article.status, article.published_at) == (
        "draft",
        datetime(2025, 5, 20, 13, 0, tzinfo=UTC),
    )


BROKEN = {
    "empty.json": "empty file",
    "truncated.json": (
        "invalid or truncated JSON: Unterminated string starting at (line 3, column 43)"
    ),
    "not-ninjs.json": "not ninjs: the JSON is an array, not an object",
    "invalid-utf8.json": "not UTF-8: invalid byte 0xe9 at byte offset 107",
    "invalid-utf8.xml": "not UTF-8: invalid byte 0xe9 at byte offset 153",
    "not-newsml.xml": "not NewsML-G2: the root element is <rss>",
    "truncated.xml": "not well-formed XML: no element found at line 2, column 115",
    "xxe.xml": (
        "refused: the XML has a DOCTYPE (document type declarations and entities are not "
        "accepted, so nothing was expanded or read)"
    ),
    "billion-laughs.xml": (
        "refused: the XML has a DOCTYPE (document type declarations and entities are not "
        "accepted, so nothing was expanded or read)"
    ),
}


@pytest.mark.parametrize(("name", "reason"), BROKEN.items(), ids=BROKEN.keys())
def test_broken_and_hostile_files_fail_with_a_reason_and_write_nothing(name, reason):
    before = content_rows()

    result = run(name)

    assert (result.failed, result.error) == (True, reason)
    assert content_rows() == before
    record = IngestRecord.objects.get()
    assert (record.outcome, record.message, bytes(record.raw)) == ("failed", reason, read(name))


def test_the_command_imports_the_good_files_and_names_each_bad_one(tmp_path):
    names = ["ninjs-2-v1.json", "xxe.xml", "newsml-g2.xml", "truncated.json", "webpage.html"]
    stdout, stderr = StringIO(), StringIO()

    with pytest.raises(CommandError):
        call_command("ingest", *(str(WIRE / n) for n in names), stdout=stdout, stderr=stderr)

    assert stdout.getvalue().splitlines() == [
        f"created {URL}",
        "created /articles/kurdish-fighters-hold-kobani-as-air-strikes-continue/",
        f"created /articles/{SLUG}-2/; imported with 1 sanitiser warning; possible duplicate of {URL}",
    ]
    errors = [line for line in stderr.getvalue().splitlines() if line.startswith("error: ")]
    assert errors == [
        f"error: {WIRE / 'xxe.xml'}: {BROKEN['xxe.xml']}",
        f"error: {WIRE / 'truncated.json'}: {BROKEN['truncated.json']}",
    ]
    assert "root:" not in stderr.getvalue()


def test_the_command_format_option_forces_a_parser():
    stdout, stderr = StringIO(), StringIO()

    with pytest.raises(CommandError):
        call_command(
            "ingest",
            str(WIRE / "ninjs-3.json"),
            "--format",
            "capture",
            stdout=stdout,
            stderr=stderr,
        )

    assert stderr.getvalue().splitlines()[0] == (
        f"error: {WIRE / 'ninjs-3.json'}: does not look like an article: starts like JSON"
    )


def test_nothing_is_fetched_from_the_network_during_an_import(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access during an import")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)

    results = [
        run(name)
        for name in ("ninjs-2-v1.json", "newsml-g2.xml", "webpage.html", "ninjs-1.json", "xxe.xml")
    ]

    assert [r.outcome for r in results] == ["created", "created", "created", "created", "failed"]
    assert Caption.objects.filter(image="").count() == 4


def test_a_capture_imported_before_wire_formats_keeps_its_checksum(sample_bytes):
    """The checksum of a capture is computed as before the wire fields existed, so that
    re-importing a capture already in the database is still "unchanged"."""
    ingest(sample_bytes, filename="kerry-lavrov.txt", channel="command")
    article = Article.objects.get()
    record = parse_capture(sample_bytes)
    legacy = {
        "headline": record.headline,
        "blocks": [{"kind": b.kind, "text": b.text} for b in record.blocks],
        "language": record.language,
        "standfirst": record.standfirst,
        "captions": [
            {"text": c.text, "alt_text": c.alt_text, "language": c.language, "credit": c.credit}
            for c in record.captions
        ],
        "agency": {"name": record.agency.name, "description": record.agency.description},
        "authors": [],
        "source_url": "",
        "external_id": "",
        "version": None,
    }
    canonical = json.dumps(legacy, sort_keys=True, ensure_ascii=False)

    assert article.source_checksum == hashlib.sha256(canonical.encode()).hexdigest()


def test_agencies_are_matched_whatever_the_case(agency):
    item = json.loads(read("ninjs-3.json"))
    item["infoSources"] = [{"name": "REUTERS"}]

    run("upper.json", json.dumps(item).encode())

    assert Article.objects.get().agency == agency
    assert Agency.objects.count() == 1


def test_an_embargo_becomes_a_scheduled_publication():
    item = json.loads(read("ninjs-3.json"))
    item["embargoedUntil"] = "2999-01-01T08:00:00+01:00"

    run("embargo.json", json.dumps(item).encode(), publish=True)

    article = Article.objects.get()
    assert (article.status, article.published_at) == (
        "published",
        datetime(2999, 1, 1, 7, 0, tzinfo=UTC),
    )
    assert not article.is_published()


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_existing_imported_articles_and_their_keys():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    before = [("articles", "0004_ingest_outcome_held")]
    after = executor.loader.graph.leaf_nodes("articles")  # 0005_wire_formats or later
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    agency = old.get_model("articles", "Agency").objects.create(name="Reuters", slug="reuters")
    old.get_model("articles", "Article").objects.create(
        headline="Old import", slug="old-import", body="Text.\n", agency=agency,
        external_id="old-import", source_checksum="0" * 64,
    )  # fmt: skip
    old.get_model("articles", "Article").objects.create(
        headline="Typed by hand", slug="typed", body="Text.\n"
    )

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    rows = new.get_model("articles", "Article").objects.order_by("slug")

    assert list(rows.values_list("slug", "external_id", "source_format", "wire_metadata")) == [
        ("old-import", "old-import", "capture", {}),
        ("typed", "", "", {}),
    ]
    # The natural key still holds: the same agency and identifier cannot be added twice. (It
    # is compared through the identifier's SHA-256, which migration 0006 fills in for the
    # rows it finds and Article.save() derives; a migration's model has no save() of ours.)
    key = hashlib.sha256(b"old-import").hexdigest()
    assert list(rows.values_list("external_key", flat=True)) == [key, ""]
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.create(
            headline="Again", slug="again", body="x", agency_id=agency.pk,
            external_id="old-import", external_key=key,
        )  # fmt: skip


def test_the_command_reports_a_skipped_cancellation_even_verbosely():
    stdout = StringIO()

    call_command("ingest", str(WIRE / "ninjs-2-canceled.json"), verbosity=2, stdout=stdout)

    assert stdout.getvalue().splitlines() == [
        f"skipped {NINJS_URI}: canceled by the agency and never imported here",
        f"  {WIRE / 'ninjs-2-canceled.json'}: canceled by the agency and never imported here",
    ]
