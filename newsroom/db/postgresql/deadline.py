"""A time limit, kept by the client, on every wait for PostgreSQL in the servers' processes.

A hung database (a paused server, a frozen proxy or network path that still accepts bytes)
answers nothing and closes nothing: neither libpq's connect_timeout (it does not apply to
queries) nor the server's statement_timeout (the server is the one hanging) nor TCP keepalives
(the peer's kernel still acknowledges) end the wait, and a reader's request hung until
gunicorn killed the worker (30 s, an empty reply). psycopg2 lets a "wait callback" do every
wait for the server (connecting included); this one waits at most DATABASE_QUERY_TIMEOUT
seconds for each, then raises OperationalError (psycopg2 then closes the connection; no
cancel request is sent: that would wait for the hung server too), which readers get as the
site's 503 page (newsroom.unavailable) and /healthz as "database": "failing".

Installed by newsroom.wsgi, so only in processes that serve requests: management commands
(a long migration, an import) wait as long as their statements need.
"""

import select
import time
from functools import partial

import psycopg2
from psycopg2 import extensions


def install(seconds: float | None) -> None:
    """Make every wait for PostgreSQL in this process last at most `seconds` (None or 0: no
    limit, psycopg2's own blocking waits)."""
    extensions.set_wait_callback(partial(wait, seconds=seconds) if seconds else None)


def wait(connection, *, seconds: float) -> None:
    """psycopg2's wait callback (psycopg2.extras.wait_select), with a deadline."""
    deadline = time.monotonic() + seconds
    while True:
        state = connection.poll()
        if state == extensions.POLL_OK:
            return
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            # psycopg2 closes a connection whose wait callback raised (green_panic); closing
            # it here would wait for the lock the waiting call holds.
            raise psycopg2.OperationalError(
                f"the database did not answer within {seconds:g} s (DATABASE_QUERY_TIMEOUT)"
            )
        if state == extensions.POLL_READ:
            select.select([connection.fileno()], [], [], remaining)
        elif state == extensions.POLL_WRITE:
            select.select([], [connection.fileno()], [], remaining)
        else:
            raise psycopg2.OperationalError(f"unexpected state from poll(): {state}")
