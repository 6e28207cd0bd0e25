"""Writes that race: two tabs opening a question, parallel deletes. On PostgreSQL, where
transactions really run side by side (SQLite lets one writer in at a time)."""

import time

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

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


@pytest.fixture
def slow_pages(monkeypatch):
    """Question and answer pages that take 0.2 s to make, as a busy server's might; the
    list of those made."""
    import forum.views.threads

    made = []
    render = forum.views.threads.render

    def slowly(request, template, *args, **kwargs):
        made.append(template)
        time.sleep(0.2)
        return render(request, template, *args, **kwargs)

    monkeypatch.setattr(forum.views.threads, "render", slowly)
    return made


def test_a_herd_of_readers_makes_a_changed_page_once(alice, slow_pages):
    """Each change to a discussion leaves the next readers without a copy
    (forum.pagecache): one makes it, the others wait for it."""
    question = make_question()
    make_answer(question, alice, body="Lue par tous.")
    responses = []
    release_together([lambda: responses.append(Client().get(question.get_absolute_url()))] * 6)
    assert slow_pages == ["forum/question.html"]
    assert sorted(response["X-Cache"] for response in responses) == ["hit"] * 5 + ["miss"]
    assert {response.status_code for response in responses} == {200}
    assert len({response.content for response in responses}) == 1


def test_readers_waiting_for_a_page_that_is_not_shared_make_their_own(
    alice, slow_pages, monkeypatch
):
    monkeypatch.setattr("forum.pagecache.MAKING_SECONDS", 30)
    question = make_question()
    pending = make_answer(question, alice, body="En attente.", status="pending")
    url = reverse("forum:answer", kwargs={"pk": pending.pk})
    statuses = []
    started = time.monotonic()
    release_together([lambda: statuses.append(Client().get(url).status_code)] * 4)
    assert statuses == [404] * 4  # an anonymous reader does not see it
    # Nobody waited the 30 seconds for a copy that never came.
    assert time.monotonic() - started < 10
