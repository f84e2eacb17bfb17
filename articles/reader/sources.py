"""Where the reader pages get their articles and the breaking-news alert: one interface, two
implementations, picked on every call by READER_FAST_QUERIES (settings, default True).

- On: the hand-written SQL of articles/reader/fast/ (one statement per article page and per
  page of cards, the active alert read in it; see articles/reader/fast/README.md).
- Off: plain ORM querysets (select_related, prefetch_related, annotate) and Django's own
  behaviour; the alert is then looked up by the context processor, in a query of its own.

Both render every public page byte for byte the same (tests/reader/test_fast_seam.py); the
fast one makes fewer queries (tests/reader/test_query_counts.py counts them with the switch on).
The reader's views and context processor call this module; nothing else in articles/reader/
calls articles/reader/fast/.

The archives and search always use the querysets below (article_cards(), article_listing()):
Django's date views and the search build on querysets.
"""

from django.conf import settings
from django.db.models import OuterRef, Prefetch, Subquery

from articles import publishing
from articles.models import Alert, Article, Author, Correction
from articles.reader.fast import queries

# What article_page() and alert_read_with() give for the alert when the query did not read it
# (the plain querysets): the context processor then looks it up itself.
NOT_READ = object()


def fast() -> bool:
    """Whether the reader pages use the fast path (READER_FAST_QUERIES)."""
    return settings.READER_FAST_QUERIES


# --- The querysets (the plain path, the archives and search) ---------------------------------


def _published(now=None):
    """Article.objects.published(), at `now` when given."""
    if now is None:
        return Article.objects.published()
    return Article.objects.filter(publishing.published(now))


def article_listing(now=None):
    """Published articles as listings show them (with the agency of each card). Built per
    request: published() compares with the current time."""
    return _published(now).select_related("agency")


def article_cards(now=None):
    """article_listing() without what a card never shows (the body, the wire metadata): a page
    of 20 cards then reads a few KB instead of 20 bodies."""
    return article_listing(now).defer("body", "rendered_body", "wire_metadata")


def with_latest_correction(queryset):
    """Adds latest_correction_at (the time of the article's latest correction note, or None)
    to each article, in the same query; metadata.modified_at uses it."""
    latest = Correction.objects.filter(article=OuterRef("pk")).order_by("-noted_at")
    return queryset.annotate(latest_correction_at=Subquery(latest.values("noted_at")[:1]))


# --- The interface ---------------------------------------------------------------------------


def article_page(slug, now=None):
    """(article, alert): the published article at this slug for its page, or None, with its
    agency, `latest_correction_at` and its authors (by name) and captions (as
    Caption.Meta.ordering) read with it; and the active alert (an Alert, or a false value for
    none) when the article's query read it, else NOT_READ."""
    if fast():
        article = queries.published_article(slug, now)
        if article is None:
            return None, NOT_READ
        # No text, no banner (an alert without text is not shown on the article page).
        alert = article.alert_text and Alert(text=article.alert_text, url=article.alert_url)
        return article, alert
    authors = Prefetch("authors", queryset=Author.objects.order_by("name", "id"))
    articles = _published(now).select_related("agency").prefetch_related(authors, "captions")
    return with_latest_correction(articles).filter(slug=slug).first(), NOT_READ


def published_cards(*, agency=None, author=None, now=None):
    """Published articles as lists of cards show them, newest first (then the newest row
    first among articles published at the same moment), optionally of one agency or one
    author: a list to slice (by UncountedPaginator: it has no len())."""
    if fast():
        return queries.PublishedCards(agency=agency, author=author, now=now)
    if agency is not None and author is not None:
        raise TypeError("published_cards lists one agency's or one author's articles.")
    cards = article_cards(now).order_by("-published_at", "-created_at", "-id")
    if agency is not None:
        cards = cards.filter(agency=agency)
    if author is not None:
        cards = cards.filter(authors=author)
    return cards


def alert_read_with(cards):
    """The active alert (an Alert or None) that the query of a page of published_cards()
    read with the cards, or NOT_READ (the plain path; or no card found)."""
    return getattr(cards, "alert", NOT_READ)


def active_alert(now=None):
    """The active breaking-news alert (its text and url), or None."""
    if fast():
        return queries.active_alert(now)
    return Alert.objects.active(now).only("text", "url").first()
