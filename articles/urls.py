from django.urls import path

from . import api, feeds, views
from .page_cache import public_page

app_name = "articles"

# Reader pages are the same for every reader (the text size is applied in the browser, see
# text_size.INIT_SCRIPT): shared caches and the page cache may keep them (page_cache).
urlpatterns = [
    path("", public_page(views.ArticleListView.as_view()), name="home"),
    path(
        "articles/<str:slug>/",
        public_page(views.ArticleDetailView.as_view()),
        name="article_detail",
    ),
    path(
        "articles/<str:slug>/preview/",
        views.ArticlePreviewView.as_view(),
        name="article_preview",
    ),
    path(
        "agencies/<str:slug>/", public_page(views.AgencyDetailView.as_view()), name="agency_detail"
    ),
    path(
        "authors/<str:slug>/", public_page(views.AuthorDetailView.as_view()), name="author_detail"
    ),
    path("archive/", public_page(views.ArchiveView.as_view()), name="archive"),
    path("archive/<int:year>/", public_page(views.ArchiveYearView.as_view()), name="archive_year"),
    path(
        "archive/<int:year>/<int:month>/",
        public_page(views.ArchiveMonthView.as_view()),
        name="archive_month",
    ),
    path(
        "archive/<int:year>/<int:month>/<int:day>/",
        public_page(views.ArchiveDayView.as_view()),
        name="archive_day",
    ),
    path("search/", public_page(views.SearchView.as_view()), name="search"),
    path("text-size/<str:size>/", views.set_text_size, name="set_text_size"),
    path("text-size.css", views.text_size_css, name="text_size_css"),
    path("feeds/rss.xml", public_page(feeds.LatestArticlesFeed()), name="feed_rss"),
    path("feeds/atom.xml", public_page(feeds.LatestArticlesAtomFeed()), name="feed_atom"),
    path("feeds/feed.json", public_page(feeds.json_feed), name="feed_json"),
    path("api/ninjs/articles/", api.article_list, name="ninjs_list"),
    path("api/ninjs/articles/<str:slug>/", api.article_detail, name="ninjs_detail"),
]
