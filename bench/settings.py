"""The production settings, plus the floor view's URL: every gunicorn instance of the
benchmark runs with this module, so the floor pays for the same middleware as the pages."""

from newsroom.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
