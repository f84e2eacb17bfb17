"""The one door through which ingested articles reach the database.

`ingest(data, ...)` parses raw bytes and upserts the article on its natural key in one
transaction, and keeps the raw input as an IngestRecord whatever the outcome.

Natural key: (agency, external_id). Formats that carry an identifier use it; a capture has
none, so its key is the slug of its headline as first imported ("kerry-lavrov-rapport-...").
The key is stored on the article and never changes, so an editor may correct the headline
and a later re-import still finds the article.
"""

import hashlib
import json
from dataclasses import asdict, dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from articles.markup import blocks_to_markdown
from articles.models import Agency, Article, Author, Caption, IngestRecord

from .capture import parse_capture
from .records import ArticleRecord, IngestError

__all__ = ["IngestError", "IngestResult", "ingest"]

Outcome = IngestRecord.Outcome


@dataclass(frozen=True)
class IngestResult:
    outcome: str
    article: Article | None = None
    record: ArticleRecord | None = None
    error: str = ""

    @property
    def failed(self):
        return self.outcome == Outcome.FAILED


def unique_slug(text, model, field="slug", max_length=200):
    base = (slugify(text) or slugify(text, allow_unicode=True) or "article")[:max_length]
    slug, n = base, 2
    while model.objects.filter(**{field: slug}).exists():
        suffix = f"-{n}"
        slug, n = base[: max_length - len(suffix)] + suffix, n + 1
    return slug


def natural_key(record: ArticleRecord) -> str:
    return record.external_id or slugify(record.headline, allow_unicode=True)[:255]


def content_checksum(record: ArticleRecord) -> str:
    """SHA-256 of everything an import writes: equal checksums mean nothing to update."""
    canonical = json.dumps(asdict(record), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def ingest(
    data: bytes,
    *,
    filename: str,
    channel: str,
    user=None,
    publish: bool = False,
    dry_run: bool = False,
    parser=parse_capture,
) -> IngestResult:
    """Parse and save one raw input. Never raises for bad input: the result says it failed."""
    keep = {
        "filename": filename[:500],
        "channel": channel,
        "received_by": user,
        "raw": data,
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    try:
        record = parser(data)
    except IngestError as error:
        if not dry_run:
            IngestRecord.objects.create(outcome=Outcome.FAILED, message=str(error), **keep)
        return IngestResult(Outcome.FAILED, error=str(error))

    with transaction.atomic():
        try:
            with transaction.atomic():
                outcome, article = _upsert(record, publish=publish)
        except IntegrityError:
            # Another process created the same article between our look-up and our insert:
            # the constraint decided, and this import now updates (or leaves) that article.
            outcome, article = _upsert(record, publish=publish)
        if dry_run:
            transaction.set_rollback(True)
        else:
            IngestRecord.objects.create(outcome=outcome, article=article, **keep)
    return IngestResult(outcome, article, record)


def _upsert(record: ArticleRecord, *, publish: bool):
    agency = _agency(record)
    key = natural_key(record)
    checksum = content_checksum(record)
    article = Article.objects.select_for_update().filter(agency=agency, external_id=key).first()
    if article is None:
        article = Article(
            slug=unique_slug(record.headline, Article), agency=agency, external_id=key
        )
        outcome = Outcome.CREATED
    elif article.source_checksum == checksum:
        if not publish or article.status == Article.Status.PUBLISHED:
            return Outcome.UNCHANGED, article
        outcome = Outcome.UPDATED
    else:
        outcome = Outcome.UPDATED

    article.headline = record.headline
    article.standfirst = record.standfirst
    article.body = blocks_to_markdown(record.blocks)
    article.language = record.language
    article.source_url = record.source_url
    article.external_version = record.version
    article.source_checksum = checksum
    if publish and article.status != Article.Status.PUBLISHED:
        article.status = Article.Status.PUBLISHED
        article.published_at = article.published_at or timezone.now().replace(microsecond=0)
    article.full_clean(exclude=["slug"] if outcome == Outcome.UPDATED else None)
    article.save()
    _save_captions(article, record)
    article.authors.set([_author(name, agency) for name in record.authors])
    return outcome, article


def _agency(record: ArticleRecord):
    if record.agency is None:
        return None
    agency, created = Agency.objects.get_or_create(
        name=record.agency.name,
        defaults={
            "slug": unique_slug(record.agency.name, Agency),
            "description": record.agency.description,
        },
    )
    if not created and not agency.description and record.agency.description:
        # Fill a missing description; never overwrite what an editor wrote.
        agency.description = record.agency.description
        agency.save(update_fields=["description"])
    return agency


def _author(name, agency):
    author, _ = Author.objects.get_or_create(
        slug=slugify(name, allow_unicode=True)[:200] or "author",
        defaults={"name": name, "agency": agency},
    )
    return author


def _save_captions(article, record):
    """Update captions in place by position, keeping any image an editor attached."""
    existing = list(article.captions.order_by("position", "id"))
    for position, caption in enumerate(record.captions):
        row = existing[position] if position < len(existing) else Caption(article=article)
        row.text = caption.text
        row.alt_text = caption.alt_text
        row.language = caption.language if caption.language != record.language else ""
        row.credit = caption.credit
        row.position = position
        row.is_lead = position == 0
        row.full_clean(exclude=["article"])
        row.save()
    for row in existing[len(record.captions) :]:
        row.delete()
