"""Who an author is: (agency, name), no agency being the house's own staff. Imports matched
authors by the slug of the name alone, so one agency's John Smith became another's; from now
on the same name at another agency is another author, unless an editor merges them in the
admin, which keeps the merged names as aliases (AuthorAlias) for later imports.

Existing authors keep their slugs, their agencies and their articles: an author the old
matching credited on another agency's articles stays credited on them (nothing is lost; the
agency's next import of such a story credits that agency's own author). Only exact duplicates,
which the new constraints refuse (two authors of one agency, or two house authors, with the
same name: typed twice in the admin), are made one: the oldest is kept, with the articles of
the others and, if it has none, the first biography they have.

An agency's authors now protect it from deletion (as its articles do): set to "no agency",
they could clash with a house author of the same name. The constraints come in the next
migration, a transaction of its own: PostgreSQL cannot create an index on a table with the
deferred checks of the rows deleted here still pending. Uses this migration's models only."""

import django.db.models.deletion
from django.db import migrations, models


def merge_exact_duplicates(apps, schema_editor):
    db = schema_editor.connection.alias
    Author = apps.get_model("articles", "Author")
    Article = apps.get_model("articles", "Article")
    through = Article._meta.get_field("authors").remote_field.through
    kept = {}
    for author in list(Author.objects.using(db).order_by("pk")):
        first = kept.setdefault((author.agency_id, author.name), author)
        if first is author:
            continue
        links = through.objects.using(db)
        already = links.filter(author_id=first.pk).values_list("article_id", flat=True)
        links.filter(author_id=author.pk, article_id__in=list(already)).delete()
        links.filter(author_id=author.pk).update(author_id=first.pk)
        if not first.bio and author.bio:
            first.bio = author.bio
            first.save(update_fields=["bio"])
        author.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0011_article_withdrawn_at"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuthorAlias",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="merged")),
                (
                    "agency",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="articles.agency",
                        verbose_name="agency",
                    ),
                ),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="aliases",
                        to="articles.author",
                        verbose_name="author",
                    ),
                ),
            ],
            options={
                "verbose_name": "author alias",
                "verbose_name_plural": "author aliases",
                "ordering": ["name", "pk"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("agency__isnull", False)),
                        fields=("agency", "name"),
                        name="authoralias_unique_agency_name",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("agency__isnull", True)),
                        fields=("name",),
                        name="authoralias_unique_name_without_agency",
                    ),
                ],
            },
        ),
        migrations.AlterField(
            model_name="author",
            name="agency",
            field=models.ForeignKey(
                blank=True,
                help_text="The agency this author writes for, if any.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="authors",
                to="articles.agency",
                verbose_name="agency",
            ),
        ),
        migrations.RunPython(merge_exact_duplicates, migrations.RunPython.noop, elidable=True),
    ]
