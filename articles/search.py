"""Article search for readers: one function, `search(queryset, q)`, on any database.

PostgreSQL: full-text search (django.contrib.postgres.search, which works without the app in
INSTALLED_APPS). The query is read with websearch_to_tsquery, so readers may write
`"exact phrase"`, `or` and `-word`. Headline, standfirst and body are weighted A, B and C and
results are ranked by SearchRank, newest first among equals. Each article is searched with the
text-search configuration of its own language (`english` for "en", "en-GB", ...; `french`,
`german`... for the languages PostgreSQL has a stemmer for; `simple` for any other language,
Korean included, where `simple` matches whole words without stemming). The query is read with
the same configuration as the article, so "deals" finds "deal" in English articles. There is
no index yet: the vectors are computed per search, which is fine for a newsroom's thousands of
articles; a GIN expression index (same expressions) is the next step when it is not.

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

from django.db import connection
from django.db.models import Case, CharField, Q, Value, When
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .markup import mark_language_runs

# Longer queries are cut (the search box says so with maxlength).
MAX_QUERY_LENGTH = 200
# The fallback search uses the first words only: each word is three LIKEs over every article.
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


def language_config():
    """The article's text-search configuration, as an SQL expression of its language."""
    whens = [
        When(Q(language=code) | Q(language__startswith=f"{code}-"), then=Value(config))
        for code, config in POSTGRES_CONFIGS.items()
    ]
    return Case(*whens, default=Value(FALLBACK_CONFIG), output_field=CharField())


def postgres_search(queryset, q):
    """Full-text search; PostgreSQL only."""
    from django.contrib.postgres.search import (
        SearchHeadline,
        SearchQuery,
        SearchRank,
        SearchVector,
    )

    config = language_config()
    vector = (
        SearchVector("headline", weight="A", config=config)
        + SearchVector("standfirst", weight="B", config=config)
        + SearchVector("body", weight="C", config=config)
    )
    query = SearchQuery(q, search_type="websearch", config=config)
    queryset = (
        queryset.annotate(
            search_vector=vector,
            rank=SearchRank(vector, query),
            marked_body=SearchHeadline(
                "body",
                query,
                config=config,
                start_sel=_START,
                stop_sel=_STOP,
                min_words=15,
                max_words=35,
            ),
        )
        .filter(search_vector=query)
        .order_by("-rank", "-published_at", "-pk")
    )
    return Results(queryset, _postgres_snippet)


def _postgres_snippet(article):
    text, matches = _unmark(plain_text(article.marked_body))
    html = snippet_html(text, matches, article.language)
    # An ellipsis where the excerpt does not reach the start or the end of the body.
    body = plain_text(_TAG.sub(" ", article.body))  # ts_headline drops what looks like a tag
    if text and not body.startswith(text):
        html = f"{ELLIPSIS} {html}"
    if text and not body.endswith(text):
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
