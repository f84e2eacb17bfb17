"""Possible duplicates in the admin: the same story arrived twice with different identifiers
(here a ninjs item and the agency's saved web page) is flagged in the article change list
(column and filter) and on the article's page (a notice linking to the other article), and an
editor or a chief editor clears the flag with "Not a duplicate" on the article's page,
recorded in the history like any edit. Also: the ingest records' format and warnings."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.test import Client

from articles.ingest.writer import ingest
from articles.models import Article, IngestRecord
from tests.helpers.admin import ARTICLES, change_url
from tests.helpers.html import parse
from tests.helpers.paths import WIRE
from tests.helpers.sample import HEADLINE
from tests.helpers.users import make_user

pytestmark = pytest.mark.django_db


def run(name):
    return ingest((WIRE / name).read_bytes(), filename=name, channel="command")


@pytest.fixture
def pair():
    """(the ninjs article, the same story from the web page, flagged as its duplicate)."""
    run("ninjs-2-v1.json")
    run("webpage.html")
    first, second = Article.objects.order_by("pk")
    assert (second.possible_duplicate_of, first.possible_duplicate_of) == (first, None)
    return first, second


def login(django_user_model, role):
    client = Client()
    client.force_login(make_user(django_user_model, role))
    return client


@pytest.fixture
def viewer_client(django_user_model):
    """Staff who may only view articles."""
    user = django_user_model.objects.create_user("viewer", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="articles", codename__in=["view_article", "view_ingestrecord"]
        )
    )
    client = Client()
    client.force_login(user)
    return client


def clear_url(article):
    return f"{ARTICLES}{article.pk}/not-a-duplicate/"


def flags(response):
    """{the row's change URL (without the list's filters): the "possible duplicate"
    column's icon alt text}."""
    rows = parse(response.content).one("table", id="result_list").one("tbody").find_all("tr")
    return {
        row.find("th").one("a").get("href").split("?")[0]: row.one("td", cls="field-duplicate_flag")
        .one("img")
        .get("alt")
        for row in rows
    }


def test_the_change_list_shows_the_flag_and_filters_by_it(pair, django_user_model):
    first, second = pair
    client = login(django_user_model, "editor")

    response = client.get(ARTICLES)

    document = parse(response.content)
    header = document.one("table", id="result_list").one("th", cls="column-duplicate_flag")
    assert header.text() == "Possible duplicate"
    assert flags(response) == {
        f"/admin/articles/article/{first.pk}/change/": "False",
        f"/admin/articles/article/{second.pk}/change/": "True",
    }
    filter_links = {
        a.text(): a.get("href")
        for a in document.one("nav", id="changelist-filter").find_all("a")
        if "possible_duplicate" in (a.get("href") or "")
    }
    assert filter_links == {"Yes": "?possible_duplicate=yes", "No": "?possible_duplicate=no"}
    assert list(flags(client.get(ARTICLES, {"possible_duplicate": "yes"}))) == [change_url(second)]
    assert list(flags(client.get(ARTICLES, {"possible_duplicate": "no"}))) == [change_url(first)]


def test_the_flagged_article_links_to_the_other_and_the_other_lists_it(pair, django_user_model):
    first, second = pair
    client = login(django_user_model, "editor")

    notice = parse(client.get(change_url(second)).content).one("section", cls="possible-duplicate")

    assert notice.one("h2").text() == "Possible duplicate"
    assert notice.one("p").text() == (
        f"This article may be the same story as “{HEADLINE}”: same headline and agency, "
        "arrived with another identifier. Nothing was merged."
    )
    assert notice.one("p").one("a").get("href") == change_url(first)
    assert notice.one("form").get("action") == clear_url(second)
    assert notice.one("form").one("input", type="submit").get("value") == "Not a duplicate"

    other = parse(client.get(change_url(first)).content)
    assert other.find("section", cls="possible-duplicate") is None
    listed = other.one("section", cls="flagged-duplicates")
    assert [(a.text(), a.get("href")) for a in listed.find_all("a")] == [
        (HEADLINE, change_url(second))
    ]


def test_an_article_without_a_flag_has_no_notice(make_article, django_user_model):
    article = make_article()
    client = login(django_user_model, "editor")

    document = parse(client.get(change_url(article)).content)

    assert document.find("section", cls="wire-notice") is None


@pytest.mark.parametrize("role", ["editor", "chief"])
def test_not_a_duplicate_clears_the_flag_as_a_recorded_edit(pair, django_user_model, role):
    first, second = pair
    client = login(django_user_model, role)
    version = second.version

    response = client.post(clear_url(second))

    assert (response.status_code, response["Location"]) == (302, change_url(second))
    second.refresh_from_db()
    assert second.possible_duplicate_of is None
    assert second.version == version + 1
    latest = second.history.order_by("-history_id").first()
    assert (latest.history_change_reason, latest.history_user.username, latest.version) == (
        "admin: not a duplicate",
        f"{role}-user",
        second.version,
    )
    assert latest.prev_record.possible_duplicate_of_id == first.pk
    log = LogEntry.objects.get(object_id=str(second.pk))
    assert (log.user.username, log.get_change_message()) == (
        f"{role}-user",
        "Not a duplicate: the possible duplicate flag was cleared.",
    )
    page = client.get(response["Location"])
    assert [str(m) for m in page.context["messages"]] == [
        f"“{HEADLINE}” is not a duplicate: the flag was cleared."
    ]
    assert parse(page.content).find("section", cls="wire-notice") is None
    # The history page shows the change.
    history = client.get(f"{ARTICLES}{second.pk}/history/").content.decode()
    assert "admin: not a duplicate" in history
    assert "Possible duplicate of" in history


def test_not_a_duplicate_twice_changes_nothing_more(pair, django_user_model):
    _, second = pair
    client = login(django_user_model, "editor")
    client.post(clear_url(second), follow=True)
    version = Article.objects.get(pk=second.pk).version

    response = client.post(clear_url(second), follow=True)

    assert Article.objects.get(pk=second.pk).version == version
    assert [str(m) for m in response.context["messages"]] == [
        f"“{HEADLINE}” was not flagged as a duplicate."
    ]
    assert LogEntry.objects.count() == 1


def test_staff_who_may_only_view_see_the_notice_but_cannot_clear(pair, viewer_client):
    _, second = pair

    notice = parse(viewer_client.get(change_url(second)).content).one(
        "section", cls="possible-duplicate"
    )

    assert notice.find("form") is None
    assert viewer_client.post(clear_url(second)).status_code == 403
    assert Article.objects.get(pk=second.pk).possible_duplicate_of_id is not None


def test_clearing_needs_a_post_and_an_article(pair, django_user_model):
    _, second = pair
    client = login(django_user_model, "editor")

    assert client.get(clear_url(second)).status_code == 405
    assert client.post(f"{ARTICLES}999999/not-a-duplicate/").status_code == 404
    assert client.post(f"{ARTICLES}nonsense/not-a-duplicate/").status_code == 404
    assert Article.objects.get(pk=second.pk).possible_duplicate_of_id is not None


# --- Ingest records: the format read and the warnings -------------------------------------


def test_ingest_records_show_their_format_and_warnings(pair, viewer_client):
    records = {r.filename: r for r in IngestRecord.objects.all()}

    response = viewer_client.get("/admin/articles/ingestrecord/")

    rows = parse(response.content).one("table", id="result_list").one("tbody").find_all("tr")
    formats = {
        row.one("td", cls="field-filename").text(): row.one("td", cls="field-format").text()
        for row in rows
    }
    assert formats == {"ninjs-2-v1.json": "ninjs", "webpage.html": "html"}

    page = viewer_client.get(f"/admin/articles/ingestrecord/{records['webpage.html'].pk}/change/")
    document = parse(page.content)
    assert document.one("div", cls="field-format").one("div", cls="readonly").text() == "html"
    warnings = document.one("div", cls="field-warnings_list").one("ul", cls="ingest-warnings")
    assert [li.text() for li in warnings.find_all("li")] == [
        "a malformed JSON-LD block was skipped",
        "sanitiser: removed the onmouseover attribute",
    ]

    clean = viewer_client.get(
        f"/admin/articles/ingestrecord/{records['ninjs-2-v1.json'].pk}/change/"
    )
    assert records["ninjs-2-v1.json"].warnings == []
    field = parse(clean.content).one("div", cls="field-warnings_list")
    assert field.one("div", cls="readonly").text() == "None"
