"""The admin's "Import article" page: upload a file or paste text, check what was recognised,
then save. It runs the same ingest code as `manage.py ingest`."""

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

from .ingest.writer import ingest

MAX_BYTES = 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(required=False, help_text="A page capture (.txt), up to 1 MB.")
    text = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 16, "cols": 100}),
        label="Or paste the text",
    )
    publish = forms.BooleanField(required=False, help_text="Publish at once (default: draft).")

    def clean(self):
        cleaned = super().clean()
        upload, text = cleaned.get("file"), cleaned.get("text")
        if upload and text:
            raise forms.ValidationError("Upload a file or paste text, not both.")
        if upload:
            if upload.size > MAX_BYTES:
                raise forms.ValidationError(f"{upload.name}: the file is larger than 1 MB.")
            cleaned["data"], cleaned["filename"] = upload.read(), upload.name
        elif text:
            cleaned["data"], cleaned["filename"] = text.encode("utf-8"), "pasted text"
        else:
            raise forms.ValidationError("Upload a file or paste the article's text.")
        return cleaned


class ConfirmForm(forms.Form):
    """The previewed input, carried unchanged (as base64) to the save step."""

    data = forms.CharField(widget=forms.HiddenInput)
    filename = forms.CharField(widget=forms.HiddenInput)
    publish = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_data(self):
        try:
            return base64.b64decode(self.cleaned_data["data"], validate=True)
        except binascii.Error as error:
            raise forms.ValidationError("The import was damaged; start again.") from error


class ImportArticleView(View):
    model_admin = None
    template_name = "admin/articles/article/import.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perms(["articles.import_article", "articles.add_article"]):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self.render(request, form=ImportForm())

    def post(self, request):
        if "confirm" in request.POST:
            return self.save(request)
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(request, form=form)
        data, filename = form.cleaned_data["data"], form.cleaned_data["filename"]
        publish = form.cleaned_data["publish"]
        result = ingest(data, filename=filename, channel="admin", publish=publish, dry_run=True)
        if result.failed:
            form.add_error(None, f"{filename}: {result.error}")
            return self.render(request, form=form)
        confirm = ConfirmForm(
            initial={
                "data": base64.b64encode(data).decode(),
                "filename": filename,
                "publish": publish,
            }
        )
        return self.render(request, result=result, confirm=confirm, filename=filename)

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
            publish=cleaned["publish"],
        )
        if result.failed:
            messages.error(request, f"{cleaned['filename']}: {result.error}")
            return redirect("admin:articles_article_import")
        article = result.article
        change_url = reverse("admin:articles_article_change", args=[article.pk])
        messages.success(
            request,
            format_html(
                '{} “{}”: <a href="{}">edit it in the admin</a> or '
                '<a href="{}">view it on the site</a>.',
                result.outcome.capitalize(),
                article.headline,
                change_url,
                article.get_absolute_url(),
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
