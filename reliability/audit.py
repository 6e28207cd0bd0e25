"""After the load: was every acknowledged write kept exactly once, and do the counters hold?

Read straight from the private cluster with psycopg (no Django in this process).
"""

import psycopg

VOTE_DRIFT = """
SELECT a.id, a.upvotes, a.downvotes, a.score, COALESCE(v.up, 0), COALESCE(v.down, 0)
FROM forum_answer a
LEFT JOIN (
    SELECT answer_id, COUNT(*) FILTER (WHERE value = 1) AS up,
           COUNT(*) FILTER (WHERE value = -1) AS down
    FROM forum_vote GROUP BY answer_id
) v ON v.answer_id = a.id
WHERE a.upvotes <> COALESCE(v.up, 0) OR a.downvotes <> COALESCE(v.down, 0)
   OR a.score <> COALESCE(v.up, 0) - COALESCE(v.down, 0)
ORDER BY a.id
"""
# answer_count counts a question's published answers, replies included (forum.answers).
ANSWER_COUNT_DRIFT = """
SELECT q.id, q.answer_count, COUNT(a.id) FILTER (WHERE a.status = 'published')
FROM articles_question q LEFT JOIN forum_answer a ON a.question_id = q.id
GROUP BY q.id, q.answer_count
HAVING q.answer_count <> COUNT(a.id) FILTER (WHERE a.status = 'published')
ORDER BY q.id
"""
# reply_count counts direct replies, tombstones included (a deleted reply keeps its place).
REPLY_COUNT_DRIFT = """
SELECT p.id, p.reply_count, COUNT(c.id)
FROM forum_answer p LEFT JOIN forum_answer c ON c.parent_id = p.id
GROUP BY p.id, p.reply_count
HAVING p.reply_count <> COUNT(c.id)
ORDER BY p.id
"""


def counters(url: str) -> dict:
    with psycopg.connect(url) as conn:
        votes = conn.execute(VOTE_DRIFT).fetchall()
        answer_counts = conn.execute(ANSWER_COUNT_DRIFT).fetchall()
        reply_counts = conn.execute(REPLY_COUNT_DRIFT).fetchall()
    return {
        "vote_counters_drift": [
            {"answer": r[0], "up_down_score": [r[1], r[2], r[3]], "rows_up_down": [r[4], r[5]]}
            for r in votes
        ],
        "answer_count_drift": [
            {"question": r[0], "answer_count": r[1], "published": r[2]} for r in answer_counts
        ],
        "reply_count_drift": [
            {"answer": r[0], "reply_count": r[1], "replies": r[2]} for r in reply_counts
        ],
    }


def exact(drift: dict) -> bool:
    return not any(drift.values())


def writes(url: str, members: list[dict], vote_logs: dict, submissions: list) -> dict:
    """Compare what clients were told with what the database holds."""
    lost, duplicated, unexpected = [], [], []
    with psycopg.connect(url) as conn:
        stored_votes = {
            (user, answer): value
            for user, answer, value in conn.execute(
                "SELECT user_id, answer_id, value FROM forum_vote"
            )
        }
        ids = {m["username"]: m["id"] for m in members}
        acked_votes = pairs = 0
        for username, log in vote_logs.items():
            for answer, attempts in log.attempts.items():
                pairs += 1
                found = stored_votes.get((ids[username], answer), 0)
                acked_at = [i for i, (_value, ok) in enumerate(attempts) if ok]
                acked_votes += len(acked_at)
                if acked_at:
                    last = acked_at[-1]
                    expected = attempts[last][0]
                    # A vote sent after the last acknowledged one, and not acknowledged,
                    # may or may not have been applied: either value is right.
                    allowed = {expected} | {v for v, _ok in attempts[last + 1 :]}
                else:
                    expected = None
                    allowed = {0} | {v for v, _ok in attempts}
                if found not in allowed:
                    lost.append({"kind": "vote", "member": username, "answer": answer,
                                 "acknowledged": expected, "stored": found})  # fmt: skip

        rows = conn.execute(
            "SELECT a.id, a.body, a.status, a.parent_id, u.username FROM forum_answer a "
            "JOIN forum_user u ON u.id = a.author_id WHERE u.username LIKE 'rel-poster-%'"
        ).fetchall()
    by_id = {r[0]: r for r in rows}
    by_body: dict[str, list[int]] = {}
    for r in rows:
        by_body.setdefault(r[1], []).append(r[0])
    submitted = {s.body for s in submissions if s.attempts}
    acked_answers = unacked_stored = unacked = 0
    for s in submissions:
        if s.attempts == 0:
            continue  # the load stopped before it was sent
        stored = by_body.get(s.body, [])
        if len(stored) > 1:
            duplicated.append({"kind": "answer", "ids": stored, "attempts": s.attempts})
        if s.answer_id is None:
            unacked += 1
            unacked_stored += bool(stored)
            continue
        acked_answers += 1
        row = by_id.get(s.answer_id)
        if row is None or row[1] != s.body or row[2] != "published" or row[3] != s.parent:
            lost.append({"kind": "answer", "acknowledged_id": s.answer_id, "stored_ids": stored,
                         "status": row[2] if row else None})  # fmt: skip
    unexpected = [r[0] for r in rows if r[1] not in submitted]
    return {
        "acknowledged": {"votes": acked_votes, "answers": acked_answers},
        "vote_pairs": pairs,
        "lost": lost,
        "duplicated": duplicated,
        "stored_but_never_submitted": unexpected,
        "answers_unacknowledged": unacked,
        "answers_unacknowledged_but_stored": unacked_stored,
    }
