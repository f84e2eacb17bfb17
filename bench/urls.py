"""The project's URLs plus /bench/floor/: a Django view returning two bytes, the fastest
any page of this stack can be (issue 5's "floor")."""

from django.http import HttpResponse
from django.urls import include, path


def floor(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench/floor/", floor),
    path("", include("newsroom.urls")),
]
