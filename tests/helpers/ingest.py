"""Importing through `manage.py ingest`: page captures made up on the spot, the command run
in-process, the summary line it prints, and the content rows an import may write."""

from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command

from articles.models import Agency, Article, Author, Caption, IngestRecord
from tests.helpers.paths import INGEST_DATA

AGENCY_BOX = "    Reuters\n\n    Reuters is a news agency.\n"
# An agency's text that looks like Markdown: imported literally.
MARKUP = INGEST_DATA / "markup-literal.txt"
MARKUP_URL = "/articles/agency-text-that-looks-like-markup/"


def capture(headline, *paragraphs, box=AGENCY_BOX):
    body = "\n\n".join(paragraphs or [f"The first paragraph of {headline.lower()}."])
    return f"Breaking News\n\n{headline}\n\n{body}\n\n{box}".encode()


def ingest(*args):
    """Run the command; (stdout, stderr, CommandError message or None)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("ingest", *map(str, args), stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), str(error)
    return out.getvalue(), err.getvalue(), None


def write(directory, name, data):
    path = Path(directory, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def summary(created=0, updated=0, unchanged=0, held=0, failed=0, **others):
    counts = {"created": created, "updated": updated, "unchanged": unchanged, "held": held}
    counts |= {o: others.get(o, 0) for o in IngestRecord.Outcome.values if o not in counts}
    counts["failed"] = failed
    total = sum(counts.values())
    ordered = ", ".join(f"{counts[o]} {o}" for o in IngestRecord.Outcome.values)
    return f"summary: {total} files: {ordered}\n"


def content_rows():
    """Every content row, every column (pk, updated_at, ...): equal means nothing was written."""
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (Agency, Author, Article, Caption)
    }
