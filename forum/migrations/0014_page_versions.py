"""Each article's page version (forum.models.PageVersion), written by triggers.

Anything an anonymous reader of an article or of one of its questions can see lives in
five tables: the article, its questions, their answers (text, status, counters, ranks,
pins), their slow mode, and the names of the answers' authors. A trigger on each gives the article a new
random token in the same transaction; forum.pagecache keys the shared copies of the
pages by that token, so a copy can never outlive what it shows.

PostgreSQL: constraint triggers deferred to the commit, so the token row of a busy
article is locked only for the last instant of a transaction, after every other lock
it takes (taken in the middle, it would deadlock with a transaction that locked an
answer first and the token second); and written once per transaction (written_by: the
transaction and the statement, COMMIT, that runs them; a test, whose transaction never
commits, runs them after each statement instead).
SQLite: plain triggers; it runs one writer at a time anyway.
"""

import django.db.models.deletion
from django.db import migrations, models

POSTGRESQL = """
CREATE FUNCTION forum_page_changed(changed bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO forum_pageversion (article_id, token, written_by)
    VALUES (
        changed,
        md5(random()::text || clock_timestamp()::text),
        txid_current()::text || ' ' || statement_timestamp()::text
    )
    ON CONFLICT (article_id) DO UPDATE
        SET token = excluded.token, written_by = excluded.written_by
        WHERE forum_pageversion.written_by <> excluded.written_by;
END $$;

CREATE FUNCTION forum_answer_page_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed_question bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN changed_question := OLD.question_id;
    ELSE changed_question := NEW.question_id;
    END IF;
    PERFORM forum_page_changed(article_id) FROM articles_question WHERE id = changed_question;
    RETURN NULL;
END $$;

CREATE FUNCTION forum_question_page_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN PERFORM forum_page_changed(OLD.article_id);
    ELSE PERFORM forum_page_changed(NEW.article_id);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION forum_article_page_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM forum_page_changed(NEW.id);
    RETURN NULL;
END $$;

CREATE FUNCTION forum_author_page_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM forum_page_changed(article_id) FROM (
        SELECT DISTINCT q.article_id FROM forum_answer a
        JOIN articles_question q ON q.id = a.question_id
        WHERE a.author_id = NEW.id
    ) AS articles;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER forum_answer_page AFTER INSERT OR UPDATE OR DELETE ON forum_answer
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION forum_answer_page_changed();
-- A question's slow mode has a question_id as answers do.
CREATE CONSTRAINT TRIGGER forum_slowmode_page
    AFTER INSERT OR UPDATE OR DELETE ON forum_slowmode
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION forum_answer_page_changed();
CREATE CONSTRAINT TRIGGER forum_question_page
    AFTER INSERT OR UPDATE OR DELETE ON articles_question
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION forum_question_page_changed();
CREATE CONSTRAINT TRIGGER forum_article_page AFTER INSERT OR UPDATE ON articles_article
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION forum_article_page_changed();
CREATE CONSTRAINT TRIGGER forum_author_page AFTER UPDATE ON forum_user
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.username IS DISTINCT FROM NEW.username
          OR OLD.anonymised_at IS DISTINCT FROM NEW.anonymised_at)
    EXECUTE FUNCTION forum_author_page_changed();

INSERT INTO forum_pageversion (article_id, token, written_by)
SELECT id, md5(random()::text || id::text), '' FROM articles_article;
"""

POSTGRESQL_REVERSE = """
DROP TRIGGER IF EXISTS forum_answer_page ON forum_answer;
DROP TRIGGER IF EXISTS forum_slowmode_page ON forum_slowmode;
DROP TRIGGER IF EXISTS forum_question_page ON articles_question;
DROP TRIGGER IF EXISTS forum_article_page ON articles_article;
DROP TRIGGER IF EXISTS forum_author_page ON forum_user;
DROP FUNCTION IF EXISTS forum_answer_page_changed();
DROP FUNCTION IF EXISTS forum_question_page_changed();
DROP FUNCTION IF EXISTS forum_article_page_changed();
DROP FUNCTION IF EXISTS forum_author_page_changed();
DROP FUNCTION IF EXISTS forum_page_changed(bigint);
"""

# SQLite: one trigger per event. The INSERT … SELECT of an upsert needs its WHERE clause
# (SQLite's grammar), which every one of these has.
_SQLITE_UPSERT = """
    INSERT INTO forum_pageversion (article_id, token, written_by)
    SELECT article_id, lower(hex(randomblob(16))), '' FROM ({articles})
    WHERE article_id IS NOT NULL
    ON CONFLICT (article_id) DO UPDATE SET token = excluded.token;
"""
_ROW_EVENTS = (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD"))


def _through_question(table):
    return [
        (event, table, "", f"SELECT article_id FROM articles_question WHERE id = {row}.question_id")
        for event, row in _ROW_EVENTS
    ]


_SQLITE_SOURCES = {
    # name: [(event, table, WHEN condition or "", the changed articles)]
    "answer": _through_question("forum_answer"),
    "slowmode": _through_question("forum_slowmode"),
    "question": [
        (event, "articles_question", "", f"SELECT {row}.article_id AS article_id")
        for event, row in _ROW_EVENTS
    ],
    "article": [
        (event, "articles_article", "", "SELECT NEW.id AS article_id")
        for event in ("INSERT", "UPDATE")
    ],
    "author": [
        (
            "UPDATE",
            "forum_user",
            "WHEN OLD.username IS NOT NEW.username OR OLD.anonymised_at IS NOT NEW.anonymised_at",
            "SELECT DISTINCT q.article_id FROM forum_answer a"
            " JOIN articles_question q ON q.id = a.question_id WHERE a.author_id = NEW.id",
        )
    ],
}


def _sqlite_triggers():
    for source, triggers in _SQLITE_SOURCES.items():
        for event, table, when, articles in triggers:
            name = f"forum_{source}_page_{event.lower()}"
            yield (
                name,
                (
                    f"CREATE TRIGGER {name} AFTER {event} ON {table} {when} BEGIN"
                    + _SQLITE_UPSERT.format(articles=articles)
                    + "END;"
                ),
            )


def create_triggers(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRESQL)
            return
        for _name, statement in _sqlite_triggers():
            cursor.execute(statement)
        cursor.execute(
            "INSERT INTO forum_pageversion (article_id, token, written_by)"
            " SELECT id, lower(hex(randomblob(16))), '' FROM articles_article"
        )


def drop_triggers(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRESQL_REVERSE)
            return
        for name, _statement in _sqlite_triggers():
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("forum", "0013_answer_path"),
    ]

    operations = [
        migrations.CreateModel(
            name="PageVersion",
            fields=[
                (
                    "article",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="articles.article",
                    ),
                ),
                ("token", models.CharField(max_length=32)),
                ("written_by", models.CharField(blank=True, editable=False, max_length=80)),
            ],
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
