"""articles.photos.downloader against a real HTTP server on 127.0.0.1 (a thread of this process):
good pictures, and each way an address or an answer can be refused.

The server's paths are the handlers in ROUTES. Loopback is let through with
PHOTO_FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"] (the `fetch_settings` fixture) while every other
non-public address stays refused, as in production; the default, which refuses loopback too, is
tested on its own. Time-outs are a fraction of a second, so the slow servers take about a second.
Host names other than 127.0.0.1 go through `fake_dns`, which answers for the names it is given.
"""

import ipaddress
import shutil
import socket
import ssl
import struct
import subprocess
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO

import pytest
import urllib3.util.connection
from django.core.exceptions import ImproperlyConfigured
from PIL import Image, ImageFile
from urllib3.response import HTTPResponse

import newsroom.settings
from articles.photos.downloader import (
    CHUNK_BYTES,
    FetchRefused,
    address_problem,
    allowed_networks,
    fetch_picture,
    inspect_picture,
)

CAP = 1024 * 1024  # PHOTO_FETCH_MAX_BYTES in these tests
TIMEOUT = 0.4  # PHOTO_FETCH_TIMEOUT
TOTAL = 1.0  # PHOTO_FETCH_TOTAL_TIMEOUT


# --- Pictures ------------------------------------------------------------------------------------


def _jpeg(size=(1200, 800)) -> bytes:
    """A photo-like JPEG: gradients and noise, so it is not a few hundred bytes of flat colour."""
    red = Image.linear_gradient("L").resize(size)
    green = Image.effect_noise(size, 40)
    blue = Image.radial_gradient("L").resize(size)
    buffer = BytesIO()
    Image.merge("RGB", (red, green, blue)).save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def _blank_png(size) -> bytes:
    """A PNG of `size` pixels that is a small file (one bit a pixel, all alike, compressed)."""
    buffer = BytesIO()
    Image.new("1", size).save(buffer, format="PNG")
    return buffer.getvalue()


def _bmp() -> bytes:
    """A real picture, in a format that is not accepted."""
    buffer = BytesIO()
    Image.new("RGB", (40, 30), "#336699").save(buffer, format="BMP")
    return buffer.getvalue()


def _bomb_png(width, height) -> bytes:
    """The start of a PNG that says it is width x height pixels, one bit each, black: what a
    compressor makes of such a picture is a few hundred kilobytes, this is a few dozen bytes (and
    made at once); Pillow reads the header and stops there."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\0" * (1 + width // 8) * 16)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


JPEG = _jpeg()


# --- The server ----------------------------------------------------------------------------------


def _send(handler, body=b"", *, status=200, content_type="image/jpeg", headers=()):
    handler.send_response(status)
    if content_type:
        handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in headers:
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def _photo(handler):
    _send(handler, JPEG, headers=[("X-Seen-Host", handler.headers["Host"])])


def _photo_chunked(handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "image/jpeg")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    for start in range(0, len(JPEG), 50_000):
        piece = JPEG[start : start + 50_000]
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
    handler.wfile.write(b"0\r\n\r\n")


def _photo_with_parameters(handler):
    _send(handler, JPEG, content_type="Image/JPEG; charset=binary")


def _huge_declared(handler):
    """Says 1 GB, sends nothing: a client that tried to read the body would wait (and time out)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "image/jpeg")
    handler.send_header("Content-Length", str(1024**3))
    handler.end_headers()
    handler.wfile.flush()
    handler.server.stop.wait(5)


def _huge_stream(handler):
    """No Content-Length: 50 MB until the client goes away, which the server notes."""
    handler.send_response(200)
    handler.send_header("Content-Type", "image/jpeg")
    handler.end_headers()
    sent, chunk = 0, JPEG[:CHUNK_BYTES]
    try:
        while sent < 50 * CAP and not handler.server.stop.is_set():
            handler.wfile.write(chunk)
            sent += len(chunk)
    except OSError:
        handler.server.notes["huge_stream"] = ("closed early", sent)
    else:
        handler.server.notes["huge_stream"] = ("sent all", sent)
    finally:
        handler.server.done.set()


def _cut_short(handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "image/jpeg")
    handler.send_header("Content-Length", str(len(JPEG)))
    handler.end_headers()
    handler.wfile.write(JPEG[: len(JPEG) // 2])


def _slow(handler):
    """Thinks for longer than PHOTO_FETCH_TIMEOUT before answering anything."""
    handler.server.stop.wait(TIMEOUT * 5)
    _photo(handler)


def _dribble_body(handler):
    """A byte every tenth of a second: each read waits less than the time-out, the sum does not."""
    handler.send_response(200)
    handler.send_header("Content-Type", "image/jpeg")
    handler.send_header("Content-Length", str(len(JPEG)))
    handler.end_headers()
    handler.wfile.flush()
    _dribble(handler, JPEG)


def _dribble_unsized(handler):
    """The same without a Content-Length: the cut looks like the end of the body."""
    handler.send_response(200)
    handler.send_header("Content-Type", "image/jpeg")
    handler.end_headers()
    handler.wfile.flush()
    _dribble(handler, JPEG)


def _stall(handler):
    """Half the photo, then nothing for longer than PHOTO_FETCH_TIMEOUT."""
    handler.send_response(200)
    handler.send_header("Content-Type", "image/jpeg")
    handler.send_header("Content-Length", str(len(JPEG)))
    handler.end_headers()
    handler.wfile.write(JPEG[: len(JPEG) // 2])
    handler.wfile.flush()
    handler.server.stop.wait(TIMEOUT * 5)


def _dribble_headers(handler):
    """The same, in the headers: nothing of the answer is complete before the deadline."""
    _dribble(handler, b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n" + b"X-Padding: y" * 1000)


def _dribble(handler, data):
    for byte in data:
        if handler.server.stop.wait(0.1):
            return
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()


def _redirect_to(location):
    def redirect(handler):
        _send(handler, status=302, content_type=None, headers=[("Location", location)])

    return redirect


def _chain(handler):
    """/chain/3 redirects to /chain/2 ... to /chain/0, which is the photo."""
    left = int(handler.path.rsplit("/", 1)[1])
    if left == 0:
        _photo(handler)
    else:
        _redirect_to(f"/chain/{left - 1}")(handler)


ROUTES = {
    "/photo.jpg": _photo,
    "/photo-chunked.jpg": _photo_chunked,
    "/photo-parameters.jpg": _photo_with_parameters,
    "/huge-declared.jpg": _huge_declared,
    "/huge-stream.jpg": _huge_stream,
    "/cut-short.jpg": _cut_short,
    "/slow.jpg": _slow,
    "/dribble-body.jpg": _dribble_body,
    "/dribble-unsized.jpg": _dribble_unsized,
    "/dribble-headers.jpg": _dribble_headers,
    "/stall.jpg": _stall,
    "/to-private": _redirect_to("http://10.0.0.1/x.jpg"),
    "/to-metadata": _redirect_to("http://169.254.169.254/latest/meta-data"),
    "/to-internal-name": _redirect_to("http://intranet.example/x.jpg"),
    "/to-photo": _redirect_to("/photo.jpg"),
    "/to-ftp": _redirect_to("ftp://files.example/x.jpg"),
    "/no-location": lambda handler: _send(handler, status=302, content_type=None),
    "/page.html": lambda handler: _send(handler, b"<html></html>", content_type="text/html"),
    "/no-type.jpg": lambda handler: _send(handler, JPEG, content_type=None),
    "/fake.jpg": lambda handler: _send(handler, b"<!doctype html><p>Not found</p>"),
    "/half.jpg": lambda handler: _send(handler, JPEG[: len(JPEG) // 2]),
    "/png-as-jpeg.jpg": lambda handler: _send(handler, _blank_png((40, 30))),
    "/bmp.jpg": lambda handler: _send(handler, _bmp()),
    "/big.png": lambda handler: _send(handler, _blank_png((3000, 2000)), content_type="image/png"),
    "/bomb.png": lambda handler: _send(handler, _bomb_png(30000, 30000), content_type="image/png"),
    "/missing.jpg": lambda handler: _send(handler, b"gone", status=404, content_type="text/plain"),
    "/unavailable.jpg": lambda handler: _send(handler, status=503, content_type="text/plain"),
    "/busy.jpg": lambda handler: _send(handler, status=429, content_type="text/plain"),
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.close_connection = True
        self.server.requests.append((self.path, self.headers["Host"]))
        route = ROUTES.get(self.path) or (_chain if self.path.startswith("/chain/") else None)
        if route is None:
            _send(self, b"no such path", status=404, content_type="text/plain")
        else:
            route(self)

    def log_message(self, format, *args):
        pass  # the test output is the tests'


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address=("127.0.0.1", 0)):
        super().__init__(address, _Handler)
        self.stop = threading.Event()  # set when the test ends: slow handlers give up
        self.done = threading.Event()  # set by a handler that reports in `notes`
        self.requests = []  # (path, Host header) of each request received
        self.notes = {}
        self.scheme = "http"

    def url(self, path, host=None):
        return f"{self.scheme}://{host or '127.0.0.1'}:{self.server_address[1]}{path}"

    def handle_error(self, request, client_address):
        pass  # a client that hangs up mid-answer is what several tests do


class _Server6(_Server):
    address_family = socket.AF_INET6


def _serve(server):
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    return thread


def _stop(server, thread):
    server.stop.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def fetch_settings(settings):
    """Loopback allowed (the server is on it), small limits and time-outs."""
    settings.PHOTO_FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.PHOTO_FETCH_MAX_REDIRECTS = 3
    settings.PHOTO_FETCH_MAX_BYTES = CAP
    settings.PHOTO_FETCH_TIMEOUT = TIMEOUT
    settings.PHOTO_FETCH_TOTAL_TIMEOUT = TOTAL
    settings.PHOTO_MAX_PIXELS = 100_000_000
    return settings


@pytest.fixture
def picture_server(fetch_settings):
    server = _Server()
    thread = _serve(server)
    yield server
    _stop(server, thread)


@pytest.fixture
def connections(monkeypatch):
    """The (address, port) of every connection urllib3 opens."""
    opened = []
    real = urllib3.util.connection.create_connection

    def create_connection(address, *args, **kwargs):
        opened.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", create_connection)
    return opened


@pytest.fixture
def fake_dns(monkeypatch):
    """fake_dns[name] = ["127.0.0.1", ...]: what socket.getaddrinfo answers for that name (a
    list of lists: one answer per look-up, the last one repeated). `fake_dns.lookups` counts the
    look-ups of each name. Addresses and other names go to the real resolver."""
    real = socket.getaddrinfo

    class Resolver(dict):
        lookups: dict

    answers = Resolver()
    answers.lookups = {}

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return real(host, port, *args, **kwargs)
        count = answers.lookups[host] = answers.lookups.get(host, 0) + 1
        given = answers[host]
        addresses = given[min(count, len(given)) - 1] if isinstance(given[0], list) else given
        return [_address_info(address, port) for address in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


def _address_info(address, port):
    if ipaddress.ip_address(address).version == 6:
        return (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))
    return (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))


def _refused(url) -> FetchRefused:
    with pytest.raises(FetchRefused) as caught:
        fetch_picture(url)
    return caught.value


# --- Good pictures -------------------------------------------------------------------------------


def test_a_good_photo_is_fetched_with_its_format_and_size(picture_server):
    fetched = fetch_picture(picture_server.url("/photo.jpg"))

    assert fetched.content == JPEG
    assert (fetched.format, fetched.size) == ("JPEG", (1200, 800))
    assert fetched.content_type == "image/jpeg"
    assert fetched.url == picture_server.url("/photo.jpg")


def test_a_chunked_answer_is_read_whole(picture_server):
    assert fetch_picture(picture_server.url("/photo-chunked.jpg")).content == JPEG


def test_the_content_type_s_parameters_and_case_do_not_matter(picture_server):
    fetched = fetch_picture(picture_server.url("/photo-parameters.jpg"))
    assert (fetched.content_type, fetched.format) == ("image/jpeg", "JPEG")


def test_the_format_is_the_one_pillow_reads_not_the_one_the_server_names(picture_server):
    fetched = fetch_picture(picture_server.url("/png-as-jpeg.jpg"))
    assert (fetched.content_type, fetched.format, fetched.size) == ("image/jpeg", "PNG", (40, 30))


def test_a_redirect_is_followed_and_the_last_address_given(picture_server):
    fetched = fetch_picture(picture_server.url("/to-photo"))

    assert fetched.content == JPEG
    assert fetched.url == picture_server.url("/photo.jpg")


def test_as_many_redirects_as_allowed_are_followed(picture_server):
    assert fetch_picture(picture_server.url("/chain/3")).size == (1200, 800)


# --- Addresses -----------------------------------------------------------------------------------


def test_by_default_a_loopback_address_is_refused_without_connecting(
    picture_server, settings, connections
):
    # The project's own default, not the tests' allowance for their server.
    assert newsroom.settings.PHOTO_FETCH_ALLOWED_NETWORKS == []
    settings.PHOTO_FETCH_ALLOWED_NETWORKS = newsroom.settings.PHOTO_FETCH_ALLOWED_NETWORKS

    refused = _refused(picture_server.url("/photo.jpg"))

    assert refused.code == "address"
    assert not refused.retryable
    assert str(refused) == "the address 127.0.0.1 is a loopback address: refused"
    assert connections == []
    assert picture_server.requests == []


@pytest.mark.parametrize(
    ("path", "address"),
    [("/to-private", "10.0.0.1"), ("/to-metadata", "169.254.169.254")],
)
def test_a_redirect_to_a_private_address_is_refused_without_connecting(
    picture_server, connections, path, address
):
    refused = _refused(picture_server.url(path))

    assert refused.code == "address"
    assert str(refused).startswith(f"the address {address} is ")
    assert connections == [("127.0.0.1", picture_server.server_address[1])]


def test_the_message_names_what_the_address_is(picture_server):
    assert str(_refused(picture_server.url("/to-private"))) == (
        "the address 10.0.0.1 is a private network address: refused"
    )
    assert "a cloud metadata service address" in str(_refused(picture_server.url("/to-metadata")))


def test_a_redirect_to_a_name_of_the_internal_network_is_refused(picture_server, fake_dns):
    fake_dns["intranet.example"] = ["192.168.1.20"]

    refused = _refused(picture_server.url("/to-internal-name"))

    assert str(refused) == (
        "the address intranet.example resolves to a private network address (192.168.1.20): refused"
    )


def test_every_address_of_a_name_is_checked(fetch_settings, fake_dns, connections):
    fake_dns["photos.example"] = [
        "93.184.215.14",
        "2606:2800:21f:cb07:6820:80da:af6b:8b2c",
        "10.0.0.5",
    ]

    refused = _refused("http://photos.example/x.jpg")

    assert refused.code == "address"
    assert "(10.0.0.5)" in str(refused)
    assert connections == []


def test_the_connection_goes_to_the_address_checked_with_the_name_as_host(
    picture_server, fake_dns, connections
):
    # A second look-up would answer with the metadata service (DNS rebinding): there is none.
    fake_dns["photos.example"] = [["127.0.0.1"], ["169.254.169.254"]]
    port = picture_server.server_address[1]

    fetched = fetch_picture(picture_server.url("/photo.jpg", host="photos.example"))

    assert fetched.size == (1200, 800)
    assert fake_dns.lookups == {"photos.example": 1}
    assert connections == [("127.0.0.1", port)]
    assert picture_server.requests == [("/photo.jpg", f"photos.example:{port}")]


def test_a_name_that_does_not_exist_is_a_permanent_refusal(fetch_settings, monkeypatch):
    def no_such_name(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)

    refused = _refused("http://no-such-host.example/x.jpg")

    assert (refused.code, refused.retryable) == ("connection", False)
    assert "could not be resolved" in str(refused)


@pytest.mark.parametrize(
    "url", ["ftp://files.example/x.jpg", "file:///etc/passwd", "gopher://x.example/", "x.jpg"]
)
def test_only_http_and_https_are_fetched(fetch_settings, connections, url):
    refused = _refused(url)

    assert (refused.code, refused.retryable) == ("scheme", False)
    assert "only http:// and https://" in str(refused)
    assert connections == []


def test_a_redirect_to_another_scheme_is_refused(picture_server):
    assert _refused(picture_server.url("/to-ftp")).code == "scheme"


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:99999/x.jpg", "http:///x.jpg", "http://a%00b.example/x.jpg"]
)
def test_a_malformed_address_is_refused(fetch_settings, url):
    assert _refused(url).code == "url"


def test_a_loopback_ipv6_server_is_reached_when_allowed(fetch_settings):
    try:
        server = _Server6(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    fetch_settings.PHOTO_FETCH_ALLOWED_NETWORKS = ["::1/128"]
    thread = _serve(server)
    try:
        url = server.url("/photo.jpg", host="[::1]")
        fetched = fetch_picture(url)
        assert fetched.size == (1200, 800)
        assert server.requests == [("/photo.jpg", f"[::1]:{server.server_address[1]}")]
        fetch_settings.PHOTO_FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
        assert _refused(url).code == "address"
    finally:
        _stop(server, thread)


# The address classifier. None: public, fetched.
ADDRESSES = [
    ("8.8.8.8", None),
    ("93.184.215.14", None),
    ("2606:4700:4700::1111", None),
    ("::ffff:8.8.8.8", None),  # IPv4-mapped, public
    ("64:ff9b::808:808", None),  # NAT64 of 8.8.8.8
    ("127.0.0.1", "a loopback address"),
    ("127.255.0.9", "a loopback address"),
    ("::1", "a loopback address"),
    ("10.0.0.5", "a private network address"),
    ("172.16.0.1", "a private network address"),
    ("172.31.255.255", "a private network address"),
    ("192.168.1.1", "a private network address"),
    ("fc00::1", "a private network address"),
    ("fd12:3456::1", "a private network address"),
    ("169.254.1.1", "a link-local address"),
    ("fe80::1", "a link-local address"),
    ("169.254.169.254", "a cloud metadata service address"),
    ("169.254.170.2", "a cloud metadata service address"),
    ("fd00:ec2::254", "a cloud metadata service address"),
    ("100.100.100.200", "a cloud metadata service address"),
    ("100.64.0.1", "a carrier-grade NAT address"),
    ("100.127.255.254", "a carrier-grade NAT address"),
    ("0.0.0.0", "an unspecified address"),
    ("::", "an unspecified address"),
    ("224.0.0.1", "a multicast address"),  # is_global is True for these
    ("239.255.255.250", "a multicast address"),
    ("ff02::1", "a multicast address"),
    ("ff0e::1", "a multicast address"),
    ("fec0::1", "a site-local address"),  # and for this one
    ("240.0.0.1", "a reserved address"),
    ("255.255.255.255", "a reserved address"),
    ("0.1.2.3", "an address that is not on the public internet"),
    ("192.0.2.1", "an address that is not on the public internet"),  # documentation
    ("198.18.0.1", "an address that is not on the public internet"),  # benchmarking
    ("2001:db8::1", "an address that is not on the public internet"),
    ("::ffff:127.0.0.1", "a loopback address"),  # IPv4-mapped
    ("::ffff:10.0.0.1", "a private network address"),
    ("::ffff:169.254.169.254", "a cloud metadata service address"),
    ("::ffff:100.64.0.1", "a carrier-grade NAT address"),
    ("64:ff9b::a00:1", "a private network address"),  # NAT64 of 10.0.0.1
    ("64:ff9b::7f00:1", "a loopback address"),
    ("2002:a00:1::1", "a private network address"),  # 6to4 of 10.0.0.1
    ("2002:a9fe:a9fe::1", "a cloud metadata service address"),  # 6to4 of 169.254.169.254
    ("::127.0.0.1", "a reserved address"),  # IPv4-compatible (deprecated)
]


@pytest.mark.parametrize(("text", "problem"), ADDRESSES)
def test_address_problem(text, problem):
    assert address_problem(ipaddress.ip_address(text)) == problem


def test_allowed_networks_let_their_addresses_through_and_no_others():
    allowed = allowed_networks(["127.0.0.1/32", " 10.20.0.0/16", "fd00:1::/64"])

    assert address_problem(ipaddress.ip_address("127.0.0.1"), allowed) is None
    assert address_problem(ipaddress.ip_address("::ffff:127.0.0.1"), allowed) is None
    assert address_problem(ipaddress.ip_address("10.20.3.4"), allowed) is None
    assert address_problem(ipaddress.ip_address("fd00:1::5"), allowed) is None
    assert address_problem(ipaddress.ip_address("127.0.0.2"), allowed) == "a loopback address"
    assert address_problem(ipaddress.ip_address("10.21.0.1"), allowed) == (
        "a private network address"
    )


def test_metadata_unspecified_and_multicast_addresses_are_refused_even_when_allowed():
    allowed = allowed_networks(["0.0.0.0/0", "::/0"])

    for text in ("169.254.169.254", "fd00:ec2::254", "0.0.0.0", "::", "224.0.0.1", "ff02::1"):
        assert address_problem(ipaddress.ip_address(text), allowed) is not None, text
    assert address_problem(ipaddress.ip_address("10.0.0.1"), allowed) is None


def test_a_mistyped_allowed_network_is_an_error_not_ignored(fetch_settings):
    fetch_settings.PHOTO_FETCH_ALLOWED_NETWORKS = ["10.0.0.1/8"]  # host bits set

    with pytest.raises(ImproperlyConfigured, match=r"10\.0\.0\.1/8"):
        fetch_picture("http://127.0.0.1/x.jpg")


# --- Redirects -----------------------------------------------------------------------------------


def test_too_many_redirects_are_refused(picture_server):
    refused = _refused(picture_server.url("/chain/4"))

    assert (refused.code, refused.retryable) == ("redirect", False)
    assert str(refused) == "the address was redirected more than 3 times: refused"
    assert [path for path, _ in picture_server.requests] == [f"/chain/{n}" for n in (4, 3, 2, 1)]


def test_no_redirect_at_all_can_be_the_setting(picture_server, fetch_settings):
    fetch_settings.PHOTO_FETCH_MAX_REDIRECTS = 0

    assert _refused(picture_server.url("/to-photo")).code == "redirect"
    assert fetch_picture(picture_server.url("/photo.jpg")).size == (1200, 800)


def test_a_redirect_without_a_location_is_refused(picture_server):
    assert _refused(picture_server.url("/no-location")).code == "http_status"


# --- Size ----------------------------------------------------------------------------------------


def test_a_content_length_over_the_limit_is_refused_before_reading_the_body(picture_server):
    started = time.monotonic()

    refused = _refused(picture_server.url("/huge-declared.jpg"))

    # The server sends no body at all: reading it would have waited for the time-out.
    assert time.monotonic() - started < TIMEOUT
    assert (refused.code, refused.retryable) == ("too_large", False)
    assert str(refused) == "pictures can be at most 1 MB; the picture is 1024 MB: refused"


def test_a_stream_past_the_limit_is_cut_off(picture_server, monkeypatch):
    read = []
    real_read1 = HTTPResponse.read1

    def read1(self, *args, **kwargs):
        data = real_read1(self, *args, **kwargs)
        read.append(len(data))
        return data

    monkeypatch.setattr(HTTPResponse, "read1", read1)

    refused = _refused(picture_server.url("/huge-stream.jpg"))

    assert refused.code == "too_large"
    assert str(refused) == "pictures can be at most 1 MB; the picture is larger than that: refused"
    assert sum(read) == CAP + 1  # the limit, and one byte to know it is passed
    assert picture_server.done.wait(5)
    outcome, sent = picture_server.notes["huge_stream"]
    assert outcome == "closed early"
    assert sent < 50 * CAP


def test_an_answer_cut_before_its_content_length_is_worth_retrying(picture_server):
    refused = _refused(picture_server.url("/cut-short.jpg"))

    assert (refused.code, refused.retryable) == ("connection", True)
    assert str(refused) == "the connection to 127.0.0.1 was cut before the end"


# --- Time ----------------------------------------------------------------------------------------


def test_a_server_slower_than_the_time_out_is_given_up(picture_server):
    started = time.monotonic()

    refused = _refused(picture_server.url("/slow.jpg"))

    assert time.monotonic() - started < TIMEOUT * 3
    assert (refused.code, refused.retryable) == ("timeout", True)
    assert str(refused) == "127.0.0.1 sent nothing for 0.4 s: stopped"


@pytest.mark.parametrize(
    "path", ["/dribble-body.jpg", "/dribble-unsized.jpg", "/dribble-headers.jpg"]
)
def test_a_server_dribbling_bytes_is_cut_off_at_the_total_deadline(picture_server, path):
    started = time.monotonic()

    refused = _refused(picture_server.url(path))

    assert TOTAL <= time.monotonic() - started < TOTAL + 0.5
    assert (refused.code, refused.retryable) == ("timeout", True)
    assert str(refused) == "fetching from 127.0.0.1 took longer than 1 s: stopped"


def test_a_body_that_stops_coming_is_given_up(picture_server):
    refused = _refused(picture_server.url("/stall.jpg"))

    assert (refused.code, refused.retryable) == ("timeout", True)
    assert str(refused) == "127.0.0.1 sent nothing for 0.4 s: stopped"


def test_a_port_where_nothing_listens_is_worth_retrying(fetch_settings):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # bound, not listening: connections are refused

        refused = _refused(f"http://127.0.0.1:{port}/x.jpg")

    assert (refused.code, refused.retryable) == ("connection", True)
    assert str(refused) == "could not connect to 127.0.0.1 (Connection refused)"


# --- Answers that are not a picture --------------------------------------------------------------


def test_a_page_is_refused_by_its_content_type(picture_server):
    refused = _refused(picture_server.url("/page.html"))

    assert (refused.code, refused.retryable) == ("content_type", False)
    assert str(refused) == (
        "the server sent text/html, not a picture (JPEG, PNG, WebP, AVIF, GIF or TIFF): refused"
    )


def test_an_answer_without_a_content_type_is_refused(picture_server):
    assert _refused(picture_server.url("/no-type.jpg")).code == "content_type"


def test_a_page_sent_as_a_jpeg_is_not_an_image(picture_server):
    refused = _refused(picture_server.url("/fake.jpg"))

    assert (refused.code, refused.retryable) == ("not_an_image", False)
    assert "not a readable JPEG" in str(refused)


def test_a_picture_in_another_format_is_not_an_image(picture_server):
    assert _refused(picture_server.url("/bmp.jpg")).code == "not_an_image"


def test_a_truncated_jpeg_is_refused_not_padded(picture_server):
    refused = _refused(picture_server.url("/half.jpg"))

    assert (refused.code, refused.retryable) == ("truncated", False)
    assert str(refused) == "the picture is incomplete (its data ends early): refused"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_more_pixels_than_the_limit_are_refused_before_decoding(
    picture_server, fetch_settings, monkeypatch
):
    fetch_settings.PHOTO_MAX_PIXELS = 1_000_000

    def no_decoding(self):
        raise AssertionError("the picture was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)

    refused = _refused(picture_server.url("/big.png"))

    assert (refused.code, refused.retryable) == ("bomb", False)
    assert str(refused) == (
        "the picture is 3000 x 2000 pixels (6.0 megapixels), more than the limit of 1 megapixels: "
        "refused"
    )


def test_a_decompression_bomb_is_refused(picture_server):
    # 900 megapixels: Pillow itself refuses it on reading the header (over twice its own limit).
    refused = _refused(picture_server.url("/bomb.png"))

    assert (refused.code, refused.retryable) == ("bomb", False)
    assert "too many pixels" in str(refused)


def test_truncated_images_loaded_anyway_would_be_a_configuration_error(monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)

    with pytest.raises(ImproperlyConfigured):
        inspect_picture(JPEG[: len(JPEG) // 2], 100_000_000)


# --- Status --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "retryable", "message"),
    [
        ("/missing.jpg", False, "the server answered 404 Not Found"),
        (
            "/unavailable.jpg",
            True,
            "the server answered 503 Service Unavailable (it may work later)",
        ),
        ("/busy.jpg", True, "the server answered 429 Too Many Requests (it may work later)"),
    ],
)
def test_an_error_status_is_refused_retryable_or_not(picture_server, path, retryable, message):
    refused = _refused(picture_server.url(path))

    assert (refused.code, refused.retryable, str(refused)) == ("http_status", retryable, message)
    assert refused.url == picture_server.url(path)


# --- TLS -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def downloader_certificates(tmp_path_factory):
    """A test CA and a certificate it signed for photos.example (made with the openssl command)."""
    if shutil.which("openssl") is None:
        pytest.skip("no openssl command")
    folder = tmp_path_factory.mktemp("downloader-tls")

    def openssl(command):
        subprocess.run(["openssl", *command.split()], cwd=folder, check=True, capture_output=True)

    key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
    openssl(f"req -x509 {key} -keyout ca.key -out ca.pem -days 2 -subj /CN=newsroom-test-ca")
    openssl(f"req {key} -keyout site.key -out site.csr -subj /CN=photos.example")
    (folder / "site.ext").write_text("subjectAltName=DNS:photos.example\n")
    openssl(
        "x509 -req -in site.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out site.pem -days 2 "
        "-extfile site.ext"
    )
    return folder


@pytest.fixture
def tls_picture_server(fetch_settings, downloader_certificates, fake_dns, monkeypatch):
    """The picture server over HTTPS with the certificate for photos.example, which resolves to
    127.0.0.1; the test CA is the one trusted (OpenSSL reads SSL_CERT_FILE each time a context
    loads the default certificates). `server.names`: the server names clients sent (SNI)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(downloader_certificates / "ca.pem"))
    fake_dns["photos.example"] = ["127.0.0.1"]
    fake_dns["other.example"] = ["127.0.0.1"]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(
        downloader_certificates / "site.pem", downloader_certificates / "site.key"
    )
    server = _Server()
    server.names = []
    context.sni_callback = lambda sock, name, _context: server.names.append(name)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.scheme = "https"
    thread = _serve(server)
    yield server
    _stop(server, thread)


def test_https_checks_the_certificate_against_the_name_while_connecting_to_the_address(
    tls_picture_server, connections
):
    port = tls_picture_server.server_address[1]

    fetched = fetch_picture(tls_picture_server.url("/photo.jpg", host="photos.example"))

    assert fetched.size == (1200, 800)
    assert connections == [("127.0.0.1", port)]
    assert tls_picture_server.names == ["photos.example"]
    assert tls_picture_server.requests == [("/photo.jpg", f"photos.example:{port}")]


def test_https_refuses_a_certificate_for_another_name(tls_picture_server):
    refused = _refused(tls_picture_server.url("/photo.jpg", host="other.example"))

    assert (refused.code, refused.retryable) == ("tls", False)
    assert "other.example" in str(refused)
    assert tls_picture_server.requests == []
