"""Until the moderation queue exists, staff suspend and ban members in the admin."""


def staff(make_member):
    return make_member("staffer", is_staff=True, is_superuser=True)


def test_staff_see_and_filter_members_standing(client, make_member, bob):
    client.force_login(staff(make_member))
    page = client.get(f"/admin/forum/user/{bob.pk}/change/").content.decode()
    for field in ("suspended_until", "banned", "sanction_reason"):
        assert f'name="{field}' in page
    make_member("eve", banned=True)
    listing = client.get("/admin/forum/user/?banned__exact=1").content.decode()
    assert "eve" in listing and "bob" not in listing
