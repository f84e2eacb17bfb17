"""Specification of what `manage.py ingest` reads: regular files only, never through a symbolic
link unless --follow-links, and then never out of the folder given (a finding of the security
probe: a link to the project's .env became an article whose headline held the SECRET_KEY, its
bytes kept in the ingest record for every editor to read).

Every case uses the real thing: links made with os.symlink, FIFOs with os.mkfifo, a Unix
socket, /dev/zero and /dev/null. A refused path is an error line naming it, counted as failed
in the summary, with no article and no ingest record (like a file that cannot be read); the
secret's bytes are looked for in every ingest record and article.
"""

import os
import signal
import socket
from contextlib import contextmanager

import pytest

from articles.ingest import batch
from articles.models import Article, IngestRecord
from tests.helpers.ingest import capture, ingest, summary, write

SECRET = b"django-insecure-the-project-secret-key-0123456789abcdef"
LINK = batch.LINK
OUTSIDE = batch.LINK_OUTSIDE
LOOP = batch.LINK_LOOP
MISSING = batch.LINK_MISSING


@contextmanager
def deadline(seconds=10):
    """Fail, instead of hanging the suite, if the body blocks (on a FIFO with no writer)."""

    def hung(signum, frame):
        raise AssertionError(f"still running after {seconds} s: blocked on a read?")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def drop(tmp_path):
    """An agency's drop folder with one story, and beside it (outside) the project's .env,
    written as a capture so that, read, it would be an article headlined with the secret."""
    folder = tmp_path / "drop"
    write(folder, "a.txt", capture("Story one"))
    write(tmp_path, ".env", b"SECRET_KEY=" + SECRET + b"\n\nDEBUG=false\n")
    write(tmp_path, "outside/d.txt", capture("Story outside"))
    return folder


def assert_secret_kept_nowhere():
    """Neither the secret's bytes in any ingest record (raw is binary: each is looked at),
    nor the secret in any article."""
    for raw, message, filename in IngestRecord.objects.values_list("raw", "message", "filename"):
        assert SECRET not in bytes(raw)
        assert SECRET.decode() not in message + filename
    for article in Article.objects.all():
        assert SECRET.decode() not in article.headline + article.body


def stories():
    return sorted(Article.objects.values_list("headline", flat=True))


def recorded():
    return list(IngestRecord.objects.order_by("pk").values_list("filename", "outcome"))


# --- Links to files -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_link_to_a_file_inside_is_refused_by_default(drop):
    os.symlink("a.txt", drop / "b.txt")

    assert ingest(drop) == (
        "created /articles/story-one/\n" + summary(created=1, failed=1),
        f"error: {drop}/b.txt: a symbolic link, not followed (use --follow-links to import "
        "what it points to inside the folder)\n",
        "1 of 2 files failed",
    )
    assert recorded() == [(f"{drop}/a.txt", "created")]


@pytest.mark.django_db
def test_follow_links_imports_a_link_to_a_file_inside_under_the_links_name(drop):
    write(drop, ".store/c.txt", capture("Story two"))  # hidden: reached only by the link
    os.symlink(".store/c.txt", drop / "c.txt")

    assert ingest(drop, "--follow-links") == (
        "created /articles/story-one/\ncreated /articles/story-two/\n" + summary(created=2),
        "",
        None,
    )
    assert recorded() == [(f"{drop}/a.txt", "created"), (f"{drop}/c.txt", "created")]


@pytest.mark.django_db
def test_a_link_to_the_projects_env_outside_is_refused_even_with_follow_links(drop, tmp_path):
    os.symlink(tmp_path / ".env", drop / "env.txt")  # absolute
    os.symlink("../.env", drop / "relative.txt")

    assert ingest(drop) == (
        "created /articles/story-one/\n" + summary(created=1, failed=2),
        f"error: {drop}/env.txt: {LINK}\nerror: {drop}/relative.txt: {LINK}\n",
        "2 of 3 files failed",
    )
    assert ingest(drop, "--follow-links") == (
        "unchanged /articles/story-one/\n" + summary(unchanged=1, failed=2),
        f"error: {drop}/env.txt: a symbolic link to outside the folder, not followed\n"
        f"error: {drop}/relative.txt: a symbolic link to outside the folder, not followed\n",
        "2 of 3 files failed",
    )
    assert stories() == ["Story one"]
    assert [outcome for _, outcome in recorded()] == ["created", "unchanged"]
    assert_secret_kept_nowhere()


@pytest.mark.django_db
def test_a_link_that_leaves_the_folder_through_a_link_inside_it_is_refused(drop, tmp_path):
    """What counts is where the link leads in the end (os.path.realpath)."""
    os.symlink(tmp_path, drop / "up")  # a directory outside
    os.symlink("up/.env", drop / "env.txt")  # through it

    assert ingest(drop, "--follow-links") == (
        "created /articles/story-one/\n" + summary(created=1, failed=2),
        f"error: {drop}/env.txt: {OUTSIDE}\nerror: {drop}/up: {OUTSIDE}\n",
        "2 of 3 files failed",
    )
    assert_secret_kept_nowhere()


@pytest.mark.django_db
def test_a_link_to_a_missing_file_is_refused(drop):
    os.symlink("gone.txt", drop / "b.txt")

    assert ingest(drop)[1:] == (f"error: {drop}/b.txt: {LINK}\n", "1 of 2 files failed")
    assert ingest(drop, "--follow-links")[1:] == (
        f"error: {drop}/b.txt: a symbolic link to a missing file, not followed\n",
        "1 of 2 files failed",
    )


# --- Links to directories, loops -------------------------------------------------------------


@pytest.mark.django_db
def test_a_link_to_a_directory_inside_is_refused_by_default_and_followed_with_the_option(drop):
    write(drop, ".releases/42/b.txt", capture("Story two"))
    os.symlink(".releases/42", drop / "current")

    assert ingest(drop) == (
        "created /articles/story-one/\n" + summary(created=1, failed=1),
        f"error: {drop}/current: {LINK}\n",
        "1 of 2 files failed",
    )
    assert ingest(drop, "--follow-links") == (
        "unchanged /articles/story-one/\n"
        "created /articles/story-two/\n" + summary(created=1, unchanged=1),
        "",
        None,
    )
    assert recorded()[-1] == (f"{drop}/current/b.txt", "created")


@pytest.mark.django_db
def test_a_link_to_a_directory_outside_is_refused_even_with_follow_links(drop, tmp_path):
    os.symlink(tmp_path / "outside", drop / "more")
    os.symlink(tmp_path, drop / "parent")  # holds the .env

    assert ingest(drop) == (
        "created /articles/story-one/\n" + summary(created=1, failed=2),
        f"error: {drop}/more: {LINK}\nerror: {drop}/parent: {LINK}\n",
        "2 of 3 files failed",
    )
    assert ingest(drop, "--follow-links") == (
        "unchanged /articles/story-one/\n" + summary(unchanged=1, failed=2),
        f"error: {drop}/more: {OUTSIDE}\nerror: {drop}/parent: {OUTSIDE}\n",
        "2 of 3 files failed",
    )
    assert stories() == ["Story one"]
    assert_secret_kept_nowhere()


@pytest.mark.django_db
def test_link_loops_are_refused_and_the_walk_ends(drop):
    write(drop, "sub/b.txt", capture("Story two"))
    os.symlink(".", drop / "sub" / "self")  # the folder that holds it
    os.symlink("..", drop / "sub" / "up")  # a folder above, still inside
    os.symlink("y", drop / "x")  # x -> y -> x
    os.symlink("x", drop / "y")

    with deadline():
        assert ingest(drop) == (
            "created /articles/story-one/\n"
            "created /articles/story-two/\n" + summary(created=2, failed=4),
            f"error: {drop}/sub/self: {LINK}\nerror: {drop}/sub/up: {LINK}\n"
            f"error: {drop}/x: {LINK}\nerror: {drop}/y: {LINK}\n",
            "4 of 6 files failed",
        )
        assert ingest(drop, "--follow-links") == (
            "unchanged /articles/story-one/\n"
            "unchanged /articles/story-two/\n" + summary(unchanged=2, failed=4),
            f"error: {drop}/sub/self: {LOOP}\nerror: {drop}/sub/up: {LOOP}\n"
            f"error: {drop}/x: {LOOP}\nerror: {drop}/y: {LOOP}\n",
            "4 of 6 files failed",
        )
    assert LOOP == "a symbolic link loop, not followed"


# --- Links given as PATH ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_link_given_as_a_path_is_refused_unless_follow_links(drop):
    """A shell glob (`ingest drop/*`) passes the folder's links as paths: the same rules."""
    os.symlink("a.txt", drop / "b.txt")

    assert ingest(drop / "b.txt") == ("", f"error: {drop}/b.txt: {LINK}\n", "1 of 1 files failed")
    assert not IngestRecord.objects.exists()
    assert ingest(drop / "b.txt", "--follow-links") == ("created /articles/story-one/\n", "", None)
    assert recorded() == [(f"{drop}/b.txt", "created")]


@pytest.mark.django_db
def test_a_link_given_as_a_path_is_followed_only_inside_the_folder_that_holds_it(drop, tmp_path):
    """Written "parent/" (as a shell's */ gives it), the path still names the link. Links
    before a PATH's last name are the operator's own way to it, and are not checked."""
    os.symlink("../.env", drop / "env.txt")
    os.symlink(tmp_path, drop / "parent")

    for option in [(), ("--follow-links",)]:
        reason = OUTSIDE if option else LINK
        assert ingest(drop / "env.txt", f"{drop}/parent/", *option) == (
            summary(failed=2),  # a PATH names a directory: the summary line
            f"error: {drop}/env.txt: {reason}\nerror: {drop}/parent/: {reason}\n",
            "2 of 2 files failed",
        )
    assert not IngestRecord.objects.exists()
    assert not Article.objects.exists()


# --- Special files ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_fifo_with_no_writer_is_refused_without_being_opened(drop, monkeypatch):
    os.mkfifo(drop / "feed")
    os.mkfifo(drop.parent / "pipe")
    opened = []
    real_open = os.open
    monkeypatch.setattr(
        os, "open", lambda path, *a, **k: opened.append(path) or real_open(path, *a, **k)
    )

    with deadline():
        assert ingest(drop, drop.parent / "pipe") == (
            "created /articles/story-one/\n" + summary(created=1, failed=2),
            f"error: {drop}/feed: not a regular file (a FIFO)\n"
            f"error: {drop.parent}/pipe: not a regular file (a FIFO)\n",
            "2 of 3 files failed",
        )
    assert [os.path.basename(path) for path in opened] == ["a.txt"]
    assert recorded() == [(f"{drop}/a.txt", "created")]


@pytest.mark.django_db
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_device_is_refused_not_read(device):
    """/dev/zero, read, never ends (it ended in MemoryError); /dev/null would be "empty"."""
    with deadline():
        assert ingest(device) == (
            "",
            f"error: {device}: not a regular file (a device)\n",
            "1 of 1 files failed",
        )
    assert not IngestRecord.objects.exists()


@pytest.mark.django_db
def test_a_link_to_a_device_is_refused_as_a_link_or_as_a_device(drop):
    os.symlink("/dev/zero", drop / "zero")
    write(drop, ".dev/z", b"")
    os.symlink(".dev/z", drop / "inside")

    assert ingest(drop, "--follow-links")[1] == (
        f"error: {drop}/inside: empty file\nerror: {drop}/zero: {OUTSIDE}\n"
    )


@pytest.mark.django_db
def test_a_socket_is_refused(tmp_path):
    folder = tmp_path / "s"  # short: a socket's path has at most 107 bytes
    folder.mkdir()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(folder / "sock"))
        server.listen()
        assert ingest(folder) == (
            summary(failed=1),
            f"error: {folder}/sock: not a regular file (a socket)\n",
            "1 of 1 files failed",
        )
    finally:
        server.close()


# --- The read itself ------------------------------------------------------------------------


def test_read_regular_refuses_a_link(tmp_path):
    write(tmp_path, "a.txt", b"text")
    os.symlink("a.txt", tmp_path / "b.txt")

    with pytest.raises(batch.Refused) as refusal:
        batch.read_regular(str(tmp_path / "b.txt"), 100)
    assert str(refusal.value) == LINK


def test_read_regular_refuses_a_link_swapped_in_after_the_check(tmp_path, monkeypatch):
    """The path checked (lstat) became a link before it was opened: O_NOFOLLOW refuses it."""
    write(tmp_path, "a.txt", b"text")
    os.symlink(tmp_path.parent / ".env", tmp_path / "b.txt")
    regular = os.lstat(tmp_path / "a.txt")
    monkeypatch.setattr(os, "lstat", lambda path: regular)

    with pytest.raises(batch.Refused) as refusal:
        batch.read_regular(str(tmp_path / "b.txt"), 100)
    assert str(refusal.value) == LINK


def test_read_regular_refuses_a_fifo_swapped_in_after_the_check(tmp_path, monkeypatch):
    """The open file is checked again (fstat): a FIFO opened without blocking, not read."""
    write(tmp_path, "a.txt", b"text")
    os.mkfifo(tmp_path / "feed")
    regular = os.lstat(tmp_path / "a.txt")
    monkeypatch.setattr(os, "lstat", lambda path: regular)

    with deadline(), pytest.raises(batch.Refused, match=r"^not a regular file \(a FIFO\)$"):
        batch.read_regular(str(tmp_path / "feed"), 100)
