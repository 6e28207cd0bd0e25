"""GET /members/<username>/: a member's published answers and the sum of their scores."""

import pytest
from django.urls import reverse

from tests.factories import long_ago, make_answer, make_article, make_question, vote_on
from tests.pages import soup

pytestmark = pytest.mark.django_db


def member_url(username):
    return reverse("forum:member", kwargs={"username": username})


def stats(response) -> tuple[str, str]:
    """(answers, total score) as the page states them."""
    numbers = soup(response).select(".member__stats dd")
    return numbers[0].text.strip(), numbers[1].text.strip()


def test_shows_the_number_of_answers_and_the_sum_of_their_scores(client, alice):
    question = make_question()
    vote_on(make_answer(question, alice, created_at=long_ago(hours=2)), up=3)
    vote_on(make_answer(question, alice, created_at=long_ago(hours=2)), down=1)
    response = client.get(member_url("alice"))
    assert response.status_code == 200
    assert stats(response) == ("2", "2")  # 3 up on one, 1 down on the other: 3 - 1


def test_lists_the_latest_answers_first(client, alice):
    question = make_question(text="Et ensuite ?")
    older = make_answer(question, alice, body="Plus ancienne.", created_at=long_ago(days=2))
    newer = make_answer(question, alice, body="Plus récente.", created_at=long_ago(days=1))
    items = soup(client.get(member_url("alice"))).select(".member__answers li")
    assert [li.a["href"] for li in items] == [f"/a/{newer.pk}/", f"/a/{older.pk}/"]
    assert "Plus récente." in items[0].text


def test_only_published_answers_of_published_articles_count(client, alice, bob):
    question = make_question()
    vote_on(make_answer(question, alice, body="Publiée.", created_at=long_ago(hours=2)), up=1)
    make_answer(question, alice, body="En attente.", status="pending")
    make_answer(question, alice, body="Supprimée.", status="deleted")
    make_answer(question, alice, body="Retirée.", status="removed")
    vote_on(make_answer(make_question(make_article("scheduled")), alice, body="Trop tôt."), up=5)
    response = client.get(member_url("alice"))
    assert stats(response) == ("1", "1")
    page = response.content.decode()
    assert "Publiée." in page
    for hidden in ("En attente.", "Supprimée.", "Retirée.", "Trop tôt."):
        assert hidden not in page


def test_a_young_score_is_hidden_from_others_but_not_from_the_author(client, client_for, alice):
    vote_on(make_answer(make_question(), alice), up=2)
    to_others = soup(client.get(member_url("alice"))).select_one(".member__answers .meta")
    assert "score masqué pour l’instant" in to_others.text
    to_author = soup(client_for(alice).get(member_url("alice"))).select_one(
        ".member__answers .meta"
    )
    assert "2 points" in to_author.text


def test_a_member_with_no_answer_has_a_page_saying_so(client, charlie):
    response = client.get(member_url("charlie"))
    assert stats(response) == ("0", "0")
    assert "Aucune réponse pour l’instant." in response.content.decode()


def test_the_pseudonym_is_found_whatever_its_case(client, alice):
    assert client.get(member_url("ALICE")).status_code == 200


def test_an_unknown_member_is_404(client, db):
    assert client.get(member_url("nobody")).status_code == 404


def test_a_name_with_a_nul_byte_is_404(client, db):
    assert client.get("/members/%00/").status_code == 404


def test_post_is_405(client, alice):
    client.get(member_url("alice"))
    response = client.post(member_url("alice"))
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
