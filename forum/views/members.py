"""A member's public page, and their preferences."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

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


@require_http_methods(["GET", "POST"])
@login_required
def preferences(request):
    """The member's preferences: for now, the single-key shortcuts of the moderation queue,
    which someone using speech input or pressing keys by accident turns off (WCAG 2.1.4)."""
    if request.method == "POST":
        wanted = request.POST.get("keyboard_shortcuts") == "on"
        User.objects.filter(pk=request.user.pk).update(keyboard_shortcuts=wanted)
        if wanted:
            messages.success(request, _("Keyboard shortcuts are on."))
        else:
            messages.success(request, _("Keyboard shortcuts are off."))
        return redirect(_back(request, request.POST.get("next", "")))
    return render(
        request, "forum/preferences.html", {"next": _back(request, request.GET.get("next", ""))}
    )


def _back(request, target: str) -> str:
    """Where the preferences were opened from (a page of this site), or the page itself."""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("forum:preferences")
