"""Following an article, a question or the replies to an answer, from their pages and from
the member's list of what they follow. What following brings (notifications of new answers
and replies) is forum.notifications' to say.

Every signed-in member may follow and stop following, whatever their standing: a member
whose address is not confirmed yet, or whom the moderators suspended or banned, still reads
the site, and a follow writes nothing anyone else sees — it only decides what reaches the
member's own inbox. A sanctioned member above all must be able to stop following.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from articles.models import Article, Question

from ..models import Answer, Follow
from ..rules import visible_answers
from .access import access_answer, access_article, access_question
from .site import bad_request, same_site_path

# A member follows the replies to every answer they write: thousands, for some.
FOLLOWED_PER_PAGE = 50


@dataclass
class FollowButton:
    """The follow button of one article, question or answer, as one viewer sees it."""

    kind: str  # "article", "question" or "answer": the Follow field it sets
    pk: int
    action: str  # where it posts
    following: bool
    next: str = ""  # where the form returns without JavaScript
    in_list: bool = False  # on the member's list: "Stop following" / "Follow again"
    can_follow: bool = True  # False for a withdrawn answer: no reply will come to it
    through_article: bool = False  # a question whose whole article the viewer follows

    @property
    def dom_id(self) -> str:
        return f"follow-{self.kind}-{self.pk}"


def _action(kind: str, target) -> str:
    if kind == "article":
        return reverse("forum:follow_article", kwargs={"slug": target.slug})
    if kind == "question":
        kwargs = {"slug": target.article.slug, "question": target.slug}
        return reverse("forum:follow_question", kwargs=kwargs)
    return reverse("forum:follow_answer", kwargs={"pk": target.pk})


def _button(request, kind: str, target, following: bool, **extra) -> FollowButton:
    extra.setdefault("next", request.get_full_path())
    return FollowButton(kind, target.pk, _action(kind, target), following, **extra)


# --- The viewer's follow state, one query per page -------------------------------------


def article_follow(request, article: Article) -> FollowButton:
    """The article page's button."""
    user = request.user
    following = (
        user.is_authenticated and Follow.objects.filter(member=user, article=article).exists()
    )
    return _button(request, "article", article, following)


# Whether a member follows a question, or an article, as SQL expressions (parameters: the
# member's id, then the question's or the article's), for a page that reads them along
# with other facts (forum.views.threads) and passes them to question_follow.
FOLLOWS_QUESTION_SQL = (
    "EXISTS (SELECT 1 FROM forum_follow f WHERE f.member_id = %s AND f.question_id = %s)"
)
FOLLOWS_ARTICLE_SQL = (
    "EXISTS (SELECT 1 FROM forum_follow f WHERE f.member_id = %s AND f.article_id = %s)"
)


def question_follow(request, question: Question, *, known=None) -> FollowButton:
    """The question page's button, and whether the viewer follows the whole article (which
    brings this question's new answers too), in one query; none when ``known`` holds both
    already (following the question, following its article)."""
    if known is not None:
        following, through_article = known
    elif request.user.is_authenticated:
        followed = list(
            Follow.objects.filter(member=request.user)
            .filter(Q(question=question) | Q(article_id=question.article_id))
            .values_list("question_id", flat=True)
        )
        following, through_article = question.pk in followed, None in followed
    else:
        following, through_article = False, False
    return _button(request, "question", question, following, through_article=through_article)


def answer_follow(request, answer: Answer) -> FollowButton | None:
    """The permalink's button for its answer; none for a withdrawn one, which takes no
    more replies. Its author follows it from the moment they post it."""
    if answer.is_tombstone:
        return None
    user = request.user
    following = user.is_authenticated and Follow.objects.filter(member=user, answer=answer).exists()
    return _button(request, "answer", answer, following)


# --- Following and stopping --------------------------------------------------------------


def _confirmation(kind: str, following: bool) -> str:
    if kind == "article":
        if following:
            return _(
                "You follow the discussions of this article: new answers reach your notifications."
            )
        return _("You no longer follow the discussions of this article.")
    if kind == "question":
        if following:
            return _("You follow this question: new answers reach your notifications.")
        return _("You no longer follow this question.")
    if following:
        return _("You follow the replies to this answer: they reach your notifications.")
    return _("You no longer follow the replies to this answer.")


def _page_to_return_to(request, target_page: str) -> str:
    """The page the button was on (the form's ``next``, same site only), or the page of
    what it follows."""
    return same_site_path(request, request.POST.get("next", "")) or target_page


def _set_follow(request, kind: str, target, *, target_page: str, can_follow: bool = True):
    """Follow ``target`` (state=on) or stop (state=off); either twice is the same as once."""
    back = _page_to_return_to(request, target_page)
    if not request.user.is_authenticated:
        # After signing in, back to the page: the POST itself cannot be repeated.
        if request.htmx:
            return HttpResponseClientRedirect(
                reverse("account_login") + "?" + urlencode({"next": back})
            )
        return redirect_to_login(back)
    state = request.POST.get("state", "")
    if state not in {"on", "off"}:
        return bad_request(request, _("Say whether to follow (on) or to stop (off)."))
    following = state == "on"
    if following and not can_follow:
        raise Http404(_("There is no such answer."))
    if following:
        # One row however many clicks, tabs or races: the unique constraint keeps it.
        Follow.objects.bulk_create(
            [Follow(member=request.user, **{kind: target})], ignore_conflicts=True
        )
    else:
        Follow.objects.filter(member=request.user, **{kind: target}).delete()
    message = _confirmation(kind, following)
    in_list = request.POST.get("shown") == "list"
    button = _button(
        request, kind, target, following, next=back, in_list=in_list, can_follow=can_follow
    )
    if not request.htmx:
        # Back to the top of the page, where the message says what changed (the button,
        # further down on an article, says it too).
        messages.success(request, message)
        return redirect(back)
    response = render(request, "forum/follow_button.html", {"follow": button})
    return trigger_client_event(response, "agora:announce", {"message": message}, after="settle")


@require_POST
def follow_article(request, slug):
    """Follow every discussion of an article (its questions' new answers), or stop."""
    article = access_article(slug)
    return _set_follow(request, "article", article, target_page=article.get_absolute_url())


@require_POST
def follow_question(request, slug, question):
    """Follow a question's new answers, or stop."""
    question = access_question(slug, question)
    return _set_follow(request, "question", question, target_page=question.get_absolute_url())


@require_POST
def follow_answer(request, pk):
    """Follow the replies to an answer the viewer may see, or stop. A withdrawn answer takes
    no more replies: it can be left, not followed anew."""
    answer = access_answer(request, pk)
    return _set_follow(
        request,
        "answer",
        answer,
        target_page=answer.get_absolute_url(),
        can_follow=not answer.is_tombstone,
    )


# --- The member's list -------------------------------------------------------------------


@dataclass
class FollowedList:
    """One list of the page (articles, questions or answers), a page of it at a time."""

    page: object  # django.core.paginator.Page of Follow rows, each with its .button
    previous_url: str
    next_url: str


def _followed_list(request, kind: str, follows) -> FollowedList:
    param = f"{kind}s"  # ?answers=2: each list turns its own pages
    # get_page: a page past the end (its last rows just unfollowed) shows the last one.
    page = Paginator(follows, FOLLOWED_PER_PAGE).get_page(request.GET.get(param))
    here = request.get_full_path()
    for follow in page:
        target = getattr(follow, kind)
        can_follow = kind != "answer" or not target.is_tombstone
        follow.button = _button(
            request, kind, target, True, next=here, in_list=True, can_follow=can_follow
        )

    def url_of(number) -> str:
        query = request.GET.copy()
        query[param] = number
        return f"?{query.urlencode()}"

    return FollowedList(
        page=page,
        previous_url=url_of(page.previous_page_number()) if page.has_previous() else "",
        next_url=url_of(page.next_page_number()) if page.has_next() else "",
    )


@require_http_methods(["GET", "HEAD"])
@login_required
def following(request):
    """What the member follows — articles, questions, answers — newest first, each with a
    button to stop. Only what they may still see: a follow of an answer since hidden, or
    of an article since unpublished, brings nothing and is not shown."""
    mine = Follow.objects.filter(member=request.user).order_by("-created_at", "-pk")
    published = Article.objects.published()
    articles = mine.filter(article__in=published).select_related("article")
    questions = mine.filter(question__article__in=published).select_related("question__article")
    answers = mine.filter(
        answer__in=Answer.objects.filter(visible_answers(request.user)),
        answer__question__article__in=published,
    ).select_related("answer__author", "answer__question__article")
    context = {
        "articles": _followed_list(request, "article", articles),
        "questions": _followed_list(request, "question", questions),
        "answers": _followed_list(request, "answer", answers),
    }
    return render(request, "forum/following.html", context)
