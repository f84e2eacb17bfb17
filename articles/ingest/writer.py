"""The one door through which ingested articles reach the database.

`ingest(data, ...)` parses raw bytes and upserts the article on its natural key in one
transaction, and keeps the raw input as an IngestRecord whatever the outcome.

Natural key: (agency, external_id), compared through the identifier's SHA-256
(Article.external_key), so an identifier of any length fits. Formats that carry an
identifier use it; a capture has
none, so its key is the slug of its headline as first imported ("kerry-lavrov-rapport-...");
a headline without letters or digits has no slug, and the import fails rather than match the
articles that have no identifier.
The key is stored on the article and never changes, so an editor may correct the headline
and a later re-import still finds the article.

An agency update never overwrites an editor's work: if the article was saved since its last
import (`version != imported_version`), the update is held (outcome "held"): it is kept as a
PendingUpdate and the article is flagged `needs_review`, until an editor applies
(`apply_pending_update`) or dismisses (`dismiss_pending_update`) it in the admin (see
articles.ingest.held). What a canceled story is: articles.ingest.agency_status.

Every import is one revision of each object it writes, with the change reason
"import: <file name> (<channel>)" (see articles.revisions).

Wire formats (ninjs, NewsML-G2, saved web pages: see articles.ingest.formats) carry a version:
a higher one updates the article (slug and address unchanged, the previous version kept in
the revision history), the same one is "unchanged", a lower one "skipped (stale)". Versions
compare as numbers. A canceled (or withdrawn) story withdraws the article, which then answers
410 Gone; it is never deleted. A story canceled while it is still a draft here was never
public: it stays a draft (a 404, its headline never shown), marked canceled for the editors,
and no import publishes it (outcome "skipped", with the reason). A new article whose headline and agency match an existing
article with another identifier (the same story in two formats) is created, flagged as a
possible duplicate of it, and reported, never merged.

Role rules hold through ingest as in the article form: an import by a user without the publish
permission (an editor, through the admin's Import page) never changes what readers see. It
publishes nothing (`publish` is ignored), and an agency cancellation of a published (or
scheduled) article is held for a chief editor like an update (outcome "held"), never applied;
only a user with the permission can apply such a held cancellation. Imports without a user
(`manage.py ingest`, run by an operator) are not limited.
"""

import hashlib
import json
import time
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import PurePath

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.text import slugify

from articles.markup import escape_markdown
from articles.models import (
    Agency,
    Article,
    Author,
    Caption,
    IngestRecord,
    PendingUpdate,
    identifier_key,
)
from articles.publishing import may_publish, publish_draft, unique_slug
from articles.revisions import revision

from .agency_status import HELD_CANCELLATION, canceled_by_agency, cancels
from .formats import detect
from .formats import parse as parse_format
from .records import AgencyRecord, ArticleRecord, Block, CaptionRecord, IngestError
from .storable import check_storable, storable_filename

__all__ = [
    "IngestError",
    "IngestResult",
    "apply_record",
    "body_markdown",
    "content_checksum",
    "fills_description",
    "find_agency",
    "ingest",
    "is_article_of",
    "leaves_unchanged",
    "mark_canceled",
    "natural_key",
    "record_from_json",
    "record_to_json",
    "retrying",
    "withdraw_canceled",
]

Outcome = IngestRecord.Outcome


@dataclass(frozen=True)
class IngestResult:
    outcome: str
    article: Article | None = None
    record: ArticleRecord | None = None
    error: str = ""
    # The format read ("capture", "ninjs", "newsml-g2", "html") and what the writer noted
    # (why a version was skipped, that an update was held...).
    format: str = ""
    message: str = ""

    @property
    def failed(self):
        return self.outcome == Outcome.FAILED

    @property
    def sanitiser_warnings(self) -> int:
        return len(self.record.sanitiser_warnings) if self.record else 0

    @property
    def duplicate(self) -> Article | None:
        """The article this new one may duplicate (same headline and agency, other key)."""
        if self.outcome != Outcome.CREATED or self.article is None:
            return None
        return self.article.possible_duplicate_of

    def line(self) -> str:
        """What `manage.py ingest` prints on stdout for this input (a failure's reason,
        self.error, goes to stderr instead): "<outcome> <URL path>", where a lower version
        reads "skipped (stale)", then any "; imported with N sanitiser warnings" and
        "; possible duplicate of <URL path>"."""
        words = "skipped (stale)" if self.outcome == Outcome.STALE else self.outcome
        if self.article is not None:
            where = self.article.get_absolute_url()
        else:
            where = f"{self.record.external_id}: {self.message}" if self.record else self.message
        line = f"{words} {where}"
        if self.article is not None and self.outcome == Outcome.SKIPPED and self.message:
            line += f": {self.message}"
        if self.sanitiser_warnings and self.outcome in (Outcome.CREATED, Outcome.UPDATED):
            n = self.sanitiser_warnings
            line += f"; imported with {n} sanitiser warning{'' if n == 1 else 's'}"
        if self.duplicate is not None:
            line += f"; possible duplicate of {self.duplicate.get_absolute_url()}"
        return line


def natural_key(record: ArticleRecord) -> str:
    return record.external_id or slugify(record.headline, allow_unicode=True)[:255]


# Not content: what read the input and what it noticed.
_NOT_CONTENT = {"format", "warnings"}
_DEFAULTS = {f.name: f.default for f in fields(ArticleRecord)}


def content_checksum(record: ArticleRecord) -> str:
    """SHA-256 of everything an import writes: equal checksums mean nothing to update.

    Fields added for wire formats count only when set, so that a capture imported before
    they existed keeps its checksum (its re-import stays "unchanged")."""
    data = asdict(record)
    data = {
        key: value
        for key, value in data.items()
        if key not in _NOT_CONTENT and not (key in _WIRE_FIELDS and value in (None, "", {}, ()))
    }
    for block in data["blocks"]:
        if not block["markdown"]:
            del block["markdown"]
    for caption in data["captions"]:
        if not caption["image_url"]:
            del caption["image_url"]
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


_WIRE_FIELDS = {
    "published_at", "updated_at", "pubstatus", "embargoed", "slugline", "wire_metadata",
}  # fmt: skip


def body_markdown(blocks) -> str:
    """Markdown source of the body: each block's own Markdown when it keeps inline markup
    (emphasis, links from a wire body), else its text escaped to render exactly as written."""
    parts = []
    for block in blocks:
        text = block.markdown or escape_markdown(block.text)
        parts.append(f"## {text}" if block.kind == "subheading" else text)
    return "\n\n".join(parts) + "\n"


def record_to_json(record: ArticleRecord) -> dict:
    """The record as JSON data (what a PendingUpdate keeps)."""
    return json.loads(json.dumps(asdict(record), ensure_ascii=False))


def record_from_json(data: dict) -> ArticleRecord:
    """The record a PendingUpdate keeps, back as an ArticleRecord (same checksum)."""
    agency = data.get("agency")
    wire = {key: data[key] for key in _WIRE_FIELDS | {"format"} if key in data}
    return ArticleRecord(
        **wire,
        warnings=tuple(data.get("warnings", ())),
        headline=data["headline"],
        blocks=tuple(Block(**block) for block in data["blocks"]),
        language=data.get("language", "en"),
        standfirst=data.get("standfirst", ""),
        captions=tuple(CaptionRecord(**caption) for caption in data.get("captions", ())),
        agency=AgencyRecord(**agency) if agency else None,
        authors=tuple(data.get("authors", ())),
        source_url=data.get("source_url", ""),
        external_id=data.get("external_id", ""),
        version=data.get("version"),
    )


def edited_since_import(article: Article) -> bool:
    """Saved since its last import. An article the writer never imported (imported_version
    unknown: created elsewhere, or imported before versions were counted) has no import to
    compare with, and is treated as not edited."""
    return article.imported_version is not None and article.version != article.imported_version


def _reason(filename, channel):
    return f"import: {PurePath(filename).name} ({channel})"


def ingest(
    data: bytes,
    *,
    filename: str,
    channel: str,
    user=None,
    operator: str = "",
    publish: bool = False,
    dry_run: bool = False,
    parser=None,
    fmt: str | None = None,
) -> IngestResult:
    """Parse and save one raw input. Never raises for bad input: the result says it failed.

    The format is detected (fmt None or "auto") or forced (fmt "capture", "ninjs",
    "newsml-g2" or "html"); a `parser` function (bytes -> ArticleRecord) overrides both.

    Input the database cannot hold (a model validation error, such as an over-long alt text)
    is bad input too: it fails with the reason, and its raw bytes are kept like any other. So
    is an article that concurrent imports kept writing while this one tried to (refused by
    the database on the retry too): "could not store: a concurrent import kept conflicting".
    """
    filename = storable_filename(filename)  # also in the revision's reason
    keep = {
        "filename": filename[:500],
        "channel": channel,
        "received_by": user,
        "operator": (operator or (user.get_username() if user else ""))[:150],
        "raw": data,
        "sha256": hashlib.sha256(data).hexdigest(),
        "format": (fmt if fmt not in (None, "", "auto") else detect(data))[:20],
    }
    allowed = may_publish(user)
    try:
        record = parser(data) if parser is not None else parse_format(data, fmt)
        keep["format"] = record.format or keep["format"]
        keep["warnings"] = list(record.warnings)
        check_storable(record)  # a NUL or a lone surrogate fails this file, never the batch
        if not natural_key(record):
            # An empty key would match every article without an identifier.
            raise IngestError(
                "does not look like an article: the headline has no letters or digits"
            )

        def write():
            with transaction.atomic(), revision(_reason(filename, channel), user=user):
                outcome, article, message = _upsert(
                    record, publish=publish and allowed, may_withdraw=allowed
                )
                if dry_run:
                    # Leaving by an exception rolls everything back, and ends the revision
                    # block without merging records (no query in a doomed transaction).
                    raise _DryRun(outcome, article, message)
                ingest_record = IngestRecord.objects.create(
                    outcome=outcome, article=article, message=message, **keep
                )
                if outcome == Outcome.HELD:
                    _hold(article, record, ingest_record)
                return outcome, article, ingest_record.message

        try:
            outcome, article, message = retrying(write)
        except _DryRun as done:
            outcome, article, message = done.args
        except IntegrityError as error:
            # Refused again on the retry: another import wrote the same article (or agency,
            # or author) between our look-up and our insert twice. Fails like bad input.
            key = natural_key(record)
            key = key if len(key) <= 100 else key[:99] + "…"
            reason = " ".join(str(error).split("\n", 1)[0].split())
            raise IngestError(
                "could not store: a concurrent import kept conflicting "
                f"(article “{key}”: {reason}); import the file again"
            ) from error
    except (IngestError, ValidationError) as error:
        message = str(error) if isinstance(error, IngestError) else _cannot_save(error)
        if not dry_run:
            IngestRecord.objects.create(outcome=Outcome.FAILED, message=message, **keep)
        return IngestResult(Outcome.FAILED, error=message, format=keep["format"])
    return IngestResult(outcome, article, record, format=keep["format"], message=message)


class _DryRun(Exception):
    """Not an error: how a dry run leaves its transaction, carrying what it would have done
    (outcome, article, message)."""


SQLITE_BUSY_RETRIES = 8


def retrying(write):
    """Run write() (one transaction), again when another process got in the way:

    * Another process created the same article (or agency, or author) between our look-up
      and our insert: the constraint, or full_clean's check of it, decided. Once more, the
      look-up finds that row and this import updates (or leaves) it. A validation error that
      comes back is a real one and fails the import; a refusal by the database that comes
      back (another import got in the way again) is raised too, and ingest() reports it as
      a failed import ("could not store: a concurrent import kept conflicting").
    * SQLite serialises writers, and refuses at once ("database is locked") a transaction
      that read and then wants to write while another one writes: it is run again, after
      a short wait. Inside a caller's transaction nothing can be retried.
    """
    conflict_retried, busy_retries = False, 0
    while True:
        try:
            return write()
        except (IntegrityError, ValidationError):
            if conflict_retried:
                raise
            conflict_retried = True
        except OperationalError as error:
            if (
                "database is locked" not in str(error)
                or transaction.get_connection().in_atomic_block
                or busy_retries >= SQLITE_BUSY_RETRIES
            ):
                raise
            busy_retries += 1
            time.sleep(0.05 * 2**busy_retries)


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


def _upsert(record: ArticleRecord, *, publish: bool, may_withdraw: bool = True):
    """(outcome, article, message). The article's row stays locked until the end of the
    transaction, so no editor's save can slip in between the check and the write. Without
    may_withdraw, a cancellation of a published or scheduled article is held."""
    agency = _agency(record)
    key = natural_key(record)
    checksum = content_checksum(record)
    article = (
        Article.objects.select_for_update()
        .filter(agency=agency, external_key=identifier_key(key))
        .first()
    )
    canceled = cancels(record)
    if article is None:
        if canceled:
            return Outcome.SKIPPED, None, "canceled by the agency and never imported here"
        article = Article(
            slug=unique_slug(record.headline, Article), agency=agency, external_id=key
        )
        article.possible_duplicate_of = _possible_duplicate(article, record)
        apply_record(article, record, checksum=checksum, publish=publish)
        message = ""
        if article.possible_duplicate_of is not None:
            message = (
                f"possible duplicate of {article.possible_duplicate_of.get_absolute_url()}: "
                "same headline and agency, another identifier; not merged"
            )
        return Outcome.CREATED, article, message
    incoming, stored = record.version, article.external_version
    if incoming is not None and stored is not None:
        if _older(record, article):
            return (
                Outcome.STALE,
                article,
                f"skipped (stale): version {incoming} is older than the imported {stored}",
            )
        if incoming == stored and not canceled and article.source_checksum != checksum:
            return (
                Outcome.UNCHANGED,
                article,
                f"version {incoming} again with other content: not applied (the agency "
                "should send a new version)",
            )
    if canceled:
        if article.status == Article.Status.WITHDRAWN:
            return Outcome.UNCHANGED, article, "already withdrawn"
        if article.status == Article.Status.DRAFT:
            if canceled_by_agency(article):
                return Outcome.UNCHANGED, article, "already canceled by the agency"
            mark_canceled(article, record)
            return Outcome.SKIPPED, article, CANCELED_DRAFT.format(record.pubstatus)
        if not may_withdraw:
            return Outcome.HELD, article, HELD_CANCELLATION.format(record.pubstatus)
        withdraw_canceled(article, record)
        return Outcome.WITHDRAWN, article, f"withdrawn: the agency's status is {record.pubstatus}"
    if leaves_unchanged(article, record, checksum=checksum, publish=publish):
        return Outcome.UNCHANGED, article, ""
    if article.source_checksum == checksum:
        # The same content, and a draft to publish (--publish): a draft the agency canceled
        # stays unpublished.
        if canceled_by_agency(article):
            return Outcome.UNCHANGED, article, NOT_PUBLISHED_CANCELED
        # The content is the one imported last: publish it, and touch nothing else (an editor
        # may have changed the text since).
        was_edited = edited_since_import(article)
        publish_draft(article, timezone.now().replace(microsecond=0))
        if not was_edited:
            article.imported_version = article.version + 1  # the version save() gives it
        article.full_clean(exclude=["slug"])
        article.save()
        return Outcome.UPDATED, article, ""
    if edited_since_import(article):
        return (
            Outcome.HELD,
            article,
            f"held for review: an editor changed the article (now version {article.version}) "
            f"since its last import (version {article.imported_version})",
        )
    apply_record(article, record, checksum=checksum, publish=publish)
    return Outcome.UPDATED, article, ""


def is_article_of(article, record: ArticleRecord, agency) -> bool:
    """Whether `article` is the one _upsert finds for `record`, given `agency`, the agency the
    import takes (find_agency; None for a record without one): the article of that agency
    with the record's natural key (compared through identifier_key). A record without a key
    has no article (ingest() refuses it)."""
    key = natural_key(record)
    return (
        bool(key)
        and article.external_key == identifier_key(key)
        and article.agency_id == (agency.pk if agency else None)
    )


def leaves_unchanged(article, record: ArticleRecord, *, checksum: str, publish: bool) -> bool:
    """Whether _upsert leaves the article it found for `record` (a record that does not cancel
    its story, see agency_status.cancels) as it is, outcome "unchanged" without a message:
    the content is the one imported last (`checksum`, the record's content_checksum), the
    version is not older than the imported one ("skipped (stale)"), and it is not a draft to
    publish. --publish publishes drafts only: a withdrawn article stays withdrawn (that was a
    chief editor's decision, which an import must not undo)."""
    return (
        article.source_checksum == checksum
        and not _older(record, article)
        and not (publish and article.status == Article.Status.DRAFT)
    )


def _older(record: ArticleRecord, article) -> bool:
    """The record's version is older than the one last imported into the article."""
    incoming, stored = record.version, article.external_version
    return incoming is not None and stored is not None and incoming < stored


# A cancellation of a draft: readers never saw the story, so there is nothing to withdraw
# (a withdrawn article answers 410 with its headline, which would show them one they never
# saw). The draft stays a draft, marked canceled for the editors.
CANCELED_DRAFT = (
    "canceled by the agency (status {}) before it was published here: kept as an "
    "unpublished draft, marked canceled for the editors"
)
NOT_PUBLISHED_CANCELED = "not published: the agency canceled this story"


def _possible_duplicate(article, record):
    """The oldest article of the same agency with the same headline but another key."""
    if article.agency is None:
        return None
    return (
        Article.objects.filter(agency=article.agency, headline__iexact=record.headline)
        .exclude(external_id=article.external_id)
        .order_by("created_at", "pk")
        .first()
    )


def withdraw_canceled(article, record):
    """Withdraw the (locked) article whose story the agency's record cancels. Withdrawn,
    never deleted: readers get 410 Gone; the text stays as it is (an editor's changes
    included)."""
    was_edited = edited_since_import(article)
    article.withdraw()  # withdrawn_at: now (a 410 shows the headline only if it was public)
    # The status needs a publication time; an article never published gets the withdrawal's.
    article.published_at = article.published_at or timezone.now().replace(microsecond=0)
    _save_agency_status(article, record, was_edited)


def mark_canceled(article, record):
    """A (locked) draft the agency canceled: it stays a draft (its address stays a 404, its
    headline unseen), its wire metadata keep the agency's status, which no import publishes
    (see canceled_by_agency) and the admin shows; older versions become stale. Saved, so the
    cancellation is a revision in the article's history."""
    was_edited = edited_since_import(article)
    article.wire_metadata = {**(article.wire_metadata or {}), "pubstatus": record.pubstatus}
    _save_agency_status(article, record, was_edited)


def _save_agency_status(article, record, was_edited):
    """Save a status change the agency sent (withdrawal, cancellation): its version is the
    latest seen, and an article no editor changed since its import stays "as imported"."""
    if record.version is not None:
        article.external_version = max(record.version, article.external_version or 0)
    if not was_edited:
        article.imported_version = article.version + 1
    article.full_clean(exclude=["slug"])
    article.save()


def _moment(iso: str):
    return datetime.fromisoformat(iso) if iso else None


def apply_record(article, record: ArticleRecord, *, checksum: str, publish: bool):
    """Write the record into the article (new or locked), its captions and authors;
    `checksum` is the record's content_checksum."""
    adding = article._state.adding
    article.headline = record.headline
    article.standfirst = record.standfirst
    article.body = body_markdown(record.blocks)
    article.language = record.language
    article.source_url = record.source_url
    article.external_version = record.version
    article.source_checksum = checksum
    article.source_format = record.format
    article.slugline = record.slugline[:200]
    article.wire_metadata = record.wire_metadata
    article.source_updated_at = _moment(record.updated_at)
    if article.status == Article.Status.DRAFT and (record.published_at or record.embargoed):
        # The agency's time (or its embargo, if later): publishing keeps it, so an embargo
        # becomes a scheduled publication.
        article.published_at = max(
            t for t in (_moment(record.published_at), _moment(record.embargoed)) if t
        )
    # A story the agency withholds (or canceled before) is not published, whatever was asked.
    if publish and record.pubstatus != "withheld" and not canceled_by_agency(article):
        publish_draft(article, timezone.now().replace(microsecond=0))
    # The version this save gives the article: a new one starts at its default, save()
    # adds one to an existing one's.
    article.imported_version = article.version if adding else article.version + 1
    article.full_clean(exclude=None if adding else ["slug"])
    article.save()
    _save_captions(article, record)
    article.authors.set([_author(name, article.agency) for name in record.authors])


def _hold(article, record: ArticleRecord, ingest_record):
    """Keep the update for an editor to review, and flag the article. The flag is set without
    a save: it is not an edit, and must not refuse the save of an editor at work on it."""
    checksum = content_checksum(record)
    waiting = [
        pending
        for pending in article.pending_updates.filter(resolution="")
        if content_checksum(record_from_json(pending.record)) == checksum
    ]
    if waiting:
        ingest_record.message += f"; the same update is already pending (#{waiting[0].pk})"
    else:
        pending = PendingUpdate.objects.create(
            article=article, ingest_record=ingest_record, record=record_to_json(record)
        )
        ingest_record.message += f"; it waits as pending update #{pending.pk}"
    ingest_record.save(update_fields=["message"])
    Article.objects.filter(pk=article.pk).update(needs_review=True)
    article.needs_review = True


def find_agency(name: str, *fields: str) -> Agency | None:
    """The agency an import from the agency `name` takes, if it exists (_agency creates it
    otherwise): the first whose name matches whatever the case ("REUTERS" in a NewsML-G2
    provider is the admin's "Reuters"). One query; `fields`: only those are loaded."""
    agencies = Agency.objects.filter(name__iexact=name).order_by("pk")
    return (agencies.only(*fields) if fields else agencies).first()


def fills_description(agency, record: ArticleRecord) -> bool:
    """Whether importing `record` fills in the description of `agency` (what find_agency
    gave): the agency has none and the record brings one. What an editor wrote is never
    overwritten."""
    return (
        agency is not None
        and record.agency is not None
        and bool(record.agency.description)
        and not agency.description
    )


def _agency(record: ArticleRecord):
    if record.agency is None:
        return None
    agency = find_agency(record.agency.name)
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
    elif fills_description(agency, record):
        agency.description = record.agency.description
        agency.save(update_fields=["description"])
    return agency


def _author(name, agency):
    """The author of this byline name at the article's agency (None: a house author): who an
    author is, is (agency, name), so the same name at another agency is another author,
    unless an editor merged them (an alias, consulted first). A new author gets the name's
    slug, or the name's and the agency's when it is taken (see Author.objects.free_slug)."""
    author = Author.objects.identified(name, agency)
    if author is None:
        author = Author(name=name, slug=Author.objects.free_slug(name, agency), agency=agency)
        # Validated like the article: full_clean checks the (agency, name) constraint too, so
        # a concurrent import's same author is retried (see retrying) and then found.
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
        row.image_url = caption.image_url
        row.position = position
        row.is_lead = position == 0
        row.full_clean(exclude=["article"])
        row.save()
    for row in existing[len(record.captions) :]:
        row.delete()
