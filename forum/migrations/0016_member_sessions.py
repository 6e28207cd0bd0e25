"""Sessions move to forum_membersession, with the member they sign in (forum.sessions).

The live sessions are copied over, so nobody is signed out by the deploy; going back
copies them the other way. A session names its member in its signed data: the copy reads
it there (the data is signed with the site's key, under the same salt in both stores)."""

import django.db.models.deletion
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import migrations, models
from django.utils import timezone


def _member_ids(rows, users) -> dict[str, int | None]:
    """Each session's member id, if it names one who still exists."""
    named = {}
    for row in rows:
        value = SessionStore().decode(row.session_data).get(SESSION_KEY)
        named[row.session_key] = int(value) if str(value).isdigit() else None
    existing = set(
        users.objects.filter(pk__in={v for v in named.values() if v}).values_list("pk", flat=True)
    )
    return {key: (pk if pk in existing else None) for key, pk in named.items()}


def copy_live_sessions(apps, schema_editor):
    old, new = apps.get_model("sessions", "Session"), apps.get_model("forum", "MemberSession")
    users = apps.get_model(settings.AUTH_USER_MODEL)
    live = list(old.objects.filter(expire_date__gt=timezone.now()))
    members = _member_ids(live, users)
    new.objects.bulk_create(
        [
            new(
                session_key=row.session_key, session_data=row.session_data,
                expire_date=row.expire_date, member_id=members[row.session_key],
            )
            for row in live
        ],
        batch_size=1000,
    )  # fmt: skip


def copy_back(apps, schema_editor):
    old, new = apps.get_model("sessions", "Session"), apps.get_model("forum", "MemberSession")
    live = new.objects.filter(expire_date__gt=timezone.now())
    old.objects.bulk_create(
        [old(session_key=row.session_key, session_data=row.session_data,
             expire_date=row.expire_date) for row in live],
        batch_size=1000, ignore_conflicts=True,
    )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0015_article_page_indexes"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="MemberSession",
            fields=[
                (
                    "session_key",
                    models.CharField(
                        max_length=40,
                        primary_key=True,
                        serialize=False,
                        verbose_name="session key",
                    ),
                ),
                ("session_data", models.TextField(verbose_name="session data")),
                ("expire_date", models.DateTimeField(db_index=True, verbose_name="expire date")),
                (
                    "member",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],  # fmt: skip
            options={"verbose_name": "session", "verbose_name_plural": "sessions"},
        ),
        migrations.RunPython(copy_live_sessions, copy_back),
    ]
