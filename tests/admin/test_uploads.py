"""Uploaded images: only real images, of bounded size, stored under generated names; anything
else refused in the admin with a clear message."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from articles.models import Agency, Caption
from articles.uploads import MAX_BYTES, MAX_PIXELS, generated_name, validate_image
from tests.helpers.admin import post_form

GENERATED = r"[0-9a-f]{32}"
DJANGO_NOT_AN_IMAGE = (
    "Upload a valid image. The file you uploaded was either not an image or a corrupted image."
)
OUR_NOT_AN_IMAGE = (
    "This file is not an image that can be shown, or it is damaged: "
    "upload a JPEG, PNG, GIF or WebP photo."
)


def image_bytes(width=80, height=40, kind="PNG", mode="RGB"):
    buffer = io.BytesIO()
    Image.new(mode, (width, height)).save(buffer, format=kind)
    return buffer.getvalue()


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


# --- Generated names -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("original", "extension"),
    [
        ("photo.png", ".png"),
        ("Foto vom Strand.JPG", ".jpg"),
        ("../../etc/passwd.png", ".png"),
        ("no-extension", ""),
        ("weird.p h p", ""),
        ("archive.tar.gz", ".gz"),
    ],
)
def test_generated_names_keep_only_a_plain_extension(original, extension):
    name = generated_name(original)
    assert re.fullmatch(GENERATED + re.escape(extension), name)
    assert generated_name(original) != name


def test_a_saved_photo_is_stored_under_a_generated_name(make_article, media_root):
    caption = Caption.objects.create(article=make_article(), text="Rescuers.")
    caption.image.save("Rescuers in Antakya (final).PNG", SimpleUploadedFile("x", image_bytes()))
    assert re.fullmatch(rf"captions/\d{{4}}/\d{{2}}/{GENERATED}\.png", caption.image.name)
    assert (media_root / caption.image.name).read_bytes() == image_bytes()


def test_a_photo_uploaded_in_the_admin_gets_a_generated_name(
    editor_client, make_article, media_root
):
    article = make_article(captions=[{"text": "Rescuers in Antakya."}])
    response = post_form(
        editor_client,
        f"/admin/articles/article/{article.pk}/change/",
        "article_form",
        **{"captions-0-image": SimpleUploadedFile("IMG_0001.png", image_bytes(), "image/png")},
    )
    assert response.status_code == 302
    name = Caption.objects.get().image.name
    assert re.fullmatch(rf"captions/\d{{4}}/\d{{2}}/{GENERATED}\.png", name)
    assert (media_root / name).is_file()


def test_an_agency_logo_gets_a_generated_name(media_root, db):
    agency = Agency.objects.create(name="Reuters", slug="reuters")
    agency.logo.save("reuters logo.svg.png", SimpleUploadedFile("x", image_bytes()))
    assert re.fullmatch(rf"agencies/{GENERATED}\.png", agency.logo.name)


# --- Refused in the admin --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("photo.png", b"%PDF-1.4 not an image at all", "image/png"),
        ("photo.jpg", b"", "image/jpeg"),
        ("script.png", b"<script>alert(1)</script>", "image/png"),
        ("truncated.png", image_bytes()[:60], "image/png"),
    ],
    ids=["pdf", "empty", "html", "truncated"],
)
def test_a_caption_upload_that_is_not_an_image_is_refused_with_a_message(
    editor_client, make_article, media_root, name, content, content_type
):
    article = make_article(captions=[{"text": "Rescuers in Antakya."}])
    response = post_form(
        editor_client,
        f"/admin/articles/article/{article.pk}/change/",
        "article_form",
        **{"captions-0-image": SimpleUploadedFile(name, content, content_type)},
    )
    assert response.status_code == 200  # the form again, with the error
    errors = response.context["inline_admin_formsets"][0].formset.errors
    message = "The submitted file is empty." if not content else DJANGO_NOT_AN_IMAGE
    assert errors == [{"image": [message]}]
    assert message in response.content.decode().replace("&#x27;", "'")
    assert Caption.objects.get().image.name == ""
    assert list(media_root.rglob("*.*")) == []


def test_an_agency_logo_that_is_not_an_image_is_refused(editor_client, media_root, db):
    response = editor_client.post(
        "/admin/articles/agency/add/",
        {
            "name": "Reuters",
            "slug": "reuters",
            "logo": SimpleUploadedFile("logo.png", b"GIF89a but not really", "image/png"),
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"logo": [DJANGO_NOT_AN_IMAGE]}
    assert not Agency.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "huge.png",
            image_bytes(7000, 6000, mode="L"),
            "This image has more than 40 megapixels (7000 x 6000): upload a smaller version.",
        ),
        (
            "photo.bmp",
            image_bytes(kind="BMP"),
            "BMP images cannot be shown on every reader's device: "
            "upload a JPEG, PNG, GIF or WebP photo.",
        ),
    ],
    ids=["megapixels", "bmp"],
)
def test_the_admin_applies_the_image_limits(
    editor_client, make_article, media_root, name, content, message
):
    article = make_article(captions=[{"text": "Rescuers in Antakya."}])
    response = post_form(
        editor_client,
        f"/admin/articles/article/{article.pk}/change/",
        "article_form",
        **{"captions-0-image": SimpleUploadedFile(name, content, "image/png")},
    )
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.errors == [{"image": [message]}]
    assert Caption.objects.get().image.name == ""
    assert list(media_root.rglob("*.*")) == []


def test_an_agency_logo_over_the_pixel_limit_is_refused(editor_client, media_root, db):
    response = editor_client.post(
        "/admin/articles/agency/add/",
        {
            "name": "Reuters",
            "slug": "reuters",
            "logo": SimpleUploadedFile("logo.png", image_bytes(7000, 6000, mode="L"), "image/png"),
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "logo": ["This image has more than 40 megapixels (7000 x 6000): upload a smaller version."]
    }
    assert not Agency.objects.exists()


# --- The validator ---------------------------------------------------------------------------


def refusal(content, name="photo.png"):
    with pytest.raises(ValidationError) as caught:
        validate_image(SimpleUploadedFile(name, content))
    return caught.value.messages, caught.value.code


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "GIF", "WEBP"])
def test_real_images_of_the_four_web_formats_pass(kind):
    upload = SimpleUploadedFile("photo", image_bytes(kind=kind))
    upload.read(10)
    validate_image(upload)
    assert upload.tell() == 10  # the file is left where it was


def test_a_file_over_10_mb_is_refused():
    content = image_bytes() + b"\0" * (MAX_BYTES + 1 - len(image_bytes()))
    assert refusal(content) == (
        ["This file is 10.0 MB; images can be at most 10 MB."],
        "image_too_large",
    )
    validate_image(SimpleUploadedFile("photo.png", content[:MAX_BYTES]))


def test_an_image_over_40_megapixels_is_refused():
    # 8000 x 6000 = 48 megapixels, a few kilobytes compressed.
    assert refusal(image_bytes(8000, 6000, mode="1")) == (
        ["This image has more than 40 megapixels (8000 x 6000): upload a smaller version."],
        "image_too_many_pixels",
    )
    assert MAX_PIXELS == 40_000_000
    validate_image(SimpleUploadedFile("photo.png", image_bytes(8000, 5000, mode="1")))


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    # Pillow refuses to open anything over twice its own limit (about 179 megapixels).
    assert refusal(image_bytes(20000, 10000, mode="1")) == (
        ["This image has more than 40 megapixels: upload a smaller version."],
        "image_too_many_pixels",
    )


@pytest.mark.parametrize(
    "content",
    [b"%PDF-1.4", b"", b"<svg xmlns='http://www.w3.org/2000/svg'/>", image_bytes()[:60]],
    ids=["pdf", "empty", "svg", "truncated"],
)
def test_what_is_not_an_image_is_refused(content):
    assert refusal(content) == ([OUR_NOT_AN_IMAGE], "not_an_image")


@pytest.mark.parametrize("kind", ["BMP", "TIFF", "ICO"])
def test_images_browsers_may_not_show_are_refused(kind):
    assert refusal(image_bytes(32, 32, kind=kind)) == (
        [
            f"{kind} images cannot be shown on every reader's device: "
            "upload a JPEG, PNG, GIF or WebP photo."
        ],
        "image_format",
    )
