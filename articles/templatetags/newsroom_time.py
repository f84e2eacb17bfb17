"""Times on reader pages, formatted one way everywhere: `{% time_element value %}` renders a
<time> element with the ISO 8601 time (`metadata.iso_datetime`, also the `isotime` filter) as
its machine-readable value. A tag, not an include: listings render one per card, and an
include costs a template render each."""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.html import format_html

from articles.metadata import iso_datetime

register = template.Library()


@register.filter
def isotime(value) -> str:
    """ISO 8601 in the site's time zone, whole seconds, offset with a colon:
    "2026-11-27T10:00:00+00:00". Empty for anything that is not an aware datetime."""
    if not isinstance(value, datetime) or timezone.is_naive(value):
        return ""
    return iso_datetime(value)


# What readers see: "27 November 2026, 10:00 UTC".
DISPLAY_FORMAT = "j F Y, H:i T"


@register.simple_tag
def time_element(value):
    """<time datetime="2026-11-27T10:00:00+00:00">27 November 2026, 10:00 UTC</time>, in the
    site's time zone; nothing for anything that is not an aware datetime."""
    if not isinstance(value, datetime) or timezone.is_naive(value):
        return ""
    local = timezone.localtime(value)
    # DISPLAY_FORMAT, spelt out (Django's date formatting costs a listing a millisecond).
    shown = f"{local.day} {MONTHS[local.month]} {local.year}, {local:%H:%M} {local.tzname()}"
    return format_html('<time datetime="{}">{}</time>', iso_datetime(value), shown)
