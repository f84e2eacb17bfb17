"""Secure by default: the headers on every response, HTTPS behaviour and its switches, cookies,
admin login throttling, Host header validation and error pages that leak nothing.

tests/settings.py turns the three HTTPS switches off for the plain-HTTP test client; the tests
here put the production defaults back with `production_https` (and tests/site/test_deploy_check.py
runs the real settings in a subprocess).
"""

import base64
import hashlib
import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db import connection
from django.test import Client, RequestFactory, override_settings
from django.urls import path

from articles.reader.text_size import INIT_SCRIPT, INIT_SCRIPT_CSP
from newsroom.login_throttle import client_ip
from tests.production import STRONG_KEY, python

HSTS = "max-age=31536000; includeSubDomains"
CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'", INIT_SCRIPT_CSP],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
# As Django's SecurityMiddleware and the settings make them, with HSTS, over HTTPS.
HEADERS = {
    "Strict-Transport-Security": HSTS,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

production_https = override_settings(
    SECURE_SSL_REDIRECT=True, SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True
)


def policy(response) -> dict:
    """The Content-Security-Policy header as {directive: [sources]}."""
    directives = [part.split() for part in response["Content-Security-Policy"].split(";")]
    return {name: sources for name, *sources in directives}


def assert_secure_headers(response):
    assert {name: response.get(name) for name in HEADERS} == HEADERS
    assert policy(response) == CSP


# --- Headers ---------------------------------------------------------------------------------

EVERY_KIND_OF_RESPONSE = [
    ("/", 200),
    ("/no-such-page/", 404),
    ("/healthz", 200),
    ("/admin/login/", 200),
    ("/admin/", 302),
    ("/feeds/rss.xml", 200),
    ("/robots.txt", 200),
    ("/search/?q=geneva", 200),
]


@production_https
@pytest.mark.parametrize(("path", "status"), EVERY_KIND_OF_RESPONSE)
def test_every_response_carries_the_security_headers(client, db, path, status):
    response = client.get(path, secure=True)
    assert response.status_code == status
    assert_secure_headers(response)


@production_https
@override_settings(PAGE_CACHE_ENABLED=True)
def test_a_page_served_from_the_page_cache_carries_them_too(client, db):
    first = client.get("/", secure=True)
    second = client.get("/", secure=True)
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    assert_secure_headers(second)


def test_the_page_cache_is_outermost_and_keeps_the_stacks_headers():
    # A hit runs no other middleware: the stored page carries the headers the whole stack gave
    # it (test above); an unknown Host or a plain-HTTP request is never found in the cache.
    assert settings.MIDDLEWARE[0] == "articles.reader.page_cache.PageCacheMiddleware"


@production_https
@override_settings(PAGE_CACHE_ENABLED=True)
def test_a_cached_page_is_never_served_over_plain_http(client, db):
    client.get("/", secure=True)
    assert client.get("/", secure=True)["X-Page-Cache"] == "hit"
    response = client.get("/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/"


def test_the_policy_allows_no_inline_code_and_no_other_host(client, db):
    sources = {source for values in policy(client.get("/")).values() for source in values}
    assert sources == {"'self'", "'none'", INIT_SCRIPT_CSP}
    assert "'unsafe-inline'" not in sources


def test_the_one_hash_is_the_text_size_script_the_page_carries(client, db):
    html = client.get("/").content.decode()
    inline = re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    assert inline == [INIT_SCRIPT]
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert f"'sha256-{digest}'" == INIT_SCRIPT_CSP
    # No other inline script or style, and no style attribute.
    assert "<style" not in html
    assert " style=" not in html


def test_hsts_is_sent_over_https_only(client, db):
    # Browsers ignore HSTS on plain HTTP; Django does not send it there.
    assert "Strict-Transport-Security" not in client.get("/")
    assert client.get("/", secure=True)["Strict-Transport-Security"] == HSTS


# --- HTTPS -----------------------------------------------------------------------------------


@production_https
def test_plain_http_is_redirected_to_https(client, db):
    response = client.get("/articles/some-story/?page=2")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/articles/some-story/?page=2"


@production_https
def test_a_load_balancer_can_probe_healthz_over_plain_http(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok"}


@production_https
@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_behind_a_tls_proxy_its_header_says_https(client, db):
    assert client.get("/", HTTP_X_FORWARDED_PROTO="https").status_code == 200
    assert client.get("/", HTTP_X_FORWARDED_PROTO="http").status_code == 301


def test_the_switches_come_from_the_variables_named_like_the_settings():
    show = (
        "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_REDIRECT_EXEMPT)"
    )
    defaults = python(show, SECRET_KEY=STRONG_KEY)
    assert defaults.stdout == "True True True None 31536000 ['^healthz$']\n", defaults.stderr

    plain_http = python(
        show,
        SECRET_KEY=STRONG_KEY,
        SECURE_SSL_REDIRECT="False",
        SESSION_COOKIE_SECURE="False",
        CSRF_COOKIE_SECURE="False",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
    )
    assert plain_http.stdout == (
        "False False False ('HTTP_X_FORWARDED_PROTO', 'https') 31536000 ['^healthz$']\n"
    ), plain_http.stderr


def test_a_malformed_proxy_header_setting_is_refused():
    result = python("", SECRET_KEY=STRONG_KEY, SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: SECURE_PROXY_SSL_HEADER must be a header "
        "and its value, e.g. SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https"
    )


# --- Cookies ---------------------------------------------------------------------------------


@production_https
def test_session_and_csrf_cookies_are_secure_and_httponly(client, editor):
    login = client.get("/admin/login/", secure=True)
    csrf = login.cookies["csrftoken"]
    assert (csrf["secure"], csrf["httponly"], csrf["samesite"]) == (True, True, "Lax")

    response = client.post(
        "/admin/login/",
        {"username": "editor", "password": "editor-pass", "next": "/admin/"},
        secure=True,
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert (session["secure"], session["httponly"], session["samesite"]) == (True, True, "Lax")


# --- Login throttling ------------------------------------------------------------------------


def log_in(client, password, username="editor", address="203.0.113.7"):
    return client.post(
        "/admin/login/",
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


LOCKED_OUT = (
    "After 5 failed logins with this user name from your address, logging in is\n"
    "blocked for 15 minutes. Please wait, then try again."
)


def test_five_failed_logins_lock_the_user_name_out_from_that_address(client, editor):
    for _ in range(4):
        response = log_in(client, "wrong")
        assert response.status_code == 200
        assert "Please enter the correct username and password" in response.content.decode()

    fifth = log_in(client, "wrong")
    assert fifth.status_code == 429
    assert LOCKED_OUT in fifth.content.decode()
    assert "<h1>Too many failed logins</h1>" in fifth.content.decode()

    # Now even the right password is refused, and no session starts.
    right = log_in(client, "editor-pass")
    assert right.status_code == 429
    assert LOCKED_OUT in right.content.decode()
    assert "sessionid" not in right.cookies


def test_the_lockout_is_for_that_user_name_from_that_address_only(
    client, editor, django_user_model
):
    django_user_model.objects.create_user("other", password="other-pass", is_staff=True)
    for _ in range(5):
        log_in(client, "wrong")
    assert log_in(client, "editor-pass").status_code == 429

    assert log_in(Client(), "editor-pass", address="198.51.100.1").status_code == 302
    assert log_in(Client(), "other-pass", username="other").status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, editor):
    for _ in range(5):
        log_in(client, "wrong")
    assert log_in(client, "editor-pass").status_code == 429

    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16)
    )

    response = log_in(client, "editor-pass")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_a_successful_login_resets_the_count(client, editor):
    for _ in range(4):
        log_in(client, "wrong")
    assert log_in(client, "editor-pass").status_code == 302
    client.logout()
    for _ in range(4):
        assert log_in(client, "wrong").status_code == 200
    assert log_in(client, "editor-pass").status_code == 302


def test_the_test_clients_login_without_a_request_is_not_throttled(client, editor):
    assert client.login(username="editor", password="editor-pass")


@pytest.mark.parametrize(
    ("proxy_header", "forwarded", "expected"),
    [
        (None, "", "192.0.2.1"),
        # Without a declared proxy, X-Forwarded-For is whatever the client wrote: ignored.
        (None, "203.0.113.7", "192.0.2.1"),
        # Behind the proxy, the last entry is the address the proxy itself saw.
        (("HTTP_X_FORWARDED_PROTO", "https"), "203.0.113.7", "203.0.113.7"),
        (("HTTP_X_FORWARDED_PROTO", "https"), "10.9.9.9, 203.0.113.7", "203.0.113.7"),
        (("HTTP_X_FORWARDED_PROTO", "https"), "", "192.0.2.1"),
    ],
)
def test_the_address_of_a_login_attempt(settings, proxy_header, forwarded, expected):
    settings.SECURE_PROXY_SSL_HEADER = proxy_header
    request = RequestFactory().post("/admin/login/", REMOTE_ADDR="192.0.2.1")
    if forwarded:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_ip(request) == expected


# --- Host header -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/admin/login/", "/healthz", "/no-such-page/"])
def test_an_unknown_host_gets_400_and_never_a_page(client, db, path):
    response = client.get(path, HTTP_HOST="evil.example")
    assert response.status_code == 400
    html = response.content.decode()
    assert "<h1>Bad request</h1>" in html
    assert "Latest news" not in html and "Log in" not in html and "database" not in html
    assert "evil.example" not in html


@override_settings(PAGE_CACHE_ENABLED=True)
def test_an_unknown_host_gets_400_even_for_a_cached_page(client, db):
    assert client.get("/").status_code == 200
    assert client.get("/")["X-Page-Cache"] == "hit"
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "<h1>Bad request</h1>" in response.content.decode()


# --- Error pages -----------------------------------------------------------------------------


def broken_view(request):
    """A bug: it fails with the SQL it ran and a setting in the exception's message."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 AS secret_column")
    raise ValueError(f"no_such_table_xyz after SELECT secret_column; key {settings.SECRET_KEY}")


urlpatterns = [path("broken/", broken_view)]


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_server_error_shows_the_sites_page_and_leaks_nothing(db, caplog):
    client = Client(raise_request_exception=False)
    response = client.get("/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "<h1>Something went wrong</h1>" in html
    for leak in (
        "Traceback",
        "no_such_table_xyz",
        "SELECT",
        "secret_column",
        "ValueError",
        settings.SECRET_KEY,
        "DATABASES",
        "broken_view",
        "site-packages",
    ):
        assert leak not in html, leak
    assert_secure_headers_without_hsts(response)
    # The operator gets it all, as one django.request ERROR record with the traceback.
    errors = [r for r in caplog.records if r.name == "django.request" and r.levelname == "ERROR"]
    assert len(errors) == 1
    assert errors[0].getMessage() == "Internal Server Error: /broken/"
    assert "no_such_table_xyz" in str(errors[0].exc_info[1])


def assert_secure_headers_without_hsts(response):
    expected = {
        name: value for name, value in HEADERS.items() if name != "Strict-Transport-Security"
    }
    assert {name: response.get(name) for name in expected} == expected
    assert policy(response) == CSP


def test_a_form_without_its_csrf_token_gets_the_sites_403_page(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/admin/login/", {"username": "editor", "password": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>Form expired</h1>" in html
    assert "<style" not in html and "CSRF" not in html
    assert_secure_headers_without_hsts(response)
