import re

from django.http import Http404, HttpResponseRedirect
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.vary import vary_on_cookie
from django.views.generic import DetailView, ListView

from . import text_size
from .models import Article

# Alt texts that say nothing about the photo: "image", "photo 2", "16x9 Image", "IMG_0042.jpg".
_PLACEHOLDER_ALT = re.compile(
    r"(?:\d+\s*x\s*\d+\s+)?(?:image|img|photo|picture|pic|graphic|placeholder)(?:\s*\d+)?"
    r"|\S+\.(?:jpe?g|png|gif|webp|avif|svg)",
    re.IGNORECASE,
)


def reader_alt(caption) -> str:
    """The alt text readers get: "" when it would only repeat the caption or is a placeholder.

    The figcaption describes the photo in both cases, so an empty alt keeps screen readers
    from reading the same words twice or reading "image".
    """
    alt = " ".join(caption.alt_text.split())
    if not alt or _PLACEHOLDER_ALT.fullmatch(alt):
        return ""
    if alt.casefold() == " ".join(caption.text.split()).casefold():
        return ""
    return alt


def image_size(image):
    """(width, height) of an image file, or None: a missing or broken file must not break
    the page (the photo is then shown without its size hints)."""
    if not image:
        return None
    try:
        return image.width, image.height
    except (OSError, ValueError):
        return None


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

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        captions = list(self.object.captions.all())
        for caption in captions:
            caption.reader_alt = reader_alt(caption)
            caption.reader_size = image_size(caption.image)
        context["captions"] = captions
        return context


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
