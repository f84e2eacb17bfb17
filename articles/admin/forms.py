"""The article change form's guard against lost updates (optimistic concurrency).

The form carries, in a hidden field, the version of the article it was loaded at. When it is
saved, the article's row is locked (SELECT ... FOR UPDATE, inside the admin's transaction: on
PostgreSQL a second save waits for the first to commit) and its version compared:

* the same: the save goes through (and makes the next version);
* moved on: someone saved in between. The save is refused with a message at the top of the
  form naming who saved and when, and listing what they changed (field by field, from the
  revisions in between). The form is shown again with everything the editor typed, and its
  hidden version set to the current one: after reviewing, the editor may save again, which
  then overwrites the other changes on purpose ("Save again to overwrite their changes").
  Nothing is lost either way: the other editor's version stays in the history.
"""

from dataclasses import dataclass, field

from django import forms
from django.utils import timezone
from django.utils.dateformat import format as date_format

from articles.revisions import (
    FieldChange,
    article_changes,
    caption_changes,
    captions_at,
    lock_article,
    revision_author,
)

VERSION_FIELD = "loaded_version"


@dataclass
class VersionConflict:
    """A save refused because the article moved on from the version the form was loaded at."""

    loaded: int | None
    current: int
    saves: list = field(default_factory=list)  # [(who, when)] of the saves in between
    changes: list[FieldChange] = field(default_factory=list)
    complete: bool = True  # False when the history has no copy of the loaded version

    @property
    def message(self):
        if self.loaded is None:
            return (
                "Not saved: this form does not say which version of the article it was opened "
                f"at, so saving it could overwrite someone else's changes (the article is now "
                f"at version {self.current}). Everything you typed is kept below. Check the "
                "article's history, then save again to overwrite the article with this form."
            )
        saves = _join([f"{who} at {when}" for who, when in self.saves]) or "someone"
        return (
            f"Not saved: while you were editing, this article was saved by {saves} (you "
            f"opened version {self.loaded}; it is now version {self.current}). Everything you "
            "typed is kept below. Review their changes, then save again to overwrite their "
            "changes with this form, or open the article again to start from their version."
        )


def _join(items):
    if len(items) < 3:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def when(moment):
    return date_format(timezone.localtime(moment), "j M Y, H:i:s T")


def find_conflict(article, loaded, current):
    """What happened to the article between the two versions, from its revisions."""
    conflict = VersionConflict(loaded=loaded, current=current)
    if loaded is None:
        return conflict
    history = article.history.exclude(history_type="-")
    between = history.filter(version__gt=loaded, version__lte=current).order_by(
        "history_date", "history_id"
    )
    conflict.saves = [(revision_author(record), when(record.history_date)) for record in between]
    baseline = history.filter(version=loaded).order_by("-history_date", "-history_id").first()
    latest = history.order_by("-history_date", "-history_id").first()
    if baseline is None or latest is None:
        conflict.complete = False
        return conflict
    conflict.changes = article_changes(baseline, latest) + caption_changes(
        captions_at(baseline), list(article.captions.all())
    )
    return conflict


class ArticleVersionForm(forms.ModelForm):
    """Base of the article admin's form: refuses a save based on an outdated version."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    # Off for a restore of an old revision (deliberate, and made of that revision's values).
    version_check = True
    # For a restore: the authors of the revision (the form would show today's).
    restored_author_ids = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.version_conflict = None
        self.fields[VERSION_FIELD].initial = self.instance.version if self.instance.pk else None
        if self.restored_author_ids is not None and "authors" in self.fields:
            self.initial["authors"] = list(self.restored_author_ids)

    def clean(self):
        cleaned = super().clean()
        if self.version_check and self.instance.pk is not None:
            self.check_version(cleaned.get(VERSION_FIELD))
        return cleaned

    def check_version(self, loaded):
        # Inside the admin's transaction, the row stays locked until the save is committed:
        # no other save can come in between this check and this save.
        current = lock_article(self.instance.pk)
        if current is None:  # deleted meanwhile: the admin answers "does not exist"
            return
        if loaded == current:
            self.instance.version = current
            return
        self.version_conflict = find_conflict(self.instance, loaded, current)
        self.add_error(None, forms.ValidationError(self.version_conflict.message, code="stale"))
        # Shown again with the current version: a second save, after reviewing, goes through.
        self.data = self.data.copy()
        self.data[self.add_prefix(VERSION_FIELD)] = str(current)
