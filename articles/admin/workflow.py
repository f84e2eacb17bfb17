"""Article admin: roles and the publishing workflow (publish, schedule, withdraw, delete),
corrections, and previews of unpublished articles.

Who may do what is the permission `articles.publish_article` (the "Chief editors" group, see
articles.roles): without it the publishing fields are read-only (so a forged form cannot change
them either), and the "Publish now" and "Withdraw" actions are not offered (a forged action is
refused by the admin, as it is not in get_actions). Deleting is Django's own delete permission
and its confirmation page.

When an article is withdrawn is stored (Article.withdrawn_at): by the "Withdraw" action, and by
Article.save() for every other way (the form's status, a restored revision), so that its
address shows the headline only if readers could have seen it.
"""

from django.contrib import admin, messages
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html

from articles import publishing
from articles.models import Article, Correction
from articles.publishing import READER_STATES, may_publish, reader_state, state_label
from articles.times import isotime

PUBLISHING_FIELDS = ("status", "published_at")


class CorrectionInline(admin.TabularInline):
    """Dated notes for readers, listed under "Updates" on the article page."""

    model = Correction
    extra = 0
    fields = ["noted_at", "text"]
    verbose_name = "correction or update note"
    verbose_name_plural = "corrections and update notes (shown to readers)"


class ReaderStateFilter(admin.SimpleListFilter):
    """The article's state as readers see it: the one publishing rule, split four ways."""

    title = "state for readers"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [(state, label) for state, (label, _) in READER_STATES.items()]

    def queryset(self, request, queryset):
        if self.value() in READER_STATES:
            return queryset.filter(READER_STATES[self.value()][1](timezone.now()))
        return queryset


def publishing_readonly_fields(request, fields):
    """Read-only fields: the publishing fields too without the permission. Read-only fields
    are not part of the form, so a tampered POST cannot set them."""
    fields = list(fields)
    if not may_publish(request.user):
        fields += [name for name in PUBLISHING_FIELDS if name not in fields]
    return fields


def reader_state_label(article):
    """The "state for readers" column: the one publishing rule, with the scheduled time."""
    state = reader_state(article)
    if state == "scheduled":
        return format_html(
            'Scheduled for <time datetime="{}">{}</time>',
            isotime(article.published_at),
            date_format(timezone.localtime(article.published_at), "j F Y, H:i T"),
        )
    return state_label(state)


def preview_url(article):
    """ "View on site" while readers cannot see the article: its preview; else None."""
    if article is not None and article.pk and not article.is_published():
        return reverse("articles:article_preview", kwargs={"slug": article.slug})
    return None


def change_state(modeladmin, request, articles, change, message, reason):
    """Apply change(article) to each article and save it, recorded in the admin log and the
    article's history."""
    with transaction.atomic():
        for article in articles:
            change(article)
            article._change_reason = reason
            article.save()
            modeladmin.log_change(request, article, message)


# Actions for chief editors (permissions=["publish"]: offered only to those who may publish).


@admin.action(description="Publish now", permissions=["publish"])
def publish_now(modeladmin, request, queryset):
    if not may_publish(request.user):  # get_actions offers it only with the permission
        return
    now = timezone.now().replace(microsecond=0)
    articles = [article for article in queryset if not article.is_published()]

    change_state(
        modeladmin,
        request,
        articles,
        lambda article: publishing.publish(article, now),
        "Published now.",
        "admin action: publish now",
    )
    live = queryset.count() - len(articles)
    text = f"Published {len(articles)} article(s) now."
    if live:
        text += f" {live} already published article(s) left as they were."
    modeladmin.message_user(request, text, messages.SUCCESS)


@admin.action(description="Withdraw", permissions=["publish"])
def withdraw(modeladmin, request, queryset):
    if not may_publish(request.user):
        return
    now = timezone.now()
    articles = list(queryset.filter(status=Article.Status.PUBLISHED))
    drafts = queryset.filter(status=Article.Status.DRAFT).count()

    # withdrawn_at: a scheduled article withdrawn before its time was never public, and its
    # address stays a 404 however often it is saved later (publishing.was_public).
    change_state(
        modeladmin,
        request,
        articles,
        lambda article: publishing.withdraw(article, now),
        "Withdrawn.",
        "admin action: withdraw",
    )
    text = f"Withdrew {len(articles)} article(s): their addresses now answer “withdrawn”."
    if drafts:
        text += f" {drafts} draft(s) left as they were: a draft was never published."
    modeladmin.message_user(request, text, messages.SUCCESS)


# Breaking-news alerts (AlertAdmin's "End now", and `manage.py alert --end`).


def end_alerts_now(modeladmin, request, queryset):
    ended = publishing.end_alerts(queryset, reason="admin action: end now")
    for alert in ended:
        modeladmin.log_change(request, alert, "Ended now.")
    text = f"Ended {len(ended)} alert(s): the banner is gone."
    if skipped := queryset.count() - len(ended):
        text += f" {skipped} alert(s) not shown now left as they were."
    modeladmin.message_user(request, text, messages.SUCCESS)
