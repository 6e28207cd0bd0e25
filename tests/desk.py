"""A discussion as the moderators find it: answers waiting in each tab of the queue,
decisions, sanctions, a note, a locked question and notices for bob, made through the same
workflows the desk uses. For the accessibility and validity suites."""

from dataclasses import dataclass

from articles.models import Question
from forum.models import Answer, User
from forum.moderation.actions import do_decide, do_flag, do_note, do_sanction, do_set_question_state
from tests.factories import make_answer, make_member


@dataclass
class Desk:
    """A discussion as the moderators find it (see desk_scene)."""

    question: Question
    moderator: User  # modo: a second factor enrolled and passed
    alice: User  # author of `first`
    bob: User  # author of `flagged`, `held` and `removed`; warned, with a note
    charlie: User  # flagged `flagged`
    first: Answer  # alice's, pinned
    flagged: Answer  # bob's reply to `first`, flagged once: in the flagged tab
    held: Answer  # bob's, hidden by two flags: in the pending tab
    premoderated: Answer  # Chloé's reply to `first`, waiting as she is pre-moderated
    removed: Answer  # bob's, removed for abuse: a tombstone


def desk_scene(question: Question, moderator: User, settings) -> Desk:
    """Fill ``question`` with answers waiting in each tab of the queue, decisions, a
    sanction, a note and a locked question in the log, and notices for bob."""
    settings.FLAG_HIDE_WEIGHT = 2  # two new members' flags hide an answer
    alice, bob, charlie = make_member("alice"), make_member("bob"), make_member("charlie")
    louis, chloe = make_member("Louis"), make_member("Chloé")
    first = make_answer(question, alice, body="La Chine investit depuis *vingt ans*.")
    flagged = make_answer(question, bob, parent=first, body="Vous n’y connaissez rien.")
    do_flag(reporter=charlie, answer=flagged, reason="abuse")
    held = make_answer(question, bob, body="Achetez mes montres : **-50 %** ce week-end.")
    do_flag(reporter=alice, answer=held, reason="spam")
    do_flag(reporter=louis, answer=held, reason="other", note="Publicité déguisée.")
    do_sanction(moderator=moderator, member=chloe, verb="premoderate", reason="Trois retraits.")
    premoderated = make_answer(question, chloe, parent=first, body="Je maintiens tout.")
    removed = make_answer(question, bob, body="Seuls des imbéciles peuvent penser cela.")
    do_decide(moderator=moderator, answer=removed, verb="remove", seen_version=removed.version,
              rule="abuse", reason="Une insulte envers les autres lecteurs.")  # fmt: skip
    do_decide(moderator=moderator, answer=first, verb="pin", seen_version=first.version)
    do_sanction(moderator=moderator, member=bob, verb="warn", reason="Restez courtois.")
    do_note(moderator=moderator, member=bob, text="Deux retraits ce mois-ci.")
    other = question.article.questions.exclude(pk=question.pk).first()
    do_set_question_state(moderator=moderator, question=other, verb="lock", reason="Épuisé.")
    for answer in (first, flagged, held, premoderated, removed):
        answer.refresh_from_db()
    return Desk(question, moderator, alice, bob, charlie, first, flagged, held, premoderated,
                removed)  # fmt: skip
