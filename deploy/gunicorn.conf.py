"""gunicorn configuration for Newsroom: `gunicorn -c deploy/gunicorn.conf.py` (from anywhere).

Environment:
- GUNICORN_BIND: address to listen on (default 127.0.0.1:8000, for nginx on the same host;
  several, comma-separated, are allowed).
- GUNICORN_WORKERS: worker processes (default 2 x CPU cores + 1, gunicorn's own advice).
- GUNICORN_TIMEOUT: seconds before a stuck worker is restarted (default 30).
- SECURE_PROXY_SSL_HEADER (Django's setting, from the environment or .env like the site reads
  it): gunicorn believes the same header, and only then (below).
- FORWARDED_ALLOW_IPS (gunicorn's own): the proxies whose header it believes, once
  SECURE_PROXY_SSL_HEADER is set (default 127.0.0.1,::1: nginx on the same host).
Django's settings come from the environment or .env as usual (see .env.example).

The photo library's renditions are made by a separate process, not by gunicorn: run
`manage.py db_worker --queue-name photos` next to it (README, "Operators: production set-up").

Logs go to stdout: one line per request (the access log below), and gunicorn's own messages
and Django's log records (errors with their traceback), each starting with its time and level.
"""

import multiprocessing
import os
from pathlib import Path

import environ

chdir = str(Path(__file__).resolve().parent.parent)
wsgi_app = "newsroom.wsgi:application"

bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")]
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
# Load the application once, before forking: a broken configuration (a missing SECRET_KEY)
# stops the start with Django's message instead of workers failing one by one.
preload_app = True


def site_variable(name: str) -> str:
    """A variable as newsroom.settings reads it: the environment, else .env (ENV_FILE names
    another file; ENV_FILE= reads none). os.environ is left as it is."""
    if name in os.environ:
        return os.environ[name]

    class EnvFile(environ.Env):
        ENVIRON = {}

    if env_file := os.environ.get("ENV_FILE", str(Path(chdir) / ".env")):
        EnvFile.read_env(env_file)
    return EnvFile.ENVIRON.get(name, "")


# Which proxy headers make a request https (wsgi.url_scheme): the one Django is told to believe
# (SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https: X-Forwarded-Proto: https), from the
# proxies in FORWARDED_ALLOW_IPS. Without the setting no header and no peer is believed:
# gunicorn's defaults would take X-Forwarded-Proto (and -Protocol, -Ssl) from 127.0.0.1 and
# from any Unix socket client, making a client's `X-Forwarded-Proto: https` give https links.
_ssl_header = [part.strip() for part in site_variable("SECURE_PROXY_SSL_HEADER").split(",")]
if len(_ssl_header) == 2 and _ssl_header[0].startswith("HTTP_") and _ssl_header[1]:
    forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
    secure_scheme_headers = {
        _ssl_header[0].removeprefix("HTTP_").replace("_", "-").upper(): _ssl_header[1]
    }
else:  # unset (or malformed: then Django refuses to start with its own message)
    forwarded_allow_ips = ""
    secure_scheme_headers = {}
del _ssl_header

# No runtime control socket: its default path is per user, so two app servers on one host
# (scaling out) would fight over it; signals (HUP, TERM, TTIN/TTOU) do the same job.
control_socket_disable = True

# Both to stdout ("-" would send gunicorn's own messages to stderr).
accesslog = "-"
errorlog = "/dev/stdout"
# One line per request, e.g.
# [28/Nov/2026:03:10:00 +0000] access 127.0.0.1 "GET /healthz HTTP/1.1" 200 33 2ms
#   for="203.0.113.7" ref="-" ua="curl/8.5.0"
# (on one line): time, client (the proxy's address behind nginx; `for` is the address nginx
# saw), request, status, response bytes, duration, referrer, user agent.
access_log_format = (
    '%(t)s access %(h)s "%(r)s" %(s)s %(b)s %(M)sms '
    'for="%({x-forwarded-for}i)s" ref="%(f)s" ua="%(a)s"'
)
