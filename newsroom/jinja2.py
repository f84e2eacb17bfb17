"""The Jinja2 environment of the reader pages (TEMPLATES in settings: templates/jinja2/).

Readers' pages render with Jinja2 through Django's own backend, because Django's template
language was most of an uncached page's time (issue 5: 1.4 of the article page's 5.7 ms, 3.4 of
the home page's 4.8 ms). The admin, its templates and the sitemaps stay with Django's language.

Templates see what Django's templates saw, spelt as functions: `url("articles:home")`,
`static("css/site.css")`, `time_element(value)`, `value|lang_runs(language)` (articles/
templating.py holds the site's own). The output is the same HTML but for
MarkupSafe's escaping of quotes in text ("&#39;" and "&#34;", where Django wrote "&#x27;" and
"&quot;"): the same characters for browsers, and no function call per printed value.
"""

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import defaultfilters
from django.templatetags.static import PrefixNode
from django.templatetags.static import static as static_address
from django.urls import get_script_prefix, reverse
from django.utils.timezone import template_localtime
from jinja2 import Environment, Undefined

from articles import templating
from articles.context_processors import reader as reader_context


def environment(**options):
    # A missing variable renders as nothing, as in Django's templates, also with DEBUG on
    # (Django's backend would then print it as "{{ name }}").
    options["undefined"] = Undefined
    # Django's templates keep the template's last newline.
    options["keep_trailing_newline"] = True
    env = Environment(**options)
    env.globals.update(
        url=url,
        static=static,
        static_prefix=static_prefix,
        time_element=templating.time_element,
        article_head=templating.article_head,
        canonical_url=templating.canonical_url,
        text_size_script=templating.TEXT_SIZE_SCRIPT,
    )
    env.filters.update(
        lang_runs=templating.lang_runs,
        isotime=templating.isotime,
        date=date,
        # Django's, not Jinja2's: `urlencode("")` quotes "/" too.
        urlencode=defaultfilters.urlencode,
        pluralize=defaultfilters.pluralize,
    )
    return env


def reader(request):
    """The reader context (articles.context_processors.reader), with the breaking-news alert
    as `site_alert`: Django's Jinja2 backend applies context processors over the view's
    context, and the article page brings its own `alert` (from its own query). base.html uses
    the view's when there is one."""
    context = reader_context(request)
    context["site_alert"] = context.pop("alert")
    return context


# Addresses by (name, arguments, script prefix): a page's constant links (home, archive,
# search, feeds, text sizes) are reversed once per process instead of on every page (~20 µs
# each, 15 to 30 per page), and its static files' addresses looked up once in the manifest
# (~10 µs each). The site has one URLconf (no middleware sets request.urlconf). Bounded:
# arguments may come from content (dates).
_addresses = {}
_static_addresses = {}


def url(name, *args):
    key = (name, args, get_script_prefix())
    try:
        return _addresses[key]
    except KeyError:
        pass
    if len(_addresses) >= 2048:
        _addresses.clear()
    address = _addresses[key] = reverse(name, args=args)
    return address


def static(path):
    """django.templatetags.static.static(path), memoized (STATIC_URL may be relative to the
    script prefix)."""
    key = (path, get_script_prefix())
    try:
        return _static_addresses[key]
    except KeyError:
        pass
    if len(_static_addresses) >= 256:
        _static_addresses.clear()
    address = _static_addresses[key] = static_address(path)
    return address


@receiver(setting_changed)
def _forget_addresses(**kwargs):
    # Settings change only in tests (ROOT_URLCONF, STATIC_URL, STORAGES, DEBUG, ...).
    _addresses.clear()
    _static_addresses.clear()


def static_prefix():
    """STATIC_URL (with the script prefix), like Django's {% get_static_prefix %}: for the
    error pages, which must render even when the static files manifest is what failed."""
    return PrefixNode.handle_simple("STATIC_URL")


def date(value, format_string):
    """Django's `date` filter, in the site's time zone as Django's templates show times."""
    return defaultfilters.date(template_localtime(value), format_string)
