"""Filling the stored rendered body (Article.rendered_body) of articles whose stored HTML is
missing or was made from another body, language or renderer (its key is not render_key() now).

Used by `manage.py render_bodies` (after a deploy that changes the renderer). Only
articles.markup is imported here, never the models: the function needs nothing but a queryset
of rows with body, language, rendered_body and rendered_body_key.
"""

from articles.markup import render_body, render_key

RENDERED_FIELDS = ["rendered_body", "rendered_body_key"]


def render_stale(articles, *, batch_size=500, dry_run=False):
    """Store the rendered body of each of the `articles` (a queryset) whose key is not that of
    its body and language now; with `dry_run`, only count them. (rendered, seen): how many
    were (or would be) rendered, of how many articles.

    Memory stays constant: rows are read `batch_size` at a time in the order of their primary
    key, each batch after the last key seen (no cursor left open while writing, which SQLite
    does not isolate from the writes and PostgreSQL would copy whole when it outlives a
    transaction), and each batch's changes written in one bulk_update. An article saved while
    this runs keeps what its save() stored: a row written here with the key of an older body
    is never served (its key no longer matches), only rendered again until the next run."""
    rendered = seen = 0
    rows = articles.only("body", "language", "rendered_body_key").order_by("pk")
    last = None
    while True:
        batch = list((rows if last is None else rows.filter(pk__gt=last))[:batch_size])
        if not batch:
            return rendered, seen
        last = batch[-1].pk
        seen += len(batch)
        stale = []
        for article in batch:
            key = render_key(article.body, article.language)
            if article.rendered_body_key != key:
                if not dry_run:
                    article.rendered_body = render_body(article.body, language=article.language)
                    article.rendered_body_key = key
                stale.append(article)
        rendered += len(stale)
        if stale and not dry_run:
            articles.bulk_update(stale, RENDERED_FIELDS)


def fill(articles, batch_size=500):
    """render_stale(), counting only: the number of articles rendered."""
    return render_stale(articles, batch_size=batch_size)[0]
