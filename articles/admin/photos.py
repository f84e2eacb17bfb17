"""The photo library in the admin: PhotoAdmin.

Uploading an original (a new photo, or a replaced file) reads what the file says about itself
(articles.photos.metadata.read_metadata): the fields the editor left empty are filled from it
(alt text from IPTC's Alt Text, the caption and its language from the description, credit,
copyright, photographer from the creator, headline). A file Pillow cannot read, or larger
than PHOTO_MAX_PIXELS, gets a message on the form. The photo's size as shown, SHA-256 and
metadata are stored by Photo.save (Photo.describe_original). The renditions are made later by
the queue (articles/photos/tasks.py); until then the list shows the original, scaled by the
browser.

The focal point is two number fields (fractions of the width and height), enough without
JavaScript; focal-point.js adds picking it on the preview: a click, or the arrow keys once the
preview has the focus (FocalPointInput brings the script to the add and change forms only).
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.html import format_html, format_html_join
from PIL import Image, UnidentifiedImageError

from articles.admin.article import URL_FIELDS
from articles.admin.history import RevisionHistoryAdmin
from articles.alt_text import ALT_TEXT_HELP
from articles.models import Photo, Rendition, bcp47_validator
from articles.photos.metadata import read_metadata
from articles.photos.models import ORIGINAL_EXTENSIONS, max_pixels

# The largest original accepted (bytes): the whole file is read while its metadata is.
DEFAULT_MAX_BYTES = 40 * 1024 * 1024

# Photo field: PhotoMetadata field it is filled from when the editor left it empty.
FILLED_FROM_METADATA = {
    "alt_text": "alt_text",
    "caption": "description",
    "credit": "credit_line",
    "copyright_notice": "copyright_notice",
    "photographer": "creator",
    "headline": "headline",
}

METADATA_LABELS = {
    "width": "width",
    "height": "height",
    "orientation": "EXIF orientation",
    "headline": "headline",
    "description": "description",
    "description_language": "description's language",
    "creator": "creator",
    "credit_line": "credit line",
    "copyright_notice": "copyright notice",
    "alt_text": "alt text",
    "alt_text_language": "alt text's language",
    "extended_description": "extended description",
}


# What the list of photos reads of their renditions: the JPEGs of the photo as shot, smallest
# first (the thumbnail is the first), not every rendition of every photo on the page.
ORIGINAL_JPEGS = Prefetch(
    "renditions",
    queryset=Rendition.objects.filter(ratio="original", fmt="jpeg").order_by("width"),
    to_attr="original_jpegs",
)


class FocalPointInput(forms.NumberInput):
    """focal_x's and focal_y's input, with the script and style that let the editor set the
    point by clicking on the preview (PhotoAdmin.preview). The media of a form's widgets are
    on its add and change pages only, not on the list."""

    class Media:
        css = {"all": ["admin/newsroom/focal-point.css"]}
        js = ["admin/newsroom/focal-point.js"]

    def __init__(self, attrs=None):
        super().__init__(attrs={"step": "any", "min": "0", "max": "1", **(attrs or {})})


def max_bytes() -> int:
    return getattr(settings, "PHOTO_FETCH_MAX_BYTES", DEFAULT_MAX_BYTES)


class PhotoForm(forms.ModelForm):
    class Meta:
        model = Photo
        fields = [
            "original",
            "alt_text",
            "decorative",
            "caption",
            "caption_language",
            "credit",
            "copyright_notice",
            "agency",
            "photographer",
            "headline",
            "focal_x",
            "focal_y",
        ]
        widgets = {"focal_x": FocalPointInput, "focal_y": FocalPointInput}

    def clean_original(self):
        upload = self.cleaned_data.get("original")
        if not upload or "original" not in self.changed_data:
            return upload
        if upload.size > max_bytes():
            raise ValidationError(
                "This file is %(size).1f MB; originals can be at most %(limit)d MB.",
                code="photo_too_large",
                params={"size": upload.size / 1024 / 1024, "limit": max_bytes() // 1024 // 1024},
            )
        upload.seek(0)
        data = upload.read()
        upload.seek(0)
        try:
            with Image.open(upload) as image:
                kind = image.format
            upload.seek(0)
            metadata = read_metadata(data)
        except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as error:
            raise ValidationError(
                "This file is not an image that can be read, or it is damaged: upload a JPEG, "
                "PNG, GIF or WebP photo.",
                code="not_an_image",
            ) from error
        if kind not in ORIGINAL_EXTENSIONS:
            raise ValidationError(
                "%(kind)s images are not taken: upload a JPEG, PNG, GIF or WebP photo.",
                code="photo_format",
                params={"kind": kind},
            )
        if metadata.width * metadata.height > max_pixels():
            raise ValidationError(
                "This image is %(width)d x %(height)d, more than %(limit)d megapixels: upload "
                "a smaller version.",
                code="photo_too_many_pixels",
                params={
                    "width": metadata.width,
                    "height": metadata.height,
                    "limit": max_pixels() // 1_000_000,
                },
            )
        self.read_metadata = metadata
        return upload

    def clean(self):
        cleaned = super().clean()
        metadata = getattr(self, "read_metadata", None)
        if metadata is None:
            return cleaned
        for name, source in FILLED_FROM_METADATA.items():
            value = getattr(metadata, source)
            if value and not (cleaned.get(name) or "").strip():
                limit = Photo._meta.get_field(name).max_length
                cleaned[name] = value[:limit] if limit else value
                if name == "caption" and not cleaned.get("caption_language"):
                    cleaned["caption_language"] = _language_tag(metadata.description_language)
        return cleaned


def _language_tag(tag) -> str:
    """`tag` if it is a BCP 47 tag the model takes, else ""."""
    try:
        bcp47_validator(tag or "")
    except ValidationError:
        return ""
    return tag


@admin.register(Photo)
class PhotoAdmin(RevisionHistoryAdmin):
    form = PhotoForm
    formfield_overrides = URL_FIELDS
    list_display = ["thumbnail", "__str__", "credit", "agency", "created_at", "ready"]
    list_display_links = ["thumbnail", "__str__"]
    list_filter = ["agency", "decorative"]
    list_select_related = ["agency"]
    search_fields = [
        "caption",
        "credit",
        "photographer",
        "agency__name",
        "headline",
        "alt_text",
    ]
    readonly_fields = [
        "preview",
        "size",
        "metadata_table",
        "remote_url",
        "fetch_warning",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["original", "preview", "size"]}),
        ("Description", {"fields": ["alt_text", "decorative", "caption", "caption_language"]}),
        (
            "Rights",
            {"fields": ["credit", "copyright_notice", "agency", "photographer", "headline"]},
        ),
        (
            "Focal point",
            {
                "fields": [("focal_x", "focal_y")],
                "description": "Crops keep this point in view (fractions of the width and "
                "height, 0 to 1; 0.5, 0.5 is the centre).",
            },
        ),
        (
            "From the file",
            {
                "fields": [
                    "metadata_table",
                    "remote_url",
                    "fetch_warning",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(ORIGINAL_JPEGS)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "alt_text":
            kwargs["help_text"] = ALT_TEXT_HELP
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="photo")
    def thumbnail(self, photo):
        jpegs = photo.original_jpegs
        source = jpegs[0].file if jpegs else photo.original
        if not source:
            return "—"
        return format_html('<img src="{}" alt="" width="80" loading="lazy">', source.url)

    @admin.display(description="renditions ready", boolean=True)
    def ready(self, photo):
        # A photo's renditions are stored together (one transaction), these among them.
        return bool(photo.original_jpegs)

    @admin.display(description="preview")
    def preview(self, photo):
        if not photo.original:
            return "—"
        # focal-point.js finds the image by these and writes the point it is given into
        # the two inputs (their ids as the admin form renders them).
        return format_html(
            '<img src="{}" alt="" width="320" class="focal-point-image"'
            ' data-focal-x-field="id_focal_x" data-focal-y-field="id_focal_y">',
            photo.original.url,
        )

    @admin.display(description="size as shown")
    def size(self, photo):
        if photo.width is None or photo.height is None:
            return "—"
        return f"{photo.width} x {photo.height} pixels"

    @admin.display(description="metadata read")
    def metadata_table(self, photo):
        rows = [
            (METADATA_LABELS.get(key, key), value)
            for key, value in (photo.metadata or {}).items()
            if value not in (None, "")
        ]
        if not rows:
            return "—"
        return format_html(
            "<table><tbody>{}</tbody></table>",
            format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows),
        )
