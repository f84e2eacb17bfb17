"""An agency update never silently overwrites an editor's changes: a re-import of a changed
story into an article edited since its last import is held (outcome "held") as a pending
update; an editor sees it with a diff on the article's admin page and applies or dismisses it.
"""

from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from articles.ingest.held import apply_pending_update
from articles.ingest.writer import ingest
from articles.models import Article, Caption, IngestRecord, PendingUpdate
from tests.helpers.admin import ARTICLES, form_data, post_form
from tests.helpers.sample import SAMPLE, SAMPLE_SLUG

pytestmark = pytest.mark.django_db

URL = f"/articles/{SAMPLE_SLUG}/"
OLD, NEW = b"Just 10 days ago, Putin", b"Just ten days ago, Putin"


def run(data, **options):
    return ingest(data, filename="kerry-lavrov.txt", channel="command", **options)


def edited(sample_bytes):
    """The sample with one paragraph corrected by the agency."""
    assert sample_bytes.count(OLD) == 1
    return sample_bytes.replace(OLD, NEW)


def edit_in_admin(client, article, **changes):
    response = post_form(client, f"{ARTICLES}{article.pk}/change/", "article_form", **changes)
    assertRedirects(response, ARTICLES)
    return Article.objects.get(pk=article.pk)


@pytest.fixture
def imported(sample_bytes):
    article = run(sample_bytes).article
    assert (article.version, article.imported_version) == (1, 1)
    return article


# --- The writer ------------------------------------------------------------------------------


def test_an_update_of_an_article_not_edited_since_its_import_applies(imported, sample_bytes):
    result = run(edited(sample_bytes))

    article = Article.objects.get()
    assert result.outcome == "updated"
    assert "Just ten days ago" in article.body
    assert (article.version, article.imported_version, article.needs_review) == (2, 2, False)
    assert not PendingUpdate.objects.exists()


def test_an_update_of_an_edited_article_is_held_not_applied(imported, sample_bytes, editor_client):
    article = edit_in_admin(editor_client, imported, headline="Kerry and Lavrov: a rapport")
    assert (article.version, article.imported_version) == (2, 1)
    before = Article.objects.values().get()

    result = run(edited(sample_bytes))

    assert (result.outcome, result.article.pk) == ("held", article.pk)
    after = Article.objects.values().get()
    assert after == before | {"needs_review": True}  # not even the version moved
    assert "Just 10 days ago" in after["body"]
    record = IngestRecord.objects.latest("pk")
    assert (record.outcome, record.article_id) == ("held", article.pk)
    pending = PendingUpdate.objects.get()
    assert record.message == (
        "held for review: an editor changed the article (now version 2) since its last "
        f"import (version 1); it waits as pending update #{pending.pk}"
    )
    assert (pending.article, pending.ingest_record, pending.resolution) == (article, record, "")
    assert "Just ten days ago, Putin" in " ".join(b["text"] for b in pending.record["blocks"])
    assert pending.record["headline"] == "Kerry-Lavrov Rapport Smoothed Path to Syria Deal"


def test_the_same_held_update_twice_is_kept_once(imported, sample_bytes, editor_client):
    edit_in_admin(editor_client, imported, standfirst="Edited.")
    run(edited(sample_bytes))

    again = run(edited(sample_bytes))

    assert again.outcome == "held"
    assert PendingUpdate.objects.count() == 1
    assert IngestRecord.objects.latest("pk").message.endswith(
        f"the same update is already pending (#{PendingUpdate.objects.get().pk})"
    )


def test_the_same_content_again_is_unchanged_even_after_an_edit(
    imported, sample_bytes, editor_client
):
    edit_in_admin(editor_client, imported, standfirst="Edited.")
    assert run(sample_bytes).outcome == "unchanged"
    assert not PendingUpdate.objects.exists()
    assert Article.objects.get().standfirst == "Edited."


def test_publishing_an_edited_article_on_reimport_publishes_and_keeps_the_edits(
    imported, sample_bytes, editor_client
):
    edit_in_admin(editor_client, imported, headline="Edited headline")

    assert run(sample_bytes, publish=True).outcome == "updated"

    article = Article.objects.get()
    assert (article.headline, article.status) == ("Edited headline", "published")
    assert article.imported_version == 1  # still edited since its import


def test_a_dry_run_reports_held_and_writes_nothing(imported, sample_bytes, editor_client):
    edit_in_admin(editor_client, imported, standfirst="Edited.")
    count = IngestRecord.objects.count()

    assert run(edited(sample_bytes), dry_run=True).outcome == "held"

    assert IngestRecord.objects.count() == count
    assert not PendingUpdate.objects.exists()
    assert not Article.objects.get().needs_review


def test_the_command_prints_held(imported, sample_bytes, editor_client, tmp_path):
    edit_in_admin(editor_client, imported, standfirst="Edited.")
    path = tmp_path / "kerry-lavrov.txt"
    path.write_bytes(edited(sample_bytes))
    out, err = StringIO(), StringIO()

    call_command("ingest", str(path), stdout=out, stderr=err)

    assert (out.getvalue(), err.getvalue()) == (f"held {URL}\n", "")


def test_the_command_prints_unchanged_and_updated_as_before(db):
    out = StringIO()
    call_command("ingest", str(SAMPLE), stdout=out)
    call_command("ingest", str(SAMPLE), stdout=out)
    assert out.getvalue() == f"created {URL}\nunchanged {URL}\n"


def test_applying_a_held_update_is_a_new_revision(imported, sample_bytes, editor_client, editor):
    edit_in_admin(editor_client, imported, headline="Edited headline")
    run(edited(sample_bytes))
    pending = PendingUpdate.objects.get()

    article = apply_pending_update(pending, user=editor)

    article.refresh_from_db()
    assert "Just ten days ago" in article.body
    assert article.headline == "Kerry-Lavrov Rapport Smoothed Path to Syria Deal"
    assert (article.version, article.imported_version, article.needs_review) == (3, 3, False)
    pending.refresh_from_db()
    assert (pending.resolution, pending.resolved_by) == ("applied", editor)
    assert pending.resolved_at is not None
    record = Article.history.filter(id=article.pk).order_by("-history_id")[0]
    assert record.history_change_reason == "agency update applied: kerry-lavrov.txt"
    assert record.history_user == editor
    # The editor's version is in the history, and the next agency update applies.
    assert Article.history.filter(headline="Edited headline").exists()
    assert run(sample_bytes).outcome == "updated"


# --- The admin ------------------------------------------------------------------------------


@pytest.fixture
def held(imported, sample_bytes, editor_client):
    edit_in_admin(editor_client, imported, headline="Edited headline")
    assert run(edited(sample_bytes)).outcome == "held"
    return Article.objects.get()


def test_the_change_list_flags_articles_needing_review(editor_client, held, make_article):
    other = make_article()

    response = editor_client.get(ARTICLES)
    assertContains(response, "column-review_flag")
    assertContains(response, "Agency update waiting")
    assertContains(response, 'href="?needs_review__exact=1"')
    flagged = editor_client.get(ARTICLES, {"needs_review__exact": "1"})
    assert list(flagged.context["cl"].result_list) == [held]
    unflagged = editor_client.get(ARTICLES, {"needs_review__exact": "0"})
    assert list(unflagged.context["cl"].result_list) == [other]


def test_the_article_page_shows_the_held_update_with_a_diff(editor_client, held):
    response = editor_client.get(f"{ARTICLES}{held.pk}/change/")

    assertContains(response, "Agency update waiting for review")
    assertContains(response, "(kerry-lavrov.txt)")
    assertContains(response, "Just <del>10</del> days ago", html=False)
    assertContains(response, "Just <ins>ten</ins> days ago", html=False)
    assertContains(response, '<th scope="row">Headline</th>', html=False)
    assertContains(response, 'value="Apply agency update"', html=False)
    assertContains(response, 'value="Dismiss"', html=False)
    # The panel's forms are outside the article's form (no nested forms), and the article's
    # form still saves.
    fields = form_data(response, "article_form")
    assert "csrfmiddlewaretoken" in fields and "headline" in fields


def test_apply_in_the_admin(editor_client, held):
    pending = PendingUpdate.objects.get()
    url = f"{ARTICLES}{held.pk}/pending/{pending.pk}/apply/"
    assert editor_client.get(url).status_code == 405

    response = editor_client.post(url)

    assertRedirects(response, f"{ARTICLES}{held.pk}/change/", fetch_redirect_response=False)
    article = Article.objects.get()
    assert "Just ten days ago" in article.body
    assert not article.needs_review
    assert PendingUpdate.objects.get().resolution == "applied"
    page = editor_client.get(f"{ARTICLES}{held.pk}/change/")
    assertContains(page, "The agency update was applied, as a new revision")
    assertNotContains(page, "Agency update waiting for review")
    # Applying twice does nothing more.
    editor_client.post(url)
    assert Article.objects.get().version == article.version


def test_dismiss_in_the_admin(editor_client, held):
    pending = PendingUpdate.objects.get()
    before = Article.objects.values().get()

    editor_client.post(f"{ARTICLES}{held.pk}/pending/{pending.pk}/dismiss/")

    assert Article.objects.values().get() == before | {"needs_review": False}
    pending.refresh_from_db()
    assert (pending.resolution, pending.resolved_by.get_username()) == ("dismissed", "editor")
    assertNotContains(
        editor_client.get(f"{ARTICLES}{held.pk}/change/"), "Agency update waiting for review"
    )


def test_reviewing_needs_the_permission(client, django_user_model, held):
    viewer = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.set(
        Permission.objects.filter(codename__in=["view_article", "change_article"])
    )
    client.force_login(viewer)
    pending = PendingUpdate.objects.get()

    assert client.post(f"{ARTICLES}{held.pk}/pending/{pending.pk}/apply/").status_code == 403
    assertNotContains(client.get(f"{ARTICLES}{held.pk}/change/"), "Agency update waiting")
    assert PendingUpdate.objects.get().resolution == ""


def test_a_held_update_does_not_refuse_the_save_of_an_editor_at_work(
    editor_client, imported, sample_bytes
):
    edit_in_admin(editor_client, imported, standfirst="Edited.")
    url = f"{ARTICLES}{imported.pk}/change/"
    fields = form_data(editor_client.get(url), "article_form")
    run(edited(sample_bytes))  # held while the editor types

    response = editor_client.post(url, fields | {"standfirst": "Typed meanwhile."})

    assertRedirects(response, ARTICLES)
    article = Article.objects.get()
    assert (article.standfirst, article.needs_review) == ("Typed meanwhile.", True)
    assert Caption.objects.count() == 1
