from django.http import Http404, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, ListView

from . import text_size
from .models import Article


class ArticleListView(ListView):
    """Home: the latest published articles."""

    queryset = Article.objects.published().select_related("agency")
    paginate_by = 20


class ArticleDetailView(DetailView):
    queryset = (
        Article.objects.published().select_related("agency").prefetch_related("authors", "captions")
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
