"""The photo library's models: a Photo (the original as uploaded or fetched, and what is said
about it) and its Renditions (the files made from it by articles/photos/tasks.py, never in a
request). Tables of the articles app (articles_photo, articles_rendition).

Every stored name is derived from the content: the original is
"photos/originals/<sha256 of its bytes>.<ext>", a rendition "photos/renditions/<name>" with
the name renditions.render gives it (width and a hash of its bytes). Two photos or two crops
never share a file unless their bytes are the same, and a changed crop gets a new address no
cache can have kept.
"""

import dataclasses
import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

# Loaded from the end of articles.models (which Django imports first): what it needs of that
# module is defined by then.
from articles.models import bcp47_validator, revisions

# The ratios made of every photo ("original": as shot), as Rendition.ratio stores them.
RATIO_CHOICES = [("16:9", "16:9"), ("1:1", "1:1"), ("4:3", "4:3"), ("original", _("original"))]
FORMAT_CHOICES = [("avif", "AVIF"), ("webp", "WebP"), ("jpeg", "JPEG")]
# Extensions of the originals, by the format Pillow reads in the file.
ORIGINAL_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
DEFAULT_MAX_PIXELS = 100_000_000


def max_pixels() -> int:
    return getattr(settings, "PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS)


def file_sha256(file) -> str:
    """SHA-256 (hex) of a file's bytes, read in chunks; the file is left at its start."""
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in (
        file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(1 << 20), b"")
    ):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def original_name(instance, filename):
    """upload_to of Photo.original: "photos/originals/<sha256>.<ext>", the extension that of the
    format in the file (never the uploader's)."""
    from PIL import Image

    file = instance.original.file
    instance.sha256 = file_sha256(file)
    try:
        with Image.open(file) as image:
            kind = image.format
    except OSError:
        kind = None
    finally:
        file.seek(0)
    extension = ORIGINAL_EXTENSIONS.get(kind, "bin")
    return f"photos/originals/{instance.sha256}.{extension}"


def rendition_name(instance, filename):
    """upload_to of Rendition.file: the content-derived name under photos/renditions/."""
    return f"photos/renditions/{filename}"


class PhotoQuerySet(models.QuerySet):
    def with_renditions(self):
        """Photos that have renditions (make_renditions ran for them; after a new focal point
        or original, the previous ones stay until the new task replaces them)."""
        return self.filter(renditions__isnull=False).distinct()


class Photo(models.Model):
    original = models.ImageField(
        _("original"),
        upload_to=original_name,
        max_length=200,
        help_text=_("The photo as the photographer or the agency sent it (JPEG, PNG or WebP)."),
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True, editable=False)
    width = models.PositiveIntegerField(
        _("width"), null=True, blank=True, editable=False, help_text=_("As shown, upright.")
    )
    height = models.PositiveIntegerField(
        _("height"), null=True, blank=True, editable=False, help_text=_("As shown, upright.")
    )
    alt_text = models.CharField(
        _("alt text"),
        max_length=500,
        blank=True,
        help_text=_(
            "What the photo shows, for people who cannot see it. Empty only for a decorative photo."
        ),
    )
    decorative = models.BooleanField(
        _("decorative"),
        default=False,
        help_text=_("Adds nothing to the text: shown with an empty alt text."),
    )
    caption = models.TextField(_("caption"), blank=True)
    caption_language = models.CharField(
        _("caption language"),
        max_length=35,
        blank=True,
        default="",
        validators=[bcp47_validator],
        help_text=_("BCP 47 tag of the caption's language: “en”, “ko”, “pt-BR”."),
    )
    credit = models.CharField(_("credit"), max_length=200, blank=True)
    copyright_notice = models.CharField(_("copyright notice"), max_length=300, blank=True)
    agency = models.ForeignKey(
        "articles.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="photos",
    )
    photographer = models.CharField(_("photographer"), max_length=200, blank=True)
    headline = models.CharField(_("headline"), max_length=300, blank=True)
    focal_x = models.FloatField(
        _("focal point x"),
        default=0.5,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_("0 is the left edge, 1 the right: crops keep this point in view."),
    )
    focal_y = models.FloatField(
        _("focal point y"),
        default=0.5,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_("0 is the top edge, 1 the bottom."),
    )
    metadata = models.JSONField(
        _("metadata"),
        default=dict,
        blank=True,
        editable=False,
        help_text=_("As read from the file."),
    )
    remote_url = models.URLField(
        _("remote address"),
        max_length=1000,
        blank=True,
        editable=False,
        help_text=_("Where the agency serves the picture."),
    )
    fetch_warning = models.TextField(_("fetch warning"), blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PhotoQuerySet.as_manager()
    history = revisions()

    class Meta:
        app_label = "articles"
        ordering = ["-created_at", "-id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(focal_x__gte=0, focal_x__lte=1, focal_y__gte=0, focal_y__lte=1),
                name="photo_focal_point_inside",
                violation_error_message=_("The focal point is inside the photo: 0 to 1 each."),
            ),
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._saved_rendering = self._rendering_key()

    def __str__(self):
        return (
            self.caption[:80]
            or self.headline[:80]
            or (self.original.name.rsplit("/", 1)[-1] if self.original else "")
            or f"photo {self.pk}"
        )

    def save(self, *args, **kwargs):
        if self.original and not getattr(self.original, "_committed", True):
            self.describe_original()
        adding = self._state.adding
        super().save(*args, **kwargs)
        if adding and self.remote_url and not self.original:
            self.queue_fetch()
        key = self._rendering_key()
        if key is not None and key != self._saved_rendering and self.original:
            self._saved_rendering = key
            self.queue_renditions()

    def clean(self):
        super().clean()
        if not self.decorative and not self.alt_text.strip():
            raise ValidationError(
                {
                    "alt_text": _(
                        "Describe the photo for people who cannot see it, or mark it decorative."
                    )
                }
            )

    def _rendering_key(self):
        """What the renditions depend on: the original and the focal point."""
        deferred = self.get_deferred_fields()
        if deferred & {"original", "focal_x", "focal_y"}:
            return None
        return (self.original.name if self.original else "", self.focal_x, self.focal_y)

    def describe_original(self):
        """Store what a newly assigned original says about itself: its SHA-256, its size as
        shown and its metadata (metadata.read_metadata; raises for a file that is no image)."""
        from articles.photos.metadata import read_metadata

        file = self.original.file
        file.seek(0)
        data = file.read()
        file.seek(0)
        described = read_metadata(data)
        self.sha256 = hashlib.sha256(data).hexdigest()
        self.width, self.height = described.width, described.height
        self.metadata = dataclasses.asdict(described)

    @property
    def focal(self) -> list[float]:
        return [self.focal_x, self.focal_y]

    def queue_renditions(self):
        """Queue make_renditions for the photo as it is now, once the transaction commits."""
        from articles.photos.tasks import make_renditions

        photo_id, focal = self.pk, self.focal
        transaction.on_commit(lambda: make_renditions.enqueue(photo_id, focal))

    def queue_fetch(self):
        """Queue fetching the picture from remote_url (articles/photos/tasks.fetch_photo), once
        the transaction commits; Photo.save does it for a new photo that has no original."""
        from articles.photos.tasks import queue_fetch

        queue_fetch(self)

    def renditions_ready(self) -> bool:
        """Whether the photo has renditions (see PhotoQuerySet.with_renditions)."""
        return self.renditions.exists()

    def smallest_jpeg(self):
        """The narrowest JPEG rendition as shot, or None."""
        return self.renditions.filter(ratio="original", fmt="jpeg").order_by("width").first()


class Rendition(models.Model):
    photo = models.ForeignKey(
        Photo, verbose_name=_("photo"), on_delete=models.CASCADE, related_name="renditions"
    )
    ratio = models.CharField(_("ratio"), max_length=10, choices=RATIO_CHOICES)
    fmt = models.CharField(_("format"), max_length=5, choices=FORMAT_CHOICES)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    file = models.FileField(_("file"), upload_to=rendition_name, max_length=200)
    size_bytes = models.PositiveIntegerField(_("size in bytes"))
    box = models.JSONField(
        _("crop box"), help_text=_("(left, top, right, bottom) of the original.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        app_label = "articles"
        ordering = ["photo", "ratio", "fmt", "width"]
        verbose_name = _("rendition")
        verbose_name_plural = _("renditions")
        constraints = [
            models.UniqueConstraint(
                fields=["photo", "ratio", "fmt", "width"], name="rendition_unique_size"
            ),
        ]

    def __str__(self):
        return f"{self.ratio} {self.fmt} {self.width}w"
