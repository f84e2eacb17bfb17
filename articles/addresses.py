"""Addresses of pages named by a slug (articles, authors, agencies), without a reverse() each.

A listing links 20 articles; Django's reverse() costs 20-30 µs a call (it resolves the URL
name, checks the pattern and quotes the result), a twentieth of the page's whole budget. The
address of a slug page is its URL pattern's address with the slug quoted in it, so the
pattern is reversed once per URL name, script prefix and URLconf, with a marker for the slug,
and the marker is replaced by each slug quoted as reverse() quotes it. Anything reverse()
would refuse (an empty slug, one with "/") goes to reverse(), which raises as before.
"""

from urllib.parse import quote

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.http import RFC3986_SUBDELIMS

# reverse() quotes the path with these characters left as they are.
_SAFE = RFC3986_SUBDELIMS + "/~:@"
_MARKER = "\ue000"  # a private-use character: never in a pattern, quoted as %EE%80%80
_QUOTED_MARKER = quote(_MARKER, safe=_SAFE)

_patterns = {}


def slug_address(name, slug):
    """reverse(name, kwargs={"slug": slug}), for URL patterns whose only argument is the slug
    and matches any text without "/" (<str:slug>)."""
    if not slug or "/" in slug or _MARKER in slug:
        return reverse(name, kwargs={"slug": slug})
    key = (name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    pattern = _patterns.get(key)
    if pattern is None:
        pattern = _patterns[key] = reverse(name, kwargs={"slug": _MARKER})
    return pattern.replace(_QUOTED_MARKER, quote(slug, safe=_SAFE))
