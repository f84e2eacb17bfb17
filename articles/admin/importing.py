"""The admin's "Import article" page: upload a file or paste text, check what was recognised,
then save. It runs the same ingest code as `manage.py ingest`, for every format it reads (a
page capture, IPTC ninjs, IPTC NewsML-G2, a saved web page): detected, or chosen."""

import base64
import binascii

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.views import View

from articles.ingest.agency_status import cancels
from articles.ingest.formats import FORMATS, LABELS
from articles.ingest.writer import ingest
from articles.models import Article, IngestRecord
from articles.publishing import PUBLISH_PERMISSION

MAX_BYTES = 1024 * 1024
IMPORT_PERMISSIONS = ["articles.import_article", "articles.add_article", "articles.change_article"]
# The "publish" option: without this permission it is neither shown nor obeyed.
HELD_OR_SKIPPED = (IngestRecord.Outcome.HELD, IngestRecord.Outcome.SKIPPED)


FORMAT_CHOICES = [("auto", "detect"), *((name, LABELS[name]) for name in FORMATS)]


class ImportForm(forms.Form):
    # Empty files pass the field so the ingest code names the file and the reason.
    file = forms.FileField(
        required=False,
        allow_empty_file=True,
        help_text=(
            "A page capture (.txt), IPTC ninjs (.json), IPTC NewsML-G2 (.xml) or a saved web "
            "page (.html), up to 1 MB."
        ),
    )
    # Not stripped: the text is kept exactly as pasted, like a file's bytes.
    text = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 16, "cols": 100}),
        label="Or paste the text",
    )
    format = forms.ChoiceField(
        choices=FORMAT_CHOICES,
        initial="auto",
        required=False,
        help_text="Leave on “detect” unless the file is read as the wrong format.",
    )
    publish = forms.BooleanField(required=False, help_text="Publish at once (default: draft).")

    def __init__(self, *args, can_publish=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_publish:
            del self.fields["publish"]

    def clean(self):
        cleaned = super().clean()
        upload, text = cleaned.get("file"), cleaned.get("text")
        if upload and text:
            raise forms.ValidationError(
                f"{upload.name}: upload a file or paste text, not both.", code="both"
            )
        if upload:
            if upload.size > MAX_BYTES:
                raise forms.ValidationError(
                    f"{upload.name}: the file is larger than 1 MB.", code="too_large"
                )
            cleaned["data"], cleaned["filename"] = upload.read(), upload.name
        elif text:
            data = text.encode("utf-8")
            if len(data) > MAX_BYTES:
                raise forms.ValidationError(
                    "pasted text: the text is larger than 1 MB.", code="too_large"
                )
            cleaned["data"], cleaned["filename"] = data, "pasted text"
        else:
            raise forms.ValidationError(
                "Upload a file or paste the article's text.", code="required"
            )
        return cleaned


class ConfirmForm(forms.Form):
    """The previewed input, carried unchanged (as base64) to the save step."""

    data = forms.CharField(widget=forms.HiddenInput, strip=False)
    filename = forms.CharField(widget=forms.HiddenInput)
    format = forms.ChoiceField(choices=FORMAT_CHOICES, required=False, widget=forms.HiddenInput)
    publish = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_data(self):
        try:
            data = base64.b64decode(self.cleaned_data["data"], validate=True)
        except binascii.Error as error:
            raise forms.ValidationError("The import was damaged; start again.") from error
        if len(data) > MAX_BYTES:
            raise forms.ValidationError("The import was damaged; start again.")
        return data


class ImportArticleView(View):
    model_admin = None
    template_name = "admin/articles/article/import.html"

    def dispatch(self, request, *args, **kwargs):
        # An import may update an existing article, so it needs the change permission too.
        if not request.user.has_perms(IMPORT_PERMISSIONS):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def can_publish(self, request):
        return request.user.has_perm(PUBLISH_PERMISSION)

    def get(self, request):
        return self.render(request, form=ImportForm(can_publish=self.can_publish(request)))

    def post(self, request):
        if "confirm" in request.POST:
            return self.save(request)
        form = ImportForm(request.POST, request.FILES, can_publish=self.can_publish(request))
        if not form.is_valid():
            return self.render(request, form=form)
        data, filename = form.cleaned_data["data"], form.cleaned_data["filename"]
        publish = form.cleaned_data.get("publish", False)
        fmt = form.cleaned_data.get("format") or "auto"
        # As this user's import would go (held, for one who may not withdraw or publish).
        result = ingest(
            data,
            filename=filename,
            channel="admin",
            user=request.user,
            publish=publish,
            dry_run=True,
            fmt=fmt,
        )
        if result.failed:
            form.add_error(None, f"{filename}: {result.error}")
            return self.render(request, form=form)
        confirm = ConfirmForm(
            initial={
                "data": base64.b64encode(data).decode(),
                "filename": filename,
                "format": fmt,
                "publish": publish,
            }
        )
        # The dry run's article shows the state after the import: read the one saving would
        # touch as it is now, for its current headline and status.
        current = None
        if result.outcome != IngestRecord.Outcome.CREATED and result.article is not None:
            current = Article.objects.get(pk=result.article.pk)
        return self.render(
            request,
            result=result,
            current=current,
            confirm=confirm,
            filename=filename,
            format_label=LABELS.get(result.format, result.format),
            format_detected=fmt == "auto",
            held_cancellation=result.outcome == IngestRecord.Outcome.HELD
            and cancels(result.record),
            # The dry run's article is as the import leaves it: published by it, or not (a
            # story the agency withholds or canceled is not, whatever was asked).
            will_publish=publish
            and result.article is not None
            and result.article.status == Article.Status.PUBLISHED
            and not (current and current.status == Article.Status.PUBLISHED),
        )

    def save(self, request):
        confirm = ConfirmForm(request.POST)
        if not confirm.is_valid():
            messages.error(request, "The import was damaged; start again.")
            return redirect("admin:articles_article_import")
        cleaned = confirm.cleaned_data
        result = ingest(
            cleaned["data"],
            filename=cleaned["filename"],
            channel="admin",
            user=request.user,
            fmt=cleaned.get("format") or "auto",
            # A forged "publish" from someone who may not publish is ignored.
            publish=cleaned["publish"] and self.can_publish(request),
        )
        if result.failed:
            messages.error(request, f"{cleaned['filename']}: {result.error}")
            return redirect("admin:articles_article_import")
        article = result.article
        if article is None:
            # Nothing to save (a cancellation of a story never imported): say so.
            messages.info(request, f"{cleaned['filename']}: {result.message}")
            return redirect("admin:articles_article_import")
        change_url = reverse("admin:articles_article_change", args=[article.pk])
        if article.is_published():
            site_link = ("view it on the site", article.get_absolute_url())
        else:
            # Readers get a 404 for a draft: editors see it in the preview.
            site_link = ("preview it", reverse("articles:article_preview", args=[article.slug]))
        label = IngestRecord.Outcome(result.outcome).label.capitalize()
        if result.outcome == IngestRecord.Outcome.SKIPPED:
            label = "Kept unpublished"  # a draft the agency canceled (the reason follows)
        messages.success(
            request,
            format_html(
                '{} “{}”: <a href="{}">edit it in the admin</a> or <a href="{}">{}</a>.',
                label,
                article.headline,
                change_url,
                site_link[1],
                site_link[0],
            ),
        )
        if result.outcome in HELD_OR_SKIPPED and result.message:
            # A draft the agency canceled: it stays unpublished. A held update or
            # cancellation: why it was not applied, and where it waits.
            messages.warning(request, f"{cleaned['filename']}: {result.message}.")
        if result.duplicate is not None:
            messages.warning(
                request,
                format_html(
                    'Possible duplicate of “{}” (<a href="{}">{}</a>): same headline and agency, '
                    "another identifier. Nothing was merged.",
                    result.duplicate.headline,
                    reverse("admin:articles_article_change", args=[result.duplicate.pk]),
                    result.duplicate.get_absolute_url(),
                ),
            )
        if result.sanitiser_warnings:
            n = result.sanitiser_warnings
            messages.warning(
                request,
                f"Imported with {n} sanitiser warning{'' if n == 1 else 's'}: "
                + "; ".join(
                    w.removeprefix("sanitiser: ") for w in result.record.sanitiser_warnings
                ),
            )
        return redirect(change_url)

    def render(self, request, **context):
        opts = self.model_admin.model._meta
        context.update(
            self.model_admin.admin_site.each_context(request),
            opts=opts,
            title="Import article",
        )
        return TemplateResponse(request, self.template_name, context)
