"""Article admin: the editors' comforts: body editor with live preview, word count and reading
time, caption thumbnails, and warnings about unhelpful alt text."""

import html
import math
import re

from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminTextareaWidget
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import HttpResponse, HttpResponseNotAllowed
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.html import format_html

from articles.alt_text import ALT_TEXT_HELP, alt_text_warnings
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


class EditingAdminMixin:
    """For ArticleAdmin: the body editor, its preview endpoint, and warnings after saving
    about captions' alt text."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "body":
            kwargs["widget"] = BodyEditorWidget(
                preview_url=reverse(
                    f"admin:{self.opts.app_label}_{self.opts.model_name}_preview_body",
                    current_app=self.admin_site.name,
                ),
                language=db_field.model._meta.get_field("language").get_default(),
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # The form class is new on every call (and its fields with it): the page's preview
        # is rendered in the article's language.
        body = form.base_fields.get("body")
        if obj is not None and body is not None and isinstance(body.widget, BodyEditorWidget):
            body.widget.language = obj.language
        return form

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_preview_body"
        return [
            path(
                "preview-body/",
                self.admin_site.admin_view(self.preview_body_view),
                name=name,
            ),
            *super().get_urls(),
        ]

    def preview_body_view(self, request):
        """POST body (Markdown) and language (BCP 47): the body's HTML exactly as readers get
        it. For staff who may add or change articles; CSRF-protected like every admin view."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
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

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        self.warn_about_alt_text(request, obj)
        return response

    def response_change(self, request, obj):
        response = super().response_change(request, obj)
        self.warn_about_alt_text(request, obj)
        return response

    def warn_about_alt_text(self, request, article):
        """After a save (which succeeded: these are warnings): one message per caption whose
        alt text is unhelpful, numbered in the captions' order on the form and the page."""
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


class CaptionEditingMixin:
    """For the caption inline: a thumbnail of the current photo (add "thumbnail" to its
    fields) and fuller help for the alt text."""

    readonly_fields = ["thumbnail"]

    class Media:
        css = {"all": ["admin/newsroom/captions.css"]}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "alt_text":
            kwargs["help_text"] = ALT_TEXT_HELP
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="current photo")
    def thumbnail(self, caption):
        return caption_thumbnail(caption)
