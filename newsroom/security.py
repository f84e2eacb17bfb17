"""Security pieces the settings use: the SECRET_KEY rule, the Permissions-Policy header and
the early Host check.

Imported by newsroom/settings.py, so it imports nothing that needs settings.
"""

# The same bar as Django's deploy check (security.W009): at least 50 characters, at least 5
# different ones, and not one of Django's generated development keys.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5
INSECURE_PREFIX = "django-insecure-"

# Powerful browser features no page of the site uses, switched off for every origin.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


def secret_key_problem(key: str) -> str | None:
    """Why `key` must not sign a production site's sessions and tokens, or None if it may."""
    if not key:
        return "SECRET_KEY is not set"
    if key.startswith(INSECURE_PREFIX):
        return f"SECRET_KEY is a development key (it starts with {INSECURE_PREFIX!r})"
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"SECRET_KEY is too short ({len(key)} characters; at least {SECRET_KEY_MIN_LENGTH})"
    if len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return (
            f"SECRET_KEY has too few different characters ({len(set(key))}; "
            f"at least {SECRET_KEY_MIN_UNIQUE_CHARACTERS})"
        )
    return None


class PermissionsPolicyMiddleware:
    """Adds the Permissions-Policy header (Django has no setting for it) to every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class HostValidationMiddleware:
    """Refuses an unknown Host header (400) before anything answers.

    Django checks the Host against ALLOWED_HOSTS only when something asks for it
    (CommonMiddleware does), but WhiteNoise and the page cache answer before that: without
    this, a cached page would go out for any Host.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.get_host()  # raises DisallowedHost, which Django answers with 400.html
        return self.get_response(request)
