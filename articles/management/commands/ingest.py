"""Import agency files: `python manage.py ingest PATH [PATH ...] [--publish] [--dry-run]`.

Prints one line per article, "<outcome> <URL path>", where outcome is created, updated,
unchanged or held (an update of an article an editor changed since its last import: nothing
was applied; it waits in the admin as a pending update for an editor to apply or dismiss, and
the command still succeeds). A file that cannot be imported gets one line on stderr naming
the file and the reason; the other files are still imported (each in its own transaction) and
the command exits non-zero.
"""

import getpass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.ingest.writer import ingest


def system_user():
    """The operating-system user running the command, recorded with each raw input."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""


class Command(BaseCommand):
    help = "Import agency article files (page captures) into the database."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="Files to import.")
        parser.add_argument(
            "--publish", action="store_true", help="Publish the articles now (default: draft)."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Parse and report what would happen, writing nothing.",
        )

    def handle(self, *args, paths, publish, dry_run, verbosity, **options):
        failures = 0
        operator = system_user()
        for path in paths:
            try:
                data = Path(path).read_bytes()
            except OSError as error:
                failures += 1
                self.stderr.write(f"error: {path}: cannot read: {error.strerror}")
                continue
            result = ingest(
                data,
                filename=path,
                channel="command",
                operator=operator,
                publish=publish,
                dry_run=dry_run,
            )
            if result.failed:
                failures += 1
                self.stderr.write(f"error: {path}: {result.error}")
                continue
            self.stdout.write(result.line())
            if verbosity > 1:
                self.stdout.write(f"  {path}: {result.article.headline}")
        if dry_run and verbosity > 0:
            self.stderr.write("dry run: nothing was written")
        if failures:
            raise CommandError(f"{failures} of {len(paths)} files failed")
