"""Readers' text-size choice: four sizes, kept in a small cookie that pages read."""

import base64
import hashlib

COOKIE_NAME = "textsize"
DEFAULT = "md"
# (value, visible label, the rest of the accessible name)
SIZES = [
    ("xs", "XS", "extra small text"),
    ("sm", "SM", "small text"),
    ("md", "MD", "medium text"),
    ("lg", "LG", "large text"),
]
VALUES = {value for value, _, _ in SIZES}
MAX_AGE = 365 * 24 * 60 * 60


def from_request(request) -> str:
    value = request.COOKIES.get(COOKIE_NAME, DEFAULT)
    return value if value in VALUES else DEFAULT


# Run inline in <head>, before the first paint: the reader's size from the cookie, so every
# reader gets the same (cacheable) HTML and still sees their size from the first frame.
# The Content-Security-Policy allows exactly this script by its hash (INIT_SCRIPT_CSP).
INIT_SCRIPT = (
    "(function(){var m=document.cookie.match(/(?:^|;\\s*)textsize=(xs|sm|md|lg)(?:;|$)/);"
    'document.documentElement.setAttribute("data-text-size",m?m[1]:"md")})()'
)
_digest = base64.b64encode(hashlib.sha256(INIT_SCRIPT.encode()).digest()).decode()
INIT_SCRIPT_CSP = f"'sha256-{_digest}'"
