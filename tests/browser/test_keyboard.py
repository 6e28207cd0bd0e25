"""A member who uses only the keyboard: Tab, Shift+Tab, Enter, Space and the arrows, never
the mouse. Every focus stop must be visible, and after each htmx swap focus must land
on what the person acts on next, never fall back to the page's <body>."""

import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

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
