"""A small HTTP client for the operations tests (standard library only): cookies kept across
requests and across servers (cookies ignore the port, as in a browser), no redirect followed,
no exception for 4xx and 5xx answers; and the few pieces of HTML the tests read."""

import http.cookiejar
import re
import urllib.parse
import urllib.request
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser

TIMEOUT = 60


@dataclass
class Response:
    status: int
    headers: dict
    text: str

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class _Passthrough(urllib.request.HTTPErrorProcessor):
    """Every answer is returned as it is: errors are not raised, redirects not followed."""

    def http_response(self, request, response):
        return response


class Client:
    def __init__(self, host: str | None = None):
        """host: the Host header to send, as a load balancer passes the site's public name to
        every app server (default: the address's own host and port)."""
        self.host = host
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _Passthrough()
        )

    def request(self, url: str, data: dict | list | None = None) -> Response:
        body = None if data is None else urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(url, data=body)
        if self.host:
            request.add_header("Host", self.host)
        with self.opener.open(request, timeout=TIMEOUT) as response:
            headers = {key.lower(): value for key, value in response.headers.items()}
            return Response(response.status, headers, response.read().decode("utf-8", "replace"))

    def get(self, url: str) -> Response:
        return self.request(url)

    def post(self, url: str, data: dict | list) -> Response:
        return self.request(url, data)

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.cookies if c.name == name), None)

    def log_in(self, base_url: str, username: str, password: str):
        """Log into the admin through its login form; fails unless the login succeeds."""
        page = self.get(f"{base_url}/admin/login/?next=/admin/")
        assert page.status == 200, page.status
        response = self.post(
            f"{base_url}/admin/login/?next=/admin/",
            {
                "csrfmiddlewaretoken": form_fields(page.text, "login-form")["csrfmiddlewaretoken"],
                "username": username,
                "password": password,
                "next": "/admin/",
            },
        )
        assert response.status == 302, (response.status, response.text[:2000])
        assert response.header("location") == "/admin/"


def save_article(editor, server, pk, **changes):
    """Change fields of the article in its admin form, as an editor would, and save."""
    url = f"{server.url}/admin/articles/article/{pk}/change/"
    form = editor.get(url)
    assert form.status == 200, form.status
    fields = form_submission(form.text, "article_form")
    for name, value in changes.items():
        fields = replace_field(fields, name, value)
    response = editor.post(url, [*fields, ("_save", "Save")])
    assert response.status == 302, response.text[:3000]
    return response


class _FormParser(HTMLParser):
    """The values a browser would submit for the form with the given id."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.in_form = False
        self.fields: list[tuple[str, str]] = []
        self.textarea: tuple[str, list[str]] | None = None
        self.select: tuple[str, list[str], list[str]] | None = None  # name, selected, first

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_form = attrs.get("id") == self.form_id
        if not self.in_form or attrs.get("disabled") is not None:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self.textarea = (name, [])
        elif tag == "select" and name:
            self.select = (name, [], [])
        elif tag == "option" and self.select is not None:
            value = attrs.get("value", "")
            if not self.select[2]:
                self.select[2].append(value)
            if "selected" in attrs:
                self.select[1].append(value)

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "textarea" and self.textarea is not None:
            name, parts = self.textarea
            # A newline right after <textarea> is not part of the value (HTML parsing rule).
            self.fields.append((name, "".join(parts).removeprefix("\n")))
            self.textarea = None
        elif tag == "select" and self.select is not None:
            name, selected, first = self.select
            self.fields.extend((name, value) for value in (selected or first))
            self.select = None


def form_submission(html: str, form_id: str) -> list[tuple[str, str]]:
    """The (name, value) pairs the form with this id submits as it stands."""
    parser = _FormParser(form_id)
    parser.feed(html)
    assert parser.fields, f"no form with id {form_id!r}"
    return parser.fields


def form_fields(html: str, form_id: str) -> dict[str, str]:
    return dict(form_submission(html, form_id))


def replace_field(fields: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    assert any(key == name for key, _ in fields), f"no field {name!r}"
    return [(key, value if key == name else old) for key, old in fields]


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def headline(html: str) -> str:
    """The text of the page's first <h1>."""
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.DOTALL)
    assert match, "the page has no <h1>"
    return _text(match.group(1))


def article_body(html: str) -> str:
    """The text of the article body (its paragraphs and subheadings), spaces normalised."""
    match = re.search(r'<div class="article-body">(.*?)</div>', html, re.DOTALL)
    assert match, "the page has no article body"
    return _text(match.group(1))


def canonical_url(html: str) -> str:
    match = re.search(r'<link rel="canonical" href="([^"]+)"', html)
    assert match, "the page has no canonical link"
    return unescape(match.group(1))
