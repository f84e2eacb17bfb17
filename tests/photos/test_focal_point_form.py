"""The photo's focal point without JavaScript, and what the change form gives the script
(static/admin/newsroom/focal-point.js): its files on the add and change forms only, and the
preview image marked with the ids of the two inputs it writes."""

import pytest
from django.core.files.base import ContentFile
from pytest_django.asserts import assertContains, assertNotContains

from articles.models import Photo
from tests.helpers.admin import post_form
from tests.photos.images import encoded
from tests.photos.images import photo as picture

CHANGELIST = "/admin/articles/photo/"
SCRIPT = '<script src="/static/admin/newsroom/focal-point.js"></script>'
STYLE = 'href="/static/admin/newsroom/focal-point.css"'

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def photo():
    return Photo.objects.create(
        original=ContentFile(encoded(picture(160, 120), "JPEG"), name="upload.jpg"),
        alt_text="A test picture.",
    )


def change_url(photo):
    return f"{CHANGELIST}{photo.pk}/change/"


def test_the_change_form_has_the_script_and_the_marked_preview(editor_client, photo):
    response = editor_client.get(change_url(photo))
    assertContains(response, SCRIPT, count=1)
    assertContains(response, STYLE, count=1)
    assertContains(
        response,
        f'<img src="/media/{photo.original.name}" alt="" width="320" class="focal-point-image"'
        ' data-focal-x-field="id_focal_x" data-focal-y-field="id_focal_y">',
        html=True,
    )
    # The number inputs stay, the ids the data attributes name.
    for name in ("focal_x", "focal_y"):
        assertContains(
            response,
            f'<input type="number" name="{name}" value="0.5" step="any" min="0" max="1"'
            f' required aria-describedby="id_{name}_helptext" id="id_{name}">',
            html=True,
        )


def test_the_add_form_has_the_script_and_the_list_does_not(editor_client, photo):
    assertContains(editor_client.get(f"{CHANGELIST}add/"), SCRIPT, count=1)
    response = editor_client.get(CHANGELIST)
    assertNotContains(response, SCRIPT)
    assertNotContains(response, STYLE)
    assertNotContains(response, "data-focal-x-field")


def test_the_two_number_fields_alone_save_the_point(editor_client, photo):
    response = post_form(
        editor_client, change_url(photo), "photo_form", focal_x="0.25", focal_y="0.8"
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    photo.refresh_from_db()
    assert (photo.focal_x, photo.focal_y) == (0.25, 0.8)
