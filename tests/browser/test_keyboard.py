"""A member who uses only the keyboard: Tab, Shift+Tab, Enter, Space and the arrows, never
the mouse. Every focus stop must be visible, and after each htmx swap focus must land
on what the person acts on next, never fall back to the page's <body>."""

import re

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from forum.moderation.actions import do_decide, do_sanction
from tests.conftest import signed_in_with_mfa
from tests.factories import long_ago, make_answer, make_member, make_question
from tests.lively import lively_discussion

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fast_forms")]

# What has focus, and whether a sighted person can see where it is.
FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  // The skip link's target: focused so the next Tab starts there, not a control.
  if (el.matches("main#main")) return {html: "main", visible: true};
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0
    && style.outlineColor !== "rgba(0, 0, 0, 0)" && style.outlineColor !== "transparent";
  const shadow = style.boxShadow !== "none";
  const box = el.getBoundingClientRect();
  return {
    html: el.outerHTML.slice(0, 100).replace(/\\s+/g, " "),
    visible: (outline || shadow) && box.width > 1 && box.height > 1,
  };
}"""


class Keyboard:
    """Presses keys, and after each one notes a focus that cannot be seen."""

    def __init__(self, page):
        self.page = page
        self.invisible: list[str] = []

    def focus(self):
        return self.page.evaluate(FOCUS)

    def press(self, key):
        self.page.keyboard.press(key)
        self.note()

    def note(self):
        try:
            focused = self.focus()
        except PlaywrightError:  # the key started a navigation: judge the new page
            self.page.wait_for_load_state()
            focused = self.focus()
        if focused and not focused["visible"] and focused["html"] not in self.invisible:
            self.invisible.append(focused["html"])

    def has_focus(self, locator) -> bool:
        return locator.evaluate("el => el === document.activeElement")

    def tab_to(self, locator, *, backwards=False, limit=150):
        """Tab (or Shift+Tab) until ``locator`` has focus, as a person would."""
        locator.wait_for(state="attached")
        for _ in range(limit):
            self.press("Shift+Tab" if backwards else "Tab")
            if self.has_focus(locator):
                return
        pytest.fail(f"{limit} presses of Tab never reached {locator}")

    def skip_to_content(self):
        """The first Tab reaches the skip link; Enter jumps over the header."""
        self.press("Tab")
        expect(self.page.locator("a.skip-link")).to_be_focused()
        self.press("Enter")

    def assert_focus_always_visible(self):
        assert not self.invisible, "focus not visible on:\n  " + "\n  ".join(self.invisible)


def answer_part(page, pk, css):
    """Something of answer ``pk`` itself, not of its replies."""
    return page.locator(f"#a{pk} > details > article").locator(css).first


def focused_answer_text(page) -> str:
    """The text of the answer that holds focus, or "" when focus is outside any answer."""
    return page.evaluate(
        "() => document.activeElement?.closest('li.node')"
        "?.querySelector('.answer__body')?.textContent ?? ''"
    )


@pytest.fixture
def member_page(open_context, question):
    """alice, signed in, in the lively discussion; returns (page, keyboard, the data)."""
    lively = lively_discussion(question)
    page = open_context(user=lively.viewer).new_page()
    return page, Keyboard(page), lively


def test_a_thread_collapses_and_opens_with_enter_and_space(member_page):
    page, keys, lively = member_page
    page.goto(lively.question.get_absolute_url())
    keys.skip_to_content()
    details = page.locator(f"#a{lively.voted.pk} > details")
    summary = details.locator("> summary")
    keys.tab_to(summary)
    keys.press("Enter")
    expect(details).not_to_have_attribute("open", "")
    expect(details.locator("> ol.replies")).to_be_hidden()
    expect(summary).to_be_focused()
    keys.press("Space")
    expect(details).to_have_attribute("open", "")
    expect(details.locator("> ol.replies")).to_be_visible()
    # The replies are reachable again, and Shift+Tab walks back to the summary.
    keys.tab_to(answer_part(page, lively.deep[0].pk, "a[href$='/reply/']"))
    keys.tab_to(summary, backwards=True)
    keys.assert_focus_always_visible()


def test_voting_keeps_focus_on_the_vote_button(member_page):
    page, keys, lively = member_page
    page.goto(lively.question.get_absolute_url() + "?sort=new")  # Chloé's answer comes second
    keys.skip_to_content()
    pk = lively.rich.pk
    keys.tab_to(answer_part(page, pk, ".vote__button--up"))
    keys.press("Space")
    up = answer_part(page, pk, ".vote__button--up")
    expect(up).to_have_attribute("aria-pressed", "true")
    expect(up).to_be_focused()  # the same button, in the widget swapped in
    keys.note()
    keys.press("Enter")  # pressed again: the vote is taken back
    expect(up).to_have_attribute("aria-pressed", "false")
    expect(up).to_be_focused()
    keys.note()
    keys.tab_to(answer_part(page, pk, ".vote__button--down"))
    keys.press("Enter")
    down = answer_part(page, pk, ".vote__button--down")
    expect(down).to_have_attribute("aria-pressed", "true")
    expect(down).to_be_focused()
    keys.note()
    keys.assert_focus_always_visible()


def test_a_refused_answer_puts_focus_back_in_the_box(member_page):
    page, keys, lively = member_page
    page.goto(lively.question.get_absolute_url())
    keys.skip_to_content()
    box = page.locator("#answer-form textarea")
    keys.tab_to(box)
    page.keyboard.type("x")  # too short: refused with a message
    keys.tab_to(page.locator("#answer-form button[type=submit]:not([name])"))
    keys.press("Enter")
    expect(page.locator("#answer-form .errorlist")).to_be_visible()
    expect(box).to_be_focused(timeout=2_000)  # back in the box, its message read with it
    keys.note()
    keys.assert_focus_always_visible()


def test_answering_with_the_keyboard(member_page):
    page, keys, lively = member_page
    page.goto(lively.question.get_absolute_url())
    keys.skip_to_content()
    box = page.locator("#answer-form textarea")
    keys.tab_to(box)
    page.keyboard.type("Au clavier, *sans souris*.")
    expect(page.locator("#answer-form .preview em")).to_have_text("sans souris")
    keys.tab_to(page.locator("#answer-form button[type=submit]:not([name])"))
    keys.press("Enter")
    expect(page.locator("#thread")).to_contain_text("Au clavier, sans souris.")
    expect(box).to_have_value("")
    # Focus lands on the new answer (or something in it).
    page.wait_for_function("() => document.activeElement?.closest('li.node') !== null")
    assert "Au clavier, sans souris." in focused_answer_text(page)
    keys.note()
    keys.assert_focus_always_visible()


def test_the_live_preview_leaves_focus_in_the_box(member_page):
    page, keys, lively = member_page
    page.goto(lively.question.get_absolute_url())
    keys.skip_to_content()
    box = page.locator("#answer-form textarea")
    keys.tab_to(box)
    page.keyboard.type("Un *aperçu* pendant la frappe.")
    expect(page.locator("#answer-form .preview em")).to_have_text("aperçu")
    page.wait_for_timeout(200)  # past htmx's settle, when focus may move
    expect(box).to_be_focused(timeout=2_000)
    page.keyboard.type(" Et la suite.")
    expect(box).to_have_value("Un *aperçu* pendant la frappe. Et la suite.")


def test_replying_with_the_keyboard(member_page):
    page, keys, lively = member_page
    page.goto(lively.question.get_absolute_url())
    keys.skip_to_content()
    pk = lively.voted.pk
    keys.tab_to(answer_part(page, pk, "a[href$='/reply/']"))
    keys.press("Enter")
    box = page.locator(f"#reply-{pk} textarea")
    expect(box).to_be_focused()  # the form opened in place, ready to type
    keys.note()
    page.keyboard.type("Vingt ans, et des fonds publics.")
    keys.tab_to(page.locator(f"#reply-{pk} button[type=submit]:not([name])"))
    keys.press("Enter")
    expect(page.locator(f"#reply-{pk} li.node")).to_contain_text("Vingt ans, et des fonds")
    page.wait_for_function("() => document.activeElement?.closest('li.node') !== null")
    assert "Vingt ans, et des fonds publics." in focused_answer_text(page)
    keys.note()
    keys.assert_focus_always_visible()


def test_changing_the_sort_with_the_keyboard(member_page):
    """The arrows walk the sort menu to "Oldest"; if the menu acts on each change, focus
    must come back to it each time, or the next arrow scrolls the page instead."""
    page, keys, lively = member_page
    page.goto(lively.question.get_absolute_url())
    keys.skip_to_content()
    menu = page.locator("#sort")
    keys.tab_to(menu)
    for _ in range(len(menu.locator("option").all())):
        if menu.input_value() == "old":
            break
        before = page.url
        keys.press("ArrowDown")
        try:  # the menu may take effect at once
            page.wait_for_url(lambda url, before=before: url != before, timeout=1_500)
        except PlaywrightTimeout:
            continue
        page.wait_for_load_state()
        expect(menu).to_be_focused(timeout=2_000)
    if "sort=old" not in page.url:  # the menu waits for its button
        keys.tab_to(page.locator(".sort-form button[type=submit]"))
        keys.press("Enter")
    expect(page).to_have_url(re.compile(r"sort=old"))
    expect(page.locator("#thread > li.node").first).to_contain_text(lively.voted.body)
    keys.assert_focus_always_visible()


def test_every_stop_on_the_discussion_page_shows_its_focus(member_page):
    """Tab from the top of the page to its end: each stop is visible."""
    page, keys, lively = member_page
    page.goto(lively.question.get_absolute_url())
    stops = 0
    for _ in range(400):
        keys.press("Tab")
        if keys.focus() is None:  # past the last stop
            break
        stops += 1
    assert stops > 40, f"only {stops} focus stops on a lively discussion"
    keys.assert_focus_always_visible()


# --- The moderation queue, and flagging -------------------------------------------------


def fr(text: str) -> str:
    """What the French page says for ``text`` (whether or not it is translated yet)."""
    with translation.override("fr"):
        return gettext(text)


@pytest.fixture
def desk_page(open_context, live_server, moderator):
    """The moderator past their second factor, and three answers waiting for review, by
    alice, bob and charlie, oldest first; returns (page, keyboard, the answers)."""
    question = make_question(text="Faut-il taxer les superprofits ?")
    waiting = [
        make_answer(question, make_member(name), status="pending", body=f"Réponse de {name}.",
                    created_at=long_ago(hours=3 - n))
        for n, name in enumerate(["alice", "bob", "charlie"])
    ]  # fmt: skip
    context = open_context()
    client = signed_in_with_mfa(moderator)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    page = context.new_page()
    return page, Keyboard(page), waiting


def test_the_queue_from_the_keyboard_alone(desk_page):
    page, keys, waiting = desk_page
    page.goto("/moderation/")
    keys.skip_to_content()
    queue = page.locator("#queue")
    keys.tab_to(queue)
    items = [page.locator(f"#item-{answer.pk}") for answer in waiting]

    # j and k walk the answers, one at a time, and stop at either end.
    for key, expected in [("j", 0), ("j", 1), ("j", 2), ("j", 2), ("k", 1), ("k", 0)]:
        keys.press(key)
        expect(items[expected]).to_be_focused()

    # ? lists the shortcuts; Escape closes the list, and focus comes back to the answer.
    help_ = page.locator("#shortcuts-help")
    keys.press("?")
    expect(help_).to_be_visible()
    expect(help_).to_contain_text(fr("approve the answer"))
    keys.press("Escape")
    expect(help_).to_be_hidden()
    expect(items[0]).to_be_focused()

    # a approves the answer in focus: it leaves the list, focus goes on to the next one,
    # and the live region says what was done.
    keys.press("a")
    expect(items[0]).to_have_count(0)
    expect(items[1]).to_be_focused()
    keys.note()
    decided = fr("Decision on the answer by %(name)s: %(decision)s.") % {
        "name": "alice",
        "decision": fr("approved"),
    }
    expect(page.locator("body > [role=status][aria-live=polite]")).to_have_text(decided)
    expect(page.locator("#queue-tabs")).to_contain_text(f"{fr('Pending')} 2")

    # r opens the removal form; an "a" typed in its reason is a letter, not a decision.
    keys.press("r")
    rule = items[1].locator("select[name=rule]")
    expect(rule).to_be_focused()
    reason = items[1].locator("textarea[name=reason]")
    keys.tab_to(reason)
    page.keyboard.type("a")
    expect(reason).to_have_value("a")
    page.wait_for_timeout(300)  # time for a request that must not be sent
    expect(page.locator("#queue > .queue-item")).to_have_count(2)
    keys.assert_focus_always_visible()


def test_shortcuts_switched_off_in_the_preferences_do_nothing(desk_page):
    page, keys, waiting = desk_page
    page.goto("/moderation/")
    keys.skip_to_content()
    keys.tab_to(page.locator(".desk-hint a[href*='/accounts/preferences/']"))
    keys.press("Enter")
    expect(page).to_have_url(re.compile(r"/accounts/preferences/"))
    box = page.locator("#keyboard-shortcuts")
    keys.tab_to(box)
    expect(box).to_be_checked()
    keys.press("Space")
    expect(box).not_to_be_checked()
    keys.tab_to(page.locator("#shortcuts-form button[type=submit]"))
    keys.press("Enter")
    expect(page).to_have_url(re.compile(r"/moderation/"))  # back where the link was
    expect(page.locator("main")).to_contain_text(fr("Single-key shortcuts are off."))

    # Focus in the queue, on a link of the first answer (not a field, where the keys would
    # be letters anyway): j moves nothing, a decides nothing.
    expect(page.locator("#queue")).not_to_have_attribute("tabindex", "0")
    keys.skip_to_content()
    link = page.locator(f"#item-{waiting[0].pk} .queue-item__where a").first
    keys.tab_to(link)
    keys.press("j")
    keys.press("a")
    page.wait_for_timeout(300)  # time for a request that must not be sent
    expect(link).to_be_focused()
    expect(page.locator("#queue > .queue-item")).to_have_count(3)
    keys.assert_focus_always_visible()


def test_flagging_and_withdrawing_with_the_keyboard(open_context, alice, bob):
    question = make_question(text="Faut-il taxer les superprofits ?")
    answer = make_answer(question, alice, body="Seuls des imbéciles peuvent penser cela.")
    page = open_context(user=bob).new_page()
    keys = Keyboard(page)
    page.goto(question.get_absolute_url())
    keys.skip_to_content()
    pk = answer.pk
    keys.tab_to(answer_part(page, pk, f"#flag-{pk} a"))
    keys.press("Enter")

    # The form opens under the answer, focus on its first reason; the arrows choose one.
    slot = page.locator(f"#reply-{pk}")
    reasons = slot.locator("input[name=reason]")
    expect(reasons.first).to_be_focused()
    keys.press("ArrowDown")
    expect(reasons.nth(1)).to_be_focused()
    expect(reasons.nth(1)).to_be_checked()
    keys.tab_to(slot.locator("button[type=submit]"))
    keys.press("Enter")

    # Sent: focus on the sentence that says so; the answer says "flagged by you".
    done = slot.locator(".flag-done [data-autofocus]")
    expect(done).to_be_focused()
    keys.note()
    expect(page.locator(f"#flag-{pk} .flag-control__mine")).to_be_visible()
    keys.tab_to(slot.locator("button[type=submit]"))
    keys.press("Enter")

    # Withdrawn: focus on the sentence that says so, and the Flag link is back.
    withdrawn = slot.locator("[data-autofocus]")
    expect(withdrawn).to_have_text(fr("Your flag is withdrawn."))
    expect(withdrawn).to_be_focused()
    keys.note()
    expect(page.locator(f"#flag-{pk} a")).to_be_visible()
    keys.tab_to(page.locator(f"#flag-{pk} a"), backwards=True)
    keys.assert_focus_always_visible()


def test_every_stop_on_the_queue_shows_its_focus(desk_page):
    """Tab from the top of the queue to its end, its removal forms open: each stop shows."""
    page, keys, _waiting = desk_page
    page.goto("/moderation/")
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true })")
    stops = 0
    for _ in range(400):
        keys.press("Tab")
        if keys.focus() is None:  # past the last stop
            break
        stops += 1
    assert stops > 40, f"only {stops} focus stops on a queue of three answers"
    keys.assert_focus_always_visible()


def test_reading_the_notices_with_the_keyboard(open_context, moderator, alice):
    """Each "I have read this" takes its notice away; focus stays where the notices were."""
    answer = make_answer(make_question(), alice, body="Seuls des imbéciles pensent cela.")
    do_decide(moderator=moderator, answer=answer, verb="remove", seen_version=answer.version,
              rule="abuse", reason="Une insulte.")  # fmt: skip
    do_sanction(moderator=moderator, member=alice, verb="warn", reason="Restez courtois.")
    page = open_context(user=alice).new_page()
    keys = Keyboard(page)
    page.goto("/")
    notices = page.locator("#notices article")
    expect(notices).to_have_count(2)
    keys.tab_to(notices.first.locator("button[type=submit]"))
    keys.press("Enter")
    expect(notices).to_have_count(1)
    expect(page.locator("#notices-title")).to_be_focused()
    keys.note()
    keys.tab_to(notices.first.locator("button[type=submit]"))
    keys.press("Enter")
    expect(notices).to_have_count(0)
    expect(page.locator("#notices [data-autofocus]")).to_be_focused()
    keys.note()
    keys.assert_focus_always_visible()


def test_the_flag_page_of_its_own_sends_the_flag_with_javascript_on(open_context, alice, bob):
    """Opened at its own address (a new tab, a shared link), the form posts as a plain form:
    there is no slot under an answer for htmx to fill."""
    question = make_question(text="Faut-il taxer les superprofits ?")
    answer = make_answer(question, alice, body="Seuls des imbéciles peuvent penser cela.")
    page = open_context(user=bob).new_page()
    keys = Keyboard(page)
    page.goto(f"/a/{answer.pk}/flag/")
    keys.skip_to_content()
    keys.tab_to(page.locator("main input[name=reason]").first)
    keys.press("Space")
    keys.tab_to(page.locator("main button[type=submit]"))
    keys.press("Enter")
    expect(page.locator(f"#flag-{answer.pk} .flag-control__mine")).to_be_visible()
    expect(page.locator(".messages")).to_contain_text(
        fr("You flagged this answer: %(reason)s. Moderators will look at it.")
        % {"reason": fr("spam")}
    )
    keys.assert_focus_always_visible()
