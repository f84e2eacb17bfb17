"""The photo library's queued work, run by `manage.py db_worker --queue-name photos` (never in a
request): making a photo's renditions.

`make_renditions(photo_id, focal)` opens the original through its storage, makes every
rendition (renditions.rendition_set: one file in memory at a time), stores each file through
default_storage under its content-derived name ("photos/renditions/<width>w-<hash>.<ext>": an
unchanged crop keeps its name, and its file is not written again), then replaces the photo's
Rendition rows in one transaction. A task queued for a focal point that is no longer the
photo's does nothing: the change queued a newer one.
"""

import logging
from fractions import Fraction

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django_tasks import task

from articles.photos import renditions

logger = logging.getLogger(__name__)

# Rendition.ratio of each of renditions.RATIOS.
RATIO_NAMES = {Fraction(16, 9): "16:9", Fraction(1): "1:1", Fraction(4, 3): "4:3", None: "original"}
RENDITIONS_DIR = "photos/renditions/"
# The smallest decoded size that still covers the widest 16:9 rendition: a JPEG at least twice
# as large is decoded at half (or a quarter) of its size. A 24-megapixel photo's whole set then
# peaks at about 220 MB instead of about 340 MB (bench/renditions.py), under the 300 MB a worker
# may take; its widest square is then its short side at half size (1837 px for 6532 x 3674).
DECODED_AT_LEAST = (renditions.LADDER[-1], renditions.LADDER[-1] * 9 // 16)


def ratio_name(ratio) -> str:
    return RATIO_NAMES[ratio]


@task(queue_name="photos")
def make_renditions(photo_id: int, focal: list) -> int | None:
    """Make and store the renditions of photo `photo_id` for the focal point `focal` (x, y):
    the number of renditions, or None when there was nothing to do (the photo is gone, or its
    focal point or original changed since this was queued)."""
    from articles.models import Photo, Rendition

    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None or not photo.original:
        return None
    if [photo.focal_x, photo.focal_y] != list(focal):
        return None  # a newer task is queued for the new focal point
    original_name = photo.original.name
    with photo.original.open("rb") as file:
        data = file.read()
    image = renditions.open_image(data, max_pixels=_max_pixels(), min_size=DECODED_AT_LEAST)
    del data
    rows = []
    for ratio, rendition in renditions.rendition_set(
        image,
        focal=(photo.focal_x, photo.focal_y),
        copyright=photo.copyright_notice or None,
        creator=photo.photographer or None,
    ):
        name = default_storage.save(RENDITIONS_DIR + rendition.name, ContentFile(rendition.data))
        rows.append(
            Rendition(
                photo_id=photo_id,
                ratio=ratio_name(ratio),
                fmt=rendition.fmt,
                width=rendition.width,
                height=rendition.height,
                file=name,
                size_bytes=len(rendition.data),
                box=list(rendition.box),
            )
        )
        del rendition
    with transaction.atomic():
        current = Photo.objects.select_for_update().filter(pk=photo_id).first()
        if (
            current is None
            or current.original.name != original_name
            or [current.focal_x, current.focal_y] != list(focal)
        ):
            return None  # changed while the files were made: the newer task replaces them
        Rendition.objects.filter(photo_id=photo_id).delete()
        Rendition.objects.bulk_create(rows)
    logger.info("photo %s: %d renditions", photo_id, len(rows))
    return len(rows)


def _max_pixels() -> int:
    from articles.photos.models import max_pixels

    return max_pixels()
