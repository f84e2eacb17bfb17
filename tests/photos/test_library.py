"""The photo library's first slice, through its real parts: the admin upload (metadata read
into the fields, content-derived names), the queue (django-tasks-db: one task per change, run
by the real `db_worker` command in-process), the renditions it stores, and the roles."""

import hashlib
import re
from io import BytesIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult
from PIL import Image

from articles.models import Agency, Photo, Rendition
from articles.photos.metadata import write_xmp
from articles.photos.renditions import crop_box, ladder
from tests.helpers.storage import stored
from tests.photos.images import GPS_IFD, encoded, exif
from tests.photos.images import photo as picture

ADD = "/admin/articles/photo/add/"
CHANGELIST = "/admin/articles/photo/"
TASK_PATH = "articles.photos.tasks.make_renditions"
CONTENT_NAME = re.compile(r"photos/renditions/(\d+)w-([0-9a-f]{16})\.(avif|webp|jpg)")


# The worker checks its connection between tasks (close_old_connections): inside a test's
# transaction that closes it on PostgreSQL, so tests that run it commit for real.
worker_test = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def tagged_jpeg(width=1500, height=2000, orientation=6):
    """A JPEG stored `width` x `height` with EXIF orientation 6 (shown turned a quarter:
    2000 x 1500), a GPS position, and IPTC metadata in XMP with a Korean caption."""
    jpeg = encoded(
        picture(width, height),
        "JPEG",
        quality=85,
        exif=exif(orientation=orientation, gps=True).tobytes(),
    )
    return write_xmp(
        jpeg,
        headline="Lanterns over the Cheonggyecheon",
        description="청계천에 떠 있는 연등",
        description_language="ko",
        creator="Kim Min-ji",
        credit_line="Yonhap/Kim Min-ji",
        copyright_notice="© 2026 Yonhap News Agency",
        alt_text="Paper lanterns shaped like fish float above a stream at dusk.",
        alt_text_language="en",
    )


def add_photo(client, content, name="lanterns.jpg", **fields):
    data = {"focal_x": "0.5", "focal_y": "0.5", "caption_language": "", **fields}
    data["original"] = SimpleUploadedFile(name, content, "image/jpeg")
    return client.post(ADD, data)


def photo_from(content, **fields):
    fields.setdefault("alt_text", "A test picture.")
    return Photo.objects.create(original=ContentFile(content, name="upload.jpg"), **fields)


def run_worker():
    call_command("db_worker", "--batch", "--queue-name", "photos", "--no-startup-delay")


def renditions_of(photo):
    return {(r.ratio, r.fmt, r.width): r for r in photo.renditions.all()}


def expected_set(width, height, focal=(0.5, 0.5)):
    """(ratio, format, width) of every rendition of a width x height photo, from ladder()."""
    ratios = {"16:9": (16, 9), "1:1": (1, 1), "4:3": (4, 3), "original": None}
    made = set()
    for name, ratio in ratios.items():
        left, _, right, _ = crop_box(width, height, ratio, focal)
        for size in ladder(right - left):
            made |= {(name, fmt, size) for fmt in ("avif", "webp", "jpeg")}
    return made


# The admin upload


def test_an_uploaded_photo_is_described_by_its_metadata(
    editor_client, django_capture_on_commit_callbacks
):
    content = tagged_jpeg()
    with django_capture_on_commit_callbacks(execute=True):
        response = add_photo(editor_client, content, alt_text="", caption="", credit="")
    assert response.status_code == 302, response.content.decode()[:3000]
    photo = Photo.objects.get()
    sha = hashlib.sha256(content).hexdigest()
    assert photo.alt_text == "Paper lanterns shaped like fish float above a stream at dusk."
    assert photo.caption == "청계천에 떠 있는 연등"
    assert photo.caption_language == "ko"
    assert photo.credit == "Yonhap/Kim Min-ji"
    assert photo.copyright_notice == "© 2026 Yonhap News Agency"
    assert photo.photographer == "Kim Min-ji"
    assert photo.headline == "Lanterns over the Cheonggyecheon"
    assert (photo.width, photo.height) == (2000, 1500)  # stored 1500 x 2000, orientation 6
    assert photo.sha256 == sha
    assert photo.original.name == f"photos/originals/{sha}.jpg"
    assert stored(photo.original.name) == content
    assert photo.metadata["orientation"] == 6
    assert photo.metadata["description_language"] == "ko"
    # Saving queued exactly one task, for this photo and its focal point.
    task = DBTaskResult.objects.get()
    assert (task.task_path, task.queue_name, task.status) == (TASK_PATH, "photos", "READY")
    assert task.args_kwargs == {"args": [photo.pk, [0.5, 0.5]], "kwargs": {}}
    assert not photo.renditions_ready()


def test_what_the_editor_typed_wins_over_the_metadata(editor_client):
    response = add_photo(
        editor_client, tagged_jpeg(), alt_text="Lanterns at dusk.", credit="Our own credit"
    )
    assert response.status_code == 302
    photo = Photo.objects.get()
    assert (photo.alt_text, photo.credit) == ("Lanterns at dusk.", "Our own credit")
    assert photo.caption == "청계천에 떠 있는 연등"


def test_a_file_that_is_no_image_gets_a_form_error(editor_client):
    response = add_photo(editor_client, b"%PDF-1.7 not a photo", name="photo.jpg", alt_text="x")
    assert response.status_code == 200
    assert "original" in response.context["adminform"].form.errors
    assert not Photo.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_a_photo_over_the_pixel_limit_gets_a_form_error(editor_client, settings):
    settings.PHOTO_MAX_PIXELS = 1_000_000
    response = add_photo(editor_client, tagged_jpeg(), alt_text="x")
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["original"]
    assert errors == [
        "This image is 2000 x 1500, more than 1 megapixels: upload a smaller version."
    ]
    assert not Photo.objects.exists()


def test_an_empty_alt_text_is_refused_unless_the_photo_is_decorative(editor_client):
    plain = encoded(picture(64, 48), "JPEG")
    response = add_photo(editor_client, plain, alt_text="")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["alt_text"] == [
        "Describe the photo for people who cannot see it, or mark it decorative."
    ]
    response = add_photo(editor_client, plain, alt_text="", decorative="on")
    assert response.status_code == 302
    assert Photo.objects.get().decorative


def test_search_by_credit_finds_the_photo(editor_client, agency):
    photo_from(encoded(picture(64, 48), "JPEG"), credit="Reuters/Jane Doe", agency=agency)
    photo_from(encoded(picture(64, 48, seed=3), "JPEG"), credit="AP/John Roe")
    response = editor_client.get(CHANGELIST, {"q": "Jane Doe"})
    assert response.status_code == 200
    assert [p.credit for p in response.context["cl"].result_list] == ["Reuters/Jane Doe"]
    response = editor_client.get(CHANGELIST, {"q": "Reuters"})  # the agency's name
    assert [p.credit for p in response.context["cl"].result_list] == ["Reuters/Jane Doe"]


# Roles


def test_an_editor_cannot_delete_a_photo_and_a_chief_editor_can(client, editor, chief_editor):
    photo = photo_from(encoded(picture(64, 48), "JPEG"))
    url = f"/admin/articles/photo/{photo.pk}/delete/"
    client.force_login(editor)
    assert client.get(f"/admin/articles/photo/{photo.pk}/change/").status_code == 200
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Photo.objects.filter(pk=photo.pk).exists()
    client.force_login(chief_editor)
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Photo.objects.filter(pk=photo.pk).exists()


# The queue and the renditions


@worker_test
def test_the_worker_makes_every_rendition_under_content_names(
    django_capture_on_commit_callbacks, media_root
):
    with django_capture_on_commit_callbacks(execute=True):
        photo = photo_from(tagged_jpeg())  # 2000 x 1500 as shown
    assert DBTaskResult.objects.count() == 1
    run_worker()
    task = DBTaskResult.objects.get()
    assert task.status == "SUCCESSFUL", task.traceback
    made = renditions_of(photo)
    assert set(made) == expected_set(2000, 1500)
    assert len(made) == 93
    assert photo.renditions_ready()
    for (_ratio, fmt, width), rendition in made.items():
        match = CONTENT_NAME.fullmatch(rendition.file.name)
        assert match, rendition.file.name
        data = stored(rendition.file.name)
        assert match.group(1) == str(width)
        assert match.group(2) == hashlib.sha256(data).hexdigest()[:16]
        assert rendition.size_bytes == len(data)
        assert width <= 2000
        with Image.open(BytesIO(data)) as image:
            assert image.size == (rendition.width, rendition.height)
            assert {"avif": "AVIF", "webp": "WEBP", "jpeg": "JPEG"}[fmt] == image.format
            assert not image.getexif().get_ifd(GPS_IFD)
            assert 0x0112 not in image.getexif()  # upright: no orientation left
    assert made[("16:9", "jpeg", 2000)].box == [0, 188, 2000, 1313]
    assert made[("16:9", "jpeg", 2000)].height == 1125
    assert made[("1:1", "webp", 1500)].box == [250, 0, 1750, 1500]
    assert made[("original", "avif", 320)].height == 240
    # Originals and renditions only, all inside the temporary MEDIA_ROOT.
    files = {p.relative_to(media_root).as_posix() for p in media_root.rglob("*") if p.is_file()}
    assert files == {photo.original.name} | {r.file.name for r in made.values()}


@worker_test
def test_a_new_focal_point_renames_the_crops_and_keeps_the_original_ratio(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        photo = photo_from(encoded(picture(800, 600), "JPEG"))
    run_worker()
    before = {key: r.file.name for key, r in renditions_of(photo).items()}
    assert set(before) == expected_set(800, 600)
    with django_capture_on_commit_callbacks(execute=True):
        photo.focal_x, photo.focal_y = 0.9, 0.1
        photo.save()
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    run_worker()
    after = {key: r.file.name for key, r in renditions_of(photo).items()}
    assert set(after) == expected_set(800, 600, (0.9, 0.1))
    for key in after:
        ratio = key[0]
        if ratio in ("original", "4:3"):  # the whole 4:3 picture: no crop moves
            assert after[key] == before[key], key
        else:
            assert after[key] != before[key], key
    assert before[("16:9", "jpeg", 800)] != after[("16:9", "jpeg", 800)]
    assert renditions_of(photo)[("16:9", "jpeg", 800)].box == [0, 0, 800, 450]
    assert renditions_of(photo)[("1:1", "jpeg", 600)].box == [200, 0, 800, 600]


@pytest.mark.django_db
def test_saving_without_a_change_to_the_file_or_focal_point_queues_nothing(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        photo = photo_from(encoded(picture(64, 48), "JPEG"))
    with django_capture_on_commit_callbacks(execute=True):
        photo.caption = "A new caption"
        photo.save()
        Photo.objects.get(pk=photo.pk).save()
    assert DBTaskResult.objects.count() == 1


@worker_test
def test_a_stale_task_does_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        photo = photo_from(encoded(picture(400, 300), "JPEG"))
    # The focal point changes after the task was queued, without a new task (an update()).
    Photo.objects.filter(pk=photo.pk).update(focal_x=0.2)
    run_worker()
    task = DBTaskResult.objects.get()
    assert task.status == "SUCCESSFUL", task.traceback
    assert task.return_value is None
    assert not Rendition.objects.exists()
    assert not default_storage.exists("photos/renditions")


@pytest.mark.django_db
def test_an_identical_original_is_stored_once():
    content = encoded(picture(64, 48), "JPEG")
    first, second = photo_from(content), photo_from(content)
    sha = hashlib.sha256(content).hexdigest()
    assert first.original.name == second.original.name == f"photos/originals/{sha}.jpg"
    assert Agency.objects.count() == 0


@worker_test
def test_the_list_and_the_change_page_show_the_photo(
    editor_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        photo = photo_from(tagged_jpeg(480, 640), caption="Lanterns")  # 640 x 480 as shown
    page = editor_client.get(CHANGELIST).content.decode()
    assert f'<img src="/media/{photo.original.name}" alt="" width="80"' in page
    run_worker()
    smallest = photo.renditions.get(ratio="original", fmt="jpeg", width=320)
    page = editor_client.get(CHANGELIST).content.decode()
    assert f'<img src="/media/{smallest.file.name}" alt="" width="80"' in page
    page = editor_client.get(f"/admin/articles/photo/{photo.pk}/change/").content.decode()
    assert "<tr><th>credit line</th><td>Yonhap/Kim Min-ji</td></tr>" in page
    assert "<tr><th>description&#x27;s language</th><td>ko</td></tr>" in page
    assert "640 x 480 pixels" in page


def test_an_admin_change_is_one_revision_of_the_photo(editor_client):
    assert add_photo(editor_client, tagged_jpeg(120, 160), alt_text="").status_code == 302
    photo = Photo.objects.get()
    response = editor_client.post(
        f"/admin/articles/photo/{photo.pk}/change/",
        {
            "alt_text": photo.alt_text,
            "caption": "Lanterns at dusk",
            "caption_language": "en",
            "focal_x": "0.5",
            "focal_y": "0.5",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert [(r.history_type, r.caption) for r in photo.history.order_by("history_id")] == [
        ("+", "청계천에 떠 있는 연등"),
        ("~", "Lanterns at dusk"),
    ]
    assert editor_client.get(f"/admin/articles/photo/{photo.pk}/history/").status_code == 200


def test_a_focal_point_outside_the_photo_is_refused(editor_client):
    response = add_photo(editor_client, tagged_jpeg(120, 160), focal_x="1.5", focal_y="-0.1")
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["focal_x"] == ["Ensure this value is less than or equal to 1.0."]
    assert errors["focal_y"] == ["Ensure this value is greater than or equal to 0.0."]
    assert not Photo.objects.exists()
