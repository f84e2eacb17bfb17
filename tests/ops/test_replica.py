"""Read replicas: DATABASE_REPLICA_URL adds the "replica" database and the router; readers'
pages read from it, and the admin, writes and everything else from the primary.

End to end, the replica is a second PostgreSQL database made as a copy of the primary and then
given a different headline: what each page shows tells which database it read.
"""

import runpy

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.db import transaction
from django.test import RequestFactory
from django.urls import resolve

from articles.models import Agency, Article
from newsroom.routers import ReplicaReadsMiddleware, ReplicaRouter

from .conftest import (
    ADMIN_PASSWORD,
    ADMIN_USERNAME,
    ARTICLE_PATH,
    HEADLINE,
    SAMPLE_SLUG,
    TEMPLATE_DATABASE,
    UNCACHED,
    article_id,
    set_headline,
)
from .servers import REPO
from .web import Client, form_fields, headline, save_article

pytestmark = pytest.mark.ops

REPLICA_HEADLINE = "Headline as the replica has it"
EDITED = "Kerry and Lavrov, edited on the primary"


# --- Settings ----------------------------------------------------------------------------------


def settings_with(monkeypatch, **env):
    """The globals of newsroom/settings.py run with this environment (and no .env file)."""
    monkeypatch.setenv("ENV_FILE", "")
    monkeypatch.setenv("SECRET_KEY", "settings-test-secret-key-0123456789-abcdefghijklmnopqrstuv")
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@db.example:5432/newsroom")
    monkeypatch.delenv("DATABASE_REPLICA_URL", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(REPO / "newsroom" / "settings.py"))


def test_without_a_replica_url_there_is_one_database_and_no_router(monkeypatch):
    settings = settings_with(monkeypatch)
    assert list(settings["DATABASES"]) == ["default"]
    assert "DATABASE_ROUTERS" not in settings
    assert "newsroom.routers.ReplicaReadsMiddleware" not in settings["MIDDLEWARE"]


def test_a_replica_url_adds_the_replica_and_its_router(monkeypatch):
    settings = settings_with(
        monkeypatch, DATABASE_REPLICA_URL="postgres://reader@replica.example:5432/newsroom"
    )
    replica = settings["DATABASES"]["replica"]
    assert replica["ENGINE"] == "newsroom.db.postgresql"  # Django's, polled health check
    assert (replica["HOST"], replica["USER"], replica["NAME"]) == (
        "replica.example",
        "reader",
        "newsroom",
    )
    assert replica["CONN_MAX_AGE"] == settings["DATABASES"]["default"]["CONN_MAX_AGE"]
    assert replica["CONN_HEALTH_CHECKS"] is True
    assert replica["TEST"] == {"MIRROR": "default"}
    assert settings["DATABASE_ROUTERS"] == ["newsroom.routers.ReplicaRouter"]
    assert settings["MIDDLEWARE"][-1] == "newsroom.routers.ReplicaReadsMiddleware"


# --- The router's rules ------------------------------------------------------------------------

router = ReplicaRouter()


def reads_from(method, path, model=Article, *, before=None):
    """The database a read of model goes to while the site serves this request (after the
    view is known); before(), if given, runs first inside the request."""
    request = getattr(RequestFactory(), method.lower())(path)

    def view_runs(request):
        request.resolver_match = match = resolve(request.path_info)
        middleware.process_view(request, match.func, match.args, match.kwargs)
        if before is not None:
            before()
        return router.db_for_read(model)

    middleware = ReplicaReadsMiddleware(view_runs)
    return middleware(request)


ARTICLE = f"/articles/{SAMPLE_SLUG}/"


@pytest.mark.parametrize(
    ("method", "path", "model", "database"),
    [
        ("GET", ARTICLE, Article, "replica"),
        ("HEAD", ARTICLE, Article, "replica"),
        ("GET", "/", Article, "replica"),
        ("GET", "/agencies/reuters/", Agency, "replica"),
        ("GET", "/archive/2013/", Article, "replica"),
        ("GET", "/search/?q=Lavrov", Article, "replica"),
        ("GET", "/feeds/atom.xml", Article, "replica"),
        ("GET", "/sitemap.xml", Article, "replica"),
        # Sessions and accounts: always the primary.
        ("GET", ARTICLE, Session, "default"),
        ("GET", ARTICLE, User, "default"),
        # Not a reader's page, or not a read.
        ("GET", f"{ARTICLE}preview/", Article, "default"),
        ("GET", "/admin/articles/article/", Article, "default"),
        ("GET", "/healthz", Article, "default"),
        ("POST", ARTICLE, Article, "default"),
        ("POST", "/admin/articles/article/1/change/", Article, "default"),
    ],
)
def test_which_database_a_read_goes_to(method, path, model, database):
    assert reads_from(method, path, model) == database


def test_a_read_after_a_write_in_the_same_request_goes_to_the_primary():
    assert reads_from("GET", ARTICLE, before=lambda: router.db_for_write(Article)) == "default"
    # The next request starts afresh.
    assert reads_from("GET", ARTICLE) == "replica"


def test_reads_outside_a_request_go_to_the_primary():
    assert router.db_for_read(Article) == "default"
    assert router.db_for_write(Article) == "default"


@pytest.mark.django_db(transaction=True)
def test_a_read_inside_a_transaction_goes_to_the_primary():
    def in_a_transaction():
        with transaction.atomic():
            return router.db_for_read(Article)

    seen = {}
    reads_from("GET", ARTICLE, before=lambda: seen.setdefault("read", in_a_transaction()))
    assert seen["read"] == "default"


def test_only_the_primary_is_migrated():
    assert router.allow_migrate("default", "articles") is True
    assert router.allow_migrate("replica", "articles") is False


# --- End to end: gunicorn on a primary and a replica -------------------------------------------


@pytest.fixture
def replica(postgres, database):
    """A second database holding the same rows as the test's primary, but another headline."""
    name = f"{database}_replica"[:63]
    postgres.create_database(name, template=TEMPLATE_DATABASE)
    set_headline(postgres, name, REPLICA_HEADLINE)
    yield name
    if not postgres.is_running():
        postgres.start()
    postgres.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_reader_pages_read_the_replica_and_the_admin_the_primary(
    postgres, database, replica, app_server
):
    site = app_server(
        database_url=postgres.url(database),
        DATABASE_REPLICA_URL=postgres.url(replica),
        **UNCACHED,  # every page rendered, from whichever database
    )
    reader = Client()

    article = reader.get(site.url + ARTICLE_PATH)
    assert article.status == 200
    assert headline(article.text) == REPLICA_HEADLINE
    home = reader.get(site.url + "/")
    assert REPLICA_HEADLINE in home.text
    assert HEADLINE not in home.text

    # The admin (login, session, forms) works on the primary: the replica has no session.
    editor = Client()
    editor.log_in(site.url, ADMIN_USERNAME, ADMIN_PASSWORD)
    pk = article_id(postgres, database)
    change_page = editor.get(f"{site.url}/admin/articles/article/{pk}/change/")
    assert form_fields(change_page.text, "article_form")["headline"] == HEADLINE
    save_article(editor, site, pk, headline=EDITED)
    # The save wrote to the primary only.
    headlines = "SELECT headline FROM articles_article WHERE id = %s"
    assert postgres.sql(headlines, (pk,), database=database) == [(EDITED,)]
    assert postgres.sql(headlines, (pk,), database=replica) == [(REPLICA_HEADLINE,)]
    # The staff preview reads the primary; the reader's page still the replica.
    preview = editor.get(f"{site.url}{ARTICLE_PATH}preview/")
    assert headline(preview.text) == EDITED
    assert headline(reader.get(site.url + ARTICLE_PATH).text) == REPLICA_HEADLINE
