"""The admin shows members' standing and the moderation log, and changes neither: sanctions
are decided on the moderation desk, which logs them."""

import pytest

from forum.models import ModerationAction
from forum.moderation.actions import do_flag, do_note, do_sanction
from tests.factories import make_answer, make_member, make_question
from tests.pages import soup


@pytest.fixture
def staff(make_member):
    return make_member("staffer", is_staff=True, is_superuser=True)


@pytest.fixture
def entry(bob, moderator):
    return do_sanction(moderator=moderator, member=bob, verb="warn", reason="Restez courtois.")


def test_staff_see_and_filter_members_standing(client_for, staff, bob, erin_banned):
    staff_browser = client_for(staff)
    page = staff_browser.get(f"/admin/forum/user/{bob.pk}/change/").content.decode()
    for field in ("suspended_until", "banned", "sanction_reason", "premoderated"):
        assert f"field-{field}" in page
    listing = staff_browser.get("/admin/forum/user/?banned__exact=1").content.decode()
    assert "erin" in listing and "bob" not in listing


def test_the_standing_is_read_only_and_points_to_the_desk(client_for, staff, bob):
    page = soup(client_for(staff).get(f"/en/admin/forum/user/{bob.pk}/change/"))
    for field in ("suspended_until", "banned", "sanction_reason", "premoderated"):
        assert page.select_one(f"form#user_form [name^={field}]") is None
    assert "Sanctions are decided on the moderation desk, which logs them." in page.text
    assert page.select_one(".field-desk_page a")["href"] == "/en/moderation/members/bob/"


def test_staff_cannot_ban_through_the_change_form(client_for, staff, bob):
    response = client_for(staff).submit(
        f"/admin/forum/user/{bob.pk}/change/",
        "form#user_form",
        {
            "banned": "on",
            "premoderated": "on",
            "suspended_until_0": "2999-01-01",
            "suspended_until_1": "12:00:00",
            "sanction_reason": "Trop vif.",
        },
    )
    assert response.status_code == 302  # the rest of the form saved as it was
    bob.refresh_from_db()
    assert not bob.banned and not bob.premoderated
    assert bob.suspended_until is None and bob.sanction_reason == ""
    assert not ModerationAction.objects.exists()


def test_the_log_is_shown_in_the_admin(client_for, staff, entry):
    browser = client_for(staff)
    assert "warn" in browser.get("/admin/forum/moderationaction/").content.decode()
    page = browser.get(f"/admin/forum/moderationaction/{entry.pk}/change/")
    assert page.status_code == 200
    assert soup(page).select_one("form input[type=submit]") is None  # nothing to save


@pytest.mark.parametrize(
    "path",
    ["add/", "{pk}/delete/"],
)
def test_the_log_cannot_be_added_to_or_deleted_from_the_admin(client_for, staff, entry, path):
    browser = client_for(staff)
    assert (
        browser.get(f"/admin/forum/moderationaction/{path.format(pk=entry.pk)}").status_code == 403
    )


def test_a_change_posted_to_the_log_changes_nothing(client_for, staff, entry):
    browser = client_for(staff)
    browser.get("/admin/forum/moderationaction/")
    response = browser.post(
        f"/admin/forum/moderationaction/{entry.pk}/change/",
        {"verb": "ban", "reason": "Autre chose."},
    )
    assert response.status_code == 403
    assert ModerationAction.objects.values_list("verb", "reason").get() == (
        "warn",
        "Restez courtois.",
    )


def test_bulk_delete_is_not_offered(client_for, staff, entry):
    page = soup(client_for(staff).get("/admin/forum/moderationaction/"))
    assert page.select_one("option[value=delete_selected]") is None


def test_flags_and_notes_are_shown_and_not_changed(client_for, staff, alice, bob, moderator):
    answer = make_answer(make_question(), alice)
    flag = do_flag(reporter=make_member("louis"), answer=answer, reason="spam")
    note = do_note(moderator=moderator, member=bob, text="Souvent limite.")
    browser = client_for(staff)
    for model, pk in (("flag", flag.pk), ("membernote", note.pk)):
        assert browser.get(f"/admin/forum/{model}/").status_code == 200
        assert browser.get(f"/admin/forum/{model}/add/").status_code == 403
        assert browser.get(f"/admin/forum/{model}/{pk}/change/").status_code == 200
        assert browser.get(f"/admin/forum/{model}/{pk}/delete/").status_code == 403


def test_a_pseudonym_is_not_renamed_in_the_admin(client_for, staff, bob):
    # Sign-up checks a pseudonym against look-alikes of every other; the admin would not.
    response = client_for(staff).submit(
        f"/admin/forum/user/{bob.pk}/change/", "form#user_form", {"username": "b0b"}
    )
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.username == "bob"
