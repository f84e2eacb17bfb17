"""The article form's comforts for editors: the body editor (live preview, word count and
reading time), its preview endpoint, caption thumbnails, and warnings about alt text."""

import io
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import WARNING, get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from articles.admin.editing import (
    MAX_PREVIEW_BYTES,
    BodyEditorWidget,
    count_words,
    describe_reading,
    reading_stats,
)
from articles.markup import render_body
from articles.models import Caption
from tests.helpers.admin import ARTICLES, change_url, form_data, post_form

pytestmark = pytest.mark.django_db

PREVIEW = "/admin/articles/article/preview-body/"

# 2 words in the heading ("#", "*" are syntax) and 610 in the paragraph: 612 words, and
# 612 / 230 = 2.7 minutes, rounded up.
KNOWN_BODY = "## A *subheading*\n\n" + " ".join(["word"] * 605) + " **five more bold words here**\n"


def warnings(response):
    return [m.message for m in get_messages(response.wsgi_request) if m.level == WARNING]


# --- Counting -----------------------------------------------------------------------------


def test_the_url_name_of_the_preview():
    assert reverse("admin:articles_article_preview_body") == PREVIEW


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", 0),
        ("One", 1),
        ("Two words", 2),
        ("  spaced\n\tout\u00a0words  ", 3),
        ("A dash — is no word, nor * or #", 7),
        ("don't re-enter 1851 U.S.", 4),
        ("北京出版社的展台。", 8),  # Han characters count one each, not the full stop
        ("서울 국제 도서전", 3),  # Korean has spaces between words
        ("Мы продолжим переговоры", 3),
    ],
)
def test_count_words(text, words):
    assert count_words(text) == words


def test_reading_stats_count_the_rendered_text_not_the_markdown():
    assert reading_stats(render_body(KNOWN_BODY)) == (612, 3)
    # "&" is no word; HTML is shown as typed: "<b>bold</b>" is one.
    assert reading_stats(render_body("Tom &amp; *Jerry* <b>bold</b> `x`")) == (4, 1)
    assert reading_stats(render_body("")) == (0, 0)
    assert reading_stats(render_body(" ".join(["w"] * 230))) == (230, 1)
    assert reading_stats(render_body(" ".join(["w"] * 231))) == (231, 2)


def test_describe_reading():
    assert describe_reading(612, 3) == "612 words · 3 min read"
    assert describe_reading(1, 1) == "1 word · 1 min read"
    assert describe_reading(0, 0) == "0 words · 0 min read"
    assert describe_reading(12345, 54) == "12,345 words · 54 min read"


# --- The form -----------------------------------------------------------------------------


class _Elements(HTMLParser):
    """Every start tag with its attributes, and whether an inline script or style occurs."""

    def __init__(self):
        super().__init__()
        self.tags, self.inline_script, self.style_attribute = [], False, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "script" and "src" not in attrs:
            self.inline_script = True
        if "style" in attrs or tag == "style":
            self.style_attribute = True


def test_the_change_form_has_the_body_editor_with_the_count_and_preview(
    editor_client, make_article
):
    article = make_article(body=KNOWN_BODY)

    response = editor_client.get(change_url(article))

    assertContains(response, 'class="body-editor"', count=1)
    assertContains(response, 'data-preview-url="/admin/articles/article/preview-body/"')
    assertContains(response, '<textarea name="body" cols="40" rows="20"')
    assertContains(
        response,
        '<p class="body-editor-stats" id="id_body_stats">612 words · 3 min read</p>',
        html=True,
    )
    assertContains(
        response,
        '<div class="body-editor-preview" id="id_body_preview" role="region" '
        'aria-labelledby="id_body_preview_label" aria-live="polite" tabindex="0" lang="en" '
        'data-empty-text="Nothing to preview yet: type in the body field.">'
        f"{render_body(KNOWN_BODY, language='en')}</div>",
        html=True,
    )
    assertContains(
        response,
        '<p class="body-editor-preview-label" id="id_body_preview_label">'
        "Preview, as readers will see it</p>",
        html=True,
    )
    assertContains(response, '<script src="/static/admin/newsroom/body-editor.js"></script>')
    assertContains(response, 'href="/static/admin/newsroom/body-editor.css"')
    # The form still submits the body unchanged.
    assert form_data(response, "article_form")["body"] == KNOWN_BODY


def test_the_preview_is_in_the_articles_language(editor_client, make_article):
    article = make_article(language="ko", body="서울에서 «Мы продолжим» 발표했다.")

    response = editor_client.get(change_url(article))

    assertContains(response, 'lang="ko" data-empty-text=')
    assertContains(response, '<span lang="ru">Мы продолжим</span>')
    assertContains(response, "4 words · 1 min read")


def test_the_add_form_has_an_empty_preview(editor_client):
    response = editor_client.get(f"{ARTICLES}add/")

    assertContains(
        response, '<p class="body-editor-stats" id="id_body_stats">0 words · 0 min read</p>'
    )
    assertContains(
        response, 'data-empty-text="Nothing to preview yet: type in the body field."></div>'
    )


def test_the_widget_has_no_inline_script_or_style():
    widget = BodyEditorWidget(preview_url=PREVIEW, language="en")

    html = widget.render("body", "## Sub\n\nPara *one*", {"id": "id_body"})

    parser = _Elements()
    parser.feed(html)
    assert not parser.inline_script
    assert not parser.style_attribute
    assert [tag for tag, _ in parser.tags] == [
        "div", "textarea", "p", "div", "p", "div", "h2", "p", "em", "p",
    ]  # fmt: skip


def test_a_form_with_errors_keeps_the_typed_body_in_the_preview(editor_client, make_article):
    article = make_article()

    response = post_form(
        editor_client, change_url(article), "article_form", headline="", body="Typed *anew*."
    )

    assert response.status_code == 200
    assertContains(response, "This field is required.")
    assertContains(response, "<p>Typed <em>anew</em>.</p>", html=True)
    assertContains(response, "2 words · 1 min read")


# --- The preview endpoint -----------------------------------------------------------------


def test_the_preview_is_exactly_what_readers_get(editor_client):
    body = "## Sub\n\nPara *one*, [a link](https://example.org/) and «Мы продолжим».\n\n- a\n- b\n"

    response = editor_client.post(PREVIEW, {"body": body, "language": "en"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response.content.decode() == render_body(body, language="en")
    assert '<span lang="ru">Мы продолжим</span>' in response.content.decode()
    assert "no-cache" in response["Cache-Control"]


def test_the_preview_uses_the_language_sent(editor_client):
    body = "«Мы продолжим»"

    russian = editor_client.post(PREVIEW, {"body": body, "language": "ru"})
    english = editor_client.post(PREVIEW, {"body": body})

    assert russian.content.decode() == "<p>«Мы продолжим»</p>\n" == render_body(body, "ru")
    assert english.content.decode() == render_body(body, language="en")
    assert '<span lang="ru">' in english.content.decode()


def test_the_preview_escapes_html(editor_client):
    body = (
        '<script>alert("x")</script>\n\nA <img src=x onerror=alert(1)> and [x](javascript:alert(1))'
    )

    response = editor_client.post(PREVIEW, {"body": body, "language": "en"})

    html = response.content.decode()
    assert html == render_body(body, language="en")
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;" in html
    assert "javascript:" not in html.replace("[x](javascript:alert(1))", "")


def test_the_preview_of_an_empty_body(editor_client):
    response = editor_client.post(PREVIEW, {"body": "", "language": "en"})

    assert (response.status_code, response.content) == (200, b"")


def test_the_preview_refuses_get(editor_client):
    response = editor_client.get(PREVIEW, {"body": "Hello"})

    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_the_preview_sends_anonymous_visitors_to_the_login(client):
    response = client.post(PREVIEW, {"body": "Hello", "language": "en"})

    assertRedirects(response, f"/admin/login/?next={PREVIEW}", fetch_redirect_response=False)


def test_the_preview_refuses_staff_without_permission(client, django_user_model):
    user = django_user_model.objects.create_user("reader", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_article"))
    client.force_login(user)

    response = client.post(PREVIEW, {"body": "Hello", "language": "en"})

    assert response.status_code == 403


@pytest.mark.parametrize("codename", ["add_article", "change_article"])
def test_the_preview_is_for_staff_who_may_add_or_change(client, django_user_model, codename):
    user = django_user_model.objects.create_user("writer", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename=codename))
    client.force_login(user)

    response = client.post(PREVIEW, {"body": "Hello", "language": "en"})

    assert (response.status_code, response.content) == (200, b"<p>Hello</p>\n")


def test_the_preview_is_refused_to_non_staff(client, django_user_model):
    user = django_user_model.objects.create_user("someone", password="x")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="articles"))
    client.force_login(user)

    response = client.post(PREVIEW, {"body": "Hello", "language": "en"})

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_preview_is_csrf_protected(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)

    assert client.post(PREVIEW, {"body": "Hello"}).status_code == 403

    page = client.get(f"{ARTICLES}add/")
    token = form_data(page, "article_form")["csrfmiddlewaretoken"]
    with_field = client.post(PREVIEW, {"body": "Hello", "csrfmiddlewaretoken": token})
    with_header = client.post(PREVIEW, {"body": "Hello"}, headers={"X-CSRFToken": token})
    assert with_field.status_code == with_header.status_code == 200


def test_the_preview_refuses_more_than_the_longest_body(editor_client):
    at_limit = "a" * MAX_PREVIEW_BYTES
    over = "a" * (MAX_PREVIEW_BYTES - 1) + "é"  # one character, two bytes

    assert editor_client.post(PREVIEW, {"body": at_limit}).status_code == 200
    response = editor_client.post(PREVIEW, {"body": over})

    assert response.status_code == 413
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == "The body is too long to preview: the limit is 250 KB."


# --- Warnings about alt text --------------------------------------------------------------

GOOD_ALT = "A man in an orange helmet carries a woman past a collapsed building."


def saved_with_warnings(editor_client, article, **changes):
    response = post_form(editor_client, change_url(article), "article_form", **changes)
    assertRedirects(response, ARTICLES, fetch_redirect_response=False)
    return warnings(response)


def test_each_unhelpful_alt_text_is_warned_about_by_caption(editor_client, make_article):
    article = make_article(
        captions=[
            {"text": "Rescuers in Antakya.", "alt_text": "16x9 Image", "is_lead": True},
            {"text": "The collapsed school.", "alt_text": GOOD_ALT},
            {"text": "A crane at work.", "alt_text": "", "image": "captions/2024/05/crane.jpg"},
            {"text": "Volunteers hand out bread.", "alt_text": "volunteers hand out  bread."},
            {"text": "The old town.", "alt_text": "IMG_0042.jpg"},
        ]
    )

    assert saved_with_warnings(editor_client, article, headline="Changed") == [
        "Caption 1: the alt text “16x9 Image” is a placeholder; describe what the photo shows, "
        "or leave it empty if the caption says it all.",
        "Caption 3: the photo has no alt text; describe what it shows, unless the caption "
        "already says it all.",
        "Caption 4: the alt text repeats the caption, so readers get no description of the "
        "photo; describe what the photo shows, or leave it empty if the caption says it all.",
        "Caption 5: the alt text “IMG_0042.jpg” is a placeholder; describe what the photo "
        "shows, or leave it empty if the caption says it all.",
    ]
    article.refresh_from_db()
    assert article.headline == "Changed"  # saved all the same


def test_the_warnings_follow_the_alt_text_just_typed(editor_client, make_article):
    article = make_article(captions=[{"text": "Rescuers in Antakya.", "alt_text": GOOD_ALT}])

    assert saved_with_warnings(editor_client, article, **{"captions-0-alt_text": "image"}) == [
        "Caption 1: the alt text “image” is a placeholder; describe what the photo shows, "
        "or leave it empty if the caption says it all."
    ]
    assert Caption.objects.get().alt_text == "image"
    assert saved_with_warnings(editor_client, article, **{"captions-0-alt_text": GOOD_ALT}) == []


def test_a_good_alt_text_gets_no_warning_only_the_success_message(editor_client, make_article):
    article = make_article(
        captions=[
            {"text": "Rescuers in Antakya.", "alt_text": GOOD_ALT, "image": "captions/a.jpg"},
            {"text": "A caption without a photo.", "alt_text": ""},
        ]
    )

    response = post_form(editor_client, change_url(article), "article_form")

    messages = [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]
    assert [tag for tag, _ in messages] == ["success"]


def test_warnings_after_adding_an_article_and_the_warning_is_shown(editor_client):
    page = editor_client.get(f"{ARTICLES}add/")
    data = form_data(page, "article_form") | {
        "headline": "Added",
        "slug": "added",
        "body": "Text.",
        "status": "draft",
        "captions-TOTAL_FORMS": "1",
        "captions-0-text": "Rescuers in Antakya.",
        "captions-0-alt_text": "Photo 1",
        "captions-0-position": "0",
        "_continue": "Save and continue editing",
    }

    response = editor_client.post(f"{ARTICLES}add/", data, follow=True)

    assert response.redirect_chain[-1][1] == 302
    assertContains(
        response,
        '<li class="warning">Caption 1: the alt text “Photo 1” is a placeholder; describe what '
        "the photo shows, or leave it empty if the caption says it all.</li>",
        html=True,
    )


def test_a_warning_escapes_the_alt_text(editor_client, make_article):
    article = make_article(captions=[{"text": "Rescuers.", "alt_text": "<b>x</b>.png"}])

    post_form(editor_client, change_url(article), "article_form")
    response = editor_client.get(ARTICLES)

    assertContains(response, "the alt text “&lt;b&gt;x&lt;/b&gt;.png” is a placeholder")
    assertNotContains(response, "<b>x</b>")


# --- Caption inline: thumbnail and help ---------------------------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def png(width, height, colour="teal"):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_caption_with_a_photo_shows_its_thumbnail(editor_client, make_article, media_root):
    article = make_article()
    caption = Caption(article=article, text="Rescuers in Antakya.", alt_text=GOOD_ALT)
    caption.image.save("rescue.png", SimpleUploadedFile("rescue.png", png(640, 360)), save=True)

    response = editor_client.get(change_url(article))

    assertContains(
        response,
        f'<img src="{caption.image.url}" alt="{GOOD_ALT}" width="160" height="90" '
        'class="caption-thumbnail">',
        html=True,
    )
    assertContains(response, 'href="/static/admin/newsroom/captions.css"')


def test_the_thumbnail_has_the_alt_text_readers_get(editor_client, make_article, media_root):
    article = make_article()
    caption = Caption(article=article, text="Rescuers in Antakya.", alt_text="16x9 Image")
    caption.image.save("tall.png", SimpleUploadedFile("tall.png", png(60, 300)), save=True)

    response = editor_client.get(change_url(article))

    assertContains(
        response,
        f'<img src="{caption.image.url}" alt="" width="32" height="160" class="caption-thumbnail">',
        html=True,
    )


def test_a_photo_uploaded_in_the_form_gets_a_thumbnail(editor_client, make_article, media_root):
    article = make_article(captions=[{"text": "Rescuers in Antakya.", "alt_text": GOOD_ALT}])
    assertContains(editor_client.get(change_url(article)), "No photo yet.")

    response = post_form(
        editor_client,
        change_url(article),
        "article_form",
        **{"captions-0-image": SimpleUploadedFile("small.png", png(80, 40), "image/png")},
    )

    assertRedirects(response, ARTICLES, fetch_redirect_response=False)
    caption = Caption.objects.get()
    assert caption.image.name.startswith("captions/") and caption.image_size() == (80, 40)
    assert (media_root / caption.image.name).is_file()
    assertContains(
        editor_client.get(change_url(article)),
        f'<img src="{caption.image.url}" alt="{GOOD_ALT}" width="80" height="40" '
        'class="caption-thumbnail">',
        html=True,
    )


def test_a_missing_photo_file_still_shows_the_form(editor_client, make_article, media_root):
    article = make_article(
        captions=[{"text": "Rescuers.", "alt_text": GOOD_ALT, "image": "captions/gone.png"}]
    )

    response = editor_client.get(change_url(article))

    assertContains(
        response,
        f'<img src="/media/captions/gone.png" alt="{GOOD_ALT}" class="caption-thumbnail">',
        html=True,
    )


def test_the_alt_text_help_explains_what_to_write(editor_client, make_article):
    article = make_article(captions=[{"text": "Rescuers in Antakya."}])

    response = editor_client.get(change_url(article))

    assertContains(
        response,
        "What the photo shows, for people who cannot see it: who or what, doing what, where. "
        "Leave it empty only if the caption already says it all.",
    )
