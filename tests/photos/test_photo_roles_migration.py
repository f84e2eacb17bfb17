"""An existing database gets the photo permissions from migration 0017: the groups as 0016 left
them (the roles of 0003) gain exactly the photo library's permissions, and lose them again
when the migration is reversed."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from articles.roles import CHIEF_EDITORS, EDITORS, GROUP_PERMISSIONS

BEFORE = [("articles", "0016_photos")]
AFTER = [("articles", "0017_photo_roles")]
PHOTO = {"add_photo", "change_photo", "view_photo", "delete_photo"}


def group_codenames():
    from django.contrib.auth.models import Group

    return {
        group.name: {p.codename for p in group.permissions.all()}
        for group in Group.objects.prefetch_related("permissions")
    }


@pytest.mark.django_db(transaction=True)
def test_the_roles_migration_adds_the_photo_permissions_to_existing_groups():
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        before = group_codenames()
        assert before == {
            EDITORS: GROUP_PERMISSIONS[EDITORS] - PHOTO,
            CHIEF_EDITORS: GROUP_PERMISSIONS[CHIEF_EDITORS] - PHOTO,
        }
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        assert group_codenames() == GROUP_PERMISSIONS
        assert GROUP_PERMISSIONS[EDITORS] & PHOTO == {"add_photo", "change_photo", "view_photo"}
        assert GROUP_PERMISSIONS[CHIEF_EDITORS] & PHOTO == PHOTO
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
