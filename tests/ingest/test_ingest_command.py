"""Specification of `python manage.py ingest PATH [PATH ...] [--publish] [--dry-run]`.

Most tests call the command in-process (call_command, on pytest-django's test database).
The command line itself (exit status, "CommandError: ..." on stderr) is tested by running
manage.py in a subprocess against its own freshly migrated SQLite file: pytest-django's
SQLite test database lives in memory, where another process cannot see it, and this way
the same test runs unchanged on either backend.
"""

import getpass
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from io import StringIO

import pytest
from django.core.management import call_command

from articles.models import Agency, Article, Author, Caption, IngestRecord
from tests.helpers.ingest import MARKUP, MARKUP_URL, ingest
from tests.helpers.paths import ROOT
from tests.helpers.sample import SAMPLE, SAMPLE_SLUG

URL = f"/articles/{SAMPLE_SLUG}/"


def no_content_rows():
    return not any(m.objects.exists() for m in (Agency, Author, Article, Caption))


# --- One good file ------------------------------------------------------------------------


@pytest.mark.django_db
def test_prints_created_and_the_url_path():
    assert ingest(SAMPLE) == (f"created {URL}\n", "", None)
    assert Article.objects.get().status == "draft"


@pytest.mark.django_db
def test_reimport_prints_unchanged_and_logs_it():
    ingest(SAMPLE)
    assert ingest(SAMPLE) == (f"unchanged {URL}\n", "", None)
    assert Article.objects.count() == 1
    assert list(IngestRecord.objects.order_by("pk").values_list("outcome", "channel")) == [
        ("created", "command"),
        ("unchanged", "command"),
    ]


@pytest.mark.django_db
def test_publish_creates_a_published_article():
    assert ingest(SAMPLE, "--publish") == (f"created {URL}\n", "", None)
    assert Article.objects.get().is_published()


@pytest.mark.django_db
def test_publish_on_reimport_of_an_unchanged_draft_prints_updated():
    ingest(SAMPLE)
    assert ingest(SAMPLE, "--publish") == (f"updated {URL}\n", "", None)
    assert Article.objects.get().status == "published"


@pytest.mark.django_db
def test_verbose_output_adds_the_file_and_headline():
    out, _, _ = ingest(SAMPLE, "--verbosity=2")
    assert out == (f"created {URL}\n  {SAMPLE}: Kerry-Lavrov Rapport Smoothed Path to Syria Deal\n")


# --- Dry run ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_dry_run_prints_what_would_happen_and_writes_nothing():
    assert ingest(SAMPLE, "--dry-run") == (
        f"created {URL}\n",
        "dry run: nothing was written\n",
        None,
    )
    assert no_content_rows()
    assert not IngestRecord.objects.exists()


@pytest.mark.django_db
def test_dry_run_of_an_imported_unchanged_file_prints_unchanged():
    ingest(SAMPLE)
    out, _, error = ingest(SAMPLE, "--dry-run")
    assert (out, error) == (f"unchanged {URL}\n", None)
    assert IngestRecord.objects.count() == 1


# --- Bad input ----------------------------------------------------------------------------

BAD_INPUT = {
    "empty": (b"", "empty file"),
    "whitespace-only": (b"  \n\t\n \r\n", "empty file"),
    "latin-1": (
        "Café society\n\nLa vie à Paris.\n".encode("latin-1"),
        "not UTF-8: invalid byte 0xe9 at position 3",
    ),
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", "binary file, not text"),
    "nul-bytes": (b"Headline\n\nA body\x00paragraph.\n", "binary file, not text"),
    "furniture-only": (
        b"Accessibility links\n\nBreaking News\n  \xe2\x80\xa2 16x9 Image\n\nXS\nSM\nMD\nLG\n",
        "no headline: only page furniture",
    ),
    "json": (
        b'{"headline": "Kerry-Lavrov", "body": "The deal..."}\n',
        # JSON is read as ninjs now (tests/ingest/test_wire_parsers.py): this is not ninjs.
        "not ninjs: a JSON object without the required 'uri'",
    ),
    "html": (
        b"<!DOCTYPE html>\n<html><body><h1>Kerry-Lavrov</h1></body></html>\n",
        # HTML is read as a saved web page now (tests/ingest/test_wire_parsers.py).
        "not an article: the page has no article text",
    ),
    "headline-without-body": (
        b"Breaking News\n\nKerry-Lavrov Rapport Smoothed Path to Syria Deal\n\n    Reuters\n",
        "does not look like an article: a headline but no body paragraph",
    ),
    # The seed page without its headline: the caption pair is never taken for one.
    "no-headline-caption-first": (
        SAMPLE.read_bytes().replace(b"Kerry-Lavrov Rapport Smoothed Path to Syria Deal\n", b""),
        "no headline: the first text is the photo caption",
    ),
    "headline-repeated": (
        SAMPLE.read_bytes().replace(
            b"Kerry-Lavrov Rapport Smoothed Path to Syria Deal\n",
            b"Kerry-Lavrov Rapport Smoothed Path to Syria Deal\n" * 2,
        ),
        "ambiguous headline: the first text is repeated",
    ),
    "headline-without-letters": (
        b"* * *\n\nA body paragraph.\n\n    Reuters\n",
        "does not look like an article: the headline has no letters or digits",
    ),
    "alt-text-too-long": (
        ("Headline\n\n" + "터키 " * 200 + "\n코바니\nA body paragraph.\n\n    Reuters\n").encode(),
        "cannot be saved: alt_text: Ensure this value has at most 500 characters (it has 599).",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "reason"), BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_is_reported_writes_no_content_and_is_kept_as_failed(tmp_path, data, reason):
    path = tmp_path / "input.txt"
    path.write_bytes(data)

    assert ingest(path) == ("", f"error: {path}: {reason}\n", "1 of 1 files failed")

    assert no_content_rows()
    record = IngestRecord.objects.get()
    assert (record.outcome, record.message, record.filename) == ("failed", reason, str(path))
    assert bytes(record.raw) == data


@pytest.mark.django_db
def test_one_bad_file_among_good_ones_fails_the_command_after_importing_the_rest(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")

    assert ingest(SAMPLE, empty, MARKUP) == (
        f"created {URL}\ncreated {MARKUP_URL}\n",
        f"error: {empty}: empty file\n",
        "1 of 3 files failed",
    )
    assert Article.objects.count() == 2
    assert sorted(IngestRecord.objects.values_list("outcome", flat=True)) == [
        "created",
        "created",
        "failed",
    ]


@pytest.mark.django_db
def test_a_missing_path_is_reported_and_fails_the_command(tmp_path):
    missing = tmp_path / "missing.txt"

    assert ingest(missing, SAMPLE) == (
        f"created {URL}\n",
        f"error: {missing}: cannot read: No such file or directory\n",
        "1 of 2 files failed",
    )
    assert IngestRecord.objects.get().outcome == "created"


# --- The real command line ----------------------------------------------------------------


@pytest.fixture(scope="module")
def migrated_database(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "template.sqlite3"
    manage(path, "migrate", "--verbosity=0").check_returncode()
    return path


@pytest.fixture
def cli_database(migrated_database, tmp_path):
    """A fresh copy of a migrated SQLite database for the subprocess."""
    path = tmp_path / "newsroom.sqlite3"
    shutil.copyfile(migrated_database, path)
    return path


def manage(database, *args):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "SECRET_KEY": "subprocess-test-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DATABASE_URL": f"sqlite:///{database}",
        "DEBUG": "false",
    }
    command = [sys.executable, "manage.py", *map(str, args)]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)


def rows(database, sql):
    with closing(sqlite3.connect(database)) as db:
        return db.execute(sql).fetchall()


def test_command_line_exits_zero_and_prints_one_line_per_article(cli_database):
    first = manage(cli_database, "ingest", SAMPLE)
    assert (first.returncode, first.stdout, first.stderr) == (0, f"created {URL}\n", "")

    again = manage(cli_database, "ingest", SAMPLE)
    assert (again.returncode, again.stdout, again.stderr) == (0, f"unchanged {URL}\n", "")

    assert rows(cli_database, "SELECT headline, status FROM articles_article") == [
        ("Kerry-Lavrov Rapport Smoothed Path to Syria Deal", "draft")
    ]


def test_command_line_exits_non_zero_when_a_file_fails(cli_database, tmp_path):
    html = tmp_path / "page.html"
    html.write_bytes(b"<html></html>\n")

    result = manage(cli_database, "ingest", SAMPLE, html, tmp_path / "missing.txt")

    assert result.returncode == 1
    assert result.stdout == f"created {URL}\n"
    assert result.stderr == (
        f"error: {html}: not an article: the page has no headline\n"
        f"error: {tmp_path / 'missing.txt'}: cannot read: No such file or directory\n"
        "CommandError: 2 of 3 files failed\n"
    )
    assert rows(cli_database, "SELECT outcome, raw FROM articles_ingestrecord ORDER BY id") == [
        ("created", SAMPLE.read_bytes()),
        ("failed", b"<html></html>\n"),
    ]


def test_command_line_dry_run_writes_nothing(cli_database):
    result = manage(cli_database, "ingest", "--dry-run", SAMPLE)

    assert (result.returncode, result.stdout) == (0, f"created {URL}\n")
    assert result.stderr == "dry run: nothing was written\n"
    assert rows(cli_database, "SELECT count(*) FROM articles_article") == [(0,)]
    assert rows(cli_database, "SELECT count(*) FROM articles_ingestrecord") == [(0,)]


@pytest.mark.django_db
def test_the_command_records_the_system_user_who_ran_it():
    call_command("ingest", str(SAMPLE), stdout=StringIO(), stderr=StringIO())

    record = IngestRecord.objects.get()
    assert (record.channel, record.received_by, record.operator) == (
        "command",
        None,
        getpass.getuser(),
    )
