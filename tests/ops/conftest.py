"""Fixtures of the operations tests: the site as it runs in production (gunicorn, DEBUG off,
settings module newsroom.settings) on a private PostgreSQL cluster and private Redis servers.

These tests never use the test database of pytest-django nor DATABASE_URL: one PostgreSQL
cluster is created for the whole session, with a database `newsroom` migrated and holding the
sample article (published) and a superuser, made by the site's own commands. Each test gets
its own copy of that database (CREATE DATABASE ... TEMPLATE newsroom), so a test may change its
data, and stop or restart the cluster, without affecting the next one; fixtures leave the
cluster running.
"""

import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.helpers.sample import SAMPLE, SAMPLE_SLUG

from .servers import AppServer, PrivatePostgres, PrivateRedis, manage, private_dir, site_env

TEMPLATE_DATABASE = "newsroom"
# For tests that need every request to read the database: no page cache.
UNCACHED = {"cache_url": "locmemcache://ops", "PAGE_CACHE_ENABLED": "False"}
ADMIN_USERNAME = "ops-chief"
ADMIN_PASSWORD = "ops-chief-password-5vXq"
HEADLINE = "Kerry-Lavrov Rapport Smoothed Path to Syria Deal"
ARTICLE_PATH = f"/articles/{SAMPLE_SLUG}/"


@pytest.fixture(scope="session")
def ops_dir():
    root = private_dir("newsroom-ops-")
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def prepared(ops_dir):
    """(cluster, static root): the private cluster with the template database ready, and the
    collected static files (with DEBUG off the site needs the hashed, compressed files). The
    commands run side by side where they can."""
    static = ops_dir / "static"
    cluster = PrivatePostgres(private_dir("newsroom-ops-pg-"))
    env = site_env(
        database_url=cluster.url(TEMPLATE_DATABASE),
        cache_url="dummycache://",
        static_root=static,
        DJANGO_SUPERUSER_PASSWORD=ADMIN_PASSWORD,
    )
    superuser = ["--noinput", "--username", ADMIN_USERNAME, "--email", "chief@example.com"]
    with ThreadPoolExecutor() as pool:
        collected = pool.submit(manage, "collectstatic", "--noinput", "-v", "0", env=env)
        try:
            cluster.init()
            cluster.create_database(TEMPLATE_DATABASE)
            manage("migrate", "--noinput", "-v", "0", env=env)
            ingested = pool.submit(manage, "ingest", "--publish", str(SAMPLE), env=env)
            manage("createsuperuser", *superuser, env=env)
            ingested.result()
            collected.result()
        except BaseException:
            cluster.destroy()
            raise
    yield cluster, static
    cluster.destroy()


@pytest.fixture(scope="session")
def postgres(prepared):
    """The private cluster (PrivatePostgres)."""
    return prepared[0]


@pytest.fixture(scope="session")
def static_root(prepared):
    return prepared[1]


@pytest.fixture
def database(postgres, request):
    """A database of this test's own, a copy of the template: its name."""
    name = "".join(c if c.isalnum() else "_" for c in request.node.name.lower())
    name = f"ops_{name.removeprefix('test_')}"[:40]  # PostgreSQL names: at most 63 bytes
    postgres.create_database(name, template=TEMPLATE_DATABASE)
    yield name
    if not postgres.is_running():
        postgres.start()
    postgres.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_server(ops_dir):
    server = PrivateRedis(ops_dir)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app_server(ops_dir, static_root, request):
    """app_server(database_url=..., cache_url=..., **env): start gunicorn (or several: start
    them all, then call wait_ready on each); they are stopped when the test ends."""
    servers = []

    def start(*, database_url: str, cache_url: str, wait: bool = True, **extra: str):
        name = f"gunicorn-{request.node.name}-{len(servers)}.log"
        server = AppServer(
            site_env(
                database_url=database_url,
                cache_url=cache_url,
                static_root=static_root,
                **extra,
            ),
            ops_dir / "".join(c if c.isalnum() or c in ".-" else "_" for c in name),
        )
        servers.append(server)
        server.start()
        if wait:
            server.wait_ready()
        return server

    yield start
    for server in servers:
        server.signal_stop()  # all at once, then wait for each
    for server in servers:
        server.stop()
        # Shown by pytest only when the test failed.
        print(f"--- {server.log.name} ---\n{server.log_text()}")


def set_headline(postgres, database: str, headline: str):
    """Change the article behind the site's back (no cache invalidation): what the site then
    serves tells whether a page came from the cache or from the database."""
    postgres.sql(
        "UPDATE articles_article SET headline = %s WHERE slug = %s",
        (headline, SAMPLE_SLUG),
        database=database,
    )


def article_id(postgres, database: str) -> int:
    rows = postgres.sql(
        "SELECT id FROM articles_article WHERE slug = %s", (SAMPLE_SLUG,), database=database
    )
    return rows[0][0]
