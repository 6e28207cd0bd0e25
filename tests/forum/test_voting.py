"""Votes count once, counters stay exact, and sorts surface the best answers."""

import math
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Question
from forum.answers import do_post_answer
from forum.models import Answer, Vote
from forum.voting import controversy, do_set_vote, recount, wilson_lower_bound


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def answer(question, author, body="Réponse.", parent=None):
    return do_post_answer(author=author, question=question, body=body, parent=parent)[0]


def vote_url(a):
    return reverse("forum:vote", kwargs={"pk": a.pk})


def aged(a, hours=2):
    """Old enough for its score to show."""
    Answer.objects.filter(pk=a.pk).update(created_at=timezone.now() - timedelta(hours=hours))
    a.refresh_from_db()
    return a


# --- Ranking functions, against values worked out by hand -------------------


@pytest.mark.parametrize(
    ("up", "down", "expected"),
    [
        (0, 0, 0.0),
        # n=1, p=1: (1 + z²/2 - z·sqrt(z²/4)) / (1 + z²) = 1 / (1 + z²)
        (1, 0, 1 / (1 + 1.281551565545**2)),
        (10, 0, 0.8589314),
        (5, 5, 0.3122044),
        (100, 10, 0.8676891),
        (0, 4, 0.0),
    ],
)
def test_wilson_lower_bound(up, down, expected):
    assert math.isclose(wilson_lower_bound(up, down), expected, rel_tol=1e-6, abs_tol=1e-12)


def test_wilson_prefers_many_good_votes_to_few():
    assert wilson_lower_bound(100, 10) > wilson_lower_bound(10, 0) > wilson_lower_bound(1, 0)


@pytest.mark.parametrize(
    ("up", "down", "expected"),
    [(0, 0, 0.0), (5, 0, 0.0), (0, 5, 0.0), (5, 5, 10.0), (10, 5, 15**0.5), (2, 8, 10**0.25)],
)
def test_controversy(up, down, expected):
    assert math.isclose(controversy(up, down), expected)


# --- Setting a vote ---------------------------------------------------------


def test_vote_up_change_and_take_back(question, alice, bob):
    a = answer(question, alice)
    do_set_vote(voter=bob, answer=a, value=1)
    assert (a.upvotes, a.downvotes, a.score) == (1, 0, 1)
    do_set_vote(voter=bob, answer=a, value=1)  # idempotent, never a toggle
    assert (a.upvotes, a.downvotes) == (1, 0) and Vote.objects.count() == 1
    do_set_vote(voter=bob, answer=a, value=-1)
    assert (a.upvotes, a.downvotes, a.score) == (0, 1, -1)
    do_set_vote(voter=bob, answer=a, value=0)
    assert (a.upvotes, a.downvotes, a.score) == (0, 0, 0) and not Vote.objects.exists()
    a.refresh_from_db()
    assert a.rank_best == 0.0


def test_vote_values_outside_plus_minus_one_are_refused(question, alice, bob):
    a = answer(question, alice)
    with pytest.raises(ValueError, match="-1, 0 or"):
        do_set_vote(voter=bob, answer=a, value=2)


def test_database_refuses_a_second_vote_row_and_a_bad_value(question, alice, bob):
    from django.db import IntegrityError, transaction

    a = answer(question, alice)
    Vote.objects.create(user=bob, answer=a, value=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(user=bob, answer=a, value=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(user=alice, answer=a, value=3)


# --- The endpoint -----------------------------------------------------------


def test_member_votes_without_javascript_and_returns_to_the_answer(client, question, alice, bob):
    a = aged(answer(question, alice))
    client.force_login(bob)
    page_url = question.get_absolute_url() + "?sort=top"
    response = client.post(
        vote_url(a), {"value": "1"}, headers={"referer": "http://testserver" + page_url}
    )
    assert response.status_code == 302
    assert response["Location"] == f"http://testserver{page_url}#a{a.pk}"
    a.refresh_from_db()
    assert a.upvotes == 1
    widget = soup(client.get(page_url)).select_one(f"#a{a.pk} form.vote")
    up = widget.select_one(".vote__button--up")
    assert up["aria-pressed"] == "true" and up["value"] == "0"  # pressing again takes it back
    assert widget.select_one(".vote__score").text.strip().startswith("1")


def test_htmx_vote_swaps_the_widget(client, question, alice, bob):
    a = aged(answer(question, alice))
    client.force_login(bob)
    response = client.post(vote_url(a), {"value": "-1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    widget = soup(response).select_one("form.vote")
    assert widget.select_one(".vote__button--down")["aria-pressed"] == "true"
    assert widget.select_one(".vote__button--up")["aria-pressed"] == "false"
    assert "-1" in widget.select_one(".vote__score").text
    token = widget.select_one("input[name=csrfmiddlewaretoken]")["value"]
    assert token and token != "__csrf_token__"


def test_cached_pages_carry_each_readers_own_csrf_token(client, question, alice, bob):
    a = aged(answer(question, alice))
    client.force_login(bob)
    first = soup(client.get(question.get_absolute_url()))
    token = first.select_one(f"#a{a.pk} input[name=csrfmiddlewaretoken]")["value"]
    assert token != "__csrf_token__"
    client.post(vote_url(a), {"value": "1", "csrfmiddlewaretoken": token})


def test_csrf_is_enforced_on_votes(question, alice, bob):
    from django.test import Client

    a = answer(question, alice)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(bob)
    assert strict.post(vote_url(a), {"value": "1"}).status_code == 403
    assert not Vote.objects.exists()


def test_cannot_vote_on_ones_own_answer(client, question, alice):
    a = answer(question, alice)
    client.force_login(alice)
    response = client.post(vote_url(a), {"value": "1"})
    assert response.status_code == 403
    assert "votre propre réponse" in response.content.decode()
    assert not Vote.objects.exists()
    # and the page does not offer it
    assert not soup(client.get(question.get_absolute_url())).select(f"#a{a.pk} .vote__button")


def test_htmx_refusal_is_shown_in_the_widget(client, question, alice):
    a = answer(question, alice)
    client.force_login(alice)
    response = client.post(vote_url(a), {"value": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 403
    assert "votre propre réponse" in soup(response).select_one(".vote__error").text


@pytest.mark.parametrize("status", [Answer.Status.DELETED, Answer.Status.REMOVED])
def test_cannot_vote_on_a_tombstone(client, question, alice, bob, status):
    a = answer(question, alice)
    Answer.objects.filter(pk=a.pk).update(status=status)
    client.force_login(bob)
    assert client.post(vote_url(a), {"value": "1"}).status_code == 403


@pytest.mark.parametrize("state", [Question.State.LOCKED, Question.State.CLOSED])
def test_cannot_vote_on_a_locked_or_closed_question(client, question, alice, bob, state):
    a = answer(question, alice)
    Question.objects.filter(pk=question.pk).update(state=state)
    client.force_login(bob)
    response = client.post(vote_url(a), {"value": "1"})
    assert response.status_code == 403 and "votes" in response.content.decode()


def test_cannot_vote_once_the_discussion_has_closed(client, question, alice, bob):
    a = answer(question, alice)
    article = question.article
    article.closes_at = timezone.now() - timedelta(minutes=1)
    article.save(update_fields=["closes_at"])
    client.force_login(bob)
    response = client.post(vote_url(a), {"value": "1"})
    assert response.status_code == 403 and "votes" in response.content.decode()
    assert not Vote.objects.exists()


def test_answers_of_unpublished_articles_and_others_pending_answers_are_404(
    client, question, alice, bob
):
    pending = answer(question, alice)
    Answer.objects.filter(pk=pending.pk).update(status=Answer.Status.PENDING)
    client.force_login(bob)
    assert client.post(vote_url(pending), {"value": "1"}).status_code == 404
    a = answer(question, alice)
    article = question.article
    article.published_at = timezone.now() + timedelta(days=1)  # scheduled, not yet out
    article.save(update_fields=["published_at"])
    assert client.post(vote_url(a), {"value": "1"}).status_code == 404
    article.published_at, article.status = timezone.now(), Article.Status.DRAFT
    article.save(update_fields=["published_at", "status"])
    assert client.post(vote_url(a), {"value": "1"}).status_code == 404
    assert not Vote.objects.exists()


def test_unverified_members_cannot_vote(client, question, alice, carol_unverified):
    a = answer(question, alice)
    client.force_login(carol_unverified)
    response = client.post(vote_url(a), {"value": "1"})
    assert response.status_code == 403
    assert "Confirmez votre adresse e-mail pour voter" in response.content.decode()


def test_suspended_members_cannot_vote_and_are_told_why_and_until_when(
    client, question, alice, dave_suspended
):
    a = answer(question, alice)
    client.force_login(dave_suspended)
    page = client.post(vote_url(a), {"value": "1"}).content.decode()
    assert "Votre compte est suspendu jusqu’au" in page and "Insultes répétées." in page
    widget = client.post(vote_url(a), {"value": "1"}, headers={"HX-Request": "true"})
    assert widget.status_code == 403
    assert "suspendu" in soup(widget).select_one(".vote__error").text
    assert not Vote.objects.exists()


def test_a_refusal_without_javascript_offers_the_way_back(client, question, alice, dave_suspended):
    a = answer(question, alice)
    client.force_login(dave_suspended)
    page_url = "http://testserver" + question.get_absolute_url()
    refused = soup(client.post(vote_url(a), {"value": "1"}, headers={"referer": page_url}))
    assert refused.find("a", string="Revenir à la page précédente")["href"] == page_url
    elsewhere = "https://elsewhere.example/trap"
    refused = soup(client.post(vote_url(a), {"value": "1"}, headers={"referer": elsewhere}))
    assert not refused.find("a", string="Revenir à la page précédente")


def test_a_suspension_ends_on_its_date(client, question, alice, dave_suspended):
    dave_suspended.suspended_until = timezone.now() - timedelta(minutes=1)
    dave_suspended.save()
    a = answer(question, alice)
    client.force_login(dave_suspended)
    assert client.post(vote_url(a), {"value": "1"}).status_code == 302
    assert Vote.objects.filter(user=dave_suspended).count() == 1


def test_banned_members_cannot_vote(client, question, alice, make_member):
    banned = make_member("eve", banned=True)
    a = answer(question, alice)
    client.force_login(banned)
    response = client.post(vote_url(a), {"value": "-1"})
    assert response.status_code == 403 and "Votre compte est banni" in response.content.decode()
    assert not Vote.objects.exists()


def test_anonymous_vote_goes_to_login(client, question, alice):
    a = answer(question, alice)
    response = client.post(vote_url(a), {"value": "1"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("value", ["2", "", "up", "1.0", "-2"])
def test_bad_vote_values_are_400(client, question, alice, bob, value):
    a = answer(question, alice)
    client.force_login(bob)
    assert client.post(vote_url(a), {"value": value}).status_code == 400


def test_vote_by_get_is_405(client, question, alice, bob):
    a = answer(question, alice)
    client.force_login(bob)
    assert client.get(vote_url(a)).status_code == 405


def test_vote_on_unknown_answer_is_404(client, bob):
    client.force_login(bob)
    assert client.post("/a/424242/vote/", {"value": "1"}).status_code == 404


def test_a_vote_costs_three_statements_on_postgresql(
    client, question, alice, bob, django_assert_num_queries
):
    """The member, the answer with everything deciding the vote, then the vote itself
    (one call to forum_set_vote). SQLite runs the vote's steps one by one."""
    from django.db import connection

    a = answer(question, alice)
    client.force_login(bob)
    steps = (
        3 if connection.vendor == "postgresql" else 7
    )  # + savepoint, upsert, count, write, release
    with django_assert_num_queries(steps):
        response = client.post(vote_url(a), {"value": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    a.refresh_from_db()
    assert (a.upvotes, a.score) == (1, 1)


def test_voting_too_often_is_a_429(client, question, alice, bob, settings):
    settings.RATE_LIMIT_VOTE_MEMBER = "2/60"
    a = answer(question, alice)
    client.force_login(bob)
    for value in ("1", "0"):
        client.post(vote_url(a), {"value": value})
    response = client.post(vote_url(a), {"value": "1"})
    assert response.status_code == 429 and 0 < int(response["Retry-After"]) <= 60
    assert not Vote.objects.exists()


# --- What readers see ---------------------------------------------------------


def test_young_scores_are_hidden_except_from_their_author(
    client, question, alice, bob, make_member
):
    a = answer(question, alice)
    do_set_vote(voter=bob, answer=a, value=1)
    carol = make_member("carol2")
    client.force_login(carol)
    widget = soup(client.get(question.get_absolute_url())).select_one(f"#a{a.pk} .vote__score")
    assert "masqué" in widget.text and "1" not in widget.text
    client.force_login(alice)
    widget = soup(client.get(question.get_absolute_url())).select_one(f"#a{a.pk} .vote__score")
    assert widget.text.strip().startswith("1")
    aged(a)
    client.force_login(carol)
    widget = soup(client.get(question.get_absolute_url())).select_one(f"#a{a.pk} .vote__score")
    assert widget.text.strip().startswith("1")


def test_sorts_order_answers_and_siblings(client, question, alice, bob, make_member):
    voters = [make_member(f"v{n}") for n in range(6)]
    loved = aged(answer(question, alice, "Aimée."))
    split = aged(answer(question, alice, "Discutée."))
    quiet = aged(answer(question, alice, "Discrète."))
    for v in voters[:4]:
        do_set_vote(voter=v, answer=loved, value=1)
    for v in voters[:3]:
        do_set_vote(voter=v, answer=split, value=1)
    for v in voters[3:6]:
        do_set_vote(voter=v, answer=split, value=-1)
    reply_low = answer(question, bob, "Sous-réponse faible.", parent=quiet)
    reply_high = answer(question, bob, "Sous-réponse forte.", parent=quiet)
    do_set_vote(voter=voters[0], answer=reply_high, value=1)
    url = question.get_absolute_url()

    def order(sort):
        return [
            int(li["id"][1:]) for li in soup(client.get(f"{url}?sort={sort}")).select("li.node")
        ]

    assert order("best") == [loved.pk, split.pk, quiet.pk, reply_high.pk, reply_low.pk]
    assert order("top") == [loved.pk, quiet.pk, reply_high.pk, reply_low.pk, split.pk]
    assert order("controversial")[0] == split.pk
    # equal keys fall back to the id, so the order never flickers between reloads
    assert order("best") == order("best")


def test_pinned_answers_come_first_in_every_sort(client, question, alice, make_member):
    a = aged(answer(question, alice, "Épinglée."))
    b = aged(answer(question, alice, "Populaire."))
    do_set_vote(voter=make_member("fan"), answer=b, value=1)
    Answer.objects.filter(pk=a.pk).update(pinned=True)
    for sort in ("best", "top", "new", "old", "controversial"):
        ids = [
            int(li["id"][1:])
            for li in soup(client.get(f"{question.get_absolute_url()}?sort={sort}")).select(
                "li.node"
            )
        ]
        assert ids[0] == a.pk, sort


def test_pagination_is_stable_for_a_sort(client, question, alice, settings, make_member):
    settings.ANSWERS_PER_PAGE = 3
    fan = make_member("fan")
    made = [aged(answer(question, alice, f"Réponse {n}.")) for n in range(7)]
    for a in made[::2]:
        do_set_vote(voter=fan, answer=a, value=1)
    url = question.get_absolute_url() + "?sort=best"
    seen = []
    for page in (1, 2, 3):
        seen += [
            int(li["id"][1:]) for li in soup(client.get(f"{url}&page={page}")).select("li.node")
        ]
    assert sorted(seen) == sorted(a.pk for a in made) and len(seen) == 7


def test_article_page_shows_each_questions_most_appreciated_answer(
    client, article, alice, bob, make_member
):
    question = article.questions.get(position=2)
    plain = aged(answer(question, alice, "Une réponse moyenne."))
    best = aged(answer(question, bob, "La **meilleure** réponse, de loin."))
    fans = [make_member(f"fan{n}") for n in range(3)]
    for fan in fans:
        do_set_vote(voter=fan, answer=best, value=1)
    do_set_vote(voter=fans[0], answer=plain, value=1)
    card = soup(client.get(article.get_absolute_url())).select(".question-card")[1]
    top = card.select_one(".top-answer")
    assert "La meilleure réponse, de loin." in top.text
    assert "bob" in top.text and "3" in top.select_one(".top-answer__score").text
    assert top.a["href"] == f"/a/{best.pk}/"


def test_article_page_query_count_does_not_grow_with_answers(
    client, article, alice, bob, django_assert_num_queries
):
    for question in article.questions.all():
        for _ in range(3):
            do_set_vote(voter=bob, answer=aged(answer(question, alice)), value=1)
    with django_assert_num_queries(3):  # article, questions with their top answer id, those answers
        client.get(article.get_absolute_url())


def test_member_page_shows_the_sum_of_their_scores(client, question, alice, bob, make_member):
    first = answer(question, alice)
    second = answer(question, alice)
    for n in range(3):
        do_set_vote(voter=make_member(f"f{n}"), answer=first, value=1)
    do_set_vote(voter=bob, answer=second, value=-1)
    page = soup(client.get(reverse("forum:member", kwargs={"username": "alice"})))
    assert "2" in page.select_one(".member__score").text
    assert client.get(reverse("forum:member", kwargs={"username": "nobody"})).status_code == 404


# --- Counters stay exact --------------------------------------------------------


def test_repair_command_fixes_drifted_counters_and_says_what_it_fixed(question, alice, bob, capsys):
    a = answer(question, alice)
    do_set_vote(voter=bob, answer=a, value=1)
    Answer.objects.filter(pk=a.pk).update(upvotes=7, score=7)
    call_command("repair_vote_counts")
    out = capsys.readouterr().out
    assert f"answer {a.pk}" in out and "upvotes 7 → 1" in out
    a.refresh_from_db()
    assert (a.upvotes, a.score) == (1, 1)
    call_command("repair_vote_counts")
    assert "nothing to repair" in capsys.readouterr().out.lower()


def test_recount_matches_rows(question, alice, bob, make_member):
    a = answer(question, alice)
    for n in range(5):
        do_set_vote(voter=make_member(f"r{n}"), answer=a, value=1 if n % 2 else -1)
    a.refresh_from_db()
    assert recount(a.pk) == {
        "upvotes": a.upvotes,
        "downvotes": a.downvotes,
        "score": a.score,
        "rank_best": a.rank_best,
        "rank_controversial": a.rank_controversial,
    }
