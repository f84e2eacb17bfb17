"""What the site's file storage holds."""

from django.core.files.storage import default_storage


def stored(name) -> bytes:
    """The bytes of the file `name` in the default storage (closed after reading)."""
    with default_storage.open(name) as file:
        return file.read()
