"""The Jinja2 environment of the reader pages (TEMPLATES in settings: templates/jinja2/).

Readers' pages render with Jinja2 through Django's own backend, because Django's template
language was much of an uncached page's time, most of the home page's (figures in
docs/benchmarks.md, "Measurements behind the code"). The admin, its templates and the sitemaps
stay with Django's language.

Templates see what Django's templates saw, spelt as functions: `url("articles:home")`,
`static("css/site.css")` (both memoized: articles.addresses), `time_element(value)`,
`value|lang_runs(language)` (articles/reader/templating.py holds the site's own). The output is the
same HTML but for MarkupSafe's escaping of quotes in text ("&#39;" and "&#34;", where Django
wrote "&#x27;" and "&quot;"): the same characters for browsers, and no function call per
printed value.
"""

import re
from functools import partial

import jinja2
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import defaultfilters
from django.urls import get_script_prefix
from django.utils.encoding import iri_to_uri
from django.utils.timezone import template_localtime
from jinja2 import Undefined, pass_environment
from markupsafe import Markup, escape

from articles import times
from articles.addresses import address, static_address
from articles.reader import templating, text_size
from articles.reader.context_processors import reader as reader_context


class Environment(jinja2.Environment):
    """Jinja2's environment with each template's globals in a plain dict.

    Jinja2 gives each template a ChainMap of its own globals over the environment's, and
    copies that into a dict on every render, reading each of the dozen globals through
    ChainMap's Python code. The environment's globals are all set in environment(), before
    any template is loaded, so a copy made when a template loads holds the same.

    make_globals() is Jinja2's own, undocumented (articles/reader/fast/README.md). With
    READER_FAST_QUERIES off, templates loaded from then on get Jinja2's ChainMap."""

    def make_globals(self, d):
        if not settings.READER_FAST_QUERIES:
            return super().make_globals(d)
        return {**self.globals, **(d or {})}


def environment(**options):
    # A missing variable renders as nothing, as in Django's templates, also with DEBUG on
    # (Django's backend would then print it as "{{ name }}").
    options["undefined"] = Undefined
    # Django's templates keep the template's last newline.
    options["keep_trailing_newline"] = True
    env = Environment(**options)
    env.globals.update(
        url=address,
        static=static_address,
        frame=frame,
        static_prefix=static_prefix,
        time_element=templating.time_element,
        article_head=templating.article_head,
        canonical_url=templating.canonical_url,
        text_size_script=templating.TEXT_SIZE_SCRIPT,
    )
    env.filters.update(
        lang_runs=templating.lang_runs,
        isotime=times.isotime,
        date=date,
        # Django's, not Jinja2's: `urlencode("")` quotes "/" too.
        urlencode=defaultfilters.urlencode,
        pluralize=defaultfilters.pluralize,
    )
    return env


def reader(request):
    """The reader context (articles.reader.context_processors.reader), with the breaking-news
    alert as `site_alert` (the one the page's own query read, else looked up lazily: see
    articles.reader.context_processors): Django's Jinja2 backend applies context processors
    over the context given to render(), and base.html lets an `alert` given there win (no
    reader view gives one). And url()/static() bound to the request's script prefix."""
    context = reader_context(request)
    context["site_alert"] = context.pop("alert")
    # url() and static() for this page: the script prefix looked up once.
    prefix = get_script_prefix()
    context["url"] = partial(address, prefix=prefix)
    context["static"] = partial(static_address, prefix=prefix)
    return context


@pass_environment
def frame(environment, name, **slots):
    """`{{ frame("head_links") }}`: a part of the page frame (templates/jinja2/frame/<name>.html:
    the links to the feeds, stylesheet and scripts, the site's header), rendered once per
    process and script prefix. A few dozen addresses and names printed on every page were a
    noticeable part of an uncached article page's time.

    `slots`: the values that differ from page to page (`frame("site_header", next=...)`). The
    part is rendered once with a marker where its template prints each slot (`{{ next }}`, no
    filters), and each page's values, escaped, take the markers' places.

    Rendered every time while templates reload (DEBUG), so that an edit shows at once."""
    prefix = get_script_prefix()
    key = (name, prefix, frozenset(slots))
    parts = None if environment.auto_reload else _frames.get(key)
    if parts is None:
        template = environment.get_template(f"frame/{name}.html")
        html = template.render(
            url=partial(address, prefix=prefix),
            static=partial(static_address, prefix=prefix),
            site_name=settings.SITE_NAME,
            text_sizes=text_size.SIZES,
            **{slot: Markup(f"{_SLOT_START}{slot}{_SLOT_END}") for slot in slots},
        )
        # [text, slot name, text, slot name, ..., text]
        parts = [Markup(part) for part in _SLOT.split(html)]
        if not environment.auto_reload:
            _frames[key] = parts
    if len(parts) == 1:
        return parts[0]
    return Markup("".join(escape(slots[part]) if n % 2 else part for n, part in enumerate(parts)))


# Where a slot's value goes in a rendered part of the frame: private-use characters around its
# name (escaping leaves them as they are; the values are put in after the split).
_SLOT_START, _SLOT_END = "\ue000", "\ue001"
_SLOT = re.compile(f"{_SLOT_START}(\\w+){_SLOT_END}")
# The rendered parts of the frame, split at their slots, by (name, script prefix, slot names):
# a handful per process.
_frames = {}


@receiver(setting_changed)
def _forget_frames(**kwargs):
    # Tests change what the frame shows (SITE_NAME, STATIC_URL, STORAGES, ROOT_URLCONF).
    _frames.clear()


def static_prefix():
    """STATIC_URL (with the script prefix), like Django's {% get_static_prefix %}: for the
    error pages, which must render even when the static files manifest is what failed.
    (What PrefixNode.handle_simple("STATIC_URL") gives, with public APIs: settings.STATIC_URL
    has the script prefix.)"""
    return iri_to_uri(settings.STATIC_URL)


def date(value, format_string):
    """Django's `date` filter, in the site's time zone as Django's templates show times."""
    return defaultfilters.date(template_localtime(value), format_string)
