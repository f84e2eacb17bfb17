"""Article admin: deleted articles. The "Deleted articles" page lists the last deletion of each
article not recovered since; "Recover" brings one back as it was when it was deleted, as a new
revision with its id (so its history goes on), its authors and the captions deleted with it:
as a draft, unless the editor may publish. A deleted article's revisions are never restored by
Revert (it would come back past the role rules): its history page sends editors here."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from articles.admin.forms import when
from articles.models import Article, identifier_key
from articles.publishing import may_publish, unique_slug
from articles.revisions import (
    author_ids_at,
    captions_deleted_with,
    last_change,
    restore_captions,
    revision_author,
)


def deleted_records():
    """The last deletion of each article that has not been recovered, newest first."""
    return (
        Article.history.filter(history_type="-")
        .latest_of_each()
        .exclude(id__in=Article.objects.values("pk"))
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
    )


def deleted_list_view(model_admin, request):
    """The "Deleted articles" page (the URL "deleted/" of ArticleAdmin.get_urls)."""
    if not model_admin.has_view_or_change_permission(request):
        raise PermissionDenied
    page = Paginator(deleted_records(), 100).get_page(request.GET.get("p"))
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": "Deleted articles",
        "page_obj": page,
        "rows": [
            {"record": record, "by": revision_author(record), "when": when(record.history_date)}
            for record in page
        ],
        "can_recover": model_admin.has_add_permission(request),
    }
    return TemplateResponse(request, "admin/articles/article/deleted_list.html", context)


def recover_view(model_admin, request, history_id):
    """POST: recover the article of this deletion (the URL "deleted/<history_id>/recover/")."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    deletion = get_object_or_404(Article.history.model, history_id=history_id, history_type="-")
    if Article.objects.filter(pk=deletion.id).exists():
        messages.info(request, f"“{deletion.headline}” was already recovered.")
        return HttpResponseRedirect(model_admin.change_url(deletion.id))
    last = last_change(deletion.id)
    reason = f"recovery of revision {(last or deletion).history_id} after deletion"
    try:
        with model_admin._revision(request, reason):
            article, notes = recover(request, deletion, last)
    except ValidationError as error:
        messages.error(request, f"“{deletion.headline}” was not recovered: {error.messages[0]}")
        return HttpResponseRedirect(deleted_url(model_admin))
    model_admin.log_addition(request, article, f"Recovered after deletion ({reason}).")
    messages.success(
        request,
        format_html(
            "Recovered “{}” as it was when it was deleted, as a new revision.{}",
            article.headline,
            "".join(f" {note}" for note in notes),
        ),
    )
    return HttpResponseRedirect(model_admin.change_url(article.pk))


def deleted_revision_response(model_admin, request, record):
    """Revert is for articles that exist: a deleted one is recovered, from the Deleted
    articles page, for those allowed to (as a draft unless they may publish)."""
    messages.error(
        request,
        f"“{record.headline}” was deleted: its revisions cannot be restored. Recover it "
        "from Deleted articles (as a draft, unless you may publish).",
    )
    return HttpResponseRedirect(deleted_url(model_admin))


def deleted_url(model_admin):
    return reverse(f"{model_admin.admin_site.name}:articles_article_deleted")


def recover(request, deletion, last):
    """Re-create the article from its deletion record (its last values), with its id (so its
    history goes on), the authors of its last revision and the captions deleted with it.
    (article, [notes for the editor])."""
    notes = []
    article = deletion.instance
    article.version = deletion.version + 1
    article.needs_review = False
    if article.external_id:
        taken = Article.objects.filter(
            agency_id=article.agency_id, external_key=identifier_key(article.external_id)
        )
        if taken.exists():
            raise ValidationError(
                f"the agency's story is now the article “{taken.first()}” "
                "(imported again after the deletion)"
            )
    if Article.objects.filter(slug=article.slug).exists():
        old = article.slug
        article.slug = unique_slug(old, Article)
        notes.append(f"Its address was taken: it is now …/{article.slug}/ (was …/{old}/).")
    if article.status != Article.Status.DRAFT and not may_publish(request.user):
        # Readers see no change from someone who may not publish: not live, not a 410.
        notes.append(
            f"It was {article.get_status_display().lower()}: it comes back as a draft, "
            "for a chief editor."
        )
        article.status = Article.Status.DRAFT
    article.save(force_insert=True)
    if last is not None:
        article.authors.set(author_ids_at(last))
        captions = captions_deleted_with(deletion, last)
        restore_captions(article, captions)
        if captions:
            notes.append(f"With its {len(captions)} caption(s).")
    return article, notes
