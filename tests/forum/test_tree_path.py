"""An answer's path (its ancestors' ids, root first): written when it is posted, rebuilt
the same by the migration, and what its permalink reads instead of the whole thread."""

import importlib

from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum.models import Answer
from forum.threads import ancestor_ids, load_answer_context
from tests.factories import make_answer

backfill = importlib.import_module("forum.migrations.0013_answer_path").backfill


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
    # The read itself: the answers it returned are the branch, not the right-hand side.
    [read] = [q["sql"] for q in queries if 'FROM "forum_answer"' in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({read}) AS branch")  # noqa: S608 (the site's own query)
        assert cursor.fetchone()[0] == 2  # the root and the reply under it


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
