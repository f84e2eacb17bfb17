"""Articles store when they were withdrawn (withdrawn_at), so that a withdrawn article's address
shows its headline only if readers could have seen it (published_at <= withdrawn_at): inferring
it from the last change (updated_at), as before, showed the headline of one withdrawn before its
scheduled time as soon as it was saved again after that time.

Filled here for the rows that exist, with the best value there is: the time of the revision
that began the withdrawal they are in (the first of the latest run of "withdrawn" revisions),
else, for an article without such a revision, its last change (what the page used before).
Revisions are filled the same way, so that a recovery after deletion brings the right time
back. Uses this migration's models only (no application code)."""

from django.db import migrations, models

WITHDRAWN = "withdrawn"


def withdrawal_runs(history):
    """[(time the withdrawal began, [history_id, ...])] for each run of consecutive
    "withdrawn" revisions of an article, and {article id: start of its latest revision's run}
    (articles whose latest revision is withdrawn). Read in full before any row is updated."""
    rows = history.order_by("id", "history_date", "history_id").values_list(
        "history_id", "id", "status", "history_date"
    )
    runs, latest = [], {}
    article, run = None, None
    for history_id, article_id, status, date in rows.iterator(chunk_size=2000):
        if article_id != article:
            article, run = article_id, None
        if status != WITHDRAWN:
            run = None
            latest.pop(article_id, None)
            continue
        if run is None:
            run = (date, [])
            runs.append(run)
        run[1].append(history_id)
        latest[article_id] = run[0]
    return runs, latest


def fill_withdrawn_at(apps, schema_editor):
    db = schema_editor.connection.alias
    Article = apps.get_model("articles", "Article")
    History = apps.get_model("articles", "HistoricalArticle")
    runs, latest = withdrawal_runs(History.objects.using(db))
    for began, ids in runs:
        for start in range(0, len(ids), 500):
            History.objects.using(db).filter(history_id__in=ids[start : start + 500]).update(
                withdrawn_at=began
            )
    withdrawn = Article.objects.using(db).filter(status=WITHDRAWN, withdrawn_at__isnull=True)
    for pk, updated_at in list(withdrawn.values_list("pk", "updated_at")):
        # QuerySet.update(): updated_at (auto_now) stays as it is.
        Article.objects.using(db).filter(pk=pk).update(withdrawn_at=latest.get(pk) or updated_at)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0010_rendered_body_key_trigger"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="withdrawn_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="When the article was withdrawn; empty while it is not withdrawn.",
                null=True,
                verbose_name="withdrawn at",
            ),
        ),
        migrations.AddField(
            model_name="historicalarticle",
            name="withdrawn_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="When the article was withdrawn; empty while it is not withdrawn.",
                null=True,
                verbose_name="withdrawn at",
            ),
        ),
        migrations.RunPython(fill_withdrawn_at, migrations.RunPython.noop, elidable=True),
    ]
