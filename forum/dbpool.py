"""The PostgreSQL pool checks a connection before lending it only when it sat idle.

psycopg's pool can check each connection before lending it (Django has it do so when
CONN_HEALTH_CHECKS is on): a round trip to the database on every request that uses one,
a seventh of serving an anonymous reader's page. A connection given back a moment ago
works; one that sat idle may have been closed meanwhile (PostgreSQL restarted, a proxy
timed it out), and is checked, and replaced if it fails. A connection that breaks while
in use comes back to the pool in a bad state and is discarded, the request getting the
site's 503 (forum.middleware).
"""

import time

from psycopg_pool import ConnectionPool

IDLE_BEFORE_CHECK = 5.0  # seconds


def note_return(connection) -> None:
    """The pool's ``reset`` callback: when the connection came back."""
    connection.agora_returned_at = time.monotonic()


def check_if_idle(connection) -> None:
    """The pool's ``check`` callback: raises if a connection idle for a while is broken."""
    returned_at = getattr(connection, "agora_returned_at", None)
    if returned_at is None or time.monotonic() - returned_at > IDLE_BEFORE_CHECK:
        ConnectionPool.check_connection(connection)
