"""GET /articles/<slug>/<question>/: a reader question with its answers, as a tree."""

import random
import re

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum.answers import do_edit_answer
from forum.moderation.actions import do_decide, do_flag
from forum.rules import slow_mode_of
from forum.threads import MAX_DEPTH_SHOWN
from forum.voting import do_set_vote
from tests.factories import (
    long_ago,
    make_answer,
    make_article,
    make_question,
    make_thread,
    vote_on,
)
from tests.pages import soup, text_of

pytestmark = pytest.mark.django_db


def plain(text) -> str:
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


def english(url: str) -> str:
    """The page in English (after an /en/ request, reverse() already gives /en/ addresses)."""
    return "/en" + url.removeprefix("/en")


def ids_in_page_order(response) -> list[int]:
    return [int(li["id"][1:]) for li in soup(response).select("li.node")]


@pytest.fixture
def question():
    return make_question(text="Faut-il s’en inquiéter ?")


# --- The page -------------------------------------------------------------------------


def test_shows_the_question_and_links_back_to_its_article(client, question):
    response = client.get(question.get_absolute_url())
    assert response.status_code == 200
    page = soup(response)
    assert plain(page.h1.text) == "Faut-il s’en inquiéter ?"
    assert page.select_one(".breadcrumb a")["href"] == question.article.get_absolute_url()
    assert "Aucune réponse pour l’instant" in plain(page.select_one(".empty").text)


def test_replies_hang_under_their_parent(client, question, alice, bob):
    first = make_answer(question, alice, body="Premier.")
    reply = make_answer(question, bob, parent=first, body="Réponse au premier.")
    second = make_answer(question, bob, body="Second.")
    page = soup(client.get(question.get_absolute_url() + "?sort=old"))
    assert page.select_one(f"#a{first.pk} ol.replies > li#a{reply.pk}")
    assert [li["id"] for li in page.select("#thread > li.node")] == [
        f"a{first.pk}",
        f"a{second.pk}",
    ]


def test_every_subtree_collapses_without_javascript(client, question, alice, bob):
    first = make_answer(question, alice)
    make_answer(question, bob, parent=first)
    make_answer(question, bob, parent=first)
    node = soup(client.get(question.get_absolute_url())).select_one(f"#a{first.pk}")
    details = node.select_one(":scope > details")
    assert details.has_attr("open") and details.summary is not None
    # Outside the fold, so a folded thread still says who wrote it and how much it holds.
    assert "2 réponses" in node.select_one(":scope > .answer__meta").text


def test_indentation_stops_at_six_and_deeper_replies_name_their_parent(
    client, question, alice, bob
):
    line = make_thread(question, [alice, bob], 9)
    page = soup(client.get(question.get_absolute_url()))
    deepest = page.select_one(f"#a{line[8].pk}")
    # Nested lists stop at six levels; the reply at depth 8 stands beside its parent.
    assert len(deepest.find_parents("ol", class_="replies")) == 6
    assert "en réponse à @bob" in deepest.select_one(".answer__reply-to").text
    assert "narrow-only" not in deepest.select_one(".answer__reply-to")["class"]
    level4 = page.select_one(f"#a{line[4].pk} .answer__reply-to")
    assert "narrow-only" in level4["class"]  # shown on narrow screens only


def test_past_twelve_levels_the_thread_continues_on_the_permalink(client, question, alice, bob):
    line = make_thread(question, [alice, bob], MAX_DEPTH_SHOWN + 2)
    page = soup(client.get(question.get_absolute_url()))
    assert page.select_one(f"#a{line[MAX_DEPTH_SHOWN].pk} .answer__continue")
    assert not page.select_one(f"#a{line[MAX_DEPTH_SHOWN + 1].pk}")


# --- What each status shows -----------------------------------------------------------


def test_removed_answers_keep_their_place_with_the_reason(client, question, alice, bob):
    removed = make_answer(
        question, alice, body="Effacée.", status="removed", removal_reason="hors sujet"
    )
    make_answer(question, bob, parent=removed, body="Toujours là.")
    page = plain(client.get(question.get_absolute_url()).content.decode())
    assert "[retiré par la modération : hors sujet]" in page
    assert "Effacée." not in page and "Toujours là." in page


def test_a_removal_names_the_rule_broken_and_keeps_the_replies(
    client, question, alice, bob, moderator
):
    removed = make_answer(question, alice, body="Effacée.")
    make_answer(question, bob, parent=removed, body="Toujours là.")
    do_decide(
        moderator=moderator, answer=removed, verb="remove", seen_version=removed.version,
        rule="abuse", reason="Insultes envers un autre membre.",
    )  # fmt: skip
    question.refresh_from_db()
    assert question.answer_count == 1  # the reply
    response = client.get(english(question.get_absolute_url()))
    node = soup(response).select_one(f"#a{removed.pk}")
    assert plain(node.select_one(".answer__body").text) == (
        "[removed by moderation: harassment or abuse]"
    )
    assert "alice" not in node.select_one(".answer__meta").text
    page = plain(response.content.decode())
    assert "Effacée." not in page and "Toujours là." in page
    # What the moderator wrote is for the author, not for the thread.
    assert "Insultes" not in page


def test_deleted_answers_keep_their_place(client, question, alice, bob):
    top = make_answer(question, alice, body="Regrettée.")
    make_answer(question, bob, parent=top, body="Réponse restée.")
    make_answer(question, alice, body="Autre.", status="deleted")
    page = plain(soup(client.get(question.get_absolute_url())).select_one("main").text)
    assert "Regrettée." in page and "Autre." not in page
    assert "[supprimé par l’auteur]" in page


def test_a_withdrawn_answer_names_neither_its_author_nor_its_time(client, question, alice, bob):
    gone = make_answer(question, alice, body="Regrettée.", status="deleted")
    make_answer(question, bob, parent=gone, body="Réponse restée.")
    node = soup(client.get(question.get_absolute_url())).select_one(f"#a{gone.pk}")
    meta = node.select_one(".answer__meta")
    assert "alice" not in node.text and meta.find("time") is None
    assert "[retirée]" in meta.text and "Réponse restée." in node.text


def test_withdrawn_replies_come_after_the_living_in_every_sort(client, question, alice, bob):
    top = make_answer(question, alice)
    gone = make_answer(question, bob, parent=top, body="Partie.", status="deleted")
    # Written first: "old" would put it first, were it alive.
    alive = make_answer(question, bob, parent=top, body="Vivante.")
    for sort in ("best", "top", "new", "old", "controversial"):
        order = ids_in_page_order(client.get(question.get_absolute_url() + f"?sort={sort}"))
        assert order == [top.pk, alive.pk, gone.pk], sort


def test_text_that_looks_like_the_token_placeholder_is_shown_as_typed(client, question, alice):
    """Cached answers carry a placeholder for each reader's CSRF token; what people write
    must never be taken for it, or a link could carry readers' tokens away."""
    typed = "Lien : https://evil.example/?t=__csrf_token__ et <csrf-token> aussi."
    make_answer(question, alice, body=typed)
    body = soup(client.get(question.get_absolute_url())).select_one(".answer__body")
    assert body.find("a")["href"] == "https://evil.example/?t=__csrf_token__"
    assert "<csrf-token>" in body.text


def test_authors_link_to_their_members_page_beside_their_initials(client, question, make_member):
    camille = make_member("Camille_R")
    make_answer(question, camille, body="Signée.")
    byline = soup(client.get(question.get_absolute_url())).select_one(".answer__byline")
    link = byline.select_one("a.answer__author")
    assert link.text == "Camille_R" and link["href"] == "/members/Camille_R/"
    assert byline.select_one(".avatar[aria-hidden=true]").text == "CR"


def test_pending_answers_are_shown_to_their_author_only(client, client_for, question, alice, bob):
    make_answer(question, alice, body="En attente.", status="pending")
    url = question.get_absolute_url()
    assert "En attente." not in client.get(url).content.decode()
    assert "En attente." not in client_for(bob).get(url).content.decode()
    mine = soup(client_for(alice).get(url))
    assert "En attente." in mine.text
    assert "en attente de modération" in mine.select_one(".badge").text


def test_an_answer_held_for_review_tells_its_author_nobody_else_sees_it(
    client_for, question, alice
):
    held = make_answer(question, alice, body="En attente.", status="pending")
    node = soup(client_for(alice).get(english(question.get_absolute_url()))).select_one(
        f"#a{held.pk}"
    )
    assert node.select_one(".badge").text == "awaiting review"
    assert plain(node.select_one(".answer__notice").text) == (
        "Only you can see this answer: it is hidden from readers until a moderator has reviewed it."
    )
    # Nothing to flag, vote on or reply to while it waits.
    assert not node.select(".answer__actions a[href$='/flag/'], .vote__button")


def test_spam_is_hidden_with_its_replies(client, question, alice, bob):
    spam = make_answer(question, alice, body="Achetez.", status="spam")
    make_answer(question, bob, parent=spam, body="Sous le spam.")
    page = client.get(question.get_absolute_url()).content.decode()
    assert "Achetez." not in page and "Sous le spam." not in page


def test_a_deleted_account_signs_as_deleted(client, client_for, question, alice):
    make_answer(question, alice, body="Signée.")
    alice_browser = client_for(alice)
    alice_browser.submit(reverse("account_delete"), "main form", {"password": "pw-alice"})
    page = plain(client.get(question.get_absolute_url()).content.decode())
    assert "[compte supprimé]" in page and "Signée." in page


# --- What each reader may do ----------------------------------------------------------


def test_the_answer_form_is_offered_to_verified_members_only(
    client, client_for, question, carol_unverified, alice
):
    url = question.get_absolute_url()
    anonymous = soup(client.get(url))
    assert "Connectez-vous pour répondre" in anonymous.select_one("#answer-form").text
    unverified = soup(client_for(carol_unverified).get(url))
    assert (
        "Confirmez votre adresse e-mail pour répondre" in unverified.select_one("#answer-form").text
    )
    assert not unverified.select("textarea")
    assert soup(client_for(alice).get(url)).select_one("form#answer-form textarea[name=body]")


def test_an_unconfirmed_member_is_offered_the_confirmation_link_again(
    client_for, question, carol_unverified
):
    page = soup(client_for(carol_unverified).get(question.get_absolute_url()))
    notice = page.select_one("#answer-form")
    assert "Confirmez votre adresse e-mail" in notice.text
    assert notice.select_one("a.resend-link")["href"] == "/accounts/email/"


@pytest.mark.parametrize(
    ("member", "reason"),
    [("dave_suspended", "suspendu jusqu’au"), ("erin_banned", "Votre compte est banni")],
)
def test_sanctioned_members_are_told_why_instead_of_the_form(
    client_for, question, member, reason, request
):
    page = soup(client_for(request.getfixturevalue(member)).get(question.get_absolute_url()))
    notice = plain(page.select_one("#answer-form").text)
    assert reason in notice
    assert not page.select("form textarea[name=body]")


@pytest.mark.parametrize(
    ("article_state", "question_state", "reason"),
    [
        ("published", "locked", "This discussion is locked: answers can be read but not added."),
        ("published", "closed", "This discussion is closed to new answers."),
        ("closed", "open", "This discussion is closed to new answers."),
    ],
)
def test_readers_and_members_are_told_why_the_form_is_gone(
    client, client_for, alice, article_state, question_state, reason
):
    question = make_question(make_article(article_state), state=question_state)
    for browser in (client, client_for(alice)):
        page = soup(browser.get(english(question.get_absolute_url())))
        # Only why: signing in would change nothing.
        assert plain(page.select_one("#answer-form").text) == reason
        assert not page.select("form textarea[name=body]")


def test_readers_of_an_open_discussion_are_invited_to_sign_in(client, question):
    notice = soup(client.get(english(question.get_absolute_url()))).select_one("#answer-form")
    assert plain(notice.text) == "Sign in to answer. Sign in · Create an account"


@pytest.mark.usefixtures("fast_forms")
@pytest.mark.parametrize("article_state", ["published", "closed"])
def test_a_closed_discussion_still_takes_replies_to_its_answers(
    client_for, alice, bob, article_state
):
    question_state = "closed" if article_state == "published" else "open"
    question = make_question(make_article(article_state), state=question_state)
    answer = make_answer(question, alice, created_at=long_ago(hours=2))
    bob_browser = client_for(bob)
    node = soup(bob_browser.get(question.get_absolute_url())).select_one(f"#a{answer.pk}")
    assert node.select_one(f"a[href='/a/{answer.pk}/reply/']")
    assert node.select(".vote__button") and node.select_one(f"a[href='/a/{answer.pk}/flag/']")
    response = bob_browser.submit(
        f"/a/{answer.pk}/reply/", f"#reply-form-{answer.pk}", {"body": "J’ajoute ceci."}
    )
    assert response.status_code == 302
    assert answer.replies.get().body == "J’ajoute ceci."


def test_a_locked_discussion_offers_no_reply_vote_or_flag(client, client_for, alice, bob):
    question = make_question(state="locked")
    answer = make_answer(question, alice, created_at=long_ago(hours=2))
    vote_on(answer, up=2)
    for browser in (client, client_for(bob)):
        node = soup(browser.get(question.get_absolute_url())).select_one(f"#a{answer.pk}")
        actions = node.select_one(".answer__actions")
        # Reading and notifying illegal content stay open; nothing can be added.
        assert [a.text for a in actions.select("a")] == ["Lien", "Signaler un contenu illicite"]
        assert not actions.select("button")
        assert "2" in actions.select_one(".vote__score").text  # the score still reads


def test_pinned_and_featured_answers_say_so(client, question, alice, bob, moderator):
    pinned = make_answer(question, alice, body="Épinglée.")
    featured = make_answer(question, bob, body="Choisie.")
    do_decide(moderator=moderator, answer=pinned, verb="pin", seen_version=pinned.version)
    do_decide(moderator=moderator, answer=featured, verb="feature", seen_version=featured.version)
    page = soup(client.get(english(question.get_absolute_url())))
    assert page.select_one(f"#a{pinned.pk} .badge--pinned").text == "Pinned"
    assert page.select_one(f"#a{featured.pk} .badge--featured").text == "Editors’ pick"
    assert not page.select_one(f"#a{featured.pk} .badge--pinned")
    # Newer, the featured one would come first; pinned, the other stands above it.
    assert ids_in_page_order(client.get(question.get_absolute_url())) == [pinned.pk, featured.pk]


@pytest.mark.parametrize(
    ("state", "reason"),
    [("locked", "Cette discussion est verrouillée"), ("closed", "Cette discussion est close")],
)
def test_locked_or_closed_questions_say_so_instead_of_the_form(client_for, alice, state, reason):
    question = make_question(state=state)
    page = soup(client_for(alice).get(question.get_absolute_url()))
    assert reason in plain(page.select_one("#answer-form").text)
    assert not page.select("form textarea[name=body]")


def test_a_discussion_past_its_closing_date_says_so(client_for, alice):
    question = make_question(make_article("closed"))
    page = soup(client_for(alice).get(question.get_absolute_url()))
    assert "Cette discussion est close" in plain(page.select_one("#answer-form").text)


def test_own_answers_offer_edit_and_delete_and_others_do_not(client_for, question, alice, bob):
    mine = make_answer(question, alice)
    theirs = make_answer(question, bob)
    page = soup(client_for(alice).get(question.get_absolute_url()))
    mine_links = [a["href"] for a in page.select(f"#a{mine.pk} .answer__actions a")]
    theirs_links = [a["href"] for a in page.select(f"#a{theirs.pk} .answer__actions a")]
    assert f"/a/{mine.pk}/edit/" in mine_links and f"/a/{mine.pk}/delete/" in mine_links
    assert f"/a/{theirs.pk}/reply/" in theirs_links
    assert not [h for h in theirs_links if h.endswith(("/edit/", "/delete/"))]


def test_readers_sharing_the_cached_answers_see_only_their_own_links(
    client, client_for, question, alice, bob
):
    mine = make_answer(question, alice)
    edit_link = f"#a{mine.pk} a[href$='/edit/']"
    assert soup(client_for(alice).get(question.get_absolute_url())).select_one(edit_link)
    assert not soup(client_for(bob).get(question.get_absolute_url())).select_one(edit_link)
    english = soup(client.get("/en" + question.get_absolute_url()))
    assert not english.select_one(edit_link)
    assert english.select_one(f"#a{mine.pk} .answer__permalink").text == "Link"
    assert english.select_one(f"#a{mine.pk} .answer__permalink")["href"] == f"/en/a/{mine.pk}/"


def test_young_scores_are_hidden_except_from_their_author(client_for, question, alice, charlie):
    young = vote_on(make_answer(question, alice), up=1)
    old = vote_on(make_answer(question, alice, created_at=long_ago(hours=2)), up=1)
    page = soup(client_for(charlie).get(question.get_absolute_url()))
    assert not re.search(r"\d", page.select_one(f"#a{young.pk} .vote__score").text)
    assert page.select_one(f"#a{old.pk} .vote__score").text.startswith("1")
    by_author = soup(client_for(alice).get(question.get_absolute_url()))
    assert by_author.select_one(f"#a{young.pk} .vote__score").text.startswith("1")


def test_members_see_what_is_new_since_their_last_visit(client_for, question, alice, bob):
    make_answer(question, alice, body="Déjà lue.")
    bob_browser = client_for(bob)
    bob_browser.get(question.get_absolute_url())  # the first visit: nothing is "new"
    fresh = make_answer(question, alice, body="Toute neuve.")
    make_answer(question, bob, body="La mienne.")
    page = soup(bob_browser.get(question.get_absolute_url()))
    assert [int(b.find_parent("li")["id"][1:]) for b in page.select(".badge--new")] == [fresh.pk]
    assert "1 nouvelle réponse depuis votre dernière visite" in page.select_one(".new-since").text
    assert not soup(bob_browser.get(question.get_absolute_url())).select(".badge--new")


def test_cached_answers_never_show_stale_content(client_for, question, alice, bob):
    """Rendered answers are cached; every change must show on the next read."""
    mine = make_answer(question, alice, body="Version un.")
    bob_browser = client_for(bob)
    url = question.get_absolute_url()
    assert "Version un." in bob_browser.get(url).content.decode()
    do_edit_answer(answer=mine, editor=alice, body="Version deux.")
    page = bob_browser.get(url).content.decode()
    assert "Version deux." in page and "Version un." not in page
    make_answer(question, bob, parent=mine, body="Une réponse.")
    assert "1 réponse" in soup(bob_browser.get(url)).select_one(f"#a{mine.pk} .answer__meta").text
    alice.username = "alice2"
    alice.save()
    assert "alice2" in soup(bob_browser.get(url)).select_one(f"#a{mine.pk} .answer__meta").text


# --- Sorts and pages ------------------------------------------------------------------


@pytest.fixture
def ranked(question, alice):
    """Five answers, oldest first: a 4 up; b 3 up 3 down; c and d 1 up each; e none."""
    made = [make_answer(question, alice, created_at=long_ago(hours=2)) for _ in range(5)]
    for answer, (up, down) in zip(made, [(4, 0), (3, 3), (1, 0), (1, 0), (0, 0)], strict=True):
        vote_on(answer, up=up, down=down)
    return made


def test_best_ranks_by_the_lower_bound_of_the_share_of_upvotes(client, question, ranked):
    a, b, c, d, e = ranked
    # Wilson lower bound, z² = 1.6424: n up and none down gives n / (n + z²), so
    # a = 4 / 5.6424 = 0.709, c = d = 1 / 2.6424 = 0.378; b (3 up, 3 down) = 0.268; e = 0.
    # c and d tie: the newer (larger id) comes first.
    order = ids_in_page_order(client.get(question.get_absolute_url() + "?sort=best"))
    assert order == [a.pk, d.pk, c.pk, b.pk, e.pk]


def test_top_ranks_by_score_and_ties_by_newest_id(client, question, ranked):
    a, b, c, d, e = ranked
    # Scores: a 4, c 1, d 1, b 3 - 3 = 0, e 0.
    order = ids_in_page_order(client.get(question.get_absolute_url() + "?sort=top"))
    assert order == [a.pk, d.pk, c.pk, e.pk, b.pk]


def test_controversial_ranks_evenly_split_votes_first(client, question, ranked):
    a, b, c, d, e = ranked
    # (up + down) ** balance: b = 6 ** (3/3) = 6; every answer without a downvote is 0.
    order = ids_in_page_order(client.get(question.get_absolute_url() + "?sort=controversial"))
    assert order == [b.pk, e.pk, d.pk, c.pk, a.pk]


def test_new_and_old_order_by_time_and_ties_by_id(client, question, alice):
    moment = long_ago(hours=1)
    first_twin = make_answer(question, alice, body="Jumelle 1.", created_at=moment)
    second_twin = make_answer(question, alice, body="Jumelle 2.", created_at=moment)
    oldest = make_answer(question, alice, body="Ancienne.", created_at=long_ago(hours=3))
    url = question.get_absolute_url()
    new = ids_in_page_order(client.get(url + "?sort=new"))
    assert new == [second_twin.pk, first_twin.pk, oldest.pk]
    old = ids_in_page_order(client.get(url + "?sort=old"))
    assert old == [oldest.pk, first_twin.pk, second_twin.pk]


def test_replies_are_sorted_among_themselves_with_ties_by_id(client, question, alice, bob):
    top = make_answer(question, alice, created_at=long_ago(hours=3))
    low = make_answer(question, bob, parent=top, created_at=long_ago(hours=2))
    tie_1 = vote_on(make_answer(question, bob, parent=top, created_at=long_ago(hours=2)), up=2)
    tie_2 = vote_on(make_answer(question, bob, parent=top, created_at=long_ago(hours=2)), up=2)
    url = question.get_absolute_url()
    assert ids_in_page_order(client.get(url + "?sort=top")) == [top.pk, tie_2.pk, tie_1.pk, low.pk]
    assert ids_in_page_order(client.get(url + "?sort=old")) == [top.pk, low.pk, tie_1.pk, tie_2.pk]


def test_pinned_answers_come_first_in_every_sort(client, question, alice):
    pinned = make_answer(question, alice, body="Épinglée.", pinned=True)
    vote_on(make_answer(question, alice, body="Populaire.", created_at=long_ago(hours=2)), up=3)
    for sort in ("best", "top", "new", "old", "controversial"):
        order = ids_in_page_order(client.get(f"{question.get_absolute_url()}?sort={sort}"))
        assert order[0] == pinned.pk, sort


def test_the_chosen_sort_is_remembered(client, question, alice):
    older = make_answer(question, alice, created_at=long_ago(hours=1))
    newer = make_answer(question, alice)
    url = question.get_absolute_url()
    response = client.get(url + "?sort=new")
    assert ids_in_page_order(response) == [newer.pk, older.pk]
    assert response.cookies["answer_sort"].value == "new"
    assert ids_in_page_order(client.get(url)) == [newer.pk, older.pk]


def test_an_unknown_sort_falls_back_to_the_default(client, question, alice):
    make_answer(question, alice)
    response = client.get(question.get_absolute_url() + "?sort=<script>")
    assert response.status_code == 200
    assert "answer_sort" not in response.cookies


def test_top_level_answers_are_paginated_with_their_replies(client, question, alice, bob, settings):
    settings.ANSWERS_PER_PAGE = 2
    roots = [
        make_answer(question, alice, body=f"Racine {n}.", created_at=long_ago(hours=10 - n))
        for n in range(5)
    ]
    reply = make_answer(question, bob, parent=roots[2], body="Sous la troisième.")
    url = question.get_absolute_url()
    first = client.get(url + "?sort=old")
    assert ids_in_page_order(first) == [roots[0].pk, roots[1].pk]
    assert soup(first).select_one(".load-more a")["href"] == "?sort=old&page=2"
    assert ids_in_page_order(client.get(url + "?page=2")) == [roots[2].pk, reply.pk, roots[3].pk]
    assert not soup(client.get(url + "?page=3")).select_one(".load-more")


def test_pages_of_a_sort_hold_every_answer_once(client, question, alice, settings):
    settings.ANSWERS_PER_PAGE = 3
    made = [make_answer(question, alice, created_at=long_ago(hours=2)) for _ in range(7)]
    for answer in made[::2]:
        vote_on(answer, up=1)  # four answers tie at one vote, three at none
    url = question.get_absolute_url() + "?sort=best"
    seen = [pk for n in (1, 2, 3) for pk in ids_in_page_order(client.get(f"{url}&page={n}"))]
    assert seen == [
        made[6].pk,
        made[4].pk,
        made[2].pk,
        made[0].pk,
        made[5].pk,
        made[3].pk,
        made[1].pk,
    ]


def test_more_answers_under_htmx_are_only_the_next_items(client, question, alice, settings):
    settings.ANSWERS_PER_PAGE = 1
    make_answer(question, alice, body="Un.", created_at=long_ago(hours=2))
    two = make_answer(question, alice, body="Deux.")
    response = client.get(
        question.get_absolute_url() + "?sort=old&page=2", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'id="answer-form"' not in html
    assert ids_in_page_order(response) == [two.pk]


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "²", "99999999999999999999"])
def test_bad_page_numbers_are_404(client, question, page):
    assert client.get(question.get_absolute_url() + f"?page={page}").status_code == 404


# --- Missing, wrong method ------------------------------------------------------------


def test_an_unknown_question_is_404(client, question):
    url = reverse("forum:question", kwargs={"slug": question.article.slug, "question": "nope"})
    response = client.get(url)
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


@pytest.mark.parametrize("state", ["draft", "scheduled"])
def test_questions_of_unpublished_articles_are_404(client, state):
    question = make_question(make_article(state))
    assert client.get(question.get_absolute_url()).status_code == 404


def test_post_is_405(client, question):
    client.open_a_form_page()  # the CSRF cookie of a visitor about to write
    response = client.post(question.get_absolute_url())
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


# --- What it costs --------------------------------------------------------------------


def _thread(question, members, size):
    rng = random.Random(size)
    made = []
    for n in range(size):
        # Within the twelve levels a page shows, so every answer is on it.
        shallow = [a for a in made[-50:] if a.depth < MAX_DEPTH_SHOWN]
        parent = rng.choice(shallow) if shallow and rng.random() < 0.7 else None
        made.append(make_answer(question, members[n % len(members)], parent=parent))


@pytest.mark.parametrize("size", [10, 1000])
def test_a_members_page_costs_the_same_queries_whatever_the_thread(
    client_for, question, alice, bob, size, settings
):
    settings.ANSWERS_PER_PAGE = 1000
    _thread(question, [alice, bob], size)
    bob_browser = client_for(bob)
    bob_browser.get(question.get_absolute_url())  # the first visit writes once more
    with CaptureQueriesContext(connection) as queries:
        response = bob_browser.get(question.get_absolute_url())
    assert len(soup(response).select("li.node")) == size
    # session with its member (in the database: it must survive a Redis outage, and read
    # together: forum.sessions), question, the member's own votes and open flags on the
    # page (and whom they blocked: one query), and in one query their verified e-mail,
    # unread notifications, whether they moderate, whether they follow the question (or
    # its article) and the page version (the answers themselves come from the copy the
    # first visit left, forum.pagecache); on PostgreSQL that query also records the visit
    # and reads the last one, elsewhere a read and an upsert of their own
    visit = 0 if connection.vendor == "postgresql" else 2
    assert len(queries) == 4 + visit, [q["sql"] for q in queries]


def test_a_members_first_look_at_a_changed_thread_loads_its_answers(
    client_for, question, alice, bob
):
    _thread(question, [alice, bob], 10)
    bob_browser = client_for(bob)
    bob_browser.get(question.get_absolute_url())
    make_answer(question, alice, body="Une de plus.")  # a new page version
    with CaptureQueriesContext(connection) as queries:
        response = bob_browser.get(question.get_absolute_url())
    assert "Une de plus." in text_of(response)
    # As above, and the roots, their replies and their authors.
    visit = 0 if connection.vendor == "postgresql" else 2
    assert len(queries) == 7 + visit, [q["sql"] for q in queries]


def test_an_anonymous_page_is_four_queries(client, question, alice, bob):
    _thread(question, [alice, bob], 50)
    with CaptureQueriesContext(connection) as queries:
        client.get(question.get_absolute_url())
    # The page's version and how long its copy may live (forum.pagecache: the first
    # reader makes the shared copy), question, roots, replies, their authors.
    assert len(queries) == 6


def test_an_empty_page_is_two_queries(client, question):
    with CaptureQueriesContext(connection) as queries:
        client.get(question.get_absolute_url())
    # The page's version and its copy's lifetime, the question with its article, its
    # top-level answers.
    assert len(queries) == 4


def _pressed(response) -> dict[int, str]:
    """The answers whose vote button the page shows pressed, and which one."""
    return {
        int(actions["id"].removeprefix("actions-")): button["class"][-1].split("--")[-1]
        for actions in soup(response).select(".answer__actions")
        for button in actions.select(".vote__button[aria-pressed=true]")
    }


def _flagged(response) -> set[int]:
    """The answers the page says the viewer flagged."""
    return {
        int(control["id"].removeprefix("flag-"))
        for control in soup(response).select(".flag-control")
        if control.select_one(".flag-control__mine")
    }


@pytest.mark.parametrize("ids_max", [1000, 1], ids=["by the page's ids", "by question"])
def test_a_members_votes_show_on_the_page_of_the_answers_they_are_on(
    client_for, question, alice, bob, settings, monkeypatch, ids_max
):
    # A page of more answers than rules.PAGE_IDS_MAX reads the viewer's facts by question.
    monkeypatch.setattr("forum.rules.PAGE_IDS_MAX", ids_max)
    settings.ANSWERS_PER_PAGE = 2
    roots = [
        make_answer(question, alice, body=f"Racine {n}.", created_at=long_ago(hours=10 - n))
        for n in range(4)
    ]
    do_set_vote(voter=bob, answer=roots[0], value=1)
    do_set_vote(voter=bob, answer=roots[3], value=-1)
    do_flag(reporter=bob, answer=roots[2], reason="spam")
    browser = client_for(bob)
    url = question.get_absolute_url() + "?sort=old"
    first, second = browser.get(url), browser.get(url + "&page=2")
    assert _pressed(first) == {roots[0].pk: "up"}
    assert _pressed(second) == {roots[3].pk: "down"}
    assert [_flagged(first), _flagged(second)] == [set(), {roots[2].pk}]


# --- Which question a URL names (forum.views.access.access_question) ------------------


@pytest.mark.parametrize("state", ["published", "closed", "draft", "scheduled"])
@pytest.mark.parametrize("slowed", [False, True])
def test_a_question_is_found_when_the_orm_finds_it_published(state, slowed, moderator):
    """access_question reads in one plain statement what the ORM reads; both say the
    same of an article in each state, and the question comes with its article and its
    slow mode (or the lack of one) read, so that the page asks no more."""
    from articles.models import Article, Question
    from forum.models import SlowMode
    from forum.views.access import access_question

    question = make_question(make_article(state))
    if slowed:
        SlowMode.objects.create(question=question, minutes=7, set_by=moderator)
    slug = question.article.slug
    published = Question.objects.filter(
        article__in=Article.objects.published(), article__slug=slug, slug=question.slug
    ).exists()
    assert published == (state in {"published", "closed"})
    if not published:
        with pytest.raises(Http404):
            access_question(slug, question.slug)
        return
    found = access_question(slug, question.slug)
    with CaptureQueriesContext(connection) as queries:
        assert found == question and found.text == question.text
        assert found.article == question.article and found.article.closes_at == (
            question.article.closes_at
        )
        assert slow_mode_of(found) == (7 if slowed else 0)
    assert queries.captured_queries == []
    with pytest.raises(Http404):
        access_question(slug, question.slug + "-autre")
    with pytest.raises(Http404):
        access_question(slug + "-autre", question.slug)


# --- What is the member's own on their page --------------------------------------------


def test_a_members_page_says_what_is_theirs(
    client_for, question, alice, bob, carol_unverified, django_capture_on_commit_callbacks
):
    """The facts the page reads in one query (forum.views.threads._read_member_facts), each
    where it shows: the unread count in the header, the follow button's state, the answer
    form or the reason it is not offered."""
    from forum.models import Follow
    from forum.notifications import unread_count

    mine = make_answer(question, alice, body="La mienne.")
    with django_capture_on_commit_callbacks(execute=True):  # the replies notify alice
        for n in range(3):
            make_answer(question, bob, parent=mine, body=f"Réponse {n}.")
    Follow.objects.create(member=alice, article=question.article)
    page = soup(client_for(alice).get(question.get_absolute_url()))
    assert unread_count(alice) == 3
    assert plain(page.select_one("#inbox-link .badge").text) == "(3 non lues)"
    assert (
        "Vous suivez toutes les discussions de cet article" in page.select_one(".follow-bar").text
    )
    assert page.select_one("form#answer-form")

    page = soup(client_for(carol_unverified).get(question.get_absolute_url()))
    assert page.select_one("#inbox-link .badge") is None
    assert "Vous suivez toutes les discussions" not in page.select_one(".follow-bar").text
    assert page.select_one("form#answer-form") is None
    assert "Confirmez votre adresse e-mail" in page.select_one("#answer-form").text
