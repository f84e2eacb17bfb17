"""The one publishing rule, and the operations that change what readers see.

An article is public when its status is "published" and its publication time has come. A
published article whose time has not come is scheduled; a draft was never public; a withdrawn
article was public only if its publication time had come when it was withdrawn. Every query,
page, feed, admin column and import asks here: `published(now)` and `scheduled(now)` as
filters, `PUBLISHED_SQL` for the hand-written reader queries, `is_published()` and
`reader_state()` for an article in hand.

"Publish" means one of three things, each written once:

- `publish(article, at)`: an editor's "Publish now": public from `at`, whatever it was;
- `publish_draft(article, now)`: an import's "publish": a draft becomes published, at the
  agency's time if it gave one (an embargo stays a scheduled publication), else now; an article
  already published or withdrawn is left as it is;
- `fill_publication_time(article, now)`: the article form saved with the status "published"
  and no time: the time is now.

This module imports no model (the models import it): the status values are Article.Status's.
"""

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify

# Publishing, scheduling, withdrawing: the chief editors' permission (see articles.roles).
PUBLISH_PERMISSION = "articles.publish_article"

# Article.Status's values (models.Article.Status is built from these).
DRAFT = "draft"
PUBLISHED = "published"
WITHDRAWN = "withdrawn"


def may_publish(user) -> bool:
    """Whether `user` may change what readers see (None: an operator's command)."""
    return user is None or user.has_perm(PUBLISH_PERMISSION)


def published(now) -> Q:
    """The articles readers may see at `now`."""
    return Q(status=PUBLISHED, published_at__lte=now)


def scheduled(now) -> Q:
    """The articles published for a time after `now`."""
    return Q(status=PUBLISHED, published_at__gt=now)


def was_public() -> Q:
    """The withdrawn articles that readers could have seen: their publication time had come
    when they were withdrawn (a scheduled article withdrawn before its time never was)."""
    return Q(status=WITHDRAWN, published_at__lte=F("withdrawn_at"))


def published_sql(alias: str) -> str:
    """published() for hand-written SQL on the article table as `alias`; its parameters are
    PUBLISHED and now, in that order."""
    return f"{alias}.status = %s AND {alias}.published_at <= %s"


def is_published(article, now=None) -> bool:
    """published() for one article in hand."""
    return (
        article.status == PUBLISHED
        and article.published_at is not None
        and article.published_at <= (now or timezone.now())
    )


# An article's state as readers see it: label, and the filter of the articles in that state.
READER_STATES = {
    "draft": ("Draft", lambda now: Q(status=DRAFT)),
    "scheduled": ("Scheduled", scheduled),
    "published": ("Published", published),
    "withdrawn": ("Withdrawn", lambda now: Q(status=WITHDRAWN)),
}


def reader_state(article) -> str:
    """What readers get of the article now: "draft", "scheduled", "published" or "withdrawn"."""
    if article.status == PUBLISHED:
        return "published" if article.is_published() else "scheduled"
    if article.status == WITHDRAWN:
        return "withdrawn"
    return "draft"


def state_label(state) -> str:
    return READER_STATES[state][0]


def publish(article, at):
    """An editor's "Publish now" (saved by the caller)."""
    article.status = PUBLISHED
    article.published_at = at


def publish_draft(article, now):
    """An import's "publish" (saved by the caller): only a draft changes."""
    if article.status == DRAFT:
        article.status = PUBLISHED
        article.published_at = article.published_at or now


def fill_publication_time(article, now):
    """A published article without a publication time is published from `now`."""
    if article.status == PUBLISHED and article.published_at is None:
        article.published_at = now


def withdraw(article, at):
    """Withdraw the article (saved by the caller) at `at`: withdrawn_at records whether its
    publication time had come (was_public())."""
    article.withdraw(at)


def end_alerts(alerts, *, reason, now=None):
    """End each alert of `alerts` that is shown now, at `now`; return the ones ended.
    Alerts not started yet are left alone (an alert cannot end before it starts)."""
    now = now or timezone.now()
    ended = []
    with transaction.atomic():
        for alert in alerts.active(at=now).select_for_update():
            alert.ends_at = now
            alert._change_reason = reason
            alert.save()
            ended.append(alert)
    return ended


def unique_slug(text, model, field="slug", max_length=200):
    """A slug of `text` that no row of `model` has: "-2", "-3", … added when taken."""
    base = (slugify(text) or slugify(text, allow_unicode=True) or "article")[:max_length]
    slug, n = base, 2
    while model.objects.filter(**{field: slug}).exists():
        suffix = f"-{n}"
        slug, n = base[: max_length - len(suffix)] + suffix, n + 1
    return slug
