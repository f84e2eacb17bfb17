from . import text_size
from .models import Alert


def reader(request):
    """What every public page's frame needs: the text-size choice and the breaking-news alert."""
    return {
        "text_size": text_size.from_request(request),
        "text_sizes": text_size.SIZES,
        "alert": Alert.objects.active().first(),
    }
