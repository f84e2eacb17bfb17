"""`ingest()` never raises for bad input, nor when a concurrent import keeps conflicting.

The writer runs an import's transaction again when another import created the same article
between its look-up and its INSERT (see writer.retrying). When the retry conflicts too, the
import fails like bad input does: a failed result with the reason ("could not store: a
concurrent import kept conflicting (...)"), the raw bytes kept as a failed IngestRecord, and
nothing else written.

* PostgreSQL (READ COMMITTED) lets another connection commit while the import's transaction is
  open: a real second writer, on its own connection and thread, commits the same article just
  before each of the import's INSERTs (and removes the first one between the attempts, so that
  the retry's look-up misses it again).
* SQLite serialises writers: while the import's transaction is open another connection cannot
  commit (its write is refused, "database is locked"), so no concurrent writer can stage this
  there. On both databases a trigger does what that writer does, inside the database: just
  before the import's INSERT of the article it inserts another row with the same natural key,
  which the real unique constraint then sets against the import's row; the import's rollback
  takes the trigger's row with it, so the retry's look-up misses and its INSERT conflicts again.
"""

import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.db.models.signals import post_init, pre_save

from articles.ingest.writer import ingest
from articles.models import (
    Agency,
    Article,
    Author,
    Caption,
    IngestRecord,
    PendingUpdate,
    identifier_key,
)
from tests.helpers.ingest import MARKUP, MARKUP_URL, content_rows
from tests.helpers.sample import REUTERS_DESCRIPTION, SAMPLE, SAMPLE_SLUG

CONFLICT = "could not store: a concurrent import kept conflicting"
IMPORT_REASON = "import: kerry-lavrov.txt (command)"


def run(data, **options):
    return ingest(data, filename="kerry-lavrov.txt", channel="command", **options)


def reuters():
    """The agency as it is before the import (with its description: nothing to fill in)."""
    return Agency.objects.create(name="Reuters", slug="reuters", description=REUTERS_DESCRIPTION)


def assert_nothing_of_the_import_written():
    """No row and no revision of the failed import: only what the other writer did."""
    assert not Caption.objects.exists()
    assert not Author.objects.exists()
    assert not PendingUpdate.objects.exists()
    for model in (Agency, Author, Article, Caption):
        assert not model.history.filter(history_change_reason=IMPORT_REASON).exists(), model


# --- A real concurrent writer (PostgreSQL) ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_import_that_conflicts_twice_fails_the_import_postgresql(sample_bytes):
    """Another connection commits the same article (same agency, same key) just before each
    INSERT of the import: after full_clean has checked the constraint, so that the database's
    unique constraint decides, with an IntegrityError, twice. Between the attempts (as the
    retry reads the agency, before its look-up) the other writer removes its first article,
    so that the retry's look-up misses again."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs a writer that commits while the import's transaction is open (PostgreSQL; "
            "SQLite serialises writers): SQLite runs the trigger tests below"
        )
    agency = reuters()
    agency_before = list(Agency.objects.values())
    importer = threading.current_thread()
    done, failures, agency_reads = [], [], []

    def other_writer(action):
        """Run action on another connection, in another thread, committed when it returns."""

        def target():
            try:
                action()
            except BaseException as error:  # re-raised in the importer
                failures.append(error)
            finally:
                connections.close_all()

        thread = threading.Thread(target=target)
        thread.start()
        thread.join(30)
        assert not thread.is_alive(), "the other writer is stuck"
        if failures:
            raise failures[0]

    def insert_the_same_article():
        n = len([step for step in done if step.startswith("inserted")]) + 1
        other = Article.objects.create(
            headline="Imported by the other process",
            slug=f"other-{n}",
            body="Old.\n",
            agency=agency,
            external_id=SAMPLE_SLUG,
            source_checksum="0" * 64,
        )
        done.append(f"inserted {other.slug}")

    def remove_the_first_article():
        deleted, _ = Article.objects.filter(slug="other-1").delete()
        assert deleted
        done.append("deleted other-1")

    def before_insert(sender, instance, **kwargs):
        if threading.current_thread() is importer and instance.pk is None:
            other_writer(insert_the_same_article)

    def agency_read(sender, instance, **kwargs):
        if threading.current_thread() is importer:
            agency_reads.append(instance.pk)
            if len(agency_reads) == 2:  # the retry, before its look-up
                other_writer(remove_the_first_article)

    pre_save.connect(before_insert, sender=Article, dispatch_uid="concurrent-import")
    post_init.connect(agency_read, sender=Agency, dispatch_uid="concurrent-import")
    try:
        result = run(sample_bytes)
    finally:
        pre_save.disconnect(sender=Article, dispatch_uid="concurrent-import")
        post_init.disconnect(sender=Agency, dispatch_uid="concurrent-import")

    # Both attempts conflicted with a row the other writer had committed.
    assert done == ["inserted other-1", "deleted other-1", "inserted other-2"]
    assert result.failed
    assert (result.outcome, result.article, result.format) == ("failed", None, "capture")
    assert result.error == (
        f"{CONFLICT} (article “{SAMPLE_SLUG}”: duplicate key value violates unique constraint "
        '"article_unique_agency_external_id"); import the file again'
    )
    # Exactly one failed ingest record, keeping the bytes.
    record = IngestRecord.objects.get()
    assert (record.outcome, record.message, record.filename, record.article) == (
        "failed",
        result.error,
        "kerry-lavrov.txt",
        None,
    )
    assert bytes(record.raw) == sample_bytes
    # Nothing else half-written: the other writer's article is as it wrote it.
    other = Article.objects.get()
    assert (other.slug, other.headline, other.version, other.external_key) == (
        "other-2",
        "Imported by the other process",
        1,
        identifier_key(SAMPLE_SLUG),
    )
    assert list(Agency.objects.values()) == agency_before
    assert_nothing_of_the_import_written()


# --- The same conflict staged by the database itself (SQLite and PostgreSQL) --------------------


@pytest.fixture
def conflicting_insert(db):
    """A trigger: just before an INSERT of the sample's article, another row with the same
    agency and key (another headline and slug) is inserted; the unique constraint then refuses
    the import's row. The key of that row only: other articles are inserted as usual."""
    quote = connection.ops.quote_name
    table = quote(Article._meta.db_table)
    columns = [f.column for f in Article._meta.concrete_fields if not f.primary_key]
    changed = {"headline": "'Imported by another process'", "slug": "NEW.slug || '-elsewhere'"}
    values = ", ".join(changed.get(column, f"NEW.{quote(column)}") for column in columns)
    insert = f"INSERT INTO {table} ({', '.join(map(quote, columns))}) VALUES ({values});"
    key = identifier_key(SAMPLE_SLUG)  # hexadecimal: safe in the statement
    assert key.isalnum()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # Recursive triggers are off: the trigger's own INSERT does not fire it again.
            cursor.execute(
                f"CREATE TRIGGER concurrent_import BEFORE INSERT ON {table} "
                f"WHEN NEW.external_key = '{key}' BEGIN {insert} END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION concurrent_import() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN {insert} RETURN NEW; END $$"
            )
            cursor.execute(
                f"CREATE TRIGGER concurrent_import BEFORE INSERT ON {table} FOR EACH ROW "
                f"WHEN (NEW.external_key = '{key}' AND pg_trigger_depth() = 0) "
                "EXECUTE FUNCTION concurrent_import()"
            )
    # Created inside the test's transaction: rolled back with it.


def detail():
    """The database's own words for the refusal."""
    if connection.vendor == "sqlite":
        return "UNIQUE constraint failed: articles_article.agency_id, articles_article.external_key"
    return 'duplicate key value violates unique constraint "article_unique_agency_external_id"'


def test_an_insert_refused_on_the_retry_too_fails_the_import(conflicting_insert, sample_bytes):
    reuters()
    before = content_rows()

    result = run(sample_bytes)

    assert result.failed
    assert result.error == (
        f"{CONFLICT} (article “{SAMPLE_SLUG}”: {detail()}); import the file again"
    )
    assert IngestRecord.objects.get().message == result.error
    assert IngestRecord.objects.get().outcome == "failed"
    assert bytes(IngestRecord.objects.get().raw) == sample_bytes
    assert content_rows() == before  # neither the import's row nor the trigger's
    assert_nothing_of_the_import_written()


def test_a_dry_run_refused_twice_fails_and_keeps_nothing(conflicting_insert, sample_bytes):
    reuters()
    before = content_rows()

    result = run(sample_bytes, dry_run=True)

    assert (result.outcome, result.error) == (
        "failed",
        f"{CONFLICT} (article “{SAMPLE_SLUG}”: {detail()}); import the file again",
    )
    assert not IngestRecord.objects.exists()
    assert content_rows() == before


def test_the_command_names_the_file_and_imports_the_others(conflicting_insert):
    reuters()
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError, match=r"^1 of 2 files failed$"):
        call_command("ingest", str(SAMPLE), str(MARKUP), stdout=out, stderr=err)

    assert err.getvalue() == (
        f"error: {SAMPLE}: {CONFLICT} (article “{SAMPLE_SLUG}”: {detail()}); "
        "import the file again\n"
    )
    assert out.getvalue() == f"created {MARKUP_URL}\n"
    assert list(Article.objects.values_list("slug", flat=True)) == [MARKUP_URL.split("/")[2]]
    assert sorted(IngestRecord.objects.values_list("outcome", flat=True)) == [
        "created",
        "failed",
    ]
