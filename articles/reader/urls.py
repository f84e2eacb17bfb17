from django.urls import path

from articles.reader import api, feeds, views
from articles.reader.page_cache import public_page
from articles.reader.views import well_formed

app_name = "articles"


def reader_page(view):
    """A reader page: refused when its address holds a NUL (views.well_formed), else the same
    for every reader (public_page)."""
    return public_page(well_formed(view))


# Reader pages are the same for every reader (the text size is applied in the browser, see
# text_size.INIT_SCRIPT): shared caches and the page cache may keep them (page_cache).
# Every view here refuses an address with a NUL (views.well_formed).
urlpatterns = [
    path("", reader_page(views.ArticleListView.as_view()), name="home"),
    path(
        "articles/<str:slug>/",
        reader_page(views.ArticleDetailView.as_view()),
        name="article_detail",
    ),
    path(
        "articles/<str:slug>/preview/",
        well_formed(views.ArticlePreviewView.as_view()),
        name="article_preview",
    ),
    path(
        "agencies/<str:slug>/", reader_page(views.AgencyDetailView.as_view()), name="agency_detail"
    ),
    path(
        "authors/<str:slug>/", reader_page(views.AuthorDetailView.as_view()), name="author_detail"
    ),
    path("archive/", reader_page(views.ArchiveView.as_view()), name="archive"),
    path("archive/<int:year>/", reader_page(views.ArchiveYearView.as_view()), name="archive_year"),
    path(
        "archive/<int:year>/<int:month>/",
        reader_page(views.ArchiveMonthView.as_view()),
        name="archive_month",
    ),
    path(
        "archive/<int:year>/<int:month>/<int:day>/",
        reader_page(views.ArchiveDayView.as_view()),
        name="archive_day",
    ),
    path("search/", reader_page(views.SearchView.as_view()), name="search"),
    path("text-size/<str:size>/", well_formed(views.set_text_size), name="set_text_size"),
    path("text-size.css", well_formed(views.text_size_css), name="text_size_css"),
    path("feeds/rss.xml", reader_page(feeds.LatestArticlesFeed()), name="feed_rss"),
    path("feeds/atom.xml", reader_page(feeds.LatestArticlesAtomFeed()), name="feed_atom"),
    path("feeds/feed.json", reader_page(feeds.json_feed), name="feed_json"),
    path("api/ninjs/articles/", well_formed(api.article_list), name="ninjs_list"),
    path("api/ninjs/articles/<str:slug>/", well_formed(api.article_detail), name="ninjs_detail"),
]
