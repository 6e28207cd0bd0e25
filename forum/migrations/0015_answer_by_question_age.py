"""An index of each discussion's answers by age (forum.models.Answer.Meta).

How long a shared page's copy may live depends on the article's answers of the last hour
(forum.pagecache._lifetime): without this index, finding them read every answer of the
article, 130-250 ms at a million answers, on every change to a busy discussion.

On PostgreSQL the index is built CONCURRENTLY: on a large table a plain CREATE INDEX
would hold back every answer and vote for as long as it takes, and servers still run
while a release migrates ("Running in production" in the README). That cannot run inside
a transaction, hence atomic = False. SQLite builds it as usual.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class AddIndexConcurrentlyOnPostgreSQL(migrations.AddIndex):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        concurrently = AddIndexConcurrently(self.model_name, self.index)
        return concurrently.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        concurrently = AddIndexConcurrently(self.model_name, self.index)
        return concurrently.database_backwards(app_label, schema_editor, from_state, to_state)


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
    ]
