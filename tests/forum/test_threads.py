"""Building a thread in memory: the tree, and the flat list the template walks."""

import random
from datetime import timedelta

from django.utils import timezone

from forum.threads import build_forest, flatten


class FakeAnswer:
    """What the tree building reads of an answer."""

    def __init__(self, pk, parent_id):
        self.pk, self.parent_id, self.pinned, self.is_tombstone = pk, parent_id, False, False
        self.created_at = timezone.now() + timedelta(seconds=pk)
        self.author_id = 1


def test_flatten_closes_every_list_it_opens():
    """However the tree is shaped, the markup it produces is balanced."""
    rng = random.Random(7)
    answers = [FakeAnswer(1, None)]
    for pk in range(2, 300):
        answers.append(FakeAnswer(pk, rng.choice(answers).pk if rng.random() < 0.8 else None))
    roots = [a for a in answers if a.parent_id is None]
    replies = [a for a in answers if a.parent_id is not None]
    nodes = flatten(build_forest(roots, replies, sort="old"))
    assert len(nodes) == len(answers)
    assert sum(n.closing.count("</li>") for n in nodes) == len(nodes)  # every <li> closed once
    assert sum(n.closing.count("</ol>") for n in nodes) == sum(n.opens for n in nodes)


def test_flatten_walks_the_tree_depth_first_in_the_sort_order():
    top, other = FakeAnswer(1, None), FakeAnswer(2, None)
    first_reply, second_reply, nested = FakeAnswer(3, 1), FakeAnswer(4, 1), FakeAnswer(5, 3)
    nodes = flatten(build_forest([top, other], [first_reply, second_reply, nested], sort="old"))
    assert [(n.answer.pk, n.depth) for n in nodes] == [(1, 0), (3, 1), (5, 2), (4, 1), (2, 0)]
    assert [n.descendant_count for n in nodes] == [3, 1, 0, 0, 0]


def test_initials_take_the_first_letters_of_a_pseudonyms_words():
    from forum.threads import initials

    names = ["Camille_R", "YanisB", "alice", "jean.dupont2", "Anaïs.G", "Quentin56", "42"]
    assert [initials(name) for name in names] == ["CR", "YB", "A", "JD", "AG", "Q", "4"]
