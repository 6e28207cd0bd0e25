"""Voting on an answer: the hot path, kept lean (see forum.voting)."""

import re

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_TOKEN_LENGTH, get_token
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from .. import ratelimit
from ..rendering import render_vote_widget
from ..rules import score_visible, vote_target_refusal, voting_refusal
from ..voting import do_set_vote, vote_of
from .access import access_vote_target
from .site import bad_request, referring_page, too_many_requests
from .threads import answer_url_prefix
from .writing import in_context


def _back_to(request, answer) -> str:
    """The page the vote was cast from (same site only), scrolled to the answer."""
    if page := referring_page(request):
        return f"{page}#a{answer.pk}"
    return in_context(answer)


# A token as {% csrf_token %} writes it: the secret masked (a raw secret is 32 characters).
MASKED_TOKEN = re.compile(f"[{re.escape(CSRF_ALLOWED_CHARS)}]{{{CSRF_TOKEN_LENGTH}}}")


def _widget_token(request) -> str:
    """The CSRF token for the widget's form: the masked token this vote came with, the one
    CsrfViewMiddleware just checked (the form's field, else the header, in its order) and
    that the voter's page already holds. Masking the secret again would cost 32 draws of
    the system's random source and set the cookie again, for no secret the page does not
    already show. A raw secret (a script may send the cookie's value) is never written
    into a page: the widget then gets a freshly masked one."""
    sent = request.POST.get("csrfmiddlewaretoken") or request.META.get(
        settings.CSRF_HEADER_NAME, ""
    )
    return sent if MASKED_TOKEN.fullmatch(sent) else get_token(request)


def _rate_limited(request) -> int | None:
    return ratelimit.hit(
        ("vote-member", str(request.user.pk), settings.RATE_LIMIT_VOTE_MEMBER),
        ("vote-ip", ratelimit.client_ip(request), settings.RATE_LIMIT_VOTE_IP),
    )


@require_POST
def vote(request, pk):
    """Set the member's vote on an answer to +1, 0 or -1 (never a toggle)."""
    answer = access_vote_target(request, pk)
    if not request.user.is_authenticated:
        # Back to the answer on its page after signing in: the vote itself is a POST,
        # which a redirect cannot repeat.
        if request.htmx:
            login = reverse("account_login") + "?" + urlencode({"next": in_context(answer)})
            return HttpResponseClientRedirect(login)
        return redirect_to_login(in_context(answer))
    raw = request.POST.get("value", "")
    value = int(raw) if raw in {"1", "0", "-1"} else None
    status, error, retry_after = 200, "", None
    if value is None:
        status, error = 400, _("A vote is 1, 0 or -1.")
    elif refusal := voting_refusal(request.user, answer):
        status, error = 403, refusal
    elif retry_after := _rate_limited(request):
        status = 429
        error = _("You are voting too often. Please wait %(seconds)s seconds.") % {
            "seconds": retry_after
        }
    else:
        answer = do_set_vote(voter=request.user, answer=answer, value=value)
    if not request.htmx:
        if status == 400:
            return bad_request(request, error)
        if status == 403:
            raise PermissionDenied(error)
        if status == 429:
            return too_many_requests(request, retry_after=retry_after)
        return redirect(_back_to(request, answer))
    # The widget needs no context processor (its CSRF token is passed in).
    widget = render_vote_widget(
        answer=answer,
        csrf_token=_widget_token(request),
        my_vote=value if status == 200 else vote_of(request.user, answer),
        can_vote=answer.author_id != request.user.pk and not vote_target_refusal(answer),
        score_hidden=not score_visible(request.user, answer),
        answer_url_prefix=answer_url_prefix(),
        vote_error=error,
    )
    response = HttpResponse(widget, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    if status == 200:
        message = _("Vote recorded.") if value else _("Vote taken back.")
        trigger_client_event(response, "agora:announce", {"message": message}, after="settle")
    return response
