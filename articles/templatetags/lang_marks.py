"""Language of parts in templates: `{% load lang_marks %}{{ article.headline|lang_runs:article.language }}`.

The value is plain text: it is escaped, then each run in another writing system than the
language given is wrapped in `<span lang="..">` (articles.markup.mark_language_runs). Text
already marked safe is HTML: it is returned as it is, never re-parsed.
"""

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeData, mark_safe

from articles.markup import mark_language_runs

register = template.Library()


@register.filter
def lang_runs(value, language="en"):
    if isinstance(value, SafeData):
        return value
    return mark_safe(mark_language_runs(str(value), str(language or "en"), escape=escape))
