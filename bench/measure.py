"""The measuring half of bench/run (bench/harness.py sets up and calls it): wrk on every
target, interleaved, the checks of issue 5, and the report (bench/results/<time>.json and
docs/benchmarks.md).

A warm-up loads every target once, then each round loads every target for the same time; the
order rotates from round to round, so no target always follows the same one. Figures are the
medians of the rounds.
"""

import datetime
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (name, numerator target, denominator target, least ratio): the targets in docs/benchmarks.md.
CHECKS = [
    ("article, nothing cached ≥ 30 % of the floor", "article uncached", "floor", 0.30),
    ("article, cache hit ≥ 80 % of the floor", "article cached", "floor", 0.80),
    ("home, nothing cached ≥ 20 % of the floor", "home uncached", "floor", 0.20),
    ("home, cache hit ≥ 80 % of the floor", "home cached", "floor", 0.80),
    (
        "article behind the nginx micro-cache ≥ 90 % of nginx's static copy",
        "article nginx micro-cache",
        "nginx static copy",
        0.90,
    ),
]
# (name, target, most queries per request)
QUERY_CHECKS = [
    ("article, nothing cached: ≤ 3 queries", "article uncached", 3),
    ("article, cache hit: 0 queries", "article cached", 0),
    ("home, cache hit: 0 queries", "home cached", 0),
]

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def to_ms(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text).groups()
    return float(number) * UNITS_MS[unit]


def parse_wrk(output):
    """Requests/s, p50 and p99 latency (ms), errors from `wrk --latency` output."""
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    if not rate:
        raise RuntimeError(f"wrk printed no Requests/sec:\n{output}")
    # wrk pads each value to 8 columns after "99%": "    99%169.74ms" (no space), "99%    1.00s ".
    latency = dict(re.findall(r"^\s*(50|99)%\s*(\S+)\s*$", output, re.M))
    if set(latency) != {"50", "99"}:
        raise RuntimeError(f"wrk printed no latency distribution:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    requests = re.search(r"(\d+) requests in", output)
    return {
        "req_per_s": float(rate.group(1)),
        "p50_ms": to_ms(latency["50"]),
        "p99_ms": to_ms(latency["99"]),
        "requests": int(requests.group(1)) if requests else None,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        # Read errors are the sync workers closing each connection after the response:
        # wrk counts them, they are not failed requests. Connect errors and timeouts are.
        "socket_errors": {
            kind: int(n)
            for kind, n in zip(
                ("connect", "read", "write", "timeout"), socket.groups(), strict=True
            )
        }
        if socket
        else {},
    }


def wrk(url, *, duration, threads, connections):
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "5s",
        "--latency",
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 30)
    if done.returncode != 0:
        raise RuntimeError(f"{shlex.join(command)} failed:\n{done.stdout}{done.stderr}")
    return parse_wrk(done.stdout)


def run_rounds(targets, *, rounds, duration, warmup, threads, connections):
    samples = {target["name"]: [] for target in targets}
    print(f"warm-up: {warmup} s per target", flush=True)
    for target in targets:
        wrk(target["url"], duration=warmup, threads=threads, connections=connections)
    for number in range(rounds):
        shift = number % len(targets)
        for target in targets[shift:] + targets[:shift]:
            result = wrk(target["url"], duration=duration, threads=threads, connections=connections)
            samples[target["name"]].append(result)
            print(
                f"round {number + 1}/{rounds}  {target['name']:<28} "
                f"{result['req_per_s']:>10.0f} req/s  p50 {result['p50_ms']:.2f} ms  "
                f"p99 {result['p99_ms']:.2f} ms",
                flush=True,
            )
    return samples


def summarise(samples):
    summary = {}
    for name, results in samples.items():
        summary[name] = {
            "req_per_s": statistics.median(r["req_per_s"] for r in results),
            "p50_ms": statistics.median(r["p50_ms"] for r in results),
            "p99_ms": statistics.median(r["p99_ms"] for r in results),
            "rounds": [round(r["req_per_s"]) for r in results],
            "non_2xx": sum(r["non_2xx"] for r in results),
            "errors": sum(
                r["socket_errors"].get(kind, 0) for r in results for kind in ("connect", "timeout")
            ),
        }
    return summary


def check(summary, queries):
    results = []
    for name, numerator, denominator, least in CHECKS:
        top, bottom = summary[numerator], summary[denominator]
        ratio = top["req_per_s"] / bottom["req_per_s"]
        clean = not (top["non_2xx"] or top["errors"])
        results.append(
            {
                "check": name,
                "value": f"{ratio:.1%}",
                "ratio": ratio,
                "pass": ratio >= least and clean,
            }
        )
    for name, target, most in QUERY_CHECKS:
        count = queries.get(target)
        results.append(
            {
                "check": name,
                "value": "not measured" if count is None else str(count),
                "pass": count is not None and count <= most,
            }
        )
    return results


def command_output(command):
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except OSError:
        return "not found"
    return (done.stdout + done.stderr).strip()


def versions(database_url, cache_url):
    import psycopg2
    import redis

    with psycopg2.connect(database_url) as connection, connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    wrk_version = re.search(r"wrk (?:debian/)?(\S+)", command_output(["wrk", "-v"]))
    nginx_version = re.search(r"nginx/(\S+)", command_output(["nginx", "-v"]))
    return {
        "Python": platform.python_version(),
        "Django": metadata.version("django"),
        "gunicorn": metadata.version("gunicorn"),
        "PostgreSQL": postgres.split()[0],
        "Redis": redis.Redis.from_url(cache_url).info("server")["redis_version"],
        "nginx": nginx_version.group(1) if nginx_version else "unknown",
        "wrk": wrk_version.group(1) if wrk_version else "unknown",
    }


def machine():
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    memory = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
    return {
        "nproc": os.cpu_count(),
        "cpu": model.group(1).strip() if model else platform.processor() or "unknown",
        "ram_gib": round(int(memory.group(1)) / 1024 / 1024, 1) if memory else None,
        "kernel": platform.release(),
    }


def load_average():
    return [round(x, 2) for x in os.getloadavg()]


def run_ingest(files, database_url):
    script = ROOT / "bench" / "ingest_scale.py"
    if not script.exists():
        return {"skipped": "bench/ingest_scale.py does not exist yet"}
    command = [
        sys.executable,
        str(script),
        "--files",
        str(files),
        "--database-url",
        database_url,
    ]
    print(f"ingest: {shlex.join(command)}", flush=True)
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    sys.stderr.write(done.stderr[-4000:])
    if done.returncode != 0:
        raise RuntimeError(f"ingest benchmark failed ({done.returncode}):\n{done.stdout[-4000:]}")
    last = [line for line in done.stdout.splitlines() if line.strip()][-1]
    shown = ["bench/ingest_scale.py", *command[2:]]
    return {"command": shlex.join(shown), **json.loads(last)}


def fmt_rate(value):
    return f"{value:,.0f}"


def report(
    *,
    command,
    args,
    targets,
    samples,
    queries,
    load_before,
    load_after,
    versions,
    articles,
    page_bytes,
    article_path,
    app_headers,
    cache_status,
    ingest,
    minutes,
):
    summary = summarise(samples)
    started = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=minutes)
    return {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "machine": machine(),
        "load_before": load_before,
        "load_after": load_after,
        "versions": versions,
        "params": {
            "rounds": args.rounds,
            "duration": args.duration,
            "warmup": args.warmup,
            "threads": args.threads,
            "connections": args.connections,
        },
        "articles": articles,
        "page_bytes": page_bytes,
        "article_path": article_path,
        "app_headers": app_headers,
        "micro_cache_status": cache_status,
        "notes": args.note,
        "targets": targets,
        "queries": queries,
        "summary": summary,
        "samples": samples,
        "checks": check(summary, queries),
        "ingest": ingest,
        "minutes": round(minutes, 1),
    }


def markdown(report):
    summary = report["summary"]
    floor = summary["floor"]["req_per_s"]
    static = summary["nginx static copy"]["req_per_s"]
    params = report["params"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `bench/run` (issue 5): rerun it to replace this page. How it measures is at",
        "the end of the page.",
        "",
        f"- Date: {report['date']} (start of the run)",
        f"- Machine: {report['machine']['nproc']} CPUs ({report['machine']['cpu']}), "
        f"{report['machine']['ram_gib']} GiB RAM, Linux {report['machine']['kernel']}; "
        f"load average {report['load_before'][0]} when the load started, "
        f"{report['load_after'][0]} when it ended",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in report["versions"].items()),
        f"- Command: `{report['command']}` ({report['minutes']:.1f} minutes in all)",
        f"- Load: `wrk -t{params['threads']} -c{params['connections']} "
        f"-d{params['duration']}s --latency` per target and round, {params['rounds']} rounds "
        f"after a {params['warmup']} s warm-up of every target, interleaved; medians of the rounds",
        f"- Data: {report['articles']:,} published articles on PostgreSQL; the article page "
        f"(`{report['article_path']}`) is {report['page_bytes']:,} bytes",
        "- The article page's caching headers from the app: "
        + "; ".join(f"`{k}: {v}`" for k, v in report["app_headers"].items()),
        "- `X-Cache-Status` of the article behind nginx after the load: "
        + ", ".join(str(s) for s in report["micro_cache_status"]),
    ]
    lines += [f"- Note: {note}" for note in report["notes"]]
    lines += [
        "",
        "| target | req/s | % of floor | % of nginx static | p50 ms | p99 ms "
        "| SQL queries per request | req/s of each round |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for target in report["targets"]:
        name = target["name"]
        row = summary[name]
        queries = report["queries"].get(name)
        errors = row["non_2xx"] + row["errors"]
        lines.append(
            f"| {name}{f' (errors: {errors})' if errors else ''} "
            f"| {fmt_rate(row['req_per_s'])} | {row['req_per_s'] / floor:.1%} "
            f"| {row['req_per_s'] / static:.1%} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} "
            f"| {'n/a' if queries is None else queries} "
            f"| {', '.join(fmt_rate(r) for r in row['rounds'])} |"
        )
    lines += ["", "## Targets of issue 5", "", "| target | measured | result |", "|---|---:|---|"]
    for result in report["checks"]:
        lines.append(
            f"| {result['check']} | {result['value']} | {'PASS' if result['pass'] else 'FAIL'} |"
        )
    ingest = report["ingest"]
    lines += ["", "## Ingest at archive scale", ""]
    if "skipped" in ingest:
        lines.append(f"Not measured: {ingest['skipped']}.")
    else:
        lines += [
            f"`.venv/bin/python {ingest['command']}`",
            "",
            "| files | first import (articles/s) | re-import (articles/s) | speed-up "
            "| peak RSS (MB) |",
            "|---:|---:|---:|---:|---:|",
            f"| {ingest['files']:,} | {ingest['first_import_per_s']:,.1f} "
            f"| {ingest['reimport_per_s']:,.1f} | {ingest['speedup']:.1f}x "
            f"| {ingest['peak_rss_mb']:,.0f} |",
        ]
    lines += ["", METHOD.strip(), ""]
    return "\n".join(lines)


def write(report, output=ROOT / "docs" / "benchmarks.md", results=ROOT / "bench" / "results"):
    results.mkdir(parents=True, exist_ok=True)
    stamp = report["date"].replace(" UTC", "").replace(" ", "T").replace(":", "")
    result_file = results / f"{stamp}Z.json"
    result_file.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    text = markdown(report)
    output.write_text(kept_sections(output, text))
    print()
    print(text.split("\n## How it measures")[0])
    print(f"wrote {output.relative_to(ROOT)} and {result_file.relative_to(ROOT)}")


def kept_sections(output, text):
    """`text` with every marked section of the page before, if any, before "How it measures",
    in the order they came there: a rerun of bench/run drops none of them. A marked section
    runs from "<!-- NAME -->" to the first "<!-- /NAME -->" after it, markers included:
    bench/search.py's, and the measurements behind the code, written by hand."""
    previous = output.read_text() if output.exists() else ""
    kept = [
        section.group(0)
        for section in re.finditer(r"<!-- ([^/\n][^\n]*?) -->.*?<!-- /\1 -->", previous, re.S)
    ]
    if not kept:
        return text
    head, method = text.split("\n## How it measures", 1)
    sections = "\n\n".join(kept)
    return f"{head.rstrip()}\n\n{sections}\n\n## How it measures{method}"


METHOD = """
## How it measures

`bench/run` needs root for one thing only, installing Debian's `nginx` and `wrk` when they are
missing; Python packages come from `scripts/bootstrap`. PostgreSQL and Redis must be running on
127.0.0.1 (`BENCH_POSTGRES`, default `postgres://postgres@127.0.0.1:5432`; `BENCH_REDIS`,
default `redis://127.0.0.1:6379`). It uses its own database, `newsroom_bench` (dropped and
created again; `BENCH_DATABASE`), its own Redis database, 14 (flushed; `BENCH_REDIS_DB`), and
ports 18701 to 18704 on 127.0.0.1 (`BENCH_PORT_BASE`); its files go to `var/bench/`. Every
process it starts is stopped when it ends, on success, failure or Ctrl-C.

1. Migrates, generates 10,000 published articles (`bench/populate.py`: headline, standfirst,
   about 30 paragraphs of Markdown with subheadings, one to three authors of five agencies,
   one or two captions, a quarter of them in Korean), ingests the sample article
   (`manage.py ingest --publish articles/sample_data/kerry-lavrov.txt`), the one measured,
   and runs `collectstatic`.
2. Counts SQL queries per request with Django's test client and `CaptureQueriesContext` on
   the same database and cache (`bench/queries.py`): the second request of each page, with
   the page cache off, then on (where the first request filled it).
3. Starts gunicorn twice with the production settings (`DEBUG` off, PostgreSQL with persistent
   connections, Redis cache), sync workers, 5 of them: once with the page cache, once with
   `PAGE_CACHE_ENABLED=False`. Both use `bench/settings.py`, the production settings plus one
   URL, `/bench/floor/`: a view returning two bytes through the same middleware, the floor
   every ratio is taken against. The plain-HTTP switches are set
   (`SECURE_SSL_REDIRECT=False`, ...), since the load runs on loopback without TLS. gunicorn
   gets its options on the command line (`--worker-class sync --workers 5`), not
   `deploy/gunicorn.conf.py`, whose access log (a line per request) would add log writing to
   every figure.
4. Saves the article page as the app serves it and starts nginx with two servers: that file
   as a static file (the reference), and `deploy/nginx/newsroom.conf`, the documented front
   with its micro-cache, in front of the page-cache gunicorn (`bench/nginx_conf.py` changes
   only its ports and paths, and serves it over plain HTTP instead of TLS).
5. Loads each target with wrk for the warm-up, then in rounds. Why `-c32`: 32 connections
   keep each of the five sync workers busy with several requests queued behind it, so no
   worker idles between requests, and are plenty for nginx to saturate the cores, while the
   queueing stays small enough for the latencies to mean something. A sync worker answers one
   connection at a time and closes it, so wrk opens a new connection for every request to
   gunicorn, as nginx does towards it; towards nginx the connections are kept alive, as
   browsers do. Why `-t2`: one wrk thread per core, so wrk is not the limit when nginx answers
   in microseconds. wrk, the servers, PostgreSQL and Redis share the same two cores: the
   figures are what this machine does in total, which is why the issue's targets are ratios
   between targets measured in the same run (here: the ratio of the medians).
6. Runs `bench/ingest_scale.py --files 10000` (the ingest benchmark) when it exists,
   on its own database (`newsroom_bench_ingest`, dropped at the start), after the servers are
   stopped.

On a Debian with systemd, installing the `nginx` package also starts Debian's own nginx
service on port 80; `bench/run` does not use it and leaves it as the package set it up.

Targets:

- **floor**: `/bench/floor/`, page cache off.
- **article uncached** / **home uncached**: the article page and `/`, rendered on every
  request (page cache off, persistent database connections).
- **article cached** / **home cached**: the same pages with the page cache on: hits served
  from Redis by the page-cache middleware.
- **nginx static copy**: the saved article page from nginx.
- **article nginx micro-cache**: the article through `deploy/nginx/newsroom.conf`: nginx cache
  hits, refreshed in the background every 10 s.

Wagtail was not measured here. The issue's reference figures, measured on the same kind of
machine: Wagtail 8.0.1 serving the same article at 5.6 % of the floor (8 % with persistent
connections); a plain Django article view at 20 % (28 % with persistent connections); a
`cache_page` hit at 72 %; nginx's static copy at about 59,000 requests/s, the floor
(about 3,800/s) being 6.4 % of it; a plain Django article behind the nginx micro-cache at
101 % of the static copy.

Options: `bench/run --rounds N --duration SECONDS --warmup SECONDS --threads N
--connections N --articles N --ingest-files N --note TEXT` (defaults 5, 5, 3, 2, 32, 10000,
10000; `--ingest-files 0` skips the ingest benchmark). The raw figures of every run are kept in
`bench/results/`.
"""
