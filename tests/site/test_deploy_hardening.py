"""The production front as deployed: deploy/nginx/newsroom.conf in a real nginx in front of the
site under a real gunicorn with deploy/gunicorn.conf.py, and the admin's login redirect.

- nginx passes the host without the client's port (`Host $host`) and sets the forwarded
  headers itself, whatever the system's /etc/nginx/proxy_params says: a `Host: name:6666`
  request must not put `:6666` into the micro-cached page everyone else gets.
- gunicorn believes X-Forwarded-Proto only when the site trusts it too
  (SECURE_PROXY_SSL_HEADER): otherwise a client's header makes no link https.
- A login whose `next` is another site's address lands on the admin.

The servers run the production settings (newsroom.settings) on a SQLite file of their own,
whatever DATABASE_URL the suite runs with. The nginx tests need Debian's nginx (scripts/test
installs it as root; otherwise `apt-get install nginx`): without it they fail, saying so.
"""

import ast
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bench.nginx_conf import front
from tests.helpers.sample import SAMPLE, SAMPLE_SLUG
from tests.ops.servers import (
    PUBLIC_HOST,
    REPO,
    AppServer,
    free_port,
    listening,
    manage,
    site_env,
    tail,
    wait_until,
)
from tests.production import clean_env

NGINX_CONF = REPO / "deploy" / "nginx" / "newsroom.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
ARTICLE_PATH = f"/articles/{SAMPLE_SLUG}/"
CANONICAL = re.compile(r'<link rel="canonical" href="([^"]*)">')
TRUST_PROXY = {"SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https"}
# /etc/nginx/proxy_params as Debian shipped it for years (and other distributions still do):
# the Host header exactly as the client sent it, port included. Debian's newest packages say
# `Host $host` there; our file must be right with either, so the tests give nginx this one.
STOCK_PROXY_PARAMS = """\
proxy_set_header Host $http_host;
proxy_set_header X-Real-IP $remote_addr;
proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
proxy_set_header X-Forwarded-Proto $scheme;
"""


# --- The nginx file itself -------------------------------------------------------------------


def parse_nginx(text: str) -> list:
    """nginx's configuration syntax as nested lists: each directive is (words, children), with
    children None for a simple directive. Enough for our file (no quoted `#`, `{` or `;`)."""
    tokens = re.findall(r'"[^"]*"|[{};]|[^\s{};"]+', re.sub(r"#[^\n]*", "", text))
    position = 0

    def block():
        nonlocal position
        directives, words = [], []
        while position < len(tokens):
            token = tokens[position]
            position += 1
            if token == ";":
                directives.append((words, None))
                words = []
            elif token == "{":
                directives.append((words, block()))
                words = []
            elif token == "}":
                return directives
            else:
                words.append(token.strip('"'))
        assert not words, f"unterminated directive {words}"
        return directives

    return block()


def proxied_locations(directives, server=None):
    """(location words, the location's own directives, its server's) for every location with a
    proxy_pass, nested ones included."""
    for words, children in directives:
        if children is None:
            continue
        if words[0] == "server":
            yield from proxied_locations(children, server=children)
        elif words[0] == "location":
            if any(w[0] == "proxy_pass" for w, c in children if c is None):
                yield words, children, server
            yield from proxied_locations(children, server=server)
        else:
            yield from proxied_locations(children, server=server)


def test_every_proxied_location_sets_the_host_and_forwarded_headers_itself():
    text = NGINX_CONF.read_text()
    locations = list(proxied_locations(parse_nginx(text)))
    assert [words for words, _, _ in locations] == [["location", "/admin/"], ["location", "/"]]
    for words, directives, _server in locations:
        simple = [w for w, children in directives if children is None]
        # Nothing from the system: its proxy_params differs between packages and distributions.
        assert not [w for w in simple if w[0] == "include"], words
        headers = {w[1].lower(): w[2:] for w in simple if w[0] == "proxy_set_header"}
        assert headers.get("host") == ["$host"], words
        assert headers.get("x-forwarded-proto") == ["$scheme"], words
        # newsroom.login_throttle.client_ip reads the last entry: the address nginx saw.
        assert headers.get("x-forwarded-for") == ["$proxy_add_x_forwarded_for"], words
        assert headers.get("x-real-ip") == ["$remote_addr"], words
    assert "$http_host" not in re.sub(r"#[^\n]*", "", text)


# --- The site under gunicorn, and nginx in front ---------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A root directory with a migrated SQLite database holding the published sample article
    and the collected static files; returns (root, the servers' environment)."""
    root = tmp_path_factory.mktemp("deploy")
    env = site_env(
        database_url=f"sqlite:///{root}/site.sqlite3",
        cache_url="locmemcache://deploy",
        static_root=root / "static",
        # Django's own page cache off: what is cached here is nginx's doing.
        PAGE_CACHE_ENABLED="False",
    )
    for name in ("SECURE_PROXY_SSL_HEADER", "FORWARDED_ALLOW_IPS", "GUNICORN_CMD_ARGS"):
        env.pop(name, None)
    manage("migrate", "--noinput", "-v", "0", env=env)
    manage("ingest", "--publish", str(SAMPLE), env=env)
    manage("collectstatic", "--noinput", "-v", "0", env=env)
    (root / "media").mkdir(exist_ok=True)
    return root, env


class UnixSocketAppServer(AppServer):
    """The same, listening on a Unix socket (GUNICORN_BIND=unix:... in the docs)."""

    def __init__(self, env, log, path: Path):
        super().__init__(env, log)
        self.path = path

    def command(self):
        command = super().command()
        command[command.index("--bind") + 1] = f"unix:{self.path}"
        return command

    def wait_ready(self):
        wait_until(self.path.exists, "gunicorn", process=self.process, log=self.log)


@pytest.fixture
def app_server(site, tmp_path):
    """app_server(unix=False, **env): gunicorn with deploy/gunicorn.conf.py, started."""
    servers = []

    def start(*, unix=False, **extra):
        env = {**site[1], **extra}
        log = tmp_path / f"gunicorn-{len(servers)}.log"
        if unix:
            server = UnixSocketAppServer(env, log, tmp_path / f"gunicorn-{len(servers)}.sock")
        else:
            server = AppServer(env, log)
        servers.append(server)
        server.start()
        server.wait_ready()
        return server

    yield start
    for server in servers:
        server.stop()


def nginx_conf(work: Path, *, app_port: int, front_port: int, static_root, media_root) -> str:
    """deploy/nginx/newsroom.conf as bench/nginx_conf.py serves it (plain HTTP on loopback, its
    ports and paths), with the stock proxy_params for any `include` of the system's."""
    (work / "proxy_params").write_text(STOCK_PROXY_PARAMS)
    site = front(
        NGINX_CONF.read_text(),
        work=work,
        app_port=app_port,
        front_port=front_port,
        static_root=static_root,
        media_root=media_root,
    ).replace("/etc/nginx/proxy_params", str(work / "proxy_params"))
    temp = "\n".join(
        f"    {kind}_temp_path {work}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""\
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
{"user root;" if os.geteuid() == 0 else ""}
events {{
    worker_connections 64;
}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {work}/access.log;
{temp}
{site}
}}
"""


@pytest.fixture
def nginx(site, tmp_path):
    """nginx(app_server): our nginx file in front of that server; returns its port."""
    processes = []

    def start(app):
        work = tmp_path / f"nginx-{len(processes)}"
        work.mkdir()
        port = free_port()
        conf = work / "nginx.conf"
        conf.write_text(
            nginx_conf(
                work,
                app_port=app.port,
                front_port=port,
                static_root=site[0] / "static",
                media_root=site[0] / "media",
            )
        )
        assert NGINX, "nginx is missing: apt-get install nginx (scripts/test does it as root)"
        command = [NGINX, "-p", str(work), "-e", str(work / "error.log"), "-c", str(conf)]
        checked = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        log = work / "stdout.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [*command, "-g", "daemon off;"], stdout=output, stderr=subprocess.STDOUT
            )
        processes.append(process)
        wait_until(lambda: listening(port), "nginx", process=process, log=work / "error.log")
        return port

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=30)


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=30):
        super().__init__("localhost", timeout=timeout)
        self.path = str(path)

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def get(target, path, **headers):
    """GET path from a port on 127.0.0.1 (or a Unix socket): (status, headers, body text)."""
    if isinstance(target, Path):
        connection = UnixHTTPConnection(target)
    else:
        connection = http.client.HTTPConnection("127.0.0.1", target, timeout=30)
    try:
        connection.request("GET", path, headers={"Host": PUBLIC_HOST, **headers})
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        connection.close()


def canonical(body: str) -> str:
    [link] = CANONICAL.findall(body)
    return link


def test_a_port_in_the_host_header_never_reaches_the_micro_cached_page(app_server, nginx):
    port = nginx(app_server())

    status, headers, poisoned = get(port, ARTICLE_PATH, Host=f"{PUBLIC_HOST}:6666")
    assert (status, headers["X-Cache-Status"]) == (200, "MISS")
    # The next reader gets the page nginx stored from that request.
    status, headers, body = get(port, ARTICLE_PATH)
    assert (status, headers["X-Cache-Status"]) == (200, "HIT")
    assert canonical(body) == f"http://{PUBLIC_HOST}{ARTICLE_PATH}"
    assert ":6666" not in body  # nor in og:url, the feed links or the structured data
    assert ":6666" not in poisoned  # Django never saw the port


def test_a_client_cannot_fake_x_forwarded_proto_through_nginx(app_server, nginx):
    # With the documented SECURE_PROXY_SSL_HEADER, the header is nginx's own ($scheme).
    port = nginx(app_server(**TRUST_PROXY))
    status, _, body = get(port, ARTICLE_PATH, **{"X-Forwarded-Proto": "https"})
    assert status == 200
    assert canonical(body) == f"http://{PUBLIC_HOST}{ARTICLE_PATH}"


@pytest.mark.parametrize("unix", [False, True], ids=["tcp", "unix-socket"])
def test_gunicorn_ignores_x_forwarded_proto_without_secure_proxy_ssl_header(app_server, unix):
    server = app_server(unix=unix)
    target = server.path if unix else server.port
    status, _, body = get(target, ARTICLE_PATH, **{"X-Forwarded-Proto": "https"})
    assert status == 200, tail(server.log)
    assert canonical(body) == f"http://{PUBLIC_HOST}{ARTICLE_PATH}"


def test_gunicorn_and_django_believe_x_forwarded_proto_with_the_setting(app_server):
    server = app_server(**TRUST_PROXY)
    status, _, body = get(server.port, ARTICLE_PATH, **{"X-Forwarded-Proto": "https"})
    assert status == 200, tail(server.log)
    assert canonical(body) == f"https://{PUBLIC_HOST}{ARTICLE_PATH}"
    status, _, body = get(server.port, ARTICLE_PATH)
    assert canonical(body) == f"http://{PUBLIC_HOST}{ARTICLE_PATH}"


SHOW_TRUST = (
    "import runpy; c = runpy.run_path('deploy/gunicorn.conf.py'); "
    "print(repr((c['forwarded_allow_ips'], c['secure_scheme_headers'])))"
)


def trust(**variables):
    """(forwarded_allow_ips, secure_scheme_headers) of deploy/gunicorn.conf.py."""
    result = subprocess.run(
        [sys.executable, "-c", SHOW_TRUST],
        env=clean_env(**variables),
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return ast.literal_eval(result.stdout)


def test_the_gunicorn_config_trusts_forwarded_headers_only_with_secure_proxy_ssl_header(
    tmp_path,
):
    assert trust() == ("", {})
    assert trust(SECURE_PROXY_SSL_HEADER="") == ("", {})
    assert trust(**TRUST_PROXY) == ("127.0.0.1,::1", {"X-FORWARDED-PROTO": "https"})
    assert trust(SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_SSL,on") == (
        "127.0.0.1,::1",
        {"X-FORWARDED-SSL": "on"},
    )
    # gunicorn's own variable chooses the proxies, only once the site trusts a header at all.
    assert trust(FORWARDED_ALLOW_IPS="10.0.0.0/8", **TRUST_PROXY)[0] == "10.0.0.0/8"
    assert trust(FORWARDED_ALLOW_IPS="10.0.0.0/8") == ("", {})
    # Like the settings, the config reads .env (ENV_FILE), the environment winning.
    env_file = tmp_path / "site.env"
    env_file.write_text("SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https\n")
    assert trust(ENV_FILE=env_file) == ("127.0.0.1,::1", {"X-FORWARDED-PROTO": "https"})
    assert trust(ENV_FILE=env_file, SECURE_PROXY_SSL_HEADER="") == ("", {})


# --- The admin's login -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "unsafe",
    ["https://evil.example/", "//evil.example/", "https://evil.example/admin/", "javascript:x"],
)
def test_a_login_with_an_unsafe_next_lands_on_the_admin(client, editor, unsafe):
    page = client.get("/admin/login/", {"next": unsafe})
    assert page.status_code == 200
    response = client.post(
        f"/admin/login/?{'next=' + unsafe}",
        {"username": "editor", "password": "editor-pass", "next": unsafe},
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get(response["Location"]).status_code == 200


def test_a_login_with_a_safe_next_goes_there(client, editor):
    response = client.post(
        "/admin/login/",
        {"username": "editor", "password": "editor-pass", "next": "/admin/articles/article/"},
    )
    assert (response.status_code, response["Location"]) == (302, "/admin/articles/article/")
