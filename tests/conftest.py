"""Shared fixtures: the sample capture, a small article factory and logged-in clients."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from articles.models import Agency, Article, Caption

SAMPLE = Path(__file__).resolve().parent.parent / "articles" / "sample_data" / "kerry-lavrov.txt"
SAMPLE_SLUG = "kerry-lavrov-rapport-smoothed-path-to-syria-deal"


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
def editor(django_user_model):
    """A staff account with every permission of the articles app (not a superuser)."""
    user = django_user_model.objects.create_user("editor", password="editor-pass", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="articles"))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def roles(db):
    """The Editors and Chief editors groups as the data migration creates them. Transactional
    tests empty every table when they finish, so tests that need the groups ask for this
    fixture, which recreates them (idempotent) if an earlier test wiped them."""
    from django.contrib.auth.models import Group

    from articles.roles import sync_groups

    sync_groups(Group, Permission)
