"""The latest published articles as feeds, full text: RSS 2.0, Atom 1.0 and JSON Feed 1.1.

Every item carries the whole body as HTML (RSS: content:encoded; Atom: <content>; JSON Feed:
content_html), a plain-text summary, its authors and its language (RSS: dc:language; Atom:
xml:lang on the entry; JSON Feed: language). The feed's own language is the site's.
"""

from urllib.parse import urljoin

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import JsonResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, rfc3339_date
from django.utils.html import escape

from articles import times
from articles.models import Article
from articles.reader import metadata

FEED_LENGTH = 20
DC = "http://purl.org/dc/elements/1.1/"
CONTENT = "http://purl.org/rss/1.0/modules/content/"


def latest_articles():
    # Built per request: published() compares with the current time.
    return (
        Article.objects.published()
        .select_related("agency")
        .prefetch_related("authors")
        .order_by("-published_at", "-created_at")[:FEED_LENGTH]
    )


def feed_title():
    return settings.SITE_NAME


def feed_description():
    return f"The latest news from {settings.SITE_NAME}."


class FullTextRssFeed(Rss201rev2Feed):
    """RSS 2.0 with the full text in content:encoded, one dc:creator per author, the item's
    language in dc:language and its last change in atom:updated."""

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:content": CONTENT, "xmlns:dc": DC}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name, _path in item["authors"]:
            handler.addQuickElement("dc:creator", name)
        if item["updateddate"] is not None:
            # RSS has no element for it; Atom's, in the atom namespace Django declares.
            handler.addQuickElement("atom:updated", rfc3339_date(item["updateddate"]))
        handler.addQuickElement("dc:language", item["language"])
        handler.startElement("content:encoded", {})
        # A CDATA section would be shorter, but escaped text is equally valid and needs no
        # care for a "]]>" in the body.
        handler.characters(item["content_html"])
        handler.endElement("content:encoded")


class FullTextAtomFeed(Atom1Feed):
    """Atom 1.0 with the full text in <content type="html">, one <author> (name and page)
    per author and the entry's language as xml:lang."""

    def item_attributes(self, item):
        return {**super().item_attributes(item), "xml:lang": item["language"]}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name, path in item["authors"]:
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            if path:
                # The feed's link is the site's absolute home address.
                handler.addQuickElement("uri", urljoin(self.feed["link"], path))
            handler.endElement("author")
        handler.addQuickElement("content", item["content_html"], {"type": "html"})


class LatestArticlesFeed(Feed):
    feed_type = FullTextRssFeed
    item_guid_is_permalink = True

    @property
    def language(self):
        return settings.LANGUAGE_CODE

    def title(self):
        return feed_title()

    def description(self):
        return feed_description()

    def subtitle(self):
        return feed_description()

    def link(self):
        return reverse("articles:home")

    def items(self):
        return latest_articles()

    def item_title(self, item):
        return item.headline

    def item_description(self, item):
        # An HTML summary (RSS description, Atom <summary type="html">) of the plain text.
        return escape(metadata.meta_description(item))

    def item_pubdate(self, item):
        return item.published_at.replace(microsecond=0)

    def item_updateddate(self, item):
        return metadata.modified_at(item).replace(microsecond=0)

    def item_extra_kwargs(self, item):
        return {
            # (name, address of the author's page): absolute addresses need the request,
            # which the feed generator has in its link.
            "authors": [(author.name, author.get_absolute_url()) for author in item.authors.all()],
            "language": item.language,
            "content_html": item.body_html(),
        }


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = FullTextAtomFeed


def json_feed(request):
    """JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/)."""
    items = []
    for article in latest_articles():
        url = request.build_absolute_uri(article.get_absolute_url())
        item = {
            "id": url,
            "url": url,
            "title": article.headline,
            "content_html": article.body_html(),
            "summary": metadata.meta_description(article),
            "date_published": times.iso_datetime(article.published_at),
            "date_modified": times.iso_datetime(metadata.modified_at(article)),
            "language": article.language,
        }
        authors = [
            {"name": author.name, "url": metadata.author_url(author, request)}
            for author in article.authors.all()
        ]
        if authors:
            item["authors"] = authors
        items.append(item)
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed_title(),
        "home_page_url": request.build_absolute_uri(reverse("articles:home")),
        "feed_url": request.build_absolute_uri(reverse("articles:feed_json")),
        "description": feed_description(),
        "language": settings.LANGUAGE_CODE,
        "items": items,
    }
    return JsonResponse(
        feed, content_type="application/feed+json", json_dumps_params={"ensure_ascii": False}
    )
