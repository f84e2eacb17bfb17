"""Specification of the memory `manage.py ingest` may take (a finding of the security probe:
the batch read 250 files at once, so 20 files of 25 MB were all held together, and `ingest
/dev/zero` ended in MemoryError; figures in docs/benchmarks.md, "Measurements behind the
code").

A chunk of files is bounded by bytes (batch.CHUNK_BYTES) as well as by count, and a file over
settings.INGEST_MAX_FILE_BYTES is refused by name without being read. Memory is measured, not
timed: tracemalloc's peak counts every Python allocation, the bytes read among them, so a
peak far below the files' total shows that they were never all held at once.
"""

import os
import subprocess
import sys
import tracemalloc

import pytest

from articles.ingest import batch
from articles.models import IngestRecord
from tests.helpers.ingest import capture, ingest, summary, write
from tests.helpers.paths import ROOT

MB = 1024 * 1024
FILES = 20
FILE_BYTES = 2 * MB  # 40 MB in all


def peak_of(run):
    """(what run() returns, the peak of memory allocated while it ran, in bytes)."""
    tracemalloc.start()
    try:
        result = run()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture
def archive(tmp_path):
    """FILES binary files of FILE_BYTES each, all different (the writer refuses them as
    binary, quickly, and keeps each one's bytes in its failed ingest record)."""
    folder = tmp_path / "archive"
    for n in range(FILES):
        write(folder, f"{n:02}.bin", bytes([n + 1]) + b"\0" * (FILE_BYTES - 1))
    return folder


# --- Chunks ---------------------------------------------------------------------------------


def files(*sizes):
    return [batch._File(f"{n}.txt", data=b"x" * size) for n, size in enumerate(sizes)]


def sizes(chunks):
    return [[file.size for file in chunk] for chunk in chunks]


def test_a_chunk_ends_before_the_file_that_would_take_it_past_the_bytes_bound():
    given = files(4, 3, 3, 1, 9, 12, 2, 0, 10)

    chunks = list(batch.chunks(given, count=100, max_bytes=10))

    assert sizes(chunks) == [[4, 3, 3], [1, 9], [12], [2, 0], [10]]
    assert [file for chunk in chunks for file in chunk] == given  # all, in order
    # Within the bound, except a file larger than the bound alone (never an empty chunk).
    assert all(sum(sizes) <= 10 or len(sizes) == 1 for sizes in sizes(chunks))


def test_a_chunk_ends_at_the_count_bound_too():
    assert sizes(batch.chunks(files(1, 1, 1, 1, 1), count=2, max_bytes=100)) == [
        [1, 1],
        [1, 1],
        [1],
    ]


def test_failed_reads_hold_no_bytes_and_do_not_count_towards_the_bound():
    given = [*files(6), batch._File("gone.txt", error="cannot read: gone"), *files(4)]
    assert sizes(batch.chunks(given, count=100, max_bytes=10)) == [[6, 0, 4]]


def test_the_bytes_bound_is_64_mb_and_files_up_to_20_mb_by_default(settings):
    assert batch.CHUNK_BYTES == 64 * MB
    assert settings.INGEST_MAX_FILE_BYTES == 20 * MB


def test_the_file_limit_comes_from_the_environment():
    env = {**os.environ, "INGEST_MAX_FILE_BYTES": "1000", "ENV_FILE": ""}
    env.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from newsroom import settings; print(settings.INGEST_MAX_FILE_BYTES)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.stdout, done.returncode) == ("1000\n", 0), done.stderr


# --- Peak memory of an import ---------------------------------------------------------------


def test_import_files_holds_one_chunk_and_the_next_file_at_most(archive, monkeypatch):
    """The writer replaced by one that keeps nothing: what is measured is the batch alone.
    Bound: a chunk (at most chunk_bytes: 2 files of 2 MB for 5 MB), the next file, read
    before the chunk ends, and 1 MB for everything else: 7 MB, where holding the 20 files
    takes 40 MB, as the same import bounded by count only shows."""
    seen = []

    def writer(data, *, filename, **options):
        seen.append((os.path.basename(filename), len(data)))
        return batch.IngestResult(batch.Outcome.FAILED, error="not kept")

    monkeypatch.setattr(batch, "ingest", writer)

    def run(chunk_bytes):
        results = batch.import_files(
            [str(archive)], parse=None, channel="command", chunk_bytes=chunk_bytes
        )
        return [result.outcome for _, result in results]

    outcomes, peak = peak_of(lambda: run(5 * MB))
    assert outcomes == ["failed"] * FILES
    assert seen == [(f"{n:02}.bin", FILE_BYTES) for n in range(FILES)]
    assert peak < 5 * MB + FILE_BYTES + 1 * MB, peak

    _, unbounded = peak_of(lambda: run(1000 * MB))
    assert unbounded > FILES * FILE_BYTES, unbounded


@pytest.mark.django_db
def test_the_command_on_20_files_of_2_mb_holds_a_chunk_beyond_what_one_file_takes(
    archive, tmp_path, monkeypatch
):
    """The real command and writer, which keeps each file's bytes in its ingest record. What
    writing one file takes (the writer's copies of it: its text, the bytes the database
    driver sends; more on PostgreSQL than on SQLite) is measured first, on one file of the
    same size. Bound: that, plus a chunk (at most CHUNK_BYTES, 5 MB: 2 files) and the next
    file, read before the chunk ends, plus 1 MB: about 12 MB on SQLite, 18 on PostgreSQL,
    where the 20 files are 40 MB."""
    monkeypatch.setattr(batch, "CHUNK_BYTES", 5 * MB)
    one = write(tmp_path, "one/x.bin", b"\xff" + b"\0" * (FILE_BYTES - 1))
    _, writing_one = peak_of(lambda: ingest(one))

    (out, err, error), peak = peak_of(lambda: ingest(archive))

    assert out == summary(failed=FILES)
    assert err == "".join(
        f"error: {archive}/{n:02}.bin: binary file, not text\n" for n in range(FILES)
    )
    assert error == f"{FILES} of {FILES} files failed"
    assert IngestRecord.objects.count() == 1 + FILES
    bound = writing_one + 5 * MB + FILE_BYTES + 1 * MB
    assert bound < FILES * FILE_BYTES, writing_one  # below holding every file
    assert peak < bound, (peak, writing_one)


# --- The file size limit --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_file_over_the_limit_is_refused_by_name_and_one_at_the_limit_is_imported(
    tmp_path, settings
):
    data = capture("Story one")
    write(tmp_path, "a.txt", data)
    write(tmp_path, "b.txt", data + b"\n")
    settings.INGEST_MAX_FILE_BYTES = len(data)

    assert ingest(tmp_path) == (
        "created /articles/story-one/\n" + summary(created=1, failed=1),
        f"error: {tmp_path}/b.txt: too large: {len(data) + 1} bytes (the limit is {len(data)} "
        "bytes, INGEST_MAX_FILE_BYTES)\n",
        "1 of 2 files failed",
    )
    assert list(IngestRecord.objects.values_list("filename", "outcome")) == [
        (f"{tmp_path}/a.txt", "created")
    ]


@pytest.mark.django_db
def test_a_huge_file_is_refused_without_being_read(tmp_path):
    """A sparse file of 1 GiB (no disk taken): refused from its size, memory untouched."""
    huge = tmp_path / "huge.xml"
    with open(huge, "wb") as file:
        file.truncate(1024 * MB)

    result, peak = peak_of(lambda: ingest(huge))

    assert result == (
        "",
        f"error: {huge}: too large: {1024 * MB} bytes (the limit is {20 * MB} bytes, INGEST_MAX_FILE_BYTES)\n",
        "1 of 1 files failed",
    )
    assert peak < 1 * MB, peak
    assert not IngestRecord.objects.exists()


@pytest.mark.django_db
def test_dev_zero_is_refused_as_a_device_not_read():
    result, peak = peak_of(lambda: ingest("/dev/zero"))

    assert result == (
        "",
        "error: /dev/zero: not a regular file (a device)\n",
        "1 of 1 files failed",
    )
    assert peak < 1 * MB, peak


def grown_since_stat(monkeypatch, path, size):
    """os.lstat and os.fstat say path is size bytes long: it grew after they looked."""
    fields = list(os.stat(path)[:10])
    fields[6] = size  # st_size
    status = os.stat_result(fields)
    monkeypatch.setattr(os, "lstat", lambda path: status)
    monkeypatch.setattr(os, "fstat", lambda fd: status)


def test_a_file_growing_past_the_limit_while_read_is_refused(tmp_path, monkeypatch):
    path = write(tmp_path, "growing.xml", b"x" * 2000)
    grown_since_stat(monkeypatch, path, 500)

    with pytest.raises(batch.Refused) as refusal:
        batch.read_regular(str(path), 1000)
    assert str(refusal.value) == (
        "too large: more than 1000 bytes (the limit is 1000 bytes, INGEST_MAX_FILE_BYTES)"
    )


def test_a_file_growing_within_the_limit_while_read_is_read_whole(tmp_path, monkeypatch):
    path = write(tmp_path, "growing.xml", b"x" * 800)
    grown_since_stat(monkeypatch, path, 500)

    assert batch.read_regular(str(path), 1000) == b"x" * 800


def test_the_file_limit_is_read_when_the_import_starts(tmp_path, settings):
    write(tmp_path, "a.txt", b"12345")
    settings.INGEST_MAX_FILE_BYTES = 4

    [(_path, result)] = batch.import_files([str(tmp_path)], parse=None, channel="command")

    assert result.error == "too large: 5 bytes (the limit is 4 bytes, INGEST_MAX_FILE_BYTES)"
