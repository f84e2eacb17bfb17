"""Ingest at archive scale: generate N page captures, import them with `manage.py ingest DIR`,
import them again, and report the rate of each run and the peak memory.

    .venv/bin/python bench/ingest_scale.py [--files 10000] [--database-url URL] [--reset]
        [--dir DIR]

Generates N distinct captures (about 5 KB each: headline, body with subheadings, the agency box;
one in five with a Korean photo caption; about one in 200 broken: empty, Latin-1, binary, JSON,
or a headline without a body) in a tree of 500 files per directory, with a hidden file and a
hidden directory that the import must skip. Headlines carry a token of this run, so every file
is new to the database even when the database has been used before.

The database (default: a new SQLite file in the temporary directory) is migrated first; a
PostgreSQL database that does not exist is created (--reset drops it first, so that the
first import starts from an empty database). Each import is one `manage.py ingest`
process, with production settings (DEBUG off), its output written to a file; its peak RSS
is read with os.wait4 (ru_maxrss of that child).

Prints a human-readable report, then one JSON line (the last line) with: files,
first_import_per_s, reimport_per_s, speedup (of the wall time), cpu_speedup (of the command's
own CPU time, the database server's not counted), peak_rss_mb, and the details of each run.
Rates are files per second (every file, broken ones included; the import of a broken file
fails quickly and is counted too). Each import exits with status 1 because of the broken
files. Run it with --files 1000 and --files 10000 to see that the peak RSS does not grow with
the number of files.
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
FILES_PER_DIRECTORY = 500
BROKEN_EVERY = 200

AGENCIES = [
    ("Reuters", "Reuters is a news agency founded in 1851 and based in London."),
    ("Associated Press", "The Associated Press is an independent news cooperative."),
    ("Agence France-Presse", "AFP is a global news agency founded in 1835 in Paris."),
    ("Yonhap", "Yonhap is South Korea's largest news agency, based in Seoul."),
]
WORDS = [
    "minister",
    "government",
    "talks",
    "agreement",
    "council",
    "river",
    "harbour",
    "election",
    "voters",
    "budget",
    "tax",
    "farmers",
    "drought",
    "rainfall",
    "bridge",
    "railway",
    "port",
    "officials",
    "spokesman",
    "province",
    "city",
    "mayor",
    "hospital",
    "doctors",
    "teachers",
    "students",
    "university",
    "court",
    "judge",
    "ruling",
    "appeal",
    "police",
    "protest",
    "energy",
    "prices",
    "market",
    "shares",
    "exports",
    "factory",
    "workers",
    "union",
    "strike",
    "wages",
    "coalition",
    "parliament",
    "vote",
    "opposition",
    "leader",
    "reform",
    "pension",
    "climate",
    "summit",
    "delegates",
    "treaty",
    "border",
    "ceasefire",
    "aid",
    "convoy",
    "refugees",
    "shelter",
    "storm",
    "flooding",
    "coast",
    "fishermen",
    "harvest",
    "wheat",
    "rice",
    "museum",
    "festival",
    "orchestra",
    "stadium",
    "league",
    "season",
    "coach",
    "injury",
    "transfer",
    "record",
    "investigation",
    "report",
    "audit",
    "contract",
    "tender",
    "construction",
    "tunnel",
    "airport",
    "airline",
    "flights",
]
PLACES = [
    "Lisbon",
    "Busan",
    "Nairobi",
    "Quito",
    "Tromso",
    "Hanoi",
    "Tbilisi",
    "Dakar",
    "Lyon",
    "Osaka",
    "Recife",
    "Perth",
    "Gdansk",
    "Izmir",
    "Cusco",
    "Accra",
    "Daegu",
    "Porto",
    "Malmo",
    "Medan",
    "Split",
    "Tartu",
    "Mombasa",
    "Valparaiso",
]
KOREAN = [
    "서울",
    "시민들이",
    "광장에서",
    "모인",
    "모습",
    "부산",
    "항구의",
    "아침",
    "풍경",
    "선거",
    "투표소",
    "앞에",
    "늘어선",
    "유권자들",
    "홍수로",
    "잠긴",
    "마을",
    "도로",
    "경찰이",
    "현장을",
    "통제하고",
    "있다",
    "축제에",
    "참가한",
    "어린이들",
    "공장",
    "노동자들",
]
FURNITURE_HEAD = "Accessibility links\n\nBreaking News\n\n"
FURNITURE_TAIL = "  • 16x9 Image\n\n"


def sentence(rng, words=None):
    words = words or rng.randint(12, 24)
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + rng.choice([".", ".", ".", ",” the official said."])


def capture(n: int, token: str) -> bytes:
    """Capture number n: about 5 KB, distinct headline and body."""
    rng = random.Random(f"{token}-{n}")
    if n % BROKEN_EVERY == BROKEN_EVERY // 2:
        return broken(n, rng)
    place = rng.choice(PLACES)
    headline = (
        f"{place} {' '.join(rng.choice(WORDS) for _ in range(rng.randint(4, 7)))} "
        f"{token} {n}".capitalize()
    )
    parts = [FURNITURE_HEAD, headline, "\n\n"]
    if n % 5 == 0:
        caption = " ".join(rng.choice(KOREAN) for _ in range(rng.randint(5, 9))) + "."
        alt = caption if rng.random() < 0.5 else " ".join(rng.choice(KOREAN) for _ in range(6))
        parts += ["\n", alt, "\n", caption, "\n"]
    size = sum(map(len, parts))
    paragraph = 0
    while size < 4800:
        if paragraph in (4, 9):
            block = f"{place} {rng.choice(WORDS)} {rng.choice(WORDS)}".capitalize()
        else:
            block = " ".join(sentence(rng) for _ in range(rng.randint(2, 4)))
        parts += [block, "\n\n"]
        size += len(block) + 2
        paragraph += 1
    name, description = AGENCIES[n % len(AGENCIES)]
    parts += [FURNITURE_TAIL, f"    {name}\n\n    {description}\n\nXS\nSM\nMD\nLG\n"]
    return "".join(parts).encode()


def broken(n: int, rng) -> bytes:
    kind = (n // BROKEN_EVERY) % 5
    if kind == 0:
        return b""
    if kind == 1:
        return f"Café society {n}\n\nLa vie à Paris, numéro {n}.\n".encode("latin-1")
    if kind == 2:
        return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(64)
    if kind == 3:
        return json.dumps({"headline": f"Not a capture {n}", "body": "..."}).encode()
    return f"Breaking News\n\nA headline without a body {n}\n\n    Reuters\n".encode()


def generate(directory: Path, files: int, token: str) -> int:
    """Write the captures; returns the number of bytes written."""
    written = 0
    for n in range(files):
        sub = directory / f"batch-{n // FILES_PER_DIRECTORY:04d}"
        if n % FILES_PER_DIRECTORY == 0:
            sub.mkdir(parents=True, exist_ok=True)
        data = capture(n, token)
        (sub / f"capture-{n:06d}.txt").write_bytes(data)
        written += len(data)
    # Files the walk must skip.
    (directory / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (directory / ".hidden").mkdir(exist_ok=True)
    (directory / ".hidden" / "capture.txt").write_bytes(capture(0, token + "-hidden"))
    return written


def environment(database_url: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY")
        or "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    }


def create_database(database_url: str, *, reset: bool = False) -> None:
    """Create a PostgreSQL database that does not exist yet (SQLite creates its file); with
    reset, drop it (or delete the SQLite file) first."""
    parts = urlsplit(database_url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        if reset and parts.path:
            Path(parts.path).unlink(missing_ok=True)
        return
    import psycopg2

    name = parts.path.lstrip("/")
    connection = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        if reset:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def manage(database_url: str, *args: str, output: Path) -> dict:
    """Run manage.py in a child process; its wall time, exit code and peak RSS (MB)."""
    with output.open("w") as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), *args],
            cwd=ROOT,
            env=environment(database_url),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    return {
        "seconds": round(seconds, 2),
        "exit": process.returncode,
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux: ru_maxrss in KB
        # The command's own CPU time (not the database server's): on a busy machine a
        # steadier measure than the wall time.
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
    }


def summary(output: Path) -> str:
    lines = [line for line in output.read_text().splitlines() if line.startswith("summary: ")]
    return lines[-1] if lines else ""


def run(files: int, database_url: str, directory: Path, *, reset: bool = False) -> dict:
    token = f"r{int(time.time()) % 1_000_000:06d}"
    started = time.perf_counter()
    captures = directory / "captures"
    size = generate(captures, files, token)
    generated = time.perf_counter() - started
    print(f"generated {files} captures ({size / files / 1024:.1f} KB each) in {generated:.1f} s")

    create_database(database_url, reset=reset)
    migrate = manage(database_url, "migrate", "--no-input", output=directory / "migrate.log")
    if migrate["exit"]:
        sys.exit(f"migrate failed:\n{(directory / 'migrate.log').read_text()}")

    runs = {}
    for name in ("first_import", "reimport"):
        log = directory / f"{name}.log"
        result = manage(database_url, "ingest", "--no-progress", str(captures), output=log)
        result["summary"] = summary(log)
        if not result["summary"]:  # the command did not get through (exit 1 is the broken files)
            sys.exit(f"{name} failed (exit {result['exit']}):\n{log.read_text()[-4000:]}")
        result["per_s"] = round(files / result["seconds"], 1)
        runs[name] = result
        print(
            f"{name}: {result['seconds']} s ({result['cpu_seconds']} s CPU in the command), "
            f"{result['per_s']} files/s, "
            f"peak RSS {result['peak_rss_mb']} MB, exit {result['exit']}\n  {result['summary']}"
        )
    first, again = runs["first_import"], runs["reimport"]
    return {
        "files": files,
        "first_import_per_s": first["per_s"],
        "reimport_per_s": again["per_s"],
        "speedup": round(again["per_s"] / first["per_s"], 1),
        "cpu_speedup": round(first["cpu_seconds"] / again["cpu_seconds"], 1),
        "peak_rss_mb": max(first["peak_rss_mb"], again["peak_rss_mb"]),
        "database": urlsplit(database_url).scheme,
        "bytes_per_file": round(size / files),
        "first_import": first,
        "reimport": again,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000, help="captures to generate")
    parser.add_argument(
        "--database-url",
        help="DATABASE_URL for the imports (default: a new SQLite file in the temporary directory)",
    )
    parser.add_argument(
        "--dir", type=Path, help="where to generate (default: a temporary directory, removed)"
    )
    parser.add_argument(
        "--reset",
        action="store_true",
        help="drop and recreate the database first (it then holds only this run's articles)",
    )
    args = parser.parse_args()
    (ROOT / "var").mkdir(exist_ok=True)
    directory = args.dir or Path(tempfile.mkdtemp(prefix="ingest-scale-", dir=ROOT / "var"))
    directory.mkdir(parents=True, exist_ok=True)
    try:
        database_url = args.database_url or f"sqlite:///{directory / 'bench.sqlite3'}"
        result = run(args.files, database_url, directory, reset=args.reset)
    finally:
        if args.dir is None:
            shutil.rmtree(directory, ignore_errors=True)
    print(
        f"speed-up of the re-import: {result['speedup']}x; "
        f"peak RSS {result['peak_rss_mb']} MB for {result['files']} files"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
