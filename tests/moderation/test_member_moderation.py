"""A member's moderation page: standing, record, notes, and the sanctions decided there."""

from datetime import timedelta

import pytest
from django.utils import timezone

from forum.models import Answer, MemberNote, ModerationAction, User
from forum.moderation.actions import do_flag, do_note, do_sanction
from tests.factories import make_answer, make_member, make_question
from tests.pages import refusal, soup, text_of

PAGE = "/moderation/members/{}/"
EN = "/en/moderation/members/{}/"  # for the words: the French catalogue may lag behind


def sanction_form(client, username, data, *, page=EN):
    return client.submit(page.format(username), "form.sanction-form", data)


def in_days(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def test_the_page_shows_standing_record_notes_and_sanctions(
    moderator_client, moderator, alice, bob
):
    question = make_question()
    make_answer(question, alice, body="Réponse sage.")
    flagged = make_answer(question, alice, body="Réponse signalée.")
    do_flag(reporter=bob, answer=flagged, reason="hate")
    make_answer(question, alice, status="removed", body="Retirée.")
    do_note(moderator=moderator, member=alice, text="Vérifier ses sources.")
    do_sanction(moderator=moderator, member=alice, verb="premoderate", reason="Trop de hors-sujet.")

    response = moderator_client.get(EN.format("alice"))

    assert response.status_code == 200
    page = soup(response)
    assert "Pre-moderated" in page.select_one(".standing").text
    stats = {div.dt.text: div.dd.text for div in page.select(".desk-stats div")}
    assert stats == {
        "Answers": "3",
        "Removed": "1",
        "Flags received": "1",
        "Flags made": "0",
        "Sanctions": "1",
    }
    assert "Vérifier ses sources." in page.select_one(".desk-notes").text
    assert "Trop de hors-sujet." in text_of(response)
    assert len(page.select("#answers-title ~ ol .decision-row")) == 3


def test_a_suspension_until_a_date(moderator_client, moderator, alice):
    response = sanction_form(
        moderator_client, "alice", {"verb": "suspend", "until": in_days(5), "reason": "Insultes."}
    )

    assert response.status_code == 302
    assert response["Location"] == EN.format("alice")
    alice = User.objects.get(pk=alice.pk)
    assert timezone.localtime(alice.suspended_until).date() == timezone.localdate() + timedelta(5)
    assert timezone.localtime(alice.suspended_until).hour == 0
    assert alice.sanction_reason == "Insultes."
    action = ModerationAction.objects.get()
    assert (action.verb, action.actor, action.member) == ("suspend", moderator, alice)
    page = moderator_client.get(EN.format("alice"))
    assert "Sanction recorded for alice: suspended." in text_of(page)
    assert "Suspended" in soup(page).select_one(".standing").text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"verb": "suspend", "until": in_days(0), "reason": "x"}, "A suspension ends on a date"),
        ({"verb": "suspend", "until": "", "reason": "x"}, "A suspension ends on a date"),
        ({"verb": "suspend", "until": "demain", "reason": "x"}, "end of the suspension: "),
        ({"verb": "ban", "reason": "   "}, "A sanction needs a reason"),
        ({"verb": "spam_ban", "reason": "Spam."}, "Confirm the spam ban"),
        ({"verb": "delete", "reason": "x"}, "decision: "),
    ],
)
def test_a_wrong_sanction_is_a_400_that_writes_nothing(moderator_client, alice, data, message):
    response = sanction_form(moderator_client, "alice", data)

    assert response.status_code == 400
    assert message in text_of(response)
    alice = User.objects.get(pk=alice.pk)
    assert (alice.banned, alice.suspended_until) == (False, None)
    assert not ModerationAction.objects.exists()


def test_a_spam_ban_marks_every_answer_as_spam(moderator_client, alice):
    question = make_question()
    answers = [make_answer(question, alice), make_answer(question, alice, status="pending")]

    sanction_form(
        moderator_client,
        "alice",
        {"verb": "spam_ban", "reason": "Publicité.", "confirm_spam_ban": "1"},
    )

    assert [Answer.objects.get(pk=a.pk).status for a in answers] == ["spam", "spam"]
    assert User.objects.get(pk=alice.pk).banned


def test_warn_ban_and_lift(moderator_client, alice):
    for verb in ("warn", "ban", "lift"):
        sanction_form(moderator_client, "alice", {"verb": verb, "reason": f"Motif {verb}."})

    alice = User.objects.get(pk=alice.pk)
    assert (alice.banned, alice.sanction_reason) == (False, "")
    assert list(ModerationAction.objects.order_by("pk").values_list("verb", flat=True)) == [
        "warn",
        "ban",
        "lift",
    ]


def test_a_moderator_is_not_sanctioned_from_the_desk(moderator_client, moderator):
    other = make_member("modo-bis", is_staff=True)
    moderator_client.get(PAGE.format("modo-bis"))

    response = moderator_client.post(
        PAGE.format("modo-bis") + "sanction/", {"verb": "ban", "reason": "Essai."}
    )

    assert response.status_code == 403
    assert refusal(response)
    assert not User.objects.get(pk=other.pk).banned
    assert not ModerationAction.objects.exists()


def test_sanctioning_from_the_queue_goes_back_to_the_queue(moderator_client, alice):
    answer = make_answer(make_question(), alice, status="pending")
    queue = "/moderation/?tab=pending"
    record = soup(moderator_client.get(queue)).select_one(
        f"#item-{answer.pk} .queue-item__record a"
    )

    response = moderator_client.submit(
        record["href"], "form.sanction-form", {"verb": "warn", "reason": "Restez courtois."}
    )

    assert response.status_code == 302
    assert response["Location"] == queue
    assert ModerationAction.objects.get().verb == "warn"


def test_a_next_page_elsewhere_is_ignored(moderator_client, alice):
    page = PAGE.format("alice") + "?next=//evil.example/"

    response = moderator_client.submit(page, "form.sanction-form", {"verb": "warn", "reason": "x"})

    assert response["Location"] == page


# --- Notes ----------------------------------------------------------------------------------


def test_a_note_for_the_other_moderators(moderator_client, moderator, alice):
    response = moderator_client.submit(
        EN.format("alice"), "form.desk-note-form", {"text": "  Compte lié à « bob ».  "}
    )

    assert response.status_code == 302
    note = MemberNote.objects.get()
    assert (note.member, note.author, note.text) == (alice, moderator, "Compte lié à « bob ».")


def test_an_empty_note_is_a_400(moderator_client, alice):
    response = moderator_client.submit(EN.format("alice"), "form.desk-note-form", {"text": " "})

    assert response.status_code == 400
    assert "note: " in text_of(response)
    assert not MemberNote.objects.exists()


# --- Who may, and what is not there ----------------------------------------------------------


def test_a_member_is_refused(client_for, alice, bob):
    client = client_for(bob)

    assert client.get(PAGE.format("alice")).status_code == 403
    client.get("/")
    response = client.post(PAGE.format("alice") + "sanction/", {"verb": "ban", "reason": "x"})
    assert response.status_code == 403
    assert not User.objects.get(pk=alice.pk).banned
    assert client.post(PAGE.format("alice") + "note/", {"text": "x"}).status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(client, alice):
    response = client.get(PAGE.format("alice"))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/moderation/members/alice/")


def test_a_moderator_without_a_second_factor_is_sent_to_enrol(client_for, moderator, alice):
    response = client_for(moderator).get(PAGE.format("alice"))

    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_sanctions_and_notes_are_posts(moderator_client, alice):
    assert moderator_client.get(PAGE.format("alice") + "sanction/").status_code == 405
    assert moderator_client.get(PAGE.format("alice") + "note/").status_code == 405


@pytest.mark.parametrize("username", ["personne", "a%00b"])
def test_an_unknown_member_is_a_404(moderator_client, username):
    assert moderator_client.get(PAGE.format(username)).status_code == 404


def test_a_deleted_account_is_a_404(moderator_client):
    make_member("parti", anonymised_at=timezone.now())

    assert moderator_client.get(PAGE.format("parti")).status_code == 404
