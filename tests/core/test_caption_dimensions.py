"""A caption stores its photo's size (image_width, image_height) when a file is assigned, so that
pages give browsers the width and height of the photo without opening its file on every view.
A missing or unreadable file leaves the size unknown (None) and never breaks anything."""

import importlib
import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from articles.models import Caption
from articles.revisions import restore_captions

fill = importlib.import_module("articles.migrations.0009_caption_image_size").fill


def png(width=80, height=40):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "teal").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def article(make_article):
    return make_article()


def sizes():
    return list(Caption.objects.order_by("pk").values_list("image_width", "image_height"))


def test_a_saved_photo_stores_its_size(article, media):
    caption = Caption(article=article, text="Rescuers.")
    caption.image.save("photo.png", ContentFile(png(80, 40)), save=False)
    caption.save()
    assert sizes() == [(80, 40)]
    assert Caption.objects.get().image_size() == (80, 40)


def test_an_uploaded_file_assigned_stores_its_size(article, media):
    caption = Caption.objects.create(article=article, text="Rescuers.")
    assert caption.image_size() is None
    caption.image = SimpleUploadedFile("photo.png", png(30, 20), "image/png")
    assert (caption.image_width, caption.image_height) == (30, 20)
    caption.save()
    assert sizes() == [(30, 20)]


def test_image_size_never_opens_the_file(article, media):
    caption = Caption(article=article, text="Rescuers.")
    caption.image.save("photo.png", ContentFile(png(80, 40)), save=False)
    caption.save()
    (media / caption.image.name).unlink()

    loaded = Caption.objects.get()
    assert loaded.image_size() == (80, 40)
    # Loading the row opened nothing either (Django's ImageField reads the file on load when
    # the size is empty; this one never does).
    Caption.objects.update(image_width=None, image_height=None)
    assert Caption.objects.get().image_size() is None


def test_no_photo_no_size(article):
    caption = Caption.objects.create(article=article, text="No photo.")
    assert caption.image_size() is None
    assert sizes() == [(None, None)]


def test_clearing_the_photo_clears_its_size(article, media):
    caption = Caption(article=article, text="Rescuers.")
    caption.image.save("photo.png", ContentFile(png()), save=False)
    caption.save()
    caption.image = None
    caption.save()
    assert sizes() == [(None, None)]
    assert Caption.objects.get().image_size() is None


def test_a_missing_file_given_by_name_leaves_the_size_unknown(article, media):
    caption = Caption.objects.create(article=article, text="Lost.", image="captions/gone.png")
    assert caption.image_size() is None
    assert sizes() == [(None, None)]
    # Loading and saving it again is no error either.
    loaded = Caption.objects.get()
    loaded.text = "Still lost."
    loaded.save()
    assert sizes() == [(None, None)]


def test_a_stored_file_given_by_name_gets_its_size_on_save(article, media):
    (media / "captions").mkdir()
    (media / "captions" / "here.png").write_bytes(png(12, 34))
    caption = Caption.objects.create(article=article, text="Here.", image="captions/here.png")
    assert caption.image_size() == (12, 34)
    assert sizes() == [(12, 34)]


def test_a_broken_file_leaves_the_size_unknown(article, media):
    caption = Caption(article=article, text="Broken.")
    caption.image.save("broken.png", ContentFile(b"not a png at all"), save=False)
    caption.save()
    assert sizes() == [(None, None)]
    assert caption.image_size() is None


def test_a_restored_revision_gets_the_size_of_its_photo(article, media):
    """Revisions keep the photo's size with its name (simple-history would restore a field
    left out of them from the current row: the size of the photo it replaces)."""
    caption = Caption(article=article, text="Rescuers.")
    caption.image.save("photo.png", ContentFile(png(80, 40)), save=False)
    caption.save()
    first = caption.history.get()
    assert (first.image_width, first.image_height) == (80, 40)
    caption.image.save("other.png", ContentFile(png(10, 10)), save=False)
    caption.save()
    assert sizes() == [(10, 10)]

    restore_captions(article, [first])
    assert sizes() == [(80, 40)]
    assert Caption.objects.get().image.name == first.image


def test_a_restored_revision_from_before_sizes_were_stored_reads_its_photo(article, media):
    """Revisions made before migration 0009 have no size: restoring one reads the file."""
    caption = Caption(article=article, text="Rescuers.")
    caption.image.save("photo.png", ContentFile(png(80, 40)), save=False)
    caption.save()
    first = caption.history.get()
    type(first).objects.filter(pk=first.pk).update(image_width=None, image_height=None)
    caption.image.save("other.png", ContentFile(png(10, 10)), save=False)
    caption.save()

    restore_captions(article, [caption.history.get(pk=first.pk)])
    assert sizes() == [(80, 40)]


# --- Migration 0009 fills existing rows ---------------------------------------------------------


def test_the_migration_fills_captions_whose_size_is_unknown(article, media):
    photo = Caption(article=article, text="Photo.", position=0)
    photo.image.save("photo.png", ContentFile(png(80, 40)), save=False)
    photo.save()
    other = Caption(article=article, text="Other.", position=1)
    other.image.save("other.png", ContentFile(png(16, 9)), save=False)
    other.save()
    Caption.objects.create(article=article, text="No photo.", position=2)
    Caption.objects.create(article=article, text="Lost.", image="captions/gone.png", position=3)
    broken = Caption(article=article, text="Broken.", position=4)
    broken.image.save("broken.png", ContentFile(b"not a png"), save=False)
    broken.save()
    Caption.objects.update(image_width=None, image_height=None)

    assert fill(Caption.objects.all(), batch_size=2) == 2
    assert sizes() == [(80, 40), (16, 9), (None, None), (None, None), (None, None)]
    assert fill(Caption.objects.all()) == 0


def test_the_migration_keeps_sizes_already_stored(article, media):
    photo = Caption(article=article, text="Photo.")
    photo.image.save("photo.png", ContentFile(png(80, 40)), save=False)
    photo.save()
    (media / photo.image.name).unlink()
    assert fill(Caption.objects.all()) == 0
    assert sizes() == [(80, 40)]
