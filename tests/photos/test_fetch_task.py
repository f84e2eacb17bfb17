"""articles.photos.tasks.fetch_photo through its real parts: a picture server on 127.0.0.1 (a
thread of this process, let through with PHOTO_FETCH_ALLOWED_NETWORKS), the django-tasks-db
queue, and the real `db_worker` command run in-process: the picture stored as the photo's
original, and each refusal written for the editor, tried again after the back-off or not."""

import hashlib
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.models import Photo
from articles.photos.tasks import fetch_photo, fetch_wait
from tests.helpers.storage import stored
from tests.photos.images import encoded
from tests.photos.images import photo as picture

FETCH_PATH = "articles.photos.tasks.fetch_photo"
RENDITIONS_PATH = "articles.photos.tasks.make_renditions"
JPEG = encoded(picture(640, 480), "JPEG", quality=85)

# The worker checks its connection between tasks (close_old_connections): inside a test's
# transaction that closes it on PostgreSQL, so these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)


def _send(handler, body=b"", *, status=200, content_type="image/jpeg", headers=()):
    handler.send_response(status)
    if content_type:
        handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in headers:
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


ROUTES = {
    "/photo.jpg": lambda handler: _send(handler, JPEG),
    "/unavailable.jpg": lambda handler: _send(handler, status=503, content_type="text/plain"),
    "/page.html": lambda handler: _send(handler, b"<html></html>", content_type="text/html"),
    "/to-metadata": lambda handler: _send(
        handler,
        status=302,
        content_type=None,
        headers=[("Location", "http://169.254.169.254/latest/meta-data")],
    ),
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.close_connection = True
        self.server.requests.append(self.path)
        route = ROUTES.get(self.path)
        if route is None:
            _send(self, b"no such path", status=404, content_type="text/plain")
        else:
            route(self)

    def log_message(self, format, *args):
        pass


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def server(settings):
    """The picture server; loopback allowed, short time-outs, the default 5 attempts."""
    settings.PHOTO_FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.PHOTO_FETCH_TIMEOUT = 2.0
    settings.PHOTO_FETCH_TOTAL_TIMEOUT = 5.0
    settings.PHOTO_FETCH_ATTEMPTS = 5
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.requests = []
    httpd.url = lambda path: f"http://127.0.0.1:{httpd.server_address[1]}{path}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def run_worker():
    call_command("db_worker", "--batch", "--queue-name", "photos", "--no-startup-delay")


def wire_photo(url):
    """A photo as the ingest makes it: an address, no original (Photo.save queues the fetch)."""
    return Photo.objects.create(remote_url=url, alt_text="A wire picture.")


def fetch_tasks():
    return list(DBTaskResult.objects.filter(task_path=FETCH_PATH).order_by("enqueued_at"))


def waiting(task):
    return task.status == "READY" and task.run_after > timezone.now()


# --- Queued on creation --------------------------------------------------------------------------


def test_a_new_photo_with_an_address_queues_one_fetch(server):
    photo = wire_photo(server.url("/photo.jpg"))
    [task] = fetch_tasks()
    assert (task.queue_name, task.status) == ("photos", "READY")
    assert task.args_kwargs == {"args": [photo.pk], "kwargs": {}}
    photo.caption = "Edited"
    photo.save()
    assert len(fetch_tasks()) == 1  # only a new photo queues it


def test_a_photo_without_an_address_or_with_an_original_queues_no_fetch():
    Photo.objects.create(alt_text="Nothing to fetch.")
    Photo.objects.create(
        original=ContentFile(JPEG, name="upload.jpg"),
        remote_url="https://wire.example/x.jpg",
        alt_text="Already here.",
    )
    assert fetch_tasks() == []


# --- A picture fetched ---------------------------------------------------------------------------


def test_a_fetched_picture_becomes_the_original_and_its_renditions_are_queued(server):
    url = server.url("/photo.jpg")
    photo = wire_photo(url)
    Photo.objects.filter(pk=photo.pk).update(fetch_warning="an earlier warning")
    run_worker()
    photo.refresh_from_db()
    sha = hashlib.sha256(JPEG).hexdigest()
    assert photo.original.name == f"photos/originals/{sha}.jpg"
    assert stored(photo.original.name) == JPEG
    assert photo.sha256 == sha
    assert (photo.width, photo.height) == (640, 480)
    assert photo.metadata["width"] == 640
    assert photo.fetch_warning == ""
    assert photo.remote_url == url
    [fetch] = fetch_tasks()
    assert (fetch.status, fetch.return_value) == ("SUCCESSFUL", "fetched")
    # Photo.save queued the renditions (and the batch worker made them).
    [renditions] = DBTaskResult.objects.filter(task_path=RENDITIONS_PATH)
    assert renditions.args_kwargs == {"args": [photo.pk, [0.5, 0.5]], "kwargs": {}}
    assert renditions.status == "SUCCESSFUL"
    assert photo.renditions_ready()
    assert server.requests == ["/photo.jpg"]


def test_a_photo_that_has_an_original_by_then_is_not_fetched(server):
    photo = wire_photo(server.url("/photo.jpg"))
    photo.original = ContentFile(JPEG, name="upload.jpg")
    photo.save()
    DBTaskResult.objects.filter(task_path=RENDITIONS_PATH).delete()
    run_worker()
    [fetch] = fetch_tasks()
    assert (fetch.status, fetch.return_value) == ("SUCCESSFUL", None)
    assert server.requests == []


# --- Refusals that may pass: tried again ---------------------------------------------------------


def test_a_503_is_tried_again_after_a_minute(server):
    url = server.url("/unavailable.jpg")
    photo = wire_photo(url)
    before = timezone.now()
    run_worker()
    after = timezone.now()
    photo.refresh_from_db()
    first, second = fetch_tasks()
    assert (first.status, first.return_value) == ("SUCCESSFUL", "retry")
    assert second.args_kwargs == {"args": [photo.pk, 2], "kwargs": {}}
    assert (second.task_path, second.queue_name, second.status) == (
        FETCH_PATH,
        "photos",
        "READY",
    )
    assert before + timedelta(minutes=1) <= second.run_after <= after + timedelta(minutes=1)
    assert waiting(second)  # the batch worker left it for later
    next_time = timezone.localtime(second.run_after)
    assert photo.fetch_warning == (
        f"Could not fetch the picture from {url}: the server answered 503 Service Unavailable"
        " (it may work later). Tried once;"
        f" will try again at {next_time:%H:%M} {next_time.tzname()}."
    )
    assert not photo.original
    assert photo.remote_url == url
    assert server.requests == ["/unavailable.jpg"]


def test_the_back_off_grows_to_an_hour():
    assert [fetch_wait(n) for n in range(1, 7)] == [
        timedelta(minutes=minutes) for minutes in (1, 4, 16, 60, 60, 60)
    ]


def test_after_the_last_attempt_the_warning_is_final_and_nothing_is_queued(server, settings):
    settings.PHOTO_FETCH_ATTEMPTS = 3
    url = server.url("/unavailable.jpg")
    photo = wire_photo(url)
    run_worker()  # attempt 1: the next one is queued a minute later
    for attempt in (2, 3):
        [later] = [task for task in fetch_tasks() if task.status == "READY"]
        assert later.args_kwargs["args"] == [photo.pk, attempt]
        DBTaskResult.objects.filter(pk=later.pk).update(run_after=timezone.now())  # time passes
        run_worker()
        later.refresh_from_db()
        assert later.status == "SUCCESSFUL"
    assert [task.return_value for task in fetch_tasks()] == ["retry", "retry", "refused"]
    assert not [task for task in fetch_tasks() if task.status == "READY"]
    photo.refresh_from_db()
    assert photo.fetch_warning == (
        f"Could not fetch the picture from {url}: the server answered 503 Service Unavailable"
        " (it may work later). Tried 3 times; it will not be tried again."
    )
    assert not photo.original
    assert photo.remote_url == url
    assert server.requests == ["/unavailable.jpg"] * 3


def test_the_second_wait_is_four_minutes(server):
    url = server.url("/unavailable.jpg")
    photo = wire_photo(url)
    DBTaskResult.objects.all().delete()
    fetch_photo.enqueue(photo.pk, 2)
    before = timezone.now()
    run_worker()
    after = timezone.now()
    [third] = [task for task in fetch_tasks() if task.status == "READY"]
    assert third.args_kwargs == {"args": [photo.pk, 3], "kwargs": {}}
    assert before + timedelta(minutes=4) <= third.run_after <= after + timedelta(minutes=4)
    photo.refresh_from_db()
    assert "Tried 2 times; will try again at" in photo.fetch_warning


# --- Permanent refusals: not tried again ---------------------------------------------------------


def test_a_redirect_to_the_metadata_service_is_refused_for_good(server):
    url = server.url("/to-metadata")
    photo = wire_photo(url)
    run_worker()
    photo.refresh_from_db()
    [fetch] = fetch_tasks()
    assert (fetch.status, fetch.return_value) == ("SUCCESSFUL", "refused")
    assert photo.fetch_warning == (
        f"Could not fetch the picture from {url}: the address 169.254.169.254 is a cloud"
        " metadata service address. Tried once; trying again would not help."
    )
    assert not photo.original
    assert photo.remote_url == url
    assert server.requests == ["/to-metadata"]


def test_a_web_page_is_refused_for_good(server):
    url = server.url("/page.html")
    photo = wire_photo(url)
    run_worker()
    photo.refresh_from_db()
    [fetch] = fetch_tasks()
    assert (fetch.status, fetch.return_value) == ("SUCCESSFUL", "refused")
    assert photo.fetch_warning == (
        f"Could not fetch the picture from {url}: the server sent text/html, not a picture"
        " (JPEG, PNG, WebP, AVIF, GIF or TIFF). Tried once; trying again would not help."
    )
    assert not photo.original
    assert photo.remote_url == url
    assert not DBTaskResult.objects.filter(task_path=RENDITIONS_PATH).exists()


def test_loopback_is_refused_without_the_allowed_network(server, settings):
    settings.PHOTO_FETCH_ALLOWED_NETWORKS = []
    photo = wire_photo(server.url("/photo.jpg"))
    run_worker()
    photo.refresh_from_db()
    assert "127.0.0.1 is a loopback address" in photo.fetch_warning
    assert "trying again would not help" in photo.fetch_warning
    assert len(fetch_tasks()) == 1
    assert server.requests == []
