"""Access helpers: fetch what a URL names, or answer 404 as if it did not exist.

What the person may then *do* with it is the rulebook's (forum.rules) to say."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from articles.models import Article, Question

from ..models import MAX_ID, Answer
from ..rules import may_see
from ..voting import vote_target


def access_article(slug: str) -> Article:
    """The published article with this slug; drafts are as unknown as missing slugs."""
    return get_object_or_404(Article.objects.published(), slug=slug)


def access_question(slug: str, question_slug: str) -> Question:
    """A question of a published article, or 404."""
    return get_object_or_404(
        Question.objects.select_related("article", "slow_mode").filter(
            article__in=Article.objects.published()
        ),
        article__slug=slug,
        slug=question_slug,
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
