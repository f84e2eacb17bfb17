"""The editors' room: the Django admin of the articles app, one module per concern."""

from . import article, photos  # noqa: F401  (register the model admins)
