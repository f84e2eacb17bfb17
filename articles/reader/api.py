"""Published articles as IPTC ninjs 2.x JSON, for partner sites and apps.

* /api/ninjs/articles/<slug>/ : one article (a withdrawn one answers 410 with its uri and
  pubstatus "canceled", so that consumers withdraw it too; anything else unpublished 404);
* /api/ninjs/articles/?page=N : the published articles, newest first, PAGE_SIZE a page:
  {"items": [...], "count", "page", "pages", "next", "previous"}.

Each item validates against the same vendored schema the importer uses
(articles/ingest/schemas/ninjs-schema_2.2.json), and importing it gives back the same
headline, body, captions (language, alt text, credit), agency and times.
"""

from datetime import UTC

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from articles.models import Article
from articles.reader.views import withdrawn_article

PAGE_SIZE = 20
STANDARD = {
    "name": "ninjs",
    "version": "2.2",
    "schema": "http://www.iptc.org/std/ninjs/ninjs-schema_2.2.json",
}


def _time(moment) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def article_ninjs(article: Article, request) -> dict:
    """The ninjs 2.x item of one article."""
    url = request.build_absolute_uri(article.get_absolute_url())
    item = {
        "uri": url,
        "type": "text",
        "version": str(article.version),
        "standard": STANDARD,
        "firstcreated": _time(article.published_at),
        "versioncreated": _time(article.source_updated_at or article.updated_at),
        "pubstatus": "usable",
        "language": article.language,
        "headlines": [{"role": "main", "contenttype": "text/plain", "value": article.headline}],
        "bodies": [{"role": "main", "contenttype": "text/html", "value": article.body_html()}],
    }
    if article.standfirst:
        item["descriptions"] = [
            {"role": "summary", "contenttype": "text/plain", "value": article.standfirst}
        ]
    authors = [author.name for author in article.authors.all()]
    if authors:
        item["by"] = ", ".join(authors)
    if article.agency:
        item["infosources"] = [{"name": article.agency.name}]
        item["copyrightholder"] = article.agency.name
    if article.slugline:
        item["slugline"] = article.slugline
    associations = [_picture(article, caption, url, request) for caption in article.captions.all()]
    if associations:
        item["associations"] = associations
    return item


def _picture(article, caption, article_url, request) -> dict:
    descriptions = [{"role": "caption", "contenttype": "text/plain", "value": caption.text}]
    if caption.alt_text:
        descriptions.append(
            {"role": "alttext", "contenttype": "text/plain", "value": caption.alt_text}
        )
    if caption.credit:
        descriptions.append(
            {"role": "creditline", "contenttype": "text/plain", "value": caption.credit}
        )
    picture = {
        "name": "featureimage" if caption.is_lead else f"picture{caption.position}",
        "uri": f"{article_url}#caption-{caption.pk}",
        "type": "picture",
        "language": caption.language or article.language,
        "descriptions": descriptions,
    }
    href = request.build_absolute_uri(caption.image.url) if caption.image else caption.image_url
    if href:
        picture["renditions"] = [{"name": "original", "href": href}]
    return picture


def _queryset():
    return (
        Article.objects.published().select_related("agency").prefetch_related("authors", "captions")
    )


@require_GET
def article_detail(request, slug):
    article = _queryset().filter(slug=slug).first()
    if article is None:
        gone = withdrawn_article(slug)
        if gone is None:
            raise Http404("No published article here.")
        uri = request.build_absolute_uri(reverse("articles:article_detail", args=[slug]))
        return JsonResponse({"uri": uri, "pubstatus": "canceled"}, status=410)
    return JsonResponse(article_ninjs(article, request), json_dumps_params={"ensure_ascii": False})


@require_GET
def article_list(request):
    paginator = Paginator(_queryset(), PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page", 1))
    except (EmptyPage, PageNotAnInteger):
        raise Http404("No such page.") from None
    base = request.build_absolute_uri(reverse("articles:ninjs_list"))
    return JsonResponse(
        {
            "items": [article_ninjs(article, request) for article in page.object_list],
            "count": paginator.count,
            "page": page.number,
            "pages": paginator.num_pages,
            "next": f"{base}?page={page.next_page_number()}" if page.has_next() else None,
            "previous": (
                f"{base}?page={page.previous_page_number()}" if page.has_previous() else None
            ),
        },
        json_dumps_params={"ensure_ascii": False},
    )
