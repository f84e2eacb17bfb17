"""Held agency updates: what an agency sent for an article an editor has changed, waiting for
an editor's decision.

The writer (articles.ingest.writer) holds such an update instead of applying it: it keeps the
record as a PendingUpdate (as JSON, `record_to_json`) and flags the article `needs_review`.
Here is what the admin does with it: show what it would change (`record_from_json`,
`proposed_values`), apply it (`apply_pending_update`: one revision; a held cancellation
withdraws the article, and only a user with the publish permission may apply it) or dismiss
it (`dismiss_pending_update`). The flag stays while other updates of the article wait.

This module imports the writer; the writer does not import it.
"""

from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from articles.models import Article, PendingUpdate
from articles.publishing import may_publish
from articles.revisions import revision

from .agency_status import NOT_ALLOWED_CANCELLATION, cancels
from .records import ArticleRecord
from .writer import (
    apply_record,
    body_markdown,
    content_checksum,
    mark_canceled,
    record_from_json,
    record_to_json,
    withdraw_canceled,
)

__all__ = [
    "apply_pending_update",
    "dismiss_pending_update",
    "proposed_values",
    "record_from_json",
    "record_to_json",
]


def proposed_values(record: ArticleRecord) -> dict:
    """What applying the record would make of the article's own fields (for a diff)."""
    return {
        "headline": record.headline,
        "standfirst": record.standfirst,
        "body": body_markdown(record.blocks),
        "language": record.language,
        "source_url": record.source_url,
    }


def apply_pending_update(pending: PendingUpdate, *, user=None) -> Article:
    """Apply a held agency update, as an editor decided after reviewing it: one new revision
    ("agency update applied: <file>"); the editor's version stays in the history. A held
    cancellation withdraws the article (the agency's status kept, as an import does), and
    only a user with the publish permission may apply it."""
    filename = PurePath(pending.ingest_record.filename).name
    with transaction.atomic(), revision(f"agency update applied: {filename}", user=user):
        article = Article.objects.select_for_update().get(pk=pending.article_id)
        pending = PendingUpdate.objects.select_for_update().get(pk=pending.pk)
        if pending.resolution:
            raise ValidationError(f"This update was already {pending.get_resolution_display()}.")
        record = record_from_json(pending.record)
        article.needs_review = _others_waiting(pending)
        if cancels(record):
            if not may_publish(user):
                raise ValidationError(NOT_ALLOWED_CANCELLATION)
            if article.status == Article.Status.PUBLISHED:
                withdraw_canceled(article, record)
            elif article.status == Article.Status.DRAFT:  # unpublished since: as a draft's
                mark_canceled(article, record)
            else:  # withdrawn already
                Article.objects.filter(pk=article.pk).update(needs_review=article.needs_review)
        else:
            apply_record(article, record, checksum=content_checksum(record), publish=False)
        _resolve(pending, PendingUpdate.Resolution.APPLIED, user)
    return article


def dismiss_pending_update(pending: PendingUpdate, *, user=None) -> Article:
    """Leave the article as the editors made it. The update stays on record (resolved as
    dismissed, by whom and when); a later agency update is held again."""
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=pending.article_id)
        pending = PendingUpdate.objects.select_for_update().get(pk=pending.pk)
        if pending.resolution:
            raise ValidationError(f"This update was already {pending.get_resolution_display()}.")
        _resolve(pending, PendingUpdate.Resolution.DISMISSED, user)
        article.needs_review = _others_waiting(pending)
        Article.objects.filter(pk=article.pk).update(needs_review=article.needs_review)
    return article


def _others_waiting(pending):
    return (
        PendingUpdate.objects.filter(article_id=pending.article_id, resolution="")
        .exclude(pk=pending.pk)
        .exists()
    )


def _resolve(pending, resolution, user):
    pending.resolution = resolution
    pending.resolved_at = timezone.now()
    pending.resolved_by = user
    pending.save(update_fields=["resolution", "resolved_at", "resolved_by"])
