"""Heat control: a question's slow mode, and a wait after posting in a flagged thread; both
told to the member and enforced on every posting path."""

import pytest
from django.urls import reverse

from forum.models import Answer, ModerationAction, SlowMode
from forum.moderation.actions import do_flag, do_set_slow_mode
from tests.factories import long_ago, make_answer, make_member, make_question
from tests.pages import soup, text_of

pytestmark = pytest.mark.usefixtures("fast_forms")


@pytest.fixture
def question():
    return make_question(text="Faut-il interdire les drones ?")


def answer_form(client, question):
    return client.get(question.get_absolute_url())


def post_answer(client, question, body):
    return client.submit(question.get_absolute_url(), "#answer-form", {"body": body})


def test_a_moderator_sets_and_ends_the_slow_mode(moderator, question):
    action = do_set_slow_mode(moderator=moderator, question=question, minutes=10, reason="Vif.")
    assert (action.verb, action.question, action.reason) == ("slow_mode", question, "Vif.")
    assert SlowMode.objects.get(question=question).minutes == 10
    assert do_set_slow_mode(moderator=moderator, question=question, minutes=10, reason="x") is None
    do_set_slow_mode(moderator=moderator, question=question, minutes=0, reason="Apaisé.")
    assert not SlowMode.objects.exists()
    assert ModerationAction.objects.count() == 2


def test_readers_see_the_slow_mode_above_the_form(client, moderator, question):
    do_set_slow_mode(moderator=moderator, question=question, minutes=5, reason="Vif.")
    notice = soup(answer_form(client, question)).select_one(".notice--slow").text
    assert "une réponse toutes les 5" in notice.replace("\xa0", " ")


def test_under_slow_mode_a_member_waits_between_two_answers(client_for, alice, moderator, question):
    do_set_slow_mode(moderator=moderator, question=question, minutes=10, reason="Vif.")
    browser = client_for(alice)
    assert post_answer(browser, question, "Première réponse.").status_code == 302
    page = answer_form(browser, question)
    assert "Mode lent" in text_of(page) and "10 minutes" in text_of(page)
    assert soup(page).select_one("form#answer-form") is None
    # The form is gone, and posting anyway is refused with the same sentence.
    response = browser.post(
        reverse("forum:post_answer", kwargs={"slug": question.article.slug,
                                             "question": question.slug}),
        {"body": "Deuxième réponse."},
    )  # fmt: skip
    assert response.status_code == 403
    assert Answer.objects.filter(author=alice).count() == 1


def test_slow_mode_counts_from_the_members_last_answer(client_for, alice, moderator, question):
    do_set_slow_mode(moderator=moderator, question=question, minutes=10, reason="Vif.")
    make_answer(question, alice, created_at=long_ago(minutes=11))
    assert post_answer(client_for(alice), question, "Encore une idée.").status_code == 302


def test_others_are_not_slowed_by_someone_elses_answer(client_for, alice, bob, moderator, question):
    do_set_slow_mode(moderator=moderator, question=question, minutes=10, reason="Vif.")
    make_answer(question, alice)
    assert post_answer(client_for(bob), question, "Mon avis.").status_code == 302


def test_a_member_who_just_posted_in_a_flagged_thread_waits(client_for, alice, bob, question):
    root = make_answer(question, alice, body="Les drones, c'est l'avenir.")
    mine = make_answer(question, bob, parent=root, body="Pas d'accord.")
    do_flag(reporter=make_member("vigie"), answer=root, reason="abuse")
    browser = client_for(bob)
    response = browser.get(reverse("forum:reply", kwargs={"pk": root.pk}))
    assert "Ce fil s’échauffe" in text_of(response)
    assert "2 minutes" in text_of(response)
    response = browser.post(reverse("forum:reply", kwargs={"pk": mine.pk}), {"body": "Et puis…"})
    assert response.status_code == 403
    assert Answer.objects.filter(author=bob).count() == 1


def test_a_calm_thread_has_no_wait(client_for, alice, bob, question):
    root = make_answer(question, alice)
    make_answer(question, bob, parent=root)
    response = client_for(bob).get(reverse("forum:reply", kwargs={"pk": root.pk}))
    assert "échauffe" not in text_of(response)
    assert soup(response).select_one("form textarea") is not None


def test_the_wait_ends(client_for, alice, bob, question):
    root = make_answer(question, alice)
    make_answer(question, bob, parent=root, created_at=long_ago(minutes=3))
    do_flag(reporter=make_member("vigie"), answer=root, reason="abuse")
    response = client_for(bob).get(reverse("forum:reply", kwargs={"pk": root.pk}))
    assert "échauffe" not in text_of(response)


def test_the_desk_sets_the_slow_mode(moderator_client, question):
    page = f"/moderation/?question={question.pk}"
    response = moderator_client.submit(
        page, "form[action$='/slow-mode/']", {"minutes": "15", "reason": "Ça chauffe."}
    )
    assert response.status_code == 302
    assert SlowMode.objects.get(question=question).minutes == 15
    assert "15 minutes" in text_of(moderator_client.get(page))


def test_the_desk_refuses_a_bad_slow_mode(moderator_client, question):
    moderator_client.get("/moderation/")
    url = reverse("moderation:slow_mode", kwargs={"pk": question.pk})
    response = moderator_client.post(url, {"minutes": "-3", "reason": "x"})
    assert response.status_code == 400
    assert not SlowMode.objects.exists()
