"""Article admin: held agency updates. An agency's new version of an article an editor has
changed since its import is not applied by the import: it waits (PendingUpdate), flagged in
the change list ("agency update waiting"), shown on the article's page as the changes it
would make, and applied or dismissed there by an editor (a cancellation only by someone who
may publish: applying it withdraws the article)."""

from types import SimpleNamespace

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404

from articles.admin.forms import when
from articles.ingest.agency_status import cancels
from articles.ingest.held import (
    apply_pending_update,
    dismiss_pending_update,
    proposed_values,
    record_from_json,
)
from articles.models import Article, PendingUpdate
from articles.publishing import may_publish
from articles.revisions import caption_changes, field_changes


@admin.display(description="agency update waiting", boolean=True, ordering="needs_review")
def review_flag(model_admin, article):
    """The change list's "agency update waiting" column (ArticleAdmin.review_flag)."""
    return article.needs_review


def can_review_updates(model_admin, request, article):
    return model_admin.has_change_permission(request, article) and request.user.has_perm(
        "articles.change_pendingupdate"
    )


def pending_update_panels(model_admin, request, article):
    """The held updates of `article`, for its change page: each with the changes it would
    make, and whether this editor may apply or dismiss it."""
    if not (
        request.user.has_perm("articles.view_pendingupdate")
        or request.user.has_perm("articles.change_pendingupdate")
    ):
        return []
    pending = list(article.pending_updates.filter(resolution="").select_related("ingest_record"))
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
            [("authors", [str(author) for author in current.authors.all()], list(record.authors))],
        )
        changes += caption_changes(captions, _proposed_captions(record, captions))
        panels.append(
            {
                "update": update,
                "received": when(update.created_at),
                "filename": update.ingest_record.filename,
                "changes": changes,
                "can_review": can_review_updates(model_admin, request, current),
                # A held cancellation withdraws the article: only for those who may.
                "cancels": cancels(record),
                "pubstatus": record.pubstatus,
                "can_apply": not cancels(record) or may_publish(request.user),
            }
        )
    return panels


def pending_update_view(model_admin, request, object_id, pending_id, action):
    """POST: apply or dismiss a held update (the URL "<id>/pending/<pending_id>/<action>/"
    of ArticleAdmin.get_urls), back to the article's page."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    article = model_admin.get_object(request, unquote(object_id))
    if article is None:
        raise Http404
    if not can_review_updates(model_admin, request, article):
        raise PermissionDenied
    update = get_object_or_404(PendingUpdate, pk=pending_id, article=article)
    try:
        if action == "apply":
            article = apply_pending_update(update, user=request.user)
            model_admin.log_change(request, article, "Applied a held agency update.")
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
    return HttpResponseRedirect(model_admin.change_url(article.pk))


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
