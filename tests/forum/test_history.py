"""GET /a/<pk>/history/: the earlier versions of an answer, a page of the moderator's desk
(moderators past their second factor only)."""

import pytest
from django.urls import reverse

from forum.answers import do_edit_answer
from tests.factories import make_answer, make_article, make_question
from tests.pages import soup

pytestmark = pytest.mark.django_db


def history_url(answer):
    return reverse("forum:history", kwargs={"pk": answer.pk})


@pytest.fixture
def edited(alice):
    answer = make_answer(make_question(), alice, body="Avant.")
    do_edit_answer(answer=answer, editor=alice, body="Après.")
    return answer


def test_moderators_read_every_version_newest_first(moderator_client, edited, alice):
    do_edit_answer(answer=edited, editor=alice, body="Enfin.")
    response = moderator_client.get(history_url(edited))
    assert response.status_code == 200
    versions = [pre.text for pre in soup(response).select("pre.revision")]
    assert versions == ["Enfin.", "Après.", "Avant."]  # the current text, then older ones
    assert "alice" in soup(response).select("h2")[1].text


def test_an_answer_never_edited_says_so(moderator_client, alice):
    answer = make_answer(make_question(), alice)
    page = moderator_client.get(history_url(answer)).content.decode()
    assert "Cette réponse n’a jamais été modifiée." in page


@pytest.mark.parametrize("who", ["alice", "charlie"])
def test_members_are_told_only_moderators_may_read_it(client_for, edited, who, request):
    response = client_for(request.getfixturevalue(who)).get(history_url(edited))
    assert response.status_code == 403
    assert "Seuls les modérateurs peuvent faire cela." in response.content.decode()
    assert "Avant." not in response.content.decode()


def test_anonymous_readers_are_sent_to_sign_in(client, edited):
    response = client.get(history_url(edited))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_a_moderator_without_a_second_factor_is_sent_to_enrol(client_for, edited, moderator):
    response = client_for(moderator).get(history_url(edited))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_an_unknown_answer_is_404(moderator_client):
    response = moderator_client.get(reverse("forum:history", kwargs={"pk": 999}))
    assert response.status_code == 404


def test_moderators_read_the_history_of_answers_readers_cannot_see(moderator_client, alice):
    hidden = make_answer(make_question(make_article("draft")), alice, body="Brouillon.")
    removed = make_answer(make_question(), alice, body="Retirée.", status="removed")
    for answer in (hidden, removed):
        assert moderator_client.get(history_url(answer)).status_code == 200


def test_post_is_405(moderator_client, edited):
    moderator_browser = moderator_client
    moderator_browser.get(history_url(edited))
    response = moderator_browser.post(history_url(edited))
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
