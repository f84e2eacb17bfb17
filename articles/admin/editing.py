"""Article admin: the editors' comforts: body editor with live preview, word count and reading
time, caption thumbnails, and warnings about unhelpful alt text."""

import html
import math
import re

from django.contrib import messages
from django.contrib.admin.widgets import AdminTextareaWidget
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import HttpResponse, HttpResponseNotAllowed
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html

from articles.alt_text import alt_text_warnings
from articles.markup import render_body
from articles.models import MAX_BODY_BYTES

# --- Word count and reading time ----------------------------------------------------------
# body-editor.js counts the same way from the preview's text: keep the two in step.

WORDS_PER_MINUTE = 230
# Han characters and kana: text in Chinese and Japanese has no spaces between words; each
# character counts as a word (about the reading speed of such text in characters a minute).
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# JavaScript's \s, spelled out so that both sides split on exactly the same characters.
_SPACES = re.compile("[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+")
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
# render_body escapes every "<" of the text (raw HTML is off), so this finds only its tags.
_TAG = re.compile(r"<[^>]*>")


def count_words(text: str) -> int:
    """Words of plain text: runs between spaces that hold a letter or a digit (so "—" and a
    lone "*" are not words), plus one per Han or kana character."""
    cjk = len(_CJK.findall(text))
    tokens = _SPACES.split(_CJK.sub(" ", text))
    return cjk + sum(1 for token in tokens if _LETTER_OR_DIGIT.search(token))


def reading_stats(body_html: str) -> tuple[int, int]:
    """(words, minutes to read) of rendered body HTML: the words readers see, not the
    Markdown syntax; minutes rounded up, so any text takes at least a minute."""
    words = count_words(html.unescape(_TAG.sub("", body_html)))
    return words, math.ceil(words / WORDS_PER_MINUTE)


def describe_reading(words: int, minutes: int) -> str:
    """ "612 words · 3 min read"."""
    return f"{words:,} {'word' if words == 1 else 'words'} · {minutes} min read"


# --- The body editor ----------------------------------------------------------------------

# The largest body the preview renders, in bytes of UTF-8: the longest an article may have.
MAX_PREVIEW_BYTES = MAX_BODY_BYTES
TOO_LONG = "The body is too long to preview: the limit is 250 KB."


class BodyEditorWidget(AdminTextareaWidget):
    """The admin's textarea with, under it, the word count and reading time and a preview of
    the body as readers will see it, both rendered on the server for the page as sent and
    kept up to date by body-editor.js as the editor types."""

    editor_template_name = "admin/newsroom/widgets/body_editor.html"

    class Media:
        css = {"all": ["admin/newsroom/body-editor.css"]}
        js = ["admin/newsroom/body-editor.js"]

    def __init__(self, attrs=None, *, preview_url, language="en", language_input="id_language"):
        super().__init__(attrs={"rows": 20, **(attrs or {})})
        self.preview_url = preview_url
        self.language = language
        self.language_input = language_input

    def render(self, name, value, attrs=None, renderer=None):
        # The textarea as Django renders it; the rest from the project's templates (the form
        # renderer only sees Django's own widget templates).
        textarea = super().render(name, value, attrs, renderer)
        field_id = (attrs or {}).get("id") or self.attrs.get("id") or f"id_{name}"
        source = self.format_value(value) or ""
        if len(source.encode("utf-8", "surrogatepass")) > MAX_PREVIEW_BYTES:
            # An article stored before the limit: the form opens at once, and says why it
            # shows no preview (saving it asks for a shorter body: Article.clean).
            preview = format_html("<p>{}</p>", TOO_LONG)
        else:
            preview = render_body(source, language=self.language)
        return render_to_string(
            self.editor_template_name,
            {
                "textarea": textarea,
                "id": field_id,
                "preview": preview,
                "stats": describe_reading(*reading_stats(preview)),
                "preview_url": self.preview_url,
                "language": self.language,
                "language_input": self.language_input,
                "max_bytes": MAX_PREVIEW_BYTES,
                "too_long": TOO_LONG,
            },
        )


def body_editor(model_admin, db_field):
    """The body's widget: the editor with its live preview (preview_body_view's URL), in the
    default language until the article's own is known (with_preview_language)."""
    return BodyEditorWidget(
        preview_url=reverse(
            f"admin:{model_admin.opts.app_label}_{model_admin.opts.model_name}_preview_body",
            current_app=model_admin.admin_site.name,
        ),
        language=db_field.model._meta.get_field("language").get_default(),
    )


def with_preview_language(form, article):
    """The change form's preview renders in the article's language. The form class is new on
    every call of get_form (and its fields with it), so this changes only this page's."""
    body = form.base_fields.get("body")
    if article is not None and body is not None and isinstance(body.widget, BodyEditorWidget):
        body.widget.language = article.language
    return form


def preview_body_view(model_admin, request):
    """POST body (Markdown) and language (BCP 47): the body's HTML exactly as readers get it.
    For staff who may add or change articles; CSRF-protected like every admin view."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)):
        raise PermissionDenied
    too_long = HttpResponse(TOO_LONG, status=413, content_type="text/plain; charset=utf-8")
    try:
        source = request.POST.get("body", "")
    except RequestDataTooBig:
        return too_long
    if len(source.encode()) > MAX_PREVIEW_BYTES:
        return too_long
    language = request.POST.get("language", "").strip()[:35] or "en"
    return HttpResponse(
        render_body(source, language=language), content_type="text/html; charset=utf-8"
    )


def warn_about_alt_text(request, article):
    """After a save (which succeeded: these are warnings): one message per caption whose alt
    text is unhelpful, numbered in the captions' order on the form and the page."""
    for number, caption in enumerate(article.captions.all(), start=1):
        for warning in alt_text_warnings(caption):
            messages.warning(request, f"Caption {number}: {warning}")


# --- Captions -----------------------------------------------------------------------------

THUMBNAIL_SIZE = 160  # CSS pixels, the longer side


def caption_thumbnail(caption):
    """The caption's photo, small, with the alt text readers get; or a plain note."""
    if not caption.image:
        return "No photo yet."
    size = caption.image_size()
    if size is None or not all(size):
        return format_html(
            '<img src="{}" alt="{}" class="caption-thumbnail">',
            caption.image.url,
            caption.image_alt(),
        )
    width, height = size
    scale = min(1, THUMBNAIL_SIZE / width, THUMBNAIL_SIZE / height)
    return format_html(
        '<img src="{}" alt="{}" width="{}" height="{}" class="caption-thumbnail">',
        caption.image.url,
        caption.image_alt(),
        max(1, round(width * scale)),
        max(1, round(height * scale)),
    )
