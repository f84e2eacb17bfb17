"""The photo library's queued work, run by `manage.py db_worker --queue-name photos` (never in a
request): fetching a wire picture from its address, and making a photo's renditions.

`fetch_photo(photo_id, attempt)` fetches the picture at a photo's remote_url
(downloader.fetch_picture: every address checked, size and pixels bounded) and stores it as the
photo's original through Photo.save, which describes it (SHA-256, size, metadata) and queues
make_renditions. A refusal is written to the photo's fetch_warning for the editor; one that may
pass later (a time-out, a 5xx...) queues the task again, `run_after` a back-off of 1, 4, 16
minutes and then every hour, until PHOTO_FETCH_ATTEMPTS attempts were made. The photo keeps its
remote_url whatever happens. `queue_fetch(photo)` queues the first attempt on commit (Photo.save
calls it for a new photo that has a remote_url and no original).

`make_renditions(photo_id, focal)` opens the original through its storage, makes every
rendition (renditions.rendition_set: one file in memory at a time), stores each file through
default_storage under its content-derived name ("photos/renditions/<width>w-<hash>.<ext>": an
unchanged crop keeps its name, and its file is not written again), then replaces the photo's
Rendition rows in one transaction. A task queued for a focal point that is no longer the
photo's does nothing: the change queued a newer one.
"""

import logging
from datetime import timedelta
from fractions import Fraction

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from articles.photos import renditions
from articles.photos.downloader import FetchRefused, fetch_picture

logger = logging.getLogger(__name__)

# Rendition.ratio of each of renditions.RATIOS.
RATIO_NAMES = {Fraction(16, 9): "16:9", Fraction(1): "1:1", Fraction(4, 3): "4:3", None: "original"}
RENDITIONS_DIR = "photos/renditions/"
# The smallest decoded size that still covers the widest 16:9 rendition: a JPEG at least twice
# as large is decoded at half (or a quarter) of its size. A 24-megapixel photo's whole set then
# peaks at about 220 MB instead of about 340 MB (bench/renditions.py), under the 300 MB a worker
# may take; its widest square is then its short side at half size (1837 px for 6532 x 3674).
DECODED_AT_LEAST = (renditions.LADDER[-1], renditions.LADDER[-1] * 9 // 16)


# fetch_photo's back-off: the wait before attempt n + 1 is FETCH_FIRST_WAIT x 4^(n - 1), at most
# FETCH_LONGEST_WAIT (1, 4, 16 minutes, then an hour).
FETCH_FIRST_WAIT = timedelta(minutes=1)
FETCH_WAIT_FACTOR = 4
FETCH_LONGEST_WAIT = timedelta(hours=1)
DEFAULT_FETCH_ATTEMPTS = 5


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


def fetch_attempts() -> int:
    """PHOTO_FETCH_ATTEMPTS: how many times in all a picture is fetched before giving up."""
    return max(1, int(getattr(settings, "PHOTO_FETCH_ATTEMPTS", DEFAULT_FETCH_ATTEMPTS)))


def fetch_wait(attempt: int) -> timedelta:
    """How long to wait after failed attempt `attempt` (1, 2, ...) before the next one."""
    return min(FETCH_FIRST_WAIT * FETCH_WAIT_FACTOR ** (attempt - 1), FETCH_LONGEST_WAIT)


def queue_fetch(photo) -> None:
    """Queue fetch_photo's first attempt for `photo` once the transaction commits (nothing is
    fetched in a request)."""
    photo_id = photo.pk
    transaction.on_commit(lambda: fetch_photo.enqueue(photo_id))


@task(queue_name="photos")
def fetch_photo(photo_id: int, attempt: int = 1) -> str | None:
    """Fetch the picture of photo `photo_id` from its remote_url and store it as its original
    (see the module's docstring). Returns what happened ("fetched", "retry", "refused"), or None
    when there was nothing to do (the photo is gone, has an original, or has no address)."""
    from articles.models import Photo

    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None or photo.original or not photo.remote_url:
        return None
    url = photo.remote_url
    try:
        fetched = fetch_picture(url)
    except FetchRefused as error:
        return _refused(photo_id, url, error, attempt)
    with transaction.atomic():
        photo = Photo.objects.select_for_update().filter(pk=photo_id).first()
        if photo is None or photo.original or photo.remote_url != url:
            return None  # changed while the picture was fetched
        # Photo.save describes the new original (SHA-256, size, metadata), names it after its
        # bytes (upload_to: the name given here is not kept) and queues make_renditions.
        photo.original = ContentFile(fetched.content, name="fetched")
        photo.fetch_warning = ""
        photo.save()
    logger.info("photo %s: fetched %s (%d bytes)", photo_id, url, len(fetched.content))
    return "fetched"


def _refused(photo_id: int, url: str, error: FetchRefused, attempt: int) -> str | None:
    """Write the refusal to the photo's fetch_warning and, if it may pass and attempts are left,
    queue the next attempt after the back-off."""
    from articles.models import Photo

    reason = error.message.removesuffix(": refused")
    message = f"Could not fetch the picture from {url}: {reason}."
    tries = "once" if attempt == 1 else f"{attempt} times"
    again = error.retryable and attempt < fetch_attempts()
    if again:
        run_after = timezone.now() + fetch_wait(attempt)
        local = timezone.localtime(run_after)
        message += f" Tried {tries}; will try again at {local:%H:%M} {local.tzname()}."
    elif error.retryable:
        message += f" Tried {tries}; it will not be tried again."
    else:
        message += f" Tried {tries}; trying again would not help."
    with transaction.atomic():
        photo = Photo.objects.select_for_update().filter(pk=photo_id).first()
        if photo is None or photo.original or photo.remote_url != url:
            return None
        photo.fetch_warning = message
        photo.save(update_fields=["fetch_warning", "updated_at"])
        if again:
            retry = fetch_photo.using(run_after=run_after)
            transaction.on_commit(lambda: retry.enqueue(photo_id, attempt + 1))
    logger.warning("photo %s: %s (%s, attempt %d)", photo_id, message, error.code, attempt)
    return "retry" if again else "refused"


def _max_pixels() -> int:
    from articles.photos.models import max_pixels

    return max_pixels()
