"""Backups: a pg_dump of the site's database, restored with pg_restore into an empty database,
gives the same site (the steps of docs/operations.md). Both sites run under gunicorn and answer
with the same articles: the same headline, address and body, and the same accounts."""

import json
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from tests.helpers.sample import SAMPLE

from .conftest import ADMIN_PASSWORD, ADMIN_USERNAME, ARTICLE_PATH, HEADLINE, UNCACHED
from .servers import PG_BIN, manage, site_env
from .web import Client, article_body, canonical_url, headline

pytestmark = pytest.mark.ops

FIRST_SENTENCE = (
    "The deal between the United States and Russia on Syrian chemical weapons was due in no "
    "small part to"
)


def tables(postgres, database):
    rows = postgres.sql(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
        database=database,
    )
    return rows[0][0]


def article_links(html: str) -> list[str]:
    return re.findall(r'href="(/articles/[^"]+/)"', html)


@pytest.fixture
def restored(postgres, database):
    name = f"{database}_restored"
    postgres.create_database(name)
    yield name
    if not postgres.is_running():
        postgres.start()
    postgres.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_pg_dump_restores_into_an_empty_database_and_serves_the_same_articles(
    postgres, database, restored, app_server, ops_dir
):
    connect = ["-h", "127.0.0.1", "-p", str(postgres.port), "-U", "postgres"]
    dump = ops_dir / f"{database}.dump"
    subprocess.run(
        [PG_BIN / "pg_dump", *connect, "--format=custom", "--no-owner", "-f", dump, database],
        check=True,
    )
    assert tables(postgres, restored) == 0
    subprocess.run(
        [PG_BIN / "pg_restore", *connect, "--no-owner", "--exit-on-error", "-d", restored, dump],
        check=True,
    )
    assert tables(postgres, restored) == tables(postgres, database) > 0

    original = app_server(database_url=postgres.url(database), **UNCACHED, wait=False)
    copy = app_server(database_url=postgres.url(restored), **UNCACHED, wait=False)
    original.wait_ready()
    copy.wait_ready()
    reader = Client()

    pages = {}
    for name, site in (("original", original), ("restored", copy)):
        article = reader.get(site.url + ARTICLE_PATH)
        assert article.status == 200, (name, article.status)
        home = reader.get(site.url + "/")
        assert home.status == 200, (name, home.status)
        pages[name] = {
            "headline": headline(article.text),
            "address": urlsplit(canonical_url(article.text)).path,
            "body": article_body(article.text),
            "listed": article_links(home.text),
        }
    assert pages["restored"] == pages["original"]
    assert pages["restored"]["headline"] == HEADLINE
    assert pages["restored"]["address"] == ARTICLE_PATH
    assert pages["restored"]["body"].startswith(FIRST_SENTENCE)
    assert pages["restored"]["listed"] == [ARTICLE_PATH]

    # The accounts came back too: the chief editor logs in to the restored site.
    Client().log_in(copy.url, ADMIN_USERNAME, ADMIN_PASSWORD)


DUMPDATA = [
    "dumpdata",
    "--natural-foreign",
    "--natural-primary",
    "--exclude",
    "contenttypes",
    "--exclude",
    "auth.permission",
    "--exclude",
    "sessions",
    "--indent",
    "2",
]


def test_sqlite_dumpdata_loads_into_a_new_database_and_serves_the_same_articles(
    ops_dir, static_root, app_server
):
    """The SQLite steps of docs/operations.md: dumpdata, then migrate and loaddata into a new
    database file; the new database holds exactly the same data, and the site serves it."""
    folder = ops_dir / "sqlite-backup"
    folder.mkdir()
    backup = folder / "backup.json"

    def env(name):
        return site_env(
            database_url=f"sqlite:///{folder / name}",
            cache_url="dummycache://",
            static_root=static_root,
            DJANGO_SUPERUSER_PASSWORD=ADMIN_PASSWORD,
        )

    original, restored = env("original.sqlite3"), env("restored.sqlite3")
    with ThreadPoolExecutor() as pool:
        migrated = pool.submit(manage, "migrate", "--noinput", "-v", "0", env=restored)
        manage("migrate", "--noinput", "-v", "0", env=original)
        manage("ingest", "--publish", str(SAMPLE), env=original)
        manage(
            "createsuperuser",
            "--noinput",
            "--username",
            ADMIN_USERNAME,
            "--email",
            "chief@example.com",
            env=original,
        )
        manage(*DUMPDATA, "--output", str(backup), env=original)
        migrated.result()
    manage("loaddata", str(backup), env=restored)

    dumped_again = manage(*DUMPDATA, env=restored).stdout
    assert json.loads(dumped_again) == json.loads(backup.read_text())
    assert '"model": "articles.article"' in dumped_again

    site = app_server(database_url=restored["DATABASE_URL"], **UNCACHED)
    article = Client().get(site.url + ARTICLE_PATH)
    assert article.status == 200
    assert headline(article.text) == HEADLINE
    assert article_body(article.text).startswith(FIRST_SENTENCE)
    Client().log_in(site.url, ADMIN_USERNAME, ADMIN_PASSWORD)
