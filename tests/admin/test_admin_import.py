"""The admin's "Import article" page, end to end through the real admin URLs.

Upload or paste → preview (nothing written) → Save (the same ingest as `manage.py ingest`)
→ the article's change page with a message linking to the admin and to the site.
"""

from html import escape

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from articles.admin.importing import MAX_BYTES
from articles.models import Agency, Article, IngestRecord
from tests.helpers.importing import (
    IMPORT_URL,
    import_sample,
    row,
    sample_input,
    save,
    upload,
)
from tests.helpers.sample import HEADLINE, KOREAN_CAPTION, SAMPLE_SLUG

pytestmark = pytest.mark.django_db

CHANGELIST_URL = "/admin/articles/article/"
PUBLIC_URL = f"/articles/{SAMPLE_SLUG}/"
FILE_INPUT = '<input type="file" name="file" id="id_file" aria-describedby="id_file_helptext">'


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def form_errors(response):
    return response.context["form"].non_field_errors()


def counts():
    return Article.objects.count(), IngestRecord.objects.count(), Agency.objects.count()


# The page and its link


def test_change_list_links_to_the_import_page(editor_client):
    response = editor_client.get(CHANGELIST_URL)

    assertContains(response, f'<a href="{IMPORT_URL}">Import article</a>', html=True)
    assert reverse("admin:articles_article_import") == IMPORT_URL


def test_import_page_shows_the_upload_form(chief_editor_client):
    response = chief_editor_client.get(IMPORT_URL)

    assert response.status_code == 200
    assertContains(response, '<form method="post" enctype="multipart/form-data">')
    assertContains(response, FILE_INPUT, html=True)
    assertContains(response, '<label for="id_text">Or paste the text:</label>', html=True)
    assertContains(
        response,
        '<input type="checkbox" name="publish" id="id_publish"'
        ' aria-describedby="id_publish_helptext">',
        html=True,
    )
    assertContains(response, '<input type="submit" class="default" value="Preview">', html=True)


# Preview, then save


@pytest.mark.parametrize("how", ["file", "text"])
def test_preview_shows_what_was_recognised_and_writes_nothing(editor_client, sample_bytes, how):
    response = editor_client.post(IMPORT_URL, sample_input(how, sample_bytes))

    assert response.status_code == 200
    name = "kerry-lavrov.txt" if how == "file" else "pasted text"
    assertContains(response, f"<h2>What was recognised in {name}</h2>", html=True)
    assertContains(response, row("Headline", HEADLINE), html=True)
    assertContains(response, row("Language", "en"), html=True)
    assertContains(
        response,
        row("Caption", f'<span lang="ko">{KOREAN_CAPTION}</span> (language: ko)'),
        html=True,
    )
    assertContains(response, row("Paragraphs", "32"), html=True)
    assertContains(
        response,
        row("Subheadings", "2: Unlikely couple · Moving beyond the 'reset'"),
        html=True,
    )
    assertContains(response, row("Agency", "Reuters"), html=True)
    assertContains(response, row("Saving will", "create a new article"), html=True)
    assertContains(response, '<input type="submit" class="default" name="confirm" value="Save">')
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize("how", ["file", "text"])
def test_save_creates_the_article_and_keeps_the_raw_input(editor_client, editor, sample_bytes, how):
    response = import_sample(editor_client, sample_bytes, how=how)

    article = Article.objects.get()
    change_url = f"/admin/articles/article/{article.pk}/change/"
    assertRedirects(response, change_url, fetch_redirect_response=False)
    assert (article.headline, article.slug) == (HEADLINE, SAMPLE_SLUG)
    assert article.agency.name == "Reuters"
    assert article.status == Article.Status.DRAFT
    assert [(c.text, c.language) for c in article.captions.all()] == [(KOREAN_CAPTION, "ko")]
    record = IngestRecord.objects.get()
    assert record.channel == "admin"
    assert record.received_by == editor
    assert record.operator == "editor"
    assert record.outcome == IngestRecord.Outcome.CREATED
    assert record.article == article
    assert record.filename == ("kerry-lavrov.txt" if how == "file" else "pasted text")
    assert bytes(record.raw) == sample_bytes

    page = editor_client.get(change_url)
    preview_url = f"{PUBLIC_URL}preview/"
    assert messages_of(page) == [
        f'Created “{HEADLINE}”: <a href="{change_url}">edit it in the admin</a> or '
        f'<a href="{preview_url}">preview it</a>.'
    ]
    assertContains(page, f'<a href="{change_url}">edit it in the admin</a>', html=True)
    assertContains(page, f'<a href="{preview_url}">preview it</a>', html=True)


def test_reimport_of_the_same_file_changes_nothing(editor_client, sample_bytes):
    import_sample(editor_client, sample_bytes)
    article = Article.objects.get()

    preview = editor_client.post(IMPORT_URL, sample_input("file", sample_bytes))
    assertContains(
        preview,
        row(
            "Saving will",
            f"change nothing: the article “{HEADLINE}” already has this content",
        ),
        html=True,
    )
    response = save(editor_client, preview)

    change_url = f"/admin/articles/article/{article.pk}/change/"
    assertRedirects(response, change_url, fetch_redirect_response=False)
    assert messages_of(editor_client.get(change_url))[0].startswith(f"Unchanged “{HEADLINE}”: ")
    assert Article.objects.count() == 1
    assert list(IngestRecord.objects.order_by("id").values_list("outcome", flat=True)) == [
        "created",
        "unchanged",
    ]


def test_reimport_names_the_article_as_the_editor_left_it(editor_client, sample_bytes):
    import_sample(editor_client, sample_bytes)
    Article.objects.update(headline="Edited headline")
    changed = sample_bytes.replace(b"Just 10 days ago", b"Only 10 days ago")

    preview = editor_client.post(IMPORT_URL, {"file": upload("kerry-lavrov.txt", changed)})

    assertContains(preview, row("Saving will", "update the article “Edited headline”"), html=True)
    assert Article.objects.get().headline == "Edited headline"


def test_publish_ticked_publishes_the_article(chief_editor_client, client, sample_bytes):
    preview = chief_editor_client.post(
        IMPORT_URL, sample_input("file", sample_bytes) | {"publish": "on"}
    )
    assertContains(preview, row("Saving will", "create a new article and publish it"), html=True)

    save(chief_editor_client, preview)

    article = Article.objects.get()
    assert article.status == Article.Status.PUBLISHED
    assert article.is_published()
    response = client.get(PUBLIC_URL)
    assertContains(response, f"<h1>{HEADLINE}</h1>", html=True)


def test_without_publish_the_article_stays_a_draft(editor_client, client, sample_bytes):
    import_sample(editor_client, sample_bytes)

    assert Article.objects.get().status == Article.Status.DRAFT
    assert client.get(PUBLIC_URL).status_code == 404


def test_publishing_a_draft_on_reimport_is_an_update(chief_editor_client, client, sample_bytes):
    import_sample(chief_editor_client, sample_bytes)

    preview = chief_editor_client.post(
        IMPORT_URL, sample_input("file", sample_bytes) | {"publish": "on"}
    )
    assertContains(
        preview,
        row("Saving will", f"update the article “{HEADLINE}” and publish it"),
        html=True,
    )
    save(chief_editor_client, preview)

    assert Article.objects.get().status == Article.Status.PUBLISHED
    assert client.get(PUBLIC_URL).status_code == 200


# Bad input

NOT_UTF8 = "Café headline\n\nA body paragraph.\n".encode("latin-1")
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"
FURNITURE_ONLY = b"Accessibility links\n\nBreaking News\n\nXS\nSM\nMD\nLG\n"
JSON = b'{"headline": "Kerry-Lavrov Rapport", "body": "A paragraph."}\n'


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        pytest.param({}, "Upload a file or paste the article's text.", id="nothing"),
        pytest.param(
            {"file": upload("kerry-lavrov.txt", b"Headline\n\nBody.\n"), "text": "Headline"},
            "kerry-lavrov.txt: upload a file or paste text, not both.",
            id="file-and-text",
        ),
        pytest.param({"file": upload("empty.txt", b"")}, "empty.txt: empty file", id="empty"),
        pytest.param(
            {"file": upload("blank.txt", b"  \n\n\t\n")}, "blank.txt: empty file", id="blank"
        ),
        pytest.param({"text": "   \n\n"}, "pasted text: empty file", id="blank-text"),
        pytest.param(
            {"file": upload("latin1.txt", NOT_UTF8)},
            "latin1.txt: not UTF-8: invalid byte 0xe9 at position 3",
            id="not-utf8",
        ),
        pytest.param(
            {"file": upload("photo.png", PNG, "image/png")},
            "photo.png: binary file, not text",
            id="binary",
        ),
        pytest.param(
            {"file": upload("furniture.txt", FURNITURE_ONLY)},
            "furniture.txt: no headline: only page furniture",
            id="no-headline",
        ),
        pytest.param(
            {"file": upload("punctuation.txt", b"!!! ???\n\nA body paragraph.\n")},
            "punctuation.txt: does not look like an article: the headline has no letters or digits",
            id="headline-without-letters",
        ),
        pytest.param(
            {"file": upload("article.json", JSON, "application/json")},
            "article.json: not ninjs: a JSON object without the required 'uri'",
            id="json",
        ),
        pytest.param(
            {"file": upload("big.txt", b"Headline\n\n" + b"x" * MAX_BYTES)},
            "big.txt: the file is larger than 1 MB.",
            id="file-over-1mb",
        ),
        pytest.param(
            {"text": "Headline\n\n" + "x" * MAX_BYTES},
            "pasted text: the text is larger than 1 MB.",
            id="text-over-1mb",
        ),
    ],
)
def test_bad_input_reshows_the_form_with_the_reason(editor_client, fields, error):
    response = editor_client.post(IMPORT_URL, fields)

    assert response.status_code == 200
    assert form_errors(response) == [error]
    assertContains(response, f'<div class="errornote">{escape(error)}</div>', html=True)
    assertContains(response, FILE_INPUT, html=True)
    assertNotContains(response, "What was recognised")
    assert counts() == (0, 0, 0)


def test_a_file_of_exactly_1_mb_is_accepted(editor_client, sample_bytes):
    exactly = sample_bytes + b"\n" * (MAX_BYTES - len(sample_bytes))

    response = editor_client.post(IMPORT_URL, {"file": upload("kerry-lavrov.txt", exactly)})

    assertContains(response, row("Headline", HEADLINE), html=True)


def test_a_value_the_database_cannot_hold_is_an_error_not_a_crash(editor_client):
    # Two different lines in another script after the headline: alt text, then caption.
    capture = "A headline\n\n" + "코바니 " * 200 + "\n" + "코바니 접경\n" + "A body paragraph.\n"

    response = editor_client.post(IMPORT_URL, {"file": upload("long-alt.txt", capture.encode())})

    assert response.status_code == 200
    [error] = form_errors(response)
    assert error.startswith("long-alt.txt: cannot be saved: alt_text: Ensure this value has at")
    assert counts() == (0, 0, 0)


def test_a_tampered_confirm_is_refused_and_writes_nothing(editor_client):
    response = editor_client.post(
        IMPORT_URL,
        {"confirm": "Save", "data": "not base64!", "filename": "x.txt", "publish": "False"},
    )

    assertRedirects(response, IMPORT_URL, fetch_redirect_response=False)
    assert messages_of(editor_client.get(IMPORT_URL)) == ["The import was damaged; start again."]
    assert counts() == (0, 0, 0)


def test_a_confirm_carrying_bad_content_is_refused_and_kept_as_failed(editor_client):
    response = editor_client.post(
        IMPORT_URL,
        {"confirm": "Save", "data": "eyJhIjogMX0=", "filename": "x.json", "publish": "False"},
    )

    assertRedirects(response, IMPORT_URL, fetch_redirect_response=False)
    assert messages_of(editor_client.get(IMPORT_URL)) == [
        "x.json: not ninjs: a JSON object without the required 'uri'"
    ]
    assert Article.objects.count() == 0
    record = IngestRecord.objects.get()
    assert (record.outcome, bytes(record.raw)) == ("failed", b'{"a": 1}')


# Permissions


@pytest.fixture
def reader_client(client, django_user_model):
    """A staff user who may view and add articles but not import them."""
    user = django_user_model.objects.create_user("staffer", password="pass", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_article", "add_article", "change_article"])
    )
    client.force_login(user)
    return client


def test_staff_without_the_import_permission_is_refused(reader_client, sample_bytes):
    changelist = reader_client.get(CHANGELIST_URL)
    assert changelist.status_code == 200
    assertNotContains(changelist, "Import article")
    assertNotContains(changelist, IMPORT_URL)

    assert reader_client.get(IMPORT_URL).status_code == 403
    response = reader_client.post(IMPORT_URL, sample_input("file", sample_bytes))
    assert response.status_code == 403
    assert counts() == (0, 0, 0)


def test_anonymous_user_is_sent_to_the_admin_login(client, sample_bytes):
    assertRedirects(
        client.get(IMPORT_URL), f"/admin/login/?next={IMPORT_URL}", fetch_redirect_response=False
    )
    response = client.post(IMPORT_URL, sample_input("file", sample_bytes))
    assertRedirects(response, f"/admin/login/?next={IMPORT_URL}", fetch_redirect_response=False)
    assert counts() == (0, 0, 0)
