"""The newsroom's two roles, as Django groups with exact permissions.

Editors write and correct: they create and edit drafts, import agency copy, and manage
captions, corrections, authors and agencies, and add and change photos of the photo library;
they cannot publish, unpublish or delete articles, nor delete photos. Chief editors can do all
of that, and also publish, schedule, withdraw and delete articles, delete photos and run
breaking-news alerts. The groups are created by a data migration and kept in step by
`manage.py adduser`.
A change to these permissions needs a data migration that calls sync_groups again.
"""

EDITORS = "Editors"
CHIEF_EDITORS = "Chief editors"

_MANAGE = ("add", "change", "delete", "view")

EDITOR_PERMISSIONS = {
    "article": ("add", "change", "view", "import"),
    "caption": _MANAGE,
    "correction": ("add", "change", "view"),
    "author": _MANAGE,
    "agency": _MANAGE,
    "pendingupdate": ("change", "view"),
    "ingestrecord": ("view",),
    "photo": ("add", "change", "view"),
}

CHIEF_EDITOR_PERMISSIONS = {
    **EDITOR_PERMISSIONS,
    "article": ("add", "change", "view", "import", "delete", "publish"),
    "correction": _MANAGE,
    "alert": _MANAGE,
    "photo": _MANAGE,
}

ROLES = {"editor": EDITORS, "chief": CHIEF_EDITORS}


def codenames(permissions):
    """{"article": ("add", "import")} -> {"add_article", "import_article"}."""
    return {f"{action}_{model}" for model, actions in permissions.items() for action in actions}


GROUP_PERMISSIONS = {
    EDITORS: codenames(EDITOR_PERMISSIONS),
    CHIEF_EDITORS: codenames(CHIEF_EDITOR_PERMISSIONS),
}


def sync_groups(group_model, permission_model, group_permissions=GROUP_PERMISSIONS):
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
