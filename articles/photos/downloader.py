"""Fetching an agency's picture from the address it sent, safely.

The address comes from outside, so the fetch must not become a way into our own network
(server-side request forgery) nor a way to exhaust a worker's memory or time:

- only http:// and https:// addresses;
- the host name is resolved once, and every address it resolves to must be on the public
  internet (`address_problem`): no loopback, private, link-local (the cloud metadata service at
  169.254.169.254), carrier-grade NAT, multicast, reserved or unspecified address, nor an IPv6
  address that carries one of those (IPv4-mapped, NAT64, 6to4). PHOTO_FETCH_ALLOWED_NETWORKS
  lets chosen networks through (a wire server on the office network; the tests' local server);
- the connection goes to the address that was checked, never to a second resolution of the name
  (which a hostile DNS server could answer differently: "DNS rebinding"); the name is still the
  Host header, the TLS server name and the name the certificate must match;
- redirects are followed by hand, PHOTO_FETCH_MAX_REDIRECTS of them at most, each new address
  checked again from the start;
- at most PHOTO_FETCH_MAX_BYTES are read (refused at once on a larger Content-Length, and the
  reading stops as soon as the stream passes the limit); PHOTO_FETCH_TIMEOUT bounds the
  connection and each wait for data, PHOTO_FETCH_TOTAL_TIMEOUT the whole fetch (a watchdog thread
  cuts the connection, so a server sending a byte now and then cannot keep it for hours);
- the Content-Type must be one of the picture types, and Pillow must read the file whole as one of
  those formats, with at most PHOTO_MAX_PIXELS pixels (checked from the header, before decoding:
  a small file can decode to gigabytes, a "decompression bomb").

Every failure raises FetchRefused, with a code, a message an editor can read, and whether trying
again later may succeed (`retryable`, for the queue's back-off). Settings are read at each call.
"""

import http.client
import ipaddress
import re
import socket
import ssl
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from io import BytesIO
from urllib.parse import quote, urljoin, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from PIL import Image, ImageFile, UnidentifiedImageError
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    SSLError,
)
from urllib3.util.ssl_match_hostname import CertificateError

# The picture types accepted (Content-Type, parameters ignored) and Pillow's name of each format.
CONTENT_TYPES = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/avif": "AVIF",
    "image/gif": "GIF",
    "image/tiff": "TIFF",
}
# A picture's format is what Pillow reads in it, not what the server calls it: a PNG sent as
# image/jpeg is accepted as a PNG (Fetched.format says so).
FORMATS = frozenset(CONTENT_TYPES.values())
SCHEMES = ("http", "https")
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# How much is asked of the socket at a time (the body is then held whole: Pillow needs all of it).
CHUNK_BYTES = 64 * 1024
USER_AGENT = "Newsroom-picture-fetcher/1.0"

# Never fetched from, whatever PHOTO_FETCH_ALLOWED_NETWORKS says: the cloud providers' metadata
# services (credentials of the machine itself: AWS, GCP, Azure, Oracle at 169.254.169.254, AWS
# ECS at 169.254.170.2, Alibaba at 100.100.100.200, AWS over IPv6 at fd00:ec2::254).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(text)
    for text in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)
_CARRIER_GRADE_NAT = ipaddress.ip_network("100.64.0.0/10")
# RFC 1918 and IPv6's unique local addresses (fd00:ec2::254 is one).
_PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(text)
    for text in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# A host name as it may be looked up and sent (after IDNA): labels of letters, digits, "-" and "_".
_HOST_NAME = re.compile(r"[a-z0-9_-]{1,63}(\.[a-z0-9_-]{1,63})*")
# A certificate that is invalid or for another name (urllib3 checks the name itself, with its own
# CertificateError), a failed handshake.
_TLS_ERRORS = (ssl.SSLError, ssl.CertificateError, CertificateError)


class FetchRefused(Exception):
    """The picture at `url` was not fetched, for the reason `code`:

    scheme, url, address, redirect, too_large, timeout, connection, tls, http_status,
    content_type, not_an_image, truncated, bomb.

    str() is the message for the editor. `retryable`: the same fetch may succeed later
    (a timeout, a connection failure, a 5xx, 429 or 408 answer); the others are permanent.
    """

    def __init__(self, code: str, message: str, *, url: str = "", retryable: bool = False):
        super().__init__(message)
        self.code = code
        self.message = message
        self.url = url
        self.retryable = retryable


@dataclass(frozen=True)
class Fetched:
    """A picture fetched and verified: its bytes, the address it came from at last (after
    redirects), the server's Content-Type (without parameters), and its format and size as
    Pillow read them."""

    content: bytes
    url: str
    content_type: str
    format: str
    size: tuple[int, int]


@dataclass(frozen=True)
class Limits:
    """The PHOTO_FETCH_* and PHOTO_MAX_PIXELS settings, read once per fetch (so override_settings
    and a changed environment apply to the next fetch)."""

    allowed_networks: tuple
    max_redirects: int
    max_bytes: int
    timeout: float
    total_timeout: float
    max_pixels: int

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(
            allowed_networks=allowed_networks(settings.PHOTO_FETCH_ALLOWED_NETWORKS),
            max_redirects=settings.PHOTO_FETCH_MAX_REDIRECTS,
            max_bytes=settings.PHOTO_FETCH_MAX_BYTES,
            timeout=settings.PHOTO_FETCH_TIMEOUT,
            total_timeout=settings.PHOTO_FETCH_TOTAL_TIMEOUT,
            max_pixels=settings.PHOTO_MAX_PIXELS,
        )


def allowed_networks(entries) -> tuple:
    """The networks of PHOTO_FETCH_ALLOWED_NETWORKS ("127.0.0.1/32", "10.1.2.0/24", "::1"); a
    mistyped one stops the fetch with ImproperlyConfigured rather than being ignored."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip()))
        except ValueError as error:
            raise ImproperlyConfigured(
                f"PHOTO_FETCH_ALLOWED_NETWORKS: {entry!r} is not a network ({error})"
            ) from error
    return tuple(networks)


def fetch_picture(url: str) -> Fetched:
    """Fetch and verify the picture at `url` (see the module's docstring), or raise FetchRefused."""
    limits = Limits.from_settings()
    with _Watchdog(limits.total_timeout) as watchdog:
        content, final_url, content_type = _download(url, limits, watchdog)
    image_format, size = inspect_picture(content, limits.max_pixels, url=final_url)
    return Fetched(content, final_url, content_type, image_format, size)


# --- Addresses -----------------------------------------------------------------------------------


def address_problem(address, allowed=()) -> str | None:
    """None if pictures may be fetched from `address` (an ipaddress address); otherwise what it
    is, for the message ("a private network address"). `allowed`: networks let through although
    not public (never the metadata services, the unspecified address or multicast).

    `is_global` alone is not enough: it is True for multicast (224.0.0.0/4, ff00::/8) and for
    the deprecated site-local fec0::/10, and an IPv6 address carrying an IPv4 one
    (::ffff:10.0.0.1, 64:ff9b::a00:1, 2002:a00:1::) must be judged by the IPv4 address that
    the packets end up reaching."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return address_problem(embedded, allowed)
    if address in METADATA_ADDRESSES:
        return "a cloud metadata service address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_multicast:
        return "a multicast address"
    if any(address in network for network in allowed):
        return None
    return _kind_of_non_public(address)


def _embedded_ipv4(address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (IPv4-mapped, NAT64 well-known prefix, 6to4),
    if any."""
    if address.version != 6:
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def _kind_of_non_public(address) -> str | None:
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address in _CARRIER_GRADE_NAT:
        return "a carrier-grade NAT address"
    if any(address in network for network in _PRIVATE_NETWORKS):
        return "a private network address"
    if address.version == 6 and address.is_site_local:
        return "a site-local address"
    if address.is_reserved:
        return "a reserved address"
    if not address.is_global:
        return "an address that is not on the public internet"
    return None


# --- One fetch -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    """An address to fetch, taken apart: the host name (IDNA, lower case) to resolve and check,
    the port, and what goes into the request (the Host header and the path with its query)."""

    url: str
    scheme: str
    host: str
    port: int
    host_header: str
    path: str


def _download(url: str, limits: Limits, watchdog: "_Watchdog") -> tuple[bytes, str, str]:
    """The body, the last address and the Content-Type of the answer at `url`, redirects
    followed."""
    for _ in range(limits.max_redirects + 1):
        target = _target(url)
        addresses = _checked_addresses(target, limits)
        connection, response = _request(target, addresses, limits, watchdog)
        try:
            location = _redirect_location(response, target)
            if location is None:
                return _answer(response, target, limits, watchdog)
        finally:
            response.close()
            connection.close()
        url = location
    raise FetchRefused(
        "redirect",
        f"the address was redirected more than {limits.max_redirects} times: refused",
        url=url,
    )


def _target(url: str) -> _Target:
    """The URL taken apart; FetchRefused for another scheme than http(s) or a malformed one."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise FetchRefused(
            "url", f"{url!r} is not a valid web address: refused", url=url
        ) from error
    if parts.scheme.lower() not in SCHEMES:
        scheme = f"{parts.scheme}:// addresses" if parts.scheme else "addresses without http://"
        raise FetchRefused(
            "scheme", f"{scheme} cannot be fetched, only http:// and https://: refused", url=url
        )
    scheme = parts.scheme.lower()
    host = _ascii_host(parts.hostname or "", url)
    default = 443 if scheme == "https" else 80
    port = default if port is None else port
    bracketed = f"[{host}]" if ":" in host else host
    path = quote(parts.path or "/", safe="/%!$&'()*+,;=:@-._~")
    if parts.query:
        path += "?" + quote(parts.query, safe="/?%!$&'()*+,;=:@-._~")
    return _Target(
        url=url,
        scheme=scheme,
        host=host,
        port=port,
        host_header=bracketed if port == default else f"{bracketed}:{port}",
        path=path,
    )


def _ascii_host(hostname: str, url: str) -> str:
    """The host name as it goes into DNS and the Host header (IDNA for a non-ASCII name); an
    address ([::1], 10.0.0.1) as it is."""
    with suppress(ValueError):
        return str(ipaddress.ip_address(hostname))
    if not hostname:
        raise FetchRefused("url", f"{url!r} names no host: refused", url=url)
    try:
        host = hostname.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        host = ""
    if not _HOST_NAME.fullmatch(host):
        raise FetchRefused("url", f"{hostname!r} is not a valid host name: refused", url=url)
    return host


def _checked_addresses(target: _Target, limits: Limits) -> list:
    """Every address the host resolves to, each checked; FetchRefused if any one is refused
    (a name with one public and one private address is refused: which one a connection gets is
    not ours to choose)."""
    addresses = _resolve(target)
    for address in addresses:
        if problem := address_problem(address, limits.allowed_networks):
            if str(address) == target.host:
                message = f"the address {address} is {problem}: refused"
            else:
                message = f"the address {target.host} resolves to {problem} ({address}): refused"
            raise FetchRefused("address", message, url=target.url)
    return addresses


def _resolve(target: _Target) -> list:
    """The host's addresses, in the resolver's order, once each."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        # EAI_NONAME: the name does not exist (permanent); anything else (EAI_AGAIN: the
        # resolver did not answer) may pass.
        retryable = error.errno != socket.EAI_NONAME
        raise FetchRefused(
            "connection",
            f"the host name {target.host} could not be resolved ({error.strerror})",
            url=target.url,
            retryable=retryable,
        ) from error
    addresses = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def _request(target: _Target, addresses: list, limits: Limits, watchdog: "_Watchdog"):
    """The connection (to the first checked address that accepts one) and the answer's headers."""
    with _network_errors(target, limits, watchdog):
        connection = _connect(target, addresses, limits, watchdog)
        try:
            connection.request(
                "GET",
                target.path,
                headers={
                    "Host": target.host_header,
                    "User-Agent": USER_AGENT,
                    "Accept": ", ".join(CONTENT_TYPES),
                    # Compressed bodies would be a second bomb to defuse; pictures are compressed.
                    "Accept-Encoding": "identity",
                },
                preload_content=False,
                decode_content=False,
            )
            return connection, connection.getresponse()
        except BaseException:
            connection.close()
            raise


def _connect(target: _Target, addresses: list, limits: Limits, watchdog: "_Watchdog"):
    """A connection to the first of `addresses` that accepts one (the next is tried when one
    cannot be reached, as browsers do for a name with IPv4 and IPv6 addresses)."""
    for position, address in enumerate(addresses):
        if watchdog.expired:  # resolving the name took the time (the watchdog cannot cut that)
            raise _deadline_passed(target, limits)
        connection = _connection(target, address, limits)
        watchdog.watch(connection)
        try:
            connection.connect()
        except ConnectTimeoutError:  # NewConnectionError too
            connection.close()
            if position == len(addresses) - 1 or watchdog.expired:
                raise
        else:
            watchdog.watch(connection)
            return connection
    raise AssertionError("_resolve returns at least one address")  # pragma: no cover


def _connection(target: _Target, address, limits: Limits):
    """An urllib3 connection to `address` itself, speaking to the host of `target`: with TLS,
    the server name sent (SNI) and the one the certificate must be valid for are the host's."""
    if target.scheme == "https":
        return HTTPSConnection(
            str(address),
            target.port,
            timeout=limits.timeout,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
        )
    return HTTPConnection(str(address), target.port, timeout=limits.timeout)


def _redirect_location(response, target: _Target) -> str | None:
    """The absolute address a redirect points to, or None for any other answer."""
    if response.status not in REDIRECT_STATUSES:
        return None
    location = response.headers.get("Location")
    if not location:
        raise FetchRefused(
            "http_status",
            f"the server answered {response.status} (a redirect) without saying where to",
            url=target.url,
        )
    return urljoin(target.url, location.strip())


def _answer(response, target: _Target, limits: Limits, watchdog: "_Watchdog"):
    """The body and Content-Type of a final answer, once its status, type and length pass."""
    _check_status(response, target)
    content_type = _checked_content_type(response, target)
    _check_length(response, target, limits)
    with _network_errors(target, limits, watchdog):
        content = _body(response, target, limits)
    if watchdog.expired:  # a body without a length ends where the watchdog cut it
        raise _deadline_passed(target, limits)
    return content, target.url, content_type


def _check_status(response, target: _Target) -> None:
    """Only 200 is a picture (we never ask for part of one). The server's trouble (5xx), too many
    requests (429) and a request time-out (408) may pass; any other answer will not."""
    status = response.status
    if status == 200:
        return
    retryable = status >= 500 or status in (408, 429)
    reason = http.client.responses.get(status) or response.reason or "(unknown status)"
    raise FetchRefused(
        "http_status",
        f"the server answered {status} {reason}" + (" (it may work later)" if retryable else ""),
        url=target.url,
        retryable=retryable,
    )


def _checked_content_type(response, target: _Target) -> str:
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type not in CONTENT_TYPES:
        said = content_type or "no Content-Type"
        raise FetchRefused(
            "content_type",
            f"the server sent {said}, not a picture (JPEG, PNG, WebP, AVIF, GIF or TIFF): refused",
            url=target.url,
        )
    return content_type


def _check_length(response, target: _Target, limits: Limits) -> None:
    """Refuse before reading when the server says the body is too large (a Content-Length that
    is missing, unreadable or lying is dealt with while reading)."""
    try:
        length = int(response.headers.get("Content-Length", ""))
    except ValueError:
        return
    if length > limits.max_bytes:
        raise _too_large(target, limits, f"the picture is {_megabytes(length)}")


def _body(response, target: _Target, limits: Limits) -> bytes:
    """The body, read a chunk at a time, never more than max_bytes + 1 bytes of it: one byte
    over is proof enough that it is too large, and the connection is then dropped unread."""
    body = bytearray()
    while True:
        chunk = response.read1(min(CHUNK_BYTES, limits.max_bytes + 1 - len(body)))
        if not chunk:
            return bytes(body)
        body += chunk
        if len(body) > limits.max_bytes:
            raise _too_large(target, limits, "the picture is larger than that")


def _too_large(target: _Target, limits: Limits, what: str) -> FetchRefused:
    return FetchRefused(
        "too_large",
        f"pictures can be at most {_megabytes(limits.max_bytes)}; {what}: refused",
        url=target.url,
    )


def _megabytes(count: int) -> str:
    return f"{count / 1024 / 1024:.1f} MB".replace(".0 MB", " MB")


# --- Errors of the network, and the total deadline -----------------------------------------------


@contextmanager
def _network_errors(target: _Target, limits: Limits, watchdog: "_Watchdog") -> Iterator[None]:
    """What the socket, TLS, http.client and urllib3 raise, as FetchRefused; anything at all
    once the watchdog has cut the connection is the total deadline passing."""
    try:
        yield
    except FetchRefused:
        raise
    except (OSError, http.client.HTTPException, HTTPError, ValueError) as error:
        if watchdog.expired:
            raise _deadline_passed(target, limits) from error
        raise _refusal(error, target, limits) from error


def _deadline_passed(target: _Target, limits: Limits) -> FetchRefused:
    return FetchRefused(
        "timeout",
        f"fetching from {target.host} took longer than {limits.total_timeout:g} s: stopped",
        url=target.url,
        retryable=True,
    )


def _refusal(error: Exception, target: _Target, limits: Limits) -> FetchRefused:
    """The FetchRefused for one network error (the watchdog not involved). The order matters:
    urllib3's NewConnectionError is a ConnectTimeoutError, TimeoutError and SSLError are
    OSErrors."""
    host, cause = target.host, _innermost(error)
    if isinstance(error, NewConnectionError):
        code, message = "connection", f"could not connect to {host} ({_reason(cause)})"
    elif isinstance(error, ConnectTimeoutError):
        code, message = "timeout", f"{host} did not accept a connection within {limits.timeout:g} s"
    elif isinstance(cause, TimeoutError):
        code, message = "timeout", f"{host} sent nothing for {limits.timeout:g} s: stopped"
    elif isinstance(cause, _TLS_ERRORS) or isinstance(error, SSLError):
        return FetchRefused(
            "tls",
            f"the secure connection to {host} cannot be trusted ({_reason(cause)}): refused",
            url=target.url,
        )
    elif isinstance(cause, http.client.IncompleteRead):
        code, message = "connection", f"the connection to {host} was cut before the end"
    else:
        code, message = "connection", f"the connection to {host} failed ({_reason(cause)})"
    return FetchRefused(code, message, url=target.url, retryable=True)


def _innermost(error: BaseException) -> BaseException:
    """The original error under urllib3's wrappings (they raise theirs `from` it)."""
    while error.__cause__ is not None:
        error = error.__cause__
    return error


def _reason(error: BaseException) -> str:
    """An error's own words, without errno and class names: "Connection refused"."""
    words = getattr(error, "verify_message", None) or getattr(error, "strerror", None)
    return words or str(error) or type(error).__name__


class _Watchdog:
    """Cuts the connection being used when the fetch's total time is up.

    The socket's own time-out bounds each wait (connecting, each read), not their sum: a server
    sending a byte every few seconds (in the headers, the TLS handshake or the body) never lets
    one wait time out. So a thread waits for the deadline and then shuts the socket down, which
    ends whatever the fetching thread is blocked in; `expired` tells that error from the
    server's own. It keeps shutting down the current socket until the fetch ends, so a
    connection being opened at that moment does not escape it."""

    def __init__(self, seconds: float):
        self._seconds = seconds
        self._done = threading.Event()
        self._connection = None
        self._socket = None
        self.expired = False
        self._thread = threading.Thread(target=self._wait, name="picture-fetch-watchdog")
        self._thread.daemon = True

    def __enter__(self) -> "_Watchdog":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._done.set()
        self._thread.join()

    def watch(self, connection) -> None:
        """From now on the connection to cut is this one (its socket, once connected, is kept:
        http.client hands it to the response and forgets it)."""
        self._connection = connection
        self._socket = connection.sock

    def _wait(self) -> None:
        if self._done.wait(self._seconds):
            return
        self.expired = True
        while True:
            self._cut()
            if self._done.wait(0.05):
                return

    def _cut(self) -> None:
        connection = self._connection
        sock = self._socket or (connection.sock if connection is not None else None)
        if sock is not None:
            # The plain socket's shutdown, under TLS too: it unblocks a read in another thread
            # (SSLSocket.shutdown would tear its TLS state down under that thread's feet).
            with suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


# --- The picture itself --------------------------------------------------------------------------


def inspect_picture(content: bytes, max_pixels: int, *, url: str = "") -> tuple[str, tuple]:
    """The format and size of a picture Pillow reads whole as one of FORMATS, with at most
    `max_pixels` pixels; FetchRefused otherwise.

    Three passes: the header (format and size, nothing decoded: a bomb is refused here);
    verify(), the format's own integrity check (a PNG's checksums); then load(), decoding every
    pixel, which is what finds a JPEG cut short (Pillow would pad a truncated image with grey if
    ImageFile.LOAD_TRUNCATED_IMAGES were on; it is off, and checked)."""
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        raise ImproperlyConfigured(
            "PIL.ImageFile.LOAD_TRUNCATED_IMAGES is on: truncated pictures would pass as whole"
        )
    try:
        with Image.open(BytesIO(content), formats=_known_formats()) as image:
            image_format, size = image.format, image.size
            _check_pixels(size, max_pixels, url)
            image.verify()
        with Image.open(BytesIO(content), formats=[image_format]) as image:
            image.load()
    except FetchRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        # The warning is raised only where warnings are errors (python -W error).
        raise _bomb(None, max_pixels, url) from error
    except UnidentifiedImageError as error:
        raise _not_an_image(url) from error
    except (
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
        IndexError,
        KeyError,
        TypeError,
        struct.error,
    ) as error:
        # Pillow's decoders raise all of these on damaged data; "truncated" is in the message
        # of the errors for data that ends early ("image file is truncated", "Truncated File
        # Read").
        if "truncated" in str(error).lower():
            raise FetchRefused(
                "truncated",
                "the picture is incomplete (its data ends early): refused",
                url=url,
            ) from error
        raise _not_an_image(url) from error
    return image_format, size


def _known_formats() -> list[str]:
    """FORMATS that this Pillow can read (AVIF needs Pillow built with libavif)."""
    Image.init()
    return sorted(FORMATS & set(Image.OPEN))


def _check_pixels(size: tuple, max_pixels: int, url: str) -> None:
    width, height = size
    if width * height > max_pixels:
        raise _bomb(size, max_pixels, url)


def _bomb(size, max_pixels: int, url: str) -> FetchRefused:
    """Pillow refuses by itself (DecompressionBombError) above twice its own limit of about 89
    megapixels, before the size is known to us: then the message has no size. Between its limit
    and twice it, Pillow only warns and PHOTO_MAX_PIXELS decides (the warning is not made an
    error here: warning filters are the whole process's, and not thread-safe to change)."""
    limit = f"{max_pixels / 1_000_000:g} megapixels"
    if size is None:
        what = "the picture has far too many pixels"
    else:
        width, height = size
        megapixels = width * height / 1_000_000
        what = f"the picture is {width} x {height} pixels ({megapixels:.1f} megapixels)"
    return FetchRefused("bomb", f"{what}, more than the limit of {limit}: refused", url=url)


def _not_an_image(url: str) -> FetchRefused:
    return FetchRefused(
        "not_an_image",
        "the file is not a readable JPEG, PNG, WebP, AVIF, GIF or TIFF picture: refused",
        url=url,
    )
