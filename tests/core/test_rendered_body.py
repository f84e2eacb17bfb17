"""Articles store their body rendered as HTML (rendered_body) with a key (rendered_body_key):
the renderer's identity (markup.RENDERER) and SHA-256 of the language and the body. The stored
HTML is served only while its key is that of the article now, so it is never stale: a row
changed behind save()'s back (QuerySet.update(), raw SQL: a trigger empties its key) or a new
renderer gets the body rendered again. The article page does not read the body: it checks
only the renderer part of the key, which the trigger makes enough."""

import hashlib
from pathlib import Path

import pytest
from django.db import connection

from articles import markup
from articles.models import Article
from articles.rendered_bodies import fill
from articles.revisions import record_changes
from tests.helpers.migrations import trigger_tables

BODY = "Talks went on.\n\n## Next steps\n\nLavrov said «Мы продолжим переговоры».\n"
# In an English article the Russian quotation is marked as Russian...
HTML_EN = (
    "<p>Talks went on.</p>\n<h2>Next steps</h2>\n"
    '<p>Lavrov said «<span lang="ru">Мы продолжим переговоры</span>».</p>\n'
)
# ...and in a Russian one it is in the article's own language.
HTML_RU = (
    "<p>Talks went on.</p>\n<h2>Next steps</h2>\n<p>Lavrov said «Мы продолжим переговоры».</p>\n"
)


def key(body, language):
    """The key, spelled out: the renderer identity's first 16 hex digits, then the first 48 of
    SHA-256 of language, NUL, body."""
    digest = hashlib.sha256(f"{language}\0{body}".encode()).hexdigest()
    return markup.RENDERER[:16] + digest[:48]


def stored(article):
    return Article.objects.values_list("rendered_body", "rendered_body_key").get(pk=article.pk)


# --- Saving stores it ---------------------------------------------------------------------------


def test_saving_stores_the_rendered_body_and_its_key(make_article):
    article = make_article(body=BODY, language="en")
    assert stored(article) == (HTML_EN, key(BODY, "en"))
    assert len(key(BODY, "en")) == 64


def test_a_changed_body_is_rendered_again_on_save(make_article):
    article = make_article(body=BODY)
    article.body = "Talks ended.\n"
    article.save()
    assert stored(article) == ("<p>Talks ended.</p>\n", key("Talks ended.\n", "en"))


def test_a_changed_language_is_rendered_again_on_save(make_article):
    article = make_article(body=BODY, language="en")
    article.language = "ru"
    article.save()
    assert stored(article) == (HTML_RU, key(BODY, "ru"))


@pytest.mark.parametrize("field", ["body", "language"])
def test_update_fields_with_the_body_or_language_save_the_new_html(make_article, field):
    article = make_article(body=BODY, language="en")
    changed = {"body": ("Talks ended.\n", "en"), "language": (BODY, "ru")}[field]
    article.body, article.language = changed
    article.save(update_fields=[field])
    expected_html = {"body": "<p>Talks ended.</p>\n", "language": HTML_RU}[field]
    assert stored(article) == (expected_html, key(*changed))


def test_a_save_that_leaves_body_and_language_alone_renders_nothing(make_article):
    article = make_article(body=BODY)
    # Stored HTML that render_body would not give, under the right key: kept, so not rendered.
    Article.objects.filter(pk=article.pk).update(rendered_body="<p>Stored.</p>\n")
    article = Article.objects.get(pk=article.pk)
    article.headline = "New headline"
    article.save()
    article.save(update_fields=["headline"])
    assert stored(article) == ("<p>Stored.</p>\n", key(BODY, "en"))


def test_bulk_create_stores_them_too(db):
    Article.objects.bulk_create(
        [
            Article(headline="One", slug="one", body=BODY, language="en"),
            Article(headline="Two", slug="two", body=BODY, language="ru"),
        ]
    )
    rows = Article.objects.order_by("slug").values_list("rendered_body", "rendered_body_key")
    assert list(rows) == [(HTML_EN, key(BODY, "en")), (HTML_RU, key(BODY, "ru"))]


def test_bulk_create_updating_on_conflict_stores_them(make_article):
    make_article(slug="one", body=BODY, external_id="story-1")
    Article.objects.bulk_create(
        [Article(headline="One", slug="one", body="Talks ended.\n", external_id="story-1")],
        update_conflicts=True,
        unique_fields=["slug"],
        update_fields=["body"],
    )
    article = Article.objects.get(slug="one")
    assert stored(article) == ("<p>Talks ended.</p>\n", key("Talks ended.\n", "en"))


def test_bulk_update_of_the_body_stores_them(make_article):
    one, two = make_article(body=BODY), make_article(body=BODY)
    one.body, two.language = "Talks ended.\n", "ru"
    Article.objects.bulk_update([one, two], ["body", "language"])
    assert stored(one) == ("<p>Talks ended.</p>\n", key("Talks ended.\n", "en"))
    assert stored(two) == (HTML_RU, key(BODY, "ru"))


# --- body_html() serves it while its key holds ------------------------------------------------


def test_body_html_serves_the_stored_html_under_the_right_key(make_article, client):
    article = make_article(body=BODY)
    Article.objects.filter(pk=article.pk).update(rendered_body="<p>Stored.</p>\n")
    assert Article.objects.get(pk=article.pk).body_html() == "<p>Stored.</p>\n"
    # The page uses it: nothing renders the body per request.
    assert "<p>Stored.</p>" in client.get(article.get_absolute_url()).content.decode()


def test_a_row_changed_by_update_is_rendered_freshly(make_article, client):
    article = make_article(body=BODY)
    Article.objects.filter(pk=article.pk).update(body="Changed by an update.\n")
    # The stored HTML is still that of the old body, its key emptied by the trigger...
    assert stored(article) == (HTML_EN, "")
    # ...and never served.
    fresh = Article.objects.get(pk=article.pk)
    assert fresh.body_html() == "<p>Changed by an update.</p>\n"
    page = client.get(article.get_absolute_url()).content.decode()
    assert "<p>Changed by an update.</p>" in page
    assert "Talks went on." not in page


def test_the_trigger_is_there_after_all_migrations(db):
    """SQLite drops a table's triggers when a migration rebuilds the table."""
    assert trigger_tables(connection) == ["articles_article"]


def test_raw_sql_changing_the_body_empties_the_key_and_the_page_shows_the_new_body(
    make_article, client, django_assert_max_num_queries
):
    article = make_article(body=BODY)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE articles_article SET body = %s WHERE id = %s", ["Changed in SQL.\n", article.pk]
        )
    assert stored(article) == (HTML_EN, "")
    with django_assert_max_num_queries(3):  # the page's statement, then the body it renders
        page = client.get(article.get_absolute_url()).content.decode()
    assert "<p>Changed in SQL.</p>" in page
    assert "Talks went on." not in page


def test_saves_keep_their_own_keys(make_article):
    """The trigger leaves alone an update that gives a changed body its new key, and one that
    writes the same body again."""
    article = make_article(body=BODY)
    article.headline = "Renamed"
    article.save()  # writes the same body
    assert stored(article) == (HTML_EN, key(BODY, "en"))
    article.body = "New body.\n"
    article.save()
    assert stored(article) == ("<p>New body.</p>\n", key("New body.\n", "en"))
    article.body = BODY
    Article.objects.bulk_update([article], ["body"])
    assert stored(article) == (HTML_EN, key(BODY, "en"))


def test_the_page_does_not_serve_another_renderers_html(make_article, client, monkeypatch):
    article = make_article(body=BODY)
    Article.objects.filter(pk=article.pk).update(rendered_body="<p>Made by the old renderer.</p>\n")
    assert "Made by the old renderer" in client.get(article.get_absolute_url()).content.decode()
    monkeypatch.setattr(markup, "RENDERER", "0" * 64)
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Made by the old renderer" not in page
    assert HTML_EN.split("\n")[0] in page


def test_a_language_changed_by_update_is_rendered_freshly(make_article):
    article = make_article(body=BODY, language="en")
    Article.objects.filter(pk=article.pk).update(language="ru")
    assert Article.objects.get(pk=article.pk).body_html() == HTML_RU


def test_a_new_renderer_renders_again(make_article, monkeypatch):
    article = make_article(body=BODY)
    Article.objects.filter(pk=article.pk).update(rendered_body="<p>Made by the old renderer.</p>\n")
    assert Article.objects.get(pk=article.pk).body_html() == "<p>Made by the old renderer.</p>\n"
    monkeypatch.setattr(markup, "RENDERER", "0" * 64)
    assert Article.objects.get(pk=article.pk).body_html() == HTML_EN


def test_the_renderer_identity_is_computed_once_at_import():
    assert markup._renderer_identity() == markup.RENDERER
    assert len(markup.RENDERER) == 64


@pytest.mark.parametrize(
    "change",
    ["markdown-it-py version", "mdurl version", "markup.py", "language detection"],
)
def test_the_renderer_identity_changes_with_what_shapes_the_output(change, monkeypatch, tmp_path):
    def edited_copy(module):
        copy = tmp_path / "copy.py"
        copy.write_bytes(Path(module.__file__).read_bytes() + b"\n_EDITED = 1\n")
        monkeypatch.setattr(module, "__file__", str(copy))

    if change == "markdown-it-py version":
        monkeypatch.setattr(markup.markdown_it, "__version__", "99.0.0")
    elif change == "mdurl version":
        monkeypatch.setattr(markup.mdurl, "__version__", "99.0.0")
    elif change == "markup.py":
        edited_copy(markup)
    else:
        edited_copy(markup.language_detection)
    assert markup._renderer_identity() != markup.RENDERER


def test_an_article_loaded_without_the_stored_html_renders_without_a_query(
    make_article, django_assert_num_queries
):
    article = make_article(body=BODY)
    listed = Article.objects.defer("rendered_body", "rendered_body_key").get(pk=article.pk)
    with django_assert_num_queries(0):
        assert listed.body_html() == HTML_EN


def test_saving_an_article_loaded_without_its_body_keeps_the_stored_html(make_article):
    article = make_article(body=BODY)
    partial = Article.objects.only("headline", "version").get(pk=article.pk)
    partial.headline = "Renamed"
    partial.save()
    assert stored(article) == (HTML_EN, key(BODY, "en"))


# --- render_bodies fills existing rows --------------------------------------------------------


def test_the_fill_fills_rows_without_a_stored_body(make_article):
    en = make_article(body=BODY, language="en")
    ru = make_article(body=BODY, language="ru")
    kept = make_article(body="Already stored.\n")
    Article.objects.filter(pk__in=[en.pk, ru.pk]).update(rendered_body="", rendered_body_key="")
    assert fill(Article.objects.all(), batch_size=1) == 2
    assert stored(en) == (HTML_EN, key(BODY, "en"))
    assert stored(ru) == (HTML_RU, key(BODY, "ru"))
    assert stored(kept) == ("<p>Already stored.</p>\n", key("Already stored.\n", "en"))
    assert fill(Article.objects.all()) == 0


def test_the_fill_fills_rows_made_by_another_renderer(make_article, monkeypatch):
    article = make_article(body=BODY)
    monkeypatch.setattr(markup, "RENDERER", "0" * 64)
    assert fill(Article.objects.all()) == 1
    assert stored(article) == (HTML_EN, key(BODY, "en"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's TOAST compression")
def test_on_postgresql_the_html_is_compressed_with_lz4(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, attcompression FROM pg_attribute WHERE attrelid = %s::regclass"
            " AND attname IN ('body', 'rendered_body') ORDER BY attname",
            [Article._meta.db_table],
        )
        assert cursor.fetchall() == [("body", ""), ("rendered_body", "l")]


# --- Revisions and the admin -------------------------------------------------------------------


def test_revisions_do_not_store_the_html(make_article):
    columns = {field.name for field in Article.history.model._meta.get_fields()}
    assert "body" in columns
    assert not columns & {"rendered_body", "rendered_body_key"}


def test_a_body_change_is_one_changed_field_in_the_history(make_article):
    article = make_article(body=BODY)
    article.body = "Talks ended.\n"
    article.save()
    old, new = Article.history.filter(id=article.pk).order_by("history_id")
    assert [change.field for change in record_changes(old, new)] == ["Body"]


def test_the_admin_form_does_not_show_them(editor_client, make_article):
    article = make_article(body=BODY)
    page = editor_client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert 'name="body"' in page
    assert "rendered_body" not in page
    assert "Rendered body" not in page
