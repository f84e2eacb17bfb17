"""The readers' hot queries, as SQL written once instead of querysets built per request.

Building and compiling a queryset costs Django's ORM 0.3-1.3 ms of Python per query (the
article page's three queries took 3.4 ms, 0.4 ms of it in the database), while the whole
uncached article page has about 1.4 ms to stay within 30 % of the benchmark's floor (issue 5,
docs/benchmarks.md). So the article page and the article lists run these fixed statements,
and build model instances with Model.from_db(), as the ORM does. The rules they apply are the
ORM's own and are tested against it (tests/test_reader_queries.py):

- published: ArticleQuerySet.published() (status published, publication time come);
- the active alert: AlertQuerySet.active(), the latest start first;
- the order of lists: Article.Meta.ordering (newest first), then the newest row first among
  articles published at the same moment, so that pages never repeat or skip one;
- authors by name, captions by Caption.Meta.ordering.

The statements use only SQL that SQLite and PostgreSQL share. The columns are read from the
models' fields: all of an agency's, author's and caption's, and of an article those the page
shows (ARTICLE_PAGE_FIELDS, CARD_FIELDS; the others load on access, as with QuerySet.defer()).
"""

from datetime import UTC, datetime
from typing import NamedTuple
from weakref import WeakKeyDictionary

from django.conf import settings
from django.db import connections, router
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .addresses import slug_address
from .models import Agency, Alert, Article, Author, Caption, Correction

# What the article page shows of the article (the rest is deferred: loaded on access, which
# the query-count tests would see).
ARTICLE_PAGE_FIELDS = (
    "id",
    "headline",
    "slug",
    "standfirst",
    "body",
    "rendered_body",
    "rendered_body_key",
    "language",
    "status",
    "published_at",
    "updated_at",
    "agency",
)
# A card shows the headline, standfirst, language, agency name and publication time.
CARD_FIELDS = ("headline", "slug", "standfirst", "language", "status", "published_at")


def _columns(model, names, table):
    """[(field, 'table.column'), ...] for the model's fields called `names`, in the model's
    order of fields (the order Model.from_db() takes values in)."""
    order = {field: n for n, field in enumerate(model._meta.concrete_fields)}
    fields = sorted((model._meta.get_field(name) for name in names), key=order.__getitem__)
    return [(field, f"{table}.{field.column}") for field in fields]


def _all_but(model, skipped):
    return [
        field.name
        for field in model._meta.concrete_fields
        if field.name not in skipped and field.attname not in skipped
    ]


ARTICLE_TABLE = Article._meta.db_table
AGENCY_TABLE = Agency._meta.db_table
ALERT_TABLE = Alert._meta.db_table
THROUGH = Article.authors.through._meta

ARTICLE_COLUMNS = _columns(Article, ARTICLE_PAGE_FIELDS, "a")
AGENCY_COLUMNS = _columns(Agency, _all_but(Agency, ()), "g")
CARD_COLUMNS = _columns(Article, ("id", *CARD_FIELDS, "created_at", "agency"), "a")
CARD_AGENCY_COLUMNS = _columns(Agency, ("id", "name", "slug"), "g")
AUTHOR_COLUMNS = _columns(Author, _all_but(Author, ()), "au")
CAPTION_COLUMNS = _columns(Caption, _all_but(Caption, ()), "c")


def _select(*column_lists):
    return ", ".join(column for columns in column_lists for _, column in columns)


# The active alert, newest start first (AlertQuerySet.active(); "at" twice).
_ALERT_WHERE = "starts_at <= %s AND (ends_at IS NULL OR ends_at > %s)"
_ACTIVE_ALERT = f"FROM {ALERT_TABLE} WHERE {_ALERT_WHERE} ORDER BY starts_at DESC LIMIT 1"
ALERT = f"SELECT text, url {_ACTIVE_ALERT}"
# Its text and link as two columns of another statement (4 values of "at").
_ALERT_COLUMNS = f"(SELECT text {_ACTIVE_ALERT}), (SELECT url {_ACTIVE_ALERT})"

PUBLISHED = "a.status = %s AND a.published_at <= %s"


def article_page_sql(connection):
    """The article page's one statement: the published article at the slug (`page`, found
    once), then the article (with its agency, the time of its latest correction and the
    active alert), its authors and its captions, as the rows of one UNION ALL, told apart by
    their first column (0, 1, 2). Each part fills its own columns and leaves the others NULL (typed: PostgreSQL resolves the type of a column
    of NULLs as text), and sorts by its own order: authors by name, captions as
    Caption.Meta.ordering. One round trip instead of three (0.26 -> 0.1 ms on loopback)."""

    def null(field):
        return f"CAST(NULL AS {field.cast_db_type(connection)})"

    def nulls(columns):
        return ", ".join(null(field) for field, _ in columns)

    name = Author._meta.get_field("name")
    is_lead = Caption._meta.get_field("is_lead")
    position = Caption._meta.get_field("position")
    key = Caption._meta.get_field("id")
    article_part = _select(ARTICLE_COLUMNS, AGENCY_COLUMNS)
    article_nulls = f"{nulls(ARTICLE_COLUMNS)}, {nulls(AGENCY_COLUMNS)}"
    extras = (
        Correction._meta.get_field("noted_at"),
        *(Alert._meta.get_field(f) for f in ("text", "url")),
    )
    extras_nulls = ", ".join(null(field) for field in extras)
    return f"""
WITH page AS (SELECT a.id FROM {ARTICLE_TABLE} a WHERE a.slug = %s AND {PUBLISHED})
SELECT 0 AS part, {article_part},
  (SELECT MAX(c.noted_at) FROM {Correction._meta.db_table} c WHERE c.article_id = a.id),
  {_ALERT_COLUMNS},
  {nulls(AUTHOR_COLUMNS)}, {nulls(CAPTION_COLUMNS)},
  {null(name)} AS sort_name, {null(is_lead)} AS sort_lead, {null(position)} AS sort_position,
  {null(key)} AS sort_id
FROM page INNER JOIN {ARTICLE_TABLE} a ON a.id = page.id
LEFT OUTER JOIN {AGENCY_TABLE} g ON g.id = a.agency_id
UNION ALL
SELECT 1, {article_nulls}, {extras_nulls}, {_select(AUTHOR_COLUMNS)}, {nulls(CAPTION_COLUMNS)},
  au.name, {null(is_lead)}, {null(position)}, au.id
FROM {Author._meta.db_table} au INNER JOIN {THROUGH.db_table} t ON t.author_id = au.id
WHERE t.article_id = (SELECT id FROM page)
UNION ALL
SELECT 2, {article_nulls}, {extras_nulls}, {nulls(AUTHOR_COLUMNS)}, {_select(CAPTION_COLUMNS)},
  {null(name)}, c.is_lead, c.position, c.id
FROM {Caption._meta.db_table} c
WHERE c.article_id = (SELECT id FROM page)
ORDER BY part, sort_name, sort_lead DESC, sort_position, sort_id
"""


CARDS = f"""
SELECT {_select(CARD_COLUMNS, CARD_AGENCY_COLUMNS)}, {_ALERT_COLUMNS}
FROM {ARTICLE_TABLE} a LEFT OUTER JOIN {AGENCY_TABLE} g ON g.id = a.agency_id
{{join}}WHERE {PUBLISHED}{{where}}
ORDER BY a.published_at DESC, a.created_at DESC, a.id DESC
LIMIT %s OFFSET %s
"""
CARDS_BY_AUTHOR_JOIN = (
    f"INNER JOIN {THROUGH.db_table} t ON t.article_id = a.id AND t.author_id = %s\n"
)


def _aware(value):
    """A datetime as the ORM returns it: SQLite gives naive UTC datetimes, or text for an
    aggregate (MAX) that has no declared type."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if isinstance(value, datetime) and timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    return value


class _Loader:
    """Rows → model instances (Model.from_db), with SQLite's datetimes made aware."""

    def __init__(self, model, columns):
        self.model = model
        # A set: Model.from_db() asks each field whether its name is in it.
        self.names = frozenset(field.attname for field, _ in columns)
        self.datetimes = [
            i
            for i, (field, _) in enumerate(columns)
            if field.get_internal_type() == "DateTimeField"
        ]
        self.width = len(columns)

    def load(self, db, row, start=0):
        values = list(row[start : start + self.width])
        for i in self.datetimes:
            values[i] = _aware(values[i])
        return self.model.from_db(db, self.names, values)


_ARTICLE = _Loader(Article, ARTICLE_COLUMNS)
_AGENCY = _Loader(Agency, AGENCY_COLUMNS)
_AUTHOR = _Loader(Author, AUTHOR_COLUMNS)
_CAPTION = _Loader(Caption, CAPTION_COLUMNS)


def _read_db():
    return router.db_for_read(Article)


class CardAgency(NamedTuple):
    """The agency of a card: its name (and address)."""

    id: int
    name: str
    slug: str

    def get_absolute_url(self):
        return slug_address("articles:agency_detail", self.slug)


class Card(NamedTuple):
    """A published article as lists show it (CARD_FIELDS and its agency, or None), read-only.
    Plain tuples rather than model instances: building 20 articles and their 20 agencies with
    Model.from_db() was a tenth of an uncached home page."""

    id: int
    headline: str
    slug: str
    standfirst: str
    language: str
    published_at: datetime
    agency: CardAgency | None

    @property
    def pk(self):
        return self.id

    def get_absolute_url(self):
        return slug_address("articles:article_detail", self.slug)


def _card_index(name):
    """The position of the card's field `name` in a row of CARDS."""
    return next(n for n, (field, _) in enumerate(CARD_COLUMNS) if field.name == name)


_CARD_VALUES = [_card_index(name) for name in ("id", *CARD_FIELDS) if name != "status"]
_CARD_PUBLISHED_AT = _CARD_VALUES.index(_card_index("published_at"))


class Statement:
    """One of these statements. On PostgreSQL it is prepared once per connection (PREPARE,
    then EXECUTE with the values): the server plans it once instead of on every request,
    which was half of the article query's time (0.37 -> 0.20 ms). Prepared statements last as
    long as the connection (persistent: CONN_MAX_AGE), whatever its transactions do. Off
    with READER_PREPARED_STATEMENTS=False, for a connection pooler that shares server
    connections between clients (PgBouncer's transaction pooling)."""

    def __init__(self, name, sql):
        self.name = f"newsroom_{name}"
        # The SQL, or a function of the connection that writes it (once per database vendor).
        self._sql = sql
        self._by_vendor = {}

    def sql(self, connection):
        sql = self._by_vendor.get(connection.vendor)
        if sql is None:
            sql = self._sql(connection) if callable(self._sql) else self._sql
            parts = sql.split("%s")
            numbered = parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], 1))
            placeholders = ", ".join(["%s"] * (len(parts) - 1))
            sql = self._by_vendor[connection.vendor] = (
                sql,
                f"PREPARE {self.name} AS {numbered}",
                f"EXECUTE {self.name}({placeholders})",
            )
        return sql

    def rows(self, db, params):
        connection = connections[db]
        sql, prepare, execute = self.sql(connection)
        with connection.cursor() as cursor:
            if connection.vendor != "postgresql" or not settings.READER_PREPARED_STATEMENTS:
                cursor.execute(sql, params)
                return cursor.fetchall()
            prepared = _prepared.get(connection.connection)
            if prepared is None:
                prepared = _prepared[connection.connection] = set()
            if self.name not in prepared:
                cursor.execute(prepare)
                prepared.add(self.name)
            cursor.execute(execute, params)
            return cursor.fetchall()


# The names prepared on each PostgreSQL connection (the driver's connection object: a new one
# after a reconnection has none).
_prepared = WeakKeyDictionary()


_STATEMENTS = {
    name: Statement(name, sql)
    for name, sql in {
        "article_page": article_page_sql,
        "alert": ALERT,
        "cards": CARDS.format(join="", where=""),
        "cards_of_agency": CARDS.format(join="", where=" AND a.agency_id = %s"),
        "cards_of_author": CARDS.format(join=CARDS_BY_AUTHOR_JOIN, where=""),
    }.items()
}


def _adapt(db, moment):
    return connections[db].ops.adapt_datetimefield_value(moment)


def _agency(db, row, start, loader):
    """The agency in the joined columns from `start` (None for an article without one)."""
    return loader.load(db, row, start) if row[start] is not None else None


def _alert(text, url):
    """The active alert as an unsaved Alert, or None (no text: no active alert)."""
    return Alert(text=text, url=url) if text is not None else None


def published_article(slug, now=None):
    """The published article at this slug for its page, or None: with its agency, its
    authors and captions as lists (`page_authors`, `page_captions`: article.authors and
    article.captions would query again), `latest_correction_at` (None without corrections)
    and the active alert's `alert_text` and `alert_url` (None without one). One query."""
    db = _read_db()
    now = _adapt(db, now or timezone.now())
    params = [slug, Article.Status.PUBLISHED, now, now, now, now, now]
    rows = _STATEMENTS["article_page"].rows(db, params)
    if not rows or rows[0][0] != 0:
        return None
    row = rows[0]
    article = _ARTICLE.load(db, row, 1)
    agency_start = 1 + _ARTICLE.width
    extras = agency_start + _AGENCY.width
    article.agency = _agency(db, row, agency_start, _AGENCY)
    correction, article.alert_text, article.alert_url = row[extras : extras + 3]
    article.latest_correction_at = _aware(correction)
    authors_start = extras + 3
    captions_start = authors_start + _AUTHOR.width
    authors = [_AUTHOR.load(db, r, authors_start) for r in rows if r[0] == 1]
    captions = [_CAPTION.load(db, r, captions_start) for r in rows if r[0] == 2]
    for caption in captions:
        caption.article = article  # the figure's text falls back to the article's language
    article.page_authors, article.page_captions = authors, captions
    return article


def active_alert(now=None):
    """The active breaking-news alert as an unsaved Alert (text and url), or None."""
    db = router.db_for_read(Alert)
    now = _adapt(db, now or timezone.now())
    rows = _STATEMENTS["alert"].rows(db, [now, now])
    return _alert(*rows[0]) if rows else None


class PublishedCards:
    """Published articles as list Cards (CARD_FIELDS and the agency's name), newest first,
    optionally of one agency or one author. Sliced by the paginator: each slice is one query
    (LIMIT/OFFSET); there is no len(), so use it with UncountedPaginator. A slice that found
    articles also sets `alert`: the active breaking-news alert (an unsaved Alert) or None,
    read in the same query."""

    def __init__(self, *, agency=None, author=None, now=None):
        if agency is not None and author is not None:
            raise TypeError("PublishedCards lists one agency's or one author's articles.")
        self.now = now
        self.agency, self.author = agency, author
        self.statement = _STATEMENTS[
            "cards_of_agency" if agency else "cards_of_author" if author else "cards"
        ]

    # ListView names the page's list after the model ("article_list").
    model = Article

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.step is not None:
            raise TypeError("PublishedCards takes slices [start:stop] only.")
        start, stop = index.start or 0, index.stop
        db = _read_db()
        now = _adapt(db, self.now or timezone.now())
        params = [Article.Status.PUBLISHED, now, stop - start, start]
        if self.agency is not None:
            params.insert(2, self.agency.pk)
        if self.author is not None:
            params.insert(0, self.author.pk)
        rows = self.statement.rows(db, [now, now, now, now, *params])
        if rows:
            self.alert = _alert(*rows[0][-2:])
        agency_start = len(CARD_COLUMNS)
        cards = []
        for row in rows:
            values = [row[n] for n in _CARD_VALUES]
            values[_CARD_PUBLISHED_AT] = _aware(values[_CARD_PUBLISHED_AT])
            agency = None
            if row[agency_start] is not None:
                agency = CardAgency(*row[agency_start : agency_start + len(CARD_AGENCY_COLUMNS)])
            cards.append(Card(*values, agency))
        return cards
