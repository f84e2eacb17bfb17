"""Two editors, two real browsers (Playwright contexts, each logged in as its user) on one
article: the first saves; the second's save is refused with a message naming the first and
what they changed, and the second editor's typing is still in the form; saving again, on
purpose, goes through. Runs on SQLite and on PostgreSQL (DATABASE_URL)."""

import pytest

from articles.models import Article
from tests.browser.conftest import DESKTOP
from tests.helpers.browser import log_in_and_open
from tests.helpers.users import article_editor

pytestmark = pytest.mark.django_db(transaction=True)

BODY = "The first paragraph.\n\nThe second paragraph."
BOB_BODY = BODY + "\n\nA closing paragraph Bob typed while Alice was saving."


def lf(text):
    """Browsers send line breaks as CR LF."""
    return text.replace("\r\n", "\n")


@pytest.fixture
def article(transactional_db):
    return Article.objects.create(
        headline="Quake hits the coast", slug="quake-hits-the-coast", body=BODY, language="en"
    )


@pytest.fixture
def open_as(browser, live_server):
    """open_as(user, path): a page in a browser context of its own, logged in as user."""
    contexts = []

    def open_page(user, path):
        context = browser.new_context(viewport=DESKTOP)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.errors = errors
        log_in_and_open(page, live_server, user, path)
        return page

    yield open_page
    for context in contexts:
        context.close()


def save(page):
    with page.expect_navigation():
        page.click("input[name=_save]")


def test_the_second_editors_save_is_refused_and_their_text_kept(
    open_as, django_user_model, article, live_server
):
    alice = article_editor(django_user_model, "alice", "Alice")
    bob = article_editor(django_user_model, "bob", "Bob")
    path = f"/admin/articles/article/{article.pk}/change/"
    alice_page = open_as(alice, path)
    bob_page = open_as(bob, path)

    # Alice changes the headline and saves first.
    alice_page.fill("#id_headline", "Quake hits the north coast")
    save(alice_page)
    assert alice_page.url == f"{live_server.url}/admin/articles/article/"

    # Bob, on the version he opened, adds a paragraph and a standfirst, and saves.
    bob_page.fill("#id_body", BOB_BODY)
    bob_page.fill("#id_standfirst", "Bob's standfirst")
    save(bob_page)

    # Refused, with who and what, at the top of the form; his typing is all there.
    assert bob_page.url == live_server.url + path
    message = bob_page.locator("#article_form .errorlist.nonfield").inner_text()
    assert message.startswith(
        "Not saved: while you were editing, this article was saved by Alice at "
    )
    assert "(you opened version 1; it is now version 2)" in message
    assert "save again to overwrite their changes" in message
    changes = bob_page.locator(".version-conflict .revision-changes")
    assert changes.locator("ins").first.inner_text().strip() == "north"
    assert lf(bob_page.input_value("#id_body")) == BOB_BODY
    assert bob_page.input_value("#id_standfirst") == "Bob's standfirst"
    assert bob_page.input_value("#id_headline") == "Quake hits the coast"
    assert bob_page.locator("input[name=loaded_version]").get_attribute("value") == "2"
    article.refresh_from_db()
    # Stored as articles store text: LF line ends and one final newline.
    assert (article.headline, article.body, article.version) == (
        "Quake hits the north coast",
        BODY + "\n",
        2,
    )

    # Having read Alice's change, Bob saves again: it goes through, on purpose.
    save(bob_page)
    assert bob_page.url == f"{live_server.url}/admin/articles/article/"
    article.refresh_from_db()
    assert (article.headline, article.body, article.standfirst, article.version) == (
        "Quake hits the coast",
        BOB_BODY + "\n",
        "Bob's standfirst",
        3,
    )
    assert Article.history.filter(id=article.pk, headline="Quake hits the north coast").exists()
    assert alice_page.errors == [] and bob_page.errors == []
