"""A member's preferences: the moderation queue's single-key shortcuts, on or off."""

from forum.models import User
from tests.pages import soup, text_of

PAGE = "/accounts/preferences/"
EN = "/en/accounts/preferences/"  # for the words: the French catalogue may lag behind


def shortcuts_of(user) -> bool:
    return User.objects.get(pk=user.pk).keyboard_shortcuts


def test_the_page_shows_the_shortcuts_on_by_default(client_for, moderator):
    response = client_for(moderator).get(PAGE)

    assert response.status_code == 200
    assert soup(response).select_one("input[name=keyboard_shortcuts]").has_attr("checked")


def test_switching_the_shortcuts_off_and_on(client_for, moderator):
    client = client_for(moderator)

    off = client.submit(EN, "form#shortcuts-form", {"keyboard_shortcuts": []})
    assert off.status_code == 302
    assert shortcuts_of(moderator) is False
    page = client.get(off["Location"])
    assert "Keyboard shortcuts are off." in text_of(page)
    assert not soup(page).select_one("input[name=keyboard_shortcuts]").has_attr("checked")

    client.submit(EN, "form#shortcuts-form", {"keyboard_shortcuts": "on"})
    assert shortcuts_of(moderator) is True


def test_from_the_queue_saving_goes_back_to_the_queue(moderator_client, moderator):
    link = soup(moderator_client.get("/moderation/?tab=flagged")).select_one(".desk-hint a")

    response = moderator_client.submit(
        link["href"], "form#shortcuts-form", {"keyboard_shortcuts": []}
    )

    assert response["Location"] == "/moderation/?tab=flagged"
    assert shortcuts_of(moderator) is False


def test_a_next_page_elsewhere_is_ignored(client_for, moderator):
    client = client_for(moderator)

    response = client.submit(
        PAGE + "?next=https://evil.example/", "form#shortcuts-form", {"keyboard_shortcuts": "on"}
    )

    assert response["Location"] == PAGE


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/preferences/"


def test_preferences_are_read_and_saved_only(client_for, alice):
    client = client_for(alice)
    client.get(PAGE)

    assert client.delete(PAGE).status_code == 405


def test_a_member_who_does_not_moderate_is_not_offered_the_queues_shortcuts(client_for, alice):
    page = soup(client_for(alice).get(EN))
    assert page.select_one("input[name=keyboard_shortcuts]") is None
    assert page.select_one("form#email-settings") is not None
