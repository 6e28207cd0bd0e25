"""A member's public page, blocking a member, and the member's preferences."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from articles.models import Article

from ..forms import EmailSettingsForm
from ..models import Answer, Block, User
from ..rules import score_visible
from .site import bad_request, referring_page, same_site_path

MEMBER_PAGE_SIZE = 30  # answers per page: a screenful or two of excerpts
# The sorts of a member's answers: newest first, or best (highest score, then newest).
MEMBER_SORTS = {
    "new": ("-created_at", "-id"),
    "best": ("-score", "-created_at", "-id"),
}
DEFAULT_MEMBER_SORT = "new"
# What the member themself sees beside their own answers that others do not see at all.
# Deleted ones stay out: the member took them back.
OWN_HIDDEN_STATUSES = (Answer.Status.PENDING, Answer.Status.REMOVED, Answer.Status.SPAM)


def access_member(username: str) -> User:
    """The member with this pseudonym (whatever its case), or 404; a deleted account is as
    unknown as a name nobody holds."""
    if "\x00" in username:  # no pseudonym holds one, and PostgreSQL refuses to compare it
        raise Http404(_("There is no such member."))
    return get_object_or_404(User, username__iexact=username, anonymised_at__isnull=True)


def answers_on_member_page(person: User, viewer):
    """The answers ``person``'s page lists to ``viewer``: the published ones; to the member
    themself also those waiting for review, removed or marked as spam (labelled as such);
    those of articles not out yet only to staff."""
    statuses = [Answer.Status.PUBLISHED]
    if viewer.is_authenticated and viewer.pk == person.pk:
        statuses += OWN_HIDDEN_STATUSES
    answers = Answer.objects.filter(author=person, status__in=statuses)
    if not viewer.is_staff:
        answers = answers.filter(question__article__in=Article.objects.published())
    return answers.select_related("question__article")


def _page_of(request, answers, sort: str):
    try:
        return Paginator(answers.order_by(*MEMBER_SORTS[sort]), MEMBER_PAGE_SIZE).page(
            request.GET.get("page", 1)
        )
    except InvalidPage:  # not a number, or past the last page
        raise Http404(_("There is no such page.")) from None


@require_safe
def member(request, username):
    """A member's public page: when they joined, the sum of their scores, and their answers,
    newest or best first, a page at a time."""
    person = access_member(username)
    sort = request.GET.get("sort")
    if sort not in MEMBER_SORTS:
        sort = DEFAULT_MEMBER_SORT
    published = Answer.objects.filter(
        author=person,
        status=Answer.Status.PUBLISHED,
        question__article__in=Article.objects.published(),
    )
    totals = published.aggregate(count=Count("pk"), score=Sum("score"))
    page = _page_of(request, answers_on_member_page(person, request.user), sort)
    for answer in page:
        article = answer.question.article
        answer.article_is_out = article.is_published
        answer.score_shown = answer.status == Answer.Status.PUBLISHED and score_visible(
            request.user, answer
        )
        # A spam one has no page, not even for its author; nor has any of an article not out.
        answer.has_page = answer.article_is_out and answer.status != Answer.Status.SPAM
    own = request.user.is_authenticated and request.user.pk == person.pk
    block = None
    if request.user.is_authenticated and not own:
        block = Block.objects.filter(blocker=request.user, blocked=person).first()
    context = {
        "person": person,
        "answer_count": totals["count"],
        "total_score": totals["score"] or 0,
        "page": page,
        "answers": list(page),
        "page_range": list(page.paginator.get_elided_page_range(page.number, on_ends=1)),
        "ellipsis": Paginator.ELLIPSIS,
        "sort": sort,
        "sort_choices": [("new", _("Newest")), ("best", _("Best"))],
        "own": own,
        "can_block": request.user.is_authenticated and not own,
        "blocked_at": block.created_at if block else None,
        "next": request.get_full_path(),
    }
    return render(request, "forum/member.html", context)


# --- Blocking ---------------------------------------------------------------------

BLOCK_STATES = {"on": True, "off": False}


def _return_to(request, fallback: str) -> str:
    """The page the form was sent from (its ``next``, or the Referer; same site only)."""
    return (
        same_site_path(request, request.POST.get("next", "")) or referring_page(request) or fallback
    )


def _block_control(request, person: User, *, status: int = 200, error: str = ""):
    """The block button of ``person`` as it now stands, for htmx to swap in place."""
    block = Block.objects.filter(blocker=request.user, blocked=person).first()
    context = {
        "person": person,
        "blocked_at": block.created_at if block else None,
        "next": _return_to(request, reverse("forum:member", kwargs={"username": person.username})),
        "in_list": request.POST.get("shown") == "list",  # a row of the blocked members' list
        "error": error,
    }
    return render(request, "forum/member.html#block-control", context, status=status)


def do_block(*, blocker: User, blocked: User) -> None:
    """``blocker`` blocks ``blocked``; again changes nothing (nor does a block made at the
    same moment from another tab: get_or_create reads the row the other one wrote)."""
    Block.objects.get_or_create(blocker=blocker, blocked=blocked)


def do_unblock(*, blocker: User, blocked: User) -> None:
    """``blocker`` no longer blocks ``blocked``; unblocking someone not blocked changes nothing."""
    Block.objects.filter(blocker=blocker, blocked=blocked).delete()


@require_POST
def block(request, username):
    """Block a member (``state=on``) or unblock them (``state=off``). Blocking only changes
    what the blocker sees and is told: the blocked member's answers are folded away for
    them, and cause them no notification. It hides nothing from anyone else, moderation
    decisions included, and the blocked member is not told."""
    person = access_member(username)
    page = reverse("forum:member", kwargs={"username": person.username})
    if not request.user.is_authenticated:
        # A POST cannot be repeated after signing in: back to the member's page.
        if request.htmx:
            return HttpResponseClientRedirect(
                reverse("account_login") + "?" + urlencode({"next": page})
            )
        return redirect_to_login(page)
    wanted = BLOCK_STATES.get(request.POST.get("state", ""))
    if person.pk == request.user.pk:
        refusal = _("You cannot block yourself.")
    elif wanted is None:
        refusal = _("Say whether to block this member (state “on”) or to unblock them (“off”).")
    else:
        refusal = ""
    if refusal:
        if request.htmx:
            return _block_control(request, person, status=400, error=refusal)
        return bad_request(request, refusal)
    if wanted:
        do_block(blocker=request.user, blocked=person)
        message = _(
            "You blocked %(name)s. Their answers are collapsed for you and they cause you "
            "no notifications."
        ) % {"name": person.username}
    else:
        do_unblock(blocker=request.user, blocked=person)
        message = _("You unblocked %(name)s.") % {"name": person.username}
    if not request.htmx:
        messages.success(request, message)
        return redirect(_return_to(request, page))
    response = _block_control(request, person)
    return trigger_client_event(response, "agora:announce", {"message": message}, after="settle")


@require_safe
@login_required
def blocked_members(request):
    """The members this member blocked, most recent first, each with a button to unblock."""
    blocks = (
        Block.objects.filter(blocker=request.user, blocked__anonymised_at__isnull=True)
        .select_related("blocked")
        .order_by("-created_at", "-id")
    )
    return render(
        request,
        "forum/blocked.html",
        {"blocks": list(blocks), "next": request.get_full_path()},
    )


@require_http_methods(["GET", "POST"])
@login_required
def preferences(request):
    """The member's preferences: how each kind of notification reaches them by e-mail, and
    the single-key shortcuts of the moderation queue, which someone using speech input or
    pressing keys by accident turns off (WCAG 2.1.4)."""
    email_form = EmailSettingsForm(instance=request.user)
    if request.method == "POST" and request.POST.get("section") == "email":
        email_form = EmailSettingsForm(request.POST, instance=request.user)
        if email_form.is_valid():
            email_form.save()
            messages.success(request, _("Your e-mail settings are saved."))
            return redirect(_back(request, request.POST.get("next", "")))
    elif request.method == "POST":
        wanted = request.POST.get("keyboard_shortcuts") == "on"
        User.objects.filter(pk=request.user.pk).update(keyboard_shortcuts=wanted)
        if wanted:
            messages.success(request, _("Keyboard shortcuts are on."))
        else:
            messages.success(request, _("Keyboard shortcuts are off."))
        return redirect(_back(request, request.POST.get("next", "")))
    context = {
        "next": _back(request, request.POST.get("next") or request.GET.get("next", "")),
        "email_form": email_form,
    }
    status = 400 if email_form.errors else 200
    return render(request, "forum/preferences.html", context, status=status)


def _back(request, target: str) -> str:
    """Where the preferences were opened from (a page of this site), or the page itself."""
    return same_site_path(request, target) or reverse("forum:preferences")
