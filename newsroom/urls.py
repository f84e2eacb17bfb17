from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

admin.site.site_header = "Newsroom editing"
admin.site.site_title = "Newsroom"
admin.site.index_title = "Newsroom"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("articles.urls")),
]

if settings.SERVE_MEDIA:
    # Development only: in production the web server in front serves MEDIA_ROOT.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
