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

from articles.ingest.agency_status import CANCELED, canceled_by_agency
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


@admin.display(description="possible duplicate", boolean=True)
def duplicate_flag(model_admin, article):
    """The change list's "possible duplicate" column (ArticleAdmin.duplicate_flag)."""
    return article.possible_duplicate_of_id is not None


def with_agency_cancellation(article, state):
    """The "state for readers" of a draft the agency canceled: "Draft (canceled by the
    agency)"; any other article's state as it is."""
    if article.status != Article.Status.DRAFT:
        return state
    if "wire_metadata" in article.get_deferred_fields():  # a change list row
        canceled = getattr(article, "wire_pubstatus", None) in CANCELED
    else:
        canceled = canceled_by_agency(article)
    return f"{state} (canceled by the agency)" if canceled else state


def clear_duplicate_flags(model_admin, request, queryset):
    """Clear the flag of the articles of `queryset` that have it: one revision each (with the
    reason "admin: not a duplicate"), logged. The cleared articles."""
    with model_admin._revision(request, NOT_DUPLICATE_REASON):
        articles = list(queryset.filter(possible_duplicate_of__isnull=False).select_for_update())
        for article in articles:
            article.possible_duplicate_of = None
            article.save()
    for article in articles:
        model_admin.log_change(request, article, NOT_DUPLICATE_LOG)
    return articles


# The article's page.


def wire_notices(model_admin, request, article):
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
        "duplicate_url": duplicate and model_admin.change_url(duplicate.pk),
        "duplicates": [(a, model_admin.change_url(a.pk)) for a in duplicates],
        "can_clear": model_admin.has_change_permission(request, current),
        "clear_url": model_admin.admin_url("not_a_duplicate", current.pk),
        "canceled": canceled,
        "pubstatus": (current.wire_metadata or {}).get("pubstatus", ""),
    }


def not_a_duplicate_view(model_admin, request, object_id):
    """POST: clear this article's possible duplicate flag, back to its page (the URL
    "<id>/not-a-duplicate/" of ArticleAdmin.get_urls)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        pk = model_admin.opts.pk.to_python(unquote(object_id))
    except ValidationError:
        raise Http404("No such article.") from None
    article = Article.objects.filter(pk=pk).first()
    if article is None:
        raise Http404("No such article.")
    if not model_admin.has_change_permission(request, article):
        raise PermissionDenied
    if clear_duplicate_flags(model_admin, request, Article.objects.filter(pk=pk)):
        messages.success(request, f"“{article.headline}” is not a duplicate: the flag was cleared.")
    else:
        messages.info(request, f"“{article.headline}” was not flagged as a duplicate.")
    return HttpResponseRedirect(model_admin.change_url(pk))
