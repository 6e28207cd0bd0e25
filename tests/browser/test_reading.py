"""A reader opens the site, reads the article and goes to a question's discussion."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import make_member

pytestmark = pytest.mark.django_db(transaction=True)


def _collect_console_errors(page):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


def test_reader_goes_from_home_to_a_question(page, article):
    errors = _collect_console_errors(page)
    page.goto("/")
    page.get_by_role("link", name=re.compile("Kling")).click()

    expect(page.locator("h1")).to_contain_text("Kling")
    expect(page.locator(".article__body p")).to_have_count(7)
    expect(page.locator(".article__standfirst")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Et vous\u202f?")).to_be_visible()

    page.get_by_role("link", name=re.compile("Êtes-vous surpris")).click()
    expect(page).to_have_url(re.compile(r"/articles/[\w-]+/[\w-]+/$"))
    expect(page.locator("h1")).to_contain_text("Êtes-vous surpris de voir la Chine")
    page.get_by_role("link", name=re.compile("Kling")).click()
    expect(page.locator(".question-list li")).to_have_count(5)
    # A strict CSP blocks inline code: any violation shows up as a console error.
    assert errors == []


def test_reader_switches_to_english_and_back(page, article):
    page.goto(article.get_absolute_url())
    # A reader without an account switches with links (their page holds no token).
    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(r"/en/articles/"))
    expect(page.get_by_role("heading", name="And you?")).to_be_visible()
    # The article itself stays in French, the page chrome switches.
    expect(page.locator("article")).to_have_attribute("lang", "fr")
    page.get_by_role("link", name="Français").click()
    expect(page.get_by_role("heading", name="Et vous\u202f?")).to_be_visible()


def test_a_member_switches_language_and_the_choice_is_kept(open_context, article):
    member = make_member("Camille_R")
    page = open_context(user=member).new_page()
    page.goto(article.get_absolute_url())
    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(re.compile(r"/en/articles/"))
    expect(page.get_by_role("heading", name="And you?")).to_be_visible()
    member.refresh_from_db()
    assert member.language == "en"  # e-mails follow the member's choice


def test_reading_works_without_javascript(page_without_js, article):
    page = page_without_js
    page.goto("/")
    page.get_by_role("link", name=re.compile("Kling")).click()
    expect(page.locator(".article__body p")).to_have_count(7)
    page.get_by_role("link", name=re.compile("Partagez-vous")).click()
    expect(page.locator("h1")).to_contain_text("sanctions américaines")


def test_keyboard_user_can_skip_to_content(page, article):
    page.goto(article.get_absolute_url())
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
