"""WSGI entry point: `gunicorn newsroom.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

application = get_wsgi_application()


def _limit_database_waits():
    """Serving processes wait at most DATABASE_QUERY_TIMEOUT for PostgreSQL (see deadline)."""
    from django.conf import settings
    from django.db import connections

    if any(connections[alias].vendor == "postgresql" for alias in settings.DATABASES):
        from newsroom.db.postgresql import deadline

        deadline.install(settings.DATABASE_QUERY_TIMEOUT)


_limit_database_waits()
