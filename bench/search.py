"""Search at archive scale: the reader's queries and the editor's admin search, timed through
gunicorn on PostgreSQL, before and after one 50 MB article is added.

    .venv/bin/python -m bench.search [--articles 10000] [--admin-articles 51000] [--repeat 5]
        [--database-url postgres://postgres@127.0.0.1:5432] [--write]

For each size (--articles, then --admin-articles; 0 skips the second) it drops and creates
its own database (`newsroom_bench_search_<size>`), migrates, generates the articles
(bench/populate.py), starts gunicorn (bench.settings, production settings, 2 sync workers, on
127.0.0.1:18711) and times each query --repeat times after a warm-up request per worker, with a
logged-in superuser's session for the admin. Then it stores a 50 MB article that matches the
probe's queries (by UPDATE: the form's body limit and the renderer are not what is measured)
and times them all again. Figures are wall-clock seconds of the whole HTTP request, median and
slowest. It prints a table and one JSON line (the last line); --write also puts the table in
docs/benchmarks.md (between the markers bench/run keeps) and the JSON in bench/results/.

The targets: every reader query at most 0.5 s at 10,000 articles, the admin's search at most
1 s at 51,000.
"""

import argparse
import datetime
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import time
import urllib.parse
from contextlib import ExitStack
from pathlib import Path

from bench.populate import WORDS

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PORT = 18711
HUGE_BYTES = 50 * 1024 * 1024
READER_TARGET = 0.5  # seconds, at READER_SIZE articles
READER_SIZE = 10_000
ADMIN_TARGET = 1.0
MARKER = "<!-- bench/search.py -->"
END_MARKER = "<!-- /bench/search.py -->"

# (label, query): the probe's three, a query matching nothing, and the longest query kept.
QUERIES = [
    ("the (a stop word)", "the"),
    ("geneva", "geneva"),
    ("minister talks", "minister talks"),
    ("no match", "quokka zeppelin"),
    ("200 characters of wire copy", " ".join(WORDS)[:200]),
]
ADMIN_QUERY = "geneva"


def step(message):
    print(f"==> {message}", flush=True)


def environment(database_url, work):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "ENV_FILE": "",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "False",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "STATIC_ROOT": str(work / "static"),
        "MEDIA_ROOT": str(work / "media"),
        "SECURE_SSL_REDIRECT": "False",
        "SESSION_COOKIE_SECURE": "False",
        "CSRF_COOKIE_SECURE": "False",
        "PAGE_CACHE_ENABLED": "False",
        "LOG_LEVEL": "WARNING",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def run(command, env, **kwargs):
    return subprocess.run(command, check=True, cwd=ROOT, env=env, **kwargs)


def reset_database(server_url, database):
    import psycopg2

    connection = psycopg2.connect(f"{server_url}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{database}"')
    connection.close()


def timed(url, repeat, cookie=None):
    """(status, result count, [seconds of each request]) after a warm-up request per worker."""
    from bench.harness import fetch

    headers = {"Cookie": cookie} if cookie else {}
    for _ in range(2):  # each of the two workers
        fetch(url, headers)
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        status, _, body = fetch(url, headers)
        seconds.append(time.perf_counter() - started)
    text = body.decode("utf-8", "replace")
    # The reader's "N articles match", the admin's "N results (M total)".
    count = re.search(r'class="search-summary">([\d,]+) article', text) or re.search(
        r"([\d,]+) results? \(", text
    )
    return status, int(count.group(1).replace(",", "")) if count else 0, seconds


def measure(base, repeat, cookie):
    rows = []
    for label, q in QUERIES:
        url = f"{base}/search/?{urllib.parse.urlencode({'q': q})}"
        rows.append(("reader", label, *timed(url, repeat)))
    url = f"{base}/admin/articles/article/?{urllib.parse.urlencode({'q': ADMIN_QUERY})}"
    rows.append(("admin", ADMIN_QUERY, *timed(url, repeat, cookie)))
    return [
        {
            "who": who,
            "query": label,
            "status": status,
            "results": count,
            "median_s": round(statistics.median(seconds), 4),
            "max_s": round(max(seconds), 4),
        }
        for who, label, status, count, seconds in rows
    ]


def one_size(size, args, work):
    from bench.harness import Processes, wait_until_up

    database = f"newsroom_bench_search_{size}"
    database_url = f"{args.database_url}/{database}"
    env = environment(database_url, work)
    step(f"{size:,} articles: database {database} (created again), migrate, populate")
    reset_database(args.database_url, database)
    run([PYTHON, "manage.py", "migrate", "--noinput", "--verbosity", "0"], env)
    run([PYTHON, "-m", "bench.populate", "--articles", str(size)], env)
    run([PYTHON, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], env)
    cookie = run(
        [PYTHON, "-m", "bench.search", "--step", "session"], env, capture_output=True, text=True
    ).stdout.strip()

    result = {"articles": size, "database": database}
    processes = Processes()
    with ExitStack() as stack:
        stack.callback(processes.stop)
        log = work / f"gunicorn-{size}.log"
        command = [
            str(Path(PYTHON).parent / "gunicorn"),
            "newsroom.wsgi:application",
            "--worker-class",
            "sync",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{PORT}",
        ]
        process = processes.start("gunicorn", command, log, env=env)
        base = f"http://127.0.0.1:{PORT}"
        wait_until_up(f"{base}/bench/floor/", process, "gunicorn")

        step(f"{size:,} articles: time the queries")
        result["before"] = measure(base, args.repeat, cookie)
        step(f"{size:,} articles: store a 50 MB article")
        done = run(
            [PYTHON, "-m", "bench.search", "--step", "huge"], env, capture_output=True, text=True
        )
        result["huge_update_s"] = float(done.stdout.strip())
        step(f"{size:,} articles and a 50 MB one: time the queries")
        result["with_huge"] = measure(base, args.repeat, cookie)
        processes.stop()
        result["worker_timeouts"] = log.read_text().count("WORKER TIMEOUT")
    return result


# --- Steps run inside the benchmark's Django environment --------------------------------


def session_step():
    """Print a Cookie header value for a new superuser's session."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    user = get_user_model().objects.create_superuser("bench-search", "bench@example.com", None)
    client = Client()
    client.force_login(user)
    print(f"sessionid={client.cookies['sessionid'].value}")


def huge_step():
    """Store a published 50 MB article matching the probe's queries; print the UPDATE's time."""
    import random

    from django.utils import timezone

    from articles.models import Article
    from bench.populate import body

    rng = random.Random(50)
    parts, size = ["Geneva talks: the minister said the talks would go on.\n\n"], 0
    while size < HUGE_BYTES:
        parts.append(body(rng))
        size += len(parts[-1])
    text = "".join(parts)[:HUGE_BYTES]
    article = Article.objects.create(
        headline="Geneva: ministers' talks, the longest article",
        slug="geneva-the-longest-article",
        body="Short for now.",
        status=Article.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    started = time.perf_counter()
    Article.objects.filter(pk=article.pk).update(body=text)
    print(f"{time.perf_counter() - started:.3f}")


# --- Report -----------------------------------------------------------------------------


def table(results):
    lines = [
        "| articles | who | query | results | HTTP | median s | slowest s "
        "| with a 50 MB article: median s | slowest s | target |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for result in results:
        for before, after in zip(result["before"], result["with_huge"], strict=True):
            target = READER_TARGET if before["who"] == "reader" else ADMIN_TARGET
            slowest = max(before["max_s"], after["max_s"])
            verdict = "PASS" if slowest <= target and before["status"] == 200 else "FAIL"
            if before["who"] == "reader" and result["articles"] > READER_SIZE:
                verdict = f"(set at {READER_SIZE:,} articles) {verdict}"
            lines.append(
                f"| {result['articles']:,} | {before['who']} | `{before['query']}` "
                f"| {before['results']:,} | {before['status']}/{after['status']} "
                f"| {before['median_s']:.3f} | {before['max_s']:.3f} "
                f"| {after['median_s']:.3f} | {after['max_s']:.3f} "
                f"| ≤ {target} s: {verdict} |"
            )
    return lines


def section(report):
    lines = [
        MARKER,
        "## Search at archive scale",
        "",
        f"`.venv/bin/python -m bench.search {report['arguments']}` (written by it with `--write`;",
        "`bench/run` keeps this section)",
        "",
        f"- Date: {report['date']}",
        f"- Machine: {report['machine']}; Python {report['python']}, PostgreSQL "
        f"{report['postgresql']}",
        "- Through gunicorn (production settings, 2 sync workers, page cache off), one request "
        f"at a time, {report['repeat']} of each after a warm-up; seconds of the whole request",
        "- The 50 MB article matches `geneva` and `minister talks`; storing it (an UPDATE, the "
        "trigger reading the first 200,000 characters) took "
        + ", ".join(f"{r['huge_update_s']:.2f} s" for r in report["results"]),
        "- gunicorn worker timeouts: "
        + ", ".join(str(r["worker_timeouts"]) for r in report["results"]),
        "- Before the stored vectors (migration 0015: each query computed every article's "
        "vector), the security probe measured 9 s for `the`, 17 s for `geneva` and 24 s for "
        "`minister talks` at 10,000 articles through gunicorn, a worker killed by gunicorn's "
        "timeout with a 50 MB article, and 12.9 s for the admin's `geneva` at 51,000",
        "",
        *table(report["results"]),
        END_MARKER,
    ]
    return "\n".join(lines)


def write_section(text, output=ROOT / "docs" / "benchmarks.md"):
    page = output.read_text()
    if MARKER in page:
        before, rest = page.split(MARKER, 1)
        after = rest.split(END_MARKER, 1)[1]
        page = before + text + after
    else:
        head, method = page.split("\n## How it measures", 1)
        page = f"{head.rstrip()}\n\n{text}\n\n## How it measures{method}"
    output.write_text(page)


def machine():
    from bench import measure

    info = measure.machine()
    return f"{info['nproc']} CPUs ({info['cpu']}), {info['ram_gib']} GiB RAM"


def postgres_version(server_url):
    import psycopg2

    with psycopg2.connect(f"{server_url}/postgres") as connection, connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0].split()[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--admin-articles", type=int, default=51_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432"),
        help="the PostgreSQL server, without a database name",
    )
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--step", choices=["session", "huge"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        import django

        django.setup()
        {"session": session_step, "huge": huge_step}[args.step]()
        return

    work = ROOT / "var" / "bench-search"
    work.mkdir(parents=True, exist_ok=True)
    started = datetime.datetime.now(datetime.UTC)
    sizes = [args.articles] + ([args.admin_articles] if args.admin_articles else [])
    results = [one_size(size, args, work) for size in sizes]
    report = {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "arguments": " ".join(sys.argv[1:]) or "(defaults)",
        "machine": machine(),
        "python": sys.version.split()[0],
        "postgresql": postgres_version(args.database_url),
        "repeat": args.repeat,
        "results": results,
    }
    text = section(report)
    print(text)
    if args.write:
        write_section(text)
        stamp = started.strftime("%Y-%m-%dT%H%MZ")
        results_file = ROOT / "bench" / "results" / f"search-{stamp}.json"
        results_file.write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote docs/benchmarks.md and {results_file.relative_to(ROOT)}")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
