"""Who an author is: a name at an agency (no agency: the house's own staff).

"John Smith" of AFP and "John Smith" of Reuters are two authors, with their own addresses and
pages; each agency's re-imports find their own. An editor who knows they are one person merges
them in the admin ("Merge selected authors"): the articles of the others go to the one kept,
the others are deleted, and each merged name is kept as an alias (AuthorAlias), so that a
later import of that name from that agency credits the kept author. The database holds one
author per agency and name, house authors included, on SQLite and PostgreSQL.

Real imports (ninjs), real admin pages, real roles (the groups of the role migration).
"""

import json

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from pytest_django.asserts import assertContains, assertNotContains

from articles.ingest.writer import ingest
from articles.models import Agency, Article, Author, AuthorAlias
from tests.helpers.admin import form_data

pytestmark = pytest.mark.django_db

AUTHORS = "/admin/articles/author/"
AGENCIES = "/admin/articles/agency/"


def story(uri, agency, byline, headline, version=1, body="The text."):
    """A ninjs story from the agency (None: no agency), as bytes."""
    item = {
        "uri": uri,
        "type": "text",
        "version": str(version),
        "standard": {
            "name": "ninjs",
            "version": "2.2",
            "schema": "http://www.iptc.org/std/ninjs/ninjs-schema_2.2.json",
        },
        "pubstatus": "usable",
        "language": "en",
        "headlines": [{"role": "main", "value": headline}],
        "by": byline,
        "bodies": [{"role": "main", "contenttype": "text/html", "value": f"<p>{body}</p>"}],
    }
    if agency:
        item["infosources"] = [{"name": agency}]
    return json.dumps(item).encode()


def run(data):
    result = ingest(data, filename="story.json", channel="command", publish=True)
    assert not result.failed, result.error
    return result


AFP_STORY = ("urn:afp:1", "AFP", "By John Smith", "Floods in the north")
REUTERS_STORY = ("urn:reuters:1", "Reuters", "John Smith/Reuters", "Markets calm")


def import_both(version=1, body="The text."):
    afp = run(story(*AFP_STORY, version=version, body=body)).article
    reuters = run(story(*REUTERS_STORY, version=version, body=body)).article
    return afp, reuters


def byline(article):
    return [(a.name, a.agency.name if a.agency else None) for a in article.authors.all()]


# --- Identity on import ------------------------------------------------------------------------


def test_one_name_at_two_agencies_is_two_authors_with_their_own_pages(client):
    afp, reuters = import_both()

    afp_author, reuters_author = afp.authors.get(), reuters.authors.get()
    assert afp_author != reuters_author
    assert (afp_author.name, afp_author.agency.name, afp_author.slug) == (
        "John Smith",
        "AFP",
        "john-smith",
    )
    assert (reuters_author.name, reuters_author.agency.name, reuters_author.slug) == (
        "John Smith",
        "Reuters",
        "john-smith-reuters",
    )
    afp_page = client.get(afp_author.get_absolute_url())
    assertContains(afp_page, "Floods in the north")
    assertNotContains(afp_page, "Markets calm")
    reuters_page = client.get(reuters_author.get_absolute_url())
    assertContains(reuters_page, "Markets calm")
    assertNotContains(reuters_page, "Floods in the north")


def test_reimports_find_each_agencys_own_author():
    import_both()
    afp, reuters = import_both(version=2, body="The text, corrected.")

    assert Author.objects.count() == 2
    assert byline(afp) == [("John Smith", "AFP")]
    assert byline(reuters) == [("John Smith", "Reuters")]
    assert afp.authors.get().slug == "john-smith"
    assert reuters.authors.get().slug == "john-smith-reuters"


def test_a_taken_slug_is_numbered_further():
    agency = Agency.objects.create(name="Reuters", slug="reuters")
    Author.objects.create(name="John Smith", slug="john-smith")  # house author
    Author.objects.create(name="Someone else", slug="john-smith-reuters", agency=agency)

    reuters = run(story(*REUTERS_STORY)).article

    assert reuters.authors.get().slug == "john-smith-reuters-2"


def test_house_authors_are_matched_among_house_authors_only():
    afp = run(story(*AFP_STORY)).article
    house = run(story("urn:house:1", None, "John Smith", "Our own report")).article
    again = run(story("urn:house:2", None, "John Smith", "Our second report")).article

    assert house.authors.get() == again.authors.get() != afp.authors.get()
    assert byline(house) == [("John Smith", None)]
    assert house.authors.get().slug == "john-smith-2"


def test_the_agency_of_an_author_is_matched_whatever_the_case_of_the_name():
    afp = run(story(*AFP_STORY)).article
    shouting = run(story("urn:afp:2", "AFP", "JOHN SMITH", "Second story")).article
    assert shouting.authors.get() == afp.authors.get()


# --- The database: one author per agency and name ----------------------------------------------


def test_the_database_refuses_a_second_house_author_with_the_same_name():
    Author.objects.create(name="John Smith", slug="john-smith")
    with pytest.raises(IntegrityError), transaction.atomic():
        Author.objects.create(name="John Smith", slug="john-smith-2")


def test_the_database_refuses_a_second_author_of_one_agency_with_the_same_name():
    agency = Agency.objects.create(name="AFP", slug="afp")
    Author.objects.create(name="John Smith", slug="john-smith", agency=agency)
    with pytest.raises(IntegrityError), transaction.atomic():
        Author.objects.create(name="John Smith", slug="john-smith-afp", agency=agency)


def test_the_same_name_at_another_agency_or_in_the_house_is_another_author():
    afp = Agency.objects.create(name="AFP", slug="afp")
    reuters = Agency.objects.create(name="Reuters", slug="reuters")
    Author.objects.create(name="John Smith", slug="a", agency=afp)
    Author.objects.create(name="John Smith", slug="b", agency=reuters)
    Author.objects.create(name="John Smith", slug="c")
    assert Author.objects.count() == 3


def test_the_database_refuses_two_aliases_of_one_name_without_agency():
    author = Author.objects.create(name="John Smith", slug="john-smith")
    AuthorAlias.objects.create(name="J. Smith", author=author)
    with pytest.raises(IntegrityError), transaction.atomic():
        AuthorAlias.objects.create(name="J. Smith", author=author)


@pytest.fixture
def editor(editor):
    """A client of its own (readers use `client`), logged in as the conftest's editor."""
    client = Client()
    client.force_login(editor)
    return client


def test_the_author_form_says_the_author_exists_instead_of_failing(editor):
    Author.objects.create(name="John Smith", slug="john-smith")
    fields = form_data(editor.get(f"{AUTHORS}add/"), "author_form")

    response = editor.post(f"{AUTHORS}add/", fields | {"name": "John Smith", "slug": "other"})

    assert response.status_code == 200
    assertContains(response, "A house author (no agency) with this name already exists.")
    assert Author.objects.count() == 1
    agency = Agency.objects.create(name="AFP", slug="afp")
    Author.objects.create(name="John Smith", slug="john-smith-afp", agency=agency)
    fields = form_data(editor.get(f"{AUTHORS}add/"), "author_form")
    response = editor.post(
        f"{AUTHORS}add/", fields | {"name": "John Smith", "slug": "x", "agency": agency.pk}
    )
    assertContains(response, "An author with this name already exists for this agency.")
    assert Author.objects.count() == 2


# --- Merging in the admin ----------------------------------------------------------------------


def merge(client, authors, keep=None):
    """The action, then its confirmation page's form as shown (the kept author chosen)."""
    selected = {"action": "merge_authors", "_selected_action": [a.pk for a in authors]}
    page = client.post(AUTHORS, selected | {"index": 0})
    if keep is None:
        return page
    assert page.status_code == 200
    assertContains(page, "Merge authors")
    fields = form_data(page, "merge-authors") | {"keep": str(keep.pk)}
    return client.post(AUTHORS, fields)


def test_merging_moves_the_articles_deletes_the_others_and_remembers_the_name(editor, client):
    afp, reuters = import_both()
    kept, merged = afp.authors.get(), reuters.authors.get()
    assert "merge_authors" in [
        name for name, _ in editor.get(AUTHORS).context["action_form"].fields["action"].choices
    ]

    page = merge(editor, [kept, merged])
    # Confirmation first: who is kept (the first created, unless the editor picks another).
    assert page.status_code == 200
    assertContains(page, "Floods in the north")
    fields = form_data(page, "merge-authors")
    assert fields["keep"] == str(kept.pk)

    response = merge(editor, [kept, merged], keep=kept)

    assert response.status_code == 302
    assert list(Author.objects.all()) == [kept]
    assert byline(reuters) == [("John Smith", "AFP")]
    assert byline(afp) == [("John Smith", "AFP")]
    alias = AuthorAlias.objects.get()
    assert (alias.agency.name, alias.name, alias.author) == ("Reuters", "John Smith", kept)
    assert client.get(f"/authors/{merged.slug}/").status_code == 404
    assertContains(client.get(kept.get_absolute_url()), "Markets calm")
    # One revision of each article whose byline changed, saying why and who.
    record = reuters.history.order_by("-history_date", "-history_id").first()
    assert record.history_change_reason == "admin action: merge authors"
    assert record.history_user.get_username() == "editor"
    # The article is still "as imported": the agency's next update applies, it is not held.
    fresh = Article.objects.get(pk=reuters.pk)
    assert (fresh.version, fresh.imported_version) == (reuters.version + 1,) * 2

    # A later import of the merged name from that agency credits the kept author.
    again = run(story(*REUTERS_STORY, version=2, body="Updated.")).article
    assert again.pk == reuters.pk
    assert list(again.authors.all()) == [kept]
    new = run(story("urn:reuters:2", "Reuters", "John Smith", "Another Reuters story")).article
    assert list(new.authors.all()) == [kept]
    assert Author.objects.count() == 1


def test_the_editor_may_keep_another_author_and_merges_chain(editor):
    afp, reuters = import_both()
    house = run(story("urn:house:1", None, "J. Smith", "Our own report")).article
    afp_author, reuters_author, house_author = (
        afp.authors.get(),
        reuters.authors.get(),
        house.authors.get(),
    )

    assert merge(editor, [afp_author, reuters_author], keep=reuters_author).status_code == 302
    assert merge(editor, [reuters_author, house_author], keep=house_author).status_code == 302

    assert list(Author.objects.all()) == [house_author]
    assert {
        (a.agency.name if a.agency else None, a.name, a.author) for a in AuthorAlias.objects.all()
    } == {
        ("AFP", "John Smith", house_author),
        ("Reuters", "John Smith", house_author),
    }
    assert run(story(*AFP_STORY, version=2, body="New.")).article.authors.get() == house_author


def test_merging_needs_two_authors(editor):
    author = Author.objects.create(name="John Smith", slug="john-smith")

    response = merge(editor, [author])

    assert response.status_code == 302
    assert list(Author.objects.all()) == [author]
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == ["Select two or more authors to merge."]


@pytest.mark.parametrize("missing", ["change_author", "delete_author"])
def test_merging_needs_the_change_and_delete_permissions(missing, django_user_model):
    afp, reuters = import_both()
    kept, merged = afp.authors.get(), reuters.authors.get()
    user = django_user_model.objects.create_user("limited", password="x", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="articles",
            codename__in={"view_author", "change_author", "delete_author"} - {missing},
        )
    )
    client = Client()
    client.force_login(user)

    form = client.get(AUTHORS).context["action_form"]
    assert "merge_authors" not in (
        [name for name, _ in form.fields["action"].choices] if form else []
    )
    # A forged POST of the confirmation is refused by the admin: not one of their actions.
    client.post(
        AUTHORS,
        {"action": "merge_authors", "_selected_action": [kept.pk, merged.pk], "post": "yes",
         "keep": kept.pk},
    )  # fmt: skip
    assert Author.objects.count() == 2
    assert not AuthorAlias.objects.exists()


def test_a_forged_kept_author_outside_the_selection_is_refused(editor):
    afp, reuters = import_both()
    other = Author.objects.create(name="Someone else", slug="someone-else")
    kept, merged = afp.authors.get(), reuters.authors.get()
    page = merge(editor, [kept, merged])
    fields = form_data(page, "merge-authors") | {"keep": str(other.pk)}

    editor.post(AUTHORS, fields)

    assert Author.objects.count() == 3
    assert not AuthorAlias.objects.exists()


def test_the_author_page_in_the_admin_lists_its_aliases(editor):
    afp, reuters = import_both()
    kept, merged = afp.authors.get(), reuters.authors.get()
    merge(editor, [kept, merged], keep=kept)

    page = editor.get(f"{AUTHORS}{kept.pk}/change/")

    assertContains(page, "John Smith (Reuters)")


def test_an_agency_with_authors_cannot_be_deleted(editor):
    afp, _ = import_both()
    agency = afp.agency
    Article.objects.filter(agency=agency).delete()  # its articles alone would protect it

    page = editor.post(f"{AGENCIES}{agency.pk}/delete/", {"post": "yes"})

    assert page.status_code == 200  # Django's "cannot delete: protected" page
    assertContains(page, "John Smith")
    assert Agency.objects.filter(pk=agency.pk).exists()


# --- Migrations 0012 and 0013: existing authors ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_existing_authors_and_merges_only_exact_duplicates():
    executor = MigrationExecutor(connection)
    before = [("articles", "0011_article_withdrawn_at")]
    after = [("articles", "0013_author_identity_constraints")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    OldAgency = old.get_model("articles", "Agency")
    OldAuthor = old.get_model("articles", "Author")
    OldArticle = old.get_model("articles", "Article")
    afp = OldAgency.objects.create(name="AFP", slug="afp")
    reuters = OldAgency.objects.create(name="Reuters", slug="reuters")
    # Merged across agencies by the old name-only matching: AFP's John Smith on a Reuters story.
    smith = OldAuthor.objects.create(name="John Smith", slug="john-smith", agency=afp)
    # The same author typed twice in the admin (same agency, same name).
    first = OldAuthor.objects.create(name="Ana Lima", slug="ana-lima", agency=reuters)
    second = OldAuthor.objects.create(
        name="Ana Lima", slug="ana-lima-2", agency=reuters, bio="Covers markets."
    )
    OldAuthor.objects.create(name="Desk", slug="desk")  # kept: the first created
    house_again = OldAuthor.objects.create(name="Desk", slug="desk-2")

    def article(slug, agency, *authors):
        row = OldArticle.objects.create(headline=slug, slug=slug, body="x\n", agency=agency)
        row.authors.set(authors)
        return row

    article("afp-story", afp, smith)
    article("reuters-story", reuters, smith, first)
    article("both", reuters, first, second)
    article("second-only", reuters, second)
    article("desk-story", None, house_again)

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    NewAuthor = new.get_model("articles", "Author")
    NewArticle = new.get_model("articles", "Article")

    assert sorted(NewAuthor.objects.values_list("slug", "name", "agency__name", "bio")) == [
        ("ana-lima", "Ana Lima", "Reuters", "Covers markets."),
        ("desk", "Desk", None, ""),
        ("john-smith", "John Smith", "AFP", ""),
    ]
    bylines = {
        row.slug: sorted(row.authors.values_list("slug", flat=True))
        for row in NewArticle.objects.all()
    }
    assert bylines == {
        "afp-story": ["john-smith"],
        "reuters-story": ["ana-lima", "john-smith"],  # nothing lost
        "both": ["ana-lima"],
        "second-only": ["ana-lima"],
        "desk-story": ["desk"],
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        NewAuthor.objects.create(name="Desk", slug="desk-3")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("articles"))
