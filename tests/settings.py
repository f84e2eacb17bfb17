"""Settings for the test suite: the project's settings with a test-only key.

The database still comes from DATABASE_URL, so the same suite runs on SQLite (default)
and on PostgreSQL (`DATABASE_URL=postgres://postgres@127.0.0.1:5432/test`).
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")

from newsroom.settings import *  # noqa: F403

# Tests render pages without running collectstatic first.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# No collected static files in tests: WhiteNoise then has no STATIC_ROOT to index.
STATIC_ROOT = None
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405
# The test client and the live servers speak plain HTTP, like scripts/run. The production
# defaults (all three on) are tested in tests/site/test_security.py with override_settings and in a
# subprocess with the project's own settings.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# The page cache is tested on its own (tests/reader/test_page_cache.py): elsewhere every request
# renders, so tests see each change at once and count the queries of rendering.
PAGE_CACHE_ENABLED = False
# The periodic look for owed invalidations would put a query into some hits, depending on the
# clock: tests of it set it (tests/reader/test_page_cache_debts.py).
PAGE_CACHE_DEBT_CHECK = None
# Tests tell a hit from a miss by X-Page-Cache.
PAGE_CACHE_STATUS_HEADER = True
