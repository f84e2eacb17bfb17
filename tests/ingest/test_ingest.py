"""Specification of the ingest writer (articles.ingest.writer.ingest) on a real database.

What an import stores, that re-imports are idempotent and keyed on a stable natural key,
that imported text is kept literally, that bad input fails without writing content but is
kept as an IngestRecord, and that a concurrent insert of the same article is absorbed.
"""

import hashlib
import threading
from html.parser import HTMLParser

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.db.models.signals import post_init, pre_save

from articles.ingest.capture import parse_capture
from articles.ingest.writer import ingest
from articles.models import Agency, Article, Author, Caption, IngestRecord
from tests.helpers.ingest import content_rows
from tests.helpers.paths import INGEST_DATA as DATA
from tests.helpers.sample import HEADLINE, KOREAN_CAPTION, REUTERS_DESCRIPTION, SAMPLE_SLUG

URL = f"/articles/{SAMPLE_SLUG}/"
FURNITURE_PHRASES = ("Accessibility links", "Breaking News", "16x9 Image", "XS SM")
FURNITURE_LINES = {"XS", "SM", "MD", "LG"}

pytestmark = pytest.mark.django_db


def run(data, **options):
    return ingest(data, filename="kerry-lavrov.txt", channel="command", **options)


def edited(sample_bytes):
    """The sample with one paragraph corrected by the agency."""
    old, new = b"Just 10 days ago, Putin", b"Just ten days ago, Putin"
    assert sample_bytes.count(old) == 1
    return sample_bytes.replace(old, new)


class _Blocks(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.blocks, self.open = [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.blocks.append((tag, ""))
        self.open = True

    def handle_endtag(self, tag):
        self.open = False

    def handle_data(self, data):
        if self.open:
            tag, text = self.blocks[-1]
            self.blocks[-1] = (tag, text + data)


def html_blocks(html):
    """[(tag, text content)] of rendered body HTML, in order."""
    parser = _Blocks()
    parser.feed(html)
    parser.close()
    return parser.blocks


# --- What importing the sample stores ---------------------------------------------------


def test_sample_creates_one_draft_english_article(sample_bytes):
    result = run(sample_bytes)

    article = Article.objects.get()
    assert (result.outcome, result.article.pk, result.error) == ("created", article.pk, "")
    assert article.headline == HEADLINE
    assert (article.slug, article.get_absolute_url()) == (SAMPLE_SLUG, URL)
    assert (article.status, article.published_at) == ("draft", None)
    assert article.language == "en"
    assert (article.agency.name, article.external_id) == ("Reuters", SAMPLE_SLUG)
    assert not Article.objects.published().exists()


def test_sample_body_renders_32_paragraphs_and_2_subheadings_in_order(sample_bytes):
    run(sample_bytes)

    blocks = html_blocks(Article.objects.get().body_html())
    expected = [(b.kind, b.text) for b in parse_capture(sample_bytes).blocks]
    assert [tag for tag, _ in blocks] == ["p"] * 11 + ["h2"] + ["p"] * 9 + ["h2"] + ["p"] * 12
    assert [text for tag, text in blocks if tag == "h2"] == [
        "Unlikely couple",
        "Moving beyond the 'reset'",
    ]
    kinds = {"paragraph": "p", "subheading": "h2"}
    assert blocks == [(kinds[kind], text) for kind, text in expected]


def test_sample_caption_is_stored_once_in_korean_without_alt_text(sample_bytes):
    run(sample_bytes)

    caption = Caption.objects.get()
    assert caption.article == Article.objects.get()
    assert caption.text == KOREAN_CAPTION
    assert (caption.language, caption.alt_text, caption.credit) == ("ko", "", "")
    assert (caption.is_lead, caption.position) == (True, 0)


def test_sample_agency_is_reuters_with_its_full_description(sample_bytes):
    run(sample_bytes)

    agency = Agency.objects.get()
    assert (agency.name, agency.slug) == ("Reuters", "reuters")
    assert agency.description == REUTERS_DESCRIPTION
    assert not Author.objects.exists()


def test_no_page_furniture_is_stored_in_any_field(sample_bytes):
    run(sample_bytes)

    texts = [
        value
        for rows in content_rows().values()
        for row in rows
        for value in row.values()
        if isinstance(value, str)
    ]
    assert HEADLINE in texts and REUTERS_DESCRIPTION in texts
    for text in texts:
        assert not any(phrase in text for phrase in FURNITURE_PHRASES), text
        assert not FURNITURE_LINES & {line.strip() for line in text.splitlines()}, text


def test_the_raw_input_is_kept_byte_for_byte(sample_bytes, editor):
    ingest(sample_bytes, filename="kerry-lavrov.txt", channel="admin", user=editor)

    record = IngestRecord.objects.get()
    assert bytes(record.raw) == sample_bytes
    assert record.sha256 == hashlib.sha256(sample_bytes).hexdigest()
    assert (record.filename, record.channel, record.received_by, record.operator) == (
        "kerry-lavrov.txt",
        "admin",
        editor,
        "editor",
    )
    assert (record.outcome, record.article, record.message) == (
        "created",
        Article.objects.get(),
        "",
    )


# --- Re-imports ---------------------------------------------------------------------------


def test_reimporting_the_same_file_is_unchanged_and_writes_no_content(sample_bytes):
    run(sample_bytes)
    before = content_rows()

    result = run(sample_bytes)

    assert result.outcome == "unchanged"
    assert result.article.pk == before["Article"][0]["id"]
    assert content_rows() == before
    assert list(IngestRecord.objects.order_by("pk").values_list("outcome", "article")) == [
        ("created", result.article.pk),
        ("unchanged", result.article.pk),
    ]


def test_a_changed_paragraph_updates_the_same_article(sample_bytes):
    first = run(sample_bytes)
    caption = Caption.objects.get()

    result = run(edited(sample_bytes))

    article = Article.objects.get()
    assert (result.outcome, article.pk) == ("updated", first.article.pk)
    assert (article.slug, article.get_absolute_url()) == (SAMPLE_SLUG, URL)
    assert "Just ten days ago, Putin" in article.body
    assert "Just 10 days ago" not in article.body
    assert Caption.objects.get().pk == caption.pk
    assert IngestRecord.objects.latest("pk").outcome == "updated"


def test_reimport_finds_the_article_after_an_editor_corrects_the_headline(sample_bytes):
    first = run(sample_bytes)
    Article.objects.filter(pk=first.article.pk).update(headline="Kerry and Lavrov: a rapport")

    again = run(sample_bytes)
    assert (again.outcome, again.article.pk) == ("unchanged", first.article.pk)
    assert Article.objects.get().headline == "Kerry and Lavrov: a rapport"

    changed = run(edited(sample_bytes))
    assert (changed.outcome, changed.article.pk) == ("updated", first.article.pk)
    assert Article.objects.get().slug == SAMPLE_SLUG


def test_reimport_replaces_captions_when_an_editor_moved_the_lead(sample_bytes):
    article = run(sample_bytes).article
    Caption.objects.update(is_lead=False)
    Caption.objects.create(article=article, text="Added by an editor", position=1, is_lead=True)

    result = run(edited(sample_bytes))

    assert result.outcome == "updated"
    assert list(Caption.objects.values_list("text", "is_lead")) == [(KOREAN_CAPTION, True)]


# --- Publishing and dry runs ----------------------------------------------------------------


def test_publish_creates_a_published_article(sample_bytes):
    result = run(sample_bytes, publish=True)

    article = Article.objects.get()
    assert (result.outcome, article.status) == ("created", "published")
    assert article.published_at is not None
    assert list(Article.objects.published()) == [article]


def test_publish_on_reimport_of_an_unchanged_draft_publishes_it(sample_bytes):
    run(sample_bytes)

    assert run(sample_bytes, publish=True).outcome == "updated"
    assert Article.objects.get().is_published()
    assert run(sample_bytes, publish=True).outcome == "unchanged"


def test_dry_run_reports_created_and_writes_nothing(sample_bytes):
    result = run(sample_bytes, dry_run=True)

    assert result.outcome == "created"
    assert result.article.get_absolute_url() == URL
    assert content_rows() == {"Agency": [], "Author": [], "Article": [], "Caption": []}
    assert not IngestRecord.objects.exists()


def test_dry_run_of_an_imported_file_reports_unchanged_and_writes_nothing(sample_bytes):
    run(sample_bytes)
    before = content_rows()

    assert run(sample_bytes, dry_run=True).outcome == "unchanged"
    assert run(edited(sample_bytes), dry_run=True).outcome == "updated"
    assert content_rows() == before
    assert IngestRecord.objects.count() == 1


# --- Imported text is kept literally -----------------------------------------------------


def test_text_that_looks_like_markup_is_shown_exactly_as_written():
    run((DATA / "markup-literal.txt").read_bytes())

    article = Article.objects.get()
    assert article.headline == "Agency Text That Looks Like Markup"
    assert article.agency is None
    assert article.body_html() == (
        "<p>1851. The year the agency was founded, not a list item.</p>\n"
        "<p># Not a heading, only a hash sign.</p>\n"
        "<p>- Not a list item either.</p>\n"
        "<p>&gt; Not a quotation.</p>\n"
        "<p>Some *stars* and _under_ scores stay exactly as typed.</p>\n"
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; is shown, never run.</p>\n"
        "<p>Fish &amp;amp; chips is written here with an entity.</p>\n"
        "<p>[link](javascript:alert(1)) is not a link.</p>\n"
        "<p>A Windows path C:\\temp\\new and an escaped \\*star\\* keep their backslashes \\</p>\n"
    )


# --- Input that cannot be imported ---------------------------------------------------------


def test_bad_input_fails_writes_no_content_and_keeps_the_raw_input():
    data = "Café society\n\nLa vie à Paris.\n".encode("latin-1")

    result = run(data)

    assert (result.outcome, result.article) == ("failed", None)
    assert result.error == "not UTF-8: invalid byte 0xe9 at position 3"
    assert content_rows() == {"Agency": [], "Author": [], "Article": [], "Caption": []}
    record = IngestRecord.objects.get()
    assert (record.outcome, record.message, bytes(record.raw)) == ("failed", result.error, data)


def test_bad_input_on_a_dry_run_keeps_nothing():
    assert run(b"", dry_run=True).error == "empty file"
    assert not IngestRecord.objects.exists()


def test_headline_without_letters_or_digits_never_matches_an_editors_article(make_article):
    agency = Agency.objects.create(name="Reuters", slug="reuters")
    own = make_article(agency=agency, headline="Written in the newsroom", external_id="")
    before = content_rows()

    result = run(b"!!!\n\nA body paragraph.\n\n    Reuters\n")

    assert result.outcome == "failed"
    assert result.error == "does not look like an article: the headline has no letters or digits"
    assert content_rows() == before
    assert Article.objects.get().headline == own.headline


def test_a_value_too_long_for_the_database_fails_and_rolls_back_everything():
    alt_text = "터키 " * 200
    data = f"Headline\n\n{alt_text}\n코바니\nA body paragraph.\n\n    Reuters\n".encode()

    result = run(data)

    assert result.outcome == "failed"
    assert result.error == (
        "cannot be saved: alt_text: Ensure this value has at most 500 characters (it has 599)."
    )
    assert content_rows() == {"Agency": [], "Author": [], "Article": [], "Caption": []}
    assert IngestRecord.objects.get().message == result.error


def test_an_agency_name_too_long_for_the_database_fails():
    data = f"Headline\n\nA body paragraph.\n\n    {'Agency ' * 40}\n".encode()

    result = run(data)

    assert result.error == (
        "cannot be saved: name: Ensure this value has at most 200 characters (it has 279)."
    )
    assert content_rows() == {"Agency": [], "Author": [], "Article": [], "Caption": []}


# --- The natural key under concurrency -----------------------------------------------------


def test_an_existing_article_with_the_same_key_is_updated_not_duplicated(sample_bytes):
    agency = Agency.objects.create(name="Reuters", slug="reuters")
    existing = Article.objects.create(
        headline="Imported elsewhere",
        slug="elsewhere",
        body="Old.\n",
        agency=agency,
        external_id=SAMPLE_SLUG,
        source_checksum="0" * 64,
    )

    result = run(sample_bytes)

    assert (result.outcome, result.article.pk) == ("updated", existing.pk)
    assert Article.objects.get().headline == HEADLINE


def test_the_database_refuses_two_articles_of_one_agency_with_one_external_id(make_article):
    agency = Agency.objects.create(name="Reuters", slug="reuters")
    make_article(agency=agency, external_id="k")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_article(agency=agency, external_id="k")


def test_the_database_refuses_two_agency_less_articles_with_one_external_id(make_article):
    make_article(external_id="k")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_article(external_id="k")


def test_articles_without_an_external_id_do_not_conflict(make_article):
    agency = Agency.objects.create(name="Reuters", slug="reuters")
    make_article(agency=agency)
    make_article(agency=agency)
    make_article()
    make_article()
    assert Article.objects.filter(external_id="").count() == 4


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "moment", [post_init, pre_save], ids=["before-validation", "before-insert"]
)
def test_an_article_created_concurrently_after_the_look_up_is_updated(moment, sample_bytes):
    """A real second connection commits the same article after this import's look-up missed:
    once as the new Article is built (before full_clean checks the constraint), once just
    before its INSERT. SQLite cannot stage this: while our transaction is open, the second
    connection's write is refused ("database table is locked")."""
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    agency = Agency.objects.create(name="Reuters", slug="reuters")
    staged = []

    def other_process():
        try:
            Article.objects.create(
                headline="Imported by the other process",
                slug="other",
                body="Old.\n",
                agency=agency,
                external_id=SAMPLE_SLUG,
                source_checksum="0" * 64,
            )
        finally:
            connections.close_all()

    def race(sender, instance, **kwargs):
        if staged or instance.pk is not None:
            return
        staged.append(instance)
        thread = threading.Thread(target=other_process)
        thread.start()
        thread.join()

    moment.connect(race, sender=Article, dispatch_uid="ingest-race")
    try:
        result = run(sample_bytes)
    finally:
        moment.disconnect(sender=Article, dispatch_uid="ingest-race")

    article = Article.objects.get()
    assert staged
    assert (result.outcome, result.article.pk) == ("updated", article.pk)
    assert (article.slug, article.headline) == ("other", HEADLINE)
    assert Caption.objects.get().article == article
    assert IngestRecord.objects.get().outcome == "updated"


def test_publishing_on_reimport_never_undoes_a_withdrawal(sample_bytes):
    ingest(sample_bytes, filename="kerry-lavrov.txt", channel="command", publish=True)
    article = Article.objects.get()
    article.status = Article.Status.WITHDRAWN
    article.save()

    result = ingest(sample_bytes, filename="kerry-lavrov.txt", channel="command", publish=True)

    article.refresh_from_db()
    assert (result.outcome, article.status) == ("unchanged", Article.Status.WITHDRAWN)
