"""When an article was withdrawn (Article.withdrawn_at), and what its address shows for it.

A withdrawn article answers 410 Gone with its headline only if readers could have seen it:
its publication time had come when it was withdrawn (published_at <= withdrawn_at). One
withdrawn before its scheduled time was never public, and stays a 404 with its headline
unseen, however often it is saved afterwards (every save moves updated_at, which is why the
withdrawal time is stored rather than inferred from the last change).

Every path that withdraws sets withdrawn_at: the "Withdraw" action, the article form, the
agency's cancellation on import, a restore of a withdrawn revision; a republished article
has none. Real URLs, real forms; the clock is moved with `clock`.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from articles.ingest.writer import ingest
from articles.models import Article
from tests.helpers.admin import ARTICLES, change_url, form_data
from tests.helpers.paths import WIRE
from tests.helpers.users import own_client

pytestmark = pytest.mark.django_db

HEADLINE = "Never seen by readers"


class Clock:
    def __init__(self):
        self.now = timezone.now().replace(microsecond=0)

    def advance(self, **delta):
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """timezone.now() under the test's control (saves, revisions and pages all read it)."""
    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


@pytest.fixture
def chief(chief_editor):
    """A client of its own (readers use `client`), logged in as the conftest's chief editor."""
    return own_client(chief_editor)


@pytest.fixture
def editor(editor):
    """A client of its own, logged in as the conftest's editor."""
    return own_client(editor)


def save_in_admin(client, article, **changes):
    url = change_url(article)
    response = client.post(url, form_data(client.get(url), "article_form") | changes)
    assert response.status_code == 302, response.content.decode()
    article.refresh_from_db()
    return article


def withdraw_with_the_action(client, article):
    response = client.post(
        ARTICLES, {"action": "withdraw", "_selected_action": [article.pk], "index": 0}
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Article.Status.WITHDRAWN
    return article


# --- What the address shows ------------------------------------------------------------------


def test_withdrawn_before_its_time_stays_a_404_after_a_later_save(
    clock, chief, editor, make_article, client
):
    """The review's case: scheduled, withdrawn before its time, then saved again after its
    time (updated_at past published_at): readers never saw it, and still must not."""
    article = make_article(headline=HEADLINE, published_at=clock.now + timedelta(hours=1))
    clock.advance(minutes=10)
    withdraw_with_the_action(chief, article)
    assert client.get(article.get_absolute_url()).status_code == 404

    clock.advance(hours=2)  # its scheduled time has passed; an editor fixes the standfirst
    article = save_in_admin(editor, article, standfirst="A later correction.")
    assert article.updated_at > article.published_at

    response = client.get(article.get_absolute_url())
    assert response.status_code == 404
    assertNotContains(response, HEADLINE, status_code=404)
    # Nor through the ninjs API, which shares the rule.
    assert client.get(f"/api/ninjs/articles/{article.slug}/").status_code == 404


def test_public_then_withdrawn_still_answers_410_with_its_headline(
    clock, chief, editor, make_article, client
):
    article = make_article(headline="Seen by readers", published_at=clock.now - timedelta(hours=1))
    clock.advance(minutes=10)
    withdraw_with_the_action(chief, article)
    clock.advance(days=3)
    save_in_admin(editor, article, standfirst="Saved long after.")

    response = client.get(article.get_absolute_url())

    assertContains(response, "Seen by readers", status_code=410)
    assertContains(response, "This article has been withdrawn.", status_code=410)
    assert client.get(f"/api/ninjs/articles/{article.slug}/").status_code == 410


def test_withdrawn_in_the_form_before_its_time_stays_a_404(clock, chief, make_article, client):
    article = make_article(headline=HEADLINE, published_at=clock.now + timedelta(days=1))
    clock.advance(hours=1)
    save_in_admin(chief, article, status="withdrawn")

    clock.advance(days=2)
    save_in_admin(chief, article, standfirst="Saved after its time.")

    assertNotContains(client.get(article.get_absolute_url()), HEADLINE, status_code=404)


# --- Every withdraw path sets withdrawn_at -----------------------------------------------------


def test_the_withdraw_action_sets_withdrawn_at(clock, chief, make_article):
    article = make_article()
    withdrawn = clock.advance(minutes=5)

    article = withdraw_with_the_action(chief, article)

    assert article.withdrawn_at == withdrawn
    assert article.history.first().withdrawn_at == withdrawn  # kept in its revision too


def test_the_article_form_sets_withdrawn_at_and_later_saves_keep_it(clock, chief, make_article):
    article = make_article()
    withdrawn = clock.advance(minutes=5)

    article = save_in_admin(chief, article, status="withdrawn")
    assert article.withdrawn_at == withdrawn

    clock.advance(hours=1)
    article = save_in_admin(chief, article, standfirst="Another save.")
    assert (article.status, article.withdrawn_at) == (Article.Status.WITHDRAWN, withdrawn)


def test_republishing_clears_withdrawn_at_and_a_second_withdrawal_sets_it_again(
    clock, chief, make_article, client
):
    article = make_article(published_at=clock.now + timedelta(hours=1))
    clock.advance(minutes=5)
    withdraw_with_the_action(chief, article)

    clock.advance(hours=2)
    article = save_in_admin(chief, article, status="published")
    assert (article.status, article.withdrawn_at) == (Article.Status.PUBLISHED, None)
    assert client.get(article.get_absolute_url()).status_code == 200  # public now

    again = clock.advance(hours=1)
    article = withdraw_with_the_action(chief, article)
    assert article.withdrawn_at == again
    assert client.get(article.get_absolute_url()).status_code == 410  # it was public


def test_the_agencys_cancellation_sets_withdrawn_at(clock, client):
    ingest((WIRE / "ninjs-2-v1.json").read_bytes(), filename="v1", channel="command", publish=True)
    withdrawn = clock.advance(minutes=30)

    result = ingest((WIRE / "ninjs-2-canceled.json").read_bytes(), filename="c", channel="command")

    assert result.outcome == "withdrawn"
    article = Article.objects.get()
    assert (article.status, article.withdrawn_at) == (Article.Status.WITHDRAWN, withdrawn)
    assert client.get(article.get_absolute_url()).status_code == 410


def test_the_agencys_cancellation_of_a_scheduled_story_stays_a_404(clock, client):
    """Published here with the agency's embargo still ahead, then canceled: never public."""
    item = json.loads((WIRE / "ninjs-2-v1.json").read_bytes())
    item["embargoed"] = (clock.now + timedelta(hours=2)).astimezone(UTC).isoformat()
    ingest(json.dumps(item).encode(), filename="v1", channel="command", publish=True)
    article = Article.objects.get()
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at > clock.now
    clock.advance(minutes=30)
    ingest((WIRE / "ninjs-2-canceled.json").read_bytes(), filename="c", channel="command")

    clock.advance(hours=3)
    article = Article.objects.get()
    article.standfirst = "Saved after the embargo."
    article.save()

    assert article.withdrawn_at < article.published_at < article.updated_at
    assert client.get(article.get_absolute_url()).status_code == 404


def test_a_save_outside_the_admin_sets_withdrawn_at(clock, make_article):
    article = make_article()
    withdrawn = clock.advance(minutes=1)
    article.status = Article.Status.WITHDRAWN
    article.save(update_fields=["status"])
    article.refresh_from_db()
    assert article.withdrawn_at == withdrawn

    clock.advance(minutes=1)
    article.status = Article.Status.PUBLISHED
    article.save(update_fields=["status"])
    article.refresh_from_db()
    assert article.withdrawn_at is None


def test_restoring_a_withdrawn_revision_withdraws_it_now(clock, chief, make_article, client):
    """The revision's own withdrawal time belongs to that withdrawal: a restore of it is a new
    one, at the time of the restore."""
    article = make_article(published_at=clock.now + timedelta(hours=1))
    clock.advance(minutes=5)
    withdraw_with_the_action(chief, article)  # before its time: never public then
    withdrawn_revision = article.history.first()
    clock.advance(hours=2)
    save_in_admin(chief, article, status="published")  # public from here on

    restored_at = clock.advance(hours=1)
    url = f"{ARTICLES}{article.pk}/history/{withdrawn_revision.history_id}/"
    response = chief.post(url, form_data(chief.get(url), "historicalarticle_form"))

    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.status, article.withdrawn_at) == (Article.Status.WITHDRAWN, restored_at)
    assert client.get(article.get_absolute_url()).status_code == 410  # it was public


def test_restoring_a_draft_revision_without_the_publish_permission_keeps_withdrawn_at(
    clock, chief, editor, make_article
):
    article = make_article()
    old = article.history.first()
    withdrawn = clock.advance(minutes=5)
    withdraw_with_the_action(chief, article)

    clock.advance(hours=1)
    url = f"{ARTICLES}{article.pk}/history/{old.history_id}/"
    response = editor.post(url, form_data(editor.get(url), "historicalarticle_form"))

    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.status, article.withdrawn_at) == (Article.Status.WITHDRAWN, withdrawn)


def test_recovery_after_deletion_keeps_the_withdrawal_time(clock, chief, make_article, client):
    article = make_article(headline=HEADLINE, published_at=clock.now + timedelta(hours=1))
    withdrawn = clock.advance(minutes=5)
    withdraw_with_the_action(chief, article)
    clock.advance(hours=2)
    assert chief.post(f"{ARTICLES}{article.pk}/delete/", {"post": "yes"}).status_code == 302
    deletion = Article.history.get(id=article.pk, history_type="-")

    clock.advance(hours=1)
    chief.post(f"{ARTICLES}deleted/{deletion.history_id}/recover/")

    recovered = Article.objects.get(pk=article.pk)
    assert recovered.withdrawn_at == withdrawn
    assert client.get(recovered.get_absolute_url()).status_code == 404


# --- Migration 0011: existing withdrawn articles -------------------------------------------------


def at(hour):
    return datetime(2024, 5, 1, hour, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_withdrawn_at_from_the_history_else_the_last_change():
    executor = MigrationExecutor(connection)
    before = [("articles", "0010_rendered_body_key_trigger")]
    after = [("articles", "0011_article_withdrawn_at")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    OldArticle = old.get_model("articles", "Article")
    History = old.get_model("articles", "HistoricalArticle")

    def make(slug, status, published_at, updated_at):
        article = OldArticle.objects.create(
            headline=slug, slug=slug, body="Text.\n", status=status, published_at=published_at
        )
        OldArticle.objects.filter(pk=article.pk).update(updated_at=updated_at)
        return article

    def revision(article, hour, status, history_type="~"):
        History.objects.create(
            id=article.pk, headline=article.headline, slug=article.slug, body="Text.\n",
            status=status, published_at=article.published_at, created_at=at(0),
            updated_at=at(hour), history_date=at(hour), history_type=history_type,
            external_key="", source_checksum="", version=1, language="en",
            wire_metadata={},
        )  # fmt: skip

    # Scheduled for 10:00, withdrawn at 9:00, saved again at 12:00: never public.
    scheduled = make("scheduled", "withdrawn", at(10), at(12))
    revision(scheduled, 8, "published", "+")
    revision(scheduled, 9, "withdrawn")
    revision(scheduled, 12, "withdrawn")
    # Published at 8:00, withdrawn at 11:00; withdrawn once before (at 9:00), republished at 10.
    public = make("public", "withdrawn", at(8), at(11))
    revision(public, 8, "published", "+")
    revision(public, 9, "withdrawn")
    revision(public, 10, "published")
    revision(public, 11, "withdrawn")
    # No history: its last change is the best there is.
    unknown = make("unknown", "withdrawn", at(8), at(13))
    live = make("live", "published", at(8), at(9))

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    rows = dict(new.get_model("articles", "Article").objects.values_list("slug", "withdrawn_at"))
    history = new.get_model("articles", "HistoricalArticle").objects.order_by("history_date")

    assert rows == {"scheduled": at(9), "public": at(11), "unknown": at(13), "live": None}
    assert list(history.filter(id=public.pk).values_list("withdrawn_at", flat=True)) == [
        None, at(9), None, at(11),
    ]  # fmt: skip
    assert list(history.filter(id=scheduled.pk).values_list("withdrawn_at", flat=True)) == [
        None, at(9), at(9),
    ]  # fmt: skip
    del unknown, live

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("articles"))


def test_the_address_of_a_migrated_article_follows_its_stored_withdrawal(make_article, client):
    """The rule reads withdrawn_at only: a row whose withdrawal came before its time is a 404,
    whatever its updated_at says."""
    now = timezone.now()
    article = make_article(headline=HEADLINE, status=Article.Status.WITHDRAWN)
    Article.objects.filter(pk=article.pk).update(
        published_at=now - timedelta(days=1), withdrawn_at=now - timedelta(days=2), updated_at=now
    )
    assert client.get(article.get_absolute_url()).status_code == 404
    Article.objects.filter(pk=article.pk).update(withdrawn_at=now - timedelta(hours=1))
    assertContains(client.get(article.get_absolute_url()), HEADLINE, status_code=410)
