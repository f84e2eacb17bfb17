"""What the migrations leave in a database: the rendered-body trigger (SQLite drops a table's
triggers when a migration rebuilds the table) and the state tests/ops/test_migrate_from_zero.py
compares, read in a subprocess that may not import application code (only Django's, and the
migration that names the trigger)."""

import importlib

from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

TRIGGER = importlib.import_module("articles.migrations.0010_rendered_body_key_trigger").TRIGGER


def trigger_tables(connection):
    """The tables that have the rendered-body trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name = %s",
                [TRIGGER],
            )
        else:
            cursor.execute(
                "SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = %s", [TRIGGER]
            )
        return [table for (table,) in cursor.fetchall()]


def migrated_state(connection):
    """What the checks compare, as JSON-ready values: the migrations still to apply, every
    migration on disk that is not recorded as applied, the latest migration of the articles
    app, the groups' permissions ("app_label.codename") and the tables with the trigger."""
    from django.contrib.auth.models import Group

    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    applied = set(MigrationRecorder(connection).applied_migrations())
    groups = {
        group.name: sorted(
            f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()
        )
        for group in Group.objects.prefetch_related("permissions__content_type")
    }
    return {
        "plan": [str(migration) for migration, _ in executor.migration_plan(graph.leaf_nodes())],
        "not_applied": sorted(f"{app}.{name}" for app, name in set(graph.nodes) - applied),
        "latest_articles_applied": [
            f"{app}.{name}" for app, name in graph.leaf_nodes("articles") if (app, name) in applied
        ],
        "groups": groups,
        "trigger": trigger_tables(connection),
    }
