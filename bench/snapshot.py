"""Every public page and every admin page of a fixed data set, written to a folder, to compare
two versions of the code byte for byte (a refactoring must leave them as they were).

    .venv/bin/python -m bench.snapshot OUT_DIR
    diff -r BEFORE_DIR AFTER_DIR

It makes a fresh SQLite database in a temporary folder and fills it the same way each time:
the sample article and the test suite's page captures and agency files through
`manage.py ingest --publish`, 40 generated articles (bench/populate.py, fixed seed), a draft, a
withdrawn article, a scheduled one and a breaking-news alert. Then it requests the reader pages
(each article, agency, author, archive day, search, the feeds, sitemaps, robots.txt and the ninjs
API) and, logged in as a superuser, every admin page it can reach by following links from the
admin's index (GET only). What differs from run to run on the same code is masked: CSRF tokens,
CSP nonces and dates (the data set's times are relative to now). Only addresses, nothing of the
code, are named here, so the same script runs against any version.
"""

import io
import os
import re
import sys
import tempfile
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

MASKS = [
    (re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+'), r"\1CSRF"),
    (re.compile(r'(nonce=")[^"]+'), r"\1NONCE"),
    (re.compile(r"(<strong>(salt|hash)</strong>: <bdi>)[^<]+"), r"\1HASH"),
    (re.compile(r"('nonce-)[^']+"), r"\1NONCE"),
    # ISO 8601 and RFC 2822 moments, then Django's and the site's formatted dates and times.
    (re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?"), "MOMENT"),
    (re.compile(r"\d{4}-\d\d-\d\d"), "DATE"),
    (re.compile(r"\d{4}/\d\d?/\d\d?"), "DATE"),
    (re.compile(r"\b\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}"), "MOMENT"),
    (
        re.compile(
            r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\w*\.? \d\d?, \d{4}"
            r"(, (\d\d?(:\d\d)? ?(a\.m\.|p\.m\.)|noon|midnight))?"
        ),
        "DATE",
    ),
    (
        re.compile(
            r"\b\d\d? (January|February|March|April|May|June|July|August|September|October"
            r"|November|December) \d{4}(,? \d\d:\d\d( \w+)?)?"
        ),
        "DATE",
    ),
    (re.compile(r"\b\d\d:\d\d(:\d\d)?\b"), "TIME"),
    (re.compile(r"\b\d+\xa0(minutes?|hours?|days?|weeks?|months?|years?)"), "AGE"),
    (re.compile(r"/archive/\d{4}/(\d\d?/(\d\d?/)?)?"), "/archive/DATE/"),
    (re.compile(r"(year|month|day)=\d+"), r"\1=N"),
    (re.compile(r"(published_at__\w+)=[^&\"]+"), r"\1=DATE"),
]


def mask(text):
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return text


def fill():
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from bench.populate import populate

    root = Path(__file__).resolve().parent.parent
    files = [root / "articles" / "sample_data" / "kerry-lavrov.txt"]
    files += sorted((root / "tests" / "data" / "captures").glob("*.txt"))
    wire = root / "tests" / "data" / "wire"
    files += [wire / name for name in ("ninjs-2-v1.json", "newsml-g2.xml", "ninjs-3.json")]
    populate(40)
    for path in files:
        call_command("ingest", str(path), "--publish", stdout=io.StringIO())
    # Module paths may change between the versions compared: the models only through the app.
    from django.apps import apps

    Article = apps.get_model("articles", "Article")
    Alert = apps.get_model("articles", "Alert")
    now = timezone.now()
    articles = list(Article.objects.order_by("pk"))
    # Ingest stores within the same second (its publication times too): times by primary key order, so that sorting by them
    # gives the same order each run.
    for n, article in enumerate(Article.objects.order_by("pk")):
        moment = now - timedelta(minutes=len(articles) - n)
        Article.objects.filter(pk=article.pk).update(created_at=moment, updated_at=moment)
        if n >= 40:  # ingested now, after the 40 generated ones
            Article.objects.filter(pk=article.pk).update(published_at=moment)
    draft, withdrawn, scheduled = articles[-3:]
    Article.objects.filter(pk=draft.pk).update(status="draft")
    withdrawn.status = "withdrawn"
    withdrawn.save()
    Article.objects.filter(pk=scheduled.pk).update(published_at=now + timedelta(days=2))
    call_command("alert", "Breaking: a fixed alert for the snapshot", stdout=io.StringIO())
    assert Alert.objects.exists()


LINK = re.compile(r'(?:href|action)="([^"#]*)')


def crawl(client, start, prefix, limit):
    """{path: body} of the pages reached from `start` by links under `prefix`, breadth first."""
    seen, queue, pages = {start}, [start], {}
    skip = ("/logout/", "/password_change/", "/jsi18n/")
    while queue and len(pages) < limit:
        path = queue.pop(0)
        response = client.get(path)
        body = response.content.decode("utf-8", "replace")
        pages[path] = f"{response.status_code} {response.get('Content-Type', '')}\n{body}"
        if "html" not in response.get("Content-Type", ""):
            continue
        for link in LINK.findall(body):
            target = urljoin(path, unescape(link))
            parts = urlsplit(target)
            if parts.netloc or not parts.path.startswith(prefix):
                continue
            if any(part in parts.path for part in skip) or "_changelist_filters" in parts.query:
                continue
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return pages


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    folder = tempfile.mkdtemp(prefix="newsroom-snapshot-")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/db.sqlite3"
    os.environ["MEDIA_ROOT"] = f"{folder}/media"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ.setdefault("PYTHONHASHSEED", "0")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)
    fill()
    client = Client()
    pages = crawl(client, "/", "/", 400)
    for extra in [
        "/search/?q=geneva",
        "/search/?q=kerry",
        "/feeds/rss.xml",
        "/feeds/atom.xml",
        "/feeds/feed.json",
        "/sitemap.xml",
        "/news-sitemap.xml",
        "/robots.txt",
        "/text-size.css",
        "/api/ninjs/articles/",
        "/healthz",
    ]:
        pages.update(crawl(client, extra, "/api/", 60))
    user = get_user_model().objects.create_superuser("snapshot", "snapshot@example.org", "x")
    client.force_login(user)
    pages.update(crawl(client, "/admin/", "/admin/", 1500))
    for path, body in pages.items():
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", path.strip("/")) or "index"
        (out / f"{name[:200]}.txt").write_text(mask(body))
    print(f"{len(pages)} pages written to {out}")


if __name__ == "__main__":
    main()
