"""Stored uploads are named by what they are, never by what the uploader called them: a GIF
uploaded as `x.pdf` is stored as `<hex>.gif`, so nginx (which types media by extension) sends
it as image/gif, not application/pdf. Through the admin's real upload forms."""

import io
import mimetypes
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from articles.models import Agency, Caption
from tests.helpers.admin import post_form

GENERATED = r"[0-9a-f]{32}"


def image_bytes(kind, width=60, height=30):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format=kind)
    return buffer.getvalue()


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


# (what the uploader called it, its declared type, the real format, the stored extension)
MISNAMED = [
    ("x.pdf", "application/pdf", "GIF", ".gif"),
    ("holiday.jpg", "image/jpeg", "PNG", ".png"),
    ("picture.PNG", "image/png", "WEBP", ".webp"),
    ("scan.tiff", "image/tiff", "JPEG", ".jpg"),
    ("Camera Roll.JPEG", "image/jpeg", "JPEG", ".jpg"),
]
MISNAMED_IDS = ["gif-as-pdf", "png-as-jpg", "webp-as-png", "jpeg-as-tiff", "jpeg-as-JPEG"]


@pytest.mark.parametrize(
    ("upload_name", "content_type", "kind", "extension"), MISNAMED, ids=MISNAMED_IDS
)
def test_a_caption_photo_uploaded_in_the_admin_is_named_by_its_format(
    editor_client, make_article, media_root, upload_name, content_type, kind, extension
):
    article = make_article(captions=[{"text": "Rescuers in Antakya."}])
    content = image_bytes(kind)
    response = post_form(
        editor_client,
        f"/admin/articles/article/{article.pk}/change/",
        "article_form",
        **{"captions-0-image": SimpleUploadedFile(upload_name, content, content_type)},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    caption = Caption.objects.get()
    assert re.fullmatch(
        rf"captions/\d{{4}}/\d{{2}}/{GENERATED}{re.escape(extension)}", caption.image.name
    )
    assert (media_root / caption.image.name).read_bytes() == content
    assert [path.name for path in media_root.rglob("*") if path.is_file()] == [
        caption.image.name.rsplit("/", 1)[1]
    ]
    # What a web server that types files by their extension (nginx's mime.types) sends.
    assert mimetypes.guess_type(caption.image.name)[0] == Image.MIME[kind]
    assert (caption.image_width, caption.image_height) == (60, 30)


@pytest.mark.parametrize(
    ("upload_name", "content_type", "kind", "extension"), MISNAMED, ids=MISNAMED_IDS
)
def test_an_agency_logo_uploaded_in_the_admin_is_named_by_its_format(
    editor_client, media_root, db, upload_name, content_type, kind, extension
):
    response = editor_client.post(
        "/admin/articles/agency/add/",
        {
            "name": "Reuters",
            "slug": "reuters",
            "logo": SimpleUploadedFile(upload_name, image_bytes(kind), content_type),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    name = Agency.objects.get().logo.name
    assert re.fullmatch(rf"agencies/{GENERATED}{re.escape(extension)}", name)
    assert mimetypes.guess_type(name)[0] == Image.MIME[kind]


def test_a_photo_saved_by_code_is_named_by_its_format_too(make_article, media_root):
    caption = Caption.objects.create(article=make_article(), text="Rescuers.")
    caption.image.save("scan.pdf", ContentFile(image_bytes("GIF")))
    assert re.fullmatch(rf"captions/\d{{4}}/\d{{2}}/{GENERATED}\.gif", caption.image.name)


def test_a_file_that_is_no_image_is_never_stored_with_the_uploaders_extension(media_root, db):
    # Code that bypasses the validator (the admin never stores these: tests/admin/test_uploads.py):
    # no image format, so no extension a web server would give a type to.
    agency = Agency.objects.create(name="Reuters", slug="reuters")
    agency.logo.save("page.html", ContentFile(b"<script>alert(1)</script>"))
    assert re.fullmatch(rf"agencies/{GENERATED}", agency.logo.name)
    assert (media_root / agency.logo.name).read_bytes() == b"<script>alert(1)</script>"


@pytest.mark.parametrize(
    ("upload_name", "kind"), [("photo", "JPEG"), ("page.html", "GIF")], ids=["none", "html"]
)
def test_an_upload_whose_name_has_no_image_extension_is_refused_and_nothing_stored(
    editor_client, make_article, media_root, upload_name, kind
):
    # Django's own check of the name (validate_image_file_extension, part of every
    # ImageField) refuses these before anything is stored: no name to get wrong.
    article = make_article(captions=[{"text": "Rescuers in Antakya."}])
    response = post_form(
        editor_client,
        f"/admin/articles/article/{article.pk}/change/",
        "article_form",
        **{"captions-0-image": SimpleUploadedFile(upload_name, image_bytes(kind), "image/jpeg")},
    )
    assert response.status_code == 200
    [errors] = response.context["inline_admin_formsets"][0].formset.errors
    assert errors["image"][0].startswith("File extension “")
    assert Caption.objects.get().image.name == ""
    assert list(media_root.rglob("*.*")) == []


def test_a_jpeg_without_an_extension_saved_by_code_is_stored_as_jpg(make_article, media_root):
    caption = Caption.objects.create(article=make_article(), text="Rescuers.")
    caption.image.save("photo", ContentFile(image_bytes("JPEG")))
    assert re.fullmatch(rf"captions/\d{{4}}/\d{{2}}/{GENERATED}\.jpg", caption.image.name)
    assert (caption.image_width, caption.image_height) == (60, 30)
