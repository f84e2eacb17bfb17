"""Shared fixtures: the sample capture, a small article factory, one account for each role
(editor, chief_editor, superuser) and logged-in clients."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from articles.models import Agency, Article, Caption
from tests.helpers.sample import SAMPLE
from tests.helpers.users import role_user


@pytest.fixture
def sample_bytes():
    return SAMPLE.read_bytes()


@pytest.fixture
def make_article(db):
    """make_article(**overrides): a published article unless told otherwise."""
    counter = iter(range(1, 10_000))

    def make(*, captions=(), authors=(), **overrides):
        n = next(counter)
        fields = {
            "headline": f"Headline number {n}",
            "slug": f"headline-number-{n}",
            "body": f"First paragraph of article {n}.\n\n## A subheading\n\nSecond paragraph.\n",
            "language": "en",
            "status": Article.Status.PUBLISHED,
            "published_at": timezone.now() - timedelta(hours=1),
        }
        fields.update(overrides)
        article = Article.objects.create(**fields)
        for position, caption in enumerate(captions):
            Caption.objects.create(article=article, position=position, **caption)
        if authors:
            article.authors.set(authors)
        return article

    return make


@pytest.fixture
def agency(db):
    return Agency.objects.create(
        name="Reuters", slug="reuters", description="Reuters is a news agency founded in 1851."
    )


@pytest.fixture
def editor(django_user_model, roles):
    """An editor: the Editors group (writes, corrects, imports; cannot publish or delete)."""
    from articles.roles import EDITORS

    return role_user(django_user_model, "editor", EDITORS)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def chief_editor(django_user_model, roles):
    """A chief editor: the Chief editors group (also publishes, withdraws, deletes)."""
    from articles.roles import CHIEF_EDITORS

    return role_user(django_user_model, "chief", CHIEF_EDITORS)


@pytest.fixture
def chief_editor_client(client, chief_editor):
    client.force_login(chief_editor)
    return client


@pytest.fixture
def superuser(db, django_user_model):
    """An administrator: a superuser, who may do everything (username "admin", password
    "admin-pass"). For what no role of articles.roles is given: the user admin, and forms read
    as they are before a role's own changes."""
    return django_user_model.objects.create_superuser("admin", password="admin-pass")


@pytest.fixture
def roles(db):
    """The Editors and Chief editors groups as the data migration creates them. Transactional
    tests empty every table when they finish, so tests that need the groups ask for this
    fixture, which recreates them (idempotent) if an earlier test wiped them."""
    from django.contrib.auth.models import Group

    from articles.roles import sync_groups

    sync_groups(Group, Permission)
