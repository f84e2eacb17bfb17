"""Fixtures of the operations tests: the site as it runs in production (gunicorn, DEBUG off,
settings module newsroom.settings) on a private PostgreSQL cluster and private Redis servers.

These tests never use the test database of pytest-django nor DATABASE_URL: one PostgreSQL
cluster is created for the whole session, with a database `newsroom` migrated and holding the
sample article (published) and a superuser, made by the site's own commands. Each test gets
its own copy of that database (CREATE DATABASE ... TEMPLATE newsroom), so a test may change its
data, and stop or restart the cluster, without affecting the next one; fixtures leave the
cluster running.
"""

import pytest

from tests.conftest import SAMPLE, SAMPLE_SLUG

from .servers import AppServer, PrivatePostgres, PrivateRedis, manage, private_dir, site_env

TEMPLATE_DATABASE = "newsroom"
ADMIN_USERNAME = "ops-chief"
ADMIN_PASSWORD = "ops-chief-password-5vXq"
HEADLINE = "Kerry-Lavrov Rapport Smoothed Path to Syria Deal"
ARTICLE_PATH = f"/articles/{SAMPLE_SLUG}/"


@pytest.fixture(scope="session")
def ops_dir():
    root = private_dir("newsroom-ops-")
    yield root
    import shutil

    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def static_root(ops_dir):
    """collectstatic once: with DEBUG off the site needs the hashed, compressed files."""
    root = ops_dir / "static"
    env = site_env(database_url="sqlite://:memory:", cache_url="dummycache://", static_root=root)
    manage("collectstatic", "--noinput", "-v", "0", env=env)
    return root


@pytest.fixture(scope="session")
def postgres(ops_dir, static_root):
    """The private cluster, with the template database ready."""
    cluster = PrivatePostgres(private_dir("newsroom-ops-pg-"))
    cluster.init()
    try:
        cluster.create_database(TEMPLATE_DATABASE)
        env = site_env(
            database_url=cluster.url(TEMPLATE_DATABASE),
            cache_url="dummycache://",
            static_root=static_root,
            DJANGO_SUPERUSER_PASSWORD=ADMIN_PASSWORD,
        )
        manage("migrate", "--noinput", "-v", "0", env=env)
        manage("ingest", "--publish", str(SAMPLE), env=env)
        manage(
            "createsuperuser",
            "--noinput",
            "--username",
            ADMIN_USERNAME,
            "--email",
            "ops-chief@example.com",
            env=env,
        )
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def database(postgres, request):
    """A database of this test's own, a copy of the template: its name."""
    name = f"ops_{request.node.name}".lower()
    name = "".join(c if c.isalnum() else "_" for c in name)[:60]
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
        server.stop()


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
