"""Role rules on every door that changes what readers see (findings of the security probe).

The accounts are the real groups of the role migration (the conftest's editor and chief_editor):
an editor may not publish, schedule or withdraw; a chief editor may. Before these rules an editor
could withdraw any published article by importing an agency cancellation of it through the
admin's Import page, and could republish an article a chief editor deleted by restoring one of
its "published" revisions from its History page.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from articles.ingest.agency_status import HELD_CANCELLATION, NOT_ALLOWED_CANCELLATION
from articles.ingest.writer import ingest
from articles.models import Article, IngestRecord, PendingUpdate
from tests.helpers.admin import ARTICLES, form_data
from tests.helpers.importing import row
from tests.helpers.paths import WIRE
from tests.helpers.wire import preview, save

pytestmark = pytest.mark.django_db

CANCELLATIONS = {
    "ninjs": ("ninjs-2-v1.json", "ninjs-2-canceled.json"),
    "newsml-g2": ("newsml-g2.xml", "newsml-g2-canceled.xml"),
}


# The conftest fixture of each role's account.
ACCOUNTS = {"editor": "editor", "chief": "chief_editor"}


@pytest.fixture
def login(request):
    """login(role): a test client logged in with that role's account (the conftest's editor or
    chief_editor, in the real groups), one client each."""

    clients = {}

    def client_for(role):
        if role not in clients:
            clients[role] = Client()
            clients[role].force_login(request.getfixturevalue(ACCOUNTS[role]))
        return clients[role]

    return client_for


def published_from_the_wire(name):
    """The agency's story, imported and published by an operator's command."""
    result = ingest((WIRE / name).read_bytes(), filename=name, channel="command", publish=True)
    assert result.article.is_published(), result
    return result.article


def change_page(client, article):
    return client.get(f"{ARTICLES}{article.pk}/change/")


# --- An agency cancellation imported by an editor ---------------------------------------------


@pytest.mark.parametrize("fmt", CANCELLATIONS)
def test_an_editors_import_of_a_cancellation_is_held_for_a_chief_editor(fmt, login, client):
    first, cancellation = CANCELLATIONS[fmt]
    article = published_from_the_wire(first)
    editor = login("editor")

    page = preview(editor, cancellation)
    assertContains(
        page,
        row(
            "Saving will",
            f"hold the agency's cancellation of the published article “{article.headline}” for "
            "a chief editor: withdrawing it needs the publish permission, so readers see no "
            "change until a chief editor applies it",
        ),
        html=True,
    )
    saved = save(editor, page)

    assert saved.status_code == 302
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert article.needs_review is True
    assert client.get(article.get_absolute_url()).status_code == 200
    record = IngestRecord.objects.latest("pk")
    pending = PendingUpdate.objects.get(article=article, resolution="")
    assert (record.outcome, record.message) == (
        "held",
        HELD_CANCELLATION.format("canceled") + f"; it waits as pending update #{pending.pk}",
    )
    shown = change_page(editor, article)
    assertContains(shown, "Agency cancellation waiting for a chief editor")
    assertNotContains(shown, "Withdraw as the agency asks")


@pytest.mark.parametrize("fmt", CANCELLATIONS)
def test_only_a_chief_editor_applies_a_held_cancellation(fmt, login, client):
    first, cancellation = CANCELLATIONS[fmt]
    article = published_from_the_wire(first)
    editor, chief = login("editor"), login("chief")
    save(editor, preview(editor, cancellation))
    pending = PendingUpdate.objects.get(article=article)
    apply_url = f"{ARTICLES}{article.pk}/pending/{pending.pk}/apply/"

    # A forged "apply" from the editor changes nothing.
    refused = editor.post(apply_url, follow=True)
    assertContains(refused, NOT_ALLOWED_CANCELLATION)
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    pending.refresh_from_db()
    assert pending.resolution == ""

    assertContains(change_page(chief, article), "Withdraw as the agency asks")
    assert chief.post(apply_url).status_code == 302

    article.refresh_from_db()
    pending.refresh_from_db()
    assert (article.status, article.needs_review, pending.resolution) == (
        Article.Status.WITHDRAWN,
        False,
        "applied",
    )
    assert article.withdrawn_at is not None
    gone = client.get(article.get_absolute_url())
    assert gone.status_code == 410
    assertContains(gone, article.headline, status_code=410)


def test_a_scheduled_article_is_not_withdrawn_by_an_editors_import(login, client):
    article = published_from_the_wire("ninjs-2-v1.json")
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now() + timedelta(hours=2))
    editor = login("editor")

    save(editor, preview(editor, "ninjs-2-canceled.json"))

    article.refresh_from_db()
    assert (article.status, article.withdrawn_at) == (Article.Status.PUBLISHED, None)
    assert IngestRecord.objects.latest("pk").outcome == "held"


def test_a_chief_editors_import_of_a_cancellation_withdraws_at_once(login, client):
    article = published_from_the_wire("ninjs-2-v1.json")
    chief = login("chief")

    save(chief, preview(chief, "ninjs-2-canceled.json"))

    article.refresh_from_db()
    assert article.status == Article.Status.WITHDRAWN
    assert not PendingUpdate.objects.exists()
    assert client.get(article.get_absolute_url()).status_code == 410


def test_an_operators_command_withdraws_as_before(client):
    article = published_from_the_wire("ninjs-2-v1.json")

    result = ingest(
        (WIRE / "ninjs-2-canceled.json").read_bytes(), filename="c.json", channel="command"
    )

    assert result.outcome == "withdrawn"
    article.refresh_from_db()
    assert article.status == Article.Status.WITHDRAWN


def test_an_editors_cancellation_of_a_draft_marks_it_canceled(login, client):
    """Readers never saw a draft: marking it canceled changes nothing they see."""
    ingest((WIRE / "ninjs-2-v1.json").read_bytes(), filename="v1.json", channel="command")
    editor = login("editor")

    save(editor, preview(editor, "ninjs-2-canceled.json"))

    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT
    assert article.wire_metadata["pubstatus"] == "canceled"
    assert IngestRecord.objects.latest("pk").outcome == "skipped"


def test_the_writer_publishes_nothing_for_an_editor_whatever_it_is_asked(editor, client):
    """The rule is the writer's, not only the Import page's: any caller passing the user."""
    result = ingest(
        (WIRE / "ninjs-2-v1.json").read_bytes(),
        filename="v1.json",
        channel="admin",
        user=editor,
        publish=True,
    )
    assert result.article.status == Article.Status.DRAFT
    assert client.get(result.article.get_absolute_url()).status_code == 404


# --- Restoring a revision of a deleted article ------------------------------------------------


def deleted_published_article(make_article, chief):
    article = make_article(headline="Deleted by a chief editor")
    assert chief.post(f"{ARTICLES}{article.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Article.objects.filter(pk=article.pk).exists()
    return article


@pytest.mark.parametrize("role", ["editor", "chief"])
def test_a_deleted_articles_revisions_cannot_be_restored(role, login, make_article, client):
    chief = login("chief")
    article = deleted_published_article(make_article, chief)
    revision = Article.history.filter(id=article.pk, history_type="+").get()
    url = f"{ARTICLES}{article.pk}/history/{revision.history_id}/"
    user = login(role)

    shown = user.get(url)
    assertRedirects(shown, f"{ARTICLES}deleted/")
    forged = user.post(url, {"headline": article.headline, "status": "published"}, follow=True)

    assertContains(
        forged,
        "“Deleted by a chief editor” was deleted: its revisions cannot be restored. Recover it "
        "from Deleted articles (as a draft, unless you may publish).",
    )
    assert not Article.objects.filter(pk=article.pk).exists()
    assert client.get(article.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    ("status", "role", "recovered_as", "public"),
    [
        (Article.Status.PUBLISHED, "editor", Article.Status.DRAFT, 404),
        (Article.Status.WITHDRAWN, "editor", Article.Status.DRAFT, 404),
        (Article.Status.PUBLISHED, "chief", Article.Status.PUBLISHED, 200),
        (Article.Status.WITHDRAWN, "chief", Article.Status.WITHDRAWN, 410),
    ],
)
def test_recovery_is_a_draft_for_those_who_may_not_publish(
    status, role, recovered_as, public, login, make_article, client
):
    article = make_article(headline="Recovered", status=status)
    login("chief").post(f"{ARTICLES}{article.pk}/delete/", {"post": "yes"})
    deletion = Article.history.get(id=article.pk, history_type="-")

    response = login(role).post(f"{ARTICLES}deleted/{deletion.history_id}/recover/", follow=True)

    recovered = Article.objects.get(pk=article.pk)
    assert recovered.status == recovered_as
    assert client.get(recovered.get_absolute_url()).status_code == public
    if role == "editor":
        assertContains(
            response,
            f"It was {status.label.lower()}: it comes back as a draft, for a chief editor.",
        )


@pytest.mark.parametrize(
    ("now", "then"),
    [
        (Article.Status.PUBLISHED, Article.Status.DRAFT),  # a revert does not unpublish
        (Article.Status.DRAFT, Article.Status.PUBLISHED),  # nor publish
        (Article.Status.WITHDRAWN, Article.Status.PUBLISHED),  # nor bring back
    ],
)
def test_an_editors_revert_never_changes_the_publication_state(now, then, login, make_article):
    article = make_article(headline="Reverted", status=then)
    old = Article.history.filter(id=article.pk).latest("history_id")
    article.status = now
    article.save()
    editor = login("editor")
    url = f"{ARTICLES}{article.pk}/history/{old.history_id}/"

    fields = form_data(editor.get(url), "historicalarticle_form")
    response = editor.post(url, fields | {"status": then})

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == now
