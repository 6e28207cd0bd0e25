"""The moderation log is append-only: nothing in the product changes or deletes an entry, and
on PostgreSQL the database refuses it too (the trigger of migration 0010)."""

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from forum.models import ModerationAction
from forum.moderation.actions import do_sanction

on_postgresql = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="needs PostgreSQL: SQLite has no trigger guarding the log",
)


@pytest.fixture
def entry(bob, moderator):
    return do_sanction(moderator=moderator, member=bob, verb="warn", reason="Restez courtois.")


def reason_of(entry) -> str:
    return ModerationAction.objects.values_list("reason", flat=True).get(pk=entry.pk)


def test_a_new_entry_is_written(entry):
    assert ModerationAction.objects.count() == 1


def test_saving_an_entry_again_is_refused(entry):
    entry.reason = "Autre chose."
    with pytest.raises(TypeError, match="append-only"):
        entry.save()
    assert reason_of(entry) == "Restez courtois."


def test_deleting_an_entry_is_refused(entry):
    with pytest.raises(TypeError, match="append-only"):
        entry.delete()
    assert ModerationAction.objects.count() == 1


def test_updating_entries_in_bulk_is_refused(entry):
    with pytest.raises(TypeError, match="append-only"):
        ModerationAction.objects.filter(pk=entry.pk).update(reason="Autre chose.")
    assert reason_of(entry) == "Restez courtois."


def test_deleting_entries_in_bulk_is_refused(entry):
    with pytest.raises(TypeError, match="append-only"):
        ModerationAction.objects.all().delete()
    assert ModerationAction.objects.count() == 1


@pytest.mark.postgres
@on_postgresql
def test_the_database_refuses_an_update(entry):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE forum_moderationaction SET reason = 'Autre chose.' WHERE id = %s", [entry.pk]
        )
    assert reason_of(entry) == "Restez courtois."


@pytest.mark.postgres
@on_postgresql
def test_the_database_refuses_a_delete(entry):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM forum_moderationaction WHERE id = %s", [entry.pk])
    assert ModerationAction.objects.count() == 1
