"""A lively discussion: the data the accessibility, keyboard and HTML checks read.

One question of the shipped article with several answers, a line of replies four
levels deep, votes, an answer whose score is still hidden, a tombstone that keeps
its reply, rich Markdown, and answers posted since the viewer's last visit.
"""

from dataclasses import dataclass

from articles.models import Question
from forum.answers import do_delete_answer
from forum.models import Answer, QuestionVisit, User
from forum.voting import do_set_vote
from tests.factories import long_ago, make_answer, make_member, make_thread, vote_on

RICH_BODY = """Trois points :

- la *planification* sur **vingt ans** ;
- des fonds publics, voir [le rapport](https://example.org/rapport) ;
- le `code` ouvert.

> Une citation d’un autre lecteur."""


@dataclass
class Lively:
    question: Question
    viewer: User  # alice: verified, staff (the editor's screens), author of `own`
    other: User  # bob: author of `voted`, the answer with the deep line of replies
    voted: Answer  # bob's, voted on by others and upvoted by alice
    deep: list[Answer]  # replies under `voted`, each answering the previous one
    tombstone: Answer  # deleted by its author, kept for its reply
    own: Answer  # alice's: she may edit and delete it
    fresh: Answer  # posted minutes ago: its score is still hidden
    rich: Answer  # Markdown: list, emphasis, link, code, quote


def lively_discussion(question: Question) -> Lively:
    """Fill ``question`` with the discussion described above; alice last read it an hour
    and a half ago, so the answers of the last hour are "new" to her."""
    alice = make_member("alice", is_staff=True)
    bob = make_member("bob")
    louis = make_member("Louis")
    chloe = make_member("Chloé")

    voted = make_answer(question, bob, body="La Chine investit depuis vingt ans.")
    vote_on(voted, up=3, down=1)
    do_set_vote(voter=alice, answer=voted, value=1)
    deep = make_thread(question, [alice, louis, bob, chloe], 4, start=voted)
    tombstone = make_answer(question, louis, body="Je retire ce que j’ai dit.")
    make_answer(question, bob, parent=tombstone, body="Dommage, c’était juste.")
    do_delete_answer(answer=tombstone)
    own = make_answer(question, alice, body="Pas surprise : la planification paie.")
    vote_on(own, up=1)
    rich = make_answer(question, chloe, body=RICH_BODY)
    vote_on(rich, down=2)
    # Everything so far was posted two hours ago; `fresh` a few minutes ago.
    Answer.objects.filter(question=question).update(created_at=long_ago(hours=2))
    fresh = make_answer(question, louis, body="Je viens d’arriver dans la discussion.")
    QuestionVisit.objects.create(user=alice, question=question, seen_at=long_ago(minutes=90))
    for answer in (voted, tombstone, own, rich):
        answer.refresh_from_db()
    return Lively(question, alice, bob, voted, deep, tombstone, own, fresh, rich)
