"""Staff accounts in the real groups of the role migration (articles.roles): what such an
account may do is what that role may do, never more."""

from django.contrib.auth.models import Group, Permission
from django.test import Client

from articles.roles import CHIEF_EDITORS, EDITORS

GROUPS = {"editor": EDITORS, "chief": CHIEF_EDITORS, "staff": None}


def role_user(django_user_model, username, group):
    """A staff account in one of the real groups of the role migration (articles.roles): what
    it may do is what that role may do, never more (a fixture holding every permission once
    hid that an editor could withdraw articles through an import). The password is
    f"{username}-pass"."""
    user = django_user_model.objects.create_user(
        username, password=f"{username}-pass", is_staff=True
    )
    user.groups.add(Group.objects.get(name=group))
    return user


def make_user(django_user_model, role):
    """A staff user in the role's group (none for "staff"), named f"{role}-user": for tests
    that run once per role (the conftest fixtures editor and chief_editor give one role's
    account)."""
    user = django_user_model.objects.create_user(
        f"{role}-user", password="not-used-here", is_staff=True
    )
    if GROUPS[role]:
        user.groups.add(Group.objects.get(name=GROUPS[role]))
    return user


def article_editor(django_user_model, username, first_name=""):
    """A staff account with every permission of the articles app, given to the account itself
    (no group), password f"{username}-pass": one of several editors at once, each named."""
    user = django_user_model.objects.create_user(
        username, password=f"{username}-pass", is_staff=True, first_name=first_name
    )
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="articles"))
    return user


def own_client(user):
    """A test client of its own (the test's `client` stays a reader's), logged in as `user`."""
    client = Client()
    client.force_login(user)
    return client
