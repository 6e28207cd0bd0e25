"""Writing: answer a question, reply, preview, edit, delete; the edit history."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from .. import ratelimit
from ..answers import check_delete_answer, check_edit_answer, check_post_answer
from ..forms import AnswerForm, EditForm
from ..markdown import render_markdown
from ..moderation.access import access_any_answer, moderator_required
from ..rules import answering_refusal, deleting_refusal, editing_refusal, replying_refusal
from ..threads import load_answer_context, load_thread_page, reply_counts_above
from .access import access_answer, access_question
from .threads import answer_form_context, thread_context


def in_context(answer) -> str:
    """Where to see an answer after changing it: under its parent, scrolled to it."""
    where = answer.parent.get_absolute_url() if answer.parent_id else answer.get_absolute_url()
    return f"{where}#a{answer.pk}"


def _sign_in_first(request, next_url: str):
    """Anonymous writers go to the sign-in page, and come back to ``next_url``."""
    if request.htmx:
        return HttpResponseClientRedirect(reverse("account_login") + "?next=" + next_url)
    return redirect_to_login(next_url)


def _rate_limited(request) -> int | None:
    """Seconds to wait if this member or this address posted too much lately."""
    return ratelimit.hit(
        ("answer-member", str(request.user.pk), settings.RATE_LIMIT_ANSWER_MEMBER),
        ("answer-ip", ratelimit.client_ip(request), settings.RATE_LIMIT_ANSWER_IP),
    )


def _write_answer(request, question, *, parent=None):
    """Shared by answers and replies: check, validate, preview or post."""
    if not request.user.is_authenticated:
        return _sign_in_first(request, request.path)
    refusal = (
        replying_refusal(request.user, parent)
        if parent
        else answering_refusal(request.user, question)
    )
    if refusal:
        raise PermissionDenied(refusal)
    form = AnswerForm.for_thread(request.POST, parent=parent)

    def form_response(status, **extra):
        """The form again, with its errors or preview: a fragment, the reply page, or the
        whole question page with its answers."""
        context = answer_form_context(request, question, parent=parent, form=form, **extra)
        if request.htmx:
            return render(request, "forum/question.html#answer-form", context, status=status)
        if parent is not None:
            page = thread_context(request, question, [], **context)
            return render(request, "forum/reply.html", page, status=status)
        thread = load_thread_page(question, viewer=request.user, per_page=settings.ANSWERS_PER_PAGE)
        page = thread_context(request, question, thread.nodes, thread=thread, **context)
        return render(request, "forum/question.html", page, status=status)

    if request.POST.get("preview"):
        # The same form again, unjudged: a preview is not a post, so neither the bot
        # traps nor the length rules speak yet.
        kept = {name: request.POST[name] for name in form.fields if request.POST.get(name)}
        form = AnswerForm.for_thread(parent=parent, initial=kept)
        body = kept.get("body", "")[: settings.ANSWER_MAX_LENGTH]
        return form_response(200, preview_html=render_markdown(body), autofocus=True)
    if not form.is_valid():
        return form_response(400, autofocus=True)  # back in the box, to correct it
    if retry_after := _rate_limited(request):
        notice = _("You are posting too often. Please wait %(seconds)s seconds.") % {
            "seconds": retry_after
        }
        response = form_response(429, notice=notice)
        response["Retry-After"] = str(retry_after)
        return response

    answer, _created = check_post_answer(
        author=request.user,
        question=question,
        parent=parent,
        body=form.cleaned_data["body"],
        idempotency_key=form.cleaned_data["idempotency_key"],
    )
    if request.htmx:
        return _posted_fragment(request, question, answer, parent=parent)
    # To the answer where it stands, without changing the reader's chosen sort.
    return redirect(in_context(answer))


def _posted_fragment(request, question, answer, *, parent):
    """The new answer in place; for a top-level answer a fresh empty form and the question's
    count, for a reply the counts of replies above it. The browser is told which answer
    to bring focus to, and what to announce."""
    found = load_answer_context(answer, viewer=request.user)
    for node in found.nodes:
        node.depth = node.indent = 0
    context = thread_context(request, question, found.nodes, posted=answer)
    if parent is None:
        question.refresh_from_db(fields=["answer_count"])  # the count shown above the thread
        context |= answer_form_context(request, question)
        response = render(request, "forum/posted.html#answer", context)
        message = _("Your answer is published.")
    else:
        context["reply_counts"] = reply_counts_above(answer, viewer=request.user)
        response = render(request, "forum/posted.html#reply", context)
        message = _("Your reply is published.")
    return trigger_client_event(
        response, "agora:posted", {"id": answer.pk, "message": message}, after="settle"
    )


@require_POST
def post_answer(request, slug, question):
    return _write_answer(request, access_question(slug, question))


@require_http_methods(["GET", "POST"])
def reply(request, pk):
    parent = access_answer(request, pk)
    question = parent.question
    if request.method == "POST":
        return _write_answer(request, question, parent=parent)
    if not request.user.is_authenticated:
        return _sign_in_first(request, request.get_full_path())
    if refusal := replying_refusal(request.user, parent):
        raise PermissionDenied(refusal)
    context = answer_form_context(request, question, parent=parent, autofocus=True)
    if request.htmx:
        return render(request, "forum/question.html#answer-form", context)
    return render(request, "forum/reply.html", thread_context(request, question, [], **context))


@require_http_methods(["GET", "POST"])
def edit(request, pk):
    if not request.user.is_authenticated:
        return _sign_in_first(request, request.get_full_path())
    answer = access_answer(request, pk)
    if refusal := editing_refusal(request.user, answer):
        raise PermissionDenied(refusal)
    form = EditForm(request.POST or None, initial={"body": answer.body})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            first_edit = answer.edited_at is None
            check_edit_answer(answer=answer, editor=request.user, body=form.cleaned_data["body"])
            if request.htmx:
                # The new text, and the first time, "edited" added to the answer's header.
                context = {"answer": answer, "first_edit": first_edit and answer.edited_at}
                return render(request, "forum/edit.html#body", context)
            return redirect(in_context(answer))
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
    if not request.user.is_authenticated:
        return _sign_in_first(request, request.get_full_path())
    answer = access_answer(request, pk)
    if refusal := deleting_refusal(request.user, answer):
        raise PermissionDenied(refusal)
    context = {"answer": answer, "question": answer.question, "article": answer.question.article}
    if request.method == "GET":
        template = "forum/delete.html#confirm" if request.htmx else "forum/delete.html"
        return render(request, template, context)
    check_delete_answer(answer=answer, author=request.user)
    if request.htmx:
        response = render(request, "forum/delete.html#withdrawn", context)
        return trigger_client_event(
            response, "agora:announce", {"message": _("Your answer is deleted.")}, after="settle"
        )
    # Back to the whole conversation it belonged to, where its place stays.
    return redirect(f"{reverse('forum:answer', kwargs={'pk': answer.root_id})}#a{answer.pk}")


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


@require_safe
@moderator_required
def history(request, pk):
    """Earlier versions of an answer, whatever became of it: a page of the moderator's desk."""
    answer = access_any_answer(pk)
    context = {
        "answer": answer,
        "question": answer.question,
        "article": answer.question.article,
        "revisions": answer.revisions.select_related("editor"),
    }
    return render(request, "forum/history.html", context)
