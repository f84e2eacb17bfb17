"""The editing side: the Django admin of articles, agencies, authors, alerts and ingest records,
used through its real URLs by a staff editor, and what editors' changes do to the public site.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from pytest_django.asserts import (
    assertContains,
    assertFormError,
    assertNotContains,
    assertRedirects,
)

from articles.ingest.writer import ingest
from articles.models import Agency, Alert, Article, Author, Caption, IngestRecord
from tests.helpers.admin import ARTICLES, form_data, post_form, shown, split

pytestmark = pytest.mark.django_db


def at(year, month, day):
    return datetime(year, month, day, 12, tzinfo=UTC)


# Articles: change list


def test_change_list_searches_headline_and_body(editor_client, make_article):
    syria = make_article(headline="Syria talks resume", body="Diplomats met in Geneva.")
    geneva = make_article(headline="Markets rally", body="Traders in Geneva cheered.")
    make_article(headline="Weather", body="Rain.")

    assert shown(editor_client.get(ARTICLES, {"q": "syria"})) == [syria]
    assert set(shown(editor_client.get(ARTICLES, {"q": "Geneva"}))) == {syria, geneva}
    response = editor_client.get(ARTICLES, {"q": "nothing-like-this"})
    assert shown(response) == []
    assertContains(response, "0 results")


def test_change_list_filters_by_status_agency_and_language(editor_client, make_article, agency):
    draft = make_article(status=Article.Status.DRAFT, published_at=None)
    reuters = make_article(agency=agency)
    korean = make_article(language="ko")

    response = editor_client.get(ARTICLES)
    assert set(shown(response)) == {draft, reuters, korean}
    assertContains(response, 'href="?status__exact=draft"')
    assertContains(response, f'href="?agency__id__exact={agency.pk}"')
    assertContains(response, 'href="?language=ko"')

    assert shown(editor_client.get(ARTICLES, {"status__exact": "draft"})) == [draft]
    assert set(shown(editor_client.get(ARTICLES, {"status__exact": "published"}))) == {
        reuters,
        korean,
    }
    assert shown(editor_client.get(ARTICLES, {"agency__id__exact": agency.pk})) == [reuters]
    assert shown(editor_client.get(ARTICLES, {"language": "ko"})) == [korean]


def test_change_list_has_a_date_hierarchy(editor_client, make_article):
    old = make_article(published_at=at(2023, 5, 4))
    new = make_article(published_at=at(2024, 2, 1))

    response = editor_client.get(ARTICLES)
    assertContains(response, 'href="?published_at__year=2023"')
    assertContains(response, 'href="?published_at__year=2024"')

    assert shown(editor_client.get(ARTICLES, {"published_at__year": 2024})) == [new]
    response = editor_client.get(ARTICLES, {"published_at__year": 2023})
    assert shown(response) == [old]
    assertContains(response, 'href="?published_at__month=5&amp;published_at__year=2023"')
    month = {"published_at__year": 2023, "published_at__month": 5}
    assert shown(editor_client.get(ARTICLES, month)) == [old]


# Articles: add and change forms


def test_add_form_prepopulates_the_slug_and_autocompletes_agency_and_authors(editor_client):
    response = editor_client.get(f"{ARTICLES}add/")

    prepopulated = response.context["adminform"].prepopulated_fields
    assert [(p["field"].name, [d.name for d in p["dependencies"]]) for p in prepopulated] == [
        ("slug", ["headline"])
    ]
    assertContains(response, "&quot;dependency_ids&quot;: [&quot;#id_headline&quot;]")
    for name in ("agency", "authors"):
        assertContains(response, f'<select name="{name}" id="id_{name}" class="admin-autocomplete"')
        assertContains(response, f'data-field-name="{name}"')
    assertContains(response, 'data-ajax--url="/admin/autocomplete/"', count=2)


def test_autocomplete_finds_agencies_and_authors(editor_client, agency):
    author = Author.objects.create(name="Arshad Mohammed", slug="arshad-mohammed", agency=agency)
    Author.objects.create(name="Someone Else", slug="someone-else")

    def search(field, term):
        response = editor_client.get(
            "/admin/autocomplete/",
            {"app_label": "articles", "model_name": "article", "field_name": field, "term": term},
        )
        assert response.status_code == 200
        return [(r["id"], r["text"]) for r in response.json()["results"]]

    assert search("agency", "reu") == [(str(agency.pk), "Reuters")]
    assert search("authors", "arsh") == [(str(author.pk), "Arshad Mohammed")]


def test_change_form_has_the_caption_inline_and_view_on_site(editor_client, make_article):
    article = make_article(captions=[{"text": "A caption", "language": "ko", "is_lead": True}])

    response = editor_client.get(f"{ARTICLES}{article.pk}/change/")

    assertContains(response, '<h2 id="captions-heading" class="inline-heading">', count=1)
    fields = form_data(response, "article_form")
    assert fields["captions-TOTAL_FORMS"] == "1"
    assert fields["captions-INITIAL_FORMS"] == "1"
    assert (fields["captions-0-text"], fields["captions-0-language"]) == ("A caption", "ko")
    content_type = ContentType.objects.get_for_model(Article)
    view_on_site = f"/admin/r/{content_type.pk}/{article.pk}/"
    assertContains(
        response, f'<a href="{view_on_site}" class="viewsitelink">View on site</a>', html=True
    )
    assertRedirects(
        editor_client.get(view_on_site),
        f"http://testserver/articles/{article.slug}/",
        fetch_redirect_response=False,
    )


def test_adding_an_article_through_the_admin(chief_editor_client, agency, client):
    author = Author.objects.create(name="Arshad Mohammed", slug="arshad-mohammed")

    response = post_form(
        chief_editor_client,
        f"{ARTICLES}add/",
        "article_form",
        headline="Typed in the admin",
        slug="typed-in-the-admin",
        body="A first paragraph.\n\n## A subheading\n\nA second paragraph.",
        status="published",
        agency=str(agency.pk),
        authors=[str(author.pk)],
        source_url="www.reuters.com/article/1",
    )

    assertRedirects(response, ARTICLES)
    article = Article.objects.get(slug="typed-in-the-admin")
    assert (article.agency, list(article.authors.all())) == (agency, [author])
    assert article.published_at is not None  # set to now on publishing
    assert article.source_url == "https://www.reuters.com/article/1"
    page = client.get("/articles/typed-in-the-admin/")
    assertContains(page, "<h1>Typed in the admin</h1>", html=True)
    assertContains(page, "<h2>A subheading</h2>", html=True)


def test_editing_an_article_changes_the_public_page_at_once(editor_client, client, make_article):
    article = make_article(
        headline="The old headline",
        body="The old first paragraph.\n\n## A subheading\n\nThe second paragraph.",
        captions=[{"text": "The old caption", "is_lead": True}],
    )
    url = f"/articles/{article.slug}/"
    before = client.get(url)
    assertContains(before, "<h1>The old headline</h1>", html=True)

    change_url = f"{ARTICLES}{article.pk}/change/"
    fields = form_data(editor_client.get(change_url), "article_form")
    fields["headline"] = "The new headline"
    fields["body"] = fields["body"].replace("The old first paragraph.", "The new paragraph.")
    fields["captions-0-text"] = "The new caption"
    response = editor_client.post(change_url, fields)

    assertRedirects(response, ARTICLES)
    after = client.get(url)
    assertContains(after, "<h1>The new headline</h1>", html=True)
    assertContains(after, "<p>The new paragraph.</p>", html=True)
    assertContains(after, "<p>The second paragraph.</p>", html=True)
    assertContains(after, "<figcaption>The new caption</figcaption>", html=True)
    for old in ("The old headline", "The old first paragraph.", "The old caption"):
        assertNotContains(after, old)
    assert Caption.objects.get().text == "The new caption"


def test_two_lead_captions_are_refused_with_a_message(editor_client, make_article):
    article = make_article(
        captions=[{"text": "First", "is_lead": True}, {"text": "Second", "is_lead": False}]
    )
    change_url = f"{ARTICLES}{article.pk}/change/"

    response = post_form(editor_client, change_url, "article_form", **{"captions-1-is_lead": "on"})

    assert response.status_code == 200
    assertContains(response, "Only one caption can be the lead photo.")
    assert list(Caption.objects.filter(is_lead=True).values_list("text", flat=True)) == ["First"]


def test_publishing_without_a_time_sets_it_to_now(chief_editor_client, make_article, client):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    assert client.get(f"/articles/{article.slug}/").status_code == 404

    response = post_form(
        chief_editor_client, f"{ARTICLES}{article.pk}/change/", "article_form", status="published"
    )

    assertRedirects(response, ARTICLES)
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert timezone.now() - article.published_at < timedelta(minutes=1)
    assert client.get(f"/articles/{article.slug}/").status_code == 200


# Agencies, authors, alerts


def test_agencies_can_be_added_and_changed(editor_client):
    response = post_form(
        editor_client,
        "/admin/articles/agency/add/",
        "agency_form",
        name="Agence France-Presse",
        slug="afp",
        description="A French news agency.",
        website="https://www.afp.com/",
    )

    assertRedirects(response, "/admin/articles/agency/")
    agency = Agency.objects.get()
    assert (agency.name, agency.slug, agency.description, agency.website) == (
        "Agence France-Presse",
        "afp",
        "A French news agency.",
        "https://www.afp.com/",
    )

    response = post_form(
        editor_client,
        f"/admin/articles/agency/{agency.pk}/change/",
        "agency_form",
        description="Founded in 1835.",
    )

    assertRedirects(response, "/admin/articles/agency/")
    agency.refresh_from_db()
    assert (agency.name, agency.description) == ("Agence France-Presse", "Founded in 1835.")


def test_authors_can_be_added_and_changed(editor_client, agency):
    response = post_form(
        editor_client,
        "/admin/articles/author/add/",
        "author_form",
        name="Arshad Mohammed",
        slug="arshad-mohammed",
        bio="Diplomatic correspondent.",
        agency=str(agency.pk),
    )

    assertRedirects(response, "/admin/articles/author/")
    author = Author.objects.get()
    assert (author.name, author.slug, author.bio, author.agency) == (
        "Arshad Mohammed",
        "arshad-mohammed",
        "Diplomatic correspondent.",
        agency,
    )

    response = post_form(
        editor_client, f"/admin/articles/author/{author.pk}/change/", "author_form", agency=""
    )

    assertRedirects(response, "/admin/articles/author/")
    author.refresh_from_db()
    assert (author.name, author.agency) == ("Arshad Mohammed", None)


def test_alerts_can_be_added_and_changed(chief_editor_client):
    response = post_form(
        chief_editor_client,
        "/admin/articles/alert/add/",
        "alert_form",
        text="Ceasefire announced",
        url="https://example.com/ceasefire",
    )

    assertRedirects(response, "/admin/articles/alert/")
    alert = Alert.objects.get()
    assert (alert.text, alert.url, alert.ends_at) == (
        "Ceasefire announced",
        "https://example.com/ceasefire",
        None,
    )
    assert alert.is_active()

    ends = timezone.now() + timedelta(days=1)
    end_date, end_time = split(ends)
    response = post_form(
        chief_editor_client,
        f"/admin/articles/alert/{alert.pk}/change/",
        "alert_form",
        text="Ceasefire holds",
        ends_at_0=end_date,
        ends_at_1=end_time,
    )

    assertRedirects(response, "/admin/articles/alert/")
    alert.refresh_from_db()
    assert alert.text == "Ceasefire holds"
    assert alert.ends_at == ends.replace(microsecond=0)


def test_an_alert_that_ends_before_it_starts_is_refused(chief_editor_client):
    start_date, start_time = split(timezone.now())
    end_date, end_time = split(timezone.now() - timedelta(hours=1))

    response = post_form(
        chief_editor_client,
        "/admin/articles/alert/add/",
        "alert_form",
        text="Backwards",
        starts_at_0=start_date,
        starts_at_1=start_time,
        ends_at_0=end_date,
        ends_at_1=end_time,
    )

    assert response.status_code == 200
    assertFormError(response.context["adminform"].form, None, "An alert must end after it starts.")
    assert not Alert.objects.exists()


def test_an_alert_created_in_the_admin_is_the_banner_on_the_home_page(chief_editor_client, client):
    assertNotContains(client.get("/"), 'role="status"')

    post_form(
        chief_editor_client,
        "/admin/articles/alert/add/",
        "alert_form",
        text="Ceasefire announced",
        url="https://example.com/ceasefire",
    )

    assertContains(
        client.get("/"),
        '<div class="breaking-news" role="status" lang="en"><p><strong>Breaking news:</strong> '
        '<a href="https://example.com/ceasefire">Ceasefire announced</a></p></div>',
        html=True,
    )


def test_an_ended_alert_is_not_shown(chief_editor_client, client):
    start_date, start_time = split(timezone.now() - timedelta(hours=2))
    end_date, end_time = split(timezone.now() - timedelta(hours=1))

    post_form(
        chief_editor_client,
        "/admin/articles/alert/add/",
        "alert_form",
        text="Yesterday's news",
        starts_at_0=start_date,
        starts_at_1=start_time,
        ends_at_0=end_date,
        ends_at_1=end_time,
    )

    assert Alert.objects.count() == 1
    assertNotContains(client.get("/"), 'role="status"')


# Ingest records: read only


@pytest.fixture
def ingest_record(editor, sample_bytes):
    ingest(sample_bytes, filename="kerry-lavrov.txt", channel="command", user=editor)
    return IngestRecord.objects.get()


def test_ingest_records_are_listed(editor_client, ingest_record):
    response = editor_client.get("/admin/articles/ingestrecord/")

    assert shown(response) == [ingest_record]
    assertContains(response, "kerry-lavrov.txt")
    assertNotContains(response, "/admin/articles/ingestrecord/add/")
    assertNotContains(response, 'value="delete_selected"')
    assert shown(editor_client.get("/admin/articles/ingestrecord/", {"outcome": "failed"})) == []


def test_an_ingest_record_is_shown_read_only(editor_client, ingest_record, sample_bytes):
    url = f"/admin/articles/ingestrecord/{ingest_record.pk}/change/"

    response = editor_client.get(url)

    assert response.status_code == 200
    assertContains(response, "<h1>View ingest record</h1>", html=True)
    assertContains(response, f'<div class="readonly">{ingest_record.sha256}</div>', html=True)
    assertContains(response, '<div class="readonly">kerry-lavrov.txt</div>', html=True)
    assertContains(response, "Kerry-Lavrov Rapport Smoothed Path to Syria Deal")
    assertNotContains(response, 'name="filename"')
    assertNotContains(response, 'name="_save"')
    assertNotContains(response, f"/admin/articles/ingestrecord/{ingest_record.pk}/delete/")


def test_ingest_records_cannot_be_added_changed_or_deleted(editor_client, ingest_record):
    base = "/admin/articles/ingestrecord/"
    change = f"{base}{ingest_record.pk}/change/"

    for url in (f"{base}add/", f"{base}{ingest_record.pk}/delete/"):
        assert editor_client.get(url).status_code == 403
        assert editor_client.post(url, {"filename": "x.txt", "post": "yes"}).status_code == 403
    assert editor_client.post(change, {"filename": "renamed.txt"}).status_code == 403
    # The change list offers no bulk delete action, and a forged one does nothing.
    response = editor_client.post(
        base, {"action": "delete_selected", "_selected_action": [ingest_record.pk], "post": "yes"}
    )
    assert response.status_code == 200
    assert "delete_selected" not in response.context["cl"].model_admin.get_actions(
        response.wsgi_request
    )
    ingest_record.refresh_from_db()
    assert ingest_record.filename == "kerry-lavrov.txt"
    assert IngestRecord.objects.count() == 1
