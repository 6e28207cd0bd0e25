"""POST /preview/: the live preview of the Markdown a member is typing (htmx)."""

import pytest
from django.urls import reverse

from tests.factories import make_question

pytestmark = pytest.mark.django_db


def live_preview(browser, body, page_url):
    """What htmx sends as the member types in the answer form of ``page_url``: the text,
    with the token of the page's ``<body data-hx-headers>``."""
    _action, _fields, headers = browser.read_form(page_url, "#answer-form", htmx=True)
    return browser.post_form(reverse("forum:preview"), {"body": body}, headers)


@pytest.fixture
def page_url():
    return make_question().get_absolute_url()


def test_preview_renders_the_markdown_as_a_fragment(client_for, alice, page_url):
    response = live_preview(client_for(alice), "**vite**", page_url)
    assert response.status_code == 200
    assert response.content.decode().strip() == "<p><strong>vite</strong></p>"


def test_preview_shows_html_as_text(client_for, alice, page_url):
    response = live_preview(client_for(alice), "<script>alert(1)</script>", page_url)
    assert "<script" not in response.content.decode()
    assert "&lt;script&gt;" in response.content.decode()


def test_anonymous_readers_are_told_to_sign_in(client):
    client.open_a_form_page()  # the CSRF cookie of a visitor about to write
    response = client.post(reverse("forum:preview"), {"body": "x"}, headers={"HX-Request": "true"})
    assert response.status_code == 403
    assert "Connectez-vous pour répondre." in response.content.decode()


def test_preview_is_rate_limited_with_retry_after(client_for, alice, page_url, settings):
    settings.RATE_LIMIT_PREVIEW = "2/60"
    alice_browser = client_for(alice)
    for _ in range(2):
        assert live_preview(alice_browser, "x", page_url).status_code == 200
    response = live_preview(alice_browser, "x", page_url)
    assert response.status_code == 429 and 0 < int(response["Retry-After"]) <= 60
    assert "Aperçu en pause" in response.content.decode()


def test_get_is_405(client_for, alice):
    response = client_for(alice).get(reverse("forum:preview"))
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_a_preview_without_the_pages_token_is_refused(client_for, alice):
    response = client_for(alice).post(reverse("forum:preview"), {"body": "x"})
    assert response.status_code == 403
