"""Revision history and undo: every save is a revision (who, when, from where, the full content),
the admin shows readable field-by-field changes, restores any revision and recovers deleted
articles, each as a new revision."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils.html import strip_tags
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from articles.ingest.writer import ingest
from articles.models import Agency, Article, Author, Caption
from articles.revisions import paragraphs, revision, text_diff, word_diff
from tests.helpers.admin import ARTICLES, change_url, form_data, post_form
from tests.helpers.sample import SAMPLE, SAMPLE_SLUG

pytestmark = pytest.mark.django_db

BODY = "\n\n".join(f"Paragraph {n} of the story, with several words in it." for n in range(1, 31))


def revisions_of(article):
    """(history_type, version, reason, user name or None, ip) of each revision, oldest first."""
    return [
        (
            r.history_type,
            r.version,
            r.history_change_reason,
            r.history_user.get_username() if r.history_user else None,
            r.ip_address,
        )
        for r in Article.history.filter(id=article.pk).order_by("history_date", "history_id")
    ]


def latest(article):
    return Article.history.filter(id=article.pk).order_by("-history_date", "-history_id")[0]


def save_in_admin(client, article, **changes):
    return post_form(client, change_url(article), "article_form", **changes)


# --- Every save is a revision ---------------------------------------------------------------


def test_version_goes_up_by_one_with_every_save(make_article):
    article = make_article()
    assert article.version == 1
    article.save()
    article.headline = "Changed"
    article.save(update_fields=["headline"])
    article.refresh_from_db()
    assert article.version == 3
    assert [r.version for r in Article.history.filter(id=article.pk).order_by("history_id")] == [
        1,
        2,
        3,
    ]


def test_an_admin_save_is_one_revision_with_who_when_where(editor_client, editor, make_article):
    article = make_article(headline="Before")
    author = Author.objects.create(name="Arshad Mohammed", slug="arshad-mohammed")

    response = save_in_admin(editor_client, article, headline="After", authors=[str(author.pk)])

    assertRedirects(response, ARTICLES)
    # The author change does not make a second revision, and the one revision lists the
    # authors as saved (not as they were before form.save_m2m()).
    assert revisions_of(article) == [
        ("+", 1, None, None, None),
        ("~", 2, "admin", "editor", "127.0.0.1"),
    ]
    record, article = latest(article), Article.objects.get(pk=article.pk)
    assert (record.headline, record.body) == ("After", article.body)
    assert [row.author_id for row in record.authors.all()] == [author.pk]
    history = editor_client.get(f"{ARTICLES}{article.pk}/history/")
    assertContains(
        history,
        '<tr><th scope="row">Authors</th><td><span class="diff-empty quiet">(empty)</span></td>'
        "<td>Arshad Mohammed</td></tr>",
        html=False,
    )


def test_a_caption_changed_in_the_admin_shares_the_articles_revision(editor_client, make_article):
    article = make_article(captions=[{"text": "Old caption", "is_lead": True}])

    save_in_admin(editor_client, article, **{"captions-0-text": "New caption"})

    record = latest(article)
    caption_record = Caption.history.order_by("-history_id")[0]
    assert (caption_record.text, caption_record.history_change_reason) == ("New caption", "admin")
    assert caption_record.history_date == record.history_date
    assert caption_record.ip_address == "127.0.0.1"


def test_an_import_by_the_command_is_a_revision_naming_the_file(sample_bytes):
    call_command("ingest", str(SAMPLE), stdout=StringIO())

    article = Article.objects.get()
    assert revisions_of(article) == [("+", 1, "import: kerry-lavrov.txt (command)", None, None)]
    assert Agency.history.get().history_change_reason == "import: kerry-lavrov.txt (command)"
    assert Caption.history.get().history_change_reason == "import: kerry-lavrov.txt (command)"


def test_an_import_in_the_admin_is_a_revision_by_the_editor(editor_client, sample_bytes):
    from tests.helpers.importing import import_sample

    import_sample(editor_client, sample_bytes)

    article = Article.objects.get()
    assert revisions_of(article) == [
        ("+", 1, "import: kerry-lavrov.txt (admin)", "editor", "127.0.0.1")
    ]


def test_a_revision_block_gives_one_revision_per_object(make_article):
    article = make_article()
    author = Author.objects.create(name="A. Writer", slug="a-writer")

    with revision("command: fix bylines"):
        article.headline = "First change"
        article.save()
        article.authors.add(author)
        article.headline = "Second change"
        article.save()

    assert revisions_of(article)[1:] == [("~", 3, "command: fix bylines", None, None)]
    record = latest(article)
    assert record.headline == "Second change"
    assert [row.author_id for row in record.authors.all()] == [author.pk]


# --- Readable changes on the history page ----------------------------------------------------


def test_text_diff_shows_only_the_changed_paragraph_with_the_changed_words_marked():
    new = BODY.replace("Paragraph 17 of the story", "Paragraph seventeen of the story")

    old_html, new_html = text_diff(BODY, new)

    assert "<del>17</del>" in old_html and "<ins>seventeen</ins>" in new_html
    assert "¶17" in old_html and "¶17" in new_html
    assert "Paragraph 16" not in old_html + new_html
    assert "(29 unchanged paragraphs not shown)" in old_html


def test_text_diff_of_added_and_removed_paragraphs():
    old = "One.\n\nTwo.\n\nThree."
    old_html, new_html = text_diff(old, "One.\n\nThree.\n\nFour.")
    assert strip_tags(old_html).startswith("¶2 Two.")
    assert "<del>Two.</del>" in old_html
    assert "<ins>Four.</ins>" in new_html


def test_word_diff_escapes_html():
    old_html, new_html = word_diff("a <b> c", "a <i> c")
    assert old_html == "a &lt;<del>b</del>&gt; c"
    assert new_html == "a &lt;<ins>i</ins>&gt; c"


def test_paragraphs_split_on_blank_lines():
    assert paragraphs("One\nline.\n\n \n\nTwo.") == ["One line.", "Two."]


def test_history_page_shows_who_why_where_and_the_changed_paragraph(editor_client, make_article):
    article = make_article(body=BODY)
    save_in_admin(
        editor_client,
        article,
        body=BODY.replace("Paragraph 17 of the story", "Paragraph seventeen of the story"),
        headline="A new headline",
    )

    response = editor_client.get(f"{ARTICLES}{article.pk}/history/")

    assert response.status_code == 200
    assertContains(response, "<del>17</del>", html=False)
    assertContains(response, "<ins>seventeen</ins>", html=False)
    assertNotContains(response, "Paragraph 16 of the story")
    assertContains(response, '<th scope="row">Headline</th>', html=False)
    assertContains(response, "<td>127.0.0.1</td>", html=False)
    assertContains(response, "<td>admin</td>", html=False)
    assertContains(response, "<td>editor</td>", html=False)
    # Bookkeeping that changes with every save is left out.
    assertNotContains(response, "Last updated")
    assertNotContains(response, '<th scope="row">Version</th>', html=False)


def test_agencies_and_authors_have_a_history_too(editor_client, agency):
    post_form(
        editor_client,
        f"/admin/articles/agency/{agency.pk}/change/",
        "agency_form",
        description="Founded in London in 1851.",
    )

    record = Agency.history.filter(id=agency.pk).order_by("-history_id")[0]
    assert (record.history_change_reason, record.history_user.get_username()) == (
        "admin",
        "editor",
    )
    response = editor_client.get(f"/admin/articles/agency/{agency.pk}/history/")
    assertContains(response, "<ins>London</ins>", html=False)


# --- Restore -----------------------------------------------------------------------------------


def test_restoring_a_revision_is_a_new_revision_with_its_authors_and_captions(
    editor_client, make_article
):
    first_author = Author.objects.create(name="First Author", slug="first-author")
    second_author = Author.objects.create(name="Second Author", slug="second-author")
    article = make_article(
        headline="The original headline",
        captions=[{"text": "The original caption", "is_lead": True}],
        authors=[first_author],
    )
    Article.objects.filter(pk=article.pk).update(imported_version=1)
    save_in_admin(editor_client, article)  # version 2: the original, in one admin revision
    original = latest(article)
    save_in_admin(
        editor_client,
        article,
        headline="A worse headline",
        authors=[str(second_author.pk)],
        **{"captions-0-text": "A worse caption"},
    )
    article.refresh_from_db()
    assert (article.headline, article.version) == ("A worse headline", 3)

    revert_url = f"{ARTICLES}{article.pk}/history/{original.history_id}/"
    page = editor_client.get(revert_url)
    assertContains(page, "The original caption")
    fields = form_data(page, "historicalarticle_form")
    assert fields["headline"] == "The original headline"
    assert fields["authors"] == str(first_author.pk)
    response = editor_client.post(revert_url, fields | {"_save": "Revert"})

    assertRedirects(response, ARTICLES)
    article.refresh_from_db()
    assert article.headline == "The original headline"
    assert list(article.authors.all()) == [first_author]
    assert list(article.captions.values_list("text", flat=True)) == ["The original caption"]
    # A new version; bookkeeping as it was (the restore is an editor's change).
    assert (article.version, article.imported_version) == (4, 1)
    assert revisions_of(article)[-1] == (
        "~",
        4,
        f"restore of revision {original.history_id}",
        "editor",
        "127.0.0.1",
    )
    # Nothing was lost: the replaced version is still in the history.
    assert Article.history.filter(id=article.pk, headline="A worse headline").exists()


def test_a_restore_leaves_fields_the_editor_may_not_change(client, django_user_model, make_article):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("writer", password="x", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="articles", codename__in=["view_article", "change_article"]
        )
    )
    client.force_login(user)
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    draft = latest(article)
    article.status, article.published_at = Article.Status.WITHDRAWN, article.created_at
    article.save()

    revert_url = f"{ARTICLES}{article.pk}/history/{draft.history_id}/"
    response = client.post(revert_url, form_data(client.get(revert_url), "historicalarticle_form"))

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Article.Status.WITHDRAWN


# --- Deleted articles --------------------------------------------------------------------------


def test_the_change_list_links_to_deleted_articles(editor_client):
    assertContains(
        editor_client.get(ARTICLES),
        '<li><a href="/admin/articles/article/deleted/">Deleted articles</a></li>',
        html=True,
    )
    assertContains(editor_client.get(ARTICLES), "Import article")


def delete_in_admin(client, article):
    response = client.post(f"{ARTICLES}{article.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302, response.content
    assert not Article.objects.filter(pk=article.pk).exists()


def test_a_deleted_article_is_listed_and_recovered_with_authors_and_captions(
    chief_editor_client, make_article, client
):
    author = Author.objects.create(name="Arshad Mohammed", slug="arshad-mohammed")
    article = make_article(
        headline="Deleted by mistake",
        captions=[
            {"text": "Lead photo", "is_lead": True},
            {"text": "Second photo"},
        ],
        authors=[author],
    )
    save_in_admin(chief_editor_client, article, standfirst="A standfirst")
    save_in_admin(chief_editor_client, article, **{"captions-1-DELETE": "on"})  # removed before
    save_in_admin(chief_editor_client, article, standfirst="The last standfirst")
    pk, captions_before = article.pk, list(article.captions.values_list("pk", "text"))
    delete_in_admin(chief_editor_client, article)

    listing = chief_editor_client.get(f"{ARTICLES}deleted/")
    assertContains(listing, '<th scope="row">Deleted by mistake</th>', html=False)
    assertContains(listing, "<td>chief</td>", html=False)
    deletion = Article.history.get(id=pk, history_type="-")
    assert deletion.history_change_reason == "admin"
    assert client.get(f"/articles/{article.slug}/").status_code == 404

    response = chief_editor_client.post(f"{ARTICLES}deleted/{deletion.history_id}/recover/")

    assertRedirects(response, f"{ARTICLES}{pk}/change/")
    recovered = Article.objects.get(pk=pk)
    assert (recovered.headline, recovered.standfirst) == (
        "Deleted by mistake",
        "The last standfirst",
    )
    assert list(recovered.authors.all()) == [author]
    assert list(recovered.captions.values_list("pk", "text")) == captions_before
    assert recovered.version == deletion.version + 1
    record = latest(recovered)
    assert record.history_type == "+"
    assert record.history_change_reason.startswith("recovery of revision ")
    assert record.history_user.get_username() == "chief"
    assert client.get(f"/articles/{recovered.slug}/").status_code == 200
    assertNotContains(chief_editor_client.get(f"{ARTICLES}deleted/"), "Deleted by mistake")


def test_recovering_needs_the_add_permission(client, django_user_model, make_article, editor):
    from django.contrib.auth.models import Permission

    article = make_article()
    article.delete()
    deletion = Article.history.get(history_type="-")
    viewer = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_article"))
    client.force_login(viewer)

    listing = client.get(f"{ARTICLES}deleted/")
    assertContains(listing, article.headline)
    assertNotContains(listing, 'value="Recover"')
    assert client.post(f"{ARTICLES}deleted/{deletion.history_id}/recover/").status_code == 403
    assert client.get(f"{ARTICLES}deleted/{deletion.history_id}/recover/").status_code == 405
    assert not Article.objects.exists()


def test_a_recovered_article_whose_address_was_taken_gets_a_new_one(editor_client, make_article):
    article = make_article(slug="the-story")
    pk = article.pk
    article.delete()
    make_article(slug="the-story")
    deletion = Article.history.get(history_type="-")

    response = editor_client.post(f"{ARTICLES}deleted/{deletion.history_id}/recover/", follow=True)

    assert Article.objects.get(pk=pk).slug == "the-story-2"
    assertContains(response, "Its address was taken: it is now …/the-story-2/")


def test_an_imported_article_deleted_and_imported_again_is_not_recovered_twice(
    editor_client, sample_bytes
):
    first = ingest(sample_bytes, filename="kerry-lavrov.txt", channel="command").article
    first.delete()
    ingest(sample_bytes, filename="kerry-lavrov.txt", channel="command")
    deletion = Article.history.get(history_type="-")

    response = editor_client.post(f"{ARTICLES}deleted/{deletion.history_id}/recover/", follow=True)

    assertContains(response, "was not recovered: the agency")
    assert Article.objects.get().slug == SAMPLE_SLUG
    assert Article.objects.count() == 1
