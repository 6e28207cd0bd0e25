"""Discussion pages and the forms that write to them.

Every write is a plain form POST that redirects; under htmx the same view
answers with the fragment to swap (a partial of ``forum/question.html``).
"""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from articles.models import Article, Question

from . import ratelimit
from .answers import (
    check_can_post,
    do_delete_answer,
    do_edit_answer,
    do_post_answer,
    posting_refusal,
)
from .forms import AnswerForm, EditForm
from .markdown import render_markdown
from .models import Answer, QuestionVisit, User
from .rendering import render_nodes
from .threads import DEFAULT_SORT, SORTS, load_answer_context, load_thread_page, sort_choices
from .voting import do_set_vote, vote_of, vote_target, votes_of, voting_refusal

DEFAULT_RETRY_AFTER = 60  # seconds; allauth's limits do not say when they reset
SORT_COOKIE = "answer_sort"
MEMBER_PAGE_ANSWERS = 50  # the latest ones; the total score counts them all
MAX_PAGE = 10_000  # far past any real discussion; larger offsets overflow the database
SORT_COOKIE_AGE = 60 * 60 * 24 * 365


def too_many_requests(request, exception=None, *, retry_after: int = DEFAULT_RETRY_AFTER):
    """The readable 429 page, used by allauth's rate limits and by ours."""
    response = render(request, "429.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def permission_denied(request, exception=None):
    """The readable 403 page: why, and a way back to where the reader was."""
    context = {"exception": exception, "back_url": _referring_page(request)}
    return render(request, "403.html", context, status=403)


@require_GET
def healthz(request):
    """For load balancers: the process answers. Touches neither database nor cache."""
    return HttpResponse("ok", content_type="text/plain")


# --- Access helpers -------------------------------------------------------


def access_question(slug: str, question_slug: str) -> Question:
    """A question of a published article, or 404."""
    return get_object_or_404(
        Question.objects.select_related("article").filter(article__in=Article.objects.published()),
        article__slug=slug,
        slug=question_slug,
    )


def access_answer(request, pk: int) -> Answer:
    """An answer of a published article that this viewer may see (published, a tombstone,
    or their own pending one), or 404."""
    answer = Answer.objects.select_related("author", "question__article").filter(pk=pk).first()
    if (
        answer is None
        or not answer.is_visible_to(request.user)
        or not answer.question.article.is_published
    ):
        raise Http404(_("There is no such answer."))
    return answer


def access_vote_target(request, pk: int) -> Answer:
    """access_answer's rule, for the vote's own lean read (forum.voting.vote_target)."""
    answer = vote_target(pk, request.user)
    if answer is None or not answer.is_visible_to(request.user) or not answer.article_published:
        raise Http404(_("There is no such answer."))
    return answer


def access_own_answer(request, pk: int, *, action: str) -> Answer:
    answer = access_answer(request, pk)
    allowed = answer.can_edit(request.user) if action == "edit" else answer.can_delete(request.user)
    if not allowed:
        if answer.author_id != request.user.pk:
            raise PermissionDenied(_("Only the author can change this answer."))
        if action == "edit":
            raise PermissionDenied(_("This answer can no longer be edited."))
        raise PermissionDenied(_("This answer can no longer be deleted."))
    return answer


def _answer_url_prefix() -> str:
    """ "/a/" (or "/en/a/"): built once per page instead of a reverse() per answer."""
    return reverse("forum:answer", kwargs={"pk": 0})[: -len("0/")]


def _in_context(answer: Answer) -> str:
    """Where to see an answer after changing it: under its parent, scrolled to it."""
    where = answer.parent.get_absolute_url() if answer.parent_id else answer.get_absolute_url()
    return f"{where}#a{answer.pk}"


def _thread_context(request, question, nodes, *, focus_id=None, **extra):
    """What every page that shows answers needs, with the answers already rendered."""
    user = request.user
    my_votes = votes_of(user, question) if nodes else {}
    # Scores younger than this are hidden, except from their author.
    hidden_after = timezone.now() - settings.SCORE_HIDDEN_FOR
    for node in nodes:
        answer = node.answer
        own = user.is_authenticated and answer.author_id == user.pk
        if own:
            node.can_edit = answer.can_edit(user)
            node.can_delete = answer.can_delete(user)
        node.can_vote = not own
        node.my_vote = my_votes.get(answer.pk, 0)
        node.score_hidden = not own and answer.created_at > hidden_after
        node.is_focus = answer.pk == focus_id
    can_reply = question.state == Question.State.OPEN and not question.article.is_closed
    prefix = _answer_url_prefix()
    rendered = render_nodes(
        nodes, answer_url_prefix=prefix, can_reply=can_reply, csrf_token=get_token(request)
    )
    return {
        "article": question.article,
        "question": question,
        "answer_url_prefix": prefix,
        "can_reply": can_reply,
        "rendered_nodes": rendered,
        "has_nodes": bool(nodes),
        "sort_choices": sort_choices(),
        **extra,
    }


def _chosen_sort(request) -> tuple[str, bool]:
    """The sort asked for in the URL (then remembered), else the remembered one."""
    asked = request.GET.get("sort")
    if asked in SORTS:
        return asked, True
    remembered = request.COOKIES.get(SORT_COOKIE)
    return (remembered if remembered in SORTS else DEFAULT_SORT), False


def _page_number(request) -> int:
    raw = request.GET.get("page", "1")
    # isascii: "²" is a digit to str.isdigit but not to int().
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE:
        raise Http404(_("There is no such page."))
    return int(raw)


def _last_visit(request, question):
    """When this member last read the question; records this visit."""
    if not request.user.is_authenticated:
        return None
    now = timezone.now()
    visit = QuestionVisit.objects.filter(user=request.user, question=question).first()
    if visit is None:
        QuestionVisit.objects.create(user=request.user, question=question, seen_at=now)
        return None
    QuestionVisit.objects.filter(pk=visit.pk).update(seen_at=now)
    return visit.seen_at


# --- Reading --------------------------------------------------------------


@require_GET
def question_page(request, slug, question):
    question = access_question(slug, question)
    sort, remember = _chosen_sort(request)
    number = _page_number(request)
    loading_more = request.htmx and number > 1
    thread = load_thread_page(
        question,
        viewer=request.user,
        sort=sort,
        number=number,
        per_page=settings.ANSWERS_PER_PAGE,
        seen_at=None if loading_more else _last_visit(request, question),
    )
    context = _thread_context(request, question, thread.nodes, thread=thread)
    if loading_more:
        return render(request, "forum/question.html#thread-page", context)
    context |= _answer_form_context(request, question)
    response = render(request, "forum/question.html", context)
    if remember:
        response.set_cookie(SORT_COOKIE, sort, max_age=SORT_COOKIE_AGE, samesite="Lax")
    return response


@require_GET
def answer_detail(request, pk):
    """The permalink: an answer with its ancestors and all its replies."""
    answer = access_answer(request, pk)
    sort, _remember = _chosen_sort(request)
    found = load_answer_context(answer, viewer=request.user, sort=sort)
    context = _thread_context(
        request,
        answer.question,
        found.nodes,
        answer=answer,
        ancestors=found.ancestors,
        focus_id=answer.pk,
    )
    return render(request, "forum/answer.html", context)


# --- Writing --------------------------------------------------------------


def _answer_form_context(request, question, *, parent=None, form=None, **extra):
    refusal = posting_refusal(request.user, question)
    if parent is not None:
        post_url = reverse("forum:reply", kwargs={"pk": parent.pk})
    else:
        post_url = reverse(
            "forum:post_answer", kwargs={"slug": question.article.slug, "question": question.slug}
        )
    return {
        "refusal": refusal,
        "form": form or (None if refusal else AnswerForm()),
        "post_url": post_url,
        "parent": parent,
        **extra,
    }


def _rate_limited(request) -> int | None:
    """Seconds to wait if this member or this address posted too much lately."""
    return ratelimit.hit(
        ("answer-member", str(request.user.pk), settings.RATE_LIMIT_ANSWER_MEMBER),
        ("answer-ip", ratelimit.client_ip(request), settings.RATE_LIMIT_ANSWER_IP),
    )


def _write_answer(request, question, *, parent=None):
    """Shared by answers and replies: check, validate, preview or post."""
    if not request.user.is_authenticated:
        login = reverse("account_login") + "?next=" + request.path
        if request.htmx:
            return HttpResponseClientRedirect(login)
        return redirect_to_login(request.get_full_path())
    check_can_post(request.user, question)
    form = AnswerForm(request.POST)

    def form_response(status, **extra):
        """The form again, with its errors or preview: a fragment, the reply page, or the
        whole question page with its answers."""
        context = _answer_form_context(request, question, parent=parent, form=form, **extra)
        if request.htmx:
            return render(request, "forum/question.html#answer-form", context, status=status)
        if parent is not None:
            page = _thread_context(request, question, [], **context)
            return render(request, "forum/reply.html", page, status=status)
        thread = load_thread_page(question, viewer=request.user, per_page=settings.ANSWERS_PER_PAGE)
        page = _thread_context(request, question, thread.nodes, thread=thread, **context)
        return render(request, "forum/question.html", page, status=status)

    if request.POST.get("preview"):
        body = request.POST.get("body", "")[: settings.ANSWER_MAX_LENGTH]
        return form_response(200, preview_html=render_markdown(body), autofocus=True)
    if not form.is_valid():
        return form_response(400)
    retry_after = _rate_limited(request)
    if retry_after:
        notice = _("You are posting too often. Please wait %(seconds)s seconds.") % {
            "seconds": retry_after
        }
        response = form_response(429, notice=notice)
        response["Retry-After"] = str(retry_after)
        return response

    answer, _created = do_post_answer(
        author=request.user,
        question=question,
        parent=parent,
        body=form.cleaned_data["body"],
        idempotency_key=form.cleaned_data["idempotency_key"],
    )
    if request.htmx:
        return _posted_fragment(request, question, answer, parent=parent)
    if parent is None:
        return redirect(f"{question.get_absolute_url()}?sort=new#a{answer.pk}")
    return redirect(_in_context(answer))


def _posted_fragment(request, question, answer, *, parent):
    """The new answer in place, plus (for a top-level answer) a fresh empty form."""
    found = load_answer_context(answer, viewer=request.user)
    for node in found.nodes:
        node.depth = node.indent = 0
    context = _thread_context(request, question, found.nodes, posted=answer)
    if parent is None:
        context |= _answer_form_context(request, question)
        return render(request, "forum/posted.html#answer", context)
    return render(request, "forum/posted.html#reply", context)


@require_POST
def post_answer(request, slug, question):
    return _write_answer(request, access_question(slug, question))


@require_http_methods(["GET", "POST"])
def reply(request, pk):
    parent = access_answer(request, pk)
    question = parent.question
    if parent.is_tombstone:
        raise PermissionDenied(_("You cannot reply to an answer that was deleted or removed."))
    if request.method == "POST":
        return _write_answer(request, question, parent=parent)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    context = _answer_form_context(request, question, parent=parent, autofocus=True)
    if request.htmx:
        return render(request, "forum/question.html#answer-form", context)
    return render(request, "forum/reply.html", _thread_context(request, question, [], **context))


@require_http_methods(["GET", "POST"])
def edit(request, pk):
    answer = access_own_answer(request, pk, action="edit")
    form = EditForm(request.POST or None, initial={"body": answer.body})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            first_edit = answer.edited_at is None
            do_edit_answer(answer=answer, editor=request.user, body=form.cleaned_data["body"])
            if request.htmx:
                # The new text, and the first time, "edited" added to the answer's header.
                context = {"answer": answer, "first_edit": first_edit and answer.edited_at}
                return render(request, "forum/edit.html#body", context)
            return redirect(_in_context(answer))
        status = 400
    context = {
        "answer": answer,
        "form": form,
        "question": answer.question,
        "article": answer.question.article,
    }
    if request.htmx:
        return render(request, "forum/edit.html#form", context, status=status)
    return render(request, "forum/edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
def delete(request, pk):
    answer = access_own_answer(request, pk, action="delete")
    if request.method == "POST":
        do_delete_answer(answer=answer)
        return redirect(_in_context(answer))
    context = {"answer": answer, "question": answer.question, "article": answer.question.article}
    return render(request, "forum/delete.html", context)


@require_POST
def preview(request):
    """Live preview of the Markdown being typed (htmx)."""
    if not request.user.is_authenticated:
        raise PermissionDenied(_("Sign in to answer."))
    # Typing fires a preview every pause: generous, but not a free Markdown service.
    retry_after = ratelimit.hit(("preview", str(request.user.pk), settings.RATE_LIMIT_PREVIEW))
    if retry_after:
        response = HttpResponse(_("Preview paused: too many in a short time."), status=429)
        response["Retry-After"] = str(retry_after)
        return response
    body = request.POST.get("body", "")[: settings.ANSWER_MAX_LENGTH]
    return HttpResponse(render_markdown(body))


@require_GET
def history(request, pk):
    """Earlier versions of an answer, for moderators."""
    if not request.user.is_authenticated or not request.user.is_moderator:
        raise PermissionDenied(_("Only moderators can read the edit history."))
    answer = access_answer(request, pk)
    context = {
        "answer": answer,
        "question": answer.question,
        "article": answer.question.article,
        "revisions": answer.revisions.select_related("editor"),
    }
    return render(request, "forum/history.html", context)


@require_POST
def vote(request, pk):
    """Set the member's vote on an answer to +1, 0 or -1 (never a toggle)."""
    answer = access_vote_target(request, pk)
    if not request.user.is_authenticated:
        if request.htmx:
            return HttpResponseClientRedirect(reverse("account_login") + "?next=" + request.path)
        return redirect_to_login(_in_context(answer))
    raw = request.POST.get("value", "")
    if raw not in {"1", "0", "-1"}:
        return HttpResponseBadRequest(_("A vote is 1, 0 or -1."))
    value = int(raw)
    refusal = voting_refusal(request.user, answer)
    retry_after = (
        None
        if refusal
        else ratelimit.hit(
            ("vote-member", str(request.user.pk), settings.RATE_LIMIT_VOTE_MEMBER),
            ("vote-ip", ratelimit.client_ip(request), settings.RATE_LIMIT_VOTE_IP),
        )
    )
    if refusal and not request.htmx:
        raise PermissionDenied(refusal)
    if retry_after and not request.htmx:
        return too_many_requests(request, retry_after=retry_after)
    status, error = 200, ""
    if refusal:
        status, error = 403, refusal
    elif retry_after:
        status = 429
        error = _("You are voting too often. Please wait %(seconds)s seconds.") % {
            "seconds": retry_after
        }
    else:
        answer = do_set_vote(voter=request.user, answer=answer, value=value)
    if not request.htmx:
        return redirect(_back_to(request, answer))
    context = {
        "answer": answer,
        "my_vote": value if status == 200 else vote_of(request.user, answer),
        "can_vote": answer.author_id != request.user.pk,
        "score_hidden": answer.is_score_hidden_from(request.user),
        "answer_url_prefix": _answer_url_prefix(),
        "csrf_value": get_token(request),
        "vote_error": error,
    }
    # The widget needs no context processor (its CSRF token is passed in).
    widget = render_to_string("forum/question.html#vote", context)
    response = HttpResponse(widget, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _referring_page(request) -> str:
    """The page of this site the request came from (its Referer), or ""."""
    referer = request.headers.get("referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer.split("#", 1)[0]
    return ""


def _back_to(request, answer) -> str:
    """The page the vote was cast from (same site only), scrolled to the answer."""
    if page := _referring_page(request):
        return f"{page}#a{answer.pk}"
    return _in_context(answer)


@require_GET
def member(request, username):
    """A member's public page: their published answers and the sum of their scores."""
    person = get_object_or_404(User, username__iexact=username, anonymised_at__isnull=True)
    published = Answer.objects.filter(
        author=person,
        status=Answer.Status.PUBLISHED,
        question__article__in=Article.objects.published(),
    )
    totals = published.aggregate(count=Count("pk"), score=Sum("score"))
    recent = published.select_related("question__article").order_by("-created_at")[
        :MEMBER_PAGE_ANSWERS
    ]
    context = {
        "person": person,
        "answer_count": totals["count"],
        "total_score": totals["score"] or 0,
        "answers": recent,
    }
    return render(request, "forum/member.html", context)
