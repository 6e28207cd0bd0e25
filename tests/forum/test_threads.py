"""Reading a discussion: the tree, its order, its pages, and what it costs."""

import random
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forum.answers import do_post_answer
from forum.models import Answer
from forum.threads import MAX_DEPTH_SHOWN, build_forest, flatten


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def answer(question, author, body="Réponse.", parent=None):
    return do_post_answer(author=author, question=question, body=body, parent=parent)[0]


def chain(question, authors, length, start=None):
    """A line of replies, each answering the previous one."""
    parent, made = start, []
    for n in range(length):
        parent = answer(question, authors[n % len(authors)], f"Niveau {n}.", parent=parent)
        made.append(parent)
    return made


def ids_in_page_order(response):
    return [int(li["id"][1:]) for li in soup(response).select("li.node")]


def test_replies_hang_under_their_parent_in_the_page(client, question, alice, bob):
    first = answer(question, alice, "Premier.")
    reply = answer(question, bob, "Réponse au premier.", parent=first)
    second = answer(question, bob, "Second.")
    page = soup(client.get(question.get_absolute_url() + "?sort=old"))
    assert page.select_one(f"#a{first.pk} ol.replies > li#a{reply.pk}")
    assert [li["id"] for li in page.select("#thread > li.node")] == [
        f"a{first.pk}",
        f"a{second.pk}",
    ]


def test_every_subtree_collapses_without_javascript(client, question, alice, bob):
    first = answer(question, alice)
    answer(question, bob, parent=first)
    answer(question, bob, parent=first)
    details = soup(client.get(question.get_absolute_url())).select_one(f"#a{first.pk} > details")
    assert details.has_attr("open")
    assert "2 réponses" in details.summary.text


def test_sort_new_and_old_and_the_choice_is_remembered(client, question, alice, bob):
    older = answer(question, alice, "Ancienne.")
    Answer.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(hours=1))
    newer = answer(question, bob, "Récente.")
    url = question.get_absolute_url()
    assert ids_in_page_order(client.get(url + "?sort=old")) == [older.pk, newer.pk]
    response = client.get(url + "?sort=new")
    assert ids_in_page_order(response) == [newer.pk, older.pk]
    assert response.cookies["answer_sort"].value == "new"
    assert ids_in_page_order(client.get(url)) == [newer.pk, older.pk]


def test_unknown_sort_falls_back_to_the_default(client, question, alice):
    answer(question, alice)
    assert client.get(question.get_absolute_url() + "?sort=<script>").status_code == 200


def test_siblings_are_sorted_at_every_level(client, question, alice, bob):
    top = answer(question, alice)
    early = answer(question, bob, "Tôt.", parent=top)
    Answer.objects.filter(pk=early.pk).update(created_at=timezone.now() - timedelta(hours=1))
    late = answer(question, alice, "Tard.", parent=top)
    assert ids_in_page_order(client.get(question.get_absolute_url() + "?sort=new")) == [
        top.pk,
        late.pk,
        early.pk,
    ]


def test_top_level_answers_are_paginated_with_their_replies(client, question, alice, bob, settings):
    settings.ANSWERS_PER_PAGE = 2
    roots = [answer(question, alice, f"Racine {n}.") for n in range(5)]
    reply = answer(question, bob, "Sous la troisième.", parent=roots[2])
    url = question.get_absolute_url()
    first = client.get(url + "?sort=old")
    assert ids_in_page_order(first) == [roots[0].pk, roots[1].pk]
    more = soup(first).select_one(".load-more a")
    assert more["href"] == "?sort=old&page=2"
    assert ids_in_page_order(client.get(url + "?page=2")) == [roots[2].pk, reply.pk, roots[3].pk]
    assert not soup(client.get(url + "?page=3")).select_one(".load-more")


def test_load_more_under_htmx_returns_only_the_next_items(client, question, alice, settings):
    settings.ANSWERS_PER_PAGE = 1
    answer(question, alice, "Un.")
    two = answer(question, alice, "Deux.")
    response = client.get(
        question.get_absolute_url() + "?sort=old&page=2", headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert "<html" not in html and f'id="a{two.pk}"' in html


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "²", "99999999999999999999"])
def test_bad_page_numbers_are_404(client, question, page):
    assert client.get(question.get_absolute_url() + f"?page={page}").status_code == 404


def test_indentation_stops_at_six_and_deeper_replies_name_their_parent(
    client, question, alice, bob
):
    line = chain(question, [alice, bob], 9)
    page = soup(client.get(question.get_absolute_url()))
    deepest = page.select_one(f"#a{line[8].pk}")
    # Nested lists stop at six levels; the reply at depth 8 stands beside its parent.
    assert len(deepest.find_parents("ol", class_="replies")) == 6
    assert "en réponse à @bob" in deepest.select_one(".answer__reply-to").text
    assert "narrow-only" not in deepest.select_one(".answer__reply-to")["class"]
    level4 = page.select_one(f"#a{line[4].pk} .answer__reply-to")
    assert "narrow-only" in level4["class"]  # shown on narrow screens only


def test_past_twelve_levels_continue_on_the_permalink(client, question, alice, bob):
    line = chain(question, [alice, bob], MAX_DEPTH_SHOWN + 3)
    page = soup(client.get(question.get_absolute_url()))
    shown = {int(li["id"][1:]) for li in page.select("li.node")}
    assert line[MAX_DEPTH_SHOWN].pk in shown and line[MAX_DEPTH_SHOWN + 1].pk not in shown
    link = page.select_one(f"#a{line[MAX_DEPTH_SHOWN].pk} .answer__continue")
    assert link["href"] == f"/a/{line[MAX_DEPTH_SHOWN].pk}/"
    deeper = soup(client.get(link["href"]))
    assert deeper.select_one(f"#a{line[MAX_DEPTH_SHOWN + 2].pk}")


def test_permalink_shows_ancestors_itself_highlighted_and_its_subtree(client, question, alice, bob):
    top, middle, bottom = chain(question, [alice, bob], 3)
    sibling = answer(question, alice, "À côté.", parent=top)
    page = soup(client.get(f"/a/{middle.pk}/"))
    crumbs = [a["href"] for a in page.select(".breadcrumb a")]
    assert crumbs[-1] == f"/a/{top.pk}/" and question.get_absolute_url() in crumbs
    assert page.select_one(f"#a{middle.pk} .answer--focus")
    assert page.select_one(f"#a{bottom.pk}")
    assert not page.select_one(f"#a{sibling.pk}") and not page.select_one(f"#a{top.pk}")


def test_tombstones_keep_their_place(client, question, alice, bob):
    top = answer(question, alice, "Effacée.")
    answer(question, bob, "Toujours là.", parent=top)
    Answer.objects.filter(pk=top.pk).update(
        status=Answer.Status.REMOVED, removal_reason="hors sujet"
    )
    page = client.get(question.get_absolute_url()).content.decode()
    assert "[retiré par la modération : hors sujet]" in page.replace("\xa0", " ")
    assert "Effacée." not in page and "Toujours là." in page


def test_pending_answers_are_shown_to_their_author_only(client, question, alice, bob):
    pending = answer(question, alice, "En attente.")
    Answer.objects.filter(pk=pending.pk).update(status=Answer.Status.PENDING)
    assert "En attente." not in client.get(question.get_absolute_url()).content.decode()
    client.force_login(bob)
    assert "En attente." not in client.get(question.get_absolute_url()).content.decode()
    assert client.get(f"/a/{pending.pk}/").status_code == 404
    client.force_login(alice)
    assert "En attente." in client.get(question.get_absolute_url()).content.decode()


def test_spam_is_hidden_with_its_replies(client, question, alice, bob):
    spam = answer(question, alice, "Achetez.")
    answer(question, bob, "Sous le spam.", parent=spam)
    Answer.objects.filter(pk=spam.pk).update(status=Answer.Status.SPAM)
    page = client.get(question.get_absolute_url()).content.decode()
    assert "Achetez." not in page and "Sous le spam." not in page


def test_members_see_what_is_new_since_their_last_visit(client, question, alice, bob):
    answer(question, alice, "Déjà lue.")
    client.force_login(bob)
    client.get(question.get_absolute_url())  # first visit: nothing is "new"
    fresh = answer(question, alice, "Toute neuve.")
    answer(question, bob, "La mienne.")
    page = soup(client.get(question.get_absolute_url()))
    assert [int(b.find_parent("li")["id"][1:]) for b in page.select(".badge--new")] == [fresh.pk]
    assert "1 nouvelle réponse depuis votre dernière visite" in page.select_one(".new-since").text
    assert not soup(client.get(question.get_absolute_url())).select(".badge--new")


def test_deleted_account_signs_as_deleted(client, question, alice):
    answer(question, alice, "Signée.")
    alice.anonymised_at = timezone.now()
    alice.username = f"deleted-{alice.pk}"
    alice.save()
    page = client.get(question.get_absolute_url()).content.decode()
    assert "[compte supprimé]" in page and "Signée." in page


def test_flatten_closes_every_list_it_opens():
    """However the tree is shaped, the markup it produces is balanced."""
    rng = random.Random(7)

    class A:
        def __init__(self, pk, parent):
            self.pk, self.parent_id, self.pinned = pk, parent, False
            self.created_at = timezone.now() + timedelta(seconds=pk)
            self.author_id = 1

    answers = [A(1, None)]
    for pk in range(2, 300):
        answers.append(A(pk, rng.choice(answers).pk if rng.random() < 0.8 else None))
    roots = [a for a in answers if a.parent_id is None]
    replies = [a for a in answers if a.parent_id is not None]
    nodes = flatten(build_forest(roots, replies, sort="old"))
    assert len(nodes) == len(answers)
    assert sum(n.closing.count("</li>") for n in nodes) == len(nodes)  # every <li> closed once
    assert sum(n.closing.count("</ol>") for n in nodes) == sum(n.opens for n in nodes)


def _thread(question, members, size):
    rng = random.Random(size)
    made = []
    for n in range(size):
        # Within the twelve levels a page shows, so every answer is on it.
        shallow = [a for a in made[-50:] if a.depth < MAX_DEPTH_SHOWN]
        parent = rng.choice(shallow) if shallow and rng.random() < 0.7 else None
        made.append(answer(question, members[n % len(members)], f"Réponse {n}.", parent=parent))


@pytest.mark.parametrize("size", [10, 1000])
def test_question_page_queries_do_not_grow_with_the_thread(
    client, question, alice, bob, size, settings
):
    settings.ANSWERS_PER_PAGE = 1000
    _thread(question, [alice, bob], size)
    client.force_login(bob)
    client.get(question.get_absolute_url())  # the first visit writes once more
    with CaptureQueriesContext(connection) as queries:
        response = client.get(question.get_absolute_url())
    assert len(soup(response).select("li.node")) == size
    # user (the session comes from the cache), verified e-mail, question, last visit
    # (read + write), roots, replies, their authors, the member's own votes on the page
    assert len(queries) == 9, [q["sql"] for q in queries]


def test_anonymous_question_page_is_four_queries(client, question, alice, bob):
    _thread(question, [alice, bob], 50)
    with CaptureQueriesContext(connection) as queries:
        client.get(question.get_absolute_url())
    assert len(queries) == 4  # question, roots, replies, their authors


def test_cached_answers_never_show_stale_content(client, question, alice, bob):
    """Rendered answers are cached; every change must show on the next read."""
    mine = answer(question, alice, "Version un.")
    client.force_login(bob)
    url = question.get_absolute_url()
    assert "Version un." in client.get(url).content.decode()
    client.force_login(alice)
    client.post(f"/a/{mine.pk}/edit/", {"body": "Version deux."})
    client.force_login(bob)
    page = client.get(url).content.decode()
    assert "Version deux." in page and "Version un." not in page
    answer(question, bob, "Une réponse.", parent=mine)
    assert "1 réponse" in soup(client.get(url)).select_one(f"#a{mine.pk} summary").text
    alice.username = "alice2"
    alice.save()
    assert "alice2" in soup(client.get(url)).select_one(f"#a{mine.pk} summary").text


def test_the_author_sees_edit_links_other_readers_of_the_same_cache_do_not(
    client, question, alice, bob
):
    mine = answer(question, alice)
    client.force_login(alice)
    assert soup(client.get(question.get_absolute_url())).select_one(
        f"#a{mine.pk} a[href$='/edit/']"
    )
    client.force_login(bob)
    assert not soup(client.get(question.get_absolute_url())).select_one(
        f"#a{mine.pk} a[href$='/edit/']"
    )
    client.logout()
    page = soup(client.get("/en" + question.get_absolute_url()))
    assert page.select_one(f"#a{mine.pk} .answer__permalink").text == "Link"
    assert page.select_one(f"#a{mine.pk} .answer__permalink")["href"] == f"/en/a/{mine.pk}/"
