"""Bulk decisions: approve or remove the answers ticked in the queue, each on its own."""

import pytest

from forum.answers import do_edit_answer
from forum.models import Answer, ModerationAction
from tests.factories import make_answer, make_question
from tests.pages import refusal, soup, text_of

QUEUE = "/moderation/"
EN = "/en/moderation/"  # for the words: the French catalogue may lag behind
BULK = "/moderation/answers/bulk/"


def ticked(client, page_url, answers, data) -> tuple[str, dict, dict]:
    """The bulk form of ``page_url`` with ``answers`` ticked: their boxes and versions sit
    in the items (form="bulk"), as a browser sends them."""
    action, fields, headers = client.read_form(page_url, "form#bulk")
    page = soup(client.get(page_url))
    for answer in answers:
        box = page.select_one(f"input[form=bulk][name=answers][value='{answer.pk}']")
        version = page.select_one(f"input[form=bulk][name=version_{answer.pk}]")
        fields.setdefault("answers", []).append(box["value"])
        fields[version["name"]] = version["value"]
    return action, fields | data, headers


def statuses(*answers) -> list[str]:
    return [Answer.objects.get(pk=answer.pk).status for answer in answers]


def test_approving_the_ticked_answers(moderator_client, alice, bob):
    question = make_question()
    first, second, left = (
        make_answer(question, who, status="pending") for who in (alice, bob, bob)
    )
    action, fields, headers = ticked(moderator_client, EN, [first, second], {"verb": "approve"})

    response = moderator_client.post_form(action, fields, headers)

    assert response.status_code == 302
    assert response["Location"] == EN + "?tab=pending"
    assert statuses(first, second, left) == ["published", "published", "pending"]
    assert ModerationAction.objects.filter(verb="approve").count() == 2
    assert "2 decisions applied." in text_of(moderator_client.get(EN))


def test_removing_the_ticked_answers_with_one_reason(moderator_client, alice, bob):
    question = make_question()
    first, second = make_answer(question, alice, status="pending"), make_answer(question, bob)
    from forum.moderation.actions import do_flag
    from tests.factories import make_member

    do_flag(reporter=make_member("carl"), answer=second, reason="spam")
    action, fields, headers = ticked(
        moderator_client, EN, [first], {"verb": "remove", "rule": "spam", "reason": "Publicité."}
    )

    moderator_client.post_form(action, fields, headers)

    assert statuses(first) == ["removed"]
    assert list(ModerationAction.objects.values_list("verb", "rule", "reason")) == [
        ("remove", "spam", "Publicité.")
    ]


def test_an_answer_edited_since_is_refused_and_the_others_apply(moderator_client, alice, bob):
    question = make_question()
    first, edited, third = (
        make_answer(question, who, status="pending") for who in (bob, alice, bob)
    )
    action, fields, headers = ticked(
        moderator_client, EN, [first, edited, third], {"verb": "approve"}
    )
    do_edit_answer(answer=Answer.objects.get(pk=edited.pk), editor=alice, body="Autre texte.")

    moderator_client.post_form(action, fields, headers)

    assert statuses(first, edited, third) == ["published", "pending", "published"]
    messages = text_of(moderator_client.get(EN))
    assert "2 decisions applied." in messages
    assert (
        "Not applied to the answer by alice: The author changed this answer since you saw it."
        in messages
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"verb": "remove", "rule": "spam", "reason": ""}, "A removal needs the rule"),
        ({"verb": "remove", "rule": "", "reason": "Pub."}, "A removal needs the rule"),
        ({"verb": "spam"}, "decision: "),
        ({"verb": "approve", "answers": []}, "Tick at least one answer."),
        ({"verb": "approve", "version_{pk}": ""}, "The list of answers was not sent whole"),
        ({"verb": "approve", "answers": ["x"]}, "The list of answers was not sent whole"),
        ({"verb": "approve", "answers": ["²"]}, "The list of answers was not sent whole"),
    ],
)
def test_a_wrong_bulk_decision_is_a_400_that_writes_nothing(moderator_client, alice, data, message):
    answer = make_answer(make_question(), alice, status="pending")
    action, fields, headers = ticked(moderator_client, EN, [answer], {})
    data = {name.format(pk=answer.pk): value for name, value in data.items()}

    response = moderator_client.post_form(action, fields | data, headers)

    assert response.status_code == 400
    assert message in text_of(response)
    assert statuses(answer) == ["pending"]
    assert not ModerationAction.objects.exists()


def test_too_many_answers_at_once_is_a_400(moderator_client):
    moderator_client.get(QUEUE)
    data = {"verb": "approve", "answers": [str(n) for n in range(1, 102)]}
    data |= {f"version_{n}": "1" for n in range(1, 102)}

    response = moderator_client.post(EN + "answers/bulk/", data)

    assert response.status_code == 400
    assert "At most 100 answers at once." in text_of(response)


def test_under_htmx_the_page_reloads_to_show_the_report(moderator_client, alice):
    answer = make_answer(make_question(), alice, status="pending")
    action, fields, headers = ticked(moderator_client, QUEUE, [answer], {"verb": "approve"})

    response = moderator_client.post_form(action, fields, headers | {"HX-Request": "true"})

    assert response.status_code == 200
    assert response["HX-Redirect"] == QUEUE + "?tab=pending"
    assert statuses(answer) == ["published"]


def test_a_member_is_refused(client_for, alice, bob):
    answer = make_answer(make_question(), alice, status="pending")
    client = client_for(bob)
    client.get("/")

    response = client.post(
        BULK, {"verb": "approve", "answers": [answer.pk], f"version_{answer.pk}": 1}
    )

    assert response.status_code == 403
    assert refusal(response)
    assert statuses(answer) == ["pending"]


def test_an_anonymous_visitor_is_sent_to_sign_in(client, alice):
    answer = make_answer(make_question(), alice, status="pending")
    client.open_a_form_page()  # the CSRF cookie of a visitor about to write

    response = client.post(
        BULK, {"verb": "approve", "answers": [answer.pk], f"version_{answer.pk}": 1}
    )

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_bulk_decisions_are_posts(moderator_client):
    assert moderator_client.get(BULK).status_code == 405
