"""No lost updates: two editors on one article (the second save, based on an outdated version,
is refused with a message and the editor's text kept), the row lock that closes the race
between the check and the save, and two processes importing the same file at once."""

import os
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from articles.admin.forms import VERSION_FIELD
from articles.models import Article, Caption, IngestRecord
from tests.helpers.admin import ARTICLES, change_url, form_data
from tests.helpers.paths import ROOT
from tests.helpers.sample import SAMPLE, SAMPLE_SLUG
from tests.helpers.users import article_editor

MESSAGE_START = "Not saved: while you were editing, this article was saved by"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def two_editors(db, django_user_model):
    return (
        client_for(article_editor(django_user_model, "alice", "Alice")),
        client_for(article_editor(django_user_model, "bob", "Bob")),
    )


@pytest.fixture
def article(make_article):
    return make_article(
        headline="Quake hits the coast",
        body="The first paragraph.\n\nThe second paragraph.\n\nThe third paragraph.",
        captions=[{"text": "Rescuers at work", "is_lead": True}],
    )


# --- Two editors, two test clients --------------------------------------------------------


def test_the_form_carries_the_version_it_was_loaded_at(editor_client, article):
    fields = form_data(editor_client.get(change_url(article)), "article_form")
    assert fields[VERSION_FIELD] == "1"


def test_the_second_save_is_refused_with_who_when_and_what_and_keeps_the_text(two_editors, article):
    alice, bob = two_editors
    url = change_url(article)
    alice_form = form_data(alice.get(url), "article_form")
    bob_form = form_data(bob.get(url), "article_form")

    # Alice saves first: a new headline and a changed paragraph.
    alice_form["headline"] = "Quake hits the north coast"
    alice_form["body"] = alice_form["body"].replace("The second", "The changed second")
    assertRedirects(alice.post(url, alice_form), ARTICLES)

    # Bob, still on the version he opened, saves his own changes.
    bob_body = bob_form["body"] + "\n\nBob's new closing paragraph."
    bob_form.update(body=bob_body, standfirst="Bob's standfirst")
    response = bob.post(url, bob_form)

    assert response.status_code == 200
    article.refresh_from_db()
    assert (article.headline, article.standfirst, article.version) == (
        "Quake hits the north coast",
        "",
        2,
    )
    form = response.context["adminform"].form
    [message] = form.non_field_errors()
    assert message.startswith(f"{MESSAGE_START} Alice at ")
    assert "(you opened version 1; it is now version 2)" in message
    assert "Everything you typed is kept below" in message
    assert "save again to overwrite their changes" in message
    assertContains(response, '<ul class="errorlist nonfield">', html=False)
    # What Alice changed, field by field.
    assertContains(response, "Saved meanwhile: their changes")
    assertContains(response, "Quake hits the <ins>north </ins>coast", html=False)
    assertContains(response, "The<ins> changed</ins> second paragraph.", html=False)
    assertNotContains(response, "Publication time</th>", html=False)  # unchanged
    # Bob's text is all still in the form, and the form now carries the current version.
    shown = form_data(response, "article_form")
    assert shown["body"] == bob_body
    assert shown["standfirst"] == "Bob's standfirst"
    assert shown["headline"] == "Quake hits the coast"  # what Bob's form held
    assert shown[VERSION_FIELD] == "2"

    # Bob reviewed Alice's changes and saves again, on purpose: it goes through.
    assertRedirects(bob.post(url, shown), ARTICLES)
    article.refresh_from_db()
    assert (article.standfirst, article.body, article.version) == (
        "Bob's standfirst",
        bob_body.replace("\r\n", "\n") + "\n",  # stored with LF and a final newline
        3,
    )
    # Nothing is lost: Alice's version is in the history.
    assert Article.history.filter(id=article.pk, headline="Quake hits the north coast").exists()


def test_a_caption_changed_meanwhile_is_listed_too(two_editors, article):
    alice, bob = two_editors
    url = change_url(article)
    alice_form = form_data(alice.get(url), "article_form")
    bob_form = form_data(bob.get(url), "article_form")
    alice.post(url, alice_form | {"captions-0-text": "Rescuers at work at dawn"})

    response = bob.post(url, bob_form)

    assert response.status_code == 200
    assertContains(response, '<th scope="row">Captions</th>', html=False)
    assertContains(response, "Rescuers at work <ins>at dawn </ins>[lead photo]", html=False)
    assert Caption.objects.get().text == "Rescuers at work at dawn"


def test_an_import_in_between_is_named_as_the_import(editor_client, sample_bytes):
    from articles.ingest.writer import ingest

    article = ingest(sample_bytes, filename="kerry-lavrov.txt", channel="command").article
    url = change_url(article)
    fields = form_data(editor_client.get(url), "article_form")
    ingest(sample_bytes, filename="kerry-lavrov.txt", channel="command", publish=True)

    response = editor_client.post(url, fields)

    [message] = response.context["adminform"].form.non_field_errors()
    assert message.startswith(f"{MESSAGE_START} “import: kerry-lavrov.txt (command)” at ")


def test_a_save_without_a_version_is_refused(editor_client, article):
    url = change_url(article)
    fields = form_data(editor_client.get(url), "article_form")
    del fields[VERSION_FIELD]
    fields["headline"] = "Typed in an old form"

    response = editor_client.post(url, fields)

    assert response.status_code == 200
    [message] = response.context["adminform"].form.non_field_errors()
    assert message.startswith("Not saved: this form does not say which version")
    assert Article.objects.get().headline == "Quake hits the coast"
    assert form_data(response, "article_form")[VERSION_FIELD] == "1"


def test_saves_in_turn_each_go_through(editor_client, article):
    url = change_url(article)
    for n in range(3):
        fields = form_data(editor_client.get(url), "article_form")
        assertRedirects(editor_client.post(url, fields | {"standfirst": f"Take {n}"}), ARTICLES)
    article.refresh_from_db()
    assert (article.standfirst, article.version) == ("Take 2", 4)


# --- The race between the check and the save (PostgreSQL: real concurrent transactions) ---


@pytest.mark.django_db(transaction=True)
def test_a_save_waits_for_a_concurrent_save_and_is_then_refused(django_user_model, make_article):
    """Another transaction saves the article and holds its row while this admin save
    arrives: the admin's lock waits until that commits, then sees the new version and
    refuses. Without the lock the admin would read the old version, pass its check, and
    overwrite the other save when its UPDATE got through."""
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent transactions (PostgreSQL; SQLite serialises writers)")
    article = make_article(headline="Before")
    client = client_for(article_editor(django_user_model, "bob"))
    url = change_url(article)
    fields = form_data(client.get(url), "article_form") | {"standfirst": "Bob's"}
    locked, release = threading.Event(), threading.Event()

    def other_editor():
        try:
            with transaction.atomic():
                other = Article.objects.select_for_update().get(pk=article.pk)
                other.headline = "Saved by the other editor"
                other.save()
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_editor)
    thread.start()
    assert locked.wait(10)
    threading.Timer(0.5, release.set).start()
    started = time.monotonic()
    response = client.post(url, fields)
    waited = time.monotonic() - started
    thread.join()

    assert waited >= 0.4  # the save waited for the other transaction
    assert response.status_code == 200
    [message] = response.context["adminform"].form.non_field_errors()
    assert message.startswith("Not saved:")
    article.refresh_from_db()
    assert (article.headline, article.standfirst, article.version) == (
        "Saved by the other editor",
        "",
        2,
    )


# --- Two processes importing the same file at once ------------------------------------------


def manage(*args, database_url, **kwargs):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def two_imports(database_url, hold, release):
    """Start two `manage.py ingest` of the sample; both reach the database while hold()
    keeps them waiting, then release() lets them in at once. [(exit code, out, err)]."""
    hold()
    processes = [manage("ingest", str(SAMPLE), database_url=database_url) for _ in range(2)]
    try:
        release(processes)
        return [(p.wait(60), *p.communicate()) for p in processes]
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()


def assert_one_article(results, outcomes):
    for code, _out, err in results:
        assert code == 0, err
        assert err == ""
    lines = sorted(out.strip() for _, out, _ in results)
    assert lines == sorted(f"{o} /articles/{SAMPLE_SLUG}/" for o in outcomes)


@pytest.mark.django_db(transaction=True)
def test_two_processes_importing_one_file_create_one_article_postgresql():
    """The table of agencies is locked while both processes start, so that both look the
    article up, find nothing and insert at the same moment: the unique constraint decides,
    the loser's retry finds the winner's article and reports "unchanged"."""
    if connection.vendor != "postgresql":
        pytest.skip("the SQLite run tests this on a database file (next test)")
    settings = connection.settings_dict
    database_url = (
        f"postgres://{settings['USER']}:{settings['PASSWORD'] or ''}@{settings['HOST']}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    locker = connections.create_connection("default")

    def hold():
        locker.set_autocommit(False)
        with locker.cursor() as cursor:
            cursor.execute("LOCK TABLE articles_agency IN ACCESS EXCLUSIVE MODE")

    def release(processes):
        # Until both are waiting for the lock (or a minute has passed).
        for _ in range(600):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = %s AND wait_event_type = 'Lock'",
                    [settings["NAME"]],
                )
                if cursor.fetchone()[0] >= 2:
                    break
            time.sleep(0.1)
        else:
            pytest.fail("the two imports never both waited for the lock")
        locker.rollback()

    try:
        results = two_imports(database_url, hold, release)
    finally:
        locker.close()

    assert_one_article(results, ["created", "unchanged"])
    assert Article.objects.count() == 1
    assert sorted(IngestRecord.objects.values_list("outcome", flat=True)) == [
        "created",
        "unchanged",
    ]
    assert Article.history.count() == 1


def test_two_processes_importing_one_file_create_one_article_sqlite(tmp_path):
    """SQLite on a file, freshly migrated: a test-held exclusive lock makes both processes
    wait at their first write, then both go at once. SQLite refuses ("database is locked")
    a transaction that read and then wants to write while another writes: the writer runs
    it again, and the loser finds the article."""
    database = tmp_path / "concurrent.sqlite3"
    database_url = f"sqlite:///{database}"
    migrate = manage("migrate", "--no-input", "-v0", database_url=database_url)
    assert migrate.wait(120) == 0, migrate.communicate()

    holder = sqlite3.connect(database, isolation_level=None, check_same_thread=False)

    def hold():
        holder.execute("BEGIN EXCLUSIVE")

    def release(processes):
        time.sleep(3)  # both started Django and wait for the lock (busy timeout: 5 s)
        holder.execute("COMMIT")

    with closing(holder):
        results = two_imports(database_url, hold, release)
    with closing(sqlite3.connect(database)) as db:
        articles = db.execute("SELECT slug FROM articles_article").fetchall()
        outcomes = db.execute("SELECT outcome FROM articles_ingestrecord").fetchall()

    assert articles == [(SAMPLE_SLUG,)]
    assert sorted(o for (o,) in outcomes) == ["created", "unchanged"]
    assert_one_article(results, ["created", "unchanged"])
