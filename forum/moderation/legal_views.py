"""The legal side of moderation, on screen: the public form that notifies illegal content
(DSA art. 16), the forms that appeal a decision or contest one (art. 20), and the desk's
pages that decide on notices and appeals. Each view reads access → check → ``do_*`` →
respond; every form is a plain form that works without JavaScript (POST, then redirect)."""

import time

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from .. import ratelimit
from ..forms import visible_text
from ..models import Appeal, Flag, ModerationAction, Notice
from ..views.access import MAX_ID, access_answer
from ..views.site import bad_request
from . import queue as desk
from .access import moderator_required
from .actions import DecisionRefused
from .appeals import (
    AppealRefused,
    appeal_deadline,
    appeal_refusal,
    check_appeal,
    check_contest,
    check_decide_appeal,
    contest_refusal,
    decide_refusal,
)
from .notices import (
    NoticeRefused,
    check_notify,
    contest_deadline,
    do_act_on_notice,
    do_reject_notice,
    notice_from_token,
    notice_refusal,
)
from .views import first_error

Verb = ModerationAction.Verb
TEXT_MAX_LENGTH = 5000  # Notice.explanation and Appeal.text: a letter, not a file
REASON_MAX_LENGTH = 2000  # the words for the person, as on the rest of the desk
MAX_OFFSET = 1_000_000  # "more" goes PER_PAGE at a time; a larger offset is a forged address
_FILL_SALT = "forum.moderation.notice-form"
_SENT_SALT = "forum.moderation.notice-sent"
_FORM_MAX_AGE = 60 * 60 * 24  # a form left open overnight still posts
_SENT_MAX_AGE = 60 * 60  # the confirmation page, reloaded within the hour


# --- What the forms send ---------------------------------------------------------------------


class NoticeForm(forms.Form):
    """A notice of illegal content, from anyone: the ground, why, who (optional), good faith;
    and the answer form's two bot traps (a honeypot, a minimum time to fill it)."""

    ground = forms.ChoiceField(
        choices=Notice.Ground.choices,
        error_messages={
            "required": gettext_lazy("Choose the legal ground of your notice."),
            "invalid_choice": gettext_lazy("Choose the legal ground from the list."),
        },
    )
    explanation = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        error_messages={
            "required": gettext_lazy("Explain why this answer is illegal."),
            "max_length": gettext_lazy("Keep your explanation to %(limit_value)d characters."),
        },
    )
    name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(
        max_length=254,
        required=False,
        error_messages={
            "invalid": gettext_lazy("Enter a valid e-mail address, or leave the field empty.")
        },
    )
    good_faith = forms.BooleanField(
        error_messages={
            "required": gettext_lazy(
                "Tick the declaration of good faith: a notice cannot be sent without it."
            )
        }
    )
    # The version of the answer the form quoted: a notice quotes the text its sender saw.
    version = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    shown_at = forms.CharField(widget=forms.HiddenInput, required=False)
    website = forms.CharField(required=False)  # hidden from people by CSS; bots fill it

    def clean_explanation(self):
        text = self.cleaned_data["explanation"]
        if not visible_text(text):
            raise forms.ValidationError(_("Explain why this answer is illegal."))
        return text

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(_("This notice could not be sent."), code="honeypot")
        return ""

    def clean_shown_at(self):
        try:
            shown_at = signing.loads(
                self.cleaned_data.get("shown_at", ""), salt=_FILL_SALT, max_age=_FORM_MAX_AGE
            )
        except signing.BadSignature:
            raise forms.ValidationError(
                _("This form is too old or damaged: reload the page and try again."), code="stale"
            ) from None
        if time.time() - shown_at < settings.ANSWER_MIN_FILL_SECONDS:
            raise forms.ValidationError(
                _("That was very fast: read your notice again, then send it."), code="too_fast"
            )
        return ""


class AppealForm(forms.Form):
    text = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        error_messages={
            "required": gettext_lazy("Say why you think this decision is wrong."),
            "max_length": gettext_lazy("Keep your text to %(limit_value)d characters."),
        },
    )

    def clean_text(self):
        text = self.cleaned_data["text"]
        if not visible_text(text):
            raise forms.ValidationError(_("Say why you think this decision is wrong."))
        return text


class NoticeDecisionForm(forms.Form):
    verb = forms.ChoiceField(choices=[("remove", "remove"), ("reject", "reject")])
    version = forms.IntegerField(min_value=1, max_value=MAX_ID)
    reason = forms.CharField(
        max_length=REASON_MAX_LENGTH,
        error_messages={
            "required": gettext_lazy("Give the reasons of the decision: the notifier is sent them.")
        },
    )


class AppealDecisionForm(forms.Form):
    verb = forms.ChoiceField(choices=[(Verb.UPHOLD, "uphold"), (Verb.REVERSE, "reverse")])
    reason = forms.CharField(
        max_length=REASON_MAX_LENGTH,
        error_messages={
            "required": gettext_lazy(
                "Give the reasons of the decision on the appeal: the appellant is sent them."
            )
        },
    )


# --- Notifying illegal content (anyone) ---------------------------------------------------------


def _notice_page(request, answer, form, *, status=200, **extra):
    context = {
        "answer": answer,
        "question": answer.question,
        "article": answer.question.article,
        "form": form,
        "grounds": Notice.Ground.choices,
        **extra,
    }
    return render(request, "moderation/notice_form.html", context, status=status)


def _blank_notice_form(request, answer, **data) -> NoticeForm:
    initial = {
        "version": answer.version,
        "shown_at": signing.dumps(time.time(), salt=_FILL_SALT),
    }
    if request.user.is_authenticated:
        initial["email"] = request.user.email
    return NoticeForm(initial=initial | data)


def _sent_notice(request, answer) -> Notice | None:
    """The notice the confirmation address names (signed), if it is about this answer."""
    try:
        pk = signing.loads(request.GET["sent"], salt=_SENT_SALT, max_age=_SENT_MAX_AGE)
    except signing.BadSignature:
        return None
    return Notice.objects.filter(pk=pk, answer=answer).first() if isinstance(pk, int) else None


@require_http_methods(["GET", "POST"])
def notice(request, pk):
    """Notify an answer as illegal content: no account needed; limited per address."""
    answer = access_answer(request, pk)
    if request.method == "GET" and "sent" in request.GET:
        sent = _sent_notice(request, answer)
        if sent is None:
            raise Http404(_("There is no such notice."))
        return _notice_page(request, answer, None, sent=sent)
    if refusal := notice_refusal(answer):
        raise PermissionDenied(refusal)
    if request.method == "GET":
        return _notice_page(request, answer, _blank_notice_form(request, answer))

    form = NoticeForm(request.POST)
    if not form.is_valid():
        return _notice_page(request, answer, form, status=400)
    if form.cleaned_data["version"] != answer.version:
        # The notifier must vouch for the text they notify: show them the text as it is now.
        kept = {
            name: form.cleaned_data[name] for name in ("ground", "explanation", "name", "email")
        }
        changed = _("This answer changed since you opened the form. Read it again below: "
                    "if it is still illegal, send your notice again.")  # fmt: skip
        return _notice_page(
            request, answer, _blank_notice_form(request, answer, **kept), status=409,
            notice_message=changed,
        )  # fmt: skip
    if retry_after := ratelimit.hit(
        ("notice-ip", ratelimit.client_ip(request), settings.RATE_LIMIT_NOTICE_IP)
    ):
        message = _(
            "Too many notices were sent from your connection. Please wait %(seconds)s "
            "seconds: what you wrote is kept below."
        ) % {"seconds": retry_after}
        response = _notice_page(request, answer, form, status=429, notice_message=message)
        response["Retry-After"] = str(retry_after)
        return response
    data = form.cleaned_data
    sent = check_notify(
        answer=answer,
        ground=data["ground"],
        explanation=data["explanation"],
        name=data["name"],
        email=data["email"],
        notifier=request.user if request.user.is_authenticated else None,
        language=get_language(),
    )
    token = signing.dumps(sent.pk, salt=_SENT_SALT)
    return redirect(f"{request.path}?{urlencode({'sent': token})}")


# --- Appealing a decision (the member concerned) ------------------------------------------------


def access_action(action_id: int) -> ModerationAction:
    if action_id > MAX_ID:
        raise Http404(_("There is no such decision."))
    return get_object_or_404(
        ModerationAction.objects.select_related("actor", "answer__question__article", "member"),
        pk=action_id,
    )


def _appeal_page(request, *, status=200, **context):
    return render(request, "moderation/appeal_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def appeal(request, action_id):
    """Appeal a removal of one's answer or a sanction on oneself, once, within the window."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    action = access_action(action_id)
    mine = (
        Appeal.objects.filter(action=action, appellant=request.user)
        .select_related("outcome")
        .first()
    )
    if request.method == "GET" and mine is not None:
        return _appeal_page(request, action=action, appeal=mine)
    if refusal := appeal_refusal(request.user, action):
        raise PermissionDenied(refusal)
    context = {"action": action, "deadline": appeal_deadline(action)}
    if request.method == "GET":
        return _appeal_page(request, form=AppealForm(), **context)
    form = AppealForm(request.POST)
    if not form.is_valid():
        return _appeal_page(request, form=form, status=400, **context)
    check_appeal(appellant=request.user, action=action, text=form.cleaned_data["text"])
    messages.success(request, _("Your appeal is received. You will be told the outcome."))
    return redirect(request.path)


@require_http_methods(["GET", "POST"])
def contest(request, token):
    """Contest a decision not to act on one's notice, from the signed link of its e-mail."""
    notice = notice_from_token(token)
    if notice is None:
        raise Http404(_("This link is damaged or was not sent by us."))
    mine = Appeal.objects.filter(notice=notice).select_related("outcome").first()
    context = {
        "action": notice.decision,
        "notice": notice,
        "answer_url": notice.answer.get_absolute_url(),
    }
    if request.method == "GET" and mine is not None:
        return _appeal_page(request, appeal=mine, **context)
    if refusal := contest_refusal(notice):
        raise PermissionDenied(refusal)
    context["deadline"] = contest_deadline(notice)
    if request.method == "GET":
        return _appeal_page(request, form=AppealForm(), **context)
    form = AppealForm(request.POST)
    if not form.is_valid():
        return _appeal_page(request, form=form, status=400, **context)
    check_contest(notice=notice, text=form.cleaned_data["text"])
    messages.success(request, _("Your complaint is received. You will be told the outcome."))
    return redirect(request.path)


# --- The desk: notices ----------------------------------------------------------------------------


def _offset(request) -> int:
    after = request.GET.get("after") or "0"
    if not after.isdecimal() or int(after) > MAX_OFFSET:
        raise ValueError(_("The position in the list must be a number."))
    return int(after)


def _tabs_context(tab: str) -> dict:
    """What the queue's tabs partial shows, from the notices and appeals pages."""
    return {
        "tab": tab,
        "counts": desk.tab_counts(),
        "legal_counts": desk.legal_counts(),
        "tab_urls": {name: reverse("moderation:queue") + f"?tab={name}" for name in desk.TABS},
    }


def _with_context(answers) -> dict[int, desk.Item]:
    """Each answer as the queue shows it (its flags, its author's record), in a fixed number
    of queries for any number of answers."""
    items = {answer.pk: desk.Item(answer=answer) for answer in answers}
    for flag in (
        Flag.objects.filter(answer__in=items).select_related("reporter").order_by("created_at")
    ):
        items[flag.answer_id].flags.append(flag)
    histories = desk.author_histories({item.answer.author_id for item in items.values()})
    for item in items.values():
        item.history = histories[item.answer.author_id]
    return items


ANSWER_IN_CONTEXT = ("answer__author", "answer__question__article", "answer__parent__author")


def _notices_page(request, *, status=200, **extra):
    try:
        after = _offset(request)
    except ValueError as error:
        return bad_request(request, str(error))
    page = list(
        Notice.objects.filter(status=Notice.Status.OPEN)
        .select_related(*ANSWER_IN_CONTEXT, "notifier")
        .order_by("created_at", "id")[after : after + desk.PER_PAGE + 1]
    )
    notices, more = page[: desk.PER_PAGE], len(page) > desk.PER_PAGE
    items = _with_context([n.answer for n in notices])
    open_on = dict(
        Notice.objects.filter(status=Notice.Status.OPEN, answer__in=items)
        .values("answer")
        .annotate(n=Count("pk"))
        .values_list("answer", "n")
        .order_by()
    )
    for each in notices:
        each.item = items[each.answer_id]
        each.others_open = open_on.get(each.answer_id, 1) - 1
        each.edited_since = each.answer.body != each.quoted_text
    context = {
        **_tabs_context("notices"),
        "open_notices": notices,
        "more_url": f"{request.path}?after={after + desk.PER_PAGE}" if more else "",
        "next_url": request.get_full_path(),
        **extra,
    }
    return render(request, "moderation/notices.html", context, status=status)


@require_safe
@moderator_required
def notices(request):
    """Open notices of illegal content, oldest first, each with its answer in context."""
    return _notices_page(request)


def _access_notice(pk: int) -> Notice:
    if pk > MAX_ID:
        raise Http404(_("There is no such notice."))
    return get_object_or_404(Notice.objects.select_related("answer"), pk=pk)


@require_POST
@moderator_required
def decide_notice(request, pk):
    """Remove the notified answer as illegal, or take no action, with the reasons."""
    notice = _access_notice(pk)
    form = NoticeDecisionForm(request.POST)
    if not form.is_valid():
        return bad_request(request, first_error(form))
    data = form.cleaned_data
    try:
        if data["verb"] == "remove":
            do_act_on_notice(
                moderator=request.user, notice=notice, seen_version=data["version"],
                reason=data["reason"],
            )  # fmt: skip
            message = _("Notice no. %(number)s: the answer is removed as illegal content.")
        else:
            do_reject_notice(moderator=request.user, notice=notice, reason=data["reason"])
            message = _("Notice no. %(number)s: no action taken. The notifier is told why.")
    except (DecisionRefused, NoticeRefused) as refusal:
        return _notices_page(request, status=409, refusal=refusal.message)
    messages.success(request, message % {"number": notice.pk})
    return redirect("moderation:notices")


# --- The desk: appeals ----------------------------------------------------------------------------


def _appeals_page(request, *, status=200, **extra):
    try:
        after = _offset(request)
    except ValueError as error:
        return bad_request(request, str(error))
    page = list(
        Appeal.objects.filter(status=Appeal.Status.OPEN)
        .select_related(
            "appellant",
            "notice",
            "action__actor",
            "action__member",
            *(f"action__{name}" for name in ANSWER_IN_CONTEXT),
        )
        .order_by("created_at", "id")[after : after + desk.PER_PAGE + 1]
    )
    appeals, more = page[: desk.PER_PAGE], len(page) > desk.PER_PAGE
    items = _with_context([a.action.answer for a in appeals if a.action.answer_id])
    for each in appeals:
        each.item = items.get(each.action.answer_id)
        each.refusal = decide_refusal(request.user, each)
    context = {
        **_tabs_context("appeals"),
        "appeals": appeals,
        "more_url": f"{request.path}?after={after + desk.PER_PAGE}" if more else "",
        "now": timezone.now(),
        **extra,
    }
    return render(request, "moderation/appeals.html", context, status=status)


@require_safe
@moderator_required
def appeals(request):
    """Open appeals and complaints, oldest first, each with the decision appealed."""
    return _appeals_page(request)


def _access_appeal(pk: int) -> Appeal:
    if pk > MAX_ID:
        raise Http404(_("There is no such appeal."))
    return get_object_or_404(Appeal.objects.select_related("action", "notice", "appellant"), pk=pk)


@require_POST
@moderator_required
def decide_appeal(request, pk):
    """Uphold or reverse the decision appealed; never by the moderator who took it."""
    appeal_ = _access_appeal(pk)
    form = AppealDecisionForm(request.POST)
    if not form.is_valid():
        return bad_request(request, first_error(form))
    verb = form.cleaned_data["verb"]
    try:
        check_decide_appeal(  # PermissionDenied: the 403 page says why
            moderator=request.user, appeal=appeal_, verb=verb, reason=form.cleaned_data["reason"]
        )
    except (AppealRefused, DecisionRefused) as refusal:
        return _appeals_page(request, status=409, refusal=refusal.message)
    if verb == Verb.UPHOLD:
        message = _("Appeal no. %(number)s: the decision is upheld.")
    else:
        message = _("Appeal no. %(number)s: the decision is reversed.")
    messages.success(request, message % {"number": appeal_.pk})
    return redirect("moderation:appeals")
