"""GET/POST /a/<pk>/flag/ and POST /a/<pk>/flag/withdraw/: a member flags an answer for the
moderators, once, with a reason, and may take the flag back until a moderator decides.

Most pages are read in English (/en/): their sentences are checked as written."""

import json
from urllib.parse import unquote

import pytest
from django.urls import reverse

from forum.models import Flag
from forum.moderation.actions import do_decide, do_flag
from tests.factories import long_ago, make_answer, make_article, make_member, make_question
from tests.pages import soup, text_of

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def en(path: str) -> str:
    """The English address of a page (reverse() may already give it: a request to an /en/
    page leaves English active in the test's thread)."""
    return "/en" + path.removeprefix("/en")


def flag_url(answer) -> str:
    return reverse("forum:flag", kwargs={"pk": answer.pk})


def withdraw_url(answer) -> str:
    return reverse("forum:withdraw_flag", kwargs={"pk": answer.pk})


def refusal(response) -> str:
    return " ".join(soup(response).select_one(".error-page p").text.split())


@pytest.fixture(autouse=True)
def _established_by_age(settings):
    """An "established" member is a member by trust through the age of their account alone
    (trust's own thresholds are tested in tests/moderation/test_trust.py)."""
    settings.TRUST_MEMBER_DAYS = 7
    settings.TRUST_MEMBER_ANSWERS = 0


def established(name: str):
    """A member of a month's standing: their flag weighs 2 (FLAG_HIDE_WEIGHT is 6)."""
    return make_member(name, date_joined=long_ago(days=30))


@pytest.fixture
def question():
    return make_question(text="Faut-il s’en inquiéter ?")


@pytest.fixture
def answer(question, alice):
    return make_answer(question, alice, body="Achetez mes montres.")


# --- The form ---------------------------------------------------------------------------


def test_the_flag_page_offers_every_reason_a_note_and_says_what_a_flag_does(
    client_for, answer, bob
):
    response = client_for(bob).get(en(flag_url(answer)))
    assert response.status_code == 200
    page = soup(response)
    form = page.select_one("form.flag-form")
    assert form["action"] == f"/en/a/{answer.pk}/flag/"
    labels = [label.text for label in form.select("fieldset label")]
    assert labels == [
        "Spam",
        "Harassment or abuse",
        "Hate",
        "Off-topic",
        "Misinformation",
        "Illegal content",
        "Other",
    ]
    assert all(radio.has_attr("required") for radio in form.select("input[name=reason]"))
    assert form.select_one("textarea[name=note]")
    assert "Achetez mes montres." in page.select_one(".quoted-answer").text
    assert "the author is not told who flagged" in text_of(response)


def test_under_htmx_the_form_comes_alone_for_the_answers_slot(client_for, answer, bob):
    response = client_for(bob).get(en(flag_url(answer)), headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    form = soup(response).select_one("form.flag-form")
    assert form["data-hx-target"] == f"#reply-{answer.pk}"
    assert form.select_one("input[name=csrfmiddlewaretoken]")
    assert form.select_one("input[name=reason][data-autofocus]")["value"] == "spam"


# --- Flagging ---------------------------------------------------------------------------


def test_flag_without_javascript_returns_to_the_answer_saying_so(client_for, answer, bob):
    bob_browser = client_for(bob)
    response = bob_browser.submit(
        en(flag_url(answer)), "form.flag-form", {"reason": "spam", "note": "Publicité."}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/en/a/{answer.pk}/#a{answer.pk}"
    flag = Flag.objects.get()
    assert (flag.reporter, flag.answer, flag.reason, flag.note) == (
        bob,
        answer,
        "spam",
        "Publicité.",
    )
    assert flag.weight == 1  # a new account
    answer.refresh_from_db()
    assert answer.flag_weight == 1 and answer.status == "published"
    after = bob_browser.get(response["Location"])
    assert "You flagged this answer: spam. Moderators will look at it." in text_of(after)


def test_htmx_flag_confirms_in_the_slot_with_a_withdraw_button_and_says_it_aloud(
    client_for, answer, bob
):
    response = client_for(bob).submit(
        en(flag_url(answer)), "form.flag-form", {"reason": "abuse"}, htmx=True
    )
    assert response.status_code == 200
    fragment = soup(response)
    assert "<html" not in response.content.decode()
    confirmation = fragment.select_one(".flag-done")
    assert "You flagged this answer: harassment or abuse. Moderators will look at it." in (
        " ".join(confirmation.text.split())
    )
    withdraw = confirmation.select_one("form")
    assert withdraw["data-hx-post"] == f"/en/a/{answer.pk}/flag/withdraw/"
    assert withdraw.select_one("input[name=csrfmiddlewaretoken]")["value"]
    # The answer's own control says it too, swapped out of band.
    control = fragment.select_one(f"#flag-{answer.pk}[data-hx-swap-oob]")
    assert "Flagged by you (harassment or abuse)" in control.text
    trigger = json.loads(response["HX-Trigger-After-Settle"])
    assert trigger == {
        "agora:announce": {
            "message": "You flagged this answer: harassment or abuse. Moderators will look at it."
        }
    }


def test_flagging_twice_records_one_flag(client_for, answer, bob):
    bob_browser = client_for(bob)
    bob_browser.submit(en(flag_url(answer)), "form.flag-form", {"reason": "spam"})
    again = bob_browser.post(en(flag_url(answer)), {"reason": "hate"}, headers=HTMX)
    assert again.status_code == 200
    assert list(Flag.objects.values_list("reason", flat=True)) == ["spam"]
    answer.refresh_from_db()
    assert answer.flag_weight == 1
    # The form is not offered again: what was done, and the way back.
    page = bob_browser.get(en(flag_url(answer)))
    assert not soup(page).select_one("form.flag-form")
    assert "You flagged this answer: spam." in text_of(page)


def test_a_flag_of_other_needs_a_note_and_keeps_it(client_for, answer, bob):
    response = client_for(bob).submit(
        en(flag_url(answer)), "form.flag-form", {"reason": "other", "note": "  Plagiat.  "}
    )
    assert response.status_code == 302
    assert Flag.objects.get().note == "Plagiat."


# --- What the thread shows ------------------------------------------------------------------


def test_readers_and_members_see_the_flag_link_but_not_the_author(
    client, client_for, question, answer, alice, bob
):
    link = f"#a{answer.pk} .answer__actions a[href='/a/{answer.pk}/flag/']"
    for browser in (client, client_for(bob)):
        found = soup(browser.get(question.get_absolute_url())).select_one(link)
        assert found["data-hx-target"] == f"#reply-{answer.pk}"
    assert not soup(client_for(alice).get(question.get_absolute_url())).select_one(link)


def test_flagged_by_you_shows_to_the_flagger_only_with_a_working_withdraw_button(
    client_for, question, answer, bob, charlie
):
    do_flag(reporter=bob, answer=answer, reason="misinformation")
    url = en(question.get_absolute_url())
    charlie_page = soup(client_for(charlie).get(url))
    assert "Flagged by you" not in charlie_page.text
    assert charlie_page.select_one(f"#flag-{answer.pk} a[href$='/flag/']")
    bob_browser = client_for(bob)
    bob_page = soup(bob_browser.get(url))
    control = bob_page.select_one(f"#flag-{answer.pk}")
    assert "Flagged by you (misinformation)" in control.text
    assert not control.select_one("a[href$='/flag/']")
    # The cached answer carries this reader's token, like the vote form.
    response = bob_browser.submit(url, f"#flag-{answer.pk} form")
    assert response.status_code == 302
    assert not Flag.objects.exists()
    # The answer's cached markup follows: the link again, no stale "flagged by you".
    control = soup(bob_browser.get(url)).select_one(f"#flag-{answer.pk}")
    assert "Flagged by you" not in control.text and control.select_one("a[href$='/flag/']")


def test_three_established_members_hide_the_answer_until_review(
    client, client_for, question, answer, alice, charlie
):
    for name in ("flagger1", "flagger2", "flagger3"):
        client_for(established(name)).submit(
            en(flag_url(answer)), "form.flag-form", {"reason": "spam"}
        )
    answer.refresh_from_db()
    question.refresh_from_db()
    assert (answer.status, answer.flag_weight, question.answer_count) == ("pending", 6, 0)
    for browser in (client, client_for(charlie)):
        assert browser.get(answer.get_absolute_url()).status_code == 404
        assert "Achetez mes montres." not in text_of(browser.get(question.get_absolute_url()))
    # Its author still sees it, told why nobody else does.
    alice_page = client_for(alice).get(en(question.get_absolute_url()))
    node = soup(alice_page).select_one(f"#a{answer.pk}")
    assert "awaiting review" in node.select_one(".badge").text
    assert "hidden from readers until a moderator has reviewed it" in node.text
    assert client_for(alice).get(answer.get_absolute_url()).status_code == 200


def test_the_flag_that_hides_an_answer_sends_its_flagger_back_to_the_question(
    client_for, question, answer
):
    do_flag(reporter=established("flagger1"), answer=answer, reason="spam")
    do_flag(reporter=established("flagger2"), answer=answer, reason="spam")
    third = client_for(established("flagger3"))
    response = third.submit(en(flag_url(answer)), "form.flag-form", {"reason": "spam"})
    assert response.status_code == 302
    assert response["Location"] == en(question.get_absolute_url())
    assert third.get(response["Location"]).status_code == 200


# --- Withdrawing ----------------------------------------------------------------------------


def test_withdrawing_before_a_decision_takes_the_flag_back(client_for, answer, bob):
    do_flag(reporter=bob, answer=answer, reason="spam")
    bob_browser = client_for(bob)
    response = bob_browser.submit(en(flag_url(answer)), ".flag-done form")
    assert response.status_code == 302
    assert response["Location"] == f"/en/a/{answer.pk}/#a{answer.pk}"
    assert not Flag.objects.exists()
    answer.refresh_from_db()
    assert answer.flag_weight == 0
    assert "Your flag is withdrawn." in text_of(bob_browser.get(response["Location"]))


def test_htmx_withdraw_says_so_and_gives_the_flag_link_back(client_for, question, answer, bob):
    do_flag(reporter=bob, answer=answer, reason="spam")
    response = client_for(bob).submit(
        en(question.get_absolute_url()), f"#flag-{answer.pk} form", htmx=True
    )
    assert response.status_code == 200
    fragment = soup(response)
    assert "Your flag is withdrawn." in fragment.select_one(".notice").text
    control = fragment.select_one(f"#flag-{answer.pk}[data-hx-swap-oob]")
    assert control.select_one("a")["href"] == f"/en/a/{answer.pk}/flag/"
    trigger = json.loads(response["HX-Trigger-After-Settle"])
    assert trigger == {"agora:announce": {"message": "Your flag is withdrawn."}}
    assert not Flag.objects.exists()


def test_a_decided_flag_cannot_be_withdrawn_nor_made_again(client_for, answer, bob, moderator):
    do_flag(reporter=bob, answer=answer, reason="spam")
    bob_browser = client_for(bob)
    bob_browser.get(en(flag_url(answer)))
    answer.refresh_from_db()
    do_decide(moderator=moderator, answer=answer, verb="approve", seen_version=answer.version)
    response = bob_browser.post(en(withdraw_url(answer)))
    assert response.status_code == 403
    assert refusal(response) == (
        "A moderator has already decided on your flag: it can no longer be withdrawn."
    )
    assert Flag.objects.get().status == "dismissed"
    again = bob_browser.post(en(flag_url(answer)), {"reason": "hate"})
    assert again.status_code == 403
    assert refusal(again) == "You already flagged this answer, and a moderator has decided on it."
    assert Flag.objects.count() == 1


def test_a_flag_that_hid_the_answer_can_still_be_withdrawn(client_for, question, answer):
    do_flag(reporter=established("flagger1"), answer=answer, reason="spam")
    do_flag(reporter=established("flagger2"), answer=answer, reason="spam")
    last = established("flagger3")
    last_browser = client_for(last)
    last_browser.submit(en(flag_url(answer)), "form.flag-form", {"reason": "spam"})
    response = last_browser.post(en(withdraw_url(answer)))
    assert response.status_code == 302
    assert response["Location"] == en(question.get_absolute_url())
    answer.refresh_from_db()
    assert answer.flag_weight == 4
    assert answer.status == "pending"  # held: a moderator decides now


def test_one_cannot_withdraw_someone_elses_flag(client_for, answer, bob, charlie):
    do_flag(reporter=bob, answer=answer, reason="spam")
    charlie_browser = client_for(charlie)
    charlie_browser.get(en(flag_url(answer)))
    charlie_browser.post(en(withdraw_url(answer)))
    assert Flag.objects.filter(reporter=bob).exists()


# --- Not signed in ----------------------------------------------------------------------------


def test_anonymous_flag_goes_to_sign_in_and_back_to_the_answer(client, question, answer):
    client.open_a_form_page()  # the CSRF cookie of a visitor about to write
    response = client.post(flag_url(answer), {"reason": "spam"})
    assert response.status_code == 302
    assert unquote(response["Location"]) == f"/accounts/login/?next=/a/{answer.pk}/#a{answer.pk}"
    form_page = client.get(flag_url(answer))
    assert unquote(form_page["Location"]) == f"/accounts/login/?next=/a/{answer.pk}/flag/"
    htmx = client.get(flag_url(answer), headers=HTMX)
    assert unquote(htmx["HX-Redirect"]) == f"/accounts/login/?next=/a/{answer.pk}/flag/"
    withdraw = client.post(withdraw_url(answer))
    assert unquote(withdraw["Location"]) == f"/accounts/login/?next=/a/{answer.pk}/#a{answer.pk}"
    assert not Flag.objects.exists()


# --- Not allowed --------------------------------------------------------------------------------


def test_one_cannot_flag_ones_own_answer(client_for, answer, alice):
    alice_browser = client_for(alice)
    alice_browser.get(en(answer.get_absolute_url()))
    response = alice_browser.post(en(flag_url(answer)), {"reason": "spam"})
    assert response.status_code == 403
    assert refusal(response) == "You cannot flag your own answer."
    assert alice_browser.get(en(flag_url(answer))).status_code == 403
    assert not Flag.objects.exists()


@pytest.mark.parametrize(
    ("member", "sentence"),
    [
        ("carol_unverified", "Confirm your e-mail address to flag: follow the link we sent you."),
        ("dave_suspended", "Your account is suspended until"),
        ("erin_banned", "Your account is banned: you can read, but no longer answer or vote."),
    ],
)
def test_unverified_and_sanctioned_members_are_told_why(
    client_for, answer, member, sentence, request
):
    browser = client_for(request.getfixturevalue(member))
    browser.get(en(answer.get_absolute_url()))
    response = browser.post(en(flag_url(answer)), {"reason": "spam"})
    assert response.status_code == 403
    assert sentence in refusal(response)
    assert not Flag.objects.exists()


def test_under_htmx_a_refusal_is_the_sentence_in_the_slot(client_for, answer, dave_suspended):
    browser = client_for(dave_suspended)
    browser.get(en(answer.get_absolute_url()))
    response = browser.get(en(flag_url(answer)), headers=HTMX)
    assert response.status_code == 403
    assert "<html" not in response.content.decode()
    notice = soup(response).select_one("p.notice[role=alert]")
    assert "Your account is suspended until" in notice.text
    assert "Reason: Insultes répétées." in notice.text


def test_answers_of_a_locked_question_cannot_be_flagged(client_for, alice, bob):
    question = make_question(state="locked")
    answer = make_answer(question, alice)
    bob_browser = client_for(bob)
    page = soup(bob_browser.get(en(question.get_absolute_url())))
    assert not page.select_one(f"#a{answer.pk} a[href$='/flag/']")
    response = bob_browser.post(en(flag_url(answer)), {"reason": "spam"})
    assert response.status_code == 403
    assert refusal(response) == "This discussion is locked: answers can be read but not added."


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_405(client_for, answer, bob, method):
    browser = client_for(bob)
    browser.get(flag_url(answer))
    assert getattr(browser, method)(flag_url(answer)).status_code == 405
    assert getattr(browser, method)(withdraw_url(answer)).status_code == 405
    assert browser.get(withdraw_url(answer)).status_code == 405


# --- Bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose the reason for your flag."),
        ({"reason": "boring"}, "Choose the reason for your flag from the list."),
        ({"reason": "other", "note": "   "}, "Say in a few words what is wrong with this answer."),
        ({"reason": "spam", "note": "x" * 501}, "Keep your note to 500 characters at most."),
    ],
)
def test_bad_input_is_400_with_the_form_and_its_message(client_for, answer, bob, data, message):
    browser = client_for(bob)
    browser.get(en(flag_url(answer)))
    response = browser.post(en(flag_url(answer)), data)
    assert response.status_code == 400
    assert message in soup(response).select_one("form.flag-form [role=alert]").text
    assert not Flag.objects.exists()


def test_under_htmx_bad_input_is_the_form_again_keeping_the_choice(client_for, answer, bob):
    browser = client_for(bob)
    browser.get(en(flag_url(answer)))
    response = browser.post(en(flag_url(answer)), {"reason": "other"}, headers=HTMX)
    assert response.status_code == 400
    form = soup(response).select_one("form.flag-form")
    assert "<html" not in response.content.decode()
    assert form.select_one("input[value=other]").has_attr("checked")
    assert form.select_one("textarea")["aria-invalid"] == "true"


# --- Not found --------------------------------------------------------------------------------


def test_an_unknown_answer_is_404(client_for, bob, db):
    browser = client_for(bob)
    assert browser.get("/a/999999/flag/").status_code == 404
    assert browser.get(f"/a/{2**70}/flag/").status_code == 404
    browser.get("/")
    assert browser.post(f"/a/{2**70}/flag/withdraw/").status_code == 404


@pytest.mark.parametrize("status", ["pending", "spam"])
def test_an_answer_the_member_may_not_see_is_404(client_for, question, alice, bob, status):
    hidden = make_answer(question, alice, status=status)
    browser = client_for(bob)
    assert browser.get(flag_url(hidden)).status_code == 404
    assert browser.post(flag_url(hidden), {"reason": "spam"}).status_code == 404
    assert browser.post(withdraw_url(hidden)).status_code == 404


def test_answers_of_unpublished_articles_are_404(client_for, alice, bob):
    answer = make_answer(make_question(make_article("scheduled")), alice)
    assert client_for(bob).get(flag_url(answer)).status_code == 404


# --- Limits -------------------------------------------------------------------------------------


def test_flagging_too_often_is_a_429_with_retry_after(client_for, question, alice, bob, settings):
    settings.RATE_LIMIT_FLAG_MEMBER = "1/3600"
    first, second = make_answer(question, alice), make_answer(question, alice)
    browser = client_for(bob)
    browser.submit(en(flag_url(first)), "form.flag-form", {"reason": "spam"})
    response = browser.submit(en(flag_url(second)), "form.flag-form", {"reason": "spam"})
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600
    htmx = browser.post(en(flag_url(second)), {"reason": "spam"}, headers=HTMX)
    assert htmx.status_code == 429
    assert "You are flagging too often." in soup(htmx).select_one("form.flag-form").text
    assert list(Flag.objects.values_list("answer", flat=True)) == [first.pk]


def test_the_limit_per_address_counts_every_member(client_for, question, alice, settings):
    settings.RATE_LIMIT_FLAG_IP = "1/3600"
    first, second = make_answer(question, alice), make_answer(question, alice)
    client_for(make_member("louis")).submit(
        en(flag_url(first)), "form.flag-form", {"reason": "spam"}
    )
    response = client_for(make_member("nina")).submit(
        en(flag_url(second)), "form.flag-form", {"reason": "spam"}
    )
    assert response.status_code == 429
    assert Flag.objects.count() == 1
