"""`migrate` on a new database, from zero, reaches the latest migration of every app with the
two roles (articles.roles) and the rendered-body trigger, on the current backend (SQLite or
PostgreSQL, from DATABASE_URL).

The data migrations stand alone: they must keep working when the application's modules are
renamed or moved, so a run of `manage.py migrate` in a subprocess, on a database of its own, is
refused those modules (articles.roles, articles.rendered_bodies, articles.markup and the
language detection the renderer uses). A migration that imports one of them fails there.

Unlike the other tests here, these need no gunicorn nor private servers: the pytest-django test
database, and a new SQLite file or PostgreSQL database next to it.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from tests.helpers.migrations import migrated_state

REPO = Path(__file__).resolve().parents[2]
# Live code no migration may import. articles.models imports the renderer, so these are loaded
# when Django starts: the subprocess takes them out of sys.modules after django.setup() and
# refuses to import them again.
BLOCKED = (
    "articles.roles",
    "articles.rendered_bodies",
    "articles.markup",
    "articles.language",
    "articles.photos.metadata",
    "articles.photos.renditions",
    "articles.photos.tasks",
)

# Third-party apps whose migrations cannot be reversed, left migrated when everything else goes
# back to zero: django-tasks-db's queue (its 0013 is a RunPython without a reverse). It depends
# on no other app, so the others can still be taken back to zero and migrated again.
IRREVERSIBLE_APPS = {"django_tasks_database"}

# Run in the subprocess, with the blocked names as arguments. Exit status 3: the block failed
# (a blocked module could still be imported), so the run would prove nothing.
MIGRATE_BLOCKED = """
import importlib, importlib.abc, json, sys

import django

django.setup()
blocked = set(sys.argv[1:])


class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name in blocked:
            raise ImportError(f"{name} is application code: a migration must not import it")
        return None


sys.meta_path.insert(0, Refuse())
for name in blocked:
    sys.modules.pop(name, None)
    parent, _, child = name.rpartition(".")
    # `from articles import roles` would otherwise find the attribute the first import set.
    if parent in sys.modules and hasattr(sys.modules[parent], child):
        delattr(sys.modules[parent], child)
for name in blocked:
    try:
        importlib.import_module(name)
    except ImportError:
        continue
    sys.exit(3)

from django.core.management import execute_from_command_line
from django.db import connection

# Without the system checks, which load the site's URLs and templates (they import the renderer).
execute_from_command_line(["manage.py", "migrate", "--noinput", "--skip-checks", "-v", "0"])

from tests.helpers.migrations import migrated_state

print(json.dumps(migrated_state(connection)))
"""


def check(state):
    from articles.roles import GROUP_PERMISSIONS

    assert state["plan"] == []
    assert state["not_applied"] == []
    latest = MigrationLoader(None).graph.leaf_nodes("articles")
    assert state["latest_articles_applied"] == [f"articles.{name}" for _, name in latest]
    assert state["groups"] == {
        name: sorted(f"articles.{codename}" for codename in codenames)
        for name, codenames in GROUP_PERMISSIONS.items()
    }
    assert state["trigger"] == ["articles_article"]


@pytest.mark.django_db(transaction=True)
def test_migrate_from_zero_reaches_the_latest_migration_with_the_roles_and_the_trigger():
    labels = sorted(
        {app for app, _ in MigrationExecutor(connection).loader.graph.nodes} - IRREVERSIBLE_APPS
    )
    try:
        for label in labels:
            call_command("migrate", label, "zero", interactive=False, verbosity=0)
        assert {
            app for app, _ in MigrationRecorder(connection).applied_migrations()
        } <= IRREVERSIBLE_APPS
        assert "articles_article" not in connection.introspection.table_names()
    finally:
        # Whatever happened, the next tests get a migrated database.
        call_command("migrate", interactive=False, verbosity=0)
    check(migrated_state(connection))


@pytest.fixture
def new_database_url(tmp_path):
    """The address of a new, empty database on the current backend (removed afterwards)."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'new.sqlite3'}"
        return
    assert connection.vendor == "postgresql"
    name = f"migrate_from_zero_{uuid.uuid4().hex[:12]}"
    host, port, user = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432, settings["USER"]
    client = ["-h", host, "-p", str(port), *(["-U", user] if user else [])]
    env = {**os.environ, "PGPASSWORD": settings["PASSWORD"] or ""}
    subprocess.run(["createdb", *client, name], env=env, check=True, capture_output=True)
    password = f":{quote(settings['PASSWORD'], safe='')}" if settings["PASSWORD"] else ""
    try:
        yield f"postgres://{quote(user, safe='')}{password}@{host}:{port}/{name}"
    finally:
        subprocess.run(
            ["dropdb", *client, "--if-exists", "--force", name], env=env, capture_output=True
        )


def test_the_migrations_need_none_of_the_application_modules(new_database_url):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "PYTEST"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=new_database_url,
        DATABASE_REPLICA_URL="",
        ENV_FILE="",
    )
    result = subprocess.run(
        [sys.executable, "-c", MIGRATE_BLOCKED, *BLOCKED],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode != 3, "the blocked modules could still be imported"
    assert result.returncode == 0, result.stderr
    check(json.loads(result.stdout.splitlines()[-1]))
