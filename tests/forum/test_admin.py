"""Until the moderation queue exists, staff suspend and ban members in the admin."""

import pytest


@pytest.fixture
def staff(make_member):
    return make_member("staffer", is_staff=True, is_superuser=True)


def test_staff_see_and_filter_members_standing(client_for, staff, bob, erin_banned):
    staff_browser = client_for(staff)
    page = staff_browser.get(f"/admin/forum/user/{bob.pk}/change/").content.decode()
    for field in ("suspended_until", "banned", "sanction_reason"):
        assert f'name="{field}' in page
    listing = staff_browser.get("/admin/forum/user/?banned__exact=1").content.decode()
    assert "erin" in listing and "bob" not in listing


def test_staff_suspend_a_member_through_the_change_form(client_for, staff, bob):
    response = client_for(staff).submit(
        f"/admin/forum/user/{bob.pk}/change/",
        "form#user_form",
        {
            "suspended_until_0": "2999-01-01",
            "suspended_until_1": "12:00:00",
            "sanction_reason": "Trop vif.",
        },
    )
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.suspended_until.year == 2999 and bob.sanction_reason == "Trop vif."
    assert bob.is_active and not bob.banned  # the rest of the form as it was
