"""A moderator, as one would: signs in with e-mail, password and a code from their
authenticator app, opens the flagged answers, removes one with a reason, suspends its author
from the member's moderation page, and finds both decisions in the public log; a reader sees
the tombstone in the thread. Once with JavaScript (htmx), once without.

Labels are looked up through the site's catalogue (``fr``): the test reads the page as a
French reader does, whether or not a new string is translated yet."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from forum.models import Answer, ModerationAction
from forum.moderation.actions import do_flag
from tests.conftest import enrol_totp, totp_code
from tests.factories import make_answer, make_question

pytestmark = pytest.mark.django_db(transaction=True)

REMOVAL_REASON = "Insultes envers un autre lecteur."
SUSPENSION_REASON = "Récidive après un retrait."


def fr(text: str) -> str:
    """What the French page says for ``text``."""
    with translation.override("fr"):
        return gettext(text)


@pytest.fixture
def flagged(alice, bob, charlie):
    """alice's answer, flagged by two members for harassment."""
    question = make_question(text="Faut-il taxer les superprofits ?")
    make_answer(question, bob, body="Oui, au moins temporairement.")
    answer = make_answer(question, alice, body="Seuls des imbéciles peuvent penser cela.")
    for reporter in (bob, charlie):
        do_flag(reporter=reporter, answer=answer, reason="abuse")
    return answer


def sign_in_with_code(page, moderator, secret):
    """From the desk's address: e-mail and password, then the app's code, then the desk."""
    page.goto("/moderation/?tab=flagged")
    main = page.locator("main")
    main.get_by_label(fr("E-mail address")).fill(moderator.email)
    main.get_by_label(fr("Password")).fill("pw-" + moderator.username)
    main.get_by_role("button", name=fr("Sign in")).click()
    main.get_by_label(fr("Code")).fill(totp_code(secret))
    main.get_by_role("button", name=fr("Sign In")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(fr("Moderation queue"))
    assert page.url.endswith("/moderation/?tab=flagged")


def remove_with_reason(page, answer, *, javascript):
    item = page.get_by_role("listitem", name=fr("Answer by %(name)s") % {"name": "alice"})
    expect(item).to_contain_text("Seuls des imbéciles")
    item.get_by_text(fr("Remove…")).click()
    item.get_by_label(fr("Rule broken"), exact=True).select_option("abuse")
    item.get_by_label(fr("Reason shown to the author"), exact=True).fill(REMOVAL_REASON)
    if javascript:
        page.evaluate("() => { window.samePage = true }")
    item.get_by_role("button", name=fr("Remove"), exact=True).click()
    expect(item).to_have_count(0)  # decided: it left the flagged answers
    expect(page.locator("#queue-tabs")).to_contain_text(f"{fr('Flagged')} 0")
    if javascript:  # htmx swapped the item: the page itself stayed
        assert page.evaluate("() => window.samePage === true")
    answer.refresh_from_db()
    assert answer.status == Answer.Status.REMOVED


def reader_sees_the_tombstone(browser, live_server, answer):
    reader = browser.new_context(locale="fr-FR", base_url=live_server.url)
    try:
        thread = reader.new_page()
        thread.goto(answer.question.get_absolute_url())
        tombstone = thread.locator(f"#a{answer.pk}")
        expected = f"[retiré par la modération\u00a0: {fr('harassment or abuse')}]"
        expect(tombstone).to_contain_text(expected)
        expect(thread.locator("main")).not_to_contain_text("Seuls des imbéciles")
        expect(thread.locator("main")).to_contain_text("Oui, au moins temporairement.")
    finally:
        reader.close()


def suspend_the_author(page, alice):
    page.goto(reverse("moderation:member", kwargs={"username": alice.username}))
    form = page.locator("main form").filter(
        has=page.get_by_label(fr("Suspend until the date below"))
    )
    form.get_by_label(fr("Suspend until the date below")).check()
    until = (timezone.localdate() + timedelta(days=7)).isoformat()
    form.get_by_label(fr("End of the suspension")).fill(until)
    form.get_by_label(fr("Reason shown to the member")).fill(SUSPENSION_REASON)
    form.get_by_role("button", name=fr("Apply")).click()
    expect(page.locator("main")).to_contain_text(fr("Suspended"))
    alice.refresh_from_db()
    assert alice.suspended_until is not None
    assert alice.suspended_until.date() >= timezone.localdate() + timedelta(days=6)


def both_in_the_public_log(page, answer):
    page.goto(reverse("moderation:log"))
    entries = page.locator("main ol > li")
    expect(entries).to_have_count(2)
    suspension, removal = entries.nth(0), entries.nth(1)  # newest first
    expect(suspension).to_contain_text(fr("suspended").capitalize())
    expect(suspension.get_by_role("link", name="alice")).to_be_visible()
    expect(suspension).to_contain_text(SUSPENSION_REASON)
    expect(removal).to_contain_text(fr("removed").capitalize())
    expect(removal).to_contain_text(REMOVAL_REASON)
    # It links to the tombstone, never shows the removed words.
    link = removal.get_by_role("link").first
    assert link.get_attribute("href") == answer.get_absolute_url()
    expect(page.locator("main")).not_to_contain_text("Seuls des imbéciles")


def moderate(page, browser, live_server, moderator, alice, answer, *, javascript=True):
    secret = enrol_totp(moderator)
    sign_in_with_code(page, moderator, secret)
    remove_with_reason(page, answer, javascript=javascript)
    reader_sees_the_tombstone(browser, live_server, answer)
    suspend_the_author(page, alice)
    both_in_the_public_log(page, answer)
    verbs = list(ModerationAction.objects.order_by("pk").values_list("verb", "actor"))
    assert verbs == [("remove", moderator.pk), ("suspend", moderator.pk)]


def test_a_moderator_removes_a_flagged_answer_and_suspends_its_author(
    page, browser, live_server, moderator, alice, flagged
):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    moderate(page, browser, live_server, moderator, alice, flagged)
    assert errors == []


def test_the_same_decisions_without_javascript(
    page_without_js, browser, live_server, moderator, alice, flagged
):
    moderate(page_without_js, browser, live_server, moderator, alice, flagged, javascript=False)
