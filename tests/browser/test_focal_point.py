"""The photo's focal point set on the preview in a real browser (static/admin/newsroom/
focal-point.js): a click writes the point into the two number inputs, the arrow keys move it,
saving stores it; under the site's Content-Security-Policy, with no error and no violation."""

import pytest
from django.core.files.base import ContentFile
from django.urls import re_path
from django.views.static import serve

from articles.models import Photo
from newsroom.urls import urlpatterns as site_urlpatterns
from tests.helpers.browser import RECORD_VIOLATIONS, violations, watch
from tests.photos.images import encoded
from tests.photos.images import photo as picture

pytestmark = pytest.mark.django_db(transaction=True)


def serve_media(request, path):
    """MEDIA_ROOT as the test set it (settings.SERVE_MEDIA fixes it when the URLconf loads)."""
    from django.conf import settings

    return serve(request, path, document_root=settings.MEDIA_ROOT)


# The site's URLconf with the uploads served, as in development (SERVE_MEDIA).
urlpatterns = [*site_urlpatterns, re_path(r"^media/(?P<path>.*)$", serve_media)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ROOT_URLCONF = __name__


@pytest.fixture
def photo(transactional_db):
    return Photo.objects.create(
        original=ContentFile(encoded(picture(800, 600), "JPEG"), name="upload.jpg"),
        alt_text="A test picture.",
    )


def log_in(page, live_server, user):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", f"{user.username}-pass")
    with page.expect_navigation(url=f"{live_server.url}/admin/"):
        page.click("input[type=submit]")


def value(page, name):
    return float(page.locator(f"#id_{name}").input_value())


def test_a_click_and_the_arrow_keys_set_the_focal_point(page, live_server, editor, photo):
    page.add_init_script(RECORD_VIOLATIONS)
    seen = watch(page)
    log_in(page, live_server, editor)
    response = page.goto(f"{live_server.url}/admin/articles/photo/{photo.pk}/change/")
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    image = page.locator("img.focal-point-image")
    # Loaded (from the media URL) and shown 320 x 240.
    assert image.evaluate("img => img.complete && img.naturalWidth") == 800
    box = image.bounding_box()
    assert (round(box["width"]), round(box["height"])) == (320, 240)
    assert image.get_attribute("tabindex") == "0"
    assert image.get_attribute("aria-label") == "Focal point of the photo"
    status = page.locator(".focal-point-status")
    assert status.get_attribute("aria-live") == "polite"
    assert status.text_content() == "Focal point: 50 % across, 50 % down"
    marker = page.locator(".focal-point-marker")
    assert marker.is_visible()

    image.click(position={"x": box["width"] * 0.25, "y": box["height"] * 0.75})

    x, y = value(page, "focal_x"), value(page, "focal_y")
    assert x == pytest.approx(0.25, abs=0.01)
    assert y == pytest.approx(0.75, abs=0.01)
    # Written rounded to 3 decimals, and announced.
    assert x == round(x, 3) and y == round(y, 3)
    assert status.text_content() == (
        f"Focal point: {round(x * 100, 1):g} % across, {round(y * 100, 1):g} % down"
    )
    # The marker's centre is at the point.
    mark = marker.bounding_box()
    assert mark["x"] + mark["width"] / 2 == pytest.approx(box["x"] + 320 * x, abs=1.5)
    assert mark["y"] + mark["height"] / 2 == pytest.approx(box["y"] + 240 * y, abs=1.5)

    image.focus()
    page.keyboard.press("ArrowRight")
    assert value(page, "focal_x") == pytest.approx(0.26, abs=0.01)
    assert value(page, "focal_x") == pytest.approx(round(x + 0.01, 3), abs=1e-9)
    x = value(page, "focal_x")
    page.keyboard.press("Shift+ArrowUp")
    assert value(page, "focal_y") == pytest.approx(round(y - 0.1, 3), abs=1e-9)
    page.keyboard.press("ArrowDown")
    y = round(y - 0.09, 3)
    assert value(page, "focal_y") == pytest.approx(y, abs=1e-9)
    # Kept inside the photo.
    for _ in range(4):
        page.keyboard.press("Shift+ArrowLeft")
    assert page.locator("#id_focal_x").input_value() == "0"
    for _ in range(3):
        page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.locator("#id_focal_x").input_value() == "0.31"
    assert status.text_content() == f"Focal point: 31 % across, {round(y * 100, 1):g} % down"
    assert violations(page) == []

    with page.expect_navigation():
        page.click("input[name=_save]")

    photo.refresh_from_db()
    assert (photo.focal_x, photo.focal_y) == (0.31, pytest.approx(y, abs=1e-9))
    assert violations(page) == []
    assert seen == []


def test_typing_into_the_inputs_moves_the_marker(page, live_server, editor, photo):
    page.add_init_script(RECORD_VIOLATIONS)
    seen = watch(page)
    log_in(page, live_server, editor)
    page.goto(f"{live_server.url}/admin/articles/photo/{photo.pk}/change/")
    image = page.locator("img.focal-point-image")
    marker = page.locator(".focal-point-marker")
    status = page.locator(".focal-point-status")

    page.locator("#id_focal_x").fill("0.6")
    page.locator("#id_focal_y").fill("0.45")

    assert status.text_content() == "Focal point: 60 % across, 45 % down"
    mark, box = marker.bounding_box(), image.bounding_box()
    assert mark["x"] + mark["width"] / 2 == pytest.approx(box["x"] + 192, abs=1.5)
    assert mark["y"] + mark["height"] / 2 == pytest.approx(box["y"] + 108, abs=1.5)

    page.locator("#id_focal_y").fill("1.5")  # not a point of the photo: no marker
    assert marker.is_hidden()
    assert status.text_content() == "Focal point: not set (each value is 0 to 1)."
    assert violations(page) == []
    assert seen == []


def test_without_javascript_the_number_fields_set_it(browser, live_server, editor, photo):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, live_server, editor)
        page.goto(f"{live_server.url}/admin/articles/photo/{photo.pk}/change/")
        image = page.locator("img.focal-point-image")
        assert image.get_attribute("tabindex") is None
        assert page.locator(".focal-point-marker").count() == 0
        page.locator("#id_focal_x").fill("0.7")
        page.locator("#id_focal_y").fill("0.2")
        with page.expect_navigation():
            page.click("input[name=_save]")
    finally:
        context.close()
    photo.refresh_from_db()
    assert (photo.focal_x, photo.focal_y) == (0.7, 0.2)
