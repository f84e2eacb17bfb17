"""The project's URLs plus /bench/floor/: a Django view returning two bytes, the fastest
any page of this stack can be (the benchmark's "floor").

The floor's pattern is put before the project's own patterns, not in front of an include() of
newsroom.urls: an include would add a level of resolving to every page (about 5 µs), which
production does not have."""

from django.http import HttpResponse
from django.urls import path

from newsroom.urls import urlpatterns as project_patterns


def floor(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/floor/", floor), *project_patterns]
