"""Times on reader pages, formatted one way everywhere: `{% include "includes/time.html" with
value=... %}` renders a <time> element with this module's `isotime` as its machine-readable
value."""

from datetime import datetime

from django import template
from django.utils import timezone

from articles.metadata import iso_datetime

register = template.Library()


@register.filter
def isotime(value) -> str:
    """ISO 8601 in the site's time zone, whole seconds, offset with a colon:
    "2026-11-27T10:00:00+00:00". Empty for anything that is not an aware datetime."""
    if not isinstance(value, datetime) or timezone.is_naive(value):
        return ""
    return iso_datetime(value)
