"""Article admin: what the wire tells editors, that an import does not decide for them.

* A possible duplicate (the same story from the same agency, arrived with another identifier,
  e.g. in another format; see articles.ingest.writer) is flagged: a "possible duplicate"
  column and filter on the change list, and on the article's page a notice linking to the
  other article, with "Not a duplicate" to clear the flag once an editor has checked both
  (no change-list action: checking is done one article at a time, and editors have no
  bulk action to offer). Clearing is an edit: one revision in the article's history and a
  line in the admin log. Who may change an article (editors and chief editors, see
  articles.roles) may clear it.
* A draft the agency canceled stays a draft (its readers never saw it): the article's page
  says so, with the file that canceled it, and its state in the change list reads
  "Draft (canceled by the agency)".
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models.fields.json import KT
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse

from articles.ingest.writer import CANCELED, canceled_by_agency
from articles.models import Article, IngestRecord

# The agency's status alone, for the change list's rows, which do not read wire_metadata
# (ArticleAdmin.changelist_rows annotates them with it as wire_pubstatus).
WIRE_PUBSTATUS = KT("wire_metadata__pubstatus")

NOT_DUPLICATE_REASON = "admin: not a duplicate"
NOT_DUPLICATE_LOG = "Not a duplicate: the possible duplicate flag was cleared."


class PossibleDuplicateFilter(admin.SimpleListFilter):
    title = "possible duplicate"
    parameter_name = "possible_duplicate"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(possible_duplicate_of__isnull=self.value() == "no")
        return queryset


class WireAdminMixin:
    """For ArticleAdmin (see the module's docstring). Uses RevisionHistoryAdmin's _revision()."""

    # The change list.

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if "duplicate_flag" not in columns:
            columns.append("duplicate_flag")
        return columns

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if PossibleDuplicateFilter not in filters:
            filters.append(PossibleDuplicateFilter)
        return filters

    @admin.display(description="possible duplicate", boolean=True)
    def duplicate_flag(self, article):
        return article.possible_duplicate_of_id is not None

    @admin.display(description="state for readers", ordering="status")
    def reader_state(self, article):
        state = super().reader_state(article)
        if article.status != Article.Status.DRAFT:
            return state
        if "wire_metadata" in article.get_deferred_fields():  # a change list row
            canceled = getattr(article, "wire_pubstatus", None) in CANCELED
        else:
            canceled = canceled_by_agency(article)
        return f"{state} (canceled by the agency)" if canceled else state

    def clear_duplicate_flags(self, request, queryset):
        """Clear the flag of the articles of `queryset` that have it: one revision each (with
        the reason "admin: not a duplicate"), logged. The cleared articles."""
        with self._revision(request, NOT_DUPLICATE_REASON):
            articles = list(
                queryset.filter(possible_duplicate_of__isnull=False).select_for_update()
            )
            for article in articles:
                article.possible_duplicate_of = None
                article.save()
        for article in articles:
            self.log_change(request, article, NOT_DUPLICATE_LOG)
        return articles

    # The article's page.

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None and not add:
            context["wire_notices"] = self.wire_notices(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def wire_notices(self, request, article):
        """What the change page shows above the form (None when there is nothing to say)."""
        current = Article.objects.filter(pk=article.pk).select_related("possible_duplicate_of")
        current = current.first()
        if current is None:
            return None
        duplicate = current.possible_duplicate_of
        canceled = None
        if current.status == Article.Status.DRAFT and canceled_by_agency(current):
            canceled = (
                current.ingest_records.filter(outcome=IngestRecord.Outcome.SKIPPED)
                .only("received_at", "filename")
                .first()
            )
            canceled = canceled or IngestRecord(filename="")
        duplicates = list(
            Article.objects.filter(possible_duplicate_of=current).only("headline").order_by("pk")
        )
        if duplicate is None and canceled is None and not duplicates:
            return None
        return {
            "duplicate": duplicate,
            "duplicate_url": duplicate and self._admin_change_url(duplicate.pk),
            "duplicates": [(a, self._admin_change_url(a.pk)) for a in duplicates],
            "can_clear": self.has_change_permission(request, current),
            "clear_url": self._admin_url("not_a_duplicate", current.pk),
            "canceled": canceled,
            "pubstatus": (current.wire_metadata or {}).get("pubstatus", ""),
        }

    def _admin_url(self, name, pk):
        info = (self.admin_site.name, self.opts.app_label, self.opts.model_name, name)
        return reverse("{}:{}_{}_{}".format(*info), args=[pk])

    def _admin_change_url(self, pk):
        return self._admin_url("change", pk)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/not-a-duplicate/",
                self.admin_site.admin_view(self.not_a_duplicate_view),
                name=f"{self.opts.app_label}_{self.opts.model_name}_not_a_duplicate",
            ),
            *super().get_urls(),
        ]

    def not_a_duplicate_view(self, request, object_id):
        """POST: clear this article's possible duplicate flag, back to its page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            pk = self.opts.pk.to_python(unquote(object_id))
        except ValidationError:
            raise Http404("No such article.") from None
        article = Article.objects.filter(pk=pk).first()
        if article is None:
            raise Http404("No such article.")
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        if self.clear_duplicate_flags(request, Article.objects.filter(pk=pk)):
            messages.success(
                request, f"“{article.headline}” is not a duplicate: the flag was cleared."
            )
        else:
            messages.info(request, f"“{article.headline}” was not flagged as a duplicate.")
        return HttpResponseRedirect(self._admin_change_url(pk))
