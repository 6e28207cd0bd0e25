"""Access helpers: fetch what a URL names, or answer 404 as if it did not exist.

What the person may then *do* with it is the rulebook's (forum.rules) to say."""

from functools import cache

from django.db import connection, connections, router
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from articles.models import Article, Question

from ..models import MAX_ID, Answer, SlowMode, instance_from_row
from ..rules import may_see
from ..voting import vote_target


def access_article(slug: str) -> Article:
    """The published article with this slug; drafts are as unknown as missing slugs."""
    return get_object_or_404(Article.objects.published(), slug=slug)


def access_question(slug: str, question_slug: str) -> Question:
    """A question of a published article (with the article and the question's slow mode,
    as ``select_related("article", "slow_mode")`` reads them), or 404.

    Every member's question page starts here: composed by the ORM, this one-row read
    cost 1.9 ms, 0.2 of them in the database; as one plain statement, 0.4."""
    using = router.db_for_read(Question)  # an anonymous reader's: maybe a replica
    database = connections[using]
    now = database.ops.adapt_datetimefield_value(timezone.now())
    with database.cursor() as cursor:
        cursor.execute(_question_sql(), [slug, question_slug, Article.Status.PUBLISHED, now])
        row = cursor.fetchone()
    if row is None:
        raise Http404(_("There is no such question."))
    values = iter(row)
    question, article, slow_mode = (
        instance_from_row(model, fields, [next(values) for _f in fields], using=using)
        for model in (Question, Article, SlowMode)
        for fields in [_fields(model)]
    )
    question.article = article
    # None when the question has none (a LEFT JOIN's NULLs): the page asks nothing more.
    SlowMode._meta.get_field("question").remote_field.set_cached_value(
        question, slow_mode if slow_mode.question_id is not None else None
    )
    return question


def _fields(model) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


@cache
def _question_sql() -> str:
    def columns(alias, model):
        quote = connection.ops.quote_name
        return [f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields]

    selected = ", ".join(columns("q", Question) + columns("a", Article) + columns("s", SlowMode))
    questions, articles = Question._meta.db_table, Article._meta.db_table
    # Published: ArticleQuerySet.published's rule (a published status and a date that has
    # come), restated; tests/forum/test_question_page.py holds both to the same answer for
    # an article in each state. Names come from the models, values are parameters.
    return (
        f"SELECT {selected} FROM {questions} q"  # noqa: S608
        f" JOIN {articles} a ON a.id = q.article_id"
        f" LEFT JOIN {SlowMode._meta.db_table} s ON s.question_id = q.id"
        " WHERE a.slug = %s AND q.slug = %s AND a.status = %s AND a.published_at <= %s"
    )


def _seen(request, answer: Answer | None) -> Answer:
    if answer is None or not may_see(request.user, answer):
        raise Http404(_("There is no such answer."))
    if not answer.question.article.is_published:
        raise Http404(_("There is no such answer."))
    return answer


def access_answer(request, pk: int) -> Answer:
    """An answer of a published article that this viewer may see, or 404."""
    if pk > MAX_ID:
        raise Http404(_("There is no such answer."))
    answer = (
        Answer.objects.select_related("author", "question__article", "question__slow_mode")
        .filter(pk=pk)
        .first()
    )
    return _seen(request, answer)


def access_vote_target(request, pk: int) -> Answer:
    """access_answer, through the vote's own lean read (forum.voting.vote_target)."""
    if pk > MAX_ID:
        raise Http404(_("There is no such answer."))
    return _seen(request, vote_target(pk, request.user))
