"""Import agency files: `python manage.py ingest PATH [PATH ...] [--publish] [--dry-run]
[--format FORMAT] [--follow-links] [--progress | --no-progress]`.

A PATH is a file or a directory; a directory imports every file of its tree, in name order,
skipping hidden files and directories (names starting with "."). Files are read, parsed and
written one at a time, so memory does not grow with the number of files.

Only regular files are read, none larger than settings.INGEST_MAX_FILE_BYTES. A symbolic link,
in a tree or given as a PATH (a shell glob passes links too), is refused unless --follow-links;
with it, a link is followed only to inside the folder given (for a PATH, the folder holding the
link). FIFOs, devices and sockets are refused without being opened. Each refusal is an error
line naming the file, like any file that cannot be read (articles.ingest.batch).

Prints one line per article, "<outcome> <URL path>", where outcome is created, updated,
unchanged or held (an update of an article an editor changed since its last import: nothing
was applied; it waits in the admin as a pending update for an editor to apply or dismiss, and
the command still succeeds). A file that cannot be imported gets one line on stderr naming
the file and the reason; the other files are still imported (each in its own transaction) and
the command exits non-zero. After a directory, a last line counts each outcome an import can
have (IngestRecord.Outcome), e.g. "summary: 10000 files: 9990 created, 0 updated,
0 unchanged, 0 held, 0 stale, 0 withdrawn, 0 skipped, 10 failed".

A progress bar (on stderr) shows when stderr is a terminal, or with --progress.

Stopped by Ctrl-C or SIGTERM (or killed), it leaves each file imported entirely or not at all;
running it again imports the rest, and reports the files already in as unchanged, fast (see
articles.ingest.batch).
"""

import argparse
import getpass
import os
import signal
import threading
from collections import Counter
from contextlib import contextmanager
from functools import partial

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles.ingest import batch, formats
from articles.ingest.storable import storable_filename
from articles.models import IngestRecord

FORMATS = ["auto", *formats.FORMATS]
# "page capture (plain text), IPTC ninjs (JSON), ... and saved web page (HTML)", for --help.
_LABELS = [formats.LABELS[name] for name in formats.FORMATS]
FORMAT_LABELS = f"{', '.join(_LABELS[:-1])} and {_LABELS[-1]}"


def system_user():
    """The operating-system user running the command, recorded with each raw input."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""


def reading(fmt):
    """(writer options, parser for the fast path) for --format fmt: the fast path must read a
    file exactly as the writer does."""
    fmt = None if fmt == "auto" else fmt
    return {"fmt": fmt}, partial(formats.parse, fmt=fmt)


class Interrupted(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C's KeyboardInterrupt: the file being written rolls back."""

    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextmanager
def sigterm_interrupts():
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise Interrupted(signum)

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class Command(BaseCommand):
    help = (
        "Import agency article files, or directories of them, into the database. It reads "
        f"{FORMAT_LABELS} files."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths",
            nargs="+",
            metavar="PATH",
            help="Files or directories to import (a directory: every file of its tree).",
        )
        parser.add_argument(
            "--publish", action="store_true", help="Publish the articles now (default: draft)."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Parse and report what would happen, writing nothing.",
        )
        parser.add_argument(
            "--format",
            dest="fmt",
            choices=FORMATS,
            default="auto",
            help="The files' format (default: auto, detected from each file): "
            + "; ".join(f"{name}: {formats.LABELS[name]}" for name in formats.FORMATS)
            + ".",
        )
        parser.add_argument(
            "--follow-links",
            action="store_true",
            help="Follow symbolic links, to files and directories inside the folder given "
            "(never outside it). Default: a link is refused.",
        )
        parser.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="Show a progress bar on stderr (default: when stderr is a terminal).",
        )

    def handle(
        self, *args, paths, publish, dry_run, fmt, follow_links, progress, verbosity, **options
    ):
        writer_options, parse = reading(fmt)
        if progress is None:
            progress = self.stderr.isatty()
        counts = Counter()
        results = batch.import_files(
            paths,
            parse=parse,
            channel="command",
            operator=system_user(),
            publish=publish,
            dry_run=dry_run,
            follow_links=follow_links,
            **writer_options,
        )
        bar = tqdm(disable=not progress, file=self.stderr._out, unit=" files", dynamic_ncols=True)
        interrupted = None
        try:
            with sigterm_interrupts():
                if progress:
                    bar.reset(total=batch.count(paths, follow_links=follow_links))
                for path, result in results:
                    path = storable_filename(path)  # printable, as the ingest record has it
                    counts[result.outcome] += 1
                    if result.failed:
                        self.show(bar, self.stderr, f"error: {path}: {result.error}")
                    else:
                        self.show(bar, self.stdout, result.line())
                        if verbosity > 1:
                            # A cancellation of a story never imported has no article.
                            what = result.article.headline if result.article else result.message
                            self.show(bar, self.stdout, f"  {path}: {what}")
                    bar.update()
        except KeyboardInterrupt as stop:
            interrupted = stop
        finally:
            bar.close()

        total = counts.total()
        if verbosity > 0 and any(os.path.isdir(path) for path in paths):
            self.stdout.write(
                f"summary: {total} files: "
                + ", ".join(f"{counts[outcome]} {outcome}" for outcome in IngestRecord.Outcome)
            )
        if dry_run and verbosity > 0:
            self.stderr.write("dry run: nothing was written")
        if interrupted is not None:
            signum = getattr(interrupted, "signum", signal.SIGINT)
            raise CommandError(
                f"interrupted by {signal.Signals(signum).name} after {total} files; each file "
                "is imported entirely or not at all: run the command again to import the rest",
                returncode=128 + signum,
            )
        if counts[IngestRecord.Outcome.FAILED]:
            raise CommandError(f"{counts[IngestRecord.Outcome.FAILED]} of {total} files failed")

    @staticmethod
    def show(bar, stream, line):
        """A line on stdout or stderr, above the progress bar when there is one."""
        if bar.disable:
            stream.write(line)
        else:
            with tqdm.external_write_mode(file=stream._out):
                stream.write(line)
