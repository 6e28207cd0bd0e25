"""The moderation queue: its tabs and counts, each item's context, filters, pages."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from forum.models import Flag, MemberNote
from forum.moderation.actions import do_decide, do_flag, do_note, do_set_question_state
from tests.conftest import enrol_totp
from tests.factories import long_ago, make_answer, make_article, make_member, make_question
from tests.pages import refusal, soup, text_of

QUEUE = "/moderation/"
EN = "/en/moderation/"  # for the words: the French catalogue may lag behind


def flagged(answer, *reasons):
    """``answer`` flagged once per reason, each time by a new member."""
    for n, reason in enumerate(reasons):
        do_flag(reporter=make_member(f"flagger{answer.pk}x{n}"), answer=answer, reason=reason)
    return answer


def item_ids(response) -> list[int]:
    return [int(li["id"].removeprefix("item-")) for li in soup(response).select(".queue-item")]


def test_the_pending_tab_lists_held_answers_oldest_first(moderator_client, alice, bob):
    question = make_question()
    newer = make_answer(question, alice, status="pending", created_at=long_ago(hours=1))
    older = make_answer(question, bob, status="pending", created_at=long_ago(hours=3))
    make_answer(question, bob)  # published and unflagged: not waiting

    response = moderator_client.get(QUEUE)

    assert response.status_code == 200
    assert item_ids(response) == [older.pk, newer.pk]


def test_the_tabs_say_how_many_answers_wait_in_each(moderator_client, alice):
    question = make_question()
    for _ in range(3):
        make_answer(question, alice, status="pending")
    flagged(make_answer(question, alice), "spam")

    page = soup(moderator_client.get(QUEUE))

    counts = [span.text for span in page.select("#queue-tabs .desk-tabs__count")]
    assert counts == ["3", "1", "0", "0"]  # pending, flagged; notices, appeals
    assert page.select_one("#queue-tabs [aria-current=page]")["href"] == QUEUE + "?tab=pending"


def test_the_flagged_tab_shows_each_flag_with_its_reason_note_reporter_and_weight(
    moderator_client, alice, bob
):
    answer = make_answer(make_question(), alice, body="Achetez mes montres.")
    do_flag(reporter=bob, answer=answer, reason=Flag.Reason.OTHER, note="Lien douteux")

    response = moderator_client.get(EN + "?tab=flagged")

    assert item_ids(response) == [answer.pk]
    item = soup(response).select_one(f"#item-{answer.pk}")
    assert "Achetez mes montres." in item.select_one(".queue-item__body").text
    flags = " ".join(item.select_one(".queue-item__flags").text.split())
    assert flags == "Other: Lien douteux — bob, weight 1"
    assert "1 flag (open weight 1)" in item.text


def test_an_item_shows_its_question_the_answer_it_replies_to_and_the_authors_record(
    moderator_client, moderator, alice, bob
):
    question = make_question(text="Faut-il taxer le kérosène ?")
    parent = make_answer(question, bob, body="Oui, dès demain.")
    make_answer(question, alice, body="Une autre réponse.")
    removed = make_answer(question, alice, body="Insulte.", status="removed")
    do_note(moderator=moderator, member=alice, text="Déjà averti en mai.")
    reply = make_answer(question, alice, parent=parent, body="Non.", status="pending")

    item = soup(moderator_client.get(EN)).select_one(f"#item-{reply.pk}")

    record = " ".join(item.select_one(".queue-item__record").text.split())
    assert "Faut-il taxer le kérosène" in item.select_one(".queue-item__where a").text
    assert "Oui, dès demain." in item.select_one(".queue-item__parent").text
    assert "bob" in item.select_one(".queue-item__parent").text
    # alice: three answers, one of them removed, and the note about her
    assert record.startswith("3 answers · 1 removed · 0 flags received · 0 sanctions")
    assert "Déjà averti en mai." in item.select_one(".queue-item__notes").text
    link = item.select_one(".queue-item__record a")["href"]
    assert link == "/en/moderation/members/alice/?next=/en/moderation/%3Ftab%3Dpending"
    assert removed.pk not in item_ids(moderator_client.get(QUEUE))


def test_every_form_of_an_item_names_the_version_shown(moderator_client, alice):
    answer = make_answer(make_question(), alice, status="pending")

    item = soup(moderator_client.get(QUEUE)).select_one(f"#item-{answer.pk}")

    versions = {field["value"] for field in item.select("form input[name=version]")}
    assert versions == {str(answer.version)}
    assert item.select_one("form.decision--approve") is not None
    assert item.select_one("form.decision--remove select[name=rule]") is not None


def test_pending_answers_offer_no_pin_and_published_ones_do(moderator_client, alice):
    question = make_question()
    pending = make_answer(question, alice, status="pending")
    published = flagged(make_answer(question, alice), "spam")

    pending_item = soup(moderator_client.get(QUEUE)).select_one(f"#item-{pending.pk}")
    flagged_item = soup(moderator_client.get(QUEUE + "?tab=flagged")).select_one(
        f"#item-{published.pk}"
    )

    assert pending_item.select("button[value=pin]") == []
    assert pending_item.select("button[value=feature]") == []
    assert flagged_item.select_one("button[value=pin]") is not None
    assert flagged_item.select_one("button[value=feature]") is not None


def test_filtering_by_article_keeps_only_its_answers(moderator_client, alice):
    mine, other = make_question(), make_question()
    kept = make_answer(mine, alice, status="pending")
    make_answer(other, alice, status="pending")

    response = moderator_client.get(f"{QUEUE}?article={mine.article.slug}")

    assert item_ids(response) == [kept.pk]
    # The tabs keep the filter.
    assert f"article={mine.article.slug}" in soup(response).select_one("#queue-tabs a")["href"]


def test_filtering_by_question_shows_its_state_and_the_three_buttons(moderator_client, alice):
    article = make_article(questions=["Première ?", "Seconde ?"])
    first, second = article.questions.order_by("position")
    kept = make_answer(second, alice, status="pending")
    make_answer(first, alice, status="pending")
    do_set_question_state(moderator=make_member("other-mod"), question=second, verb="close")

    response = moderator_client.get(f"{EN}?question={second.pk}")

    assert item_ids(response) == [kept.pk]
    panel = soup(response).select_one(".desk-question")
    assert panel.select_one(".badge").text == "closed"
    buttons = {
        button["value"]: button.has_attr("disabled") for button in panel.select("button[value]")
    }
    assert buttons == {"lock": False, "close": True, "reopen": False}


def test_the_filter_menus_list_published_articles_and_their_questions(moderator_client):
    shown = make_question(text="Visible ?")
    hidden = make_question(make_article("draft"), text="Brouillon ?")

    page = soup(moderator_client.get(QUEUE))

    articles = [option["value"] for option in page.select("#filter-article option")]
    questions = [option["value"] for option in page.select("#filter-question option")]
    assert articles == ["", shown.article.slug]
    assert questions == ["", str(shown.pk)]
    assert str(hidden.pk) not in questions


@pytest.mark.parametrize(
    "query",
    [
        "tab=bin",
        "after=-1",
        "after=deux",
        "after=99999999999",
        "article=nulle-part",
        "article=nulle%00part",
        "question=%C2%B2",
        "question=abc",
        "question=99999999999999999999999",
        "question=424242",
    ],
)
def test_a_wrong_filter_is_a_readable_400(moderator_client, query):
    response = moderator_client.get(f"{QUEUE}?{query}")

    assert response.status_code == 400
    assert soup(response).select_one(".error-page p").text.strip()


def test_a_draft_articles_question_is_not_a_filter(moderator_client):
    draft = make_question(make_article("draft"))

    assert moderator_client.get(f"{QUEUE}?question={draft.pk}").status_code == 400


def test_a_long_queue_has_a_link_to_the_next_answers(moderator_client, alice):
    question = make_question()
    answers = [
        make_answer(question, alice, status="pending", created_at=long_ago(minutes=100 - n))
        for n in range(23)
    ]

    first = moderator_client.get(QUEUE)
    more = soup(first).select_one(".load-more a")["href"]
    second = moderator_client.get(more)

    assert item_ids(first) == [answer.pk for answer in answers[:20]]
    assert item_ids(second) == [answer.pk for answer in answers[20:]]
    assert soup(second).select_one(".load-more") is None


def test_the_decided_tab_lists_decisions_with_a_restore_for_removed_answers(
    moderator_client, moderator, alice
):
    question = make_question()
    answer = make_answer(question, alice, body="Texte retiré.")
    kept = make_answer(question, alice, status="pending")
    do_decide(moderator=moderator, answer=kept, verb="approve", seen_version=kept.version)
    do_decide(
        moderator=moderator, answer=answer, verb="remove", seen_version=answer.version,
        rule="abuse", reason="Attaque personnelle.",
    )  # fmt: skip
    answer.refresh_from_db()

    response = moderator_client.get(QUEUE + "?tab=decided")

    rows = soup(response).select(".decision-row")
    assert len(rows) == 2
    assert "Attaque personnelle." in rows[0].text
    restore = rows[0].select_one("form.decision--restore")
    assert restore.select_one("input[name=version]")["value"] == str(answer.version)
    assert rows[1].select_one("form") is None


def test_keyboard_shortcuts_are_on_with_a_way_to_switch_them_off(moderator_client, alice):
    make_answer(make_question(), alice, status="pending")

    page = soup(moderator_client.get(QUEUE))

    assert page.select_one("#queue")["data-shortcuts"] == "on"
    assert page.select_one("#shortcuts-help") is not None
    assert page.select_one(".desk-hint a[href^='/accounts/preferences/']") is not None


def test_keyboard_shortcuts_switched_off_are_not_in_the_page(moderator_client, moderator, alice):
    moderator.keyboard_shortcuts = False
    moderator.save(update_fields=["keyboard_shortcuts"])
    make_answer(make_question(), alice, status="pending")

    page = soup(moderator_client.get(QUEUE))

    assert not page.select_one("#queue").has_attr("data-shortcuts")
    assert page.select_one("#shortcuts-help") is None
    assert page.select_one(".desk-hint a[href^='/accounts/preferences/']") is not None


def test_the_desk_loads_its_own_script_and_stylesheet(moderator_client):
    page = soup(moderator_client.get(QUEUE))

    assert page.select_one("script[type=module][src$='js/moderation.js']") is not None
    assert page.select_one("link[rel=stylesheet][href$='css/moderation.css']") is not None


def test_the_queue_costs_the_same_queries_for_3_and_30_items(
    moderator_client, alice, bob, django_assert_num_queries
):
    question = make_question()
    parent = make_answer(question, bob)

    def fill(count):
        for n in range(count):
            author = make_member(f"author{count}x{n}")
            MemberNote.objects.create(member=author, author=bob, text="Note.")
            flagged(make_answer(question, author, parent=parent), "spam", "hate")

    # The session with the moderator, their group, their authenticator; the two tab counts;
    # the open notices and appeals (two counts); the filter's articles and questions; the
    # answers, their flags, their authors' four records (answers, flags, sanctions, notes),
    # which authors moderate; and the header
    # (the link to the queue: four counts, cached for a moment; the member's notifications).
    fill(3)
    cache.clear()
    with django_assert_num_queries(21):
        moderator_client.get(QUEUE + "?tab=flagged")
    fill(27)
    cache.clear()
    with django_assert_num_queries(21):
        response = moderator_client.get(QUEUE + "?tab=flagged")
    assert len(item_ids(response)) == 20


# --- Who may open it ------------------------------------------------------------------


def test_a_member_is_refused(client_for, alice):
    response = client_for(alice).get(QUEUE)

    assert response.status_code == 403
    assert refusal(response)


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(QUEUE + "?tab=flagged")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/moderation/")


def test_a_moderator_without_a_second_factor_is_sent_to_enrol(client_for, moderator):
    response = client_for(moderator).get(QUEUE)

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_a_moderator_who_has_not_passed_the_second_factor_is_asked_for_it(client_for, moderator):
    enrol_totp(moderator)

    response = client_for(moderator).get(QUEUE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate") + "?next=")


def test_the_queue_is_read_only(moderator_client):
    moderator_client.get(QUEUE)  # the token a real form would carry

    assert moderator_client.post(QUEUE).status_code == 405


def test_the_queue_reads_in_english(moderator_client, alice):
    make_answer(make_question(), alice, status="pending")

    response = moderator_client.get("/en" + QUEUE)

    assert response.status_code == 200
    assert "Moderation queue" in text_of(response)
