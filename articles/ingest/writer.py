"""The one door through which ingested articles reach the database.

`ingest(data, ...)` parses raw bytes and upserts the article on its natural key in one
transaction, and keeps the raw input as an IngestRecord whatever the outcome.

Natural key: (agency, external_id). Formats that carry an identifier use it; a capture has
none, so its key is the slug of its headline as first imported ("kerry-lavrov-rapport-...");
a headline without letters or digits has no slug, and the import fails rather than match the
articles that have no identifier.
The key is stored on the article and never changes, so an editor may correct the headline
and a later re-import still finds the article.
"""

import hashlib
import json
from dataclasses import asdict, dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
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
    operator: str = "",
    publish: bool = False,
    dry_run: bool = False,
    parser=parse_capture,
) -> IngestResult:
    """Parse and save one raw input. Never raises for bad input: the result says it failed.

    Input the database cannot hold (a model validation error, such as an over-long alt text)
    is bad input too: it fails with the reason, and its raw bytes are kept like any other.
    """
    keep = {
        "filename": filename[:500],
        "channel": channel,
        "received_by": user,
        "operator": (operator or (user.get_username() if user else ""))[:150],
        "raw": data,
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    try:
        record = parser(data)
        if not natural_key(record):
            # An empty key would match every article without an identifier.
            raise IngestError(
                "does not look like an article: the headline has no letters or digits"
            )
        with transaction.atomic():
            try:
                with transaction.atomic():
                    outcome, article = _upsert(record, publish=publish)
            except (IntegrityError, ValidationError):
                # Another process created the same article between our look-up and our insert
                # (the constraint, or full_clean's check of it, decided): this import now
                # updates (or leaves) that article. Any other validation error comes back and
                # fails the import below.
                outcome, article = _upsert(record, publish=publish)
            if dry_run:
                transaction.set_rollback(True)
            else:
                IngestRecord.objects.create(outcome=outcome, article=article, **keep)
    except (IngestError, ValidationError) as error:
        message = str(error) if isinstance(error, IngestError) else _cannot_save(error)
        if not dry_run:
            IngestRecord.objects.create(outcome=Outcome.FAILED, message=message, **keep)
        return IngestResult(Outcome.FAILED, error=message)
    return IngestResult(outcome, article, record)


def _cannot_save(error: ValidationError) -> str:
    """One line naming each field the database refused and why."""
    if hasattr(error, "error_dict"):
        reasons = "; ".join(
            " ".join(texts) if field == NON_FIELD_ERRORS else f"{field}: {' '.join(texts)}"
            for field, texts in error.message_dict.items()
        )
    else:
        reasons = " ".join(error.messages)
    return "cannot be saved: " + " ".join(reasons.split())


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
    agency = Agency.objects.filter(name=record.agency.name).first()
    if agency is None:
        agency = Agency(
            name=record.agency.name,
            slug=unique_slug(record.agency.name, Agency),
            description=record.agency.description,
        )
        # Validated like the article (a name too long for the column fails the import); the
        # slug may be a Unicode one, which the field's ASCII validator would refuse.
        agency.full_clean(exclude=["slug"])
        agency.save()
    elif not agency.description and record.agency.description:
        # Fill a missing description; never overwrite what an editor wrote.
        agency.description = record.agency.description
        agency.save(update_fields=["description"])
    return agency


def _author(name, agency):
    slug = slugify(name, allow_unicode=True)[:200] or "author"
    author = Author.objects.filter(slug=slug).first()
    if author is None:
        author = Author(name=name, slug=slug, agency=agency)
        author.full_clean(exclude=["slug"])
        author.save()
    return author


def _save_captions(article, record):
    """Update captions in place by position, keeping any image an editor attached."""
    existing = list(article.captions.order_by("position", "id"))
    # An editor may have made another caption the lead: clear the flag first, as the
    # one-lead constraint is checked row by row.
    article.captions.filter(is_lead=True).update(is_lead=False)
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
