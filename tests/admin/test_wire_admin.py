"""The admin's import page with the wire formats: every format is accepted and previewed with
the format it was read as; warnings, versions, duplicates and cancellations are shown before
anything is saved."""

import pytest
from pytest_django.asserts import assertContains

from articles.models import Article, IngestRecord
from tests.helpers.importing import IMPORT_URL, row
from tests.helpers.wire import preview, save

pytestmark = pytest.mark.django_db

SLUG = "kerry-lavrov-rapport-smoothed-path-to-syria-deal"


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("ninjs-2-v1.json", "IPTC ninjs (JSON)"),
        ("ninjs-1.json", "IPTC ninjs (JSON)"),
        ("newsml-g2.xml", "IPTC NewsML-G2 (XML)"),
        ("webpage.html", "saved web page (HTML)"),
    ],
)
def test_every_format_is_previewed_with_its_detected_format_then_saved(editor_client, name, label):
    response = preview(editor_client, name)

    assertContains(response, row("Format", f"{label} (detected)"), html=True)
    assertContains(response, row("Saving will", "create a new article"), html=True)
    assert Article.objects.count() == 0

    saved = save(editor_client, response)

    assert saved.status_code == 302
    assert Article.objects.count() == 1
    assert IngestRecord.objects.get().channel == "admin"


def test_the_preview_shows_identifier_version_caption_alt_text_and_credit(editor_client):
    response = preview(editor_client, "ninjs-2-v1.json")

    assertContains(
        response,
        row(
            "Source identifier",
            "http://example.com/wire/2013/09/16/kerry-lavrov, version 978556838",
        ),
        html=True,
    )
    assertContains(
        response,
        row(
            "Caption",
            '<span lang="ko">터키 접경 마을 수루크에서 촬영한 시리아 도시 코바니.</span> '
            "(language: ko); alt text: Smoke over the rooftops of a town at dusk; "
            "credit: Reuters/Jane Doe",
        ),
        html=True,
    )


def test_a_chosen_format_is_shown_as_chosen_and_used(editor_client):
    response = preview(editor_client, "ninjs-3.json", format="ninjs")
    assertContains(response, row("Format", "IPTC ninjs (JSON) (chosen)"), html=True)

    wrong = preview(editor_client, "ninjs-3.json", format="capture")
    assertContains(wrong, "ninjs-3.json: does not look like an article: starts like JSON")


def test_sanitiser_warnings_are_listed_and_reported_after_saving(editor_client):
    response = preview(editor_client, "hostile-body.json")
    assertContains(response, "<li>sanitiser: removed &lt;script&gt;</li>", html=True)

    saved = save(editor_client, response)
    messages = [str(m) for m in saved.wsgi_request._messages]
    assert any(
        m.startswith("Imported with 17 sanitiser warnings: markup removed") for m in messages
    )


def test_versions_and_cancellation_are_previewed(chief_editor_client):
    save(chief_editor_client, preview(chief_editor_client, "ninjs-2-v1.json", publish="on"))
    save(chief_editor_client, preview(chief_editor_client, "ninjs-2-v2.json"))
    assert Article.objects.get().is_published()

    stale = preview(chief_editor_client, "ninjs-2-v1.json")
    assertContains(
        stale,
        row(
            "Saving will",
            "change nothing: skipped (stale): version 978556838 is older than the imported "
            "1542761538",
        ),
        html=True,
    )
    canceled = preview(chief_editor_client, "ninjs-2-canceled.json")
    assertContains(
        canceled,
        row(
            "Saving will",
            "withdraw the article “CORRECTED-Kerry-Lavrov Rapport Smoothed Path to Syria Deal” "
            "(the agency canceled it; readers get “gone”)",
        ),
        html=True,
    )
    save(chief_editor_client, canceled)
    assert Article.objects.get().status == Article.Status.WITHDRAWN


def test_a_cancellation_of_a_draft_is_previewed_as_keeping_it_unpublished(editor_client):
    """Readers never saw a draft: nothing to withdraw (see tests/ingest/test_wire_cancel_draft.py)."""
    save(editor_client, preview(editor_client, "ninjs-2-v1.json"))

    canceled = preview(editor_client, "ninjs-2-canceled.json", publish="on")

    assertContains(
        canceled,
        row(
            "Saving will",
            "mark the draft “Kerry-Lavrov Rapport Smoothed Path to Syria Deal” canceled by the "
            "agency: it stays unpublished (readers never saw it, and get “not found”)",
        ),
        html=True,
    )
    saved = save(editor_client, canceled)
    article = Article.objects.get()
    assert (article.status, article.wire_metadata["pubstatus"]) == ("draft", "canceled")
    messages = [str(m) for m in editor_client.get(saved["Location"]).context["messages"]]
    assert messages == [
        "Kept unpublished “Kerry-Lavrov Rapport Smoothed Path to Syria Deal”: "
        f'<a href="/admin/articles/article/{article.pk}/change/">edit it in the admin</a> or '
        f'<a href="/articles/{SLUG}/preview/">preview it</a>.',
        "ninjs-2-canceled.json: canceled by the agency (status canceled) before it was "
        "published here: kept as an unpublished draft, marked canceled for the editors.",
    ]


def test_a_possible_duplicate_is_flagged_in_the_preview_and_after_saving(editor_client):
    save(editor_client, preview(editor_client, "ninjs-2-v1.json"))
    first = Article.objects.get()

    response = preview(editor_client, "webpage.html")
    assertContains(
        response,
        row(
            "Possible duplicate",
            "of “Kerry-Lavrov Rapport Smoothed Path to Syria Deal” "
            f"(/articles/{SLUG}/): same headline and agency, another identifier; saving "
            "creates a separate article, flagged",
        ),
        html=True,
    )
    saved = save(editor_client, response)

    second = Article.objects.exclude(pk=first.pk).get()
    assert second.possible_duplicate_of == first
    messages = [str(m) for m in saved.wsgi_request._messages]
    assert any(m.startswith("Possible duplicate of “Kerry-Lavrov") for m in messages)


def test_a_cancellation_of_an_unknown_story_saves_nothing_and_says_so(editor_client):
    response = preview(editor_client, "ninjs-2-canceled.json")
    saved = save(editor_client, response)

    assert saved.status_code == 302 and saved["Location"] == IMPORT_URL
    assert Article.objects.count() == 0
    assert IngestRecord.objects.get().outcome == "skipped"


@pytest.mark.parametrize("name", ["xxe.xml", "billion-laughs.xml"])
def test_hostile_xml_is_refused_on_the_page(editor_client, name):
    response = preview(editor_client, name)

    assertContains(
        response,
        f"{name}: refused: the XML has a DOCTYPE (document type declarations and entities "
        "are not accepted, so nothing was expanded or read)",
    )
    assert "root:" not in response.content.decode()
    assert Article.objects.count() == 0
