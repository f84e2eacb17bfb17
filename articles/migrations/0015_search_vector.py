"""Search reads stored text-search vectors through a GIN index (PostgreSQL only; articles.search).

Two columns the model does not declare, kept by a trigger on every INSERT and on every UPDATE
that changes the headline, standfirst, body or language:
- `search_config`: the article's text-search configuration, from its language;
- `search_vector`: headline, standfirst and body weighted A, B and C, each read with that
  configuration.
Searching used to compute every article's vector on every query (9 to 24 s at 10,000 articles).

A trigger, not `GENERATED ALWAYS AS (...) STORED`: PostgreSQL refuses to change the type of a
column a generated column reads, so a later AlterField of the headline (its max_length) would
fail. The table's rows get their vectors here, with the table locked: about 8 s per 10,000
articles on the benchmark's machine.

A tsvector holds at most 1 MB of lexemes and positions ("string is too long for tsvector"), so
the vector reads the first 200,000 characters of the body and 10,000 of the standfirst: at
most about 4.5 bytes each (a distinct one-character word per two characters), under the limit
together with the headline. A body within Article's limit (250 KB of UTF-8) is indexed whole
when it has at most 200,000 characters; a longer one is found by its first 200,000.

The configuration of each language is that of articles.search.POSTGRES_CONFIGS, copied here
as it was: a change there needs a migration that replaces `articles_search_config` and sets
the rows' columns again (tests/reader/test_search_index.py compares the two).
"""

from django.db import migrations

CONFIGS = {
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
FALLBACK = "simple"
STANDFIRST_CHARACTERS = 10_000
BODY_CHARACTERS = 200_000

WHENS = "\n".join(
    f"    WHEN language = '{code}' OR language LIKE '{code}-%' THEN '{config}'::regconfig"
    for code, config in CONFIGS.items()
)
FORWARD = [
    f"""
CREATE FUNCTION articles_search_config(language text) RETURNS regconfig
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
{WHENS}
    ELSE '{FALLBACK}'::regconfig
  END
$$
""",
    f"""
CREATE FUNCTION articles_search_vector(
  config regconfig, headline text, standfirst text, body text
) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT setweight(to_tsvector(config, coalesce(headline, '')), 'A')
    || setweight(to_tsvector(config, left(coalesce(standfirst, ''), {STANDFIRST_CHARACTERS})), 'B')
    || setweight(to_tsvector(config, left(coalesce(body, ''), {BODY_CHARACTERS})), 'C')
$$
""",
    """
CREATE FUNCTION articles_article_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND NEW.headline IS NOT DISTINCT FROM OLD.headline
     AND NEW.standfirst IS NOT DISTINCT FROM OLD.standfirst
     AND NEW.body IS NOT DISTINCT FROM OLD.body
     AND NEW.language IS NOT DISTINCT FROM OLD.language THEN
    RETURN NEW;
  END IF;
  NEW.search_config := articles_search_config(NEW.language);
  NEW.search_vector := articles_search_vector(
    NEW.search_config, NEW.headline, NEW.standfirst, NEW.body
  );
  RETURN NEW;
END
$$
""",
    "ALTER TABLE articles_article ADD COLUMN search_config regconfig, "
    "ADD COLUMN search_vector tsvector",
    """
UPDATE articles_article SET
  search_config = articles_search_config(language),
  search_vector = articles_search_vector(
    articles_search_config(language), headline, standfirst, body
  )
""",
    # The UPDATE queued the deferred foreign-key checks of every row; CREATE INDEX refuses to
    # run with checks pending ("pending trigger events"): make them now.
    "SET CONSTRAINTS ALL IMMEDIATE",
    """
CREATE TRIGGER articles_article_search
BEFORE INSERT OR UPDATE OF headline, standfirst, body, language ON articles_article
FOR EACH ROW EXECUTE FUNCTION articles_article_search()
""",
    "CREATE INDEX articles_article_search_idx ON articles_article USING gin (search_vector)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS articles_article_search_idx",
    "DROP TRIGGER IF EXISTS articles_article_search ON articles_article",
    "ALTER TABLE articles_article DROP COLUMN IF EXISTS search_vector, "
    "DROP COLUMN IF EXISTS search_config",
    "DROP FUNCTION IF EXISTS articles_article_search()",
    "DROP FUNCTION IF EXISTS articles_search_vector(regconfig, text, text, text)",
    "DROP FUNCTION IF EXISTS articles_search_config(text)",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql, None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0014_owed_invalidation"),
    ]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
