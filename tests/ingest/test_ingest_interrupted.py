"""Interrupted import: killing `manage.py ingest DIR` in the middle of a batch leaves every file
either fully imported (article, captions, revision and ingest record) or not at all, and running
the command again completes the batch.

Real processes on a real database: the command runs in a subprocess on the test run's
database (PostgreSQL: pytest-django's test database, in a transactional test; SQLite: a
freshly migrated database file, as pytest-django's SQLite test database lives in memory).

Three ways to kill it, each with SIGKILL, SIGINT (Ctrl-C) and SIGTERM:

* in the middle of a file's transaction, for certain: the subprocess is the command with a
  pre_save hook on IngestRecord (the last write of a file's transaction, after the article,
  its captions and its revision) that stops the process at the Nth file until the signal
  comes;
* at whatever moment it has reached once some files are in: the plain command;
* a re-run, inside the fast path's transaction of a chunk (articles locked, the INSERT of the
  chunk's "unchanged" records under way): nothing of the chunk is recorded.
"""

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing

import pytest
from django.db import connection

from tests.helpers.paths import ROOT

# PostgreSQL: the subprocess must see the test's rows, and the test its rows (SQLite: unused).
pytestmark = pytest.mark.django_db(transaction=True)
SIGNALS = [signal.SIGKILL, signal.SIGINT, signal.SIGTERM]

# The command, stopped at the PAUSE_AT-th ingest record's INSERT until a signal comes.
PAUSED_COMMAND = """
import sys, time
import django
django.setup()
from django.core.management import execute_from_command_line
from django.db.models.signals import pre_save
from articles.models import IngestRecord

pause_at, marker, seen = int(sys.argv[1]), sys.argv[2], []

def pause(sender, **kwargs):
    seen.append(1)
    if len(seen) == pause_at:
        open(marker, "w").close()
        time.sleep(120)

pre_save.connect(pause, sender=IngestRecord)
execute_from_command_line(["manage.py", *sys.argv[3:]])
"""


# The command, stopped at its first INSERT of several ingest records at once: the fast path's
# one INSERT of a chunk's "unchanged" records, inside the transaction that locked the articles.
PAUSED_AT_INSERT = """
import sys, time
import django
django.setup()
from django.core.management import execute_from_command_line
from django.db import connection

marker = sys.argv[1]

def pause(execute, sql, params, many, context):
    if sql.startswith('INSERT INTO "articles_ingestrecord"') and "), (" in sql:  # many rows
        open(marker, "w").close()
        time.sleep(120)
    return execute(sql, params, many, context)

with connection.execute_wrapper(pause):
    execute_from_command_line(["manage.py", *sys.argv[2:]])
"""


def capture(n):
    """File n: a headline, a Korean photo caption (alt text = caption), a body and the
    agency box."""
    return (
        f"Breaking News\n\nInterrupted story {n}\n\n"
        f"서울 광장에서 촬영한 사진 {n}\n서울 광장에서 촬영한 사진 {n}\n"
        f"The first paragraph of story {n}.\n\nThe second paragraph of story {n}.\n\n"
        "    Reuters\n\n    Reuters is a news agency.\n"
    ).encode()


def slug(n):
    return f"interrupted-story-{n}"


@pytest.fixture
def archive(tmp_path):
    def make(files):
        directory = tmp_path / "archive"
        directory.mkdir()
        for n in range(files):
            (directory / f"{n:03d}.txt").write_bytes(capture(n))
        return directory

    return make


class Database:
    """The database the subprocess writes to, and SQL on it from the test."""

    def __init__(self, url, rows):
        self.url = url
        self.rows = rows

    def run(self, *args, script=None):
        env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "PYTHONPATH": str(ROOT),
        }
        command = ["-c", script] if script else [str(ROOT / "manage.py")]
        return subprocess.Popen(
            [sys.executable, *command, *map(str, args)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def count(self, sql):
        return self.rows(sql)[0][0]

    def assert_whole_files(self):
        """Every article is one whole file: its caption, its one revision and its one
        "created" ingest record; every ingest record belongs to an article. The slugs."""
        rows = self.rows(
            "SELECT a.slug,"
            " (SELECT count(*) FROM articles_caption c WHERE c.article_id = a.id),"
            " (SELECT count(*) FROM articles_historicalarticle h WHERE h.id = a.id),"
            " (SELECT count(*) FROM articles_ingestrecord r"
            "   WHERE r.article_id = a.id AND r.outcome = 'created')"
            " FROM articles_article a ORDER BY a.id"
        )
        assert [counts for _, *counts in rows] == [[1, 1, 1]] * len(rows)
        assert self.count("SELECT count(*) FROM articles_ingestrecord") == len(rows)
        assert self.count("SELECT count(*) FROM articles_caption") == len(rows)
        return [slug for slug, *_ in rows]


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory):
    path = tmp_path_factory.mktemp("interrupted") / "template.sqlite3"
    migrate = Database(f"sqlite:///{path}", None).run("migrate", "--no-input", "-v0")
    assert migrate.wait(300) == 0, migrate.communicate()
    return path


@pytest.fixture
def database(request, tmp_path):
    if connection.vendor == "postgresql":
        settings = connection.settings_dict
        url = (
            f"postgres://{settings['USER']}:{settings['PASSWORD'] or ''}@{settings['HOST']}:"
            f"{settings['PORT'] or 5432}/{settings['NAME']}"
        )

        def rows(sql):
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return [list(row) for row in cursor.fetchall()]

        yield Database(url, rows)
        connection.close()
        return
    path = tmp_path / "newsroom.sqlite3"
    shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)

    def rows(sql):
        with closing(sqlite3.connect(path, timeout=30)) as db:
            return [list(row) for row in db.execute(sql).fetchall()]

    yield Database(f"sqlite:///{path}", rows)


def finish(process, timeout=60):
    """(exit code, stdout, stderr) of a process, killed if it does not end in time."""
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"the command did not end:\n{out}\n{err}")
    return process.returncode, out, err


def expected_exit(signum):
    return -signum if signum == signal.SIGKILL else 128 + signum


def assert_rerun_completes(database, directory, files, done):
    code, out, err = finish(database.run("ingest", directory), timeout=300)

    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[:-1] == [
        f"{'unchanged' if n in done else 'created'} /articles/{slug(n)}/" for n in range(files)
    ]
    assert lines[-1] == (
        f"summary: {files} files: {files - len(done)} created, 0 updated, {len(done)} unchanged, "
        "0 held, 0 stale, 0 withdrawn, 0 skipped, 0 failed"
    )
    # The articles are whole; the re-run left one "unchanged" record for each file that was in.
    rows = database.rows(
        "SELECT a.slug, count(r.id) FROM articles_article a"
        " JOIN articles_ingestrecord r ON r.article_id = a.id GROUP BY a.slug"
    )
    assert sorted(rows) == sorted([slug(n), 2 if n in done else 1] for n in range(files))
    assert database.count("SELECT count(*) FROM articles_ingestrecord") == files + len(done)
    assert database.count("SELECT count(*) FROM articles_caption") == files
    assert database.count("SELECT count(*) FROM articles_historicalarticle") == files


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: s.name)
def test_killed_inside_a_files_transaction(database, archive, tmp_path, signum):
    files, pause_at = 12, 5
    directory = archive(files)
    marker = tmp_path / "paused"
    process = database.run(pause_at, marker, "ingest", directory, script=PAUSED_COMMAND)
    for _ in range(1200):
        if marker.exists() or process.poll() is not None:
            break
        time.sleep(0.05)
    assert marker.exists(), finish(process)
    # File 5's article, caption and revision are written, not committed.

    process.send_signal(signum)
    code, out, err = finish(process)

    assert code == expected_exit(signum)
    created = "".join(f"created /articles/{slug(n)}/\n" for n in range(pause_at - 1))
    if signum != signal.SIGKILL:  # (killed, it loses the output it had not flushed yet)
        # Ctrl-C and SIGTERM roll the file back and end with the summary and the reason.
        assert out == created + (
            f"summary: {pause_at - 1} files: {pause_at - 1} created, 0 updated, 0 unchanged, "
            "0 held, 0 stale, 0 withdrawn, 0 skipped, 0 failed\n"
        )
        assert err == (
            f"CommandError: interrupted by {signum.name} after {pause_at - 1} files; each file "
            "is imported entirely or not at all: run the command again to import the rest\n"
        )
    assert database.assert_whole_files() == [slug(n) for n in range(pause_at - 1)]

    assert_rerun_completes(database, directory, files, done=set(range(pause_at - 1)))


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: s.name)
def test_killed_once_some_files_are_in(database, archive, signum):
    files = 60
    directory = archive(files)
    process = database.run("ingest", directory)
    for _ in range(1200):
        if process.poll() is not None:
            break
        if database.count("SELECT count(*) FROM articles_ingestrecord") >= 5:
            break
        time.sleep(0.05)
    assert process.poll() is None, finish(process)

    process.send_signal(signum)
    code, _out, _err = finish(process)

    assert code == expected_exit(signum)
    done = database.assert_whole_files()
    assert 5 <= len(done) < files
    assert done == [slug(n) for n in range(len(done))]  # in order, none missing

    assert_rerun_completes(database, directory, files, done=set(range(len(done))))


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: s.name)
def test_a_rerun_killed_in_its_fast_path_writes_no_record_of_the_chunk(
    database, archive, tmp_path, signum
):
    files = 12
    directory = archive(files)
    assert finish(database.run("ingest", directory))[0] == 0
    marker = tmp_path / "paused"
    process = database.run(marker, "ingest", directory, script=PAUSED_AT_INSERT)
    for _ in range(1200):
        if marker.exists() or process.poll() is not None:
            break
        time.sleep(0.05)
    assert marker.exists(), finish(process)

    process.send_signal(signum)
    code, out, _err = finish(process)

    assert code == expected_exit(signum)
    if signum != signal.SIGKILL:
        assert out == (
            "summary: 0 files: 0 created, 0 updated, 0 unchanged, 0 held, 0 stale, 0 withdrawn, "
            "0 skipped, 0 failed\n"
        )
    assert database.assert_whole_files() == [slug(n) for n in range(files)]  # no record added

    assert_rerun_completes(database, directory, files, done=set(range(files)))
