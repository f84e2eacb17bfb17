"""The readers' SQL (articles.reader.fast.queries) gives exactly what the ORM's rules give:
published(), the active alert, the lists' order, authors by name and captions in order, on
SQLite and on PostgreSQL (CI runs this file on both)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Agency, Alert, Article, Author, Caption, Correction
from articles.reader.fast import queries as reader_queries
from articles.reader.pagination import UncountedPaginator
from articles.reader.views import article_cards

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def at(hours):
    return NOW + timedelta(hours=hours)


@pytest.fixture
def newsroom(make_article):
    """One article in each state, around NOW; two agencies, three authors."""
    reuters = Agency.objects.create(name="Reuters", slug="reuters", website="https://r.test/")
    afp = Agency.objects.create(name="AFP", slug="afp")
    zoe = Author.objects.create(name="Zoë Ward", slug="zoe-ward")
    ana = Author.objects.create(name="Ana Ruiz", slug="ana-ruiz", agency=reuters)
    kim = Author.objects.create(name="Kim Lee", slug="kim-lee")
    articles = {
        "published": make_article(
            headline="Grain deal",
            slug="grain-deal",
            agency=reuters,
            authors=[zoe, ana],
            published_at=at(-2),
        ),
        "no agency": make_article(slug="no-agency", published_at=at(-3), authors=[kim]),
        "afp": make_article(slug="afp-story", agency=afp, published_at=at(-1), authors=[kim]),
        "scheduled": make_article(slug="scheduled", agency=reuters, published_at=at(1)),
        "draft": make_article(slug="draft", status=Article.Status.DRAFT, published_at=None),
        "withdrawn": make_article(
            slug="withdrawn", status=Article.Status.WITHDRAWN, published_at=at(-5)
        ),
    }
    grain = articles["published"]
    Caption.objects.create(article=grain, text="Second caption", position=1)
    Caption.objects.create(article=grain, text="Lead caption", position=5, is_lead=True)
    Caption.objects.create(article=grain, text="사진 설명", language="ko", position=0)
    return {"articles": articles, "reuters": reuters, "afp": afp, "kim": kim, "zoe": zoe}


def test_published_article_reads_the_article_its_agency_authors_and_captions(newsroom):
    # On PostgreSQL the first use on a connection also prepares the statements.
    reader_queries.published_article("grain-deal", now=NOW)
    with CaptureQueriesContext(connection) as queries:
        article = reader_queries.published_article("grain-deal", now=NOW)
        authors = [author.name for author in article.page_authors]
        captions = [caption.text for caption in article.page_captions]
        agency = article.agency.name
        body_html = article.body_html()  # the stored HTML
    assert len(queries) == 1  # one statement: article, agency, alert, authors, captions
    assert body_html == newsroom["articles"]["published"].rendered_body
    with CaptureQueriesContext(connection) as queries:
        body = article.body  # not read by the page: loaded on access
    assert len(queries) == 1
    assert article.pk == newsroom["articles"]["published"].pk
    assert (article.headline, article.published_at) == ("Grain deal", at(-2))
    assert article.published_at.tzinfo is not None
    assert body.startswith("First paragraph of article")
    assert agency == "Reuters"
    assert article.agency.website == "https://r.test/"
    # Authors by name (Author.Meta.ordering), captions lead first, then by position.
    assert authors == ["Ana Ruiz", "Zoë Ward"]
    assert captions == ["Lead caption", "사진 설명", "Second caption"]
    assert [c.pk for c in article.page_captions] == [
        c.pk for c in Caption.objects.filter(article=article)
    ]
    assert article.latest_correction_at is None
    assert (article.alert_text, article.alert_url) == (None, None)


def test_the_instances_are_as_the_orms(newsroom):
    """Made without Model.__init__ (no pre_init/post_init receivers): loaded from the
    database, on it, the values as the ORM gives them, the unread fields deferred."""
    article = reader_queries.published_article("grain-deal", now=NOW)
    stored = Article.objects.get(slug="grain-deal")
    lead, korean, _second = article.page_captions
    expected = {c.pk: c for c in Caption.objects.filter(article=stored)}
    for caption in article.page_captions:
        orm = expected[caption.pk]
        assert {f.attname: getattr(caption, f.attname) for f in Caption._meta.concrete_fields} == {
            f.attname: getattr(orm, f.attname) for f in Caption._meta.concrete_fields
        }
    assert (lead.is_lead, korean.is_lead) == (True, False)  # bool, not SQLite's 1 and 0
    assert article.agency.website == stored.agency.website
    assert [a.slug for a in article.page_authors] == ["ana-ruiz", "zoe-ward"]
    assert article.page_authors[0].agency_id == newsroom["reuters"].pk
    for instance in (article, article.agency, *article.page_authors, *article.page_captions):
        assert (instance._state.adding, instance._state.db) == (False, "default")
    with CaptureQueriesContext(connection) as queries:
        assert lead.article is article  # no query: set as select_related() sets it
        assert article.agency_id == newsroom["reuters"].pk
    assert len(queries) == 0
    assert article.get_deferred_fields() == {f.attname for f in Article._meta.concrete_fields} - {
        Article._meta.get_field(name).attname for name in reader_queries.ARTICLE_PAGE_FIELDS
    }
    with CaptureQueriesContext(connection) as queries:
        assert article.created_at == stored.created_at  # deferred: read on access
    assert len(queries) == 1
    article.headline = "Grain deal signed"
    article.save(update_fields=["headline"])  # an update of the row, not an insert
    assert Article.objects.get(pk=stored.pk).headline == "Grain deal signed"


def test_with_an_init_receiver_the_instances_come_from_from_db(newsroom):
    made = []

    def receiver(sender, instance, **kwargs):
        made.append(type(instance).__name__)

    post_init.connect(receiver)
    try:
        article = reader_queries.published_article("grain-deal", now=NOW)
    finally:
        post_init.disconnect(receiver)
    assert sorted(made) == [
        "Agency",
        "Article",
        "Author",
        "Author",
        "Caption",
        "Caption",
        "Caption",
    ]
    assert article.page_captions[0].is_lead is True
    assert article._state.adding is False


def test_published_article_follows_the_publishing_rule(newsroom):
    found = {
        name: reader_queries.published_article(article.slug, now=NOW) is not None
        for name, article in newsroom["articles"].items()
    }
    assert found == {
        "published": True,
        "no agency": True,
        "afp": True,
        "scheduled": False,  # its time (NOW + 1 h) has not come
        "draft": False,
        "withdrawn": False,
    }
    assert reader_queries.published_article("scheduled", now=at(1)) is not None
    assert reader_queries.published_article("no-such-article", now=NOW) is None


def test_an_article_without_agency_authors_or_captions(newsroom):
    Article.objects.filter(slug="no-agency").update(agency=None)
    newsroom["articles"]["no agency"].authors.clear()
    with CaptureQueriesContext(connection) as queries:
        article = reader_queries.published_article("no-agency", now=NOW)
        assert article.agency is None
        assert article.page_authors == []
        assert article.page_captions == []
    assert len(queries) == 1  # one statement: article, agency, alert, authors, captions


def test_the_latest_correction_time_is_aware_and_the_latest(newsroom):
    article = newsroom["articles"]["published"]
    Correction.objects.create(article=article, text="First fix.", noted_at=at(-1.5))
    Correction.objects.create(article=article, text="Second fix.", noted_at=at(-1))
    found = reader_queries.published_article("grain-deal", now=NOW)
    assert found.latest_correction_at == at(-1)
    assert found.latest_correction_at.tzinfo is not None


def test_the_alert_is_the_latest_active_one(newsroom):
    Alert.objects.create(text="Over", starts_at=at(-5), ends_at=at(-4))
    Alert.objects.create(text="Older", url="https://older.test/", starts_at=at(-3))
    Alert.objects.create(text="Newest", url="https://newest.test/", starts_at=at(-2))
    Alert.objects.create(text="Not yet", starts_at=at(1))
    article = reader_queries.published_article("grain-deal", now=NOW)
    assert (article.alert_text, article.alert_url) == ("Newest", "https://newest.test/")
    alert = reader_queries.active_alert(now=NOW)
    expected = Alert.objects.active(at=NOW).first()
    assert (alert.text, alert.url) == (expected.text, expected.url) == ("Newest", expected.url)
    assert reader_queries.active_alert(now=at(-4.5)).text == "Over"
    assert reader_queries.active_alert(now=at(-10)) is None


def cards(rows):
    return [(card.slug, card.agency.name if card.agency else None) for card in rows]


def test_cards_are_the_published_articles_newest_first(newsroom):
    everything = reader_queries.PublishedCards(now=NOW)[0:100]
    assert cards(everything) == [
        ("afp-story", "AFP"),
        ("grain-deal", "Reuters"),
        ("no-agency", None),
    ]
    assert everything[0].published_at == at(-1)
    assert everything[0].published_at.tzinfo is not None
    # The ORM's list (published() at the real clock also holds "scheduled").
    orm = [a.slug for a in article_cards() if a.slug != "scheduled"]
    assert [card.slug for card in everything] == orm


def test_cards_bring_the_active_alert(newsroom):
    listing = reader_queries.PublishedCards(now=NOW)
    assert not hasattr(listing, "alert")  # nothing read yet
    listing[0:20]
    assert listing.alert is None
    Alert.objects.create(text="Older", starts_at=at(-3))
    Alert.objects.create(text="Newest", url="https://newest.test/", starts_at=at(-2))
    Alert.objects.create(text="Not yet", starts_at=at(1))
    listing[0:20]
    assert (listing.alert.text, listing.alert.url) == ("Newest", "https://newest.test/")
    empty = reader_queries.PublishedCards(now=NOW)
    assert empty[50:70] == []
    assert not hasattr(empty, "alert")  # the context processor looks it up then


def test_cards_of_one_agency_or_one_author(newsroom):
    by_agency = reader_queries.PublishedCards(agency=newsroom["reuters"], now=NOW)[0:100]
    assert cards(by_agency) == [("grain-deal", "Reuters")]
    by_author = reader_queries.PublishedCards(author=newsroom["kim"], now=NOW)[0:100]
    assert cards(by_author) == [("afp-story", "AFP"), ("no-agency", None)]
    assert reader_queries.PublishedCards(author=newsroom["zoe"], now=NOW)[0:100][0].slug == (
        "grain-deal"
    )


def test_cards_hold_the_card_fields_only(newsroom):
    card = reader_queries.PublishedCards(now=NOW)[0:1][0]
    article = Article.objects.select_related("agency").get(slug="afp-story")
    with CaptureQueriesContext(connection) as queries:
        assert card == reader_queries.Card(
            id=article.pk,
            headline="Headline number 3",
            slug="afp-story",
            standfirst="",
            language="en",
            published_at=article.published_at,
            agency=reader_queries.CardAgency(article.agency.pk, "AFP", article.agency.slug),
        )
        assert card.pk == article.pk
        assert card.get_absolute_url() == article.get_absolute_url() == "/articles/afp-story/"
        assert card.agency.get_absolute_url() == article.agency.get_absolute_url()
    assert len(queries) == 0


def test_articles_published_at_the_same_moment_keep_one_order_across_pages(make_article):
    same = [make_article(slug=f"same-{n}", published_at=at(-1)) for n in range(5)]
    Article.objects.filter(pk__in=[a.pk for a in same]).update(created_at=at(-1))
    paginator = UncountedPaginator(reader_queries.PublishedCards(now=NOW), 2)
    pages = [paginator.page(n) for n in (1, 2, 3)]
    slugs = [card.slug for page in pages for card in page.object_list]
    assert slugs == [f"same-{n}" for n in (4, 3, 2, 1, 0)]
    assert [page.has_next() for page in pages] == [True, True, False]


def test_cards_take_slices_only(newsroom):
    listing = reader_queries.PublishedCards(now=NOW)
    with pytest.raises(TypeError, match="slices"):
        listing[0]
    with pytest.raises(TypeError, match="slices"):
        listing[0:10:2]
    assert cards(listing[1:2]) == [("grain-deal", "Reuters")]
    assert listing[5:10] == []


def test_the_clock_defaults_to_now(make_article):
    make_article(slug="live", published_at=timezone.now() - timedelta(seconds=1))
    make_article(slug="soon", published_at=timezone.now() + timedelta(minutes=5))
    assert reader_queries.published_article("live") is not None
    assert reader_queries.published_article("soon") is None
    assert [c.slug for c in reader_queries.PublishedCards()[0:10]] == ["live"]


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


def prepared_names():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE 'newsroom_%%'")
        return {name for (name,) in cursor.fetchall()}


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_postgresql_prepares_each_statement_once_per_connection(make_article):
    make_article(slug="grain-deal")
    connection.close()
    assert reader_queries.published_article("grain-deal") is not None
    assert prepared_names() == {"newsroom_article_page"}
    with CaptureQueriesContext(connection) as queries:
        reader_queries.published_article("grain-deal")
        reader_queries.PublishedCards()[0:20]
        reader_queries.PublishedCards()[0:20]
    assert [q["sql"].split("(")[0].split(" AS ")[0] for q in queries] == [
        "EXECUTE newsroom_article_page",
        "PREPARE newsroom_cards",
        "EXECUTE newsroom_cards",
        "EXECUTE newsroom_cards",
    ]
    prepare = queries[1]["sql"]
    # The placeholders numbered for PREPARE: 4 times the time for the alert, then status,
    # time, limit, offset.
    assert "%s" not in prepare
    assert [f"${n}" in prepare for n in range(1, 10)] == [True] * 8 + [False]
    # A new connection has none: they are prepared again.
    connection.close()
    assert [c.slug for c in reader_queries.PublishedCards()[0:20]] == ["grain-deal"]
    assert prepared_names() == {"newsroom_cards"}


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_prepared_statements_are_planned_once(make_article):
    # PostgreSQL's own choice (plan_cache_mode=auto) planned the list statements again on
    # every execution: their LIMIT is a parameter.
    make_article(slug="grain-deal")
    connection.close()
    for _ in range(8):
        reader_queries.published_article("grain-deal")
        reader_queries.PublishedCards()[0:20]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE name LIKE 'newsroom_%%' ORDER BY name"
        )
        assert cursor.fetchall() == [("newsroom_article_page", 8, 0), ("newsroom_cards", 8, 0)]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_prepared_statements_survive_a_rolled_back_transaction(make_article):
    from django.db import transaction

    make_article(slug="grain-deal")
    connection.close()

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        assert reader_queries.published_article("grain-deal") is not None
        raise Abort
    assert reader_queries.published_article("grain-deal") is not None


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_prepared_statements_can_be_turned_off(make_article, settings):
    settings.READER_PREPARED_STATEMENTS = False
    make_article(slug="grain-deal")
    connection.close()
    with CaptureQueriesContext(connection) as queries:
        assert reader_queries.published_article("grain-deal") is not None
    assert not any(q["sql"].startswith(("PREPARE", "EXECUTE")) for q in queries)
    assert prepared_names() == set()
