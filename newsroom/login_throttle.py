"""Admin login throttling with django-axes: the client address and the backend.

After AXES_FAILURE_LIMIT failed logins for one user name from one address, that pair is locked
out for AXES_COOLOFF_TIME (settings) and gets templates/lockout.html (status 429).
"""

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.conf import settings
from django.shortcuts import render


def client_ip(request) -> str | None:
    """The address a login attempt came from, for throttling (AXES_CLIENT_IP_CALLABLE).

    Behind the TLS proxy the operator declared with SECURE_PROXY_SSL_HEADER, every request
    comes from the proxy, which appends the real client to X-Forwarded-For: the last entry is
    the one the proxy saw (earlier ones are whatever the client sent, so never trusted).
    Otherwise the peer address itself.
    """
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.SECURE_PROXY_SSL_HEADER and forwarded.strip():
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR")


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for logins made through a request (the admin's login form).

    Code that authenticates without a request (the test client's login(), a shell) makes no
    attempt from any address, so there is nothing to throttle: axes would refuse it outright.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request, original_response, credentials):
    """The page a locked-out login gets (AXES_LOCKOUT_CALLABLE): 429, with how long to wait."""
    minutes = round(get_cool_off(request).total_seconds() / 60)
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff": f"{minutes} minute{'' if minutes == 1 else 's'}",
    }
    return render(request, "lockout.html", context, status=429)
