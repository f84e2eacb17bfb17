"""Django's PostgreSQL backend with a health check that costs no round trip when nothing
happened to the connection.

With persistent connections and CONN_HEALTH_CHECKS (settings), Django checks a connection at
its first use in each request with `SELECT 1`: a round trip on every request that touches the
database, a measurable part of an uncached article page (figures in docs/benchmarks.md,
"Measurements behind the code"). A connection that the server closed or is closing (a
restart, pg_terminate_backend, idle_session_timeout) has data waiting on its socket: the
server's error message, or the end of the stream. So the socket is polled first (no
waiting): nothing to read means nothing was said since the last query, and the connection is
used as it is; anything to read, and Django's `SELECT 1` decides.
A peer that vanished without a word (a network cut) is not detected by either: that is what
the TCP keepalive settings of the connection are for.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        connection = self.connection
        if connection is None or connection.closed:
            return False
        try:
            readable, _, _ = select.select([connection], [], [], 0)
        except (OSError, ValueError):
            return False
        if not readable:
            return True
        return super().is_usable()
