"""The data migration creates the two roles with exactly the permissions articles.roles names."""

import pytest
from django.contrib.auth.models import Group

from articles.roles import CHIEF_EDITORS, EDITORS, GROUP_PERMISSIONS


@pytest.mark.django_db
def test_the_migration_creates_both_groups_with_exact_permissions():
    groups = {
        group.name: {p.codename for p in group.permissions.all()}
        for group in Group.objects.prefetch_related("permissions")
    }
    assert groups == GROUP_PERMISSIONS


def test_editors_cannot_publish_delete_or_run_alerts_and_chief_editors_can():
    editor_only = GROUP_PERMISSIONS[EDITORS]
    chief = GROUP_PERMISSIONS[CHIEF_EDITORS]
    forbidden = {"publish_article", "delete_article", "add_alert", "change_alert"}
    assert not editor_only & forbidden
    assert forbidden <= chief
    assert editor_only < chief
