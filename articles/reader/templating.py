"""What reader templates call besides their context: the functions and filters that the Jinja2
environment (newsroom/jinja2.py) gives them, one implementation each.

They run many times per page (a listing shows 20 times and 20 headlines), so they are plain
functions without Django's template machinery around them.
"""

import html
from datetime import datetime

from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.http import urlencode
from django.utils.safestring import SafeData, SafeString

from articles.markup import mark_language_runs
from articles.reader import metadata, text_size


def lang_runs(value, language="en"):
    """Language of parts: `{{ article.headline|lang_runs(article.language) }}`.

    The value is plain text: it is escaped, then each run in another writing system than the
    language given is wrapped in `<span lang="..">` (articles.markup.mark_language_runs). Text
    already marked safe is HTML: it is returned as it is, never re-parsed."""
    if isinstance(value, SafeData):
        return value
    # html.escape is Django's escape() without its lazy-string wrapper (the same output).
    return SafeString(mark_language_runs(str(value), str(language or "en"), escape=html.escape))


def time_element(value):
    """<time datetime="2026-11-27T10:00:00+00:00">27 November 2026, 10:00 UTC</time>, in the
    site's time zone; nothing for anything that is not an aware datetime.

    Times are shown one way everywhere: "j F Y, H:i T" in Django's date format, spelt out
    (Django's date formatting was a noticeable part of a listing's time)."""
    if not isinstance(value, datetime) or value.utcoffset() is None:
        return ""
    zone = timezone.get_current_timezone()
    # The same moment in the same zone is the same element: a listing's times are built once
    # per process, not on every page (a listing has many, each built with a zone conversion and
    # string formatting). timestamp() tells apart the two moments of a wall time that occurs
    # twice (`fold`); datetime equality may not.
    key = (value.timestamp(), zone)
    try:
        return _time_elements[key]
    except KeyError:
        pass
    if len(_time_elements) >= 4096:
        _time_elements.clear()
    local = value.astimezone(zone)
    iso = local.replace(microsecond=0).isoformat()  # articles.times.iso_datetime
    # Digits, the month's name and a zoneinfo abbreviation: nothing to escape. (The site is
    # in English: the name is the one of the language active when first built.)
    shown = f"{local.day} {MONTHS[local.month]} {local.year}, {local:%H:%M} {local.tzname()}"
    html = _time_elements[key] = SafeString(f'<time datetime="{iso}">{shown}</time>')
    return html


_time_elements = {}


def article_head(request, article, authors, captions) -> metadata.ArticleHead:
    """The article page's <head> metadata: canonical, description, dates, image, JSON-LD."""
    return metadata.article_head(article, request, authors, captions)


def canonical_url(request, page_obj=None) -> str:
    """The absolute address of this page without its query string, except a page number
    other than 1 (each page of a list is its own canonical page)."""
    url = request.build_absolute_uri(request.path)
    if page_obj is not None and page_obj.number != 1:
        url += "?" + urlencode({"page": page_obj.number})
    return url


# The head script that applies the reader's text size before the first paint: the one inline
# script, allowed by its hash in the Content-Security-Policy (text_size.INIT_SCRIPT_CSP).
TEXT_SIZE_SCRIPT = SafeString(f"<script>{text_size.INIT_SCRIPT}</script>")
