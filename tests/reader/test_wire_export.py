"""Specification of the ninjs 2.x export (/api/ninjs/articles/...): only published articles,
valid against the vendored IPTC schema the importer uses, paginated, and a round trip
(export, import into an empty database) that keeps headline, body, captions with language
and alt text, agency and times."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from jsonschema import Draft202012Validator

from articles.ingest.ninjs import schema
from articles.ingest.writer import ingest
from articles.models import (
    Agency,
    Article,
    Author,
    Caption,
    IngestRecord,
    PendingUpdate,
)
from tests.helpers.paths import WIRE
from tests.helpers.sample import SAMPLE

SLUG = "kerry-lavrov-rapport-smoothed-path-to-syria-deal"
HOST = "http://testserver"

pytestmark = pytest.mark.django_db


def assert_valid_ninjs_2(item):
    errors = [e.message for e in Draft202012Validator(schema(2)).iter_errors(item)]
    assert errors == []


def import_file(path, **options):
    result = ingest(path.read_bytes(), filename=path.name, channel="command", **options)
    assert not result.failed, result.error
    return result.article


def test_an_article_exports_as_valid_ninjs_2(client):
    import_file(WIRE / "ninjs-2-v1.json", publish=True)
    article = Article.objects.get()
    caption = article.captions.get()

    response = client.get(f"/api/ninjs/articles/{SLUG}/")

    assert (response.status_code, response["Content-Type"]) == (200, "application/json")
    item = response.json()
    assert_valid_ninjs_2(item)
    assert item == {
        "uri": f"{HOST}/articles/{SLUG}/",
        "type": "text",
        "version": str(article.version),
        "standard": {
            "name": "ninjs",
            "version": "2.2",
            "schema": "http://www.iptc.org/std/ninjs/ninjs-schema_2.2.json",
        },
        "firstcreated": "2013-09-16T06:30:00Z",
        "versioncreated": "2013-09-16T08:05:00Z",
        "pubstatus": "usable",
        "language": "en",
        "headlines": [
            {
                "role": "main",
                "contenttype": "text/plain",
                "value": "Kerry-Lavrov Rapport Smoothed Path to Syria Deal",
            }
        ],
        "bodies": [{"role": "main", "contenttype": "text/html", "value": article.body_html()}],
        "descriptions": [
            {
                "role": "summary",
                "contenttype": "text/plain",
                "value": "Two ministers who trust each other.",
            }
        ],
        "by": "Jane Doe, John Roe",
        "infosources": [{"name": "Reuters"}],
        "copyrightholder": "Reuters",
        "slugline": "SYRIA-CHEMICAL/",
        "associations": [
            {
                "name": "featureimage",
                "uri": f"{HOST}/articles/{SLUG}/#caption-{caption.pk}",
                "type": "picture",
                "language": "ko",
                "descriptions": [
                    {
                        "role": "caption",
                        "contenttype": "text/plain",
                        "value": "터키 접경 마을 수루크에서 촬영한 시리아 도시 코바니.",
                    },
                    {
                        "role": "alttext",
                        "contenttype": "text/plain",
                        "value": "Smoke over the rooftops of a town at dusk",
                    },
                    {
                        "role": "creditline",
                        "contenttype": "text/plain",
                        "value": "Reuters/Jane Doe",
                    },
                ],
                "renditions": [
                    {"name": "original", "href": "https://images.example.com/kobani.jpg"}
                ],
            }
        ],
    }


def test_only_published_articles_are_exported(client, make_article):
    make_article(slug="draft", status=Article.Status.DRAFT, published_at=None)
    make_article(slug="scheduled", published_at=timezone.now() + timedelta(days=1))
    make_article(slug="gone", status=Article.Status.WITHDRAWN)

    assert client.get("/api/ninjs/articles/draft/").status_code == 404
    assert client.get("/api/ninjs/articles/scheduled/").status_code == 404
    gone = client.get("/api/ninjs/articles/gone/")
    assert (gone.status_code, gone.json()) == (
        410,
        {"uri": f"{HOST}/articles/gone/", "pubstatus": "canceled"},
    )
    assert client.get("/api/ninjs/articles/").json()["items"] == []


def test_the_list_is_paginated_newest_first(client, make_article):
    now = timezone.now()
    for n in range(21):
        make_article(slug=f"story-{n}", published_at=now - timedelta(minutes=n + 1))
    make_article(slug="draft", status=Article.Status.DRAFT, published_at=None)

    first = client.get("/api/ninjs/articles/").json()
    second = client.get("/api/ninjs/articles/?page=2").json()

    assert [first[k] for k in ("count", "page", "pages", "next", "previous")] == [
        21,
        1,
        2,
        f"{HOST}/api/ninjs/articles/?page=2",
        None,
    ]
    assert [item["uri"] for item in first["items"]] == [
        f"{HOST}/articles/story-{n}/" for n in range(20)
    ]
    assert [item["uri"] for item in second["items"]] == [f"{HOST}/articles/story-20/"]
    assert second["previous"] == f"{HOST}/api/ninjs/articles/?page=1"
    for item in first["items"] + second["items"]:
        assert_valid_ninjs_2(item)
    assert client.get("/api/ninjs/articles/?page=3").status_code == 404
    assert client.get("/api/ninjs/articles/?page=x").status_code == 404


def empty_database():
    PendingUpdate.objects.all().delete()
    IngestRecord.objects.all().delete()
    Caption.objects.all().delete()
    Article.objects.all().delete()
    Author.objects.all().delete()
    Agency.objects.all().delete()


def snapshot(article):
    return {
        "headline": article.headline,
        "standfirst": article.standfirst,
        "body": article.body,
        "language": article.language,
        "agency": article.agency.name if article.agency else None,
        "published_at": article.published_at,
        "updated_at": article.source_updated_at,
        "captions": [
            (c.text, c.alt_text, c.language, c.credit, c.image_url)
            for c in article.captions.order_by("position")
        ],
    }


@pytest.mark.parametrize("source", [WIRE / "ninjs-2-v1.json", WIRE / "newsml-g2.xml", SAMPLE])
def test_round_trip_export_then_import_into_an_empty_database(client, source, tmp_path):
    article = import_file(source, publish=True)
    if article.source_updated_at is None:  # a capture has no agency time: ours is exported
        article.source_updated_at = article.updated_at
    before = snapshot(article)
    exported = client.get(f"/api/ninjs/articles/{article.slug}/").content
    empty_database()

    path = tmp_path / "export.json"
    path.write_bytes(exported)
    again = import_file(path, publish=True)

    assert snapshot(again) == before
    assert again.source_format == "ninjs"
    assert again.published_at.tzinfo is not None


def test_a_capture_caption_keeps_its_detected_language_through_the_export(client):
    article = import_file(SAMPLE, publish=True)
    association = client.get(f"/api/ninjs/articles/{article.slug}/").json()["associations"][0]

    assert association["language"] == "ko"
    assert association["descriptions"][0]["value"].startswith("터키 접경 마을")


def test_export_times_are_utc(client, make_article):
    make_article(slug="tz", published_at=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC))

    item = client.get("/api/ninjs/articles/tz/").json()

    assert item["firstcreated"] == "2024-01-02T03:04:05Z"
