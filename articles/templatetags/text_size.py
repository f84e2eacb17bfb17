from django import template
from django.utils.safestring import mark_safe

from articles import text_size

register = template.Library()


@register.simple_tag
def text_size_script():
    """The head script that applies the reader's text size before the first paint: the one
    inline script, allowed by its hash in the Content-Security-Policy."""
    return mark_safe(f"<script>{text_size.INIT_SCRIPT}</script>")  # a constant of ours
