"""An agency's cancellation (ninjs pubstatus "canceled", NewsML-G2 stat:canceled) of a story:

* published here: the article is withdrawn, and its address answers 410 Gone (and so does
  its ninjs export), with the headline readers saw;
* never published here (a draft): there is nothing to withdraw, and a 410 would show readers
  a headline they never saw. The draft stays a draft: its address and export stay a 404, it
  appears on no page, feed, sitemap, search or API list; the cancellation is a revision of
  the article and an ingest record ("skipped", with the reason), editors see it on the
  article's page and in the change list, and no import publishes it until the agency sends
  a newer version that is not canceled.
"""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from articles.models import Article, IngestRecord
from tests.helpers.html import parse
from tests.helpers.paths import WIRE
from tests.helpers.public import MACHINE_READABLE
from tests.helpers.sample import HEADLINE
from tests.helpers.users import make_user
from tests.helpers.wire import read, run

pytestmark = pytest.mark.django_db

SLUG = "kerry-lavrov-rapport-smoothed-path-to-syria-deal"
URL = f"/articles/{SLUG}/"
API = f"/api/ninjs/articles/{SLUG}/"
CANCELED_DRAFT = (
    "canceled by the agency (status canceled) before it was published here: kept as an "
    "unpublished draft, marked canceled for the editors"
)


def ninjs(name, **changes):
    """A sample ninjs file with some members changed (None: removed), as bytes."""
    item = json.loads(read(name))
    for key, value in changes.items():
        if value is None:
            item.pop(key, None)
        else:
            item[key] = value
    return json.dumps(item).encode()


def everything_public(client):
    """The text of every place readers and partner apps find articles."""
    surfaces = {url: client.get(url) for url in ["/", "/search/?q=Kerry", "/api/ninjs/articles/"]}
    surfaces |= {url: client.get(url) for url in MACHINE_READABLE}
    for url, response in surfaces.items():
        assert response.status_code == 200, url
    return {url: response.content.decode() for url, response in surfaces.items()}


def test_a_published_story_canceled_answers_410_with_its_headline(client):
    run("ninjs-2-v1.json", publish=True)

    assert run("ninjs-2-canceled.json").line() == f"withdrawn {URL}"

    response = client.get(URL)
    assert response.status_code == 410
    assert HEADLINE in response.content.decode()
    api = client.get(API)
    assert (api.status_code, api.json()["pubstatus"]) == (410, "canceled")
    assert Article.objects.get().status == Article.Status.WITHDRAWN


@pytest.mark.parametrize(
    ("draft", "cancellation", "slug"),
    [
        ("ninjs-2-v1.json", "ninjs-2-canceled.json", SLUG),
        (
            "newsml-g2.xml",
            "newsml-g2-canceled.xml",
            "kurdish-fighters-hold-kobani-as-air-strikes-continue",
        ),
    ],
)
def test_a_draft_canceled_stays_a_404_and_leaks_nowhere(client, draft, cancellation, slug):
    run(draft)
    article = Article.objects.get()
    headline, version = article.headline, article.version

    result = run(cancellation)

    assert result.line() == f"skipped /articles/{slug}/: {CANCELED_DRAFT}"
    article.refresh_from_db()
    assert (article.status, article.external_version) == (Article.Status.DRAFT, 1600000000)
    assert article.wire_metadata["pubstatus"] == "canceled"
    assert article.headline == headline  # the text is left as it was
    assert article.version == article.imported_version == version + 1
    record = IngestRecord.objects.latest("id")
    assert (record.outcome, record.message, record.article) == ("skipped", CANCELED_DRAFT, article)
    latest = article.history.order_by("-history_id").first()
    assert latest.history_change_reason == f"import: {cancellation} (command)"
    assert latest.wire_metadata["pubstatus"] == "canceled"

    for url in (f"/articles/{slug}/", f"/api/ninjs/articles/{slug}/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert headline.encode() not in response.content
    for url, text in everything_public(client).items():
        assert headline not in text, url
        assert slug not in text, url


def test_a_canceled_draft_is_never_published_by_an_import(client):
    run("ninjs-2-v1.json")
    run("ninjs-2-canceled.json")

    # The same cancellation again; the story's older versions, even with --publish.
    assert run("ninjs-2-canceled.json").line() == f"unchanged {URL}"
    assert IngestRecord.objects.latest("id").message == "already canceled by the agency"
    assert run("ninjs-2-v1.json", publish=True).line() == f"skipped (stale) {URL}"
    assert run("ninjs-2-v2.json", publish=True).line() == f"skipped (stale) {URL}"

    assert Article.objects.get().status == Article.Status.DRAFT
    assert client.get(URL).status_code == 404


def test_without_versions_the_same_content_is_not_published_either(client):
    """Items without a version (nor a version time): only the content tells them apart."""
    unversioned = {"version": None, "versioncreated": None}
    story = ninjs("ninjs-2-v1.json", **unversioned)
    run("story.json", story)
    run("cancel.json", ninjs("ninjs-2-canceled.json", **unversioned))

    result = run("story.json", story, publish=True)

    assert result.line() == f"unchanged {URL}"
    assert IngestRecord.objects.latest("id").message == (
        "not published: the agency canceled this story"
    )
    assert Article.objects.get().status == Article.Status.DRAFT
    assert client.get(URL).status_code == 404


def test_a_newer_version_that_is_not_canceled_reinstates_it(client):
    run("ninjs-2-v1.json")
    run("ninjs-2-canceled.json")

    result = run("reinstated.json", ninjs("ninjs-2-v2.json", version="1700000000"), publish=True)

    assert result.line() == f"updated {URL}"
    article = Article.objects.get()
    assert (article.status, article.external_version) == (Article.Status.PUBLISHED, 1700000000)
    assert "pubstatus" not in article.wire_metadata
    assert client.get(URL).status_code == 200


def test_a_scheduled_story_canceled_before_its_time_stays_a_404(client):
    run("ninjs-2-v1.json", publish=True)
    Article.objects.update(published_at=timezone.now() + timedelta(days=1))

    assert run("ninjs-2-canceled.json").line() == f"withdrawn {URL}"

    assert Article.objects.get().status == Article.Status.WITHDRAWN
    for url in (URL, API):
        response = client.get(url)
        assert response.status_code == 404, url
        assert HEADLINE.encode() not in response.content


def test_the_command_prints_why_the_draft_was_kept():
    run("ninjs-2-v1.json")
    stdout = StringIO()

    call_command("ingest", str(WIRE / "ninjs-2-canceled.json"), stdout=stdout)

    lines = stdout.getvalue().splitlines()
    assert lines[0] == f"skipped {URL}: {CANCELED_DRAFT}"


@pytest.mark.parametrize("role", ["editor", "chief"])
def test_editors_see_the_cancellation(django_user_model, role):
    run("ninjs-2-v1.json")
    run("ninjs-2-canceled.json")
    article = Article.objects.get()
    record = IngestRecord.objects.latest("id")
    client = Client()
    client.force_login(make_user(django_user_model, role))

    page = parse(client.get(f"/admin/articles/article/{article.pk}/change/").content)

    notice = page.one("section", cls="canceled-by-agency")
    received = timezone.localtime(record.received_at).strftime("%-d %B %Y, %H:%M %Z")
    assert notice.one("h2").text() == "Canceled by the agency"
    assert notice.one("p").text() == (
        "The agency canceled this story (status “canceled”): ninjs-2-canceled.json, received "
        f"{received}. It was never published here, so readers never saw it: it stays an "
        "unpublished draft, and no import publishes it. Do not publish it unless the agency "
        "reinstates it."
    )
    listing = parse(client.get("/admin/articles/article/").content)
    assert listing.one("td", cls="field-reader_state").text() == "Draft (canceled by the agency)"
