"""The publishing workflow as readers and editors meet it: the article's state in the admin's
change list, withdrawn articles (410 Gone), previews of unpublished articles, corrections
("Updated … — see all updates") and ending breaking-news alerts from the admin.

Real URLs, real database; roles as in tests.admin.test_permissions.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from articles.models import Alert, Article, Correction
from tests.helpers.admin import ARTICLES, form_data, shown, split
from tests.helpers.html import page, parse
from tests.helpers.metadata import head_tags, jsonld
from tests.helpers.users import make_user, own_client

pytestmark = pytest.mark.django_db


def at(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def chief_client(chief_editor):
    """A client of its own (readers use `client`), logged in as the conftest's chief editor."""
    return own_client(chief_editor)


@pytest.fixture
def editor_role_client(editor):
    """A client of its own, logged in as the conftest's editor."""
    return own_client(editor)


@pytest.fixture
def four(make_article):
    """One article in each state readers can meet."""
    now = timezone.now()
    return {
        "draft": make_article(headline="A draft", status=Article.Status.DRAFT, published_at=None),
        "scheduled": make_article(headline="A scheduled one", published_at=at(2099, 1, 2, 9, 30)),
        "published": make_article(headline="A published one", published_at=now),
        "withdrawn": make_article(
            headline="A withdrawn one",
            status=Article.Status.WITHDRAWN,
            published_at=now - timedelta(days=1),
        ),
    }


# --- The change list: the state as readers see it ------------------------------------------


def test_change_list_shows_the_state_readers_see(editor_role_client, four):
    response = editor_role_client.get(ARTICLES)

    document = parse(response.content)
    states = {
        row.find("th").text(): row.one("td", cls="field-reader_state").text()
        for row in document.one("table", id="result_list").one("tbody").find_all("tr")
    }
    assert states == {
        "A draft": "Draft",
        "A scheduled one": "Scheduled for 2 January 2099, 09:30 UTC",
        "A published one": "Published",
        "A withdrawn one": "Withdrawn",
    }
    assertContains(
        response, '<time datetime="2099-01-02T09:30:00+00:00">2 January 2099, 09:30 UTC</time>'
    )


@pytest.mark.parametrize("state", ["draft", "scheduled", "published", "withdrawn"])
def test_change_list_filters_by_state(editor_role_client, four, state):
    response = editor_role_client.get(ARTICLES)
    assertContains(response, f'href="?state={state}"')

    assert shown(editor_role_client.get(ARTICLES, {"state": state})) == [four[state]]


def test_the_scheduled_filter_follows_the_clock(editor_role_client, four):
    scheduled = four["scheduled"]
    Article.objects.filter(pk=scheduled.pk).update(published_at=timezone.now())

    assert shown(editor_role_client.get(ARTICLES, {"state": "scheduled"})) == []
    assert scheduled in shown(editor_role_client.get(ARTICLES, {"state": "published"}))


# --- Chief editors' actions ---------------------------------------------------------------


def test_publish_now_publishes_drafts_scheduled_and_withdrawn_at_once(chief_client, four, client):
    selected = [four[state] for state in ("draft", "scheduled", "withdrawn")]

    response = chief_client.post(
        ARTICLES,
        {"action": "publish_now", "_selected_action": [a.pk for a in selected]},
        follow=True,
    )

    assertContains(response, "Published 3 article(s) now.")
    for article in selected:
        article.refresh_from_db()
        assert article.is_published()
        assert timezone.now() - article.published_at < timedelta(minutes=1)
        assert client.get(article.get_absolute_url()).status_code == 200
        # Recorded: in the admin's log and in the article's history, with the channel.
        assert article.history.first().history_change_reason == "admin action: publish now"


def test_withdrawing_a_draft_through_the_form_is_refused(chief_client, four):
    url = f"{ARTICLES}{four['draft'].pk}/change/"
    fields = form_data(chief_client.get(url), "article_form")

    response = chief_client.post(url, fields | {"status": "withdrawn"})

    assert response.status_code == 200
    assertContains(response, "needs a publication time")
    four["draft"].refresh_from_db()
    assert four["draft"].status == Article.Status.DRAFT


def test_scheduling_then_the_time_comes(chief_client, make_article, client):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    url = f"{ARTICLES}{article.pk}/change/"
    soon = timezone.now() + timedelta(hours=1)
    day, time = split(soon)
    fields = form_data(chief_client.get(url), "article_form")

    chief_client.post(
        url, fields | {"status": "published", "published_at_0": day, "published_at_1": time}
    )

    assert client.get(article.get_absolute_url()).status_code == 404
    # No cron: the one publishing rule reads the clock on every request.
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now())
    assert client.get(article.get_absolute_url()).status_code == 200


# --- Withdrawn: 410 Gone -------------------------------------------------------------------


def test_a_withdrawn_article_answers_410_with_a_notice(client, four):
    withdrawn = four["withdrawn"]

    response = client.get(withdrawn.get_absolute_url())

    assert response.status_code == 410
    document = parse(response.content)
    assert document.one("h1").text() == "A withdrawn one"
    assert document.one("main").text() == (
        "A withdrawn one This article has been withdrawn. Go to the latest news"
    )
    assert document.one("main").one("a").get("href") == "/"
    assert head_tags(document)["robots"] == "noindex"
    # Nothing of the article but its headline: no body, no metadata for sharing.
    assert withdrawn.body.split("\n")[0] not in response.content.decode()
    assert b"application/ld+json" not in response.content
    assert document.find("link", rel="canonical") is None


def test_a_korean_withdrawn_article_marks_its_headline_language(client, make_article):
    article = make_article(
        headline="서울 회담 재개", language="ko", status=Article.Status.WITHDRAWN
    )

    document = parse(client.get(article.get_absolute_url()).content)

    assert document.one("html").get("lang") == "en"
    assert document.one("h1").get("lang") == "ko"


def test_withdrawn_before_its_time_came_stays_a_404(client, make_article):
    """Never public: withdrawing it must not reveal its headline."""
    article = make_article(
        headline="Never seen",
        status=Article.Status.WITHDRAWN,
        published_at=timezone.now() + timedelta(days=1),
    )
    response = client.get(article.get_absolute_url())
    assert response.status_code == 404
    assertNotContains(response, "Never seen", status_code=404)

    # Two days on (the clock moved back instead): its scheduled time has passed since, but
    # it was withdrawn before then and was never public.
    now = timezone.now()
    Article.objects.filter(pk=article.pk).update(
        withdrawn_at=now - timedelta(days=2), published_at=now - timedelta(days=1)
    )
    assert client.get(article.get_absolute_url()).status_code == 404


# --- Preview -----------------------------------------------------------------------------


def preview_url(article):
    return f"/articles/{article.slug}/preview/"


BANNERS = {
    "draft": "Preview — not published · State: Draft. Readers cannot see this page.",
    "scheduled": (
        "Preview — not published · State: Scheduled for 2 January 2099, 09:30 UTC. "
        "Readers cannot see this page."
    ),
    "published": "Preview — published · State: Published. Readers see it here.",
    "withdrawn": (
        "Preview — not published · State: Withdrawn. "
        "Readers get a “withdrawn” notice at its address."
    ),
}


@pytest.mark.parametrize("role", ["editor", "chief"])
@pytest.mark.parametrize("state", ["draft", "scheduled", "published", "withdrawn"])
def test_staff_preview_any_article_in_the_real_template(role, state, four, django_user_model):
    client = Client()
    client.force_login(make_user(django_user_model, role))
    article = four[state]

    response = client.get(preview_url(article))

    assert response.status_code == 200
    assert response.template_name == ["articles/article_detail.html"]
    document = parse(response.content)
    assert document.one("div", cls="preview-banner").text() == BANNERS[state]
    assert document.one("h1").text() == article.headline
    assertContains(response, "<h2>A subheading</h2>", html=True)
    assert document.one("title").text() == f"Preview: {article.headline} · Newsroom"
    assert head_tags(document)["robots"] == "noindex"
    assert response["X-Robots-Tag"] == "noindex"
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-cache", "no-store"} <= cache_control
    # Not for sharing or indexing: no canonical address, no Open Graph, no JSON-LD.
    assert document.find("link", rel="canonical") is None
    assert b"application/ld+json" not in response.content
    assert b"og:title" not in response.content


def test_a_drafts_preview_says_it_is_not_published_yet(chief_client, four):
    byline = page(chief_client, preview_url(four["draft"])).one("p", cls="byline")
    assert byline.text() == "Not published yet"
    assert byline.find("time") is None


@pytest.mark.parametrize("who", ["anonymous", "staff without permission", "inactive editor"])
def test_preview_is_a_404_for_everyone_else(who, client, four, django_user_model):
    if who == "staff without permission":
        client.force_login(make_user(django_user_model, "staff"))
    elif who == "inactive editor":
        user = make_user(django_user_model, "editor")
        client.force_login(user)
        user.is_active = False
        user.save()
    for article in four.values():
        response = client.get(preview_url(article))
        assert response.status_code == 404
        assertNotContains(response, article.headline, status_code=404)
    assert client.get("/articles/no-such-article/preview/").status_code == 404


def test_a_non_staff_user_with_the_permission_gets_no_preview(client, four, django_user_model):
    user = make_user(django_user_model, "editor")
    user.is_staff = False
    user.save()
    client.force_login(user)
    assert client.get(preview_url(four["draft"])).status_code == 404


def test_view_on_site_goes_to_the_preview_while_unpublished(editor_role_client, four):
    content_type = ContentType.objects.get_for_model(Article)
    for state, article in four.items():
        response = editor_role_client.get(f"{ARTICLES}{article.pk}/change/")
        link = parse(response.content).one("a", cls="viewsitelink").get("href")
        if state == "published":
            assert link == f"/admin/r/{content_type.pk}/{article.pk}/"
        else:
            assert link == preview_url(article)
            assert editor_role_client.get(link).status_code == 200


# --- Corrections -----------------------------------------------------------------------------


@pytest.fixture
def corrected(make_article):
    article = make_article(headline="Talks resume", published_at=at(2026, 11, 25, 8, 0))
    Article.objects.filter(pk=article.pk).update(updated_at=at(2026, 11, 25, 8, 0, 30))
    Correction.objects.create(
        article=article,
        text="An earlier version gave the wrong date for the talks.",
        noted_at=at(2026, 11, 27, 10, 15),
    )
    Correction.objects.create(
        article=article, text="The minister's name was misspelt.", noted_at=at(2026, 11, 26, 9, 0)
    )
    return article


def test_readers_see_updated_and_all_updates(client, corrected):
    document = page(client, corrected.get_absolute_url())

    byline = document.one("p", cls="byline")
    assert byline.text() == (
        "Published 25 November 2026, 08:00 UTC · "
        "Updated 27 November 2026, 10:15 UTC — see all updates"
    )
    assert byline.one("a").get("href") == "#updates"
    assert [t.get("datetime") for t in byline.find_all("time")] == [
        "2026-11-25T08:00:00+00:00",
        "2026-11-27T10:15:00+00:00",
    ]
    updates = document.one("section", id="updates")
    assert updates.inside("article")
    assert updates.one("h2").text() == "Updates to this article"
    notes = [
        (item.one("time").get("datetime"), item.find_all("p")[1].text())
        for item in updates.one("ol").find_all("li")
    ]
    assert notes == [  # oldest first, as the story developed
        ("2026-11-26T09:00:00+00:00", "The minister's name was misspelt."),
        ("2026-11-27T10:15:00+00:00", "An earlier version gave the wrong date for the talks."),
    ]


def test_the_latest_correction_is_date_modified(client, corrected):
    document = page(client, corrected.get_absolute_url())

    assert jsonld(document)["dateModified"] == "2026-11-27T10:15:00+00:00"
    assert head_tags(document)["article:modified_time"] == "2026-11-27T10:15:00+00:00"


def test_a_later_save_is_date_modified_even_with_corrections(client, corrected):
    Article.objects.filter(pk=corrected.pk).update(updated_at=at(2026, 11, 28, 7, 0))

    document = page(client, corrected.get_absolute_url())

    assert jsonld(document)["dateModified"] == "2026-11-28T07:00:00+00:00"
    assert "Updated 28 November 2026, 07:00 UTC — see all updates" in (
        document.one("p", cls="byline").text()
    )


def test_without_corrections_no_updates_section(client, make_article):
    article = make_article()
    document = page(client, article.get_absolute_url())
    assert document.find(id="updates") is None
    assert "see all updates" not in document.one("p", cls="byline").text()


def test_corrections_cost_one_query_and_only_when_there_are_some(
    client, corrected, make_article, django_assert_num_queries
):
    # tests/reader/test_query_counts.py: 1 for an article without corrections (on a warm connection:
    # on PostgreSQL the first request of a connection also prepares the page's statement).
    client.get(corrected.get_absolute_url())
    with django_assert_num_queries(2):
        client.get(corrected.get_absolute_url())
    plain = make_article()
    with django_assert_num_queries(1):
        client.get(plain.get_absolute_url())


def test_editors_add_corrections_in_the_article_form(editor_role_client, make_article, client):
    article = make_article()
    url = f"{ARTICLES}{article.pk}/change/"
    response = editor_role_client.get(url)
    assertContains(response, "Corrections and update notes (shown to readers)")
    fields = form_data(response, "article_form")
    day, time = split(timezone.now())

    response = editor_role_client.post(
        url,
        fields
        | {
            "corrections-TOTAL_FORMS": "1",
            "corrections-0-text": "A figure was wrong.",
            "corrections-0-noted_at_0": day,
            "corrections-0-noted_at_1": time,
        },
    )

    assert response.status_code == 302
    document = page(client, article.get_absolute_url())
    assert document.one("section", id="updates").one("li").find_all("p")[1].text() == (
        "A figure was wrong."
    )
    assert "see all updates" in document.one("p", cls="byline").text()


# --- Alerts: "End now" ----------------------------------------------------------------------


def test_end_now_ends_active_alerts_and_leaves_future_ones(chief_client, client):
    now = timezone.now()
    active = Alert.objects.create(text="Ceasefire announced", starts_at=now - timedelta(hours=1))
    later = Alert.objects.create(text="Coming up", starts_at=now + timedelta(hours=1))
    assertContains(client.get("/"), "Ceasefire announced")

    response = chief_client.post(
        "/admin/articles/alert/",
        {"action": "end_now", "_selected_action": [active.pk, later.pk]},
        follow=True,
    )

    assertContains(response, "Ended 1 alert(s): the banner is gone.")
    assertContains(response, "1 alert(s) not shown now left as they were.")
    active.refresh_from_db()
    later.refresh_from_db()
    assert active.ends_at is not None and active.ends_at <= timezone.now()
    assert later.ends_at is None
    assertNotContains(client.get("/"), "Ceasefire announced")
    assert active.history.first().history_change_reason == "admin action: end now"
