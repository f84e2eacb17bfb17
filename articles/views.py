from django.http import Http404, HttpResponseRedirect
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.vary import vary_on_cookie
from django.views.generic import DetailView, ListView

from . import text_size
from .models import Article


# Reader pages are rendered for the reader's text-size cookie: caches must keep one copy per
# cookie, or one reader's size would be served to the next.
@method_decorator(vary_on_cookie, name="dispatch")
class ArticleListView(ListView):
    """Home: the latest published articles."""

    paginate_by = 20

    def get_queryset(self):
        # Built per request: published() compares with the current time.
        return Article.objects.published().select_related("agency")


@method_decorator(vary_on_cookie, name="dispatch")
class ArticleDetailView(DetailView):
    def get_queryset(self):
        # Built per request: published() compares with the current time, so a class-level
        # queryset would freeze "now" at import and hide everything published after it.
        return (
            Article.objects.published()
            .select_related("agency")
            .prefetch_related("authors", "captions")
        )


@never_cache
def set_text_size(request, size):
    """The no-JavaScript path of the text-size controls: remember the size, go back."""
    if size not in text_size.VALUES:
        raise Http404("No such text size.")
    next_url = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    response.set_cookie(
        text_size.COOKIE_NAME,
        size,
        max_age=text_size.MAX_AGE,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response
