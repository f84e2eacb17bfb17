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
from django.contrib.admin.options import IS_POPUP_VAR
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html

from articles import publishing
from articles.models import Article, Correction
from articles.publishing import READER_STATES, may_publish, reader_state, state_label
from articles.reader.templating import isotime

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


class WorkflowAdminMixin:
    def has_publish_permission(self, request, obj=None):
        return may_publish(request.user)

    # Publishing fields: read-only without the permission. Read-only fields are not part of
    # the form, so a tampered POST cannot set them.

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not self.has_publish_permission(request, obj):
            fields += [name for name in PUBLISHING_FIELDS if name not in fields]
        return fields

    def get_inlines(self, request, obj):
        inlines = list(super().get_inlines(request, obj))
        if CorrectionInline not in inlines:
            inlines.append(CorrectionInline)
        return inlines

    # The change list: the state as readers see it, and a filter by it.

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if "status" in columns:
            columns[columns.index("status")] = "reader_state"
        elif "reader_state" not in columns:
            columns.insert(1, "reader_state")
        return columns

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if ReaderStateFilter not in filters:
            filters.insert(0, ReaderStateFilter)
        return filters

    @admin.display(description="state for readers", ordering="status")
    def reader_state(self, article):
        state = reader_state(article)
        if state == "scheduled":
            return format_html(
                'Scheduled for <time datetime="{}">{}</time>',
                isotime(article.published_at),
                date_format(timezone.localtime(article.published_at), "j F Y, H:i T"),
            )
        return state_label(state)

    # "View on site": the preview while readers cannot see the article.

    def get_view_on_site_url(self, obj=None):
        if obj is not None and obj.pk and not obj.is_published():
            return reverse("articles:article_preview", kwargs={"slug": obj.slug})
        return super().get_view_on_site_url(obj)

    # Actions for chief editors.

    def get_actions(self, request):
        actions = super().get_actions(request)
        if (
            self.actions is not None
            and IS_POPUP_VAR not in request.GET
            and self.has_publish_permission(request)
        ):
            for action in (publish_now, withdraw):
                func, name, description = self.get_action(action)
                actions[name] = (func, name, description)
        return actions

    def _change_state(self, request, articles, change, message, reason):
        """Apply change(article) to each article and save it, recorded in the admin log and
        the article's history."""
        with transaction.atomic():
            for article in articles:
                change(article)
                article._change_reason = reason
                article.save()
                self.log_change(request, article, message)


@admin.action(description="Publish now", permissions=["publish"])
def publish_now(modeladmin, request, queryset):
    if not may_publish(request.user):  # get_actions offers it only with the permission
        return
    now = timezone.now().replace(microsecond=0)
    articles = [article for article in queryset if not article.is_published()]

    modeladmin._change_state(
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
    modeladmin._change_state(
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
