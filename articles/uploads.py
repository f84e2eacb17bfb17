"""Uploaded images: only real images of a bounded size, stored under generated names.

`validate_image` is the validator for the models' ImageFields (agency logos, caption photos);
`GeneratedNameStorage` is the media storage (STORAGES["default"]): whatever a file was called
on the uploader's computer, it is stored as `<upload_to>/<32 hex digits>.<extension>`, so a
name can neither collide, nor guess another file's address, nor carry anything odd to disk.
The extension is the one of the image format Pillow reads in the file (.jpg, .png, .gif,
.webp), never the uploader's: the web server in front types media by extension, so a GIF
uploaded as `x.pdf` is sent as image/gif. A file that is none of those formats (only code that
bypasses the validator can store one) gets no extension at all.

Names under CONTENT_NAMED ("photos/": the photo library's originals and renditions) are the
exception: articles/photos makes them from the file's content (a SHA-256), so they are kept as
given, extension included (AVIF is not one of the formats above), and a file already stored
under such a name holds the same bytes: it is not written again.
"""

import re
import uuid
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.utils import validate_file_name
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
# 40 megapixels: more than any camera editors use, far less than a "decompression bomb" that
# would take gigabytes of memory to decode.
MAX_PIXELS = 40_000_000
# The formats accepted, and the extension a stored file of each format gets.
EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp"}
FORMATS = set(EXTENSIONS)
EXTENSION = re.compile(r"\.[a-z0-9]{1,5}")
# Names made from the content by articles/photos (see the module's docstring).
CONTENT_NAMED = "photos/"


def validate_image(file) -> None:
    """Refuse, with a message for the editor, anything but a JPEG, PNG, GIF or WebP image of at
    most MAX_BYTES and MAX_PIXELS that Pillow can read and verify."""
    if getattr(file, "_committed", False):
        return  # a file stored before (an unchanged field): checked when it was uploaded
    if file.size > MAX_BYTES:
        raise ValidationError(
            "This file is %(size).1f MB; images can be at most %(limit)d MB.",
            code="image_too_large",
            params={"size": file.size / 1024 / 1024, "limit": MAX_BYTES // 1024 // 1024},
        )
    position = file.tell() if hasattr(file, "tell") else None
    try:
        file.seek(0)
        with Image.open(file) as image:
            kind, (width, height) = image.format, image.size
            if kind in FORMATS and width * height <= MAX_PIXELS:
                image.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as error:
        if isinstance(error, Image.DecompressionBombError):
            raise _too_many_pixels() from error
        raise ValidationError(
            "This file is not an image that can be shown, or it is damaged: "
            "upload a JPEG, PNG, GIF or WebP photo.",
            code="not_an_image",
        ) from error
    finally:
        if position is not None:
            file.seek(position)
    if kind not in FORMATS:
        raise ValidationError(
            "%(kind)s images cannot be shown on every reader's device: "
            "upload a JPEG, PNG, GIF or WebP photo.",
            code="image_format",
            params={"kind": kind},
        )
    if width * height > MAX_PIXELS:
        raise _too_many_pixels(width, height)


def _too_many_pixels(width=None, height=None):
    size = f" ({width} x {height})" if width else ""
    return ValidationError(
        "This image has more than %(limit)d megapixels%(size)s: upload a smaller version.",
        code="image_too_many_pixels",
        params={"size": size, "limit": MAX_PIXELS // 1_000_000},
    )


def verified_format(file) -> str | None:
    """The format of an image Pillow can open and verify, if it is one of FORMATS; else None.
    The file is left where it was."""
    position = file.tell() if hasattr(file, "tell") else None
    try:
        file.seek(0)
        with Image.open(file) as image:
            kind = image.format
            if kind not in FORMATS:
                return None
            image.verify()
            return kind
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        return None
    finally:
        if position is not None:
            file.seek(position)


def generated_name(filename: str) -> str:
    """A fresh random name keeping only a plain lower-case extension: "Foto 1.JPG" -> "<hex>.jpg"."""
    suffix = PurePosixPath(filename).suffix.lower()
    return uuid.uuid4().hex + (suffix if EXTENSION.fullmatch(suffix) else "")


def is_content_named(name) -> bool:
    return str(name).replace("\\", "/").startswith(CONTENT_NAMED)


class GeneratedNameStorage(FileSystemStorage):
    """MEDIA_ROOT, with every new file's name generated (the directory from upload_to kept) and
    its extension that of the format of its content (see the module's docstring), except the
    content-derived names under CONTENT_NAMED, kept as given."""

    def get_valid_name(self, name):
        return generated_name(name)

    def generate_filename(self, filename):
        if is_content_named(filename):
            return validate_file_name(str(filename), allow_relative_path=True)
        return super().generate_filename(filename)

    def save(self, name, content, max_length=None):
        if name is None:
            name = content.name
        if is_content_named(name):
            validate_file_name(name, allow_relative_path=True)
            if self.exists(name):  # the same content, stored before
                return name
            return FileSystemStorage.save(self, name, content, max_length=max_length)
        extension = EXTENSIONS.get(verified_format(content), "")
        path = PurePosixPath(name)
        # The name's own extension (generated_name's, from the uploader) gives way to the
        # format's; anything else after a dot is part of the name.
        if EXTENSION.fullmatch(path.suffix.lower()):
            path = path.with_suffix("")
        return super().save(str(path) + extension, content, max_length=max_length)
