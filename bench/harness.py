"""What `bench/run` does once the system packages and .venv are there (see docs/benchmarks.md).

    python -m bench.harness [--rounds 5] [--duration 5] [--articles 10000] ...

Sets up its own PostgreSQL database (dropped and recreated) and Redis database (flushed),
migrates, loads the generated articles and the sample article, collects static files, starts
two gunicorn instances (page cache on, page cache off) and nginx (the checked-in front and a
static copy of the article page), counts SQL queries per request, runs the load
(bench/measure.py), runs the ingest benchmark if there is one, and writes the report. Every
process it starts is stopped when it ends, however it ends.
"""

import argparse
import json
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import ExitStack, suppress
from pathlib import Path

from bench import measure

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SAMPLE = "articles/sample_data/kerry-lavrov.txt"


def step(message):
    print(f"==> {message}", flush=True)


def run(command, **kwargs):
    """Run a command to completion; a failure stops the benchmark."""
    return subprocess.run(command, check=True, cwd=ROOT, **kwargs)


def port_in_use(port):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def fetch(url, headers=None):
    """(status, headers, body) of a GET, without following redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def wait_until_up(url, process, name, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with status {process.returncode} at start")
        try:
            status, _, _ = fetch(url)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{name} did not answer 200 at {url} within {seconds} s")


class Processes:
    """Background processes, each in its own process group, all stopped on exit."""

    def __init__(self):
        self.started = []

    def start(self, name, command, log, env=None):
        step(f"start {name}: {shlex.join(command)}")
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append((name, process))
        return process

    def stop(self):
        for _name, process in reversed(self.started):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for name, process in reversed(self.started):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                print(f"{name} did not stop within 15 s: killed", file=sys.stderr)
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            # Workers left behind by a master that died: the group is still ours.
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        self.started.clear()


def reset_databases(database_url, database, cache_url):
    import psycopg2
    import redis

    step(f"PostgreSQL databases {database} (created again) and {database}_ingest: drop")
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    connection = psycopg2.connect(admin_url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{database}"')
        # The ingest benchmark's: bench/ingest_scale.py creates and migrates it again.
        cursor.execute(f'DROP DATABASE IF EXISTS "{database}_ingest" WITH (FORCE)')
    connection.close()
    step(f"Redis {cache_url}: flush")
    redis.Redis.from_url(cache_url).flushdb()


def query_counts(env, paths):
    """{path: {"first": n, "second": n}} from bench/queries.py under that environment."""
    done = run([PYTHON, "-m", "bench.queries", *paths], env=env, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="Rounds of load (default 5).")
    parser.add_argument(
        "--duration", type=int, default=5, help="Seconds per target per round (default 5)."
    )
    parser.add_argument("--warmup", type=int, default=3, help="Warm-up seconds per target.")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2).")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32).")
    parser.add_argument(
        "--articles", type=int, default=10_000, help="Generated articles (default 10000)."
    )
    parser.add_argument(
        "--ingest-files",
        type=int,
        default=10_000,
        help="Files for bench/ingest_scale.py (default 10000; 0 skips it).",
    )
    parser.add_argument("--note", action="append", default=[], help="A line for the report.")
    parser.add_argument(
        "--port-base",
        type=int,
        default=int(os.environ.get("BENCH_PORT_BASE", "18700")),
        help="Ports used: base+1 to base+4 on 127.0.0.1 (default 18700, env BENCH_PORT_BASE).",
    )
    args = parser.parse_args()
    started = time.monotonic()
    # SIGTERM (e.g. from a CI timeout) stops the run like Ctrl-C: every server is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    postgres = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    database = os.environ.get("BENCH_DATABASE", "newsroom_bench")
    redis_url = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379")
    redis_db = os.environ.get("BENCH_REDIS_DB", "14")
    database_url = f"{postgres}/{database}"
    cache_url = f"{redis_url}/{redis_db}"
    cached_port, uncached_port, front_port, static_port = (args.port_base + n for n in range(1, 5))
    busy = [p for p in (cached_port, uncached_port, front_port, static_port) if port_in_use(p)]
    if busy:
        raise SystemExit(
            f"bench: ports {busy} on 127.0.0.1 are in use; stop what listens there or choose "
            "other ports with BENCH_PORT_BASE"
        )

    work = ROOT / "var" / "bench"
    subprocess.run(["rm", "-rf", str(work)], check=True)
    for folder in ("static", "media", "copy", "nginx/cache"):
        (work / folder).mkdir(parents=True)

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "ENV_FILE": "",  # this environment only, never the developer's .env
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "False",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "CACHE_URL": cache_url,
        "STATIC_ROOT": str(work / "static"),
        "MEDIA_ROOT": str(work / "media"),
        "SERVE_MEDIA": "False",
        # Plain HTTP on loopback (the HTTPS switches of the production settings).
        "SECURE_SSL_REDIRECT": "False",
        "SESSION_COOKIE_SECURE": "False",
        "CSRF_COOKIE_SECURE": "False",
        "LOG_LEVEL": "WARNING",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    uncached_env = {**env, "PAGE_CACHE_ENABLED": "False"}
    env["PAGE_CACHE_ENABLED"] = "True"
    manage = [PYTHON, "manage.py"]

    reset_databases(database_url, database, cache_url)
    step("migrate")
    run([*manage, "migrate", "--noinput", "--verbosity", "0"], env=env)
    step(f"generate {args.articles} published articles")
    run([PYTHON, "-m", "bench.populate", "--articles", str(args.articles)], env=env)
    step(f"ingest the sample article ({SAMPLE})")
    line = run(
        [*manage, "ingest", "--publish", SAMPLE], env=env, capture_output=True, text=True
    ).stdout.strip()
    article_path = line.split()[-1]
    step("collectstatic")
    run([*manage, "collectstatic", "--noinput", "--verbosity", "0"], env=env)

    step("SQL queries per request (Django's test client, same database and cache)")
    paths = [article_path, "/", "/bench/floor/"]
    uncached_counts = query_counts(uncached_env, paths)
    cached_counts = query_counts(env, paths)
    queries = {
        "floor": uncached_counts["/bench/floor/"]["second"],
        "article uncached": uncached_counts[article_path]["second"],
        "article cached": cached_counts[article_path]["second"],
        "home uncached": uncached_counts["/"]["second"],
        "home cached": cached_counts["/"]["second"],
    }
    print(f"queries per request: {json.dumps(queries)}", flush=True)
    # The cache is emptied again: the load starts from what a fresh deployment has.
    import redis

    redis.Redis.from_url(cache_url).flushdb()

    processes = Processes()
    with ExitStack() as stack:
        stack.callback(processes.stop)
        gunicorn = [
            str(Path(PYTHON).parent / "gunicorn"),
            "newsroom.wsgi:application",
            "--worker-class",
            "sync",
            "--workers",
            "5",
            "--log-level",
            "warning",
        ]
        apps = [
            ("gunicorn, page cache on", cached_port, env),
            ("gunicorn, page cache off", uncached_port, uncached_env),
        ]
        for name, port, app_env in apps:
            process = processes.start(
                name,
                [*gunicorn, "--bind", f"127.0.0.1:{port}"],
                work / f"gunicorn-{port}.log",
                env=app_env,
            )
            wait_until_up(f"http://127.0.0.1:{port}/bench/floor/", process, name)

        status, _, page = fetch(f"http://127.0.0.1:{uncached_port}{article_path}")
        if status != 200:
            raise RuntimeError(f"the article page answered {status}")
        copy = work / "copy" / "article.html"
        copy.write_bytes(page)
        _, cached_headers, _ = fetch(f"http://127.0.0.1:{cached_port}{article_path}")
        app_headers = {
            name: cached_headers.get(name, "(none)")
            for name in ("Cache-Control", "X-Accel-Expires", "Vary", "ETag", "Set-Cookie")
        }
        print(f"article response headers: {json.dumps(app_headers)}", flush=True)

        nginx_conf = work / "nginx" / "nginx.conf"
        generated = run(
            [
                PYTHON,
                "-m",
                "bench.nginx_conf",
                "--work",
                str(work / "nginx"),
                "--app-port",
                str(cached_port),
                "--front-port",
                str(front_port),
                "--static-port",
                str(static_port),
                "--static-root",
                str(work / "static"),
                "--media-root",
                str(work / "media"),
                "--static-copy",
                str(copy),
                *(["--root"] if os.geteuid() == 0 else []),
            ],
            capture_output=True,
            text=True,
        ).stdout
        nginx_conf.write_text(generated)
        nginx = ["nginx", "-p", str(work / "nginx"), "-c", str(nginx_conf)]
        run([*nginx, "-t", "-q"])
        process = processes.start(
            "nginx", [*nginx, "-g", "daemon off;"], work / "nginx" / "stdout.log"
        )
        wait_until_up(f"http://127.0.0.1:{static_port}{article_path}", process, "nginx")
        wait_until_up(f"http://127.0.0.1:{front_port}{article_path}", process, "nginx")

        targets = [
            {"name": "floor", "url": f"http://127.0.0.1:{uncached_port}/bench/floor/"},
            {"name": "article uncached", "url": f"http://127.0.0.1:{uncached_port}{article_path}"},
            {"name": "article cached", "url": f"http://127.0.0.1:{cached_port}{article_path}"},
            {"name": "home uncached", "url": f"http://127.0.0.1:{uncached_port}/"},
            {"name": "home cached", "url": f"http://127.0.0.1:{cached_port}/"},
            {"name": "nginx static copy", "url": f"http://127.0.0.1:{static_port}{article_path}"},
            {
                "name": "article nginx micro-cache",
                "url": f"http://127.0.0.1:{front_port}{article_path}",
            },
        ]
        for target in targets:
            status, _, _ = fetch(target["url"])
            if status != 200:
                raise RuntimeError(f"{target['name']} ({target['url']}) answered {status}")

        step(
            f"load: {args.rounds} rounds x {len(targets)} targets x {args.duration} s, "
            f"wrk -t{args.threads} -c{args.connections}"
        )
        load_before = measure.load_average()
        samples = measure.run_rounds(
            targets,
            rounds=args.rounds,
            duration=args.duration,
            warmup=args.warmup,
            threads=args.threads,
            connections=args.connections,
        )
        load_after = measure.load_average()
        cache_status = [
            fetch(f"http://127.0.0.1:{front_port}{article_path}")[1].get("X-Cache-Status")
            for _ in range(2)
        ]
        print(f"X-Cache-Status of the micro-cache after the load: {cache_status}", flush=True)
    # Servers stopped: the ingest benchmark gets the machine to itself.

    ingest = {"skipped": "not run (--ingest-files 0)"}
    failed = None
    if args.ingest_files:
        try:
            ingest = measure.run_ingest(args.ingest_files, f"{postgres}/{database}_ingest")
        except (RuntimeError, ValueError) as error:
            failed = str(error)
            ingest = {"skipped": f"bench/ingest_scale.py failed: {error}".splitlines()[0]}

    command = "bench/run " + shlex.join(sys.argv[1:])
    report = measure.report(
        command=command.strip(),
        args=args,
        targets=targets,
        samples=samples,
        queries=queries,
        load_before=load_before,
        load_after=load_after,
        versions=measure.versions(database_url, cache_url),
        articles=args.articles + 1,
        page_bytes=len(page),
        article_path=article_path,
        app_headers=app_headers,
        cache_status=cache_status,
        ingest=ingest,
        minutes=(time.monotonic() - started) / 60,
    )
    measure.write(report)
    if failed:
        raise SystemExit(f"bench: the ingest benchmark failed:\n{failed}")


if __name__ == "__main__":
    main()
