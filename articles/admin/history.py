"""Admin: revision history with field-by-field diffs and restore, and for articles the refusal
of saves based on an outdated version.

RevisionHistoryAdmin is simple-history's admin (history page, history form with Revert) for
every model with revisions (articles, agencies, authors, alerts):

* every save, delete and restore made in the admin is one revision (articles.revisions), with
  the change reason "admin" or "restore of revision N";
* the history page's "Changes" column is readable: the changed paragraphs of a long text
  with the changed words marked, not the whole text cut at 100 characters;
* Revert (restoring a revision) saves that revision's values as a new revision: nothing is
  lost, the version it replaced stays in the history.

The functions below are what ArticleAdmin adds for articles: the version check of the change
form (articles.admin.forms) under a row lock, and restoring an article's authors and captions
with its revision. Deleted articles are recovered in articles.admin.recovery, held agency
updates reviewed in articles.admin.held.
"""

from contextlib import contextmanager

from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from simple_history.admin import SimpleHistoryAdmin

from articles.admin.forms import VERSION_FIELD, ArticleVersionForm
from articles.models import Article
from articles.revisions import (
    author_ids_at,
    captions_at,
    lock_article,
    record_changes,
    restore_captions,
    revision,
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


# The article's change form: its version, checked under a lock (ArticleAdmin calls these).


def versioned_form(form, request):
    """The change form with the version check of articles.admin.forms; for a restore (Revert
    of a revision), without it, and with the revision's authors."""
    if not issubclass(form, ArticleVersionForm):
        form = type(form.__name__, (ArticleVersionForm, form), {})
    record = getattr(request, "restoring_revision", None)
    if record is not None:
        attrs = {"version_check": False, "restored_author_ids": author_ids_at(record)}
        form = type(form.__name__, (form,), attrs)
    return form


def with_version_field(fieldsets, article):
    """An existing article's fieldsets carry its version (hidden) in the first one."""
    if article is None or not fieldsets:
        return fieldsets
    (name, options), *rest = fieldsets
    if VERSION_FIELD in options.get("fields", ()):
        return fieldsets
    first = (name, {**options, "fields": [*options.get("fields", ()), VERSION_FIELD]})
    return [first, *rest]


def lock_for_change(model_admin, request, object_id, from_field=None):
    """Before the change form's POST reads its article: lock the row, so that the form is
    checked and saved against the row as it is now, and no other save can commit before this
    one does. False when the id is not one."""
    match = request.resolver_match
    opts = model_admin.opts
    if (
        request.method == "POST"
        and from_field is None
        and match
        and match.url_name == f"{opts.app_label}_{opts.model_name}_change"
    ):
        try:
            lock_article(opts.pk.to_python(object_id))
        except ValidationError:
            return False
    return True


def version_conflict(context):
    """For the change page: the saved version a refused form was based on, or None."""
    return getattr(context.get("adminform").form, "version_conflict", None)


# Restore: the revision's authors and captions too; bookkeeping and the fields this editor
# may not change stay as they are.


def restore_context(record):
    captions = captions_at(record)
    return {"restored_captions": sorted(captions, key=lambda c: (not c.is_lead, c.position))}


def keep_on_restore(article, readonly_fields):
    """Give the article being restored its current bookkeeping (NOT_RESTORED) and the values
    of the fields this editor may not change."""
    readonly = [
        name for name in readonly_fields if name in {f.name for f in Article._meta.concrete_fields}
    ]
    keep = [*NOT_RESTORED, *readonly]
    lock_article(article.pk)
    current = Article.objects.filter(pk=article.pk).values(*keep).first()
    if current is not None:
        for name, value in current.items():
            setattr(article, name, value)
    else:  # deleted since: it comes back, after its last version
        article.version = Article.history.filter(id=article.pk).order_by("-version")[0].version


def restore_revision_captions(request, article):
    """After a restore's save: the captions as they were in the restored revision."""
    record = getattr(request, "restoring_revision", None)
    if record is not None:
        restore_captions(article, captions_at(record))
