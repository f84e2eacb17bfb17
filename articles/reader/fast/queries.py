"""The readers' hot queries, as SQL written once instead of querysets built per request.

Building and compiling a queryset costs Django's ORM more Python per query than the database
spends answering it, and the article page's queries alone cost more than the whole uncached
page may take to stay within 30 % of the benchmark's floor (the targets in docs/benchmarks.md;
figures there, "Measurements behind the code"). So the article page and the article lists run
these fixed statements, and build model instances as Model.from_db() does (_Loader). The rules
they apply are the ORM's own and are tested against it (tests/reader/test_reader_queries.py):

- published: ArticleQuerySet.published() (status published, publication time come);
- the active alert: AlertQuerySet.active(), the latest start first;
- the order of lists: Article.Meta.ordering (newest first), then the newest row first among
  articles published at the same moment, so that pages never repeat or skip one;
- authors by name, captions by Caption.Meta.ordering.

The statements use only SQL that SQLite and PostgreSQL share, but for the JSON functions
that bring an article's authors and captions in its row. The columns are read from the
models' fields: all of an agency's, author's and caption's, and of an article those the page
shows (ARTICLE_PAGE_FIELDS, CARD_FIELDS; the others load on access, as with QuerySet.defer()).

The pages call these through articles/reader/sources.py, which uses plain querysets instead
with READER_FAST_QUERIES off; README.md (here) lists the private APIs of Django this relies on.
"""

import json
from datetime import UTC, datetime
from typing import NamedTuple
from weakref import WeakKeyDictionary

from django.conf import settings
from django.db import connections, router
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from articles.addresses import slug_address
from articles.models import Agency, Alert, Article, Author, Caption, Correction
from articles.publishing import published_sql

# What the article page shows of the article (the rest is deferred: loaded on access, which
# the query-count tests would see). Not the body: the page shows its stored HTML
# (Article.body_html).
ARTICLE_PAGE_FIELDS = (
    "id",
    "headline",
    "slug",
    "standfirst",
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

PUBLISHED = published_sql("a")


def _json_rows(connection, columns, source, order):
    """A scalar subquery: the rows of `source` (FROM ... WHERE ..., correlated with the
    article `a`) as one JSON array of arrays of `columns`, in `order`. PostgreSQL aggregates
    in order (json_agg(... ORDER BY ...); NULL for no rows); SQLite (which has no ORDER BY in
    aggregates before 3.44) aggregates an ordered derived table ("[]" for no rows)."""
    values = ", ".join(column for _, column in columns)
    if connection.vendor == "postgresql":
        return f"(SELECT json_agg(json_build_array({values}) ORDER BY {order}) {source})"
    inner = ", ".join(f"{column} AS c{n}" for n, (_, column) in enumerate(columns))
    outer = ", ".join(f"s.c{n}" for n in range(len(columns)))
    return (
        f"(SELECT json_group_array(json_array({outer})) "
        f"FROM (SELECT {inner} {source} ORDER BY {order}) s)"
    )


def article_page_sql(connection):
    """The article page's one statement, one row: the published article at the slug with
    its agency, the time of its latest correction, the active alert, and its authors and
    captions as two JSON arrays (each author or caption an array of its columns), authors by
    name, captions as Caption.Meta.ordering. One row instead of one per author and caption:
    the server neither sorts nor sends rows as wide as all their columns together (less of
    PostgreSQL's CPU per statement: figures in docs/benchmarks.md, "Measurements behind the
    code")."""
    authors = _json_rows(
        connection,
        AUTHOR_COLUMNS,
        f"FROM {Author._meta.db_table} au INNER JOIN {THROUGH.db_table} t "
        "ON t.author_id = au.id WHERE t.article_id = a.id",
        "au.name, au.id",
    )
    captions = _json_rows(
        connection,
        CAPTION_COLUMNS,
        f"FROM {Caption._meta.db_table} c WHERE c.article_id = a.id",
        "c.is_lead DESC, c.position, c.id",
    )
    return f"""
SELECT {_select(ARTICLE_COLUMNS, AGENCY_COLUMNS)},
  (SELECT MAX(c.noted_at) FROM {Correction._meta.db_table} c WHERE c.article_id = a.id),
  {_ALERT_COLUMNS},
  {authors},
  {captions}
FROM {ARTICLE_TABLE} a LEFT OUTER JOIN {AGENCY_TABLE} g ON g.id = a.agency_id
WHERE a.slug = %s AND {PUBLISHED}
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


def _boolean(value):
    """SQLite's booleans in JSON (0 and 1) as the ORM gives them."""
    return value if value is None else bool(value)


class _Loader:
    """Rows → model instances as Model.from_db() makes them: the columns read set, the other
    fields deferred (loaded on access), SQLite's datetimes made aware and its booleans bool.

    While no pre_init or post_init receiver exists (none in this project: see
    articles.models.SizedImageField), an instance is made without Model.__init__, its
    __dict__ set at once to what __init__ would leave there: __init__ walks every field of
    the model one by one, which was most of the time of reading an article page's row.
    With a receiver, Model.from_db() makes it (the receivers are then sent their signals)."""

    def __init__(self, model, columns):
        self.model = model
        self.attnames = tuple(field.attname for field, _ in columns)
        # A set: Model.from_db() asks each field whether its name is in it.
        self.names = frozenset(self.attnames)
        conversions = {"DateTimeField": _aware, "BooleanField": _boolean}
        self.conversions = [
            (i, conversions[field.get_internal_type()])
            for i, (field, _) in enumerate(columns)
            if field.get_internal_type() in conversions
        ]
        self.width = len(columns)

    def load(self, db, values):
        """The instance of `values` (the columns' values, in their order)."""
        values = list(values)
        for i, convert in self.conversions:
            values[i] = convert(values[i])
        model = self.model
        if pre_init.receivers or post_init.receivers:
            return model.from_db(db, self.names, values)
        instance = model.__new__(model)
        state = ModelState()
        state.adding, state.db = False, db
        instance.__dict__ = dict(zip(self.attnames, values, strict=True), _state=state)
        return instance


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
    Model.from_db() was a noticeable part of an uncached home page."""

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
    then EXECUTE with the values): the server plans it once instead of on every request, and
    planning was a large part of the article query's time (figures in docs/benchmarks.md,
    "Measurements behind the code"). Prepared statements last as long as the connection
    (persistent: CONN_MAX_AGE), whatever its transactions do. Off with
    READER_PREPARED_STATEMENTS=False, for a connection pooler that shares server connections
    between clients (PgBouncer's transaction pooling)."""

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


def _json_list(value):
    """A JSON array of the statement: PostgreSQL's driver decodes json itself (and
    json_agg() of no rows is NULL), SQLite gives the text."""
    if value is None:
        return []
    return json.loads(value) if isinstance(value, str) else value


def _alert(text, url):
    """The active alert as an unsaved Alert, or None (no text: no active alert)."""
    return Alert(text=text, url=url) if text is not None else None


_ARTICLE_AGENCY = Article._meta.get_field("agency")
_CAPTION_ARTICLE = Caption._meta.get_field("article")
_AGENCY_START = _ARTICLE.width
_EXTRAS_START = _AGENCY_START + _AGENCY.width


def published_article(slug, now=None):
    """The published article at this slug for its page, or None: with its agency, its
    authors and captions as lists (`page_authors`, `page_captions`: article.authors and
    article.captions would query again), `latest_correction_at` (None without corrections)
    and the active alert's `alert_text` and `alert_url` (None without one). One query."""
    db = _read_db()
    now = _adapt(db, now or timezone.now())
    params = [now, now, now, now, slug, Article.Status.PUBLISHED, now]
    rows = _STATEMENTS["article_page"].rows(db, params)
    if not rows:
        return None
    row = rows[0]
    article = _ARTICLE.load(db, row[:_AGENCY_START])
    agency = None
    if row[_AGENCY_START] is not None:
        agency = _AGENCY.load(db, row[_AGENCY_START:_EXTRAS_START])
    # The related objects set as the ORM's select_related() sets them: into the instance's
    # cache, without the descriptor's checks (both are this statement's, on this database).
    _ARTICLE_AGENCY.set_cached_value(article, agency)
    correction, article.alert_text, article.alert_url, authors, captions = row[_EXTRAS_START:]
    article.latest_correction_at = _aware(correction)
    article.page_authors = [_AUTHOR.load(db, values) for values in _json_list(authors)]
    article.page_captions = [_CAPTION.load(db, values) for values in _json_list(captions)]
    for caption in article.page_captions:
        # The figure's text falls back to the article's language.
        _CAPTION_ARTICLE.set_cached_value(caption, article)
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
