"""Notifications as the people in them live them: bob replies to alice through the page;
alice sees the count in the header, opens her notifications, follows one to the reply,
and the count is gone; the e-mail she got stops those e-mails in one click without
signing in. Marking read works as a plain form without JavaScript, and in place with it.

Labels are looked up through the site's catalogue (``fr``): the test reads the French
pages as a French reader does, whether or not a new string is translated yet."""

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from forum.models import Delivery, Notification
from forum.notifications import unsubscribe_url
from tests.factories import make_answer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fast_forms")]

ALICE_SAYS = "Le rapport de l’ASPI mesure surtout la recherche publiée."
BOB_REPLIES = "Les brevets comptent aussi : la recherche seule ne dit pas tout."
# The unsubscribe link of an e-mail, as its text shows it (SITE_URL, then the path).
UNSUBSCRIBE = re.compile(r"https?://[^/\s]+(/(?:en/)?unsubscribe/[^\s/]+/)")


def fr(text: str) -> str:
    """What the French page says for ``text``."""
    with translation.override("fr"):
        return gettext(text)


def watched(context, errors: list[str]):
    """A new page of ``context`` whose console errors (a blocked inline style, an htmx
    target that matches nothing, a script error) land in ``errors``."""
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


def badge(page):
    return page.locator("#inbox-link .badge")


def unread(count: int) -> re.Pattern:
    """The badge's text for ``count``, as a screen reader hears it: "(2 unread)"."""
    return re.compile(rf"^\(\s*{count}\s")


def test_a_reply_reaches_its_author_in_the_header_the_inbox_and_by_email(
    open_context, question, alice, bob, mailoutbox
):
    """French, wide, JavaScript on."""
    mine = make_answer(question, alice, body=ALICE_SAYS)
    errors = []

    # bob replies to alice through the thread's inline form.
    page = watched(open_context(user=bob), errors)
    page.goto(question.get_absolute_url())
    page.locator(f"#a{mine.pk}").get_by_role("link", name=fr("Reply")).first.click()
    slot = page.locator(f"#reply-{mine.pk}")
    slot.locator("textarea").fill(BOB_REPLIES)
    slot.get_by_role("button", name=fr("Post reply")).click()
    expect(slot.locator("li.node")).to_contain_text(BOB_REPLIES)
    theirs = Notification.objects.get(recipient=alice).answer
    assert (theirs.parent_id, theirs.author_id) == (mine.pk, bob.pk)

    # alice, on any page: one unread notification in the header.
    page = watched(open_context(user=alice), errors)
    page.goto("/")
    expect(badge(page)).to_have_text(unread(1))
    page.locator("#inbox-link").click()
    expect(page).to_have_url(re.compile(r"/notifications/$"))
    expect(page.locator("#inbox-link")).to_have_attribute("aria-current", "page")
    [item] = page.locator(".inbox__item").all()
    expect(item).to_contain_text("bob")
    expect(item).to_contain_text(BOB_REPLIES)
    expect(item).to_have_class(re.compile(r"\binbox__item--unread\b"))

    # Following it leads to the reply, shown; what told her of it is then read.
    item.locator(".inbox__headline a").click()
    expect(page).to_have_url(re.compile(rf"/a/{theirs.pk}/$"))
    expect(page.locator(f"#a{theirs.pk}")).to_contain_text(BOB_REPLIES)
    page.goto("/")
    expect(page.locator("#inbox-link")).to_be_visible()
    expect(badge(page)).to_have_count(0)
    page.goto("/notifications/")
    expect(page.locator(".inbox__item--unread")).to_have_count(0)
    expect(page.locator(".inbox__item")).to_have_count(1)

    # The e-mail went out at once, with the headers mail programs show a button for; its
    # text ends with the same link, to stop e-mails of this kind.
    [email] = [m for m in mailoutbox if m.to == ["alice@example.org"]]
    assert BOB_REPLIES in email.body
    assert f"/a/{theirs.pk}/" in email.body
    headers = email.message()
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = UNSUBSCRIBE.fullmatch(headers["List-Unsubscribe"].strip("<>"))
    assert link, headers["List-Unsubscribe"]
    footer = email.body[email.body.rindex("\n-- \n") :]
    assert link.group(0) in footer

    # The link works for whoever holds the e-mail, signed in or not: it asks, then stops.
    stranger = watched(open_context(), errors)
    stranger.goto(link.group(1))
    expect(stranger.locator("#inbox-link")).to_have_count(0)  # nobody signed in
    alice.refresh_from_db()
    assert alice.email_replies == Delivery.NOW  # opening the link changed nothing
    stranger.locator("main form").get_by_role("button").click()
    expect(stranger.locator("main [role=status]")).to_be_visible()
    alice.refresh_from_db()
    assert alice.email_replies == Delivery.NEVER
    assert alice.email_mentions == Delivery.NOW  # only what that e-mail was about
    assert errors == []


@pytest.fixture
def two_unread(question, alice, bob, charlie):
    """alice, told of bob's reply to her answer, then of charlie's mention of her."""
    mine = make_answer(question, alice, body=ALICE_SAYS)
    make_answer(question, bob, parent=mine, body=BOB_REPLIES)
    make_answer(question, charlie, body="Je rejoins @alice sur ce point.")
    notifications = list(Notification.objects.filter(recipient=alice).order_by("-pk"))
    assert [n.kind for n in notifications] == ["mention", "reply"]
    return notifications


def test_without_javascript_marking_read_is_a_plain_form(open_context, alice, two_unread):
    """English, narrow, no JavaScript."""
    mention, reply = two_unread
    page = open_context(lang="en", width=375, user=alice, javascript=False).new_page()
    page.goto("/en/notifications/")
    expect(badge(page)).to_have_text("(2 unread)")
    expect(page.locator(".inbox__item")).to_have_count(2)
    first = page.locator(f"#notification-{mention.pk}")
    expect(first).to_contain_text("charlie mentioned you")
    expect(first).to_contain_text("New")

    first.get_by_role("button", name="Mark as read").click()
    # Back on the inbox, reloaded: that one read, the other still new, the count down.
    expect(page).to_have_url(re.compile(r"/en/notifications/$"))
    expect(badge(page)).to_have_text("(1 unread)")
    expect(first).not_to_have_class(re.compile(r"\binbox__item--unread\b"))
    expect(first.get_by_role("button", name="Mark as read")).to_have_count(0)
    expect(page.locator(f"#notification-{reply.pk}")).to_have_class(
        re.compile(r"\binbox__item--unread\b")
    )

    page.get_by_role("button", name="Mark all as read").click()
    expect(page).to_have_url(re.compile(r"/en/notifications/$"))
    expect(badge(page)).to_have_count(0)
    expect(page.locator(".inbox__item--unread")).to_have_count(0)
    expect(page.get_by_role("button", name="Mark all as read")).to_have_count(0)
    assert not Notification.objects.filter(recipient=alice, read_at__isnull=True).exists()


def test_with_javascript_marking_read_updates_the_count_in_place(open_context, alice, two_unread):
    """English, wide, JavaScript on: htmx swaps the item and, out of band, the header."""
    mention, reply = two_unread
    errors = []
    page = watched(open_context(lang="en", user=alice), errors)
    page.goto("/en/notifications/")
    expect(badge(page)).to_have_text("(2 unread)")
    page.evaluate("window.stillTheSamePage = true")

    item = page.locator(f"#notification-{mention.pk}")
    item.get_by_role("button", name="Mark as read").click()
    expect(badge(page)).to_have_text("(1 unread)")
    expect(item).not_to_have_class(re.compile(r"\binbox__item--unread\b"))
    expect(item.get_by_role("button")).to_have_count(0)
    # The button pressed is gone: focus goes to what it was about, and that is said.
    expect(page.locator(f"#notification-{mention.pk}-headline")).to_be_focused()
    expect(page.locator("body > [role=status][aria-live=polite]")).to_have_text("Marked as read.")
    assert page.evaluate("window.stillTheSamePage") is True
    expect(page.locator(f"#notification-{reply.pk}")).to_have_class(
        re.compile(r"\binbox__item--unread\b")
    )

    page.locator(f"#notification-{reply.pk}").get_by_role("button", name="Mark as read").click()
    expect(badge(page)).to_have_count(0)
    expect(page.locator("#inbox-link")).to_have_text("Notifications")
    expect(page.locator(f"#notification-{reply.pk}-headline")).to_be_focused()
    assert page.evaluate("window.stillTheSamePage") is True
    assert not Notification.objects.filter(recipient=alice, read_at__isnull=True).exists()
    assert errors == []


def test_the_header_count_says_99_plus_past_99(open_context, alice):
    """A member back from a long absence: the badge stays short."""
    Notification.objects.bulk_create(
        Notification(recipient=alice, kind=Notification.Kind.HIGHLIGHT) for _ in range(120)
    )
    page = open_context(lang="en", user=alice).new_page()
    page.goto("/en/")
    expect(badge(page)).to_have_text("(99+ unread)")


def test_a_tampered_unsubscribe_link_changes_nothing(open_context, alice):
    path = unsubscribe_url(alice, "email_replies")
    page = open_context(lang="en").new_page()
    response = page.goto("/en" + path[:-3] + "xx/")
    assert response.status == 404
    expect(page.locator("main")).to_contain_text("This link is not valid")
    expect(page.locator("main form")).to_have_count(0)
    alice.refresh_from_db()
    assert alice.email_replies == Delivery.NOW
