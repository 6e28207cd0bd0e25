"""The skeleton of each pseudonym (Unicode TS #39), unique, so no member can pass for
another. Existing rows are filled in order of seniority; a later member whose pseudonym
looks like an earlier one's keeps a NULL skeleton rather than failing the migration."""

from django.db import migrations, models

import forum.models


def fill_skeletons(User):
    """Give every member the skeleton of their pseudonym, oldest first; a later member
    whose skeleton an earlier one already has is left with none. Returns their pks."""
    from forum.accounts import username_skeleton

    taken, left_out, changed = set(), [], []
    for user in User.objects.order_by("pk").only("pk", "username", "username_skeleton"):
        value = username_skeleton(user.username)
        if value in taken:
            value = None
            left_out.append(user.pk)
        else:
            taken.add(value)
        if user.username_skeleton != value:
            user.username_skeleton = value
            changed.append(user)
    User.objects.bulk_update(changed, ["username_skeleton"], batch_size=500)
    return left_out


def forwards(apps, schema_editor):
    fill_skeletons(apps.get_model("forum", "User"))


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0008_member_language_and_protected_questions"),
    ]

    operations = [
        migrations.AlterModelManagers(
            name="user",
            managers=[
                ("objects", forum.models.MemberManager()),
            ],
        ),
        migrations.AddField(
            model_name="user",
            name="username_skeleton",
            field=models.CharField(editable=False, max_length=150, null=True),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="user",
            name="username_skeleton",
            field=models.CharField(editable=False, max_length=150, null=True, unique=True),
        ),
    ]
