"""`/healthz` for load balancers: 200 when the database and the cache both answer, 503 naming
the part that does not. Never cached; plain HTTP allowed (SECURE_REDIRECT_EXEMPT)."""

import logging
import uuid

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

log = logging.getLogger("articles.healthz")  # the name operators filter on

OK = "ok"
FAILING = "failing"


def database_answers() -> bool:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        log.exception("healthz: the database does not answer")
        return False


def cache_answers() -> bool:
    """A write and a read back: a cache that swallows its errors still fails this."""
    key, token = "healthz", uuid.uuid4().hex
    try:
        cache.set(key, token, timeout=10)
        return cache.get(key) == token
    except Exception:
        log.exception("healthz: the cache does not answer")
        return False


@never_cache
@require_safe
def healthz(request):
    parts = {"database": database_answers(), "cache": cache_answers()}
    return JsonResponse(
        {name: OK if ok else FAILING for name, ok in parts.items()},
        status=200 if all(parts.values()) else 503,
    )
