"""Specification of `manage.py ingest DIR` (directory trees, progress bar, summary line) and of
the fast path that skips files imported before (articles/ingest/batch.py).

The fast path must give exactly the outcomes the writer would give file by file: each test of
a case where it must not skip (an article edited, re-imported with other content, deleted,
an earlier failure, --publish of a draft, an agency description to fill in, an agency renamed,
two versions of one story in one directory) checks the outcome and the database.
"""

import json
import os
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles.ingest import batch
from articles.models import Agency, Article, IngestRecord
from tests.helpers.ingest import capture, ingest, summary, write
from tests.helpers.paths import WIRE
from tests.helpers.sample import SAMPLE, SAMPLE_SLUG


def slug_of(headline):
    return headline.lower().replace(" ", "-")


@pytest.fixture
def tree(tmp_path):
    """Three captures in a tree, hidden files and a hidden directory beside them."""
    root = tmp_path / "archive"
    write(root, "b.txt", capture("Story two"))
    write(root, "a.txt", capture("Story one"))
    write(root, "sub/c.txt", capture("Story three"))
    write(root, ".DS_Store", b"\x00\x00\x00\x01Bud1")
    write(root, ".cache/d.txt", capture("Hidden story"))
    write(root, "sub/.e.txt", capture("Hidden file story"))
    return root


# --- The walk -------------------------------------------------------------------------------


def test_walk_gives_the_tree_in_name_order_without_hidden_files(tree):
    assert list(batch.walk([str(tree)])) == [
        (f"{tree}/a.txt", ""),
        (f"{tree}/b.txt", ""),
        (f"{tree}/sub/c.txt", ""),
    ]


def test_walk_keeps_files_as_given_in_the_order_given(tree, tmp_path):
    paths = [str(tree / "sub" / "c.txt"), str(tree / ".DS_Store"), str(tmp_path / "missing")]
    assert list(batch.walk(paths)) == [(path, "") for path in paths]


def test_walk_refuses_links_to_files_and_directories(tree, tmp_path):
    """Followed only with follow_links (tests/ingest/test_ingest_paths.py)."""
    os.symlink(tree / "sub", tree / "link-to-sub")
    os.symlink(tree / "a.txt", tree / "link-to-a.txt")
    assert list(batch.walk([str(tree)])) == [
        (f"{tree}/a.txt", ""),
        (f"{tree}/b.txt", ""),
        (f"{tree}/link-to-a.txt", batch.LINK),
        (f"{tree}/link-to-sub", batch.LINK),
        (f"{tree}/sub/c.txt", ""),
    ]


def test_walk_names_a_directory_it_cannot_list(tmp_path):
    """A directory that goes away between the listing of its parent and its own listing."""
    gone = tmp_path / "gone"
    assert list(batch._tree(str(gone))) == [
        (str(gone), "cannot list the directory: No such file or directory", "")
    ]


def test_the_walk_and_the_import_stream(db, tmp_path):
    """Files are read a chunk at a time: the first result comes before the walk has gone
    further than one chunk, and nothing is kept of earlier chunks."""
    for n in range(5):
        write(tmp_path, f"{n}.txt", capture(f"Story {n}"))
    taken = []

    def paths():
        for n in range(5):
            taken.append(n)
            yield str(tmp_path / f"{n}.txt")

    results = batch.import_files(paths(), parse=None, channel="command", chunk_size=2)
    assert next(results)[1].outcome == "created"
    assert taken == [0, 1]
    assert [result.outcome for _, result in results] == ["created"] * 4
    assert taken == [0, 1, 2, 3, 4]


# --- The command on a directory -----------------------------------------------------------


@pytest.mark.django_db
def test_a_directory_imports_its_tree_in_order_and_sums_up(tree):
    assert ingest(tree) == (
        "created /articles/story-one/\n"
        "created /articles/story-two/\n"
        "created /articles/story-three/\n" + summary(created=3),
        "",
        None,
    )
    assert list(IngestRecord.objects.order_by("pk").values_list("filename", "outcome")) == [
        (f"{tree}/a.txt", "created"),
        (f"{tree}/b.txt", "created"),
        (f"{tree}/sub/c.txt", "created"),
    ]


@pytest.mark.django_db
def test_files_and_directories_mixed_with_failures(tree, tmp_path):
    write(tree, "sub/empty.txt", b"")
    missing = tmp_path / "missing.txt"

    out, err, error = ingest(SAMPLE, tree, missing)

    assert out == (
        f"created /articles/{SAMPLE_SLUG}/\n"
        "created /articles/story-one/\n"
        "created /articles/story-two/\n"
        "created /articles/story-three/\n" + summary(created=4, failed=2)
    )
    assert err == (
        f"error: {tree}/sub/empty.txt: empty file\n"
        f"error: {missing}: cannot read: No such file or directory\n"
    )
    assert error == "2 of 6 files failed"


@pytest.mark.django_db
def test_an_empty_directory_imports_nothing(tmp_path):
    assert ingest(tmp_path) == (summary(), "", None)


@pytest.mark.django_db
def test_dry_run_of_a_directory(tree):
    assert ingest(tree, "--dry-run") == (
        "created /articles/story-one/\n"
        "created /articles/story-two/\n"
        "created /articles/story-three/\n" + summary(created=3),
        "dry run: nothing was written\n",
        None,
    )
    assert not Article.objects.exists()
    assert not IngestRecord.objects.exists()


@pytest.mark.django_db
def test_verbosity_zero_leaves_out_the_summary(tree):
    out, _, _ = ingest(tree, "--verbosity=0")
    assert out.splitlines()[-1] == "created /articles/story-three/"


# --- Progress bar -------------------------------------------------------------------------


@pytest.mark.django_db
def test_progress_bar_on_stderr_when_asked(tree):
    out, err, error = ingest(tree, "--progress")

    assert error is None
    assert out.endswith(summary(created=3))
    assert "3/3" in err
    assert "100%" in err
    assert "files" in err


@pytest.mark.django_db
def test_no_progress_bar_when_stderr_is_not_a_terminal_or_with_no_progress(tree):
    assert ingest(tree)[1] == ""
    assert ingest(tree, "--no-progress")[1] == ""


def test_an_unknown_format_is_refused():
    with pytest.raises(CommandError, match="invalid choice: 'rss'"):
        call_command("ingest", "--format", "rss", str(SAMPLE))


# --- Re-running: the fast path --------------------------------------------------------------


@pytest.mark.django_db
def test_rerun_reports_every_file_unchanged_and_keeps_the_bytes_once(tree):
    ingest(tree)
    first_records = {r.filename: r.pk for r in IngestRecord.objects.all()}

    assert ingest(tree) == (
        "unchanged /articles/story-one/\n"
        "unchanged /articles/story-two/\n"
        "unchanged /articles/story-three/\n" + summary(unchanged=3),
        "",
        None,
    )
    again = IngestRecord.objects.filter(pk__gt=max(first_records.values())).order_by("pk")
    assert [
        (r.filename, r.outcome, bytes(r.raw), r.message, r.channel, r.article.slug) for r in again
    ] == [
        (
            f"{tree}/{name}",
            "unchanged",
            b"",
            f"same bytes as ingest record #{first_records[f'{tree}/{name}']}, which keeps them",
            "command",
            slug,
        )
        for name, slug in [
            ("a.txt", "story-one"),
            ("b.txt", "story-two"),
            ("sub/c.txt", "story-three"),
        ]
    ]
    # The record named keeps the very bytes.
    for record in again:
        kept = IngestRecord.objects.get(pk=first_records[record.filename])
        assert kept.sha256 == record.sha256
        assert bytes(kept.raw) == Path(record.filename).read_bytes()


@pytest.mark.django_db
def test_rerun_costs_a_constant_number_of_queries(tmp_path, django_assert_num_queries):
    for n in range(40):
        write(tmp_path, f"{n:02d}.txt", capture(f"Story {n}"))
    ingest(tmp_path)

    # For the whole chunk: the earlier records of these bytes; then in one transaction (a
    # savepoint inside the test's own) the articles, locked, the agency of the one agency
    # name, and the INSERT of the records.
    with django_assert_num_queries(6):
        assert ingest(tmp_path)[0].endswith(summary(unchanged=40))


@pytest.mark.django_db
def test_a_second_rerun_still_finds_the_bytes(tree):
    ingest(tree)
    ingest(tree)
    assert ingest(tree)[0].endswith(summary(unchanged=3))
    assert IngestRecord.objects.filter(outcome="unchanged", raw=b"").count() == 6


@pytest.mark.django_db
def test_dry_run_rerun_writes_nothing(tree):
    ingest(tree)
    assert ingest(tree, "--dry-run")[0].endswith(summary(unchanged=3))
    assert IngestRecord.objects.count() == 3


@pytest.mark.django_db
def test_identical_files_in_one_directory(tmp_path):
    write(tmp_path, "1.txt", capture("Same story"))
    write(tmp_path, "2.txt", capture("Same story"))
    out, _, _ = ingest(tmp_path)
    assert out == (
        "created /articles/same-story/\nunchanged /articles/same-story/\n"
        + summary(created=1, unchanged=1)
    )
    assert ingest(tmp_path)[0].endswith(summary(unchanged=2))


# --- ... never skips wrongly --------------------------------------------------------------


@pytest.mark.django_db
def test_an_article_edited_since_is_unchanged_like_the_writer_says_and_keeps_the_edit(tree):
    ingest(tree)
    article = Article.objects.get(slug="story-one")
    article.headline = "Story one, corrected"
    article.save()

    assert ingest(tree)[0].startswith("unchanged /articles/story-one/\n")
    article.refresh_from_db()
    assert article.headline == "Story one, corrected"


@pytest.mark.django_db
def test_an_article_reimported_with_other_content_since_is_updated_back(tree, tmp_path):
    ingest(tree)
    newer = write(tmp_path, "newer.txt", capture("Story one", "A newer first paragraph."))
    assert ingest(newer)[0] == "updated /articles/story-one/\n"

    assert ingest(tree)[0].startswith("updated /articles/story-one/\nunchanged")
    assert Article.objects.get(slug="story-one").body == "The first paragraph of story one.\n"


@pytest.mark.django_db
def test_an_article_deleted_since_is_created_again(tree):
    ingest(tree)
    Article.objects.get(slug="story-two").delete()

    out, _, _ = ingest(tree)

    assert out.splitlines()[:2] == [
        "unchanged /articles/story-one/",
        "created /articles/story-two/",
    ]
    assert Article.objects.filter(headline="Story two").count() == 1


@pytest.mark.django_db
def test_bytes_that_failed_before_are_imported_by_the_writer(tree):
    data = (tree / "a.txt").read_bytes()
    IngestRecord.objects.create(
        filename="a.txt", channel="command", raw=data, outcome="failed", message="some reason",
        sha256=__import__("hashlib").sha256(data).hexdigest(),
    )  # fmt: skip
    assert ingest(tree / "a.txt")[0] == "created /articles/story-one/\n"


@pytest.mark.django_db
def test_publish_on_rerun_publishes_the_drafts(tree):
    ingest(tree)
    Article.objects.filter(slug="story-two").update(status="published", published_at=timezone.now())

    out, _, _ = ingest(tree, "--publish")

    assert out.splitlines()[:3] == [
        "updated /articles/story-one/",
        "unchanged /articles/story-two/",
        "updated /articles/story-three/",
    ]
    assert set(Article.objects.values_list("status", flat=True)) == {"published"}
    assert ingest(tree, "--publish")[0].endswith(summary(unchanged=3))


@pytest.mark.django_db
def test_a_held_update_is_held_again(tree, tmp_path):
    ingest(tree)
    article = Article.objects.get(slug="story-one")
    article.standfirst = "An editor's standfirst"
    article.save()
    newer = write(tmp_path, "newer.txt", capture("Story one", "A newer first paragraph."))
    assert ingest(newer)[0] == "held /articles/story-one/\n"

    assert ingest(newer)[0] == "held /articles/story-one/\n"
    assert IngestRecord.objects.filter(outcome="held").count() == 2


@pytest.mark.django_db
def test_an_agency_description_to_fill_in_goes_through_the_writer(tree):
    ingest(tree)
    Agency.objects.update(description="")

    assert ingest(tree)[0].endswith(summary(unchanged=3))
    assert Agency.objects.get().description == "Reuters is a news agency."


@pytest.mark.django_db
def test_an_agency_renamed_since_goes_through_the_writer(tree):
    """The writer finds agencies by name: after a rename, the same file is a new agency's
    article. The fast path does what the writer does."""
    ingest(tree / "a.txt")
    Agency.objects.update(name="Reuters News")

    assert ingest(tree / "a.txt")[0] == "created /articles/story-one-2/\n"
    assert sorted(Agency.objects.values_list("name", flat=True)) == ["Reuters", "Reuters News"]


@pytest.mark.django_db
def test_an_older_file_after_a_newer_one_in_the_same_directory(tmp_path):
    """Files are decided in order: the old version, imported before and skipped at the start
    of the chunk if decided all at once, comes after the new version and must update back."""
    old = capture("Story one")
    write(tmp_path, "old.txt", old)
    ingest(tmp_path / "old.txt")
    write(tmp_path, "0-new.txt", capture("Story one", "A newer first paragraph."))

    assert ingest(tmp_path)[0] == (
        "updated /articles/story-one/\nupdated /articles/story-one/\n" + summary(updated=2)
    )
    assert Article.objects.get().body == "The first paragraph of story one.\n"


@pytest.mark.django_db
def test_a_file_without_agency_is_skipped_only_for_its_own_article(tmp_path):
    write(tmp_path, "a.txt", capture("No agency story", box=""))
    ingest(tmp_path)
    assert Article.objects.get().agency is None
    assert ingest(tmp_path)[0].endswith(summary(unchanged=1))
    assert IngestRecord.objects.filter(raw=b"").count() == 1


# --- --format -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_format_goes_to_the_writer():
    out, err, error = ingest(SAMPLE, "--format", "ninjs")
    # (The JSON parser's own words after the reason are the ninjs parser's business.)
    assert (out, error) == ("", "1 of 1 files failed")
    assert err.startswith(f"error: {SAMPLE}: invalid or truncated JSON: ")
    assert IngestRecord.objects.get().format == "ninjs"


@pytest.mark.django_db
def test_a_rerun_in_another_format_reads_the_file_in_that_format():
    url = f"/articles/{SAMPLE_SLUG}/"
    ingest(SAMPLE)

    assert ingest(SAMPLE, "--format", "html")[1] == (
        f"error: {SAMPLE}: not an article: the page has no headline\n"
    )
    assert ingest(SAMPLE, "--format", "capture")[0] == f"unchanged {url}\n"
    assert list(IngestRecord.objects.order_by("pk").values_list("outcome", "format")) == [
        ("created", "capture"),
        ("failed", "html"),
        ("unchanged", "capture"),
    ]


@pytest.mark.django_db
def test_bytes_imported_before_a_withdrawal_are_stale_not_unchanged():
    """A withdrawal raises the article's version and keeps its content (and checksum): the
    earlier version's bytes, sent again, are stale for the writer, so never skipped."""
    wire = WIRE
    v2, canceled = wire / "ninjs-2-v2.json", wire / "ninjs-2-canceled.json"
    url = ingest(v2, "--publish")[0].removeprefix("created ").strip()
    assert ingest(canceled)[0] == f"withdrawn {url}\n"

    assert ingest(v2)[0] == f"skipped (stale) {url}\n"
    assert ingest(canceled)[0] == f"unchanged {url}\n"
    assert list(IngestRecord.objects.order_by("pk").values_list("outcome", flat=True)) == [
        "created",
        "withdrawn",
        "stale",
        "unchanged",
    ]


@pytest.mark.django_db
def test_an_agency_matching_by_case_with_a_lower_id_goes_through_the_writer(tree):
    """The writer takes the first agency whose name matches whatever the case: once an older
    agency is renamed "REUTERS", the same file belongs to that agency, not to its article's."""
    older = Agency.objects.create(name="Xinhua", slug="xinhua")
    ingest(tree / "a.txt")
    older.name = "REUTERS"
    older.save()

    assert ingest(tree / "a.txt")[0] == "created /articles/story-one-2/\n"
    assert Article.objects.get(slug="story-one-2").agency == older


@pytest.mark.django_db
def test_a_long_identifier_is_found_by_its_key(tmp_path):
    """The writer looks articles up by the SHA-256 of the identifier (any length): so does
    the fast path."""
    story = json.loads((WIRE / "ninjs-2-v2.json").read_text())
    story["uri"] = "https://example.com/wire/" + "long-identifier/" * 40
    path = tmp_path / "long.json"
    path.write_text(json.dumps(story))
    url = ingest(path)[0].removeprefix("created ").strip()

    assert ingest(path)[0] == f"unchanged {url}\n"
    assert bytes(IngestRecord.objects.order_by("pk").last().raw) == b""  # the fast path's
