"""The PostgreSQL pool checks a connection before lending it only when it sat idle.

psycopg's pool can check each connection before lending it (Django has it do so when
CONN_HEALTH_CHECKS is on): a round trip to the database on every request that uses one,
a seventh of serving an anonymous reader's page. A connection lent a moment ago works;
one that sat idle may have been closed meanwhile (PostgreSQL restarted, a proxy timed
it out), and is checked, and replaced if it fails. A connection that breaks while in use
comes back to the pool in a bad state and is discarded, the request getting the site's
503 (forum.middleware).

The time is taken when the connection is lent, not when it comes back: the pool's
``reset`` callback could note the return, but any ``reset`` makes the pool hand every
returned connection to its worker thread (a queue, a wake-up, the GIL passed back and
forth), which cost a vote a twelfth of its time. Counted from the lending, a
connection's idle time includes the request that last used it: it is checked a little
sooner, never later.
"""

import time

from psycopg_pool import ConnectionPool

IDLE_BEFORE_CHECK = 5.0  # seconds


def check_if_idle(connection) -> None:
    """The pool's ``check`` callback: raises if a connection not lent for a while is
    broken; notes when it is lent."""
    now = time.monotonic()
    lent_at = getattr(connection, "agora_lent_at", None)
    if lent_at is None or now - lent_at > IDLE_BEFORE_CHECK:
        ConnectionPool.check_connection(connection)
    connection.agora_lent_at = now
