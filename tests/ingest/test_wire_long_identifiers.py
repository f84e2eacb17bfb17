"""Identifiers of any length (a long ninjs uri, a long canonical URL) identify their story like
short ones: the first import creates the article, the same file again is unchanged, a newer
version updates it, and two identifiers that differ only after their first few hundred
characters are two stories. The natural key's constraint compares the identifier's SHA-256
(Article.external_key), so a database's limit on the size of an index entry (PostgreSQL's
B-tree: about 2,700 bytes) is never reached."""

import hashlib
import json

import pytest
from django.db import IntegrityError, transaction

from articles.ingest.writer import ingest
from articles.models import Agency, Article, IngestRecord
from tests.helpers.paths import WIRE

pytestmark = pytest.mark.django_db

SLUG = "kerry-lavrov-rapport-smoothed-path-to-syria-deal"


def long_identifier(length, seed="story"):
    """A URL of `length` characters whose tail does not compress (hex of chained hashes),
    with non-ASCII letters: several times the bytes a B-tree index entry may hold."""
    tail, digest = "", seed.encode()
    while len(tail) < length:
        digest = hashlib.sha256(digest).digest()
        tail += digest.hex() + "é"
    prefix = "https://example.com/wire/"
    return (prefix + tail)[:length]


def ninjs(name, **changes):
    item = json.loads((WIRE / name).read_bytes())
    item.update(changes)
    return json.dumps(item, ensure_ascii=False).encode()


def run(filename, data, **options):
    return ingest(data, filename=filename, channel="command", **options)


def test_a_long_ninjs_uri_is_created_then_unchanged_then_updated():
    uri = long_identifier(6000)
    v1 = ninjs("ninjs-2-v1.json", uri=uri)

    assert run("v1.json", v1).line() == f"created /articles/{SLUG}/"
    article = Article.objects.get()
    assert article.external_id == uri
    assert article.external_key == hashlib.sha256(uri.encode()).hexdigest()

    assert run("v1.json", v1).line() == f"unchanged /articles/{SLUG}/"
    assert run("v2.json", ninjs("ninjs-2-v2.json", uri=uri)).line() == (
        f"updated /articles/{SLUG}/"
    )
    article = Article.objects.get()
    assert (article.external_id, article.external_version) == (uri, 1542761538)
    assert article.headline == "CORRECTED-Kerry-Lavrov Rapport Smoothed Path to Syria Deal"
    assert not IngestRecord.objects.filter(outcome="failed").exists()


def test_identifiers_that_differ_only_at_the_end_are_two_stories():
    common = long_identifier(3000)
    first, second = common + "/1", common + "/2"

    run("one.json", ninjs("ninjs-2-v1.json", uri=first))
    result = run("two.json", ninjs("ninjs-2-v1.json", uri=second))

    assert result.outcome == "created"
    assert list(Article.objects.order_by("pk").values_list("external_id", flat=True)) == [
        first,
        second,
    ]
    # The same headline and agency: flagged, as ever, not merged.
    assert result.article.possible_duplicate_of.external_id == first


def test_a_long_canonical_url_identifies_a_saved_web_page():
    url = "https://www.example.com/world/kerry-lavrov-rapport?" + "&".join(
        f"tracking{n}={n:04d}" for n in range(60)
    )
    assert len(url) > 500
    original = (WIRE / "webpage.html").read_text(encoding="utf-8")
    canonical = (
        "https://www.example.com/world/kerry-lavrov-rapport?utm_source=twitter&amp;id=42#comments"
    )
    assert canonical in original
    page = original.replace(canonical, url.replace("&", "&amp;")).encode()

    assert run("page.html", page).outcome == "created"
    article = Article.objects.get()
    assert article.external_id == url
    # Too long for the source URL field: the page's address is then not kept as a link.
    assert article.source_url == ""
    assert run("page.html", page).outcome == "unchanged"


def test_the_database_refuses_the_same_long_identifier_twice_for_an_agency():
    agency = Agency.objects.create(name="Reuters", slug="reuters")
    uri = long_identifier(5000)
    Article.objects.create(headline="One", slug="one", body="x", agency=agency, external_id=uri)

    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.create(headline="Two", slug="two", body="x", agency=agency, external_id=uri)
    # Another agency may use the same identifier.
    other = Agency.objects.create(name="AP", slug="ap")
    Article.objects.create(headline="Three", slug="three", body="x", agency=other, external_id=uri)
    assert Article.objects.count() == 2


def test_bulk_created_articles_get_their_key_too():
    agency = Agency.objects.create(name="Reuters", slug="reuters")
    uri = long_identifier(400)

    Article.objects.bulk_create(
        [Article(headline="One", slug="one", body="x", agency=agency, external_id=uri)]
    )

    assert Article.objects.get().external_key == hashlib.sha256(uri.encode()).hexdigest()
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.create(headline="Two", slug="two", body="x", agency=agency, external_id=uri)
