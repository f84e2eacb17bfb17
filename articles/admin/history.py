"""Article admin: revision history with field-by-field diffs and restore, recovery of deleted
articles, refusal of saves based on an outdated version, and pending agency updates.

RevisionHistoryAdmin is simple-history's admin (history page, history form with Revert) for
every model with revisions (articles, agencies, authors, alerts):

* every save, delete and restore made in the admin is one revision (articles.revisions), with
  the change reason "admin" or "restore of revision N";
* the history page's "Changes" column is readable: the changed paragraphs of a long text
  with the changed words marked, not the whole text cut at 100 characters;
* Revert (restoring a revision) saves that revision's values as a new revision: nothing is
  lost, the version it replaced stays in the history.

HistoryAdminMixin adds, for articles: the version check of the change form
(articles.admin.forms), restoring an article's authors and captions with it, the "Deleted
articles" page with "Recover", and the review of held agency updates.
"""

from contextlib import contextmanager
from types import SimpleNamespace

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import router, transaction
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from articles.admin.forms import VERSION_FIELD, ArticleVersionForm, when
from articles.ingest.writer import (
    apply_pending_update,
    cancels,
    dismiss_pending_update,
    proposed_values,
    record_from_json,
)
from articles.models import Article, PendingUpdate, identifier_key
from articles.publishing import may_publish, unique_slug
from articles.revisions import (
    author_ids_at,
    caption_changes,
    captions_at,
    captions_deleted_with,
    field_changes,
    last_change,
    lock_article,
    record_changes,
    restore_captions,
    revision,
    revision_author,
)

ADMIN_REASON = "admin"


def restore_reason(record):
    return f"restore of revision {record.history_id}"


class RevisionHistoryAdmin(SimpleHistoryAdmin):
    """simple-history's admin, with one revision per admin change and readable diffs."""

    object_history_list_template = "admin/articles/history_list.html"
    object_history_form_template = "admin/articles/history_form.html"

    @contextmanager
    def _revision(self, request, reason=ADMIN_REASON):
        """One transaction and one revision for the whole request."""
        user = request.user if request.user.is_authenticated else None
        with transaction.atomic(using=router.db_for_write(self.model)), revision(reason, user=user):
            yield

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        with self._revision(request):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        if request.method != "POST":
            return super().delete_view(request, object_id, extra_context)
        with self._revision(request):
            return super().delete_view(request, object_id, extra_context)

    def delete_queryset(self, request, queryset):
        with self._revision(request):
            super().delete_queryset(request, queryset)

    # The history page: readable changes.

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        newer = None
        for older in historical_records:
            if newer is not None:
                newer.history_delta_changes = record_changes(older, newer)
            newer = older

    # Revert: restore a revision, as a new one.

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        history_model = getattr(self.model, self.model._meta.simple_history_manager_attribute)
        record = get_object_or_404(
            history_model.model,
            **{self.model._meta.pk.attname: unquote(object_id), "history_id": version_id},
        )
        if record.history_type == "-":
            raise Http404("A deletion cannot be restored; restore the revision before it.")
        if not self.model._default_manager.filter(pk=unquote(object_id)).exists():
            # Deleted since: a revert would recreate it as that revision was (published,
            # say), past the role rules. It comes back only by recovery (see deleted_view).
            return self.deleted_revision_response(request, record)
        request.restoring_revision = record
        extra_context = {
            **(extra_context or {}),
            **self.restore_context(request, record),
            "restored_revision": record,
        }
        if request.method != "POST":
            return super().history_form_view(request, object_id, version_id, extra_context)
        with self._revision(request, restore_reason(record)):
            return super().history_form_view(request, object_id, version_id, extra_context)

    def deleted_revision_response(self, request, record):
        """A revision of an object deleted since: not restorable (GET or POST)."""
        raise Http404(
            f"This {self.opts.verbose_name} was deleted; its revisions cannot be restored."
        )

    def restore_context(self, request, record):
        return {}

    def restore_values(self, request, obj, record):
        """For a restore: give the object to save what must not be restored."""

    def save_model(self, request, obj, form, change):
        record = getattr(request, "restoring_revision", None)
        if record is not None:
            self.restore_values(request, obj, record)
        super().save_model(request, obj, form, change)


# Article fields a restore leaves as they are: bookkeeping, not content.
NOT_RESTORED = ("version", "imported_version", "source_checksum", "needs_review", "created_at")


class HistoryAdminMixin(RevisionHistoryAdmin):
    """For ArticleAdmin (see the module's docstring)."""

    form = ArticleVersionForm
    history_list_display = ["version"]

    # The change form: its version, checked under a lock.

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = kwargs.get("form", self.form)
        attrs = {}
        if not issubclass(form, ArticleVersionForm):
            # Another mixin's form: add the version check to it.
            form = type(form.__name__, (ArticleVersionForm, form), {})
        record = getattr(request, "restoring_revision", None)
        if record is not None:
            attrs = {"version_check": False, "restored_author_ids": author_ids_at(record)}
        if attrs:
            form = type(form.__name__, (form,), attrs)
        kwargs["form"] = form
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not fieldsets:
            return fieldsets
        (name, options), *rest = fieldsets
        if VERSION_FIELD in options.get("fields", ()):
            return fieldsets
        first = (name, {**options, "fields": [*options.get("fields", ()), VERSION_FIELD]})
        return [first, *rest]

    def get_object(self, request, object_id, from_field=None):
        if (
            request.method == "POST"
            and from_field is None
            and request.resolver_match
            and (
                request.resolver_match.url_name
                == f"{self.opts.app_label}_{self.opts.model_name}_change"
            )
        ):
            # Lock first, then read: the form is checked and saved against the row as it is
            # now, and no other save can commit before this one does.
            try:
                lock_article(self.model._meta.pk.to_python(object_id))
            except ValidationError:
                return None
        return super().get_object(request, object_id, from_field)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        adminform = context.get("adminform")
        context["version_conflict"] = getattr(adminform.form, "version_conflict", None)
        if obj is not None and obj.pk is not None and not add:
            context["pending_updates"] = self.pending_update_panels(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # Restore: the revision's authors and captions too; bookkeeping and the fields this
    # editor may not change stay as they are.

    def restore_context(self, request, record):
        captions = captions_at(record)
        return {"restored_captions": sorted(captions, key=lambda c: (not c.is_lead, c.position))}

    def restore_values(self, request, obj, record):
        readonly = [
            name
            for name in self.get_readonly_fields(request, obj)
            if name in {f.name for f in self.model._meta.concrete_fields}
        ]
        keep = [*NOT_RESTORED, *readonly]
        lock_article(obj.pk)
        current = Article.objects.filter(pk=obj.pk).values(*keep).first()
        if current is not None:
            for name, value in current.items():
                setattr(obj, name, value)
        else:  # deleted since: it comes back, after its last version
            obj.version = Article.history.filter(id=obj.pk).order_by("-version")[0].version

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record = getattr(request, "restoring_revision", None)
        if record is not None:
            restore_captions(obj, captions_at(record))

    # The change list: articles with an agency update waiting.

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if "review_flag" not in columns:
            columns.append("review_flag")
        return columns

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if "needs_review" not in filters:
            filters.append("needs_review")
        return filters

    @admin.display(description="agency update waiting", boolean=True, ordering="needs_review")
    def review_flag(self, article):
        return article.needs_review

    # URLs.

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        return [
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

    # Deleted articles.

    def deleted_records(self):
        """The last deletion of each article that has not been recovered, newest first."""
        return (
            Article.history.filter(history_type="-")
            .latest_of_each()
            .exclude(id__in=Article.objects.values("pk"))
            .select_related("history_user")
            .order_by("-history_date", "-history_id")
        )

    def deleted_list_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        page = Paginator(self.deleted_records(), 100).get_page(request.GET.get("p"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Deleted articles",
            "page_obj": page,
            "rows": [
                {
                    "record": record,
                    "by": revision_author(record),
                    "when": when(record.history_date),
                }
                for record in page
            ],
            "can_recover": self.has_add_permission(request),
        }
        return TemplateResponse(request, "admin/articles/article/deleted_list.html", context)

    def recover_view(self, request, history_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_add_permission(request):
            raise PermissionDenied
        deletion = get_object_or_404(Article.history.model, history_id=history_id, history_type="-")
        deleted_url = reverse(f"{self.admin_site.name}:articles_article_deleted")
        if Article.objects.filter(pk=deletion.id).exists():
            messages.info(request, f"“{deletion.headline}” was already recovered.")
            return HttpResponseRedirect(self._change_url(deletion.id))
        last = last_change(deletion.id)
        reason = f"recovery of revision {(last or deletion).history_id} after deletion"
        try:
            with self._revision(request, reason):
                article, notes = self.recover(request, deletion, last)
        except ValidationError as error:
            messages.error(request, f"“{deletion.headline}” was not recovered: {error.messages[0]}")
            return HttpResponseRedirect(deleted_url)
        self.log_addition(request, article, f"Recovered after deletion ({reason}).")
        messages.success(
            request,
            format_html(
                "Recovered “{}” as it was when it was deleted, as a new revision.{}",
                article.headline,
                "".join(f" {note}" for note in notes),
            ),
        )
        return HttpResponseRedirect(self._change_url(article.pk))

    def deleted_revision_response(self, request, record):
        """Revert is for articles that exist: a deleted one is recovered, from the Deleted
        articles page, for those allowed to (as a draft unless they may publish)."""
        messages.error(
            request,
            f"“{record.headline}” was deleted: its revisions cannot be restored. Recover it "
            "from Deleted articles (as a draft, unless you may publish).",
        )
        return HttpResponseRedirect(reverse(f"{self.admin_site.name}:articles_article_deleted"))

    def recover(self, request, deletion, last):
        """Re-create the article from its deletion record (its last values), with its id (so
        its history goes on), the authors of its last revision and the captions deleted
        with it. (article, [notes for the editor])."""
        notes = []
        article = deletion.instance
        article.version = deletion.version + 1
        article.needs_review = False
        if article.external_id:
            taken = Article.objects.filter(
                agency_id=article.agency_id, external_key=identifier_key(article.external_id)
            )
            if taken.exists():
                raise ValidationError(
                    f"the agency's story is now the article “{taken.first()}” "
                    "(imported again after the deletion)"
                )
        if Article.objects.filter(slug=article.slug).exists():
            old = article.slug
            article.slug = unique_slug(old, Article)
            notes.append(f"Its address was taken: it is now …/{article.slug}/ (was …/{old}/).")
        if article.status != Article.Status.DRAFT and not may_publish(request.user):
            # Readers see no change from someone who may not publish: not live, not a 410.
            notes.append(
                f"It was {article.get_status_display().lower()}: it comes back as a draft, "
                "for a chief editor."
            )
            article.status = Article.Status.DRAFT
        article.save(force_insert=True)
        if last is not None:
            article.authors.set(author_ids_at(last))
            captions = captions_deleted_with(deletion, last)
            restore_captions(article, captions)
            if captions:
                notes.append(f"With its {len(captions)} caption(s).")
        return article, notes

    def _change_url(self, pk):
        return reverse(f"{self.admin_site.name}:articles_article_change", args=[pk])

    # Held agency updates: shown on the article's page, applied or dismissed by an editor.

    def can_review_updates(self, request, article):
        return self.has_change_permission(request, article) and request.user.has_perm(
            "articles.change_pendingupdate"
        )

    def pending_update_panels(self, request, article):
        if not (
            request.user.has_perm("articles.view_pendingupdate")
            or request.user.has_perm("articles.change_pendingupdate")
        ):
            return []
        pending = list(
            article.pending_updates.filter(resolution="").select_related("ingest_record")
        )
        if not pending:
            return []
        # As saved (the form may hold an editor's refused changes).
        current = Article.objects.get(pk=article.pk)
        captions = list(current.captions.order_by("position", "id"))
        panels = []
        for update in pending:
            record = record_from_json(update.record)
            proposed = proposed_values(record)
            changes = field_changes(
                Article, [(name, getattr(current, name), value) for name, value in proposed.items()]
            )
            changes += field_changes(
                Article,
                [
                    (
                        "authors",
                        [str(author) for author in current.authors.all()],
                        list(record.authors),
                    )
                ],
            )
            changes += caption_changes(captions, _proposed_captions(record, captions))
            panels.append(
                {
                    "update": update,
                    "received": when(update.created_at),
                    "filename": update.ingest_record.filename,
                    "changes": changes,
                    "can_review": self.can_review_updates(request, current),
                    # A held cancellation withdraws the article: only for those who may.
                    "cancels": cancels(record),
                    "pubstatus": record.pubstatus,
                    "can_apply": not cancels(record) or may_publish(request.user),
                }
            )
        return panels

    def pending_update_view(self, request, object_id, pending_id, action):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404
        if not self.can_review_updates(request, article):
            raise PermissionDenied
        update = get_object_or_404(PendingUpdate, pk=pending_id, article=article)
        try:
            if action == "apply":
                article = apply_pending_update(update, user=request.user)
                self.log_change(request, article, "Applied a held agency update.")
                messages.success(
                    request,
                    "The agency update was applied, as a new revision; the version it "
                    "replaced is in the history.",
                )
            elif action == "dismiss":
                dismiss_pending_update(update, user=request.user)
                messages.success(
                    request, "The agency update was dismissed; the article stays as it was."
                )
            else:
                raise Http404
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(self._change_url(article.pk))


def _proposed_captions(record, existing):
    """The captions as applying the record would leave them (images kept by position)."""
    captions = []
    for position, caption in enumerate(record.captions):
        image = existing[position].image if position < len(existing) else ""
        captions.append(
            SimpleNamespace(
                pk=None,
                text=caption.text,
                alt_text=caption.alt_text,
                credit=caption.credit,
                image=image,
                is_lead=position == 0,
                position=position,
            )
        )
    return captions
