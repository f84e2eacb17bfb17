"""Sitemaps (https://www.sitemaps.org/protocol.html), the Google News sitemap and robots.txt.

/sitemap.xml lists home, every published article, and the pages of the agencies and authors
that have published articles. /news-sitemap.xml lists the articles published in the last
48 hours (https://developers.google.com/search/docs/crawling-indexing/sitemaps/news-sitemap).
Everything is read per request: published() compares with the current time.
"""

from datetime import timedelta
from io import StringIO

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.xmlutils import SimplerXMLGenerator
from django.views.decorators.http import require_safe

from articles import times
from articles.models import Agency, Article, Author
from articles.reader import metadata

NEWS_WINDOW = timedelta(hours=48)
NEWS_LIMIT = 1000
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


def whole_seconds(value):
    """lastmod as a full W3C datetime (the template prints it with its offset) without a
    fraction of a second."""
    return value.replace(microsecond=0)


class HomeSitemap(Sitemap):
    def items(self):
        return ["articles:home"]

    def location(self, item):
        return reverse(item)

    def lastmod(self, item):
        latest = Article.objects.published().aggregate(latest=Max("published_at"))["latest"]
        return latest and whole_seconds(latest)


class ArticleSitemap(Sitemap):
    def items(self):
        return (
            Article.objects.published()
            .order_by("-published_at", "-id")
            .only("slug", "published_at", "updated_at")
        )

    def lastmod(self, article):
        return whole_seconds(metadata.modified_at(article))


class _PagesWithPublishedArticles(Sitemap):
    """Agencies or authors with at least one published article (the page of one without is
    empty), with the publication time of their newest article."""

    model = None

    def items(self):
        published = Q(articles__in=Article.objects.published())
        return (
            self.model.objects.filter(published)
            .annotate(latest=Max("articles__published_at", filter=published))
            .order_by("slug")
        )

    def lastmod(self, item):
        return whole_seconds(item.latest)


class AgencySitemap(_PagesWithPublishedArticles):
    model = Agency


class AuthorSitemap(_PagesWithPublishedArticles):
    model = Author


# The sitemap's template: lastmod as a full datetime, not Django's date-only default.
SITEMAP_TEMPLATE = "sitemaps/sitemap.xml"
SITEMAPS = {
    "home": HomeSitemap,
    "articles": ArticleSitemap,
    "agencies": AgencySitemap,
    "authors": AuthorSitemap,
}


def news_articles():
    now = timezone.now()
    return (
        Article.objects.published()
        .filter(published_at__gte=now - NEWS_WINDOW)
        .order_by("-published_at", "-id")
        .only("slug", "headline", "language", "published_at")[:NEWS_LIMIT]
    )


@require_safe
def news_sitemap(request):
    """The Google News sitemap: articles of the last 48 hours, at most 1000."""
    out = StringIO()
    xml = SimplerXMLGenerator(out, "utf-8", short_empty_elements=True)
    xml.startDocument()
    xml.startElement("urlset", {"xmlns": SITEMAP_NS, "xmlns:news": NEWS_NS})
    for article in news_articles():
        xml.startElement("url", {})
        xml.addQuickElement("loc", request.build_absolute_uri(article.get_absolute_url()))
        xml.startElement("news:news", {})
        xml.startElement("news:publication", {})
        xml.addQuickElement("news:name", settings.SITE_NAME)
        xml.addQuickElement("news:language", metadata.news_language(article.language))
        xml.endElement("news:publication")
        xml.addQuickElement("news:publication_date", times.iso_datetime(article.published_at))
        xml.addQuickElement("news:title", article.headline)
        xml.endElement("news:news")
        xml.endElement("url")
    xml.endElement("urlset")
    xml.endDocument()
    response = HttpResponse(out.getvalue(), content_type="application/xml; charset=utf-8")
    response["X-Robots-Tag"] = "noindex, noodp, noarchive"
    return response


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /text-size/",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
        f"Sitemap: {request.build_absolute_uri(reverse('news_sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
