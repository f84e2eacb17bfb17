"""The permission matrix: who may do what, through the admin's real URLs and forms.

Four kinds of visitor: an editor and a chief editor (the groups of articles.roles, as the data
migration made them), a staff user in no group, and an anonymous visitor. Each action is done
the way a browser does it (GET the form, change fields, POST it back; the actions menu; the
delete confirmation page), and each test asserts the HTTP status and what is in the database
afterwards. MATRIX is the table the tests assert, one row per action:

- ALLOWED: done;
- DENIED: refused, nothing changes (403 for logged-in staff, the login page for anonymous);
- IGNORED: the form is saved but the publishing fields are left as they were: an editor sees
  them read-only, and a tampered POST that sets them anyway changes nothing.
"""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from articles.models import Agency, Alert, Article, Author, Caption, Correction
from tests.helpers.admin import ARTICLES, change_url, form_data, split
from tests.helpers.sample import SAMPLE_SLUG
from tests.helpers.users import make_user

pytestmark = pytest.mark.django_db

ALLOWED, DENIED, IGNORED = "allowed", "denied", "ignored"
ROLES = ["editor", "chief", "staff", "anonymous"]

IMPORT = f"{ARTICLES}import/"
ALERTS = "/admin/articles/alert/"


def row(editor, chief, staff=DENIED, anonymous=DENIED):
    return {"editor": editor, "chief": chief, "staff": staff, "anonymous": anonymous}


MATRIX = {
    "view list": row(ALLOWED, ALLOWED),
    "add draft": row(ALLOWED, ALLOWED),
    "edit draft": row(ALLOWED, ALLOWED),
    "import": row(ALLOWED, ALLOWED),
    "import and publish": row(IGNORED, ALLOWED),
    "publish": row(IGNORED, ALLOWED),
    "schedule": row(IGNORED, ALLOWED),
    "withdraw": row(IGNORED, ALLOWED),
    "unpublish": row(IGNORED, ALLOWED),
    "action publish now": row(DENIED, ALLOWED),
    "action withdraw": row(DENIED, ALLOWED),
    "delete": row(DENIED, ALLOWED),
    "bulk delete": row(DENIED, ALLOWED),
    "manage captions": row(ALLOWED, ALLOWED),
    "add corrections": row(ALLOWED, ALLOWED),
    "delete corrections": row(IGNORED, ALLOWED),
    "manage authors": row(ALLOWED, ALLOWED),
    "manage agencies": row(ALLOWED, ALLOWED),
    "create alerts": row(DENIED, ALLOWED),
    "end alerts": row(DENIED, ALLOWED),
}


@pytest.fixture
def as_role(client, django_user_model, roles):
    """as_role(role): the test client, logged in as that role (or not at all)."""

    def login(role):
        if role != "anonymous":
            client.force_login(make_user(django_user_model, role))
        return client

    return login


@pytest.fixture
def form_of(superuser):
    """form_of(url, form_id): the form's fields as a chief editor's browser shows them (the
    staff user and the anonymous visitor cannot GET the form: they POST the same fields), read
    by the superuser on a client of its own."""
    from django.test import Client

    chief = Client()
    chief.force_login(superuser)

    def get(url, form_id):
        return form_data(chief.get(url), form_id)

    return get


def assert_outcome(response, role, expected, *, success=(302,)):
    """The response fits the expectation: a success status when allowed or ignored; else 403
    for logged-in staff, the admin's login page for the anonymous visitor."""
    if expected in (ALLOWED, IGNORED):
        assert response.status_code in success, (role, response.status_code)
    elif role == "anonymous":
        assert response.status_code == 302
        assert urlsplit(response["Location"]).path == "/admin/login/"
    else:
        assert response.status_code == 403, (role, response.status_code)


def draft(make_article, **fields):
    return make_article(status=Article.Status.DRAFT, published_at=None, **fields)


# --- Articles ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_view_list(role, as_role, make_article):
    article = make_article()
    expected = MATRIX["view list"][role]

    response = as_role(role).get(ARTICLES)

    assert_outcome(response, role, expected, success=(200,))
    if expected == ALLOWED:
        assert list(response.context["cl"].result_list) == [article]


@pytest.mark.parametrize("role", ROLES)
def test_add_draft(role, as_role, form_of):
    client = as_role(role)
    expected = MATRIX["add draft"][role]
    if expected == ALLOWED:
        fields = form_data(client.get(f"{ARTICLES}add/"), "article_form")
    else:
        assert_outcome(client.get(f"{ARTICLES}add/"), role, expected)
        fields = form_of(f"{ARTICLES}add/", "article_form")

    response = client.post(
        f"{ARTICLES}add/",
        fields | {"headline": "A new draft", "slug": "a-new-draft", "body": "Text."},
    )

    assert_outcome(response, role, expected)
    if expected == ALLOWED:
        article = Article.objects.get()
        assert (article.headline, article.status, article.published_at) == (
            "A new draft",
            Article.Status.DRAFT,
            None,
        )
    else:
        assert not Article.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_edit_draft(role, as_role, form_of, make_article):
    article = draft(make_article, headline="Before")
    client = as_role(role)
    expected = MATRIX["edit draft"][role]
    if expected == ALLOWED:
        fields = form_data(client.get(change_url(article)), "article_form")
    else:
        fields = form_of(change_url(article), "article_form")

    response = client.post(change_url(article), fields | {"headline": "After"})

    assert_outcome(response, role, expected)
    article.refresh_from_db()
    assert article.headline == ("After" if expected == ALLOWED else "Before")
    assert article.status == Article.Status.DRAFT


def import_sample(client, sample_bytes, *, publish):
    """Upload the sample, then Save the preview (publish: tick the option, or forge it)."""
    fields = {"text": sample_bytes.decode()}
    if publish:
        fields["publish"] = "on"
    preview = client.post(IMPORT, fields)
    if preview.status_code != 200:
        return preview
    confirm = {field.html_name: field.value() for field in preview.context["confirm"]}
    if publish:
        confirm["publish"] = "True"  # the hidden field, forged when the form left it out
    return client.post(IMPORT, confirm | {"confirm": "Save"})


@pytest.mark.parametrize("role", ROLES)
def test_import(role, as_role, sample_bytes):
    client = as_role(role)
    expected = MATRIX["import"][role]
    page = client.get(IMPORT)
    assert_outcome(page, role, expected, success=(200,))

    response = import_sample(client, sample_bytes, publish=False)

    assert_outcome(response, role, expected)
    if expected == ALLOWED:
        assert Article.objects.get().status == Article.Status.DRAFT
    else:
        assert not Article.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_import_and_publish(role, as_role, sample_bytes):
    client = as_role(role)
    expected = MATRIX["import and publish"][role]
    page = client.get(IMPORT)
    if expected == ALLOWED:
        assertContains(page, 'name="publish"')
    elif expected == IGNORED:
        assertNotContains(page, 'name="publish"')

    response = import_sample(client, sample_bytes, publish=True)

    assert_outcome(response, role, expected)
    if expected == DENIED:
        assert not Article.objects.exists()
        return
    article = Article.objects.get()
    assert article.status == (
        Article.Status.PUBLISHED if expected == ALLOWED else Article.Status.DRAFT
    )
    public = client.get(f"/articles/{SAMPLE_SLUG}/").status_code
    assert public == (200 if expected == ALLOWED else 404)


def change_publishing(role, as_role, form_of, article, action, **changes):
    """POST the article's form with changed publishing fields, as the role; return the
    response, the refreshed article and the expectation."""
    client = as_role(role)
    expected = MATRIX[action][role]
    url = change_url(article)
    if expected in (ALLOWED, IGNORED):
        page = client.get(url)
        fields = form_data(page, "article_form")
        if expected == IGNORED:
            # Shown, but read-only: not part of the form.
            assert "status" not in fields
            assert "published_at_0" not in fields
            assert set(page.context["adminform"].readonly_fields) >= {"status", "published_at"}
    else:
        fields = form_of(url, "article_form")
    before = Article.objects.values("status", "published_at").get(pk=article.pk)

    response = client.post(url, fields | changes)

    assert_outcome(response, role, expected)
    article.refresh_from_db()
    if expected != ALLOWED:
        assert {"status": article.status, "published_at": article.published_at} == before
    return response, article, expected


@pytest.mark.parametrize("role", ROLES)
def test_publish(role, as_role, form_of, make_article, client):
    article = draft(make_article)

    _, article, expected = change_publishing(
        role, as_role, form_of, article, "publish", status="published"
    )

    if expected == ALLOWED:
        assert article.status == Article.Status.PUBLISHED
        assert timezone.now() - article.published_at < timedelta(minutes=1)
    assert client.get(article.get_absolute_url()).status_code == (
        200 if expected == ALLOWED else 404
    )


@pytest.mark.parametrize("role", ROLES)
def test_schedule(role, as_role, form_of, make_article, client):
    article = draft(make_article)
    tomorrow = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    day, time = split(tomorrow)

    _, article, expected = change_publishing(
        role,
        as_role,
        form_of,
        article,
        "schedule",
        status="published",
        published_at_0=day,
        published_at_1=time,
    )

    if expected == ALLOWED:
        assert (article.status, article.published_at) == (Article.Status.PUBLISHED, tomorrow)
        assert article not in Article.objects.published()
    assert client.get(article.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_withdraw(role, as_role, form_of, make_article, client):
    article = make_article()

    _, article, expected = change_publishing(
        role, as_role, form_of, article, "withdraw", status="withdrawn"
    )

    assert article.status == (
        Article.Status.WITHDRAWN if expected == ALLOWED else Article.Status.PUBLISHED
    )
    assert client.get(article.get_absolute_url()).status_code == (
        410 if expected == ALLOWED else 200
    )


@pytest.mark.parametrize("role", ROLES)
def test_unpublish(role, as_role, form_of, make_article, client):
    article = make_article()

    _, article, expected = change_publishing(
        role, as_role, form_of, article, "unpublish", status="draft"
    )

    assert article.status == (
        Article.Status.DRAFT if expected == ALLOWED else Article.Status.PUBLISHED
    )
    assert client.get(article.get_absolute_url()).status_code == (
        404 if expected == ALLOWED else 200
    )


def action_choices(response):
    """The change list's actions menu (none at all when no action is allowed)."""
    form = response.context["action_form"]
    return [name for name, _ in form.fields["action"].choices] if form else []


def run_action(client, action, objects, url=ARTICLES):
    return client.post(
        url, {"action": action, "_selected_action": [obj.pk for obj in objects], "index": 0}
    )


@pytest.mark.parametrize("role", ROLES)
def test_action_publish_now(role, as_role, make_article):
    expected = MATRIX["action publish now"][role]
    client = as_role(role)
    drafts = [draft(make_article), draft(make_article)]
    live = make_article()
    live_since = live.published_at
    if role in ("editor", "chief"):
        offered = "publish_now" in action_choices(client.get(ARTICLES))
        assert offered == (expected == ALLOWED)

    response = run_action(client, "publish_now", [*drafts, live])

    if expected == ALLOWED:
        assert response.status_code == 302
        for article in drafts:
            article.refresh_from_db()
            assert article.is_published()
        live.refresh_from_db()
        assert live.published_at == live_since  # already published: left as it was
    elif role == "editor":
        # Not one of the editor's actions: the admin refuses it ("No action selected").
        assert response.status_code == 200
        assert list(Article.objects.published()) == [live]
    else:
        assert_outcome(response, role, expected)
        assert list(Article.objects.published()) == [live]


@pytest.mark.parametrize("role", ROLES)
def test_action_withdraw(role, as_role, make_article, client):
    expected = MATRIX["action withdraw"][role]
    logged_in = as_role(role)
    article, unpublished = make_article(), draft(make_article)
    if role in ("editor", "chief"):
        offered = "withdraw" in action_choices(logged_in.get(ARTICLES))
        assert offered == (expected == ALLOWED)

    response = run_action(logged_in, "withdraw", [article, unpublished])

    article.refresh_from_db()
    unpublished.refresh_from_db()
    assert unpublished.status == Article.Status.DRAFT  # a draft is never "withdrawn"
    if expected == ALLOWED:
        assert response.status_code == 302
        assert article.status == Article.Status.WITHDRAWN
        assert client.get(article.get_absolute_url()).status_code == 410
    elif role == "editor":
        assert response.status_code == 200  # not one of their actions: "No action selected"
        assert article.status == Article.Status.PUBLISHED
    else:
        assert_outcome(response, role, expected)
        assert article.status == Article.Status.PUBLISHED


@pytest.mark.parametrize("role", ROLES)
def test_delete(role, as_role, make_article):
    article = make_article()
    client = as_role(role)
    expected = MATRIX["delete"][role]
    url = f"{ARTICLES}{article.pk}/delete/"

    confirmation = client.get(url)
    assert_outcome(confirmation, role, expected, success=(200,))
    if expected == ALLOWED:
        assertContains(confirmation, "Are you sure")
        assert Article.objects.filter(pk=article.pk).exists()  # the GET deletes nothing
    response = client.post(url, {"post": "yes"})

    assert_outcome(response, role, expected)
    assert Article.objects.filter(pk=article.pk).exists() == (expected != ALLOWED)
    if role == "editor":
        # No "Delete" link on the editor's form either.
        assertNotContains(client.get(change_url(article)), f"{article.pk}/delete/")


@pytest.mark.parametrize("role", ROLES)
def test_bulk_delete(role, as_role, make_article):
    articles = [make_article(), draft(make_article)]
    client = as_role(role)
    expected = MATRIX["bulk delete"][role]
    if role in ("editor", "chief"):
        offered = "delete_selected" in action_choices(client.get(ARTICLES))
        assert offered == (expected == ALLOWED)

    confirmation = run_action(client, "delete_selected", articles)
    response = client.post(
        ARTICLES,
        {"action": "delete_selected", "_selected_action": [a.pk for a in articles], "post": "yes"},
    )

    if expected == ALLOWED:
        assertContains(confirmation, "Are you sure")
        assert response.status_code == 302
        assert not Article.objects.exists()
    else:
        for each in (confirmation, response):
            if role == "editor":
                assert each.status_code == 200  # not one of their actions: "No action selected"
            else:
                assert_outcome(each, role, expected)
        assert Article.objects.count() == 2


# --- Captions, corrections, authors, agencies ---------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_manage_captions(role, as_role, form_of, make_article):
    article = make_article(captions=[{"text": "Old caption"}])
    client = as_role(role)
    expected = MATRIX["manage captions"][role]
    fields = form_of(change_url(article), "article_form")
    changes = {
        "captions-0-text": "Changed caption",
        "captions-TOTAL_FORMS": "2",
        "captions-1-text": "Added caption",
        "captions-1-position": "1",
        "captions-1-language": "",
    }

    response = client.post(change_url(article), fields | changes)

    assert_outcome(response, role, expected)
    texts = sorted(Caption.objects.values_list("text", flat=True))
    if expected == ALLOWED:
        assert texts == ["Added caption", "Changed caption"]
        # And deleting one.
        fields = form_data(client.get(change_url(article)), "article_form")
        deleted = client.post(change_url(article), fields | {"captions-1-DELETE": "on"})
        assert deleted.status_code == 302
        assert Caption.objects.count() == 1
    else:
        assert texts == ["Old caption"]


def correction_fields(number, text, when):
    day, time = split(when)
    return {
        f"corrections-{number}-text": text,
        f"corrections-{number}-noted_at_0": day,
        f"corrections-{number}-noted_at_1": time,
    }


@pytest.mark.parametrize("role", ROLES)
def test_add_corrections(role, as_role, form_of, make_article):
    article = make_article()
    client = as_role(role)
    expected = MATRIX["add corrections"][role]
    fields = form_of(change_url(article), "article_form")
    assert fields["corrections-TOTAL_FORMS"] == "0"

    response = client.post(
        change_url(article),
        fields
        | {"corrections-TOTAL_FORMS": "1"}
        | correction_fields(0, "The minister's name was misspelt.", timezone.now()),
    )

    assert_outcome(response, role, expected)
    texts = list(Correction.objects.values_list("text", flat=True))
    assert texts == (["The minister's name was misspelt."] if expected == ALLOWED else [])


@pytest.mark.parametrize("role", ROLES)
def test_delete_corrections(role, as_role, form_of, make_article):
    article = make_article()
    correction = Correction.objects.create(article=article, text="A note.")
    client = as_role(role)
    expected = MATRIX["delete corrections"][role]
    if expected != DENIED:
        page = client.get(change_url(article))
        fields = form_data(page, "article_form")
        # The inline offers a delete box only to those who may delete.
        has_box = 'name="corrections-0-DELETE"' in page.content.decode()
        assert has_box == (expected == ALLOWED)
    else:
        fields = form_of(change_url(article), "article_form")

    response = client.post(change_url(article), fields | {"corrections-0-DELETE": "on"})

    assert_outcome(response, role, expected)
    assert Correction.objects.filter(pk=correction.pk).exists() == (expected != ALLOWED)


@pytest.mark.parametrize(
    ("action", "url", "form_id", "model", "values"),
    [
        (
            "manage authors",
            "/admin/articles/author/",
            "author_form",
            Author,
            {"name": "Jane Doe", "slug": "jane-doe"},
        ),
        (
            "manage agencies",
            "/admin/articles/agency/",
            "agency_form",
            Agency,
            {"name": "Agence France-Presse", "slug": "afp"},
        ),
    ],
)
@pytest.mark.parametrize("role", ROLES)
def test_manage_authors_and_agencies(role, action, url, form_id, model, values, as_role, form_of):
    client = as_role(role)
    expected = MATRIX[action][role]
    fields = form_of(f"{url}add/", form_id)

    added = client.post(f"{url}add/", fields | values)

    assert_outcome(added, role, expected)
    if expected != ALLOWED:
        assert not model.objects.exists()
        obj = model.objects.create(**values)
    else:
        obj = model.objects.get()
        assert obj.name == values["name"]
    changed = client.post(
        f"{url}{obj.pk}/change/", form_of(f"{url}{obj.pk}/change/", form_id) | {"name": "New"}
    )
    assert_outcome(changed, role, expected)
    deleted = client.post(f"{url}{obj.pk}/delete/", {"post": "yes"})
    assert_outcome(deleted, role, expected)
    assert model.objects.filter(pk=obj.pk).exists() == (expected != ALLOWED)


# --- Breaking-news alerts ------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_create_alerts(role, as_role, form_of, client):
    logged_in = as_role(role)
    expected = MATRIX["create alerts"][role]
    if role == "editor":
        # Their admin has no alerts at all.
        index = logged_in.get("/admin/")
        assertNotContains(index, ALERTS)
    fields = form_of(f"{ALERTS}add/", "alert_form")

    response = logged_in.post(f"{ALERTS}add/", fields | {"text": "Ceasefire announced"})

    assert_outcome(response, role, expected)
    assert Alert.objects.active().exists() == (expected == ALLOWED)
    home = client.get("/").content.decode()
    assert ("Ceasefire announced" in home) == (expected == ALLOWED)


@pytest.mark.parametrize("role", ROLES)
def test_end_alerts(role, as_role, client):
    alert = Alert.objects.create(
        text="Ceasefire announced", starts_at=timezone.now() - timedelta(hours=1)
    )
    logged_in = as_role(role)
    expected = MATRIX["end alerts"][role]
    assert "Ceasefire announced" in client.get("/").content.decode()

    response = run_action(logged_in, "end_now", [alert], url=ALERTS)

    assert_outcome(response, role, expected)
    alert.refresh_from_db()
    if expected == ALLOWED:
        assert timezone.now() - alert.ends_at < timedelta(minutes=1)
        assert "Ceasefire announced" not in client.get("/").content.decode()
    else:
        assert alert.ends_at is None
        assert "Ceasefire announced" in client.get("/").content.decode()


def test_the_matrix_covers_every_action_for_every_role():
    """Each row names all four roles, and each action has its test above."""
    for action, outcomes in MATRIX.items():
        assert sorted(outcomes) == sorted(ROLES), action
    assert all(MATRIX[action]["staff"] == DENIED for action in MATRIX)
    assert all(MATRIX[action]["anonymous"] == DENIED for action in MATRIX)
