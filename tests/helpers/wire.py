"""The wire-format samples of tests/data/wire/, imported through the one writer or through the
admin's import page."""

from django.core.files.uploadedfile import SimpleUploadedFile

from articles.ingest.writer import ingest
from tests.helpers.importing import IMPORT_URL
from tests.helpers.paths import WIRE


def read(name):
    return (WIRE / name).read_bytes()


def run(name, data=None, **options):
    return ingest(read(name) if data is None else data, filename=name, channel="command", **options)


def preview(client, name, **fields):
    """The admin's import page's preview of a sample file."""
    data = (WIRE / name).read_bytes()
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, data), **fields})


def save(client, response):
    """Save what a preview (above) shows, with the preview's Save form."""
    fields = {f.html_name: f.value() for f in response.context["confirm"]} | {"confirm": "Save"}
    return client.post(IMPORT_URL, fields)
