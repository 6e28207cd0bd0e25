from io import StringIO

import pytest
from django.core.management import CommandError, call_command


def run(*args) -> str:
    out = StringIO()
    call_command("moderators", *args, stdout=out)
    return out.getvalue()


def test_add_makes_a_member_a_moderator_by_address(alice):
    assert "alice is a moderator." in run("add", "ALICE@example.org")
    alice.refresh_from_db()
    assert alice.is_moderator
    assert run("list") == "alice <alice@example.org>\n"


def test_remove_takes_the_role_back(moderator):
    run("remove", "modo")
    assert run("list") == ""


def test_an_unknown_member_is_an_error(db):
    with pytest.raises(CommandError, match="nobody"):
        run("add", "nobody")
