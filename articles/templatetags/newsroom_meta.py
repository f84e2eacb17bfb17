"""Template tags for the <head> metadata of reader pages (see articles.metadata)."""

from django import template
from django.utils.http import urlencode

from articles import metadata

register = template.Library()


@register.simple_tag(takes_context=True)
def article_head(context, article):
    """{% article_head article as meta %}: canonical, description, dates, image, JSON-LD."""
    return metadata.article_head(article, context["request"])


@register.simple_tag(takes_context=True)
def canonical_url(context):
    """The absolute address of this page without its query string, except a page number
    other than 1 (each page of a list is its own canonical page)."""
    request = context["request"]
    url = request.build_absolute_uri(request.path)
    page_obj = context.get("page_obj")
    if page_obj is not None and page_obj.number != 1:
        url += "?" + urlencode({"page": page_obj.number})
    return url
