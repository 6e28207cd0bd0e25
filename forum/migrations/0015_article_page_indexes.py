"""Indexes that the article page and its shared copy need (forum.models.Answer.Meta).

Without them, at a million answers, the article page read every answer of the article
three times: to find how long its copy may live (its answers of the last hour,
forum.pagecache._lifetime: 256 ms), each question's most appreciated answer (260 ms) and
the answers moderators featured (180 ms). Each change to a busy discussion makes a copy
again, and members' article pages are never copies.

On PostgreSQL they are built CONCURRENTLY: on a large table a plain CREATE INDEX
would hold back every answer and vote for as long as it takes, and servers still run
while a release migrates ("Running in production" in the README). That cannot run inside
a transaction, hence atomic = False. SQLite builds them as usual.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class AddIndexConcurrentlyOnPostgreSQL(migrations.AddIndex):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._as_run_on(schema_editor).database_forwards(
            app_label, schema_editor, from_state, to_state
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._as_run_on(schema_editor).database_backwards(
            app_label, schema_editor, from_state, to_state
        )

    def _as_run_on(self, schema_editor) -> migrations.AddIndex:
        if schema_editor.connection.vendor == "postgresql":
            return AddIndexConcurrently(self.model_name, self.index)
        return migrations.AddIndex(self.model_name, self.index)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("articles", "0001_initial"),
        ("forum", "0014_page_versions"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="answer",
            index=models.Index(fields=["question", "created_at"], name="answer_by_question_age"),
        ),
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="answer",
            index=models.Index(
                condition=models.Q(("status", "published"), ("upvotes__gt", 0)),
                fields=["question", "-rank_best", "-id"],
                name="answer_most_appreciated",
            ),
        ),
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="answer",
            index=models.Index(
                condition=models.Q(("featured", True), ("status", "published")),
                fields=["question", "created_at", "id"],
                name="answer_featured",
            ),
        ),
    ]
