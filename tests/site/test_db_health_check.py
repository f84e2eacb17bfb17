"""The PostgreSQL backend's health check (newsroom/db/postgresql/base.py): no round trip for
a connection the server said nothing on; Django's SELECT 1 when the server closed it."""

import time

import psycopg2
import pytest
from django.conf import settings
from django.db import connection, connections

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's backend"),
    pytest.mark.django_db(transaction=True),
]


def backend_pid():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def statements_sent(pid):
    """What the server last ran on that backend (pg_stat_activity.query)."""
    other = psycopg2.connect(**connection.get_connection_params())
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
            return cursor.fetchone()[0]
    finally:
        other.close()


def terminate(pid):
    other = psycopg2.connect(**connection.get_connection_params())
    other.autocommit = True
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()


def test_the_site_uses_this_backend():
    assert settings.DATABASES["default"]["ENGINE"] == "newsroom.db.postgresql"
    assert type(connections["default"]).__module__ == "newsroom.db.postgresql.base"


def test_a_quiet_connection_is_usable_without_a_query():
    pid = backend_pid()
    assert statements_sent(pid) == "SELECT pg_backend_pid()"
    assert connection.is_usable() is True
    # Nothing was sent: the last statement of that backend is still ours.
    assert statements_sent(pid) == "SELECT pg_backend_pid()"


def test_a_connection_the_server_closed_is_not_usable_and_is_replaced():
    pid = backend_pid()
    terminate(pid)
    for _ in range(50):  # the server's message reaches the socket
        if not connection.is_usable():
            break
        time.sleep(0.02)
    assert connection.is_usable() is False
    # What Django does at the first use in a request: closes it, and the next query reconnects.
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    assert connection.connection is None
    assert backend_pid() != pid


def test_a_closed_connection_is_not_usable():
    backend_pid()
    connection.connection.close()
    assert connection.is_usable() is False
    connection.close()
