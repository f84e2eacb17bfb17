"""The stored body HTML's key is never that of another body: a database trigger empties the key
of a row whose body or language an UPDATE changes without giving it a new key (a
QuerySet.update(), raw SQL). save(), bulk_create() and bulk_update() store a new key with a new
body, so the trigger leaves their rows alone. The article page, which does not read the body,
can then trust a key made by this renderer (Article.body_html). Keys now begin with the
renderer's identity (markup.render_key): every row's key, which may lack it, is emptied here, so
that its body is rendered on demand until `manage.py render_bodies` or a save stores it again.
Making the keys here would need today's renderer, and no operation uses the application's code,
so that `migrate` keeps working when those modules change or move.

SQLite drops a table's triggers when a migration rebuilds the table: tests/core/test_rendered_body.py
checks that the trigger is there after all migrations, on both databases."""

from django.db import migrations

TRIGGER = "articles_article_body_changed"

POSTGRESQL = [
    f"""
CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.rendered_body_key = OLD.rendered_body_key
     AND (NEW.body IS DISTINCT FROM OLD.body OR NEW.language IS DISTINCT FROM OLD.language) THEN
    NEW.rendered_body_key := '';
  END IF;
  RETURN NEW;
END
$$
""",
    f"""
CREATE TRIGGER {TRIGGER} BEFORE UPDATE OF body, language ON articles_article
FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()
""",
]
POSTGRESQL_REVERSE = [
    f"DROP TRIGGER IF EXISTS {TRIGGER} ON articles_article",
    f"DROP FUNCTION IF EXISTS {TRIGGER}()",
]
SQLITE = [
    f"""
CREATE TRIGGER {TRIGGER} AFTER UPDATE OF body, language ON articles_article
FOR EACH ROW WHEN NEW.rendered_body_key = OLD.rendered_body_key
  AND (NEW.body IS NOT OLD.body OR NEW.language IS NOT OLD.language)
BEGIN
  UPDATE articles_article SET rendered_body_key = '' WHERE id = NEW.id;
END
""",
]
SQLITE_REVERSE = [f"DROP TRIGGER IF EXISTS {TRIGGER}"]


def _run(statements):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for sql in statements.get(vendor, ()):
            schema_editor.execute(sql)

    return run


def empty_keys(apps, schema_editor):
    # The trigger watches only the body and language: this UPDATE does not fire it.
    Article = apps.get_model("articles", "Article")
    rows = Article.objects.using(schema_editor.connection.alias)
    rows.exclude(rendered_body_key="").update(rendered_body_key="")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0009_caption_image_size"),
    ]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
        migrations.RunPython(empty_keys, migrations.RunPython.noop, elidable=True),
    ]
