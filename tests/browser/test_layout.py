"""What only a browser can tell of the stylesheet: sizes, rows, fonts, print and motion,
measured on the rendered pages."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import make_answer, make_member

pytestmark = pytest.mark.django_db(transaction=True)

NARROW = {"width": 375, "height": 800}
WIDE = {"width": 1280, "height": 900}
TARGET = 44  # px: WCAG 2.5.5's touch target, the site's on touch screens
TARGET_MIN = 24  # px: WCAG 2.5.8, the least anywhere


@pytest.fixture
def open_page(browser, live_server):
    """``open_page(path, user=None, **context_options)``: a fresh browser on ``path``,
    signed in as ``user`` if given (with a session made by Django's test client)."""
    contexts = []

    def opened(path, user=None, **options):
        context = browser.new_context(
            base_url=live_server.url, locale="fr-FR", **({"viewport": WIDE} | options)
        )
        contexts.append(context)
        if user is not None:
            sign_in(context, user, live_server.url)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(path)
        return page

    yield opened
    for context in contexts:
        context.close()


def box(page, selector):
    return page.locator(selector).first.bounding_box()


def style(page, selector, prop, pseudo=None):
    return page.eval_on_selector(
        selector,
        f"(e) => getComputedStyle(e, {pseudo!r}).getPropertyValue({prop!r})"
        if pseudo
        else f"(e) => getComputedStyle(e).getPropertyValue({prop!r})",
    )


# --- Header ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["visitor", "member", "staff"])
def test_the_header_fits_a_phone_in_two_rows_with_room_above(open_page, article, who):
    user = None
    if who != "visitor":
        user = make_member("Claire_Dubois", is_staff=who == "staff")
    page = open_page("/", user, viewport=NARROW)
    header = box(page, ".site-header")
    assert header["height"] <= 110, header
    assert box(page, ".masthead__name")["y"] >= 8
    # Nothing sticks out sideways: every visible link of the header is on screen.
    for link in page.locator(".site-header a:visible, .site-header button:visible").all():
        edge = link.bounding_box()
        assert edge["x"] >= 0 and edge["x"] + edge["width"] <= NARROW["width"], link
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    if user:
        expect(page.locator(".site-nav__member")).to_be_visible()
        expect(page.get_by_role("link", name="Compte")).to_be_visible()
    if who == "staff":
        expect(page.get_by_role("link", name="Rédaction")).to_be_visible()


def test_the_header_is_one_row_on_a_wide_screen(open_page, article):
    page = open_page("/", make_member("Claire_Dubois", is_staff=True))
    masthead, nav, languages = (
        box(page, ".masthead"),
        box(page, ".site-nav"),
        box(page, ".lang-switch"),
    )
    assert abs(masthead["y"] - nav["y"]) < 20 and abs(nav["y"] - languages["y"]) < 20
    expect(page.locator(".site-nav__logout button")).to_be_visible()


# --- Account pages ----------------------------------------------------------------------------


def test_the_account_tabs_hold_on_one_row_on_a_wide_screen(open_page):
    page = open_page("/accounts/email/", make_member("alice"))
    tops = {round(tab.bounding_box()["y"]) for tab in page.locator(".account-nav li").all()}
    assert len(tops) == 1, tops


def test_the_account_tabs_scroll_rather_than_wrap_on_a_phone(open_page):
    page = open_page("/accounts/email/", make_member("alice"), viewport=NARROW)
    tops = {round(tab.bounding_box()["y"]) for tab in page.locator(".account-nav li").all()}
    assert len(tops) == 1, tops
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]


@pytest.mark.parametrize("options", [{}, {"has_touch": True}])
def test_the_password_reset_link_is_a_full_target(open_page, options):
    page = open_page("/accounts/login/", **options)
    link = box(page, "main a[href='/accounts/password/reset/']")
    assert link["height"] >= TARGET, link


def test_the_password_rules_are_what_the_password_field_describes(open_page):
    page = open_page("/en/accounts/signup/")
    description = page.evaluate(
        """() => document.querySelector("input[name=password1]")
              .getAttribute("aria-describedby").split(" ")
              .map((id) => document.getElementById(id).textContent).join(" ")"""
    )
    assert "at least 8 characters" in description


def test_the_remember_me_box_sits_before_its_label_on_one_line(open_page):
    page = open_page("/accounts/login/")
    checkbox, label = box(page, "input[name=remember]"), box(page, "label[for=id_remember]")
    assert checkbox["x"] < label["x"]
    assert abs((checkbox["y"] + checkbox["height"] / 2) - (label["y"] + label["height"] / 2)) < 4


# --- Discussion ---------------------------------------------------------------------------------


def test_vote_buttons_and_the_fold_switch_are_44_px_targets_on_a_touch_screen(open_page, question):
    author, voter = make_member("alice"), make_member("bob")
    answer = make_answer(question, author, body="Un avis.")
    page = open_page(question.get_absolute_url(), voter, has_touch=True)
    targets = page.locator(f"#a{answer.pk} .vote__button, #a{answer.pk} .answer__toggle").all()
    assert len(targets) == 3
    for target in targets:
        size = target.bounding_box()
        assert size["width"] >= TARGET and size["height"] >= TARGET, size


def test_vote_buttons_are_at_least_24_px_with_a_mouse(open_page, question):
    author, voter = make_member("alice"), make_member("bob")
    answer = make_answer(question, author, body="Un avis.")
    page = open_page(question.get_absolute_url(), voter)
    size = box(page, f"#a{answer.pk} .vote__button")
    assert size["width"] >= TARGET_MIN and size["height"] >= TARGET_MIN


def test_lists_in_answers_have_discs_and_numbers(open_page, question):
    answer = make_answer(
        question,
        make_member("alice"),
        body="Deux points :\n\n- un\n- deux\n\n1. premier\n2. second",
    )
    page = open_page(question.get_absolute_url())
    assert style(page, f"#body-{answer.pk} ul", "list-style-type") == "disc"
    assert style(page, f"#body-{answer.pk} ol", "list-style-type") == "decimal"


def test_the_edit_box_and_the_compose_box_use_one_font(open_page, question):
    alice = make_member("alice")
    answer = make_answer(question, alice, body="À reprendre.")
    page = open_page(question.get_absolute_url(), alice)
    compose = style(page, "#answer-form textarea", "font-family")
    page.locator(f"#actions-{answer.pk}").get_by_role("link", name="Modifier").click()
    edit_box = page.locator(f"#body-{answer.pk} textarea")
    expect(edit_box).to_be_visible()
    assert style(page, f"#body-{answer.pk} textarea", "font-family") == compose
    assert "serif" not in compose.replace("sans-serif", "")


# --- Member page -----------------------------------------------------------------------------


def test_the_member_page_sets_its_headings_in_one_font(open_page, question):
    alice = make_member("alice")
    make_answer(question, alice, body="Un avis.")
    page = open_page("/members/alice/")
    assert style(page, "main h1", "font-family") == style(page, "main h2", "font-family")


# --- Print and motion ---------------------------------------------------------------------------


def test_an_article_prints_alone_with_its_source_address(open_page, article):
    page = open_page(article.get_absolute_url())
    page.emulate_media(media="print")
    for hidden in (".site-header", ".questions", ".site-footer", ".lang-switch"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.locator(".article__body")).to_be_visible()
    expect(page.locator(".article__source")).to_be_visible()
    after = style(page, ".article__source a", "content", "::after")
    assert "techtracker.aspi.org.au" in after or "attr(href)" in after


def test_nothing_moves_for_readers_who_asked_for_less_motion(open_page, article):
    page = open_page(article.get_absolute_url(), reduced_motion="reduce")
    assert style(page, "html", "scroll-behavior") == "auto"
    assert re.fullmatch(r"0s(, 0s)*", style(page, ".lang-switch__choice", "transition-duration"))
