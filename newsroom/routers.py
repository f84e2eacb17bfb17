"""Read replicas: with DATABASE_REPLICA_URL set, readers' pages read from the replica (the
"replica" database alias) and everything else uses the primary ("default").

A router sees a model, never the request, so ReplicaReadsMiddleware tells it what the current
request is: once the URL is resolved it marks a GET or HEAD of a reader page (a view marked
public_page(), articles.reader.page_cache.is_public_page: the same mark the page cache reads)
as a public read, in a context variable of this request's own. ReplicaRouter then sends a read to
the replica only when all of these hold:

- the request is such a public read (the admin, the staff preview, management commands and
  anything outside a request read the primary);
- the model is one of the articles app (sessions and accounts always come from the primary:
  a login just made may not have reached the replica yet);
- nothing was written in this request so far (a page that writes reads its own writes);
- no transaction is open on the primary (what it reads must be what it is about to change).

Writes always go to the primary. Only the primary is migrated: the replica is a copy of it
(PostgreSQL streaming replication), not a database Django manages.
"""

from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections

from articles.reader.page_cache import is_public_page

REPLICA = "replica"

_public_read: ContextVar[bool] = ContextVar("public_read", default=False)


def is_public_read(request) -> bool:
    """A GET or HEAD of a view marked public_page() (articles.reader.page_cache)."""
    match = request.resolver_match
    return request.method in ("GET", "HEAD") and match is not None and is_public_page(match.func)


class ReplicaReadsMiddleware:
    """Marks the request being served as a public read (or not) for ReplicaRouter."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _public_read.set(False)
        try:
            return self.get_response(request)
        finally:
            _public_read.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        _public_read.set(is_public_read(request))


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if (
            _public_read.get()
            and model._meta.app_label == "articles"
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        _public_read.set(False)  # from now on this request reads its own writes
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
