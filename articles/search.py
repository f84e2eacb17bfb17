"""Article search for readers: one function, `search(queryset, q)`, on any database.

PostgreSQL: full-text search (django.contrib.postgres.search, which works without the app in
INSTALLED_APPS). The query is read with websearch_to_tsquery, so readers may write
`"exact phrase"`, `or` and `-word`. Headline, standfirst and body are weighted A, B and C and
results are ranked by SearchRank, newest first among equals. Each article is searched with the
text-search configuration of its own language (`english` for "en", "en-GB", ...; `french`,
`german`... for the languages PostgreSQL has a stemmer for; `simple` for any other language,
Korean included, where `simple` matches whole words without stemming). The query is read with
the same configuration as the article, so "deals" finds "deal" in English articles.

The vectors are stored, not computed per search (computed, every query parsed every article's
text again: far too slow at archive scale; figures in docs/benchmarks.md, "Measurements behind
the code"): migration 0015 adds two columns the model does not declare, `search_config` and
`search_vector`, kept by a trigger, with a GIN index on the vector. The configuration differs
from row to row, so the match is one arm per configuration, `search_config = 'english' AND
search_vector @@ websearch_to_tsquery('english', q)`, joined with OR: each query is a constant,
each arm an index scan. The vector covers the first 200,000 characters of the body (a tsvector
holds at most 1 MB), snippets the first SNIPPET_SOURCE characters: an article of 50 MB costs a
query what one of 200 KB does. Each statement has SEARCH_TIMEOUT_MS to finish (`time_limit`,
used by the view around the count and the page): a slower one is cancelled by the server and
the reader gets the site's 503 page with Retry-After (SearchTimeout is an OperationalError:
newsroom.unavailable answers it), never a worker held for seconds.

Other databases (SQLite in development and tests): every word of the query (runs of letters
and digits) must appear, case-insensitively, in the headline, standfirst or body (SQLite's
LIKE folds ASCII letters only); newest first. No operators, no stemming.

Each result carries `snippet`, safe HTML: a few lines of the body as plain text (Markdown
headings and escapes removed), escaped, with the matching words in <mark> and runs of another
writing system in <span lang> (as on the article page). On PostgreSQL the words come from
ts_headline, which marks them with sentinel characters; the text is split at the sentinels
and each piece escaped before any tag is added, so nothing of the body ever becomes markup.
"""

import re
from contextlib import contextmanager

from django.conf import settings
from django.db import OperationalError, connection, connections, transaction
from django.db.models import BooleanField, Expression, FloatField, Q, TextField
from django.utils.html import escape
from django.utils.safestring import mark_safe

from articles.markup import mark_language_runs

# Longer queries are cut (the search box says so with maxlength).
MAX_QUERY_LENGTH = 200
# Both searches use the first words only: in the fallback each word is three LIKEs over every
# article; on PostgreSQL ts_rank's cost grows with the words of the query, for every match (a
# query of MAX_QUERY_LENGTH characters matching every benchmark article was slow to rank;
# figures in docs/benchmarks.md, "Measurements behind the code").
MAX_WORDS = 10

# Primary language subtag -> PostgreSQL text-search configuration (all built in since 9.x).
POSTGRES_CONFIGS = {
    "da": "danish",
    "de": "german",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hu": "hungarian",
    "it": "italian",
    "nb": "norwegian",
    "nl": "dutch",
    "nn": "norwegian",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
    "tr": "turkish",
}
FALLBACK_CONFIG = "simple"
# Every configuration an article's `search_config` can be (migration 0015 maps languages to them).
SEARCH_CONFIGS = sorted({*POSTGRES_CONFIGS.values(), FALLBACK_CONFIG})
# ts_headline reads this many characters at the start of the body: the cost of a snippet is
# that of a long article's, however long the body (ts_headline parses all it is given).
SNIPPET_SOURCE = 20_000
# PostgreSQL's code for a statement cancelled by statement_timeout (query_canceled).
QUERY_CANCELED = "57014"

# ts_headline marks matches with these (private-use characters, never in news copy).
_START, _STOP = "\ue000", "\ue001"
_MARKED = re.compile(f"{_START}([^{_START}{_STOP}]*){_STOP}")

_WORD = re.compile(r"\w+")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_MARKDOWN_HEADING = re.compile(r"^[ \t]*#{1,6}(?=\s)", re.MULTILINE)

# The fallback snippet: about this many characters, starting a little before the first match.
SNIPPET_LENGTH = 240
SNIPPET_LEAD = 80
ELLIPSIS = "…"


def words(q: str) -> list[str]:
    """The words of a query: runs of letters, digits and underscores ("Kerry-Lavrov" is two)."""
    return _WORD.findall(q)


def clean_query(q: str) -> str:
    """The query as searched and shown: whitespace collapsed, at most MAX_QUERY_LENGTH
    characters, cut between words."""
    q = " ".join(q.split())
    if len(q) > MAX_QUERY_LENGTH:
        cut = q[: MAX_QUERY_LENGTH + 1]
        q = cut.rsplit(" ", 1)[0] if " " in cut else cut[:MAX_QUERY_LENGTH]
    return q


def search(queryset, q: str):
    """The articles of `queryset` that match the reader's query `q`, best first, each with a
    `snippet`: a lazy, sliceable sequence for a Paginator (the database counts; only the page
    shown is fetched). A query without a word ("", "?!") matches nothing."""
    q = clean_query(q)
    if not words(q):
        return Results(queryset.none(), _plain_snippet)
    if connection.vendor == "postgresql":
        return postgres_search(queryset, q)
    return fallback_search(queryset, q)


class Results:
    """Search results as a Paginator wants them: count() and slices. Each article of a slice
    gets its `snippet` (safe HTML) as the slice is fetched."""

    def __init__(self, queryset, make_snippet):
        self.queryset = queryset
        self.make_snippet = make_snippet

    @property
    def db(self):
        """The database the results are read from (as QuerySet.db)."""
        return self.queryset.db

    def count(self):
        return self.queryset.count()

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        articles = list(self.queryset[index])
        for article in articles:
            article.snippet = self.make_snippet(article)
        return articles

    def __iter__(self):
        return iter(self[:])


# --- PostgreSQL -------------------------------------------------------------------------


class SearchTimeout(OperationalError):
    """A search statement ran out of SEARCH_TIMEOUT_MS. An OperationalError, so readers get
    the 503 page with Retry-After (newsroom.unavailable), and its message names the setting."""


@contextmanager
def time_limit(queryset):
    """Within this block, each statement on the database of `queryset` (a QuerySet or Results)
    may run at most SEARCH_TIMEOUT_MS on PostgreSQL, then the server cancels it and
    SearchTimeout is raised. Elsewhere, and for a search without words, it does nothing.

    SET LOCAL, in a transaction of its own (a savepoint inside one already open): the limit
    ends with the block's transaction, and other statements of the connection are not bound.
    Inside an outer transaction it lasts until that one ends."""
    database = connections[queryset.db]
    milliseconds = settings.SEARCH_TIMEOUT_MS
    reads_nothing = getattr(queryset, "queryset", queryset).query.is_empty()  # no words
    if database.vendor != "postgresql" or not milliseconds or reads_nothing:
        yield
        return
    try:
        with transaction.atomic(using=queryset.db):
            with database.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = %s", [int(milliseconds)])
            yield
    except OperationalError as error:
        if getattr(error.__cause__, "pgcode", None) != QUERY_CANCELED:
            raise
        raise SearchTimeout(
            f"the search took longer than {milliseconds} ms (SEARCH_TIMEOUT_MS)"
        ) from error


class ArticleSQL(Expression):
    """SQL about the article table's row, `{table}` standing for the table's alias in the query
    (not always its name: in a subquery it is U0). For the columns of migration 0015, which the
    model does not declare."""

    def __init__(self, sql, params, output_field):
        super().__init__(output_field=output_field)
        self.sql, self.params = sql, params

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.base_table)
        return self.sql.format(table=table), list(self.params)


def _query_sql(q):
    """The query read with the row's configuration: CASE over the configurations, each
    websearch_to_tsquery a constant (PostgreSQL evaluates it once, when it plans)."""
    whens = " ".join(
        "WHEN %s::regconfig THEN websearch_to_tsquery(%s::regconfig, %s)" for _ in SEARCH_CONFIGS
    )
    params = [p for config in SEARCH_CONFIGS for p in (config, config, q)]
    return f"CASE {{table}}.search_config {whens} END", params


def full_text_match(q):
    """A condition: the article's stored vector matches `q` read with the article's own
    configuration (websearch syntax). One arm per configuration, each an index scan."""
    arm = (
        "({table}.search_config = %s::regconfig "
        "AND {table}.search_vector @@ websearch_to_tsquery(%s::regconfig, %s))"
    )
    sql = "(" + " OR ".join(arm for _ in SEARCH_CONFIGS) + ")"
    params = [p for config in SEARCH_CONFIGS for p in (config, config, q)]
    return ArticleSQL(sql, params, BooleanField())


def first_words(q: str, count: int = MAX_WORDS) -> str:
    """`q` up to the end of its `count`-th word, operators and quotes between them kept."""
    found = list(_WORD.finditer(q))
    return q if len(found) <= count else q[: found[count - 1].end()]


def postgres_search(queryset, q):
    """Full-text search on the stored vectors; PostgreSQL only."""
    from django.contrib.postgres.fields import ArrayField

    q = first_words(q)
    query, query_params = _query_sql(q)
    options = (
        f"StartSel={_START}, StopSel={_STOP}, MinWords=15, MaxWords=35"  # ts_headline's syntax
    )
    # The marked excerpt and the start of the body in one expression: PostgreSQL computes a
    # costly expression after the sort and the LIMIT, so for the page's rows only (a cheap
    # left(body) on its own would be read for every match, before the sort).
    snippet_source = ArticleSQL(
        "ARRAY[ts_headline({table}.search_config, left({table}.body, %s), "
        + query
        + ", %s), left({table}.body, %s)]",
        [SNIPPET_SOURCE, *query_params, options, SNIPPET_SOURCE + 1],
        ArrayField(TextField()),
    )
    rank = ArticleSQL(f"ts_rank({{table}}.search_vector, {query})", query_params, FloatField())
    queryset = (
        queryset.filter(full_text_match(q))
        .defer("body", "rendered_body", "wire_metadata")
        .annotate(rank=rank, snippet_source=snippet_source)
        .order_by("-rank", "-published_at", "-pk")
    )
    return Results(queryset, _postgres_snippet)


def _postgres_snippet(article):
    marked, start = article.snippet_source
    text, matches = _unmark(plain_text(marked))
    html = snippet_html(text, matches, article.language)
    # An ellipsis where the excerpt does not reach the start or the end of the body (`start`
    # is one character longer than what ts_headline read when the body goes on).
    longer = len(start) > SNIPPET_SOURCE
    body = plain_text(_TAG.sub(" ", start[:SNIPPET_SOURCE]))  # ts_headline drops tag-likes
    if text and not body.startswith(text):
        html = f"{ELLIPSIS} {html}"
    if text and (longer or not body.endswith(text)):
        html = f"{html} {ELLIPSIS}"
    return mark_safe(html)


def _unmark(marked):
    """ts_headline's text -> (the text without the sentinels, [(start, end) of each match]).
    A sentinel without its pair (one typed in the body) is dropped."""
    pieces, matches, length, last = [], [], 0, 0
    for found in _MARKED.finditer(marked):
        before = marked[last : found.start()].replace(_START, "").replace(_STOP, "")
        pieces += [before, found.group(1)]
        length += len(before)
        matches.append((length, length + len(found.group(1))))
        length += len(found.group(1))
        last = found.end()
    pieces.append(marked[last:].replace(_START, "").replace(_STOP, ""))
    return "".join(pieces), matches


# --- Other databases --------------------------------------------------------------------


def fallback_search(queryset, q):
    """Every word, anywhere in headline, standfirst or body; any database."""
    query_words = words(q)[:MAX_WORDS]
    if not query_words:
        return Results(queryset.none(), _plain_snippet)
    for word in query_words:
        queryset = queryset.filter(
            Q(headline__icontains=word) | Q(standfirst__icontains=word) | Q(body__icontains=word)
        )
    pattern = re.compile(
        "|".join(re.escape(w) for w in sorted(set(query_words), key=len, reverse=True)),
        re.IGNORECASE,
    )
    queryset = queryset.order_by("-published_at", "-created_at", "-pk")
    return Results(queryset, lambda article: _plain_snippet(article, pattern))


def _plain_snippet(article, pattern=None):
    """About SNIPPET_LENGTH characters of the body's text from a little before the first
    match (or from the start), cut at spaces, every match in <mark>."""
    text = plain_text(article.body.replace(_START, "").replace(_STOP, ""))
    match = pattern.search(text) if pattern else None
    start = 0
    if match and match.start() > SNIPPET_LEAD:
        space = text.find(" ", match.start() - SNIPPET_LEAD, match.start())
        start = space + 1 if space >= 0 else match.start() - SNIPPET_LEAD
    end = start + SNIPPET_LENGTH
    if end >= len(text):
        end = len(text)
    else:
        space = text.rfind(" ", start, end)
        end = space if space > (match.end() if match else start) else end
    excerpt = text[start:end]
    matches = [found.span() for found in pattern.finditer(excerpt)] if pattern else []
    html = snippet_html(excerpt, matches, article.language)
    if start > 0:
        html = f"{ELLIPSIS} {html}"
    if end < len(text):
        html = f"{html} {ELLIPSIS}"
    return mark_safe(html)


def snippet_html(text, matches, language):
    """Plain `text` as HTML: escaped, each of `matches` ((start, end), in order) in <mark>,
    each run in another writing system than `language` in <span lang> (mark_language_runs,
    which escapes). These are the only tags a snippet can hold."""

    def html(start, end=None):
        return mark_language_runs(text[start:end], language, escape=escape)

    parts, last = [], 0
    for start, end in matches:
        parts += [html(last, start), f"<mark>{html(start, end)}</mark>"]
        last = end
    parts.append(html(last))
    return "".join(parts)


def plain_text(markdown: str) -> str:
    """Article Markdown as one line of plain text: no heading marks, no backslash escapes."""
    text = _MARKDOWN_HEADING.sub("", markdown)
    text = _MARKDOWN_ESCAPE.sub(r"\1", text)
    return " ".join(text.split())
