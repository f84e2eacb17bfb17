"""Readers' text-size choice: four sizes, kept in a small cookie that pages read."""

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
