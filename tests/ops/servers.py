"""The real services the operations tests run: a private PostgreSQL cluster, a private Redis and
the site under gunicorn, each a subprocess on its own free port with its files in a temporary
directory. Nothing here touches the shared PostgreSQL or Redis of the machine.

PostgreSQL refuses to run as root: when the tests run as root, its programs (initdb, pg_ctl)
run as the `postgres` system user, in a directory that user owns.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2
import redis

REPO = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
GUNICORN_CONFIG = REPO / "deploy" / "gunicorn.conf.py"
SECRET_KEY = "ops-test-secret-key-not-for-production-0123456789-abcdefghijklmnopqrstuvwxyz"
# How long a service may take to start before the test gives up (a guard, not an assertion).
START_TIMEOUT = 60
# The site's public name, as a load balancer passes it to every app server.
PUBLIC_HOST = "newsroom.test"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_until(ready, what: str, *, process=None, log: Path | None = None):
    deadline = time.monotonic() + START_TIMEOUT
    while not ready():
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with status {process.returncode}:\n{tail(log)}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start in {START_TIMEOUT} s:\n{tail(log)}")
        time.sleep(0.05)


def tail(path: Path | None, lines: int = 40) -> str:
    if path is None or not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def as_postgres_user() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def private_dir(prefix: str) -> Path:
    """A fresh directory under /tmp that the PostgreSQL programs can write to."""
    path = Path(os.path.realpath(tempfile.mkdtemp(prefix=prefix)))
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")
    return path


class PrivatePostgres:
    """A PostgreSQL 15 cluster of its own (initdb), started and stopped with pg_ctl."""

    def __init__(self, root: Path):
        self.root = root
        self.data = root / "data"
        self.log = root / "postgres.log"
        self.port = free_port()

    def pg_ctl(self, *args: str):
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        subprocess.run(
            [
                *as_postgres_user(),
                PG_BIN / "pg_ctl",
                "-D",
                self.data,
                "-l",
                self.log,
                "-w",
                "-o",
                options,
                *args,
            ],
            check=True,
            capture_output=True,
        )

    def init(self):
        subprocess.run(
            [
                *as_postgres_user(),
                PG_BIN / "initdb",
                "-D",
                self.data,
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
        )
        self.start()

    def start(self):
        self.pg_ctl("start")

    def stop(self):
        self.pg_ctl("-m", "fast", "stop")

    def restart(self):
        self.pg_ctl("-m", "fast", "restart")

    def is_running(self) -> bool:
        return listening(self.port)

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def sql(self, statement: str, params=(), *, database: str = "postgres"):
        """Run one statement directly (not through the site); rows if it returns any."""
        connection = psycopg2.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=database
        )
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(statement, params)
                return cursor.fetchall() if cursor.description else None
        finally:
            connection.close()

    def create_database(self, name: str, *, template: str = "template0"):
        self.sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')

    def destroy(self):
        if self.is_running():
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    """A Redis of its own that keeps nothing on disk, stopped and started again at will."""

    def __init__(self, root: Path):
        self.root = root
        self.log = root / f"redis-{id(self)}.log"
        self.port = free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.root),
                "--logfile",
                str(self.log),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: listening(self.port), "redis-server", process=self.process, log=self.log)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None

    def dbsize(self) -> int:
        client = redis.Redis(host="127.0.0.1", port=self.port)
        try:
            return client.dbsize()
        finally:
            client.close()


def site_env(*, database_url: str, cache_url: str, static_root: Path, **extra: str) -> dict:
    """The environment of a production run over plain HTTP on 127.0.0.1; no `.env` file is
    read (ENV_FILE empty), so a developer's local one changes nothing."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "CACHE_", "PAGE_CACHE_", "PYTEST"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        ENV_FILE="",
        DEBUG="False",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS=f"127.0.0.1,{PUBLIC_HOST}",
        SECURE_SSL_REDIRECT="False",
        SESSION_COOKIE_SECURE="False",
        CSRF_COOKIE_SECURE="False",
        DATABASE_URL=database_url,
        DATABASE_REPLICA_URL="",
        CACHE_URL=cache_url,
        STATIC_ROOT=str(static_root),
        MEDIA_ROOT=str(static_root.parent / "media"),
        SERVE_MEDIA="False",
        PYTHONUNBUFFERED="1",
        # The tests tell a page cache hit from a miss by X-Page-Cache.
        PAGE_CACHE_STATUS_HEADER="True",
    )
    env.update(extra)
    return env


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result


class AppServer:
    """The site under gunicorn with the project's configuration (deploy/gunicorn.conf.py), on
    its own port and with one worker of one thread, so that every request is served by the
    same Django process and thread (and so by the same persistent database connection).
    Its stdout and stderr (access and error logs) go to a file the test reads."""

    def __init__(self, env: dict, log: Path):
        self.env = env
        self.log = log
        self.port = free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            str(GUNICORN_CONFIG),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            "1",
            "--threads",
            "1",
            "newsroom.wsgi:application",
        ]

    def start(self):
        """Start without waiting (see wait_ready), so several servers can boot at once."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(), cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def wait_ready(self):
        wait_until(lambda: listening(self.port), "gunicorn", process=self.process, log=self.log)

    def stop(self):
        self.signal_stop()
        if self.process is not None:
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def signal_stop(self):
        """Ask gunicorn to stop (gracefully: the last answer is sent whole), without waiting."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")
