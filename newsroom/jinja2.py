"""The Jinja2 environment of the reader pages (TEMPLATES in settings: templates/jinja2/).

Readers' pages render with Jinja2 through Django's own backend, because Django's template
language was most of an uncached page's time (issue 5: 1.4 of the article page's 5.7 ms, 3.4 of
the home page's 4.8 ms). The admin, its templates and the sitemaps stay with Django's language.

Templates see what Django's templates saw, spelt as functions: `url("articles:home")`,
`static("css/site.css")` (both memoized: articles.addresses), `time_element(value)`,
`value|lang_runs(language)` (articles/templating.py holds the site's own). The output is the
same HTML but for MarkupSafe's escaping of quotes in text ("&#39;" and "&#34;", where Django
wrote "&#x27;" and "&quot;"): the same characters for browsers, and no function call per
printed value.
"""

from functools import partial

from django.template import defaultfilters
from django.templatetags.static import PrefixNode
from django.urls import get_script_prefix
from django.utils.timezone import template_localtime
from jinja2 import Environment, Undefined

from articles import templating
from articles.addresses import address, static_address
from articles.context_processors import reader as reader_context


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
    the view's when there is one. And url()/static() bound to the request's script prefix."""
    context = reader_context(request)
    context["site_alert"] = context.pop("alert")
    # url() and static() for this page: the script prefix looked up once.
    prefix = get_script_prefix()
    context["url"] = partial(address, prefix=prefix)
    context["static"] = partial(static_address, prefix=prefix)
    return context


def static_prefix():
    """STATIC_URL (with the script prefix), like Django's {% get_static_prefix %}: for the
    error pages, which must render even when the static files manifest is what failed."""
    return PrefixNode.handle_simple("STATIC_URL")


def date(value, format_string):
    """Django's `date` filter, in the site's time zone as Django's templates show times."""
    return defaultfilters.date(template_localtime(value), format_string)
