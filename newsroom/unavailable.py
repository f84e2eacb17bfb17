"""When the database cannot be reached, readers get the site's own "temporarily unavailable"
page (503, with Retry-After) instead of a server error, and the log gets one line saying why.

Django hands an exception raised by a view, or while its template renders (querysets are
lazy), to each middleware's process_exception: this one answers the database's
OperationalError and InterfaceError (connection refused, server gone, connection closed).
The page is rendered without the request, so no context processor runs (the breaking-news
banner's would query the database it is apologising for).
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.log import log_response

logger = logging.getLogger("articles.unavailable")  # the name operators filter on

# Seconds a client (or a load balancer) is asked to wait before trying again.
RETRY_AFTER = 30


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        response = unavailable_response()
        # One line, instead of django.request's "Service Unavailable" (log_response marks the
        # response as logged): the address, and the database's reason on its first line.
        log_response(
            "database unavailable: %s %s: %s: %s",
            request.method,
            request.path,
            type(exception).__name__,
            first_line(exception),
            response=response,
            request=request,
            logger=logger,
        )
        return response


def first_line(exception) -> str:
    lines = str(exception).strip().splitlines()
    return lines[0] if lines else ""


def unavailable_response():
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    add_never_cache_headers(response)
    return response
