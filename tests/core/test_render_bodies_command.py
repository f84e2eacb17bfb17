"""`manage.py render_bodies`: stores the rendered body of every article whose key is not that of
its body, language and renderer now (after a deploy that changes the renderer), in batches,
and says how many of how many it rendered. A second run renders none."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import markup
from articles.models import Article

BODY = "Talks went on.\n\n## Next steps\n\nLavrov said «Мы продолжим переговоры».\n"
HTML_EN = (
    "<p>Talks went on.</p>\n<h2>Next steps</h2>\n"
    '<p>Lavrov said «<span lang="ru">Мы продолжим переговоры</span>».</p>\n'
)


def run(*args):
    out = StringIO()
    call_command("render_bodies", *args, stdout=out)
    return out.getvalue()


def stored(article):
    return Article.objects.values_list("rendered_body", "rendered_body_key").get(pk=article.pk)


def versions():
    return dict(Article.objects.values_list("pk", "version"))


def test_nothing_to_render(make_article):
    make_article()
    make_article()
    assert run() == "render_bodies: 0 of 2 articles rendered\n"


def test_no_articles(db):
    assert run() == "render_bodies: 0 of 0 articles rendered\n"


def test_a_stale_key_is_rendered_again_and_a_second_run_renders_none(make_article):
    stale = make_article(body=BODY)
    emptied = make_article(body="Second.\n")
    kept = make_article(body="Kept.\n")
    Article.objects.filter(pk=stale.pk).update(rendered_body="<p>old</p>", rendered_body_key="x")
    Article.objects.filter(pk=emptied.pk).update(rendered_body="", rendered_body_key="")
    before = versions()

    assert run() == "render_bodies: 2 of 3 articles rendered\n"
    assert stored(stale) == (HTML_EN, markup.render_key(BODY, "en"))
    assert stored(emptied) == ("<p>Second.</p>\n", markup.render_key("Second.\n", "en"))
    assert stored(kept) == ("<p>Kept.</p>\n", markup.render_key("Kept.\n", "en"))
    # Not an edit: no new version (nor revision).
    assert versions() == before

    assert run() == "render_bodies: 0 of 3 articles rendered\n"


def test_a_new_renderer_renders_every_article_again(make_article, monkeypatch):
    articles = [make_article(body=BODY), make_article(body=BODY, language="ru")]
    monkeypatch.setattr(markup, "RENDERER", "0" * 64)
    assert run() == "render_bodies: 2 of 2 articles rendered\n"
    for article in articles:
        assert stored(article)[1] == markup.render_key(BODY, article.language)
    assert run() == "render_bodies: 0 of 2 articles rendered\n"


def test_dry_run_counts_and_changes_nothing(make_article):
    stale = make_article(body=BODY)
    make_article()
    Article.objects.filter(pk=stale.pk).update(rendered_body="<p>old</p>", rendered_body_key="x")

    assert run("--dry-run") == "render_bodies: 1 of 2 articles to render (dry run)\n"
    assert stored(stale) == ("<p>old</p>", "x")
    assert run("--dry-run") == "render_bodies: 1 of 2 articles to render (dry run)\n"

    assert run() == "render_bodies: 1 of 2 articles rendered\n"
    assert run("--dry-run") == "render_bodies: 0 of 2 articles to render (dry run)\n"


def test_reads_and_writes_in_batches(make_article):
    """Five articles, four stale, batches of two: three reads (2 + 2 + 1 rows) and an empty
    one that ends, each stale batch written in one UPDATE; no body is held beyond its batch."""
    articles = [make_article() for _ in range(5)]
    Article.objects.filter(pk__in=[a.pk for a in articles[:4]]).update(rendered_body_key="x")
    with CaptureQueriesContext(connection) as queries:
        assert run("--batch-size", "2") == "render_bodies: 4 of 5 articles rendered\n"
    sql = [q["sql"] for q in queries.captured_queries]
    selects = [s for s in sql if s.startswith("SELECT")]
    updates = [s for s in sql if s.startswith("UPDATE")]
    assert len(selects) == 4
    assert all("LIMIT 2" in s for s in selects)
    # Bodies are read, but never the stored HTML they replace.
    assert not any('"rendered_body"' in s.split(" FROM ")[0] for s in selects)
    assert len(updates) == 2
    for article in articles:
        assert stored(article)[1] == markup.render_key(article.body, "en")


def test_quiet_with_verbosity_0(make_article):
    make_article()
    out = StringIO()
    call_command("render_bodies", verbosity=0, stdout=out)
    assert out.getvalue() == ""


def test_a_batch_size_below_1_is_refused(db):
    with pytest.raises(CommandError, match="--batch-size must be a whole number of at least 1"):
        run("--batch-size", "0")
