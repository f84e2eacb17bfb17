"""Slow editor paths, bounded, each tested at the size the security probe used.

Before: the body preview of 1 MB of "![" took far longer than any request may (figures in
docs/benchmarks.md, "Measurements behind the code") and the change form rendered it on every
load; the history diff of a 50 KB one-paragraph body timed out (500); an article over 2.5 MB
(possible through ingest) could not be saved in the admin (400). Now a body has a limit
(Article: MAX_BODY_BYTES, 250 KB of UTF-8) that ingest, the form and the preview apply with a
clear message; a form POST up to 5 MB is read, so an over-long article gets that message; and
word diffs compare at most MAX_DIFF_WORDS words after setting the common start and end aside.
"""

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from articles.admin.editing import TOO_LONG
from articles.ingest.writer import ingest
from articles.models import MAX_BODY_BYTES, Article, IngestRecord
from articles.revisions import MAX_DIFF_WORDS, TOO_LONG_TO_COMPARE, text_diff, word_diff
from tests.helpers.admin import ARTICLES, form_data

pytestmark = pytest.mark.django_db

PREVIEW = f"{ARTICLES}preview-body/"
MEGABYTE_OF_IMAGE_STARTS = "![" * 500_000


def too_long(size):
    return (
        f"The body is too long: {size:,} bytes (the limit is 250,000, some 40,000 words). "
        "Split it into several articles."
    )


def test_ingest_refuses_a_body_over_the_limit_by_its_size():
    body = "word " * 60_000  # 300,000 bytes in one paragraph
    data = f"Headline of a long story\n\n{body}\n".encode()

    result = ingest(data, filename="long.txt", channel="command")

    assert result.outcome == "failed"
    assert result.error == f"cannot be saved: body: {too_long(300_000)}"
    assert not Article.objects.exists()
    assert bytes(IngestRecord.objects.get(outcome="failed").raw) == data


def test_a_body_at_the_limit_is_accepted():
    body = "a" * (MAX_BODY_BYTES - 1)  # and the final newline
    result = ingest(f"Headline\n\n{body}\n".encode(), filename="max.txt", channel="command")
    assert result.outcome == "created", result.error


def test_the_preview_of_a_megabyte_of_image_starts_is_refused_unrendered(editor_client):
    response = editor_client.post(PREVIEW, {"body": MEGABYTE_OF_IMAGE_STARTS})
    assert response.status_code == 413
    assert response.content.decode() == TOO_LONG


def test_the_change_form_of_an_article_stored_before_the_limit_opens_without_a_preview(
    editor_client, make_article
):
    article = make_article()
    Article.objects.filter(pk=article.pk).update(body=MEGABYTE_OF_IMAGE_STARTS)

    response = editor_client.get(f"{ARTICLES}{article.pk}/change/")

    assert response.status_code == 200
    assertContains(response, f"<p>{TOO_LONG}</p>", html=False)
    assertNotContains(response, "<p>![![", html=False)  # not rendered


def test_saving_an_article_of_2_6_mb_says_the_limit_instead_of_a_400(editor_client, make_article):
    article = make_article()
    url = f"{ARTICLES}{article.pk}/change/"
    body = "x" * 2_600_000

    response = editor_client.post(
        url, form_data(editor_client.get(url), "article_form") | {"body": body}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["body"] == [
        too_long(2_600_001)
    ]  # with the final newline
    article.refresh_from_db()
    assert article.body != body


# --- The history's diffs ------------------------------------------------------------------


def test_one_word_changed_in_a_50_kb_paragraph_is_marked(editor_client, make_article):
    words = [f"w{n}" for n in range(10_000)]  # one paragraph of 58,890 bytes
    article = make_article(body=" ".join(words))
    url = f"{ARTICLES}{article.pk}/change/"
    changed = " ".join(words).replace(" w5000 ", " changed ")
    assert (
        editor_client.post(
            url, form_data(editor_client.get(url), "article_form") | {"body": changed}
        ).status_code
        == 302
    )

    response = editor_client.get(f"{ARTICLES}{article.pk}/history/")

    assert response.status_code == 200
    assertContains(response, "<del>w5000</del>", html=False)
    assertContains(response, "<ins>changed</ins>", html=False)
    assertNotContains(response, TOO_LONG_TO_COMPARE)


def test_a_50_kb_paragraph_rewritten_is_shown_whole_with_a_note():
    old = " ".join(f"old{n}" for n in range(10_000))
    new = " ".join(f"new{n}" for n in range(10_000))

    old_html, new_html = word_diff(old, new)

    note = f'<span class="diff-note quiet">{TOO_LONG_TO_COMPARE}</span> '
    assert old_html == f"{note}<del>{old}</del>"
    assert new_html == f"{note}<ins>{new}</ins>"


def test_within_the_bound_words_are_compared_as_before():
    old = " ".join(f"a{n}" for n in range(MAX_DIFF_WORDS // 2 - 1))
    new = old.replace("a7 ", "b7 ")

    old_html, new_html = word_diff(old, new)

    assert "<del>a7</del>" in old_html
    assert "<ins>b7</ins>" in new_html
    assert TOO_LONG_TO_COMPARE not in old_html


def test_thousands_of_paragraphs_rewritten_are_shown_whole_with_a_note():
    old = "\n\n".join(f"Old paragraph {n}." for n in range(5_000))
    new = "\n\n".join(f"New paragraph {n}." for n in range(5_000))

    old_html, new_html = text_diff(old, new)

    assert old_html.startswith(f'<p class="diff-note quiet">{TOO_LONG_TO_COMPARE}</p>')
    assert "<del>Old paragraph 4999.</del>" in old_html
    assert "<ins>New paragraph 0.</ins>" in new_html
