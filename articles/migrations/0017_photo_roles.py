"""Give the roles the photo library's permissions: editors view, add and change photos, chief
editors also delete them.

Written out here like 0003_roles (not imported from articles.roles), so that this migration
keeps doing what it did when the roles change later: the groups get exactly the permissions
the roles had once the photo library arrived.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = {
    "add_agency", "add_article", "add_author", "add_caption", "add_correction",
    "change_agency", "change_article", "change_author", "change_caption", "change_correction",
    "change_pendingupdate", "delete_agency", "delete_author", "delete_caption",
    "import_article", "view_agency", "view_article", "view_author", "view_caption",
    "view_correction", "view_ingestrecord", "view_pendingupdate",
    "add_photo", "change_photo", "view_photo",
}  # fmt: skip
CHIEF_EDITORS = EDITORS | {
    "add_alert", "change_alert", "delete_alert", "view_alert",
    "delete_article", "publish_article", "delete_correction",
    "delete_photo",
}  # fmt: skip
# The groups as 0003_roles left them, for going back.
PHOTO_PERMISSIONS = {"add_photo", "change_photo", "view_photo", "delete_photo"}


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


def create_permissions_now(apps):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def add_photo_permissions(apps, schema_editor):
    create_permissions_now(apps)
    sync_groups(
        apps.get_model("auth", "Group"),
        apps.get_model("auth", "Permission"),
        {"Editors": EDITORS, "Chief editors": CHIEF_EDITORS},
    )


def remove_photo_permissions(apps, schema_editor):
    sync_groups(
        apps.get_model("auth", "Group"),
        apps.get_model("auth", "Permission"),
        {
            "Editors": EDITORS - PHOTO_PERMISSIONS,
            "Chief editors": CHIEF_EDITORS - PHOTO_PERMISSIONS,
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0016_photos"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(add_photo_permissions, remove_photo_permissions)]
