"""Create the Editors and Chief editors groups with their exact permissions.

The permissions, and the code that gives them to the groups, are written out here (not imported
from articles.roles) so that this migration keeps doing what it did when later migrations
change the roles or that module is moved: `migrate` on a new database needs nothing of today's
application code.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = {
    "add_agency", "add_article", "add_author", "add_caption", "add_correction",
    "change_agency", "change_article", "change_author", "change_caption", "change_correction",
    "change_pendingupdate", "delete_agency", "delete_author", "delete_caption",
    "import_article", "view_agency", "view_article", "view_author", "view_caption",
    "view_correction", "view_ingestrecord", "view_pendingupdate",
}  # fmt: skip
CHIEF_EDITORS = EDITORS | {
    "add_alert", "change_alert", "delete_alert", "view_alert",
    "delete_article", "publish_article", "delete_correction",
}  # fmt: skip


def sync_groups(group_model, permission_model, group_permissions):
    """Create or update the groups with exactly these permissions (articles app only)."""
    for name, wanted in group_permissions.items():
        group, _ = group_model.objects.get_or_create(name=name)
        permissions = list(
            permission_model.objects.filter(content_type__app_label="articles", codename__in=wanted)
        )
        missing = wanted - {p.codename for p in permissions}
        if missing:
            raise LookupError(f"permissions missing for {name}: {sorted(missing)}")
        group.permissions.set(permissions)


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_groups(
        apps.get_model("auth", "Group"),
        apps.get_model("auth", "Permission"),
        {"Editors": EDITORS, "Chief editors": CHIEF_EDITORS},
    )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Editors", "Chief editors"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_workflow_history"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
