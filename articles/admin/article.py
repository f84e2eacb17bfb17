from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.db import connections, models, transaction
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from articles.admin import editing, held, history, importing, recovery, wire, workflow
from articles.admin.forms import ArticleVersionForm
from articles.admin.history import RevisionHistoryAdmin
from articles.alt_text import ALT_TEXT_HELP
from articles.models import Agency, Alert, Article, Author, Caption, IngestRecord, merge_authors
from articles.publishing import may_publish
from articles.revisions import revision
from articles.search import full_text_match

# Addresses typed without a scheme get https:// (Django 6's default; silences its warning).
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class CaptionFormSet(forms.BaseInlineFormSet):
    def clean(self):
        """At most one lead photo. The database enforces it too, but model validation skips
        that constraint here (the inline's foreign key is excluded), so a second lead would
        otherwise end in an IntegrityError instead of a message."""
        super().clean()
        leads = [
            form
            for form in self.forms
            if form.cleaned_data.get("is_lead") and not self._should_delete_form(form)
        ]
        if len(leads) > 1:
            raise forms.ValidationError("Only one caption can be the lead photo.")


class CaptionInline(admin.StackedInline):
    """With a thumbnail of the current photo and fuller alt text help."""

    model = Caption
    formset = CaptionFormSet
    extra = 0
    fields = [
        ("text", "language"),
        "alt_text",
        ("credit", "is_lead", "position"),
        ("image", "thumbnail"),
    ]
    readonly_fields = ["thumbnail"]

    class Media:
        css = {"all": ["admin/newsroom/captions.css"]}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "alt_text":
            kwargs["help_text"] = ALT_TEXT_HELP
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="current photo")
    def thumbnail(self, caption):
        return editing.caption_thumbnail(caption)


class ArticleChangeList(ChangeList):
    """The change list's page of articles is read through ArticleAdmin.changelist_rows. Only
    the rows shown: get_queryset() (the change form's object, actions, counts) is unchanged."""

    def get_results(self, request):
        self.queryset = self.model_admin.changelist_rows(self.queryset)
        super().get_results(request)


@admin.register(Article)
class ArticleAdmin(RevisionHistoryAdmin):
    """Everything editors see of articles is declared here; what each part does is in the
    module of its concern: editing (body editor, preview, alt text), workflow (roles,
    publishing, corrections), wire (possible duplicates, agency cancellations), held (agency
    updates waiting for an editor), recovery (deleted articles), history (revisions, the
    version check), importing (the import page)."""

    # The change list.
    list_display = [
        "headline",
        "reader_state",
        "published_at",
        "agency",
        "language",
        "updated_at",
        "review_flag",
        "duplicate_flag",
    ]
    list_filter = [
        workflow.ReaderStateFilter,
        "status",
        "agency",
        "language",
        "needs_review",
        wire.PossibleDuplicateFilter,
    ]
    # PostgreSQL reads the body's words from the search index (get_search_results).
    search_fields = ["headline", "slug", "body"]
    date_hierarchy = "published_at"
    # For those who may publish (permissions=["publish"], has_publish_permission).
    actions = [workflow.publish_now, workflow.withdraw]
    # Never shown in the change list: a page of 100 rows would otherwise carry each body twice
    # (as typed and as rendered) and the agency's metadata. The change form reads them all.
    changelist_deferred = [
        "standfirst",
        "body",
        "rendered_body",
        "rendered_body_key",
        "wire_metadata",
    ]

    # The change form (with the hidden version of an existing article: get_fieldsets).
    form = ArticleVersionForm
    fieldsets = [
        (None, {"fields": ["headline", "slug", "standfirst", "body", "language"]}),
        ("Publishing", {"fields": ["status", "published_at"]}),
        (
            "Source",
            {"fields": ["agency", "authors", "source_url", "external_id", "external_version"]},
        ),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    # And the publishing fields for those who may not publish (get_readonly_fields).
    readonly_fields = ["created_at", "updated_at", "external_id", "external_version"]
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["agency", "authors"]
    inlines = [CaptionInline, workflow.CorrectionInline]
    formfield_overrides = URL_FIELDS

    # The history page.
    history_list_display = ["version"]

    # Columns.
    review_flag = held.review_flag
    duplicate_flag = wire.duplicate_flag

    @admin.display(description="state for readers", ordering="status")
    def reader_state(self, article):
        return wire.with_agency_cancellation(article, workflow.reader_state_label(article))

    # Pages of their own, besides the change list, change form and history.
    import_view = importing.ImportArticleView
    not_a_duplicate_view = wire.not_a_duplicate_view
    preview_body_view = editing.preview_body_view
    deleted_list_view = recovery.deleted_list_view
    recover_view = recovery.recover_view
    pending_update_view = held.pending_update_view

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path(
                "import/",
                view(self.import_view.as_view(model_admin=self)),
                name=f"{prefix}_import",
            ),
            path(
                "<path:object_id>/not-a-duplicate/",
                view(self.not_a_duplicate_view),
                name=f"{prefix}_not_a_duplicate",
            ),
            path("preview-body/", view(self.preview_body_view), name=f"{prefix}_preview_body"),
            path("deleted/", view(self.deleted_list_view), name=f"{prefix}_deleted"),
            path(
                "deleted/<int:history_id>/recover/",
                view(self.recover_view),
                name=f"{prefix}_recover",
            ),
            path(
                "<path:object_id>/pending/<int:pending_id>/<str:action>/",
                view(self.pending_update_view),
                name=f"{prefix}_pending_update",
            ),
            *super().get_urls(),
        ]

    def admin_url(self, name, pk):
        """The address of this article's admin page `name` ("change", "not_a_duplicate", ...)."""
        opts = self.opts
        return reverse(
            f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_{name}", args=[pk]
        )

    def change_url(self, pk):
        return self.admin_url("change", pk)

    # Who may publish.

    def has_publish_permission(self, request, obj=None):
        return may_publish(request.user)

    def get_readonly_fields(self, request, obj=None):
        return workflow.publishing_readonly_fields(
            request, super().get_readonly_fields(request, obj)
        )

    def get_view_on_site_url(self, obj=None):
        return workflow.preview_url(obj) or super().get_view_on_site_url(obj)

    # The change form.

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "body":
            kwargs["widget"] = editing.body_editor(self, db_field)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = history.versioned_form(kwargs.get("form", self.form), request)
        form = super().get_form(request, obj, change=change, **kwargs)
        return editing.with_preview_language(form, obj)

    def get_fieldsets(self, request, obj=None):
        return history.with_version_field(super().get_fieldsets(request, obj), obj)

    def get_object(self, request, object_id, from_field=None):
        if not history.lock_for_change(self, request, object_id, from_field):
            return None
        return super().get_object(request, object_id, from_field)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["version_conflict"] = history.version_conflict(context)
        if obj is not None and obj.pk is not None and not add:
            context["wire_notices"] = wire.wire_notices(self, request, obj)
            context["pending_updates"] = held.pending_update_panels(self, request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        history.restore_revision_captions(request, obj)

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        editing.warn_about_alt_text(request, obj)
        return response

    def response_change(self, request, obj):
        response = super().response_change(request, obj)
        editing.warn_about_alt_text(request, obj)
        return response

    # Restore (RevisionHistoryAdmin's hooks) and deleted articles.

    def restore_context(self, request, record):
        return history.restore_context(record)

    def restore_values(self, request, obj, record):
        history.keep_on_restore(obj, self.get_readonly_fields(request, obj))

    def deleted_revision_response(self, request, record):
        return recovery.deleted_revision_response(self, request, record)

    # The change list's rows and search.

    def get_changelist(self, request, **kwargs):
        return ArticleChangeList

    def get_search_results(self, request, queryset, search_term):
        """On PostgreSQL: the term in the headline or slug, or its words in the stored
        text-search vector (the readers' search index, articles.search), instead of a
        substring of every body (an `ILIKE` reads each body of the archive: far too slow for a
        search at archive scale). Elsewhere search_fields, as declared.

        The two as a UNION of ids: in one OR, the `ILIKE` would make PostgreSQL read every
        row's vector too, instead of the index: much slower, for each of the change
        list's four queries that filter by the search (figures in docs/benchmarks.md,
        "Measurements behind the code")."""
        term = search_term.strip()
        if not term or connections[queryset.db].vendor != "postgresql":
            return super().get_search_results(request, queryset, search_term)
        articles = queryset.model.objects
        by_name = articles.filter(
            models.Q(headline__icontains=term) | models.Q(slug__icontains=term)
        )
        by_words = articles.filter(full_text_match(term))
        ids = by_name.values("pk").union(by_words.values("pk"))
        return queryset.filter(pk__in=ids), False

    def changelist_rows(self, queryset):
        """The change list's rows: the articles without their text (changelist_deferred), with
        the agency's status that the "state for readers" column reads (as wire_pubstatus)."""
        return queryset.defer(*self.changelist_deferred).annotate(
            wire_pubstatus=wire.WIRE_PUBSTATUS
        )


@admin.register(Agency)
class AgencyAdmin(RevisionHistoryAdmin):
    list_display = ["name", "website"]
    formfield_overrides = URL_FIELDS
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Author)
class AuthorAdmin(RevisionHistoryAdmin):
    """An author is a name at an agency (none: house staff). One person known under two
    (the same name at two agencies, a name spelt two ways) is made one author with "Merge
    selected authors"; the merged names stay as aliases, listed on the kept author's page,
    which later imports follow."""

    list_display = ["name", "agency"]
    list_filter = ["agency"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["agency"]
    readonly_fields = ["aliases_list"]
    actions = ["merge_authors"]

    @admin.display(description="also imported as")
    def aliases_list(self, author):
        """The names merged into this author, as "name (agency)"; "None" when none."""
        aliases = list(author.aliases.select_related("agency")) if author.pk else []
        if not aliases:
            return "None"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "", "<li>{} ({})</li>", ((a.name, a.agency or "no agency") for a in aliases)
            ),
        )

    def has_merge_permission(self, request):
        """Merging changes the kept author and deletes the others."""
        return self.has_change_permission(request) and self.has_delete_permission(request)

    @admin.action(description="Merge selected authors", permissions=["merge"])
    def merge_authors(self, request, queryset):
        """A confirmation page first (which author to keep: the first created, unless the
        editor picks another), then the merge, as one revision of each article changed."""
        authors = list(queryset.select_related("agency").order_by("pk"))
        if len(authors) < 2:
            self.message_user(request, "Select two or more authors to merge.", messages.WARNING)
            return None
        if "post" not in request.POST:
            return TemplateResponse(
                request,
                "admin/articles/author/merge.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Merge authors",
                    "opts": self.opts,
                    "authors": [
                        (author, list(author.articles.order_by("-published_at")[:5]))
                        for author in authors
                    ],
                    "kept": authors[0],
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                },
            )
        user = request.user if request.user.is_authenticated else None
        with transaction.atomic(), revision("admin action: merge authors", user=user):
            # Locked (in key order) and read again: as they are now, until the end.
            locked = list(
                Author.objects.select_for_update()
                .filter(pk__in=[author.pk for author in authors])
                .order_by("pk")
            )
            keep = request.POST.get("keep", "")
            kept = next((author for author in locked if str(author.pk) == keep), None)
            others = [author for author in locked if author != kept]
            if kept is None or not others:  # not one of the selected authors: no merge
                self.message_user(request, "Choose which author to keep.", messages.ERROR)
                return None
            names = ", ".join(f"{a.name} ({a.agency or 'no agency'})" for a in others)
            changed = merge_authors(kept, others)
            self.log_change(request, kept, f"Merged into this author: {names}.")
            for article in changed:
                self.log_change(request, article, f"Byline: {names} merged into {kept.name}.")
        self.message_user(
            request,
            f"Merged {len(others)} author(s) into “{kept}”: {len(changed)} article(s) now "
            "credit it, and later imports of the merged names will too.",
            messages.SUCCESS,
        )
        return None


@admin.register(Alert)
class AlertAdmin(RevisionHistoryAdmin):
    list_display = ["text", "starts_at", "ends_at", "is_active"]
    formfield_overrides = URL_FIELDS
    date_hierarchy = "starts_at"
    actions = ["end_now"]

    @admin.display(boolean=True, description="Shown now")
    def is_active(self, alert):
        return alert.is_active()

    @admin.action(description="End now", permissions=["change"])
    def end_now(self, request, queryset):
        """Sets the end of the selected alerts shown now to now: the banner goes at once."""
        workflow.end_alerts_now(self, request, queryset)


@admin.register(IngestRecord)
class IngestRecordAdmin(admin.ModelAdmin):
    """The raw inputs as received: read only, never deleted."""

    list_display = [
        "received_at", "filename", "format", "outcome", "channel", "received_by", "article",
    ]  # fmt: skip
    list_filter = ["outcome", "format", "channel"]
    search_fields = ["filename", "sha256", "message"]
    date_hierarchy = "received_at"
    fields = [
        "received_at", "received_by", "operator", "channel", "filename", "sha256", "format",
        "outcome", "message", "warnings_list", "article", "raw_text",
    ]  # fmt: skip
    readonly_fields = fields

    @admin.display(description="warnings")
    def warnings_list(self, record):
        """What the parser and sanitiser noticed, one item each; "None" when nothing."""
        if not record.warnings:
            return "None"
        return format_html(
            '<ul class="ingest-warnings">{}</ul>',
            format_html_join("", "<li>{}</li>", ((str(w),) for w in record.warnings)),
        )

    @admin.display(description="original text")
    def raw_text(self, record):
        return bytes(record.raw).decode("utf-8", errors="replace")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
