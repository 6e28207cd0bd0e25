"""Writes that race: two tabs opening a question, parallel deletes. On PostgreSQL, where
transactions really run side by side (SQLite lets one writer in at a time)."""

import pytest
from django.conf import settings
from django.test import Client

from articles.models import Question
from forum.answers import do_delete_answer
from forum.models import Answer, QuestionVisit
from tests.factories import make_answer, make_question
from tests.forum.test_vote_concurrency import release_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs PostgreSQL: SQLite serialises every writer, so there is no race to test",
    ),
]


def test_a_members_first_visits_at_once_all_load(alice):
    question = make_question()
    statuses = []

    def visit():
        client = Client()
        client.force_login(alice)
        statuses.append(client.get(question.get_absolute_url()).status_code)

    # Eight at once: with the test's own connection that stays within the pool of ten each
    # process has (DB_POOL_MAX), so no visit waits for a connection, only for the row.
    release_together([visit] * 8)
    assert statuses == [200] * 8
    assert QuestionVisit.objects.filter(user=alice, question=question).count() == 1


def test_parallel_deletes_count_each_answer_once(alice, bob):
    question = make_question()
    answers = [make_answer(question, alice, body=f"Réponse {n}.") for n in range(8)]
    kept = [make_answer(question, bob, body=f"Gardée {n}.") for n in range(4)]
    assert Question.objects.get(pk=question.pk).answer_count == 12

    def delete(answer_id):
        return lambda: do_delete_answer(answer=Answer.objects.get(pk=answer_id))

    release_together([delete(answer.pk) for answer in answers for _ in range(3)])
    assert Question.objects.get(pk=question.pk).answer_count == 4
    assert set(Answer.objects.filter(status="published").values_list("pk", flat=True)) == {
        answer.pk for answer in kept
    }


def test_two_servers_starting_at_once_schedule_one_digest(database_tasks):
    from django_tasks_db.models import DBTaskResult

    from forum.notifications import schedule_digest

    added = []
    release_together([lambda: added.append(schedule_digest())] * 4)
    assert sorted(added) == [False, False, False, True]
    waiting = DBTaskResult.objects.filter(task_path="forum.tasks.send_daily_digest")
    assert waiting.filter(status="READY").count() == 1
