"""The public page cache: readers' pages served from Django's cache (Redis in production)
without sessions, CSRF, authentication, URL resolution, templates or SQL.

Correctness rests on one number, the *generation*. Every stored page carries the generation it
was rendered under, and a page is served only while that generation is still the current one.
Anything that can change what a reader sees starts a new generation once its transaction has
committed (signals for articles, captions, agencies, authors, alerts and corrections), and so
does the passing of time where it matters: the state remembers the next moment at which a page
changes by itself (a scheduled article's publication, an alert's start or end, an article
leaving the news sitemap), and the first request after that moment starts a new generation.
A page rendered while a change commits was rendered under the old generation, so it is never
served. The generation is also the validator: ETag and Last-Modified come from it, so a
conditional request is answered 304 without rendering.

One round trip per hit: the state and the page come in one get_many (MGET on Redis). A cache
that fails is logged and skipped for a few seconds; pages are then rendered as if uncached.

An invalidation is never lost. When the cache cannot be reached as a change commits (Redis
paused, a network blip, a failover), the new generation is owed: it is recorded in the
database (OwedInvalidation), and no process serves from the cache again before it is paid
(settle_debts): the process that owes it, and every process that saw the cache fail, look
for debts before their next use of the cache; every process also looks every
PAGE_CACHE_DEBT_CHECK seconds (one indexed query), for a debt left by another process (a
`manage.py ingest` that ended while Redis was away).

One page per address *as the view reads it*: the key holds only the query parameters that
reader pages read (KEY_PARAMETERS: "page", "q", and the sitemap's "p"); the others (cache
busters, campaign tags) are removed from the request before the view renders, so `?cb=1`,
`?cb=2`... are the same page and the same entry, and the page does not echo them. Pages
expire after PAGE_TIMEOUT; Redis must also be given a memory bound with an eviction policy
that only evicts keys with a lifetime (`maxmemory 1gb`, `maxmemory-policy volatile-lru`: the
pages, never the state): see the README.

Only GET/HEAD requests without a session cookie are looked up (a logged-in editor never gets
a cached page), and only responses the view marked with public_page(), 200 OK, without cookies
and without Vary are stored.
"""

import hashlib
import logging
import time
from dataclasses import dataclass
from functools import lru_cache, wraps
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import DatabaseError, transaction
from django.http import HttpResponse, HttpResponseNotModified, QueryDict
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.encoding import escape_uri_path
from django.utils.http import http_date, urlencode

logger = logging.getLogger("articles.page_cache")  # the name operators filter on

# After a cache error, the cache is left alone for this long (seconds): a dead Redis must not
# cost every request a failed connection.
RETRY_AFTER_ERROR = 5.0
# Stored pages expire after this long (seconds) whatever happens: old generations' pages and
# pages nobody asks for again free their memory.
PAGE_TIMEOUT = 24 * 60 * 60
# With a read replica: how long after a change pages may still be rendered from a replica that
# has not caught up (seconds); see new_generation().
REPLICA_SETTLE = 5
# How long one request may take to start a due generation before another one tries (seconds).
RENEWAL_LOCK = 5
# Headers a stored page does not keep: cookies are never stored (and such a response is not
# stored at all), the validators and caching headers are set afresh on every answer, and the
# server adds the rest.
NOT_STORED_HEADERS = frozenset(
    name.lower()
    for name in (
        "Set-Cookie",
        "Date",
        "Server",
        "Content-Length",
        "ETag",
        "Last-Modified",
        "Cache-Control",
        "X-Accel-Expires",
        "X-Page-Cache",
    )
)


def release() -> str:
    """A digest of the code and templates that render pages: a deployment that changes them
    starts with an empty page cache (its keys differ), never serving the old release's pages."""
    digest = hashlib.sha256()
    code = Path(__file__).resolve().parent.parent
    for folder, base, pattern in (
        ("templates", Path(settings.ASSETS_DIR), "**/*"),
        ("articles", code, "**/*.py"),
        ("newsroom", code, "**/*.py"),
        ("static", Path(settings.ASSETS_DIR), "**/*"),
    ):
        for path in sorted((base / folder).glob(pattern)):
            if path.is_file():
                digest.update(str(path.relative_to(base)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


RELEASE = release()
STATE_KEY = f"pages:{RELEASE}:state"
GENERATION_KEY = f"pages:{RELEASE}:generation"


@dataclass(frozen=True)
class State:
    generation: int
    modified: int  # Unix time of the generation's start: the pages' Last-Modified
    next_change: float | None  # Unix time at which pages change by themselves


@dataclass(frozen=True)
class Page:
    generation: int
    etag: str
    content: bytes
    headers: tuple[tuple[str, str], ...]


_cache_down_until = 0.0


def _cache_usable() -> bool:
    return time.monotonic() >= _cache_down_until


def _cache_failed(error: Exception) -> None:
    global _cache_down_until, _look_for_debts
    _cache_down_until = time.monotonic() + RETRY_AFTER_ERROR
    # The cache may have missed another process's invalidation meanwhile: look before using it.
    _look_for_debts = True
    logger.error("page cache unavailable, serving uncached: %s: %s", type(error).__name__, error)


def enabled() -> bool:
    return getattr(settings, "PAGE_CACHE_ENABLED", True)


# --- Marking public pages --------------------------------------------------------------------


def public_page(view):
    """Mark a view's responses as the same for every reader: shared caches (nginx, a CDN) may
    keep them for PUBLIC_CACHE_SECONDS, browsers must revalidate (cheap: ETag), and the page
    cache may store them."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            mark_public(response)
        return response

    wrapper.public_page = True
    return wrapper


def is_public_page(view) -> bool:
    """Whether `view` (a URL pattern's callback, request.resolver_match.func) is a public
    reader page: marked by public_page(). The one mark: the page cache (is_public_address),
    the read replica (newsroom.routers.is_public_read) and the tests (public_page_names) all
    read it."""
    return getattr(view, "public_page", False) is True


def public_page_names(patterns=None, namespace="") -> list[str]:
    """The URL names ("articles:home", ..., "sitemap") of the views marked public_page(), in
    the URLconf's order: its patterns walked recursively, included URLconfs with their
    namespace."""
    from django.urls import URLResolver, get_resolver

    names = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            prefix = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names += public_page_names(pattern.url_patterns, prefix)
        elif pattern.name and is_public_page(pattern.callback):
            names.append(namespace + pattern.name)
    return names


def mark_public(response):
    seconds = settings.PUBLIC_CACHE_SECONDS
    # Browsers ask again every time; shared caches (nginx's micro-cache, a CDN) keep the page
    # `seconds` (nginx reads s-maxage before max-age).
    if response.has_header("Cache-Control"):
        patch_cache_control(response, public=True, max_age=0, s_maxage=seconds)
    else:  # the usual case, without parsing a header
        response["Cache-Control"] = f"public, max-age=0, s-maxage={seconds}"
    if response.status_code == 200:
        response.public_page = True
    return response


# --- The state -------------------------------------------------------------------------------


def next_change_after(now) -> float | None:
    """The next moment at which public pages change without anyone saving anything."""
    from django.db.models import Min, Q

    from articles.models import Alert, Article
    from articles.reader.sitemaps import NEWS_WINDOW

    articles = Article.objects.filter(status=Article.Status.PUBLISHED).aggregate(
        scheduled=Min("published_at", filter=Q(published_at__gt=now)),
        in_news=Min("published_at", filter=Q(published_at__gt=now - NEWS_WINDOW)),
    )
    alerts = Alert.objects.aggregate(
        starts=Min("starts_at", filter=Q(starts_at__gt=now)),
        ends=Min("ends_at", filter=Q(ends_at__gt=now)),
    )
    moments = [
        articles["scheduled"],
        articles["in_news"] and articles["in_news"] + NEWS_WINDOW,
        alerts["starts"],
        alerts["ends"],
    ]
    moments = [moment for moment in moments if moment]
    return min(moments).timestamp() if moments else None


def new_generation(*, settle: bool = False) -> State:
    """Start a new generation: every page stored so far is outdated from now on.

    settle: a change was just committed. With a read replica, pages are rendered from a copy
    that may lag behind the primary by a moment; so one more generation starts REPLICA_SETTLE
    seconds later, and a page rendered from the lagging copy meanwhile is not kept."""
    try:
        generation = cache.incr(GENERATION_KEY)
    except ValueError:
        # No counter yet (or Redis lost it): start from the clock, above any generation a
        # surviving page can carry.
        cache.add(GENERATION_KEY, time.time_ns() // 1_000_000, timeout=None)
        generation = cache.incr(GENERATION_KEY)
    previous = cache.get(STATE_KEY)
    # Last-Modified has one-second resolution: each generation gets a later second than the
    # one before, or a client could keep a page from two changes ago.
    modified = int(time.time())
    if previous is not None:
        modified = max(modified, previous.modified + 1)
    next_change = next_change_after(timezone.now())
    if settle and "replica" in settings.DATABASES:
        settled = time.time() + REPLICA_SETTLE
        next_change = settled if next_change is None else min(next_change, settled)
    state = State(generation, modified, next_change)
    cache.set(STATE_KEY, state, timeout=None)
    return state


def invalidate() -> None:
    """Start a new generation once the current transaction commits (at once outside one).
    A failing cache is logged, never raised: the edit itself has been saved."""
    if enabled():
        transaction.on_commit(_invalidate_now, robust=True)


def _invalidate_now():
    try:
        new_generation(settle=True)
    except Exception as error:
        _cache_failed(error)
        owe(f"{type(error).__name__}: {error}")


# --- Owed invalidations ----------------------------------------------------------------------

# Whether this process must look for owed invalidations before it uses the cache again, and
# when it looks next anyway (time.monotonic()).
_look_for_debts = True
_next_debt_check = 0.0


def owe(reason: str) -> None:
    """Record that a new generation is owed (the change has committed; the cache missed it)."""
    global _look_for_debts
    _look_for_debts = True
    from articles.models import OwedInvalidation

    try:
        OwedInvalidation.objects.create(reason=reason[:300])
    except DatabaseError as error:  # this process still owes it (_look_for_debts)
        logger.error("could not record an owed page-cache invalidation: %s", error)


def settle_debts() -> None:
    """Before the cache is used: start the generation owed by any process, if one is owed.
    Raises what the cache or the database raises (the caller then serves uncached)."""
    global _look_for_debts, _next_debt_check
    interval = settings.PAGE_CACHE_DEBT_CHECK
    now = time.monotonic()
    flagged = _look_for_debts
    if not (flagged or (interval is not None and now >= _next_debt_check)):
        return
    _next_debt_check = now + (interval or 0)
    from articles.models import OwedInvalidation

    try:
        owed = OwedInvalidation.objects.order_by("-pk").values_list("pk", flat=True).first()
    except DatabaseError as error:
        if flagged:
            raise  # this process may owe one: not from the cache until it knows
        # A routine look, with the database down or hanging: pages in the cache are still
        # served (nothing says one is owed); the next look is in `interval` seconds.
        logger.warning("page cache: cannot look for owed invalidations: %s", error)
        return
    if owed is not None:
        new_generation(settle=True)
        OwedInvalidation.objects.filter(pk__lte=owed).delete()
        logger.warning("page cache: owed invalidation applied (a change made while it failed)")
    _look_for_debts = False


def invalidate_on_change(sender, **kwargs):
    """Signal receiver (post_save, post_delete, m2m_changed) for the models pages show."""
    if kwargs.get("raw"):
        return  # loaddata: the cache is cleared by hand after a restore
    action = kwargs.get("action")
    if action is not None and not action.startswith("post_"):
        return
    invalidate()


def current_state(stored: State | None) -> State:
    if stored is None:
        return new_generation()
    due = stored.next_change is not None and time.time() >= stored.next_change
    # One request starts the due generation; the others, meanwhile (milliseconds), keep serving
    # the current one rather than all querying the database at once.
    if due and cache.add(f"{STATE_KEY}:renewing:{stored.generation}", 1, timeout=RENEWAL_LOCK):
        return new_generation()
    return stored


# --- Serving ---------------------------------------------------------------------------------


# The query parameters reader pages read: lists' and search's "page", search's "q", the
# sitemap index's "p". Any other parameter changes nothing on a page.
KEY_PARAMETERS = ("p", "page", "q")


def read_parameters(query_string: str) -> str:
    """The query string as reader pages read it: KEY_PARAMETERS only, in that order, each with
    its values in the order given ("" when none is there)."""
    if not query_string:
        return ""
    given = QueryDict(query_string)
    kept = [(name, value) for name in KEY_PARAMETERS for value in given.getlist(name)]
    return urlencode(kept)


def drop_unread_parameters(request) -> None:
    """Make the request the one its page is stored for: without the parameters no reader page
    reads (so that the page rendered for "?cb=1" does not echo it, in the text-size links'
    next= say, to the readers of "/")."""
    query_string = request.META.get("QUERY_STRING", "")
    if "%00" in query_string:
        return  # a NUL anywhere is refused by the view (400), as without the page cache
    kept = read_parameters(query_string)
    if kept != query_string:
        request.META["QUERY_STRING"] = kept
        request.GET = QueryDict(kept)


def page_key(request) -> str:
    """One page per address: scheme, host (validated: an unknown Host is refused before this
    middleware), path and the query parameters pages read (see drop_unread_parameters).
    Canonical links and feed addresses name the host."""
    query = read_parameters(request.META.get("QUERY_STRING", ""))
    path = f"{request.path}?{query}" if query else request.path
    address = f"{request.scheme}://{request.get_host()}{escape_uri_path(path)}".encode()
    return f"pages:{RELEASE}:page:{hashlib.sha256(address).hexdigest()}"


def etag_for(state: State, key: str) -> str:
    return f'"{state.generation}-{key[-12:]}"'


def validators(state: State, key: str) -> dict:
    return {"etag": etag_for(state, key), "last_modified": state.modified}


def looked_up(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and is_public_address(request.path_info)
    )


@lru_cache(maxsize=4096)
def is_public_address(path: str) -> bool:
    """Whether the address is one of a view marked public_page(): other addresses (the admin,
    health checks, unknown ones) cost no cache round trip."""
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return is_public_page(match.func)


def storable(response) -> bool:
    return (
        getattr(response, "public_page", False)
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not response.has_header("Vary")
    )


# The request headers that make a request conditional (get_conditional_response).
CONDITIONAL_HEADERS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
)


def answer(request, state: State, key: str, page: Page | None):
    """The response for a page found (or, with page None, only validated) in the cache, or
    None when the view must render it."""
    if any(header in request.META for header in CONDITIONAL_HEADERS):
        found = validators(state, key)
        response = get_conditional_response(request, response=None, **found)
        if response is not None:
            return with_cache_headers(response, found)
    if page is None:
        return None
    response = HttpResponse(b"" if request.method == "HEAD" else page.content)
    # The headers the stack gave the page, and its caching headers (Cache-Control, and the
    # ETag and Last-Modified of its generation, which is the current one), stored with it.
    for name, value in page.headers:
        response[name] = value
    if request.method == "HEAD":
        response["Content-Length"] = str(len(page.content))
    if settings.PAGE_CACHE_STATUS_HEADER:
        response["X-Page-Cache"] = "hit"
    return response


def with_cache_headers(response, found):
    mark_public(response)
    response["ETag"] = found["etag"]
    response["Last-Modified"] = http_date(found["last_modified"])
    return response


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not (enabled() and looked_up(request) and _cache_usable()):
            return self.get_response(request)
        try:
            key = page_key(request)
        except DisallowedHost:
            return self.get_response(request)  # refused further in (400)
        drop_unread_parameters(request)
        try:
            settle_debts()
            stored = cache.get_many([STATE_KEY, key])
            state = current_state(stored.get(STATE_KEY))
        except DatabaseError:
            # Starting a generation reads the database: it is down, and the view will say so
            # (newsroom.unavailable), not the cache.
            return self.get_response(request)
        except Exception as error:
            _cache_failed(error)
            return self.get_response(request)
        page = stored.get(key)
        if page is not None and page.generation != state.generation:
            page = None
        response = answer(request, state, key, page)
        if response is not None:
            return response
        response = self.get_response(request)
        if storable(response):
            self.store(key, state, response)
            if settings.PAGE_CACHE_STATUS_HEADER:
                response["X-Page-Cache"] = "miss"
            response["ETag"] = etag_for(state, key)
            response["Last-Modified"] = http_date(state.modified)
            # The view rendered, but the reader may already have this generation's page.
            conditional = get_conditional_response(
                request, **validators(state, key), response=response
            )
            if isinstance(conditional, HttpResponseNotModified):
                return conditional
        return response

    def store(self, key, state, response):
        found = validators(state, key)
        headers = (
            *(
                (name, value)
                for name, value in response.items()
                if name.lower() not in NOT_STORED_HEADERS
            ),
            ("Cache-Control", response["Cache-Control"]),
            ("ETag", found["etag"]),
            ("Last-Modified", http_date(found["last_modified"])),
        )
        page = Page(state.generation, etag_for(state, key), response.content, headers)
        try:
            cache.set(key, page, timeout=PAGE_TIMEOUT)
        except Exception as error:
            _cache_failed(error)
