"""One bad character fails its file, never the batch (a finding of the security probe).

A NUL (PostgreSQL refuses it in any text) or a lone surrogate (not text at all: it cannot be
encoded as UTF-8 on either database) in an agency item used to stop `manage.py ingest` with a
traceback, no summary and no ingest record, and the admin's Import preview answered 500. Now
the file fails with the reason naming where the character is, its raw bytes are kept in the
failed ingest record, and the rest of the batch goes on. Run on both databases.
"""

import json
import os
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from articles.ingest.storable import check_storable, storable_filename, unstorable
from articles.ingest.writer import ingest
from articles.models import Article, IngestRecord
from tests.helpers.importing import IMPORT_URL
from tests.helpers.paths import WIRE


def ninjs_with(change, uri_suffix=""):
    """ninjs-2-v1.json with one change made to it, as bytes (JSON escapes kept as escapes)."""
    item = json.loads((WIRE / "ninjs-2-v1.json").read_bytes())
    item["uri"] += uri_suffix
    change(item)
    return json.dumps(item).encode()


BAD = {
    "nul-in-slugline": (
        lambda item: item.update(slugline="SYRIA\x00"),
        "cannot be stored: a NUL character (U+0000) in the slugline",
    ),
    "surrogate-in-located": (
        lambda item: item.update(located="Gen\ud800eva"),
        "cannot be stored: a lone surrogate (U+D800, not text) in the wire metadata 'located'",
    ),
    "surrogate-in-byline": (
        lambda item: item.update(by="By Jane \udfffDoe/Reuters"),
        "cannot be stored: a lone surrogate (U+DFFF, not text) in the authors[0]",
    ),
    "surrogate-in-headline": (
        lambda item: item["headlines"][1].update(value="Kerry-Lavrov \ud83d Deal"),
        "cannot be stored: a lone surrogate (U+D83D, not text) in the headline",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "reason"), BAD.values(), ids=BAD.keys())
def test_an_unstorable_character_fails_the_file_with_the_reason(change, reason):
    data = ninjs_with(change)

    result = ingest(data, filename="bad.json", channel="command")

    assert (result.outcome, result.error) == ("failed", reason)
    assert not Article.objects.exists()
    record = IngestRecord.objects.get()
    assert (record.outcome, record.message, bytes(record.raw)) == ("failed", reason, data)


@pytest.mark.django_db
def test_the_rest_of_the_batch_goes_on_and_the_summary_is_printed(tmp_path):
    (tmp_path / "1-good.json").write_bytes(ninjs_with(lambda item: None, "-good"))
    (tmp_path / "2-nul.json").write_bytes(ninjs_with(BAD["nul-in-slugline"][0], "-nul"))
    (tmp_path / "3-surrogate.json").write_bytes(
        ninjs_with(BAD["surrogate-in-located"][0], "-surrogate")
    )
    (tmp_path / "4-good.json").write_bytes(
        ninjs_with(lambda item: item["headlines"][1].update(value="Another story"), "-other")
    )
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError, match=r"^2 of 4 files failed$"):
        call_command("ingest", str(tmp_path), stdout=out, stderr=err)

    assert err.getvalue().splitlines() == [
        f"error: {tmp_path / '2-nul.json'}: {BAD['nul-in-slugline'][1]}",
        f"error: {tmp_path / '3-surrogate.json'}: {BAD['surrogate-in-located'][1]}",
    ]
    assert out.getvalue().splitlines()[-1] == (
        "summary: 4 files: 2 created, 0 updated, 0 unchanged, 0 held, 0 stale, "
        "0 withdrawn, 0 skipped, 2 failed"
    )
    assert Article.objects.count() == 2
    assert sorted(IngestRecord.objects.values_list("outcome", flat=True)) == [
        "created",
        "created",
        "failed",
        "failed",
    ]


@pytest.mark.django_db
def test_a_file_name_that_is_not_utf8_is_recorded_escaped(tmp_path):
    name = os.fsdecode(b"agency-\xff.json")
    (tmp_path / name).write_bytes(ninjs_with(lambda item: None))

    call_command("ingest", str(tmp_path), stdout=StringIO(), stderr=StringIO())

    record = IngestRecord.objects.get()
    assert (record.outcome, record.filename) == ("created", f"{tmp_path}/agency-\\xff.json")


@pytest.mark.django_db
def test_the_admin_import_preview_reports_it_instead_of_a_500(editor_client):
    data = ninjs_with(BAD["surrogate-in-located"][0])

    response = editor_client.post(IMPORT_URL, {"file": SimpleUploadedFile("bad.json", data)})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        f"bad.json: {BAD['surrogate-in-located'][1]}"
    ]
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("fine text, ünïcödé, 한국어", None),
        ("a\x00b", "a NUL character (U+0000)"),
        ("\ud800", "a lone surrogate (U+D800, not text)"),
        ("\U0001f600 is a pair, not a lone surrogate", None),
    ],
)
def test_unstorable(text, problem):
    assert unstorable(text) == problem


def test_a_key_of_the_wire_metadata_is_checked_too():
    from articles.ingest.records import ArticleRecord, IngestError

    record = ArticleRecord(headline="H", blocks=(), wire_metadata={"a\x00": "x"})
    with pytest.raises(IngestError, match=r"^cannot be stored: a NUL character \(U\+0000\) in "):
        check_storable(record)


def test_storable_filename():
    assert storable_filename(os.fsdecode(b"caf\xc3\xa9-\xff\x00.txt")) == "café-\\xff\\x00.txt"
