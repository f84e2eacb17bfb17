from django.urls import path

from . import feeds, views

app_name = "articles"

urlpatterns = [
    path("", views.ArticleListView.as_view(), name="home"),
    path("articles/<str:slug>/", views.ArticleDetailView.as_view(), name="article_detail"),
    path(
        "articles/<str:slug>/preview/",
        views.ArticlePreviewView.as_view(),
        name="article_preview",
    ),
    path("agencies/<str:slug>/", views.AgencyDetailView.as_view(), name="agency_detail"),
    path("authors/<str:slug>/", views.AuthorDetailView.as_view(), name="author_detail"),
    path("archive/", views.ArchiveView.as_view(), name="archive"),
    path("archive/<int:year>/", views.ArchiveYearView.as_view(), name="archive_year"),
    path(
        "archive/<int:year>/<int:month>/",
        views.ArchiveMonthView.as_view(),
        name="archive_month",
    ),
    path(
        "archive/<int:year>/<int:month>/<int:day>/",
        views.ArchiveDayView.as_view(),
        name="archive_day",
    ),
    path("search/", views.SearchView.as_view(), name="search"),
    path("text-size/<str:size>/", views.set_text_size, name="set_text_size"),
    path("feeds/rss.xml", feeds.LatestArticlesFeed(), name="feed_rss"),
    path("feeds/atom.xml", feeds.LatestArticlesAtomFeed(), name="feed_atom"),
    path("feeds/feed.json", feeds.json_feed, name="feed_json"),
]
