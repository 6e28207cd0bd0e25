"""An answer's path (its ancestors' ids, root first): written when it is posted, rebuilt
the same by the migration, and what its permalink and the reply counts above a new reply
read instead of the whole thread."""

import importlib
import random
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum.models import Answer
from forum.threads import (
    MAX_DEPTH_SHOWN,
    SORTS,
    _reply_counts_in_thread,
    ancestor_ids,
    load_answer_context,
    load_thread_page,
    reply_counts_above,
)
from tests.factories import make_answer, make_member, make_thread, vote_on

backfill = importlib.import_module("forum.migrations.0013_answer_path").backfill


def _reads_answers(sql: str) -> bool:
    """Whether the statement's first FROM is the answers' table (the ORM quotes it, plain
    statements need not)."""
    first = re.search(r'\bFROM\s+"?(\w+)"?', sql)
    return first is not None and first.group(1) == "forum_answer"


def rows_read(queries) -> int:
    """How many rows the queries on answers returned, each run again as it was sent."""
    total = 0
    for sql in (q["sql"] for q in queries if _reads_answers(q["sql"])):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS read")  # noqa: S608 (the site's own query)
            total += cursor.fetchone()[0]
    return total


def _chain(question, authors, length):
    made, parent = [], None
    for n in range(length):
        parent = make_answer(question, authors[n % 2], parent=parent, body=f"Niveau {n}.")
        made.append(parent)
    return made


def test_a_path_is_the_ids_from_the_root_down(question, alice, bob):
    root, reply, deeper = _chain(question, [alice, bob], 3)
    assert root.path == f"{root.pk:010d}"
    assert reply.path == f"{root.pk:010d}{reply.pk:010d}"
    assert deeper.path == reply.path + f"{deeper.pk:010d}"
    assert ancestor_ids(deeper.path) == [root.pk, reply.pk]
    assert Answer.objects.get(pk=deeper.pk).path == deeper.path  # stored, not just in memory


def test_the_migration_writes_the_paths_the_write_path_writes(question, alice, bob):
    chain = _chain(question, [alice, bob], 4)
    other = make_answer(question, bob, parent=chain[1], body="Une autre branche.")
    written = dict(Answer.objects.values_list("pk", "path"))
    Answer.objects.update(path="")

    class Editor:  # what RunPython hands the function: the connection is all it reads
        pass

    editor = Editor()
    editor.connection = connection
    backfill(None, editor)
    assert dict(Answer.objects.values_list("pk", "path")) == written
    assert written[other.pk].startswith(written[chain[1].pk])


def test_a_permalink_reads_its_branch_not_the_thread(question, alice, bob, charlie):
    root = make_answer(question, alice, body="La racine.")
    left = make_answer(question, bob, parent=root, body="À gauche.")
    below_left = make_answer(question, charlie, parent=left, body="Sous la gauche.")
    right = make_answer(question, charlie, parent=root, body="À droite.")
    for n in range(5):
        make_answer(question, alice, parent=right, body=f"Sous la droite {n}.")
    with CaptureQueriesContext(connection) as queries:
        found = load_answer_context(left, viewer=alice)
    assert [node.answer.pk for node in found.ancestors] == [root.pk]
    assert [node.answer.pk for node in found.nodes] == [left.pk, below_left.pk]
    # The reads themselves: the answers they returned are the branch, not the right-hand side.
    assert rows_read(queries) == 2  # the root and the reply under it


def test_an_answer_written_without_a_path_shows_its_thread_as_before(question, alice, bob):
    root = make_answer(question, alice, body="La racine.")
    reply = make_answer(question, bob, parent=root, body="La réponse.")
    Answer.objects.update(path="")
    reply.refresh_from_db()
    found = load_answer_context(reply, viewer=bob)
    assert [node.answer.pk for node in found.ancestors] == [root.pk]
    assert [node.answer.pk for node in found.nodes] == [reply.pk]


def test_the_range_of_a_subtree_ends_where_the_next_sibling_begins():
    from forum.threads import _following

    assert _following("00000000120000000045") == "00000000120000000046"
    assert _following("0000000019") == "0000000020"
    assert _following("0000000099" * 500) == "0000000099" * 499 + "0000000100"


# --- The counts above a new reply -------------------------------------------------------


def counts_from_the_whole_thread(answer, viewer):
    """reply_counts_above as it was before paths: the ids of the whole thread, walked up
    from each answer (kept for answers written in bulk without a path)."""
    return _reply_counts_in_thread(answer, viewer=viewer)


# Mostly published, with every state a reader may not see, or sees as a tombstone.
STATES = ["published"] * 7 + ["pending", "spam", "removed", "deleted"]


def random_thread(question, authors, *, seed, size=45):
    """A thread of ``size`` answers in random places and states, pending ones by anyone."""
    rng = random.Random(seed)
    made = [make_answer(question, authors[0], body="La racine.")]
    for n in range(size - 1):
        parent = Answer.objects.get(pk=rng.choice(made[-12:]).pk)  # as stored, counts and all
        made.append(
            make_answer(
                question, rng.choice(authors), parent=parent, status=rng.choice(STATES),
                body=f"Réponse {n}.",
            )
        )  # fmt: skip
    return made


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_counts_above_a_reply_are_those_read_from_the_whole_thread(
    question, alice, bob, charlie, seed
):
    made = random_thread(question, [alice, bob, charlie], seed=seed)
    for viewer in (AnonymousUser(), alice, bob):
        for answer in made:
            answer.refresh_from_db()
            assert reply_counts_above(answer, viewer=viewer) == counts_from_the_whole_thread(
                answer, viewer
            ), (answer.pk, answer.status, viewer)


def test_the_counts_above_a_reply_are_what_the_thread_page_shows(question, alice, bob):
    made = random_thread(question, [alice, bob], seed=4)
    page = load_thread_page(question, viewer=alice, per_page=100)
    shown = {node.answer.pk: node.descendant_count for node in page.nodes}
    deepest = max((a for a in made if a.pk in shown), key=lambda a: a.depth)
    counts = reply_counts_above(deepest, viewer=alice)
    assert len(counts) == deepest.depth
    assert counts == [(pk, shown[pk]) for pk in reversed(ancestor_ids(deepest.path))]


def test_the_counts_above_a_reply_read_no_row_of_the_thread(question, alice, bob):
    line = make_thread(question, [alice, bob], 6)
    for n in range(20):
        make_answer(question, bob, parent=line[n % 3], body=f"À côté {n}.")
    make_answer(question, bob, parent=line[1], status="spam")  # no reply under it: not read
    with CaptureQueriesContext(connection) as queries:
        counts = reply_counts_above(line[-1], viewer=alice)
    # Under line[0], line[1] and line[2]: seven, seven and six of the twenty.
    assert counts == [
        (line[4].pk, 1), (line[3].pk, 2), (line[2].pk, 3 + 6), (line[1].pk, 4 + 6 + 7),
        (line[0].pk, 5 + 20),
    ]  # fmt: skip
    assert len(queries) == 1
    assert rows_read(queries) == 1  # one row of counts: no hidden answer holds replies


def test_replies_under_a_hidden_answer_are_not_counted_above_it(question, alice, bob, charlie):
    top, middle = make_thread(question, [alice, bob], 2)
    spam = make_answer(question, charlie, parent=middle, status="spam")
    make_thread(question, [alice, bob], 3, start=spam)  # replies written before it was spam
    pending = make_answer(question, charlie, parent=middle, status="pending")
    make_answer(question, alice, parent=pending)
    reply = make_answer(question, bob, parent=middle, body="La nouvelle.")
    assert reply_counts_above(reply, viewer=bob) == [(middle.pk, 1), (top.pk, 2)]
    # Its author sees the pending answer, and the reply under it.
    assert reply_counts_above(reply, viewer=charlie) == [(middle.pk, 3), (top.pk, 4)]


def test_an_answer_written_without_a_path_counts_from_its_thread_as_before(question, alice, bob):
    made = random_thread(question, [alice, bob], seed=5, size=20)
    Answer.objects.update(path="")
    for answer in made:
        answer.refresh_from_db()
        assert reply_counts_above(answer, viewer=bob) == counts_from_the_whole_thread(answer, bob)


# --- A permalink's page of replies ------------------------------------------------------


def page_facts(found):
    return (
        [
            (n.answer.pk, n.depth, n.descendant_count, n.continue_link, n.opens, n.closing)
            for n in found.nodes
        ],
        [n.answer.pk for n in found.ancestors],
        found.has_next,
        found.closing,
    )


@pytest.mark.parametrize("sort", list(SORTS))
def test_an_answer_without_a_path_is_paged_as_one_with_a_path(question, alice, bob, sort):
    made = random_thread(question, [alice, bob], seed=6, size=30)
    for answer in made[1:30:4]:
        vote_on(answer, up=1 + answer.pk % 3, down=answer.pk % 2)
    # A focus with a few replies of its own, and at least one below.
    focus = max(made, key=lambda a: Answer.objects.filter(parent=a).count())
    focus.refresh_from_db()
    pages = [
        load_answer_context(focus, viewer=alice, sort=sort, number=n, per_page=2) for n in (1, 2, 3)
    ]
    Answer.objects.update(path="")
    focus.refresh_from_db()
    for number, with_paths in enumerate(pages, start=1):
        from_thread = load_answer_context(focus, viewer=alice, sort=sort, number=number, per_page=2)
        assert page_facts(from_thread) == page_facts(with_paths)
    assert pages[0].has_next and pages[1].replies  # the pages compared hold replies


def test_a_permalink_reads_no_deeper_than_it_shows_and_counts_what_is_below(question, alice, bob):
    top = make_answer(question, alice, body="La racine.")
    line = make_thread(question, [alice, bob], MAX_DEPTH_SHOWN + 4, start=top)
    spam = make_answer(question, make_member("spammeur"), parent=line[-3], status="spam")
    make_answer(question, bob, parent=spam)  # dropped with the spam, as the thread page does
    with CaptureQueriesContext(connection) as queries:
        found = load_answer_context(top, viewer=alice)
    assert [n.answer.pk for n in found.nodes] == [top.pk, *(a.pk for a in line[:MAX_DEPTH_SHOWN])]
    last = found.nodes[-1]
    assert last.continue_link and last.descendant_count == 4
    assert [n.descendant_count for n in found.nodes[:3]] == [
        MAX_DEPTH_SHOWN + 4, MAX_DEPTH_SHOWN + 3, MAX_DEPTH_SHOWN + 2,
    ]  # fmt: skip
    # The rows returned: the replies shown, then counts, the spam (it holds a reply), and
    # what its replies take away.
    assert rows_read(queries) == MAX_DEPTH_SHOWN + 1 + 1 + 1
