from django.conf import settings
from django.utils.functional import SimpleLazyObject

from articles.reader import text_size
from articles.reader.fast.queries import active_alert


def reader(request):
    """What every public page's frame needs: the text sizes and the breaking-news alert.

    The alert is looked up when a template first uses it, so pages that do not show the
    banner (the admin runs every context processor too) make no query for it.
    """
    return {
        "site_name": settings.SITE_NAME,
        "text_sizes": text_size.SIZES,
        "alert": SimpleLazyObject(active_alert),
    }
