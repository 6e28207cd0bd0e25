"""GET /members/<username>/: when a member joined, the sum of their scores, their answers
(newest or best first, thirty a page), and for a signed-in reader the button to block them.
Blocking itself: tests/forum/test_blocking.py."""

import pytest
from django.urls import reverse
from django.utils import translation

from tests.factories import long_ago, make_answer, make_article, make_question, vote_on
from tests.pages import soup

pytestmark = pytest.mark.django_db

# The session with the reader (one query: forum.sessions), the member shown, the totals,
# the count and the page of answers (with their questions and articles), the reader's block
# of them, and the header's unread notifications.
MEMBER_PAGE_QUERIES = 7


def member_url(username):
    """The French (unprefixed) address, whatever language the last request left active."""
    with translation.override("fr"):
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
    client.open_a_form_page()  # the CSRF cookie of a visitor about to write
    response = client.post(member_url("alice"))
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


# --- Sorting and pages ------------------------------------------------------------------


def listed(response) -> list[str]:
    """The answers the page lists, by the first words of their text."""
    return [
        li.select_one("p:not(.meta)").text for li in soup(response).select(".member__answers li")
    ]


def test_newest_first_by_default_and_best_first_on_demand(client, alice):
    question = make_question()
    low = make_answer(question, alice, body="Peu appréciée.", created_at=long_ago(days=3))
    vote_on(low, down=1)
    high = make_answer(question, alice, body="Très appréciée.", created_at=long_ago(days=2))
    vote_on(high, up=3)
    tied = make_answer(
        question, alice, body="Appréciée, plus récente.", created_at=long_ago(days=1)
    )
    vote_on(tied, up=3)
    newest = make_answer(question, alice, body="Toute neuve.", created_at=long_ago(hours=2))

    by_default = client.get(member_url("alice"))
    assert listed(by_default) == [
        "Toute neuve.", "Appréciée, plus récente.", "Très appréciée.", "Peu appréciée."
    ]  # fmt: skip
    assert soup(by_default).select_one(".member__sort a[aria-current]")["href"] == "?sort=new"

    best = client.get(member_url("alice") + "?sort=best")
    # Highest score first; of two equal scores, the newer one.
    assert listed(best) == [
        "Appréciée, plus récente.", "Très appréciée.", "Toute neuve.", "Peu appréciée."
    ]  # fmt: skip
    current = soup(best).select(".member__sort a[aria-current=page]")
    assert [a["href"] for a in current] == ["?sort=best"]
    assert newest.score == 0 and low.score == -1


def test_an_unknown_sort_shows_the_newest_first(client, alice):
    question = make_question()
    make_answer(question, alice, body="Ancienne.", created_at=long_ago(days=2))
    make_answer(question, alice, body="Récente.", created_at=long_ago(days=1))
    response = client.get(member_url("alice") + "?sort=worst")
    assert response.status_code == 200
    assert listed(response) == ["Récente.", "Ancienne."]


@pytest.fixture
def prolific(alice):
    """alice with 32 answers: "Réponse 31." is the newest, "Réponse 0." the oldest."""
    question = make_question()
    return [
        make_answer(question, alice, body=f"Réponse {n}.", created_at=long_ago(hours=100 - n))
        for n in range(32)
    ]


def test_thirty_answers_a_page_with_links_to_the_others(client, prolific):
    first = client.get("/en" + member_url("alice"))
    assert listed(first) == [f"Réponse {n}." for n in range(31, 1, -1)]
    pager = soup(first).select_one("nav.pager")
    assert [a.text.strip() for a in pager.select("a")] == ["Page 1", "Page 2", "Next →"]
    assert pager.select_one("a[aria-current=page]")["href"] == "?sort=new&page=1"
    assert pager.select_one("a[rel=next]")["href"] == "?sort=new&page=2"

    second = client.get("/en" + member_url("alice") + "?sort=new&page=2")
    assert listed(second) == ["Réponse 1.", "Réponse 0."]
    assert soup(second).select_one("nav.pager a[rel=prev]")["href"] == "?sort=new&page=1"
    assert stats(second) == ("32", "0")  # the totals are the member's, not the page's


def test_the_pages_keep_the_sort(client, prolific):
    page = soup(client.get(member_url("alice") + "?sort=best"))
    assert page.select_one("nav.pager a[rel=next]")["href"] == "?sort=best&page=2"


@pytest.mark.parametrize("number", ["3", "0", "-1", "abc", "1.5", "²", "99999999999999999999"])
def test_a_page_that_does_not_exist_is_404(client, prolific, number):
    assert client.get(member_url("alice"), {"page": number}).status_code == 404


def test_one_page_needs_no_links_to_others(client, alice):
    make_answer(make_question(), alice)
    assert not soup(client.get(member_url("alice"))).select("nav.pager")


def test_the_page_costs_the_same_whatever_the_number_of_answers(
    client_for, bob, prolific, django_assert_num_queries
):
    """A fixed number of queries, however many answers (see MEMBER_PAGE_QUERIES)."""
    browser = client_for(bob)
    browser.get(member_url("alice"))
    with django_assert_num_queries(MEMBER_PAGE_QUERIES):
        browser.get(member_url("alice"))


# --- What the member sees of their own answers that others do not -------------------------


@pytest.fixture
def every_state(alice):
    question = make_question()
    return {
        "published": make_answer(question, alice, body="Publiée."),
        "pending": make_answer(question, alice, body="En attente.", status="pending"),
        "removed": make_answer(
            question, alice, body="Retirée.", status="removed", removal_reason="spam"
        ),
        "spam": make_answer(question, alice, body="Indésirable.", status="spam"),
        "deleted": make_answer(question, alice, body="Supprimée.", status="deleted"),
        "unpublished": make_answer(
            make_question(make_article("scheduled")), alice, body="Trop tôt."
        ),
    }


def labels(response) -> dict[str, str]:
    """Each answer listed (its text) with the label beside it, if any."""
    found = {}
    for li in soup(response).select(".member__answers li"):
        label = li.select_one(".member__status")
        found[li.select_one("p:not(.meta)").text] = label.text if label else ""
    return found


def test_others_see_only_the_published_answers(client, client_for, bob, every_state):
    for reader in (client, client_for(bob)):
        assert labels(reader.get("/en" + member_url("alice"))) == {"Publiée.": ""}


def test_the_member_sees_their_held_removed_and_spam_answers_labelled(
    client_for, alice, every_state
):
    response = client_for(alice).get("/en" + member_url("alice"))
    assert labels(response) == {
        "Publiée.": "",
        "En attente.": "waiting for review",
        "Retirée.": "removed by the moderators",
        "Indésirable.": "marked as spam by the moderators",
    }
    items = {
        li.select_one("p:not(.meta)").text: li
        for li in soup(response).select(".member__answers li")
    }
    assert "Reason: spam" in items["Retirée."].select_one(".meta").text
    # Where there is a page to go to, the question links to it; a spam one has none.
    assert items["En attente."].a["href"] == f"/en/a/{every_state['pending'].pk}/"
    assert items["Indésirable."].a is None
    assert stats(response) == ("1", "0")  # the totals count what everyone sees


def test_staff_also_see_answers_of_articles_not_out_yet(client_for, make_member, every_state):
    editor = make_member("sam", is_staff=True)
    response = client_for(editor).get("/en" + member_url("alice"))
    assert labels(response) == {"Publiée.": "", "Trop tôt.": "article not published yet"}
    early = next(
        li for li in soup(response).select(".member__answers li") if "Trop tôt." in li.text
    )
    assert early.a is None  # its page opens once the article is out


# --- Blocking from the page, and the member's own links ----------------------------------


def test_a_member_sees_a_block_button_on_someone_elses_page(client_for, alice, bob):
    page = soup(client_for(bob).get("/en" + member_url("alice")))
    form = page.select_one(".member__block form.block-control")
    assert form["action"] == "/en/members/alice/block/"
    assert form.select_one("input[name=state]")["value"] == "on"
    assert form.select_one("button").text.strip() == "Block alice"
    assert not page.select(".member__links")


def test_the_page_says_when_the_reader_blocked_the_member(client_for, alice, bob):
    from forum.models import Block

    Block.objects.create(blocker=bob, blocked=alice)
    page = soup(client_for(bob).get("/en" + member_url("alice")))
    status = page.select_one(".block-control__status").text
    assert status.startswith("You blocked this member on ")
    assert "their answers are collapsed for you, and they cause you no notifications." in status
    assert page.select_one(".block-control button").text.strip() == "Unblock alice"


def test_readers_and_the_member_themself_get_no_block_button(client, client_for, alice):
    assert not soup(client.get(member_url("alice"))).select("form.block-control")
    own = soup(client_for(alice).get("/en" + member_url("alice")))
    assert not own.select("form.block-control")
    assert [(a.text, a["href"]) for a in own.select(".member__links a")] == [
        ("Your settings", "/en/accounts/preferences/"),
        ("Blocked members", "/en/accounts/blocked/"),
    ]


def test_a_deleted_account_has_no_page(client, alice):
    from forum.accounts import anonymise_member

    anonymise_member(user=alice)
    assert client.get(member_url(alice.username)).status_code == 404
