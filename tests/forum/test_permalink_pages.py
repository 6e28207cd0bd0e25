"""GET /a/<pk>/?page=N: a permalink shows a page of the answer's replies at a time, like the
question page, with a "more" link that works with and without JavaScript."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum.models import Block
from forum.threads import MAX_DEPTH_SHOWN
from tests.factories import long_ago, make_answer, make_question, make_thread, vote_on
from tests.forum.test_tree_path import rows_read
from tests.pages import soup

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def ids_in_page_order(response) -> list[int]:
    return [int(li["id"][1:]) for li in soup(response).select("li.node")]


def reply_count_shown(response, answer) -> str:
    return " ".join(soup(response).select_one(f"#replies-{answer.pk}").text.split())


@pytest.fixture(autouse=True)
def _two_per_page(settings):
    settings.ANSWERS_PER_PAGE = 2


@pytest.fixture
def question():
    return make_question()


@pytest.fixture
def focus(question, alice):
    return make_answer(
        question, alice, body="La réponse du permalien.", created_at=long_ago(days=1)
    )


@pytest.fixture
def replies(question, focus, bob):
    """Five replies to ``focus``, oldest first, with votes that order each sort differently."""
    made = [
        make_answer(
            question, bob, parent=focus, body=f"Réponse {n}.", created_at=long_ago(hours=9 - n)
        )
        for n in range(5)
    ]
    for reply, (up, down) in zip(made, [(3, 0), (1, 1), (0, 0), (2, 1), (0, 1)], strict=True):
        vote_on(reply, up=up, down=down)
    return made


# The replies of ``replies`` in each sort (ties go to the newer one).
ORDERS = {
    "best": [0, 3, 1, 4, 2],  # Wilson bounds .65, .32, .16, then 0 and 0
    "top": [0, 3, 2, 1, 4],  # scores 3, 1, 0, 0, -1
    "new": [4, 3, 2, 1, 0],
    "old": [0, 1, 2, 3, 4],
    "controversial": [1, 3, 4, 2, 0],  # 1 up 1 down, 2 up 1 down, then none
}


# --- Pages ------------------------------------------------------------------------------


@pytest.mark.parametrize("sort", list(ORDERS))
def test_each_page_holds_the_next_replies_in_the_chosen_sort(client, focus, replies, sort):
    expected = [replies[n].pk for n in ORDERS[sort]]
    pages = [
        ids_in_page_order(client.get(f"{focus.get_absolute_url()}?sort={sort}&page={n}"))
        for n in (1, 2, 3)
    ]
    assert pages == [
        [focus.pk, *expected[0:2]],
        [focus.pk, *expected[2:4]],
        [focus.pk, expected[4]],
    ]


def test_the_more_link_is_there_only_while_there_are_more(client, focus, replies):
    url = focus.get_absolute_url() + "?sort=old"
    first, second = soup(client.get(url)), soup(client.get(url + "&page=2"))
    assert first.select_one(".load-more a")["href"] == "?sort=old&page=2"
    assert second.select_one(".load-more a")["data-hx-get"] == "?sort=old&page=3"
    assert not soup(client.get(url + "&page=3")).select_one(".load-more")
    # In the answer's list of replies, so that the next page, swapped in its place, lands there.
    assert first.select_one(f"#a{focus.pk} > details > ol.replies > li.load-more")
    assert [li["id"] for li in first.select("#thread > li")] == [f"a{focus.pk}"]


def test_without_javascript_a_next_page_is_the_answer_with_those_replies(client, focus, replies):
    page = soup(client.get(focus.get_absolute_url() + "?sort=old&page=2"))
    assert page.select_one(".breadcrumb") and page.select_one(f"#a{focus.pk} .answer--focus")
    under = page.select(f"#a{focus.pk} > details > ol.replies > li.node")
    assert [int(li["id"][1:]) for li in under] == [replies[2].pk, replies[3].pk]


def test_under_htmx_a_next_page_is_only_its_replies(client, focus, replies):
    response = client.get(focus.get_absolute_url() + "?sort=old&page=2", headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and "breadcrumb" not in html
    assert ids_in_page_order(response) == [replies[2].pk, replies[3].pk]
    fragment = soup(response)
    # Items of the list it replaces the link in, each closed, then the link to the next page.
    assert [li["class"] for li in fragment.find_all("li", recursive=False)] == [
        ["node"], ["node"], ["load-more"],
    ]  # fmt: skip
    assert html.count("<li") == html.count("</li>") and html.count("<ol") == html.count("</ol>")
    assert fragment.select_one(".load-more a")["href"] == "?sort=old&page=3"


def test_a_reply_count_counts_the_replies_of_every_page(client, question, focus, replies, bob):
    make_answer(question, bob, parent=replies[4], body="Plus bas.")  # on the third page
    for number in (1, 2):
        response = client.get(f"{focus.get_absolute_url()}?sort=old&page={number}")
        assert reply_count_shown(response, focus) == "6 réponses"
    assert reply_count_shown(client.get(question.get_absolute_url()), focus) == "6 réponses"


def test_a_page_past_the_last_shows_the_answer_alone_as_the_question_page_does(
    client, focus, replies
):
    response = client.get(focus.get_absolute_url() + "?page=9")
    assert response.status_code == 200
    assert ids_in_page_order(response) == [focus.pk]
    assert not soup(response).select_one(".load-more")
    assert reply_count_shown(response, focus) == "5 réponses"
    more = client.get(focus.get_absolute_url() + "?page=9", headers=HTMX)
    assert more.status_code == 200 and ids_in_page_order(more) == []


@pytest.mark.parametrize("page", ["0", "-1", "abc", "²", "99999999999999999999"])
def test_bad_page_numbers_are_404(client, focus, page):
    assert client.get(focus.get_absolute_url() + f"?page={page}").status_code == 404


# --- What it reads ----------------------------------------------------------------------


def _with_replies(question, author, count):
    """A top-level answer with ``count`` replies, each replied to once."""
    top = make_answer(question, author, body="En haut.")
    for n in range(count):
        reply = make_answer(question, author, parent=top, body=f"Réponse {n}.")
        make_answer(question, author, parent=reply, body=f"Dessous {n}.")
    return top


def test_a_permalink_reads_one_page_of_replies(client_for, question, alice, bob):
    top = _with_replies(question, alice, 6)  # three pages, 12 answers below
    reader = client_for(bob)  # a member: a page made for them alone, never a shared copy
    reader.get(top.get_absolute_url())  # sessions, caches: the second visit is the usual one
    with CaptureQueriesContext(connection) as queries:
        response = reader.get(top.get_absolute_url())
    assert len(ids_in_page_order(response)) == 1 + 2 + 2
    # The answer itself, the page's two replies and the one that says there is a next page,
    # the two replies under those two, and one row of counts.
    assert rows_read(queries) == 1 + 3 + 2 + 1


def test_the_number_of_queries_does_not_grow_with_the_replies(client_for, question, alice):
    small, large = _with_replies(question, alice, 6), _with_replies(question, alice, 30)
    # Deeper than shown, and newest: first on the first page.
    make_thread(question, [alice], MAX_DEPTH_SHOWN + 3, start=large)
    reader = client_for(alice)
    counted = []
    for answer in (small, large, small):
        with CaptureQueriesContext(connection) as queries:
            assert reader.get(answer.get_absolute_url()).status_code == 200
        counted.append(len(queries))
    assert counted[1] == counted[2]
    with CaptureQueriesContext(connection) as queries:
        reader.get(large.get_absolute_url() + "?page=3", headers=HTMX)
    assert len(queries) < counted[1]  # the next page alone: no breadcrumb, no follow button


# --- Who sees what ----------------------------------------------------------------------


def test_a_blocked_members_reply_on_a_later_page_is_folded_for_the_blocker_only(
    client_for, question, focus, replies, bob, charlie
):
    theirs = make_answer(question, bob, parent=focus, body="Le texte de bob.")  # newest
    Block.objects.create(blocker=charlie, blocked=bob)
    url = focus.get_absolute_url() + "?sort=old&page=3"
    for headers in ({}, HTMX):
        folded = soup(client_for(charlie).get(url, headers=headers)).select_one(
            f"#a{theirs.pk} > details > article > details.answer__hidden"
        )
        assert folded is not None and "Le texte de bob." in folded.text
    others = soup(client_for(focus.author).get(url, headers=HTMX))
    assert not others.select_one(f"#a{theirs.pk} details.answer__hidden")


def test_replies_hidden_from_a_reader_take_no_place_and_are_not_counted(
    client, client_for, question, focus, alice, bob, charlie
):
    shown = make_answer(question, bob, parent=focus, body="Visible.", created_at=long_ago(hours=5))
    spam = make_answer(question, charlie, parent=focus, status="spam", body="Achetez.")
    under_spam = make_answer(question, bob, parent=spam, body="Sous le spam.")
    pending = make_answer(question, charlie, parent=focus, status="pending", body="En attente.")
    removed = make_answer(question, charlie, parent=focus, status="removed", removal_reason="hate")
    kept = make_answer(question, bob, parent=removed, body="Gardée.")
    later = make_answer(question, bob, parent=focus, body="Plus tard.")
    url = focus.get_absolute_url() + "?sort=old"

    first, second = client.get(url), client.get(url + "&page=2")
    assert ids_in_page_order(first) == [focus.pk, shown.pk, removed.pk, kept.pk]
    assert ids_in_page_order(second) == [focus.pk, later.pk]
    assert reply_count_shown(first, focus) == "4 réponses"
    for response in (first, second):
        html = response.content.decode()
        assert "Achetez." not in html and "Sous le spam." not in html and "En attente." not in html
    assert under_spam.pk not in ids_in_page_order(client.get(url + "&page=3"))

    # Its author sees the pending reply in its place, and it counts for them.
    own = client_for(charlie).get(url)
    assert ids_in_page_order(own) == [focus.pk, shown.pk, pending.pk]
    assert reply_count_shown(own, focus) == "5 réponses"
    # As the question page counts them, for each reader.
    for reader, expected in ((client, "4 réponses"), (client_for(charlie), "5 réponses")):
        page = reader.get(question.get_absolute_url())
        assert reply_count_shown(page, focus) == expected
