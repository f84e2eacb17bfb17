"""Store the rendered body of every article whose stored HTML is not what the renderer gives now.

    manage.py render_bodies [--dry-run] [--batch-size N]

Run it after a deploy that changes the renderer (articles/markup.py, the language detection of
articles/language.py, or markdown-it-py): their key (markup.RENDERER) changes, and until
this runs every article page renders its body on each view. Pages are correct meanwhile, only
slower. Prints one line, "render_bodies: N of M articles rendered"; a second run renders 0.
"""

from django.core.management.base import BaseCommand, CommandError

from articles.models import Article
from articles.rendered_bodies import render_stale


class Command(BaseCommand):
    help = (
        "Store the rendered body of every article whose stored one was made from another body, "
        "language or renderer (after a deploy that changes the renderer)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count the articles to render; change nothing."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=500,
            help="Articles read and written at a time (default 500).",
        )

    def handle(self, *, dry_run, batch_size, verbosity, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be a whole number of at least 1.")
        rendered, total = render_stale(
            Article.objects.all(), batch_size=batch_size, dry_run=dry_run
        )
        if verbosity >= 1:
            if dry_run:
                self.stdout.write(
                    f"render_bodies: {rendered} of {total} articles to render (dry run)"
                )
            else:
                self.stdout.write(f"render_bodies: {rendered} of {total} articles rendered")
