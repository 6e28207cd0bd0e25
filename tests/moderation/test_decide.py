"""Deciding on one answer from the queue: approve, remove, spam, restore, pin, feature, and
remove-and-suspend; on the version shown, once."""

import json

import pytest
from django.conf import settings
from django.utils import timezone

from forum.answers import do_edit_answer
from forum.models import Answer, Flag, ModerationAction, User
from forum.moderation.actions import do_decide, do_flag
from forum.moderation.queue import tab_counts
from tests.conftest import signed_in_with_mfa
from tests.factories import make_answer, make_member, make_question
from tests.pages import refusal, soup, text_of

QUEUE = "/moderation/"
EN = "/en/moderation/"  # for the words: the French catalogue may lag behind


def decide_url(answer) -> str:
    return f"/moderation/answers/{answer.pk}/decide/"


def flagged(answer, reason="spam"):
    do_flag(reporter=make_member(f"flagger{answer.pk}"), answer=answer, reason=reason)
    answer.refresh_from_db()
    return answer


def fresh(answer) -> Answer:
    return Answer.objects.get(pk=answer.pk)


def decided_events(response) -> dict:
    return json.loads(response["HX-Trigger-After-Settle"])


# --- Without JavaScript ---------------------------------------------------------------------


def test_approving_a_held_answer_publishes_it_and_goes_back_to_the_queue(
    moderator_client, moderator, alice
):
    answer = make_answer(make_question(), alice, status="pending")

    response = moderator_client.submit(
        QUEUE + "?tab=pending", f"#item-{answer.pk} form.decision--approve"
    )

    assert response.status_code == 302
    assert response["Location"] == QUEUE + "?tab=pending"
    assert fresh(answer).status == "published"
    action = ModerationAction.objects.get()
    assert (action.verb, action.actor, action.answer_id) == ("approve", moderator, answer.pk)
    assert action.answer_version == 1


def test_the_queue_says_what_was_decided(moderator_client, alice):
    answer = make_answer(make_question(), alice, status="pending")

    moderator_client.submit(EN + "?tab=pending", f"#item-{answer.pk} form.decision--approve")
    page = moderator_client.get(EN)

    assert "Decision on the answer by alice: approved." in text_of(page)


def test_removing_needs_a_rule_and_words_for_the_author(moderator_client, alice):
    answer = flagged(make_answer(make_question(), alice))

    response = moderator_client.submit(
        EN + "?tab=flagged",
        f"#item-{answer.pk} form.decision--remove",
        {"verb": "remove", "rule": "abuse", "reason": "Attaque personnelle."},
    )

    assert response.status_code == 302
    answer = fresh(answer)
    assert (answer.status, answer.removal_reason, answer.flag_weight) == ("removed", "abuse", 0)
    assert Flag.objects.get().status == "upheld"
    action = ModerationAction.objects.get()
    assert (action.verb, action.rule, action.reason) == ("remove", "abuse", "Attaque personnelle.")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"verb": "remove", "rule": "abuse", "reason": "  "}, "A removal needs the rule"),
        ({"verb": "remove", "rule": "", "reason": "Pourquoi."}, "A removal needs the rule"),
        ({"verb": "remove", "rule": "rude", "reason": "Pourquoi."}, "rule: "),
        ({"verb": "erase"}, "decision: "),
        ({"verb": "approve", "version": "v2"}, "version: "),
        ({"verb": "remove_suspend", "rule": "abuse", "reason": "x", "suspend_days": "0"},
         "days of suspension: "),
    ],
)  # fmt: skip
def test_a_wrong_decision_is_a_400_that_writes_nothing(moderator_client, alice, data, message):
    answer = make_answer(make_question(), alice, status="pending")
    action, fields, headers = moderator_client.read_form(
        EN, f"#item-{answer.pk} form.decision--remove"
    )

    response = moderator_client.post_form(action, fields | data, headers)

    assert response.status_code == 400
    assert message in text_of(response)
    assert fresh(answer).status == "pending"
    assert not ModerationAction.objects.exists()


def test_marking_as_spam_takes_the_spam_rule_when_none_is_chosen(moderator_client, alice):
    answer = make_answer(make_question(), alice, status="pending")
    moderator_client.get(QUEUE)

    moderator_client.post(
        decide_url(answer), {"verb": "spam", "version": 1, "reason": "Publicité."}
    )

    assert fresh(answer).status == "spam"
    assert ModerationAction.objects.get().rule == "spam"


def test_a_removed_answer_can_be_restored(moderator_client, moderator, alice):
    answer = make_answer(make_question(), alice)
    do_decide(moderator=moderator, answer=answer, verb="remove", seen_version=1,
              rule="hate", reason="Propos haineux.")  # fmt: skip

    response = moderator_client.submit(
        QUEUE + "?tab=decided", "form.decision--restore", {"verb": "restore"}
    )

    assert response.status_code == 302
    assert fresh(answer).status == "published"
    assert fresh(answer).removal_reason == ""


def test_pinning_and_featuring_a_flagged_answer(moderator_client, alice):
    answer = flagged(make_answer(make_question(), alice))
    moderator_client.get(QUEUE)

    moderator_client.post(decide_url(answer), {"verb": "pin", "version": answer.version})
    moderator_client.post(decide_url(answer), {"verb": "feature", "version": answer.version + 1})

    answer = fresh(answer)
    assert (answer.pinned, answer.featured, answer.status) == (True, True, "published")
    assert answer.flag_weight > 0  # still waiting for a decision on its flags


def test_a_next_page_elsewhere_is_ignored(moderator_client, alice):
    answer = make_answer(make_question(), alice, status="pending")
    moderator_client.get(QUEUE)

    response = moderator_client.post(
        decide_url(answer), {"verb": "approve", "version": 1, "next": "https://evil.example/"}
    )

    assert response["Location"] == QUEUE


# --- The version seen, and the moderator who came first -------------------------------------


def test_a_decision_on_a_text_edited_since_is_refused_with_the_new_text(moderator_client, alice):
    answer = make_answer(make_question(), alice, status="pending", body="Premier jet.")
    action, fields, headers = moderator_client.read_form(
        EN, f"#item-{answer.pk} form.decision--approve"
    )
    do_edit_answer(answer=fresh(answer), editor=alice, body="Texte tout différent.")

    response = moderator_client.post_form(action, fields, headers)

    assert response.status_code == 409
    assert "The author changed this answer since you saw it" in text_of(response)
    item = soup(response).select_one(f"#item-{answer.pk}")
    assert "Texte tout différent." in item.select_one(".queue-item__body").text
    assert {field["value"] for field in item.select("input[name=version]")} == {"2"}
    assert fresh(answer).status == "pending"
    assert not ModerationAction.objects.exists()


def test_under_htmx_a_stale_decision_swaps_the_item_with_the_new_text(moderator_client, alice):
    answer = make_answer(make_question(), alice, status="pending", body="Premier jet.")
    action, fields, headers = moderator_client.read_form(
        EN, f"#item-{answer.pk} form.decision--remove", htmx=True
    )
    do_edit_answer(answer=fresh(answer), editor=alice, body="Texte tout différent.")
    typed = {"verb": "remove", "rule": "abuse", "reason": "Insulte."}

    response = moderator_client.post_form(action, fields | typed, headers)

    assert response.status_code == 409
    page = soup(response)
    assert page.select_one("body") is None  # a fragment
    item = page.select_one(f"li#item-{answer.pk}")
    assert "Texte tout différent." in item.select_one(".queue-item__body").text
    assert item.select_one("[role=alert]").text.startswith("The author changed this answer")
    # What the moderator typed is kept, for the new decision.
    assert item.select_one("textarea[name=reason]").text == "Insulte."
    assert {field["value"] for field in item.select("input[name=version]")} == {"2"}


def test_a_second_decision_is_refused_naming_who_decided_what(moderator_client, alice):
    answer = flagged(make_answer(make_question(), alice))
    action, fields, headers = moderator_client.read_form(
        EN + "?tab=flagged", f"#item-{answer.pk} form.decision--approve"
    )
    first = make_member("zoe")
    do_decide(moderator=first, answer=fresh(answer), verb="remove", seen_version=answer.version,
              rule="spam", reason="Publicité.")  # fmt: skip

    response = moderator_client.post_form(action, fields, headers)

    assert response.status_code == 409
    assert "zoe already decided on this answer: removed." in text_of(response)
    assert fresh(answer).status == "removed"
    assert ModerationAction.objects.count() == 1


# --- Remove and suspend, in one step --------------------------------------------------------


def test_remove_and_suspend_is_one_post(moderator_client, moderator, alice):
    answer = make_answer(make_question(), alice, status="pending")
    before = timezone.now()

    response = moderator_client.submit(
        EN,
        f"#item-{answer.pk} form.decision--remove",
        {"verb": "remove_suspend", "rule": "abuse", "reason": "Menaces.", "suspend_days": "3"},
    )

    assert response.status_code == 302
    assert fresh(answer).status == "removed"
    alice = User.objects.get(pk=alice.pk)
    assert alice.sanction_reason == "Menaces."
    days = (alice.suspended_until - before).total_seconds() / 86400
    assert 2.99 < days < 3.01
    verbs = set(ModerationAction.objects.values_list("verb", "actor", "rule", "reason"))
    assert verbs == {
        ("remove", moderator.pk, "abuse", "Menaces."),
        ("suspend", moderator.pk, "abuse", "Menaces."),
    }


def test_remove_and_suspend_refused_for_a_moderators_answer_changes_nothing(
    moderator_client, moderator
):
    answer = make_answer(make_question(), moderator, status="pending")

    response = moderator_client.post(
        decide_url(answer),
        {"verb": "remove_suspend", "version": 1, "rule": "abuse", "reason": "x",
         "suspend_days": 3},
    )  # fmt: skip

    assert response.status_code == 403
    assert fresh(answer).status == "pending"
    assert not ModerationAction.objects.exists()


def test_a_moderators_answer_offers_no_suspension(moderator_client, moderator):
    answer = make_answer(make_question(), moderator, status="pending")

    item = soup(moderator_client.get(QUEUE)).select_one(f"#item-{answer.pk}")

    assert item.select_one("button[value=remove_suspend]") is None
    assert item.select_one(".queue-item__sanction") is None


# --- With htmx ------------------------------------------------------------------------------


def test_under_htmx_a_decided_item_leaves_and_the_tabs_recount(moderator_client, alice):
    question = make_question()
    answer = make_answer(question, alice, status="pending")
    make_answer(question, alice, status="pending")

    response = moderator_client.submit(
        EN + "?tab=pending", f"#item-{answer.pk} form.decision--approve", htmx=True
    )

    assert response.status_code == 200
    page = soup(response)
    assert page.select(".queue-item") == []
    tabs = page.select_one("nav#queue-tabs[data-hx-swap-oob=true]")
    assert [span.text for span in tabs.select(".desk-tabs__count")] == ["1", "0", "0", "0"]
    header = page.select_one("a#desk-link[data-hx-swap-oob=true]")
    assert header.text == "Moderation (1)"
    events = decided_events(response)
    assert events["agora:decided"] == {"id": answer.pk}
    assert events["agora:announce"] == {"message": "Decision on the answer by alice: approved."}


def test_under_htmx_an_item_still_waiting_comes_back_with_fresh_forms(moderator_client, alice):
    answer = flagged(make_answer(make_question(), alice))
    action, fields, headers = moderator_client.read_form(
        QUEUE + "?tab=flagged", f"#item-{answer.pk} form:has(button[value=pin])", htmx=True
    )

    response = moderator_client.post_form(action, fields | {"verb": "pin"}, headers)

    item = soup(response).select_one(f"li#item-{answer.pk}")
    assert item.select_one("button[value=unpin]") is not None
    assert {field["value"] for field in item.select("input[name=version]")} == {"2"}
    # Still in the list with the bulk form: it can be ticked again.
    assert item.select_one("input[type=checkbox][form=bulk]") is not None


def test_under_htmx_a_wrong_decision_says_why_in_the_item(moderator_client, alice):
    answer = make_answer(make_question(), alice, status="pending")

    response = moderator_client.submit(
        EN,
        f"#item-{answer.pk} form.decision--remove",
        {"verb": "remove", "rule": "abuse", "reason": ""},
        htmx=True,
    )

    assert response.status_code == 400
    item = soup(response).select_one(f"li#item-{answer.pk}")
    assert item.select_one("[role=alert]").text.startswith("A removal needs the rule")
    assert item.select_one("details.queue-item__remove").has_attr("open")


# --- Who may decide -------------------------------------------------------------------------


def test_a_member_is_refused(client_for, alice, bob):
    answer = make_answer(make_question(), alice, status="pending")
    client = client_for(bob)
    client.get("/")

    response = client.post(decide_url(answer), {"verb": "approve", "version": 1})

    assert response.status_code == 403
    assert refusal(response)
    assert fresh(answer).status == "pending"


def test_an_anonymous_visitor_is_sent_to_sign_in(client, alice):
    answer = make_answer(make_question(), alice, status="pending")
    client.open_a_form_page()  # the CSRF cookie of a visitor about to write

    response = client.post(decide_url(answer), {"verb": "approve", "version": 1})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert fresh(answer).status == "pending"


def test_a_moderator_without_a_second_factor_is_sent_to_enrol(client_for, moderator, alice):
    answer = make_answer(make_question(), alice, status="pending")
    client = client_for(moderator)
    client.get("/")

    response = client.post(decide_url(answer), {"verb": "approve", "version": 1})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    assert fresh(answer).status == "pending"


def test_deciding_is_a_post(moderator_client, alice):
    answer = make_answer(make_question(), alice, status="pending")

    assert moderator_client.get(decide_url(answer)).status_code == 405


@pytest.mark.parametrize("pk", [424242, 2**63])
def test_an_unknown_answer_is_a_404(moderator_client, pk):
    moderator_client.get(QUEUE)

    response = moderator_client.post(f"/moderation/answers/{pk}/decide/", {"verb": "approve"})

    assert response.status_code == 404


# --- Two moderators at once (PostgreSQL) ------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="needs PostgreSQL: SQLite serialises every writer, so there is no race to test",
)
def test_two_moderators_deciding_at_once_apply_one_decision(moderator):
    from django.contrib.auth.models import Group

    from tests.forum.test_vote_concurrency import release_together

    second = make_member("modo2")
    second.groups.add(Group.objects.get(name="moderators"))
    question = make_question()
    author = make_member("auteur")
    answer = flagged(make_answer(question, author))
    make_answer(question, author, status="pending")
    clients = [signed_in_with_mfa(moderator), signed_in_with_mfa(second)]
    for client in clients:
        client.get(QUEUE)
    statuses = []

    def decide(client, verb):
        def post():
            data = {"verb": verb, "version": answer.version, "rule": "spam", "reason": "Pub."}
            statuses.append(client.post(decide_url(answer), data).status_code)

        return post

    release_together([decide(clients[0], "remove"), decide(clients[1], "approve")])

    assert sorted(statuses) == [302, 409]
    assert ModerationAction.objects.filter(answer=answer).count() == 1
    assert fresh(answer).version == answer.version + 1
    assert tab_counts() == {"pending": 1, "flagged": 0}
