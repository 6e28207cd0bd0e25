"""The demo command makes a discussion whose tree facts are exactly right."""

import pytest
from django.core.management import CommandError, call_command

from forum.models import Answer, User, Vote
from forum.voting import COUNTER_FIELDS, recount


def test_demo_discussion_is_a_consistent_tree(article):
    call_command("demo_discussion", "--members", "5", "--answers", "30", "--seed", "3")
    answers = {a.pk: a for a in Answer.objects.all()}
    assert len(answers) == 30
    assert User.objects.filter(email__endswith="@demo.agora.invalid").count() == 5
    for a in answers.values():
        if a.parent_id is None:
            assert (a.root_id, a.depth) == (a.pk, 0)
        else:
            parent = answers[a.parent_id]
            assert a.depth == parent.depth + 1 and a.root_id == parent.root_id
            assert a.author_id != parent.author_id  # nobody answers themselves
        assert a.reply_count == sum(1 for b in answers.values() if b.parent_id == a.pk)
        assert recount(a.pk) == {field: getattr(a, field) for field in COUNTER_FIELDS}
    for question in article.questions.all():
        assert question.answer_count == question.answers.filter(status="published").count()
    assert max(a.depth for a in answers.values()) >= 2
    assert Vote.objects.exists()


def test_demo_refuses_to_run_twice_and_resets(article):
    call_command("demo_discussion", "--members", "3", "--answers", "10")
    with pytest.raises(CommandError, match="--reset"):
        call_command("demo_discussion", "--members", "3", "--answers", "10")
    call_command("demo_discussion", "--members", "4", "--answers", "12", "--reset")
    assert Answer.objects.count() == 12
    assert User.objects.filter(email__endswith="@demo.agora.invalid").count() == 4
    assert sum(q.answer_count for q in article.questions.all()) == 12


def test_demo_needs_the_published_article(db):
    with pytest.raises(CommandError, match="not published"):
        call_command("demo_discussion")


def test_demo_refuses_more_members_than_it_has_pseudonyms(article):
    with pytest.raises(CommandError, match="--members"):
        call_command("demo_discussion", "--members", "1000")
    assert not User.objects.exists()


def test_demo_flags_a_few_answers_without_hiding_any(article):
    call_command("demo_discussion", "--members", "5", "--answers", "30", "--seed", "3")
    flagged = Answer.objects.filter(flag_weight__gt=0)
    assert 1 <= flagged.count() <= 6
    assert not Answer.objects.filter(status="pending").exists()


def test_demo_is_kept_once_moderators_decided_on_it(article, moderator):
    from forum.moderation.actions import do_decide

    call_command("demo_discussion", "--members", "3", "--answers", "10")
    answer = Answer.objects.first()
    do_decide(moderator=moderator, answer=answer, verb="pin", seen_version=answer.version)
    with pytest.raises(CommandError, match="never erased"):
        call_command("demo_discussion", "--members", "3", "--answers", "10", "--reset")
    assert Answer.objects.count() == 10
