"""On PostgreSQL, a vote is one call to ``forum_set_vote``: one round trip instead of
six (BEGIN, lock, upsert, count, update, COMMIT). See forum.voting.do_set_vote.

The function runs the steps of the portable path in Python (vote row, lock, count,
counters and ranks). Each statement of a PL/pgSQL function takes a fresh snapshot (READ COMMITTED), so
the count after the lock sees every vote committed before the lock was granted.
The rank formulas are those of forum.voting, operation for operation, so PostgreSQL
and Python produce the same doubles (tests compare them exactly).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION forum_set_vote(voter bigint, target bigint, new_value integer)
RETURNS TABLE (
    upvotes integer, downvotes integer, score integer,
    rank_best double precision, rank_controversial double precision
)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    z CONSTANT double precision := 1.281551565545;  -- forum.voting.WILSON_Z
    up integer;
    down integer;
    n integer;
    p double precision;
    best double precision := 0;
    contested double precision := 0;
BEGIN
    IF new_value = 0 THEN
        DELETE FROM forum_vote WHERE user_id = voter AND answer_id = target;
    ELSE
        INSERT INTO forum_vote (user_id, answer_id, value, created_at, updated_at)
        VALUES (voter, target, new_value, now(), now())
        ON CONFLICT (user_id, answer_id)
        DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at;
    END IF;
    -- Counter writers on one answer queue here, one transaction at a time; the
    -- count below starts after the lock is granted, so it sees every vote
    -- committed before. Taken after the vote row so that a busy answer stays
    -- locked for less time; NO KEY UPDATE does not conflict with the KEY SHARE
    -- that inserting a vote (or a reply) takes on the answer, so no deadlock,
    -- and replies are never held up by votes.
    PERFORM 1 FROM forum_answer WHERE id = target FOR NO KEY UPDATE;
    SELECT count(*) FILTER (WHERE value = 1), count(*) FILTER (WHERE value = -1)
        INTO up, down FROM forum_vote WHERE answer_id = target;
    n := up + down;
    IF n > 0 THEN  -- wilson_lower_bound
        p := up::double precision / n;
        best := (p + z * z / (2 * n) - z * sqrt((p * (1 - p) + z * z / (4 * n)) / n))
                / (1 + z * z / n);
    END IF;
    IF up > 0 AND down > 0 THEN  -- controversy
        contested := power(
            n::double precision,
            CASE WHEN up > down THEN down::double precision / up
                 ELSE up::double precision / down END
        );
    END IF;
    UPDATE forum_answer
        SET upvotes = up, downvotes = down, score = up - down,
            rank_best = best, rank_controversial = contested
        WHERE id = target;
    RETURN QUERY SELECT up, down, up - down, best, contested;
END
$$;
"""

DROP = "DROP FUNCTION IF EXISTS forum_set_vote(bigint, bigint, integer);"


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0004_sort_indexes"),
    ]

    operations = [
        migrations.RunPython(create_function, drop_function, elidable=False),
    ]
