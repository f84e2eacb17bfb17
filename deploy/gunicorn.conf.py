"""gunicorn configuration for Newsroom: `gunicorn -c deploy/gunicorn.conf.py` (from anywhere).

Environment:
- GUNICORN_BIND: address to listen on (default 127.0.0.1:8000, for nginx on the same host;
  several, comma-separated, are allowed).
- GUNICORN_WORKERS: worker processes (default 2 x CPU cores + 1, gunicorn's own advice).
- GUNICORN_TIMEOUT: seconds before a stuck worker is restarted (default 30).
Django's settings come from the environment or .env as usual (see .env.example).

Logs go to stdout: one line per request (the access log below), and gunicorn's own messages
and Django's log records (errors with their traceback), each starting with its time and level.
"""

import multiprocessing
import os
from pathlib import Path

chdir = str(Path(__file__).resolve().parent.parent)
wsgi_app = "newsroom.wsgi:application"

bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")]
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
# Load the application once, before forking: a broken configuration (a missing SECRET_KEY)
# stops the start with Django's message instead of workers failing one by one.
preload_app = True
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
