"""The editors' room: the Django admin of the articles app, one module per concern."""

from . import article  # noqa: F401  (registers the model admins)
