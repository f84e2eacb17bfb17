"""Which engine renders what: readers' pages are Jinja2 templates (templates/jinja2/, the
environment in newsroom/jinja2.py), the admin and the sitemaps Django's template language; and
what the Jinja2 environment gives templates (addresses, times, missing variables)."""

from datetime import UTC, datetime

import pytest
from django.template import engines
from django.template.backends.django import DjangoTemplates
from django.template.backends.jinja2 import Jinja2
from django.template.loader import get_template
from django.test import RequestFactory
from django.urls import reverse, set_script_prefix
from django.utils import timezone

from articles.addresses import address as url
from articles.addresses import static_address as static
from articles.models import Alert
from articles.reader.templating import time_element
from newsroom.jinja2 import frame
from tests.helpers.html import parse

READER_TEMPLATES = [
    "base.html",
    "400.html",
    "403.html",
    "403_csrf.html",
    "404.html",
    "500.html",
    "503.html",
    "lockout.html",
    "articles/agency_detail.html",
    "articles/article_archive.html",
    "articles/article_archive_day.html",
    "articles/article_archive_month.html",
    "articles/article_archive_year.html",
    "articles/article_detail.html",
    "articles/article_list.html",
    "articles/article_withdrawn.html",
    "articles/author_detail.html",
    "articles/search.html",
    "articles/text_size.css",
    "includes/article_list.html",
    "includes/breaking_news.html",
    "includes/corrections.html",
    "includes/pagination.html",
    "includes/preview_banner.html",
    "frame/head_links.html",
    "frame/site_header.html",
]


@pytest.mark.parametrize("name", READER_TEMPLATES)
def test_reader_templates_are_jinja2(name):
    assert isinstance(get_template(name).backend, Jinja2)


@pytest.mark.parametrize(
    "name",
    [
        "admin/base_site.html",
        "admin/articles/article/change_form.html",
        "admin/articles/history_list.html",
        "admin/newsroom/widgets/body_editor.html",
        "sitemaps/sitemap.xml",
    ],
)
def test_admin_and_sitemap_templates_stay_django_templates(name):
    assert isinstance(get_template(name).backend, DjangoTemplates)


def test_the_admin_renders_with_django_templates(admin_client):
    response = admin_client.get("/admin/")
    assert response.status_code == 200
    assert "admin/index.html" in [template.name for template in response.templates]


def test_a_missing_variable_renders_as_nothing():
    # As in Django's templates; Django's Jinja2 backend would print "{{ name }}" with DEBUG on.
    template = engines["jinja2"].from_string("[{{ nothing }}][{{ nothing|default('x') }}]")
    assert template.render({}) == "[][x]"


# --- url(): reverse() once per name, arguments and script prefix --------------------------


@pytest.fixture
def script_prefix():
    """set_script_prefix() for the test, "/" again afterwards (it is per thread)."""
    yield set_script_prefix
    set_script_prefix("/")


def test_url_is_reverse(script_prefix):
    assert url("articles:home") == reverse("articles:home") == "/"
    assert url("articles:set_text_size", "lg") == "/text-size/lg/"
    assert url("articles:archive_day", 2026, 11, 27) == "/archive/2026/11/27/"


def test_url_is_memoized_per_script_prefix(script_prefix):
    assert url("articles:archive") is url("articles:archive")  # reversed once
    script_prefix("/news/")
    assert url("articles:archive") == "/news/archive/"
    assert url("articles:set_text_size", "sm") == "/news/text-size/sm/"
    script_prefix("/")
    assert url("articles:archive") == "/archive/"
    assert url("articles:set_text_size", "sm") == "/text-size/sm/"


def test_static_is_memoized():
    assert static("css/site.css") == "/static/css/site.css"
    assert static("css/site.css") is static("css/site.css")


def test_pages_under_a_script_prefix_link_under_it(client, db, script_prefix):
    # Django's WSGI handler sets the prefix from SCRIPT_NAME; the test client's does not.
    script_prefix("/news/")
    document = parse(client.get("/", SCRIPT_NAME="/news").content)
    assert document.one("a", cls="brand").get("href") == "/news/"
    assert document.one("form", cls="site-search").get("action") == "/news/search/"
    assert document.one("link", type="application/rss+xml").get("href") == "/news/feeds/rss.xml"
    sizes = [a.get("href") for a in document.find_all("a", rel="nofollow")]
    assert sizes[0] == "/news/text-size/xs/?next=/news/"
    script_prefix("/")
    document = parse(client.get("/").content)
    assert document.one("a", cls="brand").get("href") == "/"


def test_the_frame_is_rendered_once_per_script_prefix(script_prefix):
    environment = engines["jinja2"].env
    head = frame(environment, "head_links")
    assert frame(environment, "head_links") is head
    assert '<link rel="stylesheet" href="/static/css/site.css">' in head
    script_prefix("/news/")
    assert 'href="/news/feeds/rss.xml"' in frame(environment, "head_links")
    assert 'href="/feeds/rss.xml"' in head


def test_the_frame_follows_the_settings(client, db, settings):
    client.get("/")  # the frame is rendered, and kept
    settings.SITE_NAME = "Daily Planet"
    document = parse(client.get("/").content)
    assert document.one("link", type="application/rss+xml").get("title") == "Daily Planet (RSS)"


def test_the_frame_is_rendered_each_time_while_templates_reload(monkeypatch):
    environment = engines["jinja2"].env
    monkeypatch.setattr(environment, "auto_reload", True)
    assert frame(environment, "head_links") == frame(environment, "head_links")
    assert frame(environment, "head_links") is not frame(environment, "head_links")


def test_the_frames_slots_take_each_pages_values_escaped():
    environment = engines["jinja2"].env
    header = frame(environment, "site_header", query='<b>"Syria"</b>', next="/archive/")
    assert 'value="&lt;b&gt;&#34;Syria&#34;&lt;/b&gt;"' in header
    assert header.count('?next=/archive/"') == 4
    # A value that looks like a slot's marker is text like any other.
    marker = "\ue000next\ue001"
    header = frame(environment, "site_header", query=marker, next="/")
    assert f'value="{marker}"' in header
    assert header.count('?next=/"') == 4


# --- time_element -------------------------------------------------------------------------


def test_time_element_in_utc(settings):
    settings.TIME_ZONE = "UTC"
    assert time_element(datetime(2026, 11, 27, 10, 0, 59, 999_999, tzinfo=UTC)) == (
        '<time datetime="2026-11-27T10:00:59+00:00">27 November 2026, 10:00 UTC</time>'
    )


def test_time_element_in_the_sites_time_zone(settings):
    settings.TIME_ZONE = "Europe/Paris"
    winter = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    summer = datetime(2026, 7, 4, 22, 30, tzinfo=UTC)
    assert time_element(winter) == (
        '<time datetime="2026-11-27T11:00:00+01:00">27 November 2026, 11:00 CET</time>'
    )
    assert time_element(summer) == (
        '<time datetime="2026-07-05T00:30:00+02:00">5 July 2026, 00:30 CEST</time>'
    )
    settings.TIME_ZONE = "UTC"  # a new zone: not the element built for Paris
    assert time_element(winter) == (
        '<time datetime="2026-11-27T10:00:00+00:00">27 November 2026, 10:00 UTC</time>'
    )


def test_time_element_tells_apart_a_wall_time_that_occurs_twice(settings):
    # 25 October 2026 in Paris: 02:30 comes twice, in summer time and then in winter time.
    settings.TIME_ZONE = "Europe/Paris"
    zone = timezone.get_current_timezone()
    first = datetime(2026, 10, 25, 2, 30, tzinfo=zone)
    second = first.replace(fold=1)
    assert time_element(first) == (
        '<time datetime="2026-10-25T02:30:00+02:00">25 October 2026, 02:30 CEST</time>'
    )
    assert time_element(second) == (
        '<time datetime="2026-10-25T02:30:00+01:00">25 October 2026, 02:30 CET</time>'
    )


def test_time_element_only_for_aware_datetimes():
    for value in (None, "", "2026-11-27", datetime(2026, 11, 27, 10, 0)):
        assert time_element(value) == ""


# --- Context: the view's alert first, the site's otherwise --------------------------------


def test_the_views_alert_wins_over_the_sites(db, django_assert_num_queries):
    Alert.objects.create(text="From the database", starts_at=timezone.now())
    request = RequestFactory().get("/")
    template = get_template("404.html")
    with django_assert_num_queries(0):
        html = template.render({"alert": Alert(text="From the view")}, request)
    assert "From the view" in html and "From the database" not in html
    with django_assert_num_queries(0):
        assert "Breaking news" not in template.render({"alert": None}, request)
    with django_assert_num_queries(1):
        assert "From the database" in template.render({}, request)


# --- Django's error views find the site's pages --------------------------------------------


def test_a_404_with_debug_off_is_the_sites_page(client, db, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    document = parse(response.content)
    assert document.one("title").text() == "Page not found · Newsroom"
    assert document.one("a", cls="brand").get("href") == "/"
    assert document.one("h1").text() == "Page not found"


def test_a_template_sees_the_environments_globals_under_its_own():
    env = engines["jinja2"].env
    template = env.get_template("base.html")
    assert type(template.globals) is dict  # copied once, not a ChainMap read on every render
    assert template.globals["url"] is url and template.globals["frame"] is frame
    own = env.from_string("{{ url }}|{{ site }}", globals={"url": "mine", "site": "News"})
    assert own.render() == "mine|News"
    assert env.globals["url"] is url  # a template's globals never change the environment's
