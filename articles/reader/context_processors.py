"""What every page's templates get besides the view's context, and the one way the
breaking-news banner reaches them.

The context processor below is the only thing that puts the alert into a template's context
(for Jinja2 templates through newsroom.jinja2.reader, as `site_alert`). When the page's own
query already read the active alert (the article page and the lists of cards on the fast
path: articles.reader.sources), the view records it on the request with record_alert();
otherwise the alert is looked up when a template first uses it.
"""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from articles.reader import sources, text_size


def record_alert(request, alert) -> None:
    """Record on the request the active alert that the page's own query read (an Alert, or a
    false value for none), for the context processor; sources.NOT_READ records nothing."""
    if alert is not sources.NOT_READ:
        request.alert = alert


def page_alert(request):
    """The alert this request's templates show: the one recorded (record_alert), else the
    active one, looked up when a template first uses it (so pages that do not show the
    banner, the admin's, make no query for it)."""
    alert = getattr(request, "alert", sources.NOT_READ)
    return SimpleLazyObject(sources.active_alert) if alert is sources.NOT_READ else alert


def reader(request):
    """What every public page's frame needs: the text sizes and the breaking-news alert."""
    return {
        "site_name": settings.SITE_NAME,
        "text_sizes": text_size.SIZES,
        "alert": page_alert(request),
    }
