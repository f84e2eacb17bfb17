"""Who changed what, when and from where: the revisions of articles, captions, agencies,
authors, alerts and corrections (django-simple-history), and the helpers that restore them.

Every historical record gets, besides simple-history's own user and date:

* a change reason naming the channel ("admin", "import: kerry-lavrov.txt (command)",
  "restore of revision 12"), from the `revision()` block the change was made in;
* the IP address of the HTTP request that made it (`ip_address`, see RevisionOrigin), read
  from simple-history's `HistoricalRecords.context.request` (set by HistoryRequestMiddleware).

One unit of work is one revision: inside a `revision()` block every object gets a single
historical record, holding its state at the end of the block. Without it, an admin save of an
article would leave two (the save, then the change of its authors), and the first of them
would list the old authors.
"""

import ipaddress
import re
import sys
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher
from pathlib import PurePath

from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from simple_history.models import DeletedObject, HistoricalRecords
from simple_history.utils import get_m2m_reverse_field_name

from articles.models import Article, Author, Caption

REASON_MAX_LENGTH = 100

_unit: ContextVar[dict | None] = ContextVar("revision_unit", default=None)


@contextmanager
def revision(reason, *, user=None):
    """Everything saved inside is one revision per object: with this change reason (unless the
    object names its own), this user (unless the request's user is known), and one time.

    Nested blocks join the outermost one (its reason wins). Use inside the transaction that
    saves: the records are merged when the block ends.
    """
    if _unit.get() is not None:
        yield
        return
    unit = {"reason": reason[:REASON_MAX_LENGTH], "user": user, "date": None, "records": {}}
    token = _unit.set(unit)
    try:
        yield
        _merge(unit["records"])
    finally:
        _unit.reset(token)


def current_reason():
    unit = _unit.get()
    return unit["reason"] if unit else ""


def client_ip(request):
    """The address the request came from (REMOTE_ADDR: the project trusts no proxy header)."""
    address = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def fill_revision_origin(sender, history_instance, **kwargs):
    """pre_create_historical_record: the reason, user and time of the block, the IP address
    of the request."""
    unit = _unit.get()
    if unit is not None:
        if not history_instance.history_change_reason:
            history_instance.history_change_reason = unit["reason"]
        if history_instance.history_user_id is None and unit["user"] is not None:
            history_instance.history_user = unit["user"]
        if unit["date"] is None:
            unit["date"] = history_instance.history_date
        else:
            history_instance.history_date = unit["date"]
    request = getattr(HistoricalRecords.context, "request", None)
    if not history_instance.history_change_reason:
        history_instance.history_change_reason = fallback_reason(request)
    if request is not None and getattr(history_instance, "ip_address", None) is None:
        history_instance.ip_address = client_ip(request)


def fallback_reason(request):
    """The channel of a change made outside any revision() block: the request's method and
    path, or the management command's name."""
    if request is not None:
        return f"web: {request.method} {request.path}"[:REASON_MAX_LENGTH]
    argv = sys.argv
    if len(argv) > 1 and PurePath(argv[0]).name in ("manage.py", "django-admin", "newsroom"):
        return f"command: {argv[1]}"[:REASON_MAX_LENGTH]
    return None


def collect_revision(sender, history_instance, **kwargs):
    """post_create_historical_record: remember the record for merging at the end of the
    block."""
    unit = _unit.get()
    if unit is not None:
        pk_name = history_instance.instance_type._meta.pk.attname
        key = (type(history_instance), getattr(history_instance, pk_name))
        unit["records"].setdefault(key, []).append(history_instance)


def _m2m_history_models(history_model):
    return [getattr(history_model, field.name).model for field in history_model._history_m2m_fields]


def _merge(records_by_object):
    """One record per object: the first one (created or changed), with the values and
    many-to-many snapshot of the last one. Records of a deletion are left as they are."""
    for (history_model, _pk), created in records_by_object.items():
        if len(created) < 2:
            continue
        # A savepoint rolled back (a retried import) takes its records with it; on SQLite their
        # ids may even be given again: keep the records that exist, the newest object per id.
        by_id = {}
        for record in created:
            by_id.pop(record.pk, None)
            by_id[record.pk] = record
        existing = set(history_model.objects.filter(pk__in=by_id).values_list("pk", flat=True))
        records = [record for pk, record in by_id.items() if pk in existing]
        if len(records) < 2 or any(r.history_type == "-" for r in records):
            continue
        first, last = records[0], records[-1]
        values = {f.attname: getattr(last, f.attname) for f in history_model.tracked_fields}
        history_model.objects.filter(pk=first.pk).update(**values)
        others = [r.pk for r in records[1:]]
        for m2m_model in _m2m_history_models(history_model):
            m2m_model.objects.filter(history_id=first.pk).delete()
            m2m_model.objects.filter(history_id=last.pk).update(history_id=first.pk)
            m2m_model.objects.filter(history_id__in=others).delete()
        history_model.objects.filter(pk__in=others).delete()


# --- Reading and restoring revisions ----------------------------------------------------------


def author_ids_at(record):
    """The authors of an article revision that still exist, in the order they were added."""
    m2m_model = type(record).authors.model
    ids = m2m_model.objects.filter(history_id=record.pk).order_by("m2m_history_id")
    ids = list(ids.values_list("author_id", flat=True))
    existing = set(Author.objects.filter(pk__in=ids).values_list("pk", flat=True))
    return [pk for pk in ids if pk in existing]


def _latest_caption_records(article_id, **date_filter):
    latest = {}
    records = Caption.history.filter(article_id=article_id, **date_filter)
    for record in records.order_by("history_date", "history_id"):
        latest[record.id] = record
    return latest.values()


def captions_at(record):
    """The caption records of the article as it was at an article revision: as they were
    until its next revision (captions saved in the same revision() block share the time of
    the article's record; the next block's changes share the time of the next record)."""
    following = (
        Article.history.filter(id=record.id, history_date__gt=record.history_date)
        .order_by("history_date", "history_id")
        .first()
    )
    date_filter = {"history_date__lt": following.history_date} if following else {}
    return [
        caption
        for caption in _latest_caption_records(record.id, **date_filter)
        if caption.history_type != "-"
    ]


def captions_deleted_with(deletion, last_change):
    """The caption records of a deleted article: those that were deleted after its last
    change, so with it (captions an editor removed before are left out)."""
    return [
        caption
        for caption in _latest_caption_records(deletion.id, history_date__lte=deletion.history_date)
        if caption.history_type != "-" or caption.history_date > last_change.history_date
    ]


def restore_captions(article, caption_records):
    """Make the article's captions those of the records (same ids); other captions are
    deleted, their revisions kept."""
    keep = {record.id for record in caption_records}
    for caption in article.captions.exclude(pk__in=keep):
        caption.delete()
    # One lead per article is checked row by row: clear the flag first.
    article.captions.filter(is_lead=True).update(is_lead=False)
    for record in sorted(caption_records, key=lambda r: (not r.is_lead, r.position, r.id)):
        caption = record.instance
        caption.article = article
        caption.save()


def last_change(article_id):
    """The latest revision of an article that is not a deletion."""
    return (
        Article.history.filter(id=article_id)
        .exclude(history_type="-")
        .order_by("-history_date", "-history_id")
        .first()
    )


def lock_article(pk):
    """Lock the article's row until the end of the transaction (a no-op on SQLite, whose
    writers are serialised anyway); its current version, or None if it is gone."""
    queryset = Article.objects.filter(pk=pk)
    if transaction.get_connection().in_atomic_block:
        queryset = queryset.select_for_update()
    return queryset.values_list("version", flat=True).first()


# --- What changed, readably ---------------------------------------------------------------------

# Bookkeeping that changes with every save or import: not worth a line in a diff.
NOT_DIFFED = {
    "updated_at",
    "created_at",
    "version",
    "imported_version",
    "source_checksum",
    "needs_review",
    "external_key",  # the hash of external_id (shown as itself)
}


@dataclass(frozen=True)
class FieldChange:
    """One changed field: its label and the old and new values as safe HTML, reduced to
    what changed (the changed paragraphs of a long text, the changed words marked)."""

    field: str
    old: str
    new: str


def revision_author(record):
    """Who made a revision, for people: the user (and the channel, unless it is the admin
    form), or the channel alone (an import by the command)."""
    reason = record.history_change_reason or ""
    user = record.history_user
    if user is None:
        return f"“{reason}”" if reason else "an unknown process"
    name = user.get_full_name() or user.get_username()
    return f"{name} ({reason})" if reason and reason != "admin" else name


def field_changes(model, pairs):
    """[FieldChange] for (field name, old value, new value) of a model, the unchanged left
    out."""
    changes = []
    for name, old, new in pairs:
        model_field = model._meta.get_field(name)
        if old == new or display_value(model_field, old) == display_value(model_field, new):
            continue  # e.g. a time that differs below the second shown
        old_html, new_html = diff_values(model_field, old, new)
        changes.append(FieldChange(str(capfirst(model_field.verbose_name)), old_html, new_html))
    return changes


def record_changes(old_record, new_record):
    """[FieldChange] from one revision to another (any model's history)."""
    model = new_record.instance_type
    delta = new_record.diff_against(
        old_record,
        excluded_fields=[f for f in NOT_DIFFED if _has_field(model, f)],
        foreign_keys_are_objs=True,
    )
    pairs = []
    for change in delta.changes:
        old, new = change.old, change.new
        model_field = model._meta.get_field(change.field)
        if model_field.many_to_many:
            target = get_m2m_reverse_field_name(model_field)
            old = [row[target] for row in old]
            new = [row[target] for row in new]
        pairs.append((change.field, old, new))
    return field_changes(model, pairs)


def article_changes(old_record, new_record):
    return record_changes(old_record, new_record)


def caption_changes(old_captions, new_captions):
    """One "Captions" change (the captions as paragraphs), if they differ. Captions are
    historical records or Caption objects."""
    old, new = captions_text(old_captions), captions_text(new_captions)
    if old == new:
        return []
    old_html, new_html = text_diff(old, new)
    return [FieldChange("Captions", old_html, new_html)]


def captions_text(captions):
    def describe(caption):
        text = " ".join(caption.text.split())
        extras = [
            ("lead photo" if caption.is_lead else ""),
            (f"alt text: {caption.alt_text}" if caption.alt_text else ""),
            (f"credit: {caption.credit}" if caption.credit else ""),
            (f"photo: {caption.image}" if caption.image else ""),
        ]
        extras = "; ".join(extra for extra in extras if extra)
        return f"{text} [{extras}]" if extras else text

    ordered = sorted(captions, key=lambda c: (not c.is_lead, c.position, c.pk or 0))
    return "\n\n".join(describe(caption) for caption in ordered)


def _has_field(model, name):
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


EMPTY = mark_safe('<span class="diff-empty quiet">(empty)</span>')


def display_value(model_field, value):
    """A field's value as people read it (plain text; "" for empty)."""
    if value is None or value == "":
        return ""
    if isinstance(value, DeletedObject):
        return f"(deleted {value.model._meta.verbose_name} #{value.pk})"
    if isinstance(value, list | tuple):
        return ", ".join(display_value(model_field, item) for item in value)
    if isinstance(value, Model):
        return str(value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "j M Y, H:i:s T")
    # Browsers send line breaks as CR LF: the same text for readers.
    return str(value).replace("\r\n", "\n").replace("\r", "\n")


def diff_values(model_field, old, new):
    """(old HTML, new HTML) of a changed field."""
    old_text, new_text = display_value(model_field, old), display_value(model_field, new)
    if not old_text or not new_text:
        return (escape(old_text) or EMPTY), (escape(new_text) or EMPTY)
    return text_diff(old_text, new_text)


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_WORDS = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)


def paragraphs(text):
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [" ".join(p.split()) for p in _PARAGRAPH_BREAK.split(text.strip()) if p.strip()]


def text_diff(old, new):
    """(old HTML, new HTML): for a text of several paragraphs only the paragraphs that
    changed, numbered; within them (and in a one-paragraph text) the changed words marked
    <del> (old) and <ins> (new)."""
    old_paragraphs, new_paragraphs = paragraphs(old), paragraphs(new)
    if len(old_paragraphs) <= 1 and len(new_paragraphs) <= 1:
        return word_diff(" ".join(old_paragraphs), " ".join(new_paragraphs))
    old_parts, new_parts = [], []
    opcodes, too_long = _bounded_opcodes(old_paragraphs, new_paragraphs)
    if too_long:
        note = format_html('<p class="diff-note quiet">{}</p>', TOO_LONG_TO_COMPARE)
        old_parts.append(note)
        new_parts.append(note)
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            continue
        i, j = i1, j1
        # A paragraph edited (not replaced by another) is shown with its words marked.
        while i < i2 and j < j2 and not too_long:
            if _similar(old_paragraphs[i], new_paragraphs[j]):
                old_html, new_html = word_diff(old_paragraphs[i], new_paragraphs[j])
                old_parts.append(_numbered(i, old_html))
                new_parts.append(_numbered(j, new_html))
                i, j = i + 1, j + 1
            elif any(_similar(old_paragraphs[i], other) for other in new_paragraphs[j + 1 : j2]):
                new_parts.append(_numbered(j, format_html("<ins>{}</ins>", new_paragraphs[j])))
                j += 1
            else:
                old_parts.append(_numbered(i, format_html("<del>{}</del>", old_paragraphs[i])))
                i += 1
        for rest in range(i, i2):
            old_parts.append(_numbered(rest, format_html("<del>{}</del>", old_paragraphs[rest])))
        for rest in range(j, j2):
            new_parts.append(_numbered(rest, format_html("<ins>{}</ins>", new_paragraphs[rest])))
    unchanged = sum(i2 - i1 for tag, i1, i2, _, _ in opcodes if tag == "equal")
    note = ""
    if unchanged:
        note = format_html(
            '<p class="diff-note quiet">({} unchanged paragraph{} not shown)</p>',
            unchanged,
            "" if unchanged == 1 else "s",
        )
    old_html = mark_safe("".join(old_parts) or '<p class="diff-empty quiet">(no paragraph)</p>')
    new_html = mark_safe("".join(new_parts) or '<p class="diff-empty quiet">(removed)</p>')
    return mark_safe(old_html + note), mark_safe(new_html + note)


# Word diffs compare at most this many words and spaces on each side after the common start
# and end are set aside: SequenceMatcher takes time in the product of the two lengths (a
# long paragraph rewritten took far longer than any request may; figures in
# docs/benchmarks.md, "Measurements behind the code"). Longer changes are shown whole, deleted
# and inserted, with a note.
MAX_DIFF_WORDS = 4000
TOO_LONG_TO_COMPARE = "(changed part too long to compare word by word: shown whole)"


def _similar(old, new):
    old_words, new_words = _WORDS.findall(old), _WORDS.findall(new)
    matcher = SequenceMatcher(None, old_words, new_words)
    if max(len(old_words), len(new_words)) > MAX_DIFF_WORDS:
        return matcher.quick_ratio() >= 0.5  # an upper bound of ratio(), in linear time
    return matcher.ratio() >= 0.5


def _numbered(index, html):
    return format_html(
        '<p class="diff-paragraph"><span class="diff-number">¶{}</span> {}</p>', index + 1, html
    )


def _common_ends(old_words, new_words):
    """(length of the common start, length of the common end) of two word lists, the end
    not overlapping the start."""
    start = 0
    limit = min(len(old_words), len(new_words))
    while start < limit and old_words[start] == new_words[start]:
        start += 1
    end = 0
    while end < limit - start and old_words[-1 - end] == new_words[-1 - end]:
        end += 1
    return start, end


def _bounded_opcodes(old_words, new_words):
    """SequenceMatcher's opcodes for two lists (of words, or of paragraphs), in time bounded
    by MAX_DIFF_WORDS: lists within it are compared whole, as always; of longer ones the
    common start and end are equal, and a middle too long to compare is one replacement (the
    second item says so)."""
    if max(len(old_words), len(new_words)) <= MAX_DIFF_WORDS:
        matcher = SequenceMatcher(None, old_words, new_words, autojunk=False)
        return matcher.get_opcodes(), False
    start, end = _common_ends(old_words, new_words)
    old_end, new_end = len(old_words) - end, len(new_words) - end
    opcodes = [("equal", 0, start, 0, start)] if start else []
    too_long = max(old_end - start, new_end - start) > MAX_DIFF_WORDS
    if too_long:
        opcodes.append(("replace", start, old_end, start, new_end))
    elif old_end > start or new_end > start:
        matcher = SequenceMatcher(
            None, old_words[start:old_end], new_words[start:new_end], autojunk=False
        )
        opcodes += [
            (tag, i1 + start, i2 + start, j1 + start, j2 + start)
            for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        ]
    if end:
        opcodes.append(("equal", old_end, len(old_words), new_end, len(new_words)))
    return opcodes, too_long


def word_diff(old, new):
    """(old HTML, new HTML) with the changed words marked."""
    old_words, new_words = _WORDS.findall(old), _WORDS.findall(new)
    old_html, new_html = [], []
    opcodes, too_long = _bounded_opcodes(old_words, new_words)
    if too_long:
        note = format_html('<span class="diff-note quiet">{}</span> ', TOO_LONG_TO_COMPARE)
        old_html.append(note)
        new_html.append(note)
    for tag, i1, i2, j1, j2 in opcodes:
        old_text, new_text = "".join(old_words[i1:i2]), "".join(new_words[j1:j2])
        if tag == "equal":
            old_html.append(escape(old_text))
            new_html.append(escape(new_text))
            continue
        if old_text:
            old_html.append(format_html("<del>{}</del>", old_text))
        if new_text:
            new_html.append(format_html("<ins>{}</ins>", new_text))
    return mark_safe("".join(old_html)), mark_safe("".join(new_html))
