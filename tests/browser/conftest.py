"""Playwright driving the system Chromium against pytest-django's live server."""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM
# refuses to run there unless told the loop is not serving requests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_CANDIDATES = ["chromium", "chromium-browser", "google-chrome"]


def _chromium_path():
    explicit = os.environ.get("CHROMIUM_PATH")
    if explicit:
        return explicit
    return next((p for name in CHROMIUM_CANDIDATES if (p := shutil.which(name))), None)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    path = _chromium_path()
    if path is None:
        message = "Chromium is not installed (apt-get install chromium)."
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message + " REQUIRE_BROWSER=1: browser tests may not be skipped.")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="fr-FR", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def page_without_js(browser, live_server):
    context = browser.new_context(
        locale="fr-FR", base_url=live_server.url, java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def sign_in(context, user, url: str) -> None:
    """Sign ``user`` in for every page of ``context``, with a session made by Django's test
    client (the sign-in form has tests of its own)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": url}])


@pytest.fixture
def open_context(browser, live_server):
    """Open a browser context of its own: ``open_context(lang="en", width=375,
    scheme="dark", user=alice)``; a ``user`` is signed in through a session cookie.
    Every context opened is closed at the end of the test."""
    opened = []

    def open_one(*, lang="fr", width=1280, scheme="light", user=None, javascript=True):
        context = browser.new_context(
            locale={"fr": "fr-FR", "en": "en-GB"}[lang],
            base_url=live_server.url,
            viewport={"width": width, "height": 900},
            color_scheme=scheme,
            java_script_enabled=javascript,
        )
        context.set_default_timeout(10_000)
        opened.append(context)
        if user is not None:
            sign_in(context, user, live_server.url)
        return context

    yield open_one
    for context in opened:
        context.close()
