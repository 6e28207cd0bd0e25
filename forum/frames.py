"""A member's question page, made once for every member in the same situation.

Outside its answers, a member's question page depends on a few facts: the question and
its article as they stand (their page version, and the fields the page prints), the
language and the address asked, the thread's page (sort, number, what follows, what is
new), whether and why the member may answer, their follow state, and the header's counts.
Only a few values on it are each member's own: their name and the link to their page,
their CSRF token, and the answer form's submission key and fill-time token. So the page
is rendered once per set of facts, with markup in place of each own value (markup that no
escaped text produces, like the rendered answers' CSRF placeholder), kept in the process,
and filled in for each request. The answers (forum.rendering, shared too) go in by the
same single pass, which never scans what it inserts: no substitution touches what people
wrote. Rendering the templates was about 3 of a member's 8 ms of Python.

Pages with something of the member's own beyond those values (statements from the
moderators, a message after an action) are rendered as usual, and so is every page under
DEBUG, where templates change while the server runs.
"""

import re
from dataclasses import astuple

from django.conf import settings
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from .cache import KeptInProcess
from .context_processors import sees_the_desk, unread_count_for, unread_notices, waiting_count
from .forms import AnswerForm
from .rendering import CSRF_PLACEHOLDER

TEMPLATE = "forum/question.html"
FRAMES_KEPT = 256  # per process, least recently used dropped first; 0 turns frames off
_OWN = ("thread", "member-name", "member-url", "form-key", "form-time")
HOLES = {name: mark_safe(f"<agora-{name}>") for name in _OWN}  # noqa: S308 (our markup)
_HOLE = re.compile(f"<agora-({'|'.join(_OWN)})>|{re.escape(CSRF_PLACEHOLDER)}")

_frames = KeptInProcess()


class FrameMember:
    """The ``user`` a frame is rendered for: a member, whose own values are holes."""

    is_authenticated = True
    display_name = HOLES["member-name"]

    def __init__(self, is_staff: bool):
        self.is_staff = is_staff

    def get_absolute_url(self) -> str:
        return HOLES["member-url"]


def member_question_page(request, context: dict, *, version: str | None) -> HttpResponse | None:
    """The member's question page from its frame, or None when it must be rendered as
    usual (no page version to key it by, or something of their own to show)."""
    # Under DEBUG templates change while the server runs: no frames, as no shared copies.
    if FRAMES_KEPT == 0 or settings.DEBUG or version is None or len(get_messages(request)):
        return None
    user = request.user
    unread = unread_count_for(request)
    notices = unread_notices(user, count=unread)
    if notices:
        context["notices"] = notices  # read once: the usual rendering shows them
        return None
    key = _facts(request, context, version, unread)
    frame = _frames.get_many([key]).get(key)
    if frame is None:
        frame = _render_frame(request, context)
        _frames.set_many({key: frame}, limit=FRAMES_KEPT)
    form = context["form"]
    own = {
        "thread": str(context["rendered_nodes"]),
        "member-name": conditional_escape(user.display_name),
        "member-url": conditional_escape(user.get_absolute_url()),
        "form-key": conditional_escape(form["idempotency_key"].value()) if form else "",
        "form-time": conditional_escape(form["shown_at"].value()) if form else "",
        "csrf-token": conditional_escape(context.get("csrf_token") or get_token(request)),
    }
    return HttpResponse(_HOLE.sub(lambda hole: own[hole.group(1) or "csrf-token"], frame))


def forget_all() -> None:
    """Drop every frame of this process (tests; a deploy restarts the processes)."""
    _frames.clear()


def _facts(request, context: dict, version: str, unread: int) -> tuple:
    """Everything the frame shows that is not a hole (forum/question.html, base.html)."""
    question, thread, user = context["question"], context["thread"], request.user
    article = question.article
    slow_mode = getattr(question, "slow_mode", None)
    moderates = sees_the_desk(user)
    follow = context["follow_button"]
    return (
        get_language(), request.get_full_path(), version,
        question.pk, question.slug, question.position, question.text, question.state,
        question.answer_count, slow_mode.minutes if slow_mode else None,
        article.pk, article.slug, article.title, article.lang,
        thread.sort, thread.number, thread.has_next, thread.new_count, context["has_nodes"],
        context["refusal"], context["unverified"], context["form"] is not None,
        astuple(follow) if follow else None,
        user.is_staff, unread, moderates, waiting_count() if moderates else None,
    )  # fmt: skip


def _render_frame(request, context: dict) -> str:
    holes = {
        "user": FrameMember(is_staff=request.user.is_staff),
        "csrf_token": CSRF_PLACEHOLDER,
        "rendered_nodes": HOLES["thread"],
    }
    if context["form"] is not None:
        initial = {"idempotency_key": HOLES["form-key"], "shown_at": HOLES["form-time"]}
        holes["form"] = AnswerForm.for_thread(initial=initial)
    return render_to_string(TEMPLATE, context | holes, request)
