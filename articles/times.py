"""How the site writes a moment for machines, one way for readers' pages, feeds, sitemaps and
the admin: ISO 8601 / RFC 3339 in the site's time zone, whole seconds, the offset with a colon
("2026-11-27T10:00:00+00:00")."""

from datetime import datetime

from django.utils import timezone


def iso_datetime(value, zone=None) -> str:
    """Strict ISO 8601 / RFC 3339 in the site's time zone (or `zone`, when the caller has
    already looked it up), with offset, whole seconds: "2026-11-27T10:00:00+00:00"."""
    return timezone.localtime(value, zone).replace(microsecond=0).isoformat()


def isotime(value) -> str:
    """iso_datetime(value) for templates: empty for anything that is not an aware datetime."""
    if not isinstance(value, datetime) or timezone.is_naive(value):
        return ""
    return iso_datetime(value)
