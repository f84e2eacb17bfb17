"""The site's addresses without a reverse() or a manifest look-up each time.

reverse() resolves the URL name, checks the pattern and quotes the result on every call, and a
static file's address is a look-up in the manifest of hashed names; a page has 15 to 30 of
them (its constant links, 20 article links on a listing), a noticeable part of an uncached
page's time (figures in docs/benchmarks.md, "Measurements behind the code"). So:

- address(name, *args): reverse(name, args=args), memoized per script prefix: the page's
  constant links (home, archive, search, feeds, text sizes);
- static_address(path): django.templatetags.static.static(path), memoized likewise;
- slug_address(name, slug): the address of a page named by a slug (article, author,
  agency): the pattern is reversed once with a marker, and each slug is put in its place,
  quoted as reverse() quotes it. Anything reverse() would refuse (an empty slug, one with "/")
  goes to reverse(), which raises as before.

The memos are bounded (arguments may come from content) and emptied when a setting changes
(tests change ROOT_URLCONF, STATIC_URL, STORAGES).
"""

from urllib.parse import quote

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse
from django.utils.http import RFC3986_SUBDELIMS

# reverse() quotes the path with these characters left as they are.
_SAFE = RFC3986_SUBDELIMS + "/~:@"
_MARKER = "\ue000"  # a private-use character: never in a pattern, quoted as %EE%80%80
_QUOTED_MARKER = quote(_MARKER, safe=_SAFE)

_addresses = {}
_static_addresses = {}
_slug_patterns = {}


def address(name, *args, prefix=None):
    """reverse(name, args=args), memoized. `prefix`: the script prefix, when the caller has
    it (a page's template asks for a dozen addresses: one look-up of it, not twelve)."""
    key = (name, args, prefix or get_script_prefix())
    try:
        return _addresses[key]
    except KeyError:
        pass
    if len(_addresses) >= 2048:
        _addresses.clear()
    found = _addresses[key] = reverse(name, args=args)
    return found


def static_address(path, prefix=None):
    """django.templatetags.static.static(path), memoized (STATIC_URL may be relative to the
    script prefix)."""
    key = (path, prefix or get_script_prefix())
    try:
        return _static_addresses[key]
    except KeyError:
        pass
    if len(_static_addresses) >= 256:
        _static_addresses.clear()
    found = _static_addresses[key] = static(path)
    return found


def slug_address(name, slug):
    """reverse(name, kwargs={"slug": slug}), for URL patterns whose only argument is the slug
    and matches any text without "/" (<str:slug>)."""
    if not slug or "/" in slug or _MARKER in slug:
        return reverse(name, kwargs={"slug": slug})
    key = (name, get_script_prefix())
    pattern = _slug_patterns.get(key)
    if pattern is None:
        pattern = _slug_patterns[key] = reverse(name, kwargs={"slug": _MARKER})
    return pattern.replace(_QUOTED_MARKER, quote(slug, safe=_SAFE))


@receiver(setting_changed)
def _forget_addresses(**kwargs):
    _addresses.clear()
    _static_addresses.clear()
    _slug_patterns.clear()
