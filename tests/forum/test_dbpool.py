"""The pool checks a connection before lending it only after it sat idle (forum.dbpool)."""

import time

import psycopg
import pytest
from django.db import connection

from forum.dbpool import IDLE_BEFORE_CHECK, check_if_idle


@pytest.fixture
def raw_connection(db):
    if connection.vendor != "postgresql":
        pytest.skip("the pool is PostgreSQL's")
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    conn = psycopg.connect(**params, autocommit=True)
    yield conn
    conn.close()


def test_a_connection_lent_a_moment_ago_is_lent_again_without_a_round_trip(raw_connection):
    check_if_idle(raw_connection)  # new: checked, and works
    raw_connection.close()  # were it checked again, this broken connection would raise
    check_if_idle(raw_connection)


def test_a_connection_that_sat_idle_is_checked_and_a_broken_one_refused(raw_connection):
    check_if_idle(raw_connection)
    raw_connection.agora_lent_at = time.monotonic() - IDLE_BEFORE_CHECK - 1
    check_if_idle(raw_connection)  # works: lent, and its clock starts again
    raw_connection.agora_lent_at = time.monotonic() - IDLE_BEFORE_CHECK - 1
    raw_connection.close()
    with pytest.raises(psycopg.OperationalError):
        check_if_idle(raw_connection)


def test_a_new_connection_is_checked(raw_connection):
    raw_connection.close()
    with pytest.raises(psycopg.OperationalError):
        check_if_idle(raw_connection)


def test_the_site_pool_uses_it(settings):
    pool = settings.DATABASES["default"].get("OPTIONS", {}).get("pool")
    if connection.vendor != "postgresql":
        assert pool is None
    else:
        # No reset callback: with one, the pool hands each returned connection to a thread.
        assert pool["check"] is check_if_idle and "reset" not in pool
