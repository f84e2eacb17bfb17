"""SQL queries per request, as the benchmark reports them.

    DJANGO_SETTINGS_MODULE=bench.settings python -m bench.queries PATH [PATH ...]

Requests each path twice with Django's test client against the configured database and
cache, and prints JSON: {path: {"status": ..., "first": n, "second": n}}. With the page cache
on, the first request fills it and the second is a hit; with PAGE_CACHE_ENABLED=False both
are rendered (the second on a warm process, which is what the benchmark's load measures).
"""

import json
import sys

import django


def count_queries(paths):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    counts = {}
    for path in paths:
        counts[path] = {}
        for attempt in ("first", "second"):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"queries: GET {path} answered {response.status_code}, not 200")
            counts[path][attempt] = len(queries)
            counts[path]["status"] = response.status_code
    return counts


def main():
    paths = sys.argv[1:]
    if not paths:
        raise SystemExit("usage: python -m bench.queries PATH [PATH ...]")
    django.setup()
    print(json.dumps(count_queries(paths)))


if __name__ == "__main__":
    main()
