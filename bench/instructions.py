"""Instructions per request, counted by valgrind's callgrind: a figure that does not move with
whatever else the machine is doing, for comparing two versions of the code on a noisy machine.
Not the page-speed benchmark (that is bench/run, in requests per second), a companion to it.

    .venv/bin/python -m bench.instructions [--requests 50 150] [PATH ...]

Runs Django's WSGI handler in one process (no server, no network; the database and cache are
those of the environment's settings, e.g. the ones bench/run leaves in place), once with the
smaller and once with the larger number of requests of each path, and prints the difference
divided by the difference in requests: start-up and first requests cancel out. Python's hash
seed is fixed (PYTHONHASHSEED=0), so two runs of the same code count the same to within a few
thousand instructions. Each path takes a few minutes (callgrind runs code about fifty times
slower).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

DEFAULT_PATHS = ["/bench/floor/", "/"]

# The child: `requests` GETs of `path` through Django's WSGI handler.
CHILD = """
import io, sys, django
from django.core.handlers.wsgi import WSGIHandler
django.setup()
handler = WSGIHandler()
path, requests = sys.argv[1], int(sys.argv[2])
for _ in range(requests):
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
    }
    status = []
    body = handler(environ, lambda s, headers: status.append(s))
    b"".join(body)
    body.close()
    if not status[0].startswith("200"):
        sys.exit(f"{path} answered {status[0]}")
"""

COLLECTED = re.compile(r"Collected : (\d+)")


def count(path, requests):
    """Instructions callgrind counted for the child making `requests` requests of `path`."""
    with tempfile.NamedTemporaryFile("w", suffix=".py") as child:
        child.write(CHILD)
        child.flush()
        done = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--callgrind-out-file=/dev/null",
                sys.executable,
                child.name,
                path,
                str(requests),
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
    found = COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"bench.instructions: {path}: {done.stderr[-2000:]}")
    return int(found.group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=DEFAULT_PATHS, help="Addresses to request.")
    parser.add_argument(
        "--requests",
        nargs=2,
        type=int,
        default=[50, 150],
        metavar=("FEW", "MANY"),
        help="Requests in the two runs of each path (default 50 150).",
    )
    args = parser.parse_args()
    few, many = args.requests
    if not 0 < few < many:
        parser.error("--requests: FEW must be above 0 and below MANY")
    for path in args.paths:
        per_request = (count(path, many) - count(path, few)) / (many - few)
        print(f"{path}\t{per_request / 1e6:.3f} M instructions per request", flush=True)


if __name__ == "__main__":
    main()
