"""A member's public page."""

from django.db.models import Count, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from articles.models import Article

from ..models import Answer, User
from ..rules import score_visible

MEMBER_PAGE_ANSWERS = 50  # the latest ones; the total score counts them all


@require_safe
def member(request, username):
    """A member's public page: their published answers and the sum of their scores."""
    if "\x00" in username:  # no pseudonym holds one, and PostgreSQL refuses to compare it
        raise Http404(_("There is no such member."))
    person = get_object_or_404(User, username__iexact=username, anonymised_at__isnull=True)
    published = Answer.objects.filter(
        author=person,
        status=Answer.Status.PUBLISHED,
        question__article__in=Article.objects.published(),
    )
    totals = published.aggregate(count=Count("pk"), score=Sum("score"))
    recent = list(
        published.select_related("question__article").order_by("-created_at")[:MEMBER_PAGE_ANSWERS]
    )
    for answer in recent:
        answer.score_shown = score_visible(request.user, answer)
    context = {
        "person": person,
        "answer_count": totals["count"],
        "total_score": totals["score"] or 0,
        "answers": recent,
    }
    return render(request, "forum/member.html", context)
