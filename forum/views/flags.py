"""Flagging an answer for the moderators, and taking one's flag back before they decide."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from .. import ratelimit
from ..models import Answer, Flag
from ..moderation.actions import check_flag, do_withdraw_flag
from ..rules import flag_target_refusal, flagging_refusal, has_verified_email, may_see
from .access import MAX_ID, access_answer
from .site import too_many_requests
from .threads import answer_url_prefix
from .writing import in_context

NOTE_MAX_LENGTH = 500  # Flag.note: a few sentences for the moderators, not a second answer


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        choices=Flag.Reason.choices,
        error_messages={
            "required": gettext_lazy("Choose the reason for your flag."),
            "invalid_choice": gettext_lazy("Choose the reason for your flag from the list."),
        },
    )
    note = forms.CharField(
        max_length=NOTE_MAX_LENGTH,
        required=False,
        error_messages={
            "max_length": gettext_lazy("Keep your note to %(limit_value)d characters at most.")
        },
    )

    def clean(self):
        data = super().clean()
        if data.get("reason") == Flag.Reason.OTHER and not data.get("note"):
            self.add_error("note", _("Say in a few words what is wrong with this answer."))
        return data


def _confirmation(flag: Flag) -> str:
    return _("You flagged this answer: %(reason)s. Moderators will look at it.") % {
        "reason": flag.get_reason_display()
    }


def _back_to(user, answer: Answer) -> str:
    """The answer in its context; once flags have hidden it, the conversation it was in."""
    if may_see(user, answer):
        return in_context(answer)
    if answer.parent_id:
        return reverse("forum:answer", kwargs={"pk": answer.parent_id}) + f"#a{answer.pk}"
    return answer.question.get_absolute_url()


def _sign_in_first(request, next_url: str):
    if request.htmx:
        login = reverse("account_login") + "?" + urlencode({"next": next_url})
        return HttpResponseClientRedirect(login)
    return redirect_to_login(next_url)


def _rate_limited(request) -> int | None:
    return ratelimit.hit(
        ("flag-member", str(request.user.pk), settings.RATE_LIMIT_FLAG_MEMBER),
        ("flag-ip", ratelimit.client_ip(request), settings.RATE_LIMIT_FLAG_IP),
    )


def _refused(request, answer: Answer, message: str):
    """403 with the sentence: the site's page, or under htmx the sentence in the answer's
    slot (htmx swaps 4xx answers on this site)."""
    if not request.htmx:
        raise PermissionDenied(message)
    context = {
        "answer": answer,
        "message": message,
        "unverified": not has_verified_email(request.user),
    }
    return render(request, "forum/flag.html#refusal", context, status=403)


def _page(request, answer: Answer, partial: str, status: int = 200, **context):
    """One part of forum/flag.html: alone under htmx, else inside the whole page."""
    context |= {
        "answer": answer,
        "question": answer.question,
        "article": answer.question.article,
        "shown": partial,
        "answer_url_prefix": answer_url_prefix(),
        "oob": bool(request.htmx),
        "csrf_value": get_token(request),  # for the answer's flag control (see question.html)
    }
    template = f"forum/flag.html#{partial}" if request.htmx else "forum/flag.html"
    return render(request, template, context, status=status)


def _form(request, answer: Answer, form: FlagForm, status: int = 200, **extra):
    return _page(request, answer, "form", status, form=form, reasons=Flag.Reason.choices, **extra)


@require_http_methods(["GET", "POST"])
def flag(request, pk):
    """Ask the moderators to look at an answer, with a reason (GET: the form)."""
    answer = access_answer(request, pk)
    if not request.user.is_authenticated:
        # After signing in: the form again, or for a POST (which cannot be repeated) the
        # answer it was about.
        comeback = request.get_full_path() if request.method == "GET" else in_context(answer)
        return _sign_in_first(request, comeback)
    if refusal := flagging_refusal(request.user, answer):
        return _refused(request, answer, refusal)
    if request.method == "GET":
        mine = Flag.objects.filter(answer=answer, reporter=request.user).first()
        if mine is not None:
            return _page(request, answer, "flagged", flag=mine, can_flag=False)
        return _form(request, answer, FlagForm(), autofocus=bool(request.htmx))

    form = FlagForm(request.POST)
    if not form.is_valid():
        return _form(request, answer, form, status=400, autofocus=True)
    if retry_after := _rate_limited(request):
        if not request.htmx:
            return too_many_requests(request, retry_after=retry_after)
        notice = _("You are flagging too often. Please wait %(seconds)s seconds.") % {
            "seconds": retry_after
        }
        response = _form(request, answer, form, status=429, notice=notice)
        response["Retry-After"] = str(retry_after)
        return response
    try:
        mine = check_flag(
            reporter=request.user,
            answer=answer,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
    except PermissionDenied as refusal:  # something changed since the check above
        return _refused(request, answer, str(refusal))
    if mine.status != Flag.Status.OPEN:  # one flag per member and answer, decided already
        return _refused(
            request,
            answer,
            _("You already flagged this answer, and a moderator has decided on it."),
        )
    if not request.htmx:
        messages.success(request, _confirmation(mine))
        return redirect(_back_to(request.user, answer))
    response = _page(request, answer, "flagged", flag=mine, can_flag=False)
    return trigger_client_event(
        response, "agora:announce", {"message": _confirmation(mine)}, after="settle"
    )


def _access_flagged(request, pk: int) -> Answer:
    """access_answer, and also an answer this member flagged that flags have since hidden:
    their flag stays theirs to withdraw until a moderator decides."""
    try:
        return access_answer(request, pk)
    except Http404:
        if not request.user.is_authenticated or pk > MAX_ID:
            raise
        answer = (
            Answer.objects.select_related("author", "question__article")
            .filter(pk=pk, flags__reporter=request.user, flags__status=Flag.Status.OPEN)
            .first()
        )
        if answer is None or not answer.question.article.is_published:
            raise
        return answer


@require_POST
def withdraw_flag(request, pk):
    """Take back one's flag on an answer, as long as no moderator has decided on it."""
    answer = _access_flagged(request, pk)
    if not request.user.is_authenticated:
        return _sign_in_first(request, in_context(answer))
    # No flag at all (a second click) is the same outcome as the first one; a decided flag
    # stays, as the moderator's decision rests on it.
    withdrawn = do_withdraw_flag(reporter=request.user, answer=answer)
    if not withdrawn and Flag.objects.filter(answer=answer, reporter=request.user).exists():
        return _refused(
            request,
            answer,
            _("A moderator has already decided on your flag: it can no longer be withdrawn."),
        )
    message = _("Your flag is withdrawn.")
    if not request.htmx:
        messages.success(request, message)
        return redirect(_back_to(request.user, answer))
    own = request.user.pk == answer.author_id
    can_flag = not own and not flag_target_refusal(answer)
    response = _page(request, answer, "withdrawn", message=message, can_flag=can_flag)
    return trigger_client_event(response, "agora:announce", {"message": message}, after="settle")
