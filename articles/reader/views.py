from datetime import timedelta
from functools import wraps

from django.core.exceptions import BadRequest
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import condition
from django.views.generic import (
    ArchiveIndexView,
    DayArchiveView,
    DetailView,
    ListView,
    MonthArchiveView,
    YearArchiveView,
)

from articles import publishing
from articles.models import Agency, Article, Author
from articles.reader import metadata, sources, text_size
from articles.reader.context_processors import record_alert
from articles.reader.pagination import UncountedPagination
from articles.reader.sources import article_cards, article_listing, with_latest_correction
from articles.search import clean_query, search, time_limit

# Articles per page on every list of articles.
PER_PAGE = 20
# "Updated" is shown when an article changed more than this long after its publication.
UPDATE_SHOWN_AFTER = timedelta(minutes=1)


def well_formed(view):
    """The view, for requests whose path and query string have no NUL: a NUL in the path is a
    404 (no page has one in its address), one in a parameter's name or value a 400. No page
    or link of the site makes either, and PostgreSQL refuses a NUL in any text it is given
    ("A string literal cannot contain NUL"), which was a 500 (a slug, the search query)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if "\x00" in request.path_info:
            raise Http404("No such page.")
        if request.META.get("QUERY_STRING") and any(
            "\x00" in name or any("\x00" in value for value in values)
            for name, values in request.GET.lists()
        ):
            raise BadRequest("A NUL in the query string.")
        return view(request, *args, **kwargs)

    return wrapper


class CardsAlert:
    """For lists of cards (sources.published_cards()): the breaking-news alert that the page's
    query read with the cards, recorded for the context processor (which looks it up itself
    when none was read: an empty page, or the plain querysets)."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        record_alert(self.request, sources.alert_read_with(self.object_list))
        return context


class ArticleListView(CardsAlert, UncountedPagination, ListView):
    """Home: the latest published articles."""

    paginate_by = PER_PAGE

    def get_queryset(self):
        return sources.published_cards()


def article_page_context(article):
    """What the article template needs besides the article: its authors and captions (the
    lists the reader's query brought, else the prefetched ones of a preview), the time of the
    last update for readers and the correction notes (queried only when the article has
    some)."""
    authors = getattr(article, "page_authors", None)
    captions = getattr(article, "page_captions", None)
    corrections = list(article.corrections.all()) if article.latest_correction_at else []
    updated = article.published_at and metadata.modified_at(article)
    return {
        "authors": list(article.authors.all()) if authors is None else authors,
        "captions": list(article.captions.all()) if captions is None else captions,
        "corrections": corrections,
        "updated": updated,
        "show_updated": bool(
            updated and (corrections or updated - article.published_at > UPDATE_SHOWN_AFTER)
        ),
    }


class ArticleDetailView(DetailView):
    """A published article. A withdrawn one answers 410 Gone with a short notice."""

    model = Article

    def get_object(self, queryset=None):
        # On the fast path one query, the breaking-news alert included (articles.reader.sources).
        article, alert = sources.article_page(self.kwargs["slug"])
        if article is None:
            raise Http404("No such article.")
        record_alert(self.request, alert)
        return article

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            article = withdrawn_article(kwargs["slug"])
            if article is None:
                raise
            return TemplateResponse(
                request, "articles/article_withdrawn.html", {"article": article}, status=410
            )

    def get_context_data(self, **kwargs):
        return super().get_context_data(**article_page_context(self.object), **kwargs)


def withdrawn_article(slug):
    """The withdrawn article at this address, if readers could have seen it: its publication
    time had come when it was withdrawn (withdrawn_at, stored when it was withdrawn: its last
    change, updated_at, moves with every later save). One withdrawn before its scheduled time
    was never public: its address stays a 404, and its headline unseen."""
    return (
        Article.objects.filter(publishing.was_public(), slug=slug)
        .only("headline", "slug", "language")
        .first()
    )


def can_preview(user):
    return user.is_staff and user.has_perm("articles.view_article")


@method_decorator(never_cache, name="dispatch")
class ArticlePreviewView(ArticleDetailView):
    """Any article, whatever its state, in the article template with a preview banner: for
    staff who can view articles in the admin. Everyone else gets a 404, as for a draft."""

    def dispatch(self, request, *args, **kwargs):
        if not can_preview(request.user):
            raise Http404("No such article.")
        response = super().dispatch(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex"
        return response

    def get_queryset(self):
        return with_latest_correction(
            Article.objects.select_related("agency").prefetch_related("authors", "captions")
        )

    def get_object(self, queryset=None):
        return DetailView.get_object(self, queryset)

    def get(self, request, *args, **kwargs):
        return DetailView.get(self, request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        state = publishing.reader_state(self.object)
        return super().get_context_data(
            preview=True, state=state, state_label=publishing.state_label(state), **kwargs
        )


class AgencyDetailView(CardsAlert, UncountedPagination, ListView):
    """An agency and its published articles, newest first."""

    template_name = "articles/agency_detail.html"
    paginate_by = PER_PAGE

    def get_queryset(self):
        self.agency = get_object_or_404(Agency, slug=self.kwargs["slug"])
        return sources.published_cards(agency=self.agency)

    def get_context_data(self, **kwargs):
        return super().get_context_data(agency=self.agency, **kwargs)


class AuthorDetailView(CardsAlert, UncountedPagination, ListView):
    """An author, their agency and their published articles, newest first."""

    template_name = "articles/author_detail.html"
    paginate_by = PER_PAGE

    def get_queryset(self):
        self.author = get_object_or_404(
            Author.objects.select_related("agency"), slug=self.kwargs["slug"]
        )
        return sources.published_cards(author=self.author)

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)


class ArchiveMixin(UncountedPagination):
    """The date archives: published articles by publication time, in the site's time zone
    (TIME_ZONE; Django's date views convert the boundaries). Never a future date: the
    queryset is published() and allow_future is off, so a scheduled article's day is a 404
    until its time comes. A year, month or day without articles is a 404 and the
    previous/next links skip to the nearest period that has articles."""

    date_field = "published_at"
    allow_future = False
    allow_empty = False
    paginate_by = PER_PAGE
    month_format = "%m"  # numeric months: /archive/2026/11/
    context_object_name = "article_list"

    def get_queryset(self):
        return article_cards()


class ArchiveView(ArchiveMixin, ArchiveIndexView):
    """The years that have articles, and the latest articles."""

    allow_empty = True  # a site without articles yet still has an archive page
    date_list_period = "year"


class ArchiveYearView(ArchiveMixin, YearArchiveView):
    make_object_list = True


class ArchiveMonthView(ArchiveMixin, MonthArchiveView):
    pass


class ArchiveDayView(ArchiveMixin, DayArchiveView):
    # The day page links to the neighbouring days (and up to its month) only: no look-ups
    # of the neighbouring months, two queries fewer.
    def get_previous_month(self, date):
        return None

    def get_next_month(self, date):
        return None

    def get_dated_items(self):
        try:
            return super().get_dated_items()
        except OverflowError:
            # 31 December 9999, the calendar's last day: Django's look-up of a day ends at the
            # next one, which datetime.date cannot make.
            raise Http404("No such day.") from None


class SearchView(ListView):
    """/search/?q=...: the form, and the published articles matching the query (see
    articles.search for what matches on each database)."""

    template_name = "articles/search.html"
    context_object_name = "results"
    paginate_by = PER_PAGE

    def get_queryset(self):
        self.query = clean_query(self.request.GET.get("q", ""))
        if not self.query:
            return Article.objects.none()
        return search(article_listing(), self.query)

    def paginate_queryset(self, queryset, page_size):
        # The count and the page are read here (Results fetches a slice at once): both within
        # the search's time limit, in one transaction.
        with time_limit(queryset):
            return super().paginate_queryset(queryset, page_size)

    def get_context_data(self, **kwargs):
        return super().get_context_data(search_query=self.query, **kwargs)


@condition(etag_func=lambda request: text_size.from_request(request))
def text_size_css(request):
    """The no-JavaScript path of the text size: every page's <noscript> links this stylesheet,
    the reader's size from the cookie as CSS. Private, and revalidated by browsers: it follows
    the cookie, while the page around it is the same for every reader."""
    size = text_size.from_request(request)
    response = TemplateResponse(
        request, "articles/text_size.css", {"size": size}, content_type="text/css"
    )
    response["Cache-Control"] = "private, no-cache"
    response["Vary"] = "Cookie"
    return response


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
