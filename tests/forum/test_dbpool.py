"""The pool checks a connection before lending it only after it sat idle (forum.dbpool);
statements run again are prepared, so that PostgreSQL plans them once (forum.settings)."""

import time

import psycopg
import pytest
from django.db import connection

from forum.dbpool import IDLE_BEFORE_CHECK, check_if_idle
from forum.settings import PREPARE_AFTER_RUNS, database


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


def _prepared(marker: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            [f"%{marker}%"],
        )
        return cursor.fetchone()[0]


def test_a_statement_run_again_is_prepared_so_planned_once(db):
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    # Parameters travel apart from the text, so each run is the same statement, whatever
    # the values; after a few runs psycopg prepares it on this connection.
    statement = "SELECT %s::bigint + 1 AS prepared_marker"
    with connection.cursor() as cursor:
        for value in range(PREPARE_AFTER_RUNS):
            cursor.execute(statement, [value])
        assert cursor.fetchone() == (PREPARE_AFTER_RUNS,)
        assert _prepared("prepared_marker") == 0  # a statement run once is not kept
        cursor.execute(statement, [41])
        assert cursor.fetchone() == (42,)
    assert _prepared("prepared_marker") == 1


def test_prepared_statements_can_be_turned_off_for_an_old_pgbouncer(monkeypatch):
    url = "postgres://agora@127.0.0.1:6432/agora"
    assert database(url)["OPTIONS"]["prepare_threshold"] == PREPARE_AFTER_RUNS
    monkeypatch.setenv("DB_PREPARED_STATEMENTS", "0")
    options = database(url)["OPTIONS"]
    # Django's own default: nothing is prepared, which a shared server connection needs.
    assert options["prepare_threshold"] is None
    assert options["server_side_binding"] is True
