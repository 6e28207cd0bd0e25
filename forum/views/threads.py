"""Reading a discussion: the question page and an answer's permalink."""

from datetime import datetime
from typing import NamedTuple

from django.conf import settings
from django.db import connection
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from .. import notifications
from ..context_processors import remember_unread_count
from ..forms import AnswerForm
from ..frames import member_question_page
from ..models import (
    IN_MODERATORS_GROUP_SQL,
    MODERATORS_GROUP,
    PREVIOUS_VISIT_SQL,
    RECORD_VISIT_SQL,
    Block,
    QuestionVisit,
    record_visit_params,
)
from ..notifications import UNREAD_COUNT_SQL
from ..pagecache import load_shared_thread_page, shared_for_anonymous, thread_version_sql
from ..rendering import render_nodes
from ..rules import (
    VERIFIED_EMAIL_SQL,
    answering_refusal,
    has_verified_email,
    hydrate,
    remember_verified,
    replying_refusal,
)
from ..threads import DEFAULT_SORT, SORTS, load_answer_context, sort_choices
from .access import access_answer, access_question
from .following import (
    FOLLOWS_ARTICLE_SQL,
    FOLLOWS_QUESTION_SQL,
    answer_follow,
    question_follow,
)

SORT_COOKIE = "answer_sort"
SORT_COOKIE_AGE = 60 * 60 * 24 * 365
MAX_PAGE = 10_000  # far past any real discussion; larger offsets overflow the database


def answer_url_prefix() -> str:
    """ "/a/" (or "/en/a/"): built once per page instead of a reverse() per answer."""
    return reverse("forum:answer", kwargs={"pk": 0})[: -len("0/")]


def member_url_prefix() -> str:
    """ "/members/" (or "/en/members/"), for the authors' links."""
    return reverse("forum:member", kwargs={"username": "x"})[: -len("x/")]


def thread_context(request, question, nodes, *, focus_id=None, **extra):
    """What every page that shows answers needs, with the answers already rendered."""
    facts = hydrate(request.user, question, [node.answer for node in nodes])
    for node in nodes:
        node.viewer = facts[node.answer.pk]
        node.is_focus = node.answer.pk == focus_id
    prefix = answer_url_prefix()
    # An anonymous reader's answers hold no form, and their page no token (forum.pagecache).
    # A member's page masks their token once, for its answers and for the page's own forms
    # (Django's csrf_token tag reads it from the context); each masking costs 32 draws of
    # the system's random source.
    token = get_token(request) if request.user.is_authenticated else ""
    rendered = render_nodes(
        nodes,
        answer_url_prefix=prefix,
        member_url_prefix=member_url_prefix(),
        csrf_token=token,
        anonymous=not request.user.is_authenticated,
    )
    return {
        "article": question.article,
        "question": question,
        "answer_url_prefix": prefix,
        "rendered_nodes": rendered,
        "has_nodes": bool(nodes),
        "sort_choices": sort_choices(),
        **({"csrf_token": token} if token else {}),
        **extra,
    }


def answer_form_context(request, question, *, parent=None, form=None, refusal="", **extra):
    """The answer form (or the reason it is not offered) for a question or a reply."""
    refusal = refusal or (
        replying_refusal(request.user, parent)
        if parent
        else answering_refusal(request.user, question)
    )
    if parent is not None:
        post_url = reverse("forum:reply", kwargs={"pk": parent.pk})
    else:
        post_url = reverse(
            "forum:post_answer", kwargs={"slug": question.article.slug, "question": question.slug}
        )
    return {
        "refusal": refusal,
        # A member whose address is not confirmed is offered the link again.
        "unverified": bool(refusal)
        and request.user.is_authenticated
        and not has_verified_email(request.user),
        "form": form or (None if refusal else AnswerForm.for_thread(parent=parent)),
        "post_url": post_url,
        "parent": parent,
        **extra,
    }


class MemberFacts(NamedTuple):
    follows: tuple[bool, bool]  # the question, its whole article: question_follow(known=)
    thread_version: tuple[str | None, bool]  # load_shared_thread_page(version=)
    last_visit: datetime | None  # before this one, which is recorded: what is new since


def _read_member_facts(request, question) -> MemberFacts:
    """The facts that parts of a member's question page ask, in one plain statement, each
    part told so that none asks again: whether the member has a verified address (the
    answer form, forum.rules), their unread notifications and whether they moderate (the
    header), whether they follow the question and its whole article (the follow button)
    and the thread's version for them (the shared answers). (Four ORM queries, a cache
    read and the version's query: 2.1 ms; this one: 0.4.) On PostgreSQL the same statement
    records this visit and reads the last one (QuestionVisit.record's upsert): one round
    trip less on every member's page."""
    user = request.user
    version, version_params = thread_version_sql(question, user)
    sql = (
        f"SELECT {VERIFIED_EMAIL_SQL}, {UNREAD_COUNT_SQL}, {IN_MODERATORS_GROUP_SQL}, "
        f"{FOLLOWS_QUESTION_SQL}, {FOLLOWS_ARTICLE_SQL}, {version}"
    )
    params = [
        user.pk, user.pk, user.pk, MODERATORS_GROUP,
        user.pk, question.pk, user.pk, question.article_id, *version_params,
    ]  # fmt: skip
    with_visit = connection.vendor == "postgresql"
    if with_visit:
        sql = f"WITH {RECORD_VISIT_SQL} {sql}, {PREVIOUS_VISIT_SQL}"
        params = [*record_visit_params(user, question, timezone.now()), *params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        (verified, unread, moderates, follows_question, follows_article, token, pending, *visit) = (
            cursor.fetchone()
        )
    # SQLite answers booleans as integers.
    remember_verified(user, bool(verified))
    remember_unread_count(request, unread)
    user.is_moderator = user.is_staff or bool(moderates)  # the cached property, known
    return MemberFacts(
        follows=(bool(follows_question), bool(follows_article)),
        thread_version=(token, bool(pending)),
        last_visit=visit[0] if with_visit else QuestionVisit.record(user, question),
    )


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


@require_safe
@shared_for_anonymous(cookies=[SORT_COOKIE])
def question_page(request, slug, question):
    question = access_question(slug, question)
    sort, remember = _chosen_sort(request)
    number = _page_number(request)
    loading_more = request.htmx and number > 1
    # A whole page for a member: what is theirs on it, read at once (the thread's version too).
    member = (
        _read_member_facts(request, question)
        if request.user.is_authenticated and not loading_more
        else None
    )
    thread = load_shared_thread_page(
        question,
        viewer=request.user,
        sort=sort,
        number=number,
        per_page=settings.ANSWERS_PER_PAGE,
        # What is new since the member's last visit (none for a reader, nor for a next page).
        seen_at=member.last_visit if member else None,
        version=member.thread_version if member else None,
    )
    context = thread_context(request, question, thread.nodes, thread=thread)
    if loading_more:
        return render(request, "forum/question.html#thread-page", context)
    context |= answer_form_context(request, question)
    context["follow_button"] = question_follow(
        request, question, known=member.follows if member else None
    )
    response = (
        member is not None
        and member_question_page(request, context, version=member.thread_version[0])
    ) or render(request, "forum/question.html", context)
    if remember:
        response.set_cookie(SORT_COOKIE, sort, max_age=SORT_COOKIE_AGE, samesite="Lax")
    return response


@require_safe
@shared_for_anonymous(by="pk", cookies=[SORT_COOKIE])
def answer_detail(request, pk):
    """The permalink: an answer with its ancestors and a page of its replies, each with
    theirs; under htmx, a next page of replies to append, as the question page does."""
    answer = access_answer(request, pk)
    sort, _remember = _chosen_sort(request)
    number = _page_number(request)
    found = load_answer_context(
        answer, viewer=request.user, sort=sort, number=number, per_page=settings.ANSWERS_PER_PAGE
    )
    if request.htmx and number > 1:
        context = thread_context(request, answer.question, found.replies, thread=found)
        return render(request, "forum/question.html#thread-page", context)
    # What told the member of this answer (or of the replies shown under it) is now read.
    notifications.seen(request.user, answer)
    context = thread_context(
        request,
        answer.question,
        found.nodes,
        answer=answer,
        thread=found,
        ancestors=found.ancestors,
        focus_id=answer.pk,
        follow_button=answer_follow(request, answer),
        hidden_ancestors=_by_blocked_authors(request.user, found.ancestors),
    )
    return render(request, "forum/answer.html", context)


def _by_blocked_authors(user, ancestors) -> set[int]:
    """The ancestors whose author the viewer blocked: the breadcrumb shows them without
    their words, as the thread folds them (one query, for a signed-in viewer only)."""
    if not user.is_authenticated or not ancestors:
        return set()
    authors = {node.answer.author_id for node in ancestors}
    blocked = set(
        Block.objects.filter(blocker=user, blocked_id__in=authors).values_list(
            "blocked_id", flat=True
        )
    )
    return {node.answer.pk for node in ancestors if node.answer.author_id in blocked}
