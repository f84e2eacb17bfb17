from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.static import serve

from articles.reader.page_cache import public_page
from articles.reader.sitemaps import SITEMAP_TEMPLATE, SITEMAPS, news_sitemap, robots_txt
from articles.reader.views import well_formed
from newsroom.healthz import healthz


class FaviconRedirect(RedirectView):
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's): the site's."""

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.svg")


admin.site.site_header = "Newsroom editing"
admin.site.site_title = "Newsroom"
admin.site.index_title = "Newsroom"

urlpatterns = [
    # The readers' pages first: Django tries the patterns in order, and these are nearly all
    # the requests (no pattern below overlaps theirs: admin/, the sitemaps, robots.txt,
    # healthz and favicon.ico are not addresses of articles.reader.urls).
    path("", include("articles.reader.urls")),
    path("admin/", admin.site.urls),
    path(
        "sitemap.xml",
        public_page(well_formed(sitemap)),
        {"sitemaps": SITEMAPS, "template_name": SITEMAP_TEMPLATE},
        name="sitemap",
    ),
    path("news-sitemap.xml", public_page(well_formed(news_sitemap)), name="news_sitemap"),
    path("robots.txt", public_page(well_formed(robots_txt)), name="robots_txt"),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", FaviconRedirect.as_view(), name="favicon"),
]

if settings.SERVE_MEDIA:
    # Development only: in production the web server in front serves MEDIA_ROOT.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
