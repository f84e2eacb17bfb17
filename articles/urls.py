from django.urls import path

from . import views

app_name = "articles"

urlpatterns = [
    path("", views.ArticleListView.as_view(), name="home"),
    path("articles/<str:slug>/", views.ArticleDetailView.as_view(), name="article_detail"),
    path("text-size/<str:size>/", views.set_text_size, name="set_text_size"),
]
