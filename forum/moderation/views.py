"""The moderator's desk: the queue, decisions on answers, a member's moderation page and
the state of a question. Every view is for moderators past their second factor
(forum.moderation.access); each one reads access → check → ``do_*`` → respond, and every
form works without JavaScript (POST, then redirect back with a message)."""

from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from articles.models import Article, Question

from ..models import MODERATORS_GROUP, Answer, Flag, ModerationAction, User
from ..views.access import MAX_ID
from ..views.site import bad_request
from . import queue as desk
from .access import access_any_answer, access_member, moderator_required
from .actions import (
    DECISIONS,
    MAX_SLOW_MODE_MINUTES,
    QUESTION_STATES,
    RESTRICTIONS,
    SANCTIONS,
    DecisionRefused,
    do_bulk_decide,
    do_decide,
    do_note,
    do_sanction,
    do_set_question_state,
    do_set_slow_mode,
)
from .trust import trust_level

Verb = ModerationAction.Verb
Status = Answer.Status

# Not a verb of the log: one form's button that removes the answer and suspends its author.
REMOVE_AND_SUSPEND = "remove_suspend"
MAX_SUSPENSION_DAYS = 365  # longer than a year is a ban, and says so
REASON_MAX_LENGTH = 2000  # the words for the person: a paragraph, not an essay
BULK_MAX = 100  # a bulk decision takes one row lock per answer, one after the other
MAX_OFFSET = 1_000_000  # "more" goes 20 at a time; a larger offset is a forged address
TEMPLATE = "moderation/queue.html"


# --- What the forms send ------------------------------------------------------------------


class DecisionForm(forms.Form):
    verb = forms.ChoiceField(choices=[(v, v) for v in (*DECISIONS, REMOVE_AND_SUSPEND)])
    version = forms.IntegerField(min_value=1, max_value=MAX_ID)
    rule = forms.ChoiceField(choices=Flag.Reason.choices, required=False)
    reason = forms.CharField(max_length=REASON_MAX_LENGTH, required=False)
    suspend_days = forms.IntegerField(min_value=1, max_value=MAX_SUSPENSION_DAYS, required=False)

    def clean(self):
        data = super().clean()
        verb = data.get("verb")
        if verb == Verb.SPAM and not data.get("rule"):
            data["rule"] = Flag.Reason.SPAM
        if verb in (*RESTRICTIONS, REMOVE_AND_SUSPEND) and not (
            data.get("rule") and data.get("reason", "").strip()
        ):
            raise forms.ValidationError(
                _("A removal needs the rule it breaks and a reason for its author.")
            )
        if verb == REMOVE_AND_SUSPEND and not data.get("suspend_days"):
            raise forms.ValidationError(
                _("Say for how many days the author is suspended (1 to %(max)s).")
                % {"max": MAX_SUSPENSION_DAYS}
            )
        return data


class BulkForm(forms.Form):
    verb = forms.ChoiceField(choices=[(Verb.APPROVE, ""), (Verb.REMOVE, "")])
    rule = forms.ChoiceField(choices=Flag.Reason.choices, required=False)
    reason = forms.CharField(max_length=REASON_MAX_LENGTH, required=False)

    def clean(self):
        data = super().clean()
        if data.get("verb") == Verb.REMOVE and not (
            data.get("rule") and data.get("reason", "").strip()
        ):
            raise forms.ValidationError(
                _("A removal needs the rule it breaks and a reason for its author.")
            )
        return data


class SanctionForm(forms.Form):
    verb = forms.ChoiceField(choices=[(v, v) for v in SANCTIONS])
    reason = forms.CharField(max_length=REASON_MAX_LENGTH, required=False)
    rule = forms.ChoiceField(choices=Flag.Reason.choices, required=False)
    until = forms.DateField(required=False)
    confirm_spam_ban = forms.BooleanField(required=False)

    def clean(self):
        data = super().clean()
        verb = data.get("verb")
        if not data.get("reason", "").strip():
            raise forms.ValidationError(_("A sanction needs a reason, which the member is shown."))
        if verb == Verb.SUSPEND:
            data["until"] = _start_of(data.get("until"))
            if data["until"] is None or data["until"] <= timezone.now():
                raise forms.ValidationError(_("A suspension ends on a date in the future."))
        else:
            data["until"] = None
        if verb == Verb.SPAM_BAN and not data.get("confirm_spam_ban"):
            raise forms.ValidationError(
                _("Confirm the spam ban: it marks every answer of the member as spam.")
            )
        return data


class NoteForm(forms.Form):
    text = forms.CharField(max_length=2000, strip=True)


class QuestionStateForm(forms.Form):
    verb = forms.ChoiceField(choices=[(v, v) for v in QUESTION_STATES])
    reason = forms.CharField(max_length=REASON_MAX_LENGTH, strip=True)


def _start_of(day) -> datetime | None:
    """A suspension "until" a date ends as that day begins, in the site's time zone."""
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, time.min))


def first_error(form) -> str:
    """The one sentence a 400 says: which field was wrong, or the form's own."""
    for name, errors in form.errors.items():
        if name != NON_FIELD_ERRORS:
            return _("%(field)s: %(error)s") % {
                "field": FIELD_NAMES.get(name, name),
                "error": errors[0],
            }
    return form.non_field_errors()[0]


FIELD_NAMES = {
    "verb": gettext_lazy("decision"),
    "version": gettext_lazy("version"),
    "rule": gettext_lazy("rule"),
    "reason": gettext_lazy("reason"),
    "suspend_days": gettext_lazy("days of suspension"),
    "until": gettext_lazy("end of the suspension"),
    "text": gettext_lazy("note"),
    "minutes": gettext_lazy("minutes"),
}


# --- Where to go back to --------------------------------------------------------------


def _next(request, default: str) -> str:
    """The page a form came from (its ``next`` field), when it is a page of this site."""
    return _same_site(request, request.POST.get("next", "")) or default


def _same_site(request, target: str) -> str:
    """``target`` if it is a page of this site, else ""."""
    if (
        target.startswith("/")
        and not target.startswith("//")
        and target.isprintable()
        and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    ):
        return target
    return ""


def _queue_url(**filters) -> str:
    """The queue's address with these filters (those without a value left out)."""
    query = {name: value for name, value in filters.items() if value}
    url = reverse("moderation:queue")
    return f"{url}?{urlencode(query)}" if query else url


# --- The queue -------------------------------------------------------------------------


class BadFilter(Exception):
    pass


def _filters(request) -> dict:
    """The queue's tab, filters and offset from its address; BadFilter when one is wrong."""
    get = request.GET
    tab = get.get("tab") or "pending"
    if tab not in desk.TABS:
        raise BadFilter(_("There is no such tab in the queue."))
    after = get.get("after") or "0"
    if not after.isdecimal() or int(after) > MAX_OFFSET:
        raise BadFilter(_("The position in the queue must be a number."))
    article = question = None
    if slug := get.get("article"):
        # A NUL is in no slug, and PostgreSQL refuses to compare it.
        article = (
            Article.objects.published().filter(slug=slug[:100]).first()
            if "\x00" not in slug
            else None
        )
        if article is None:
            raise BadFilter(_("There is no such published article."))
    if raw := get.get("question"):
        if not raw.isdecimal() or int(raw) > MAX_ID:
            raise BadFilter(_("There is no such question."))
        question = (
            Question.objects.select_related("article", "slow_mode")
            .filter(article__in=Article.objects.published(), pk=int(raw))
            .first()
        )
        if question is None:
            raise BadFilter(_("There is no such question."))
        article = question.article  # the question says which article
    return {"tab": tab, "article": article, "question": question, "after": int(after)}


def _mark_moderators(items) -> None:
    """Which authors are moderators (not sanctioned from the desk), in one query."""
    authors = {item.answer.author_id for item in items}
    moderators = (
        set(
            User.objects.filter(pk__in=authors)
            .filter(Q(is_staff=True) | Q(groups__name=MODERATORS_GROUP))
            .values_list("pk", flat=True)
        )
        if authors
        else set()
    )
    for item in items:
        item.author_is_moderator = item.answer.author_id in moderators


def _filter_choices() -> list[tuple[Article, list[Question]]]:
    """Published articles and their questions, for the filter's menus (two queries)."""
    articles = list(Article.objects.published().order_by("-published_at", "-id"))
    questions = {article.pk: [] for article in articles}
    for question in Question.objects.filter(article__in=articles).order_by("article", "position"):
        questions[question.article_id].append(question)
    return [(article, questions[article.pk]) for article in articles]


def _kept(article, question) -> dict:
    """The filters the queue's addresses keep: a question, or else an article."""
    if question is not None:
        return {"question": question.pk}
    return {"article": article.slug} if article is not None else {}


def _page_context(request, *, tab, article, question, after) -> dict:
    kept = _kept(article, question)
    return {
        "tab": tab,
        "counts": desk.tab_counts(),
        "legal_counts": desk.legal_counts(),
        "article": article,
        "question": question,
        "after": after,
        "next_url": _queue_url(tab=tab, after=after, **kept),
        "tab_urls": {name: _queue_url(tab=name, **kept) for name in desk.TABS},
        "filter_choices": _filter_choices(),
        "rules": Flag.Reason.choices,
        "shortcuts": request.user.keyboard_shortcuts,
        "max_suspension_days": MAX_SUSPENSION_DAYS,
    }


@require_safe
@moderator_required
def queue(request):
    """The queue: answers held for review, flagged answers, or the latest decisions."""
    try:
        filters = _filters(request)
    except BadFilter as error:
        return bad_request(request, str(error))
    context = _page_context(request, **filters)
    tab, after = filters["tab"], filters["after"]
    where = {"article": filters["article"], "question": filters["question"]}
    if tab == "decided":
        decisions = desk.recent_decisions(**where, after=after, limit=desk.PER_PAGE + 1)
        context["more"] = len(decisions) > desk.PER_PAGE
        context["decisions"] = decisions[: desk.PER_PAGE]
        labels = dict(Flag.Reason.choices)
        for action in context["decisions"]:
            action.rule_label = labels.get(action.rule, action.rule)
    else:
        context["items"], context["more"] = desk.queue_page(tab, **where, after=after)
        _mark_moderators(context["items"])
    if context["more"]:
        kept = _kept(filters["article"], filters["question"])
        context["more_url"] = _queue_url(tab=tab, after=after + desk.PER_PAGE, **kept)
    return render(request, TEMPLATE, context)


# --- Deciding on an answer ------------------------------------------------------------------


def _item_response(request, answer, *, status=200, **extra):
    """One item of the queue as it is now, with fresh forms: a fragment for htmx, else a
    page of its own."""
    answer = access_any_answer(answer.pk)  # with what the item shows of its context
    tab = request.POST.get("tab", "")
    item = desk.item_for(answer)
    _mark_moderators([item])
    context = {
        "item": item,
        "tab": tab if tab in desk.TABS else "",
        # In the queue's list, where the form of bulk decisions is
        "selectable": request.htmx and tab in ("pending", "flagged"),
        "next_url": _next(request, reverse("moderation:queue")),
        "rules": Flag.Reason.choices,
        "max_suspension_days": MAX_SUSPENSION_DAYS,
        **extra,
    }
    if request.htmx:
        return render(request, f"{TEMPLATE}#item", context, status=status)
    return render(request, "moderation/refused.html", context, status=status)


@require_POST
@moderator_required
def decide(request, pk):
    """One decision on one answer, on the version the moderator saw."""
    answer = access_any_answer(pk)
    form = DecisionForm(request.POST)
    typed = {"rule": request.POST.get("rule", ""), "reason": request.POST.get("reason", "")}
    if not form.is_valid():
        message = first_error(form)
        if request.htmx:
            return _item_response(request, answer, status=400, error=message, typed=typed)
        return bad_request(request, message)
    verb = form.cleaned_data["verb"]
    if verb == REMOVE_AND_SUSPEND and answer.author.is_moderator:
        raise PermissionDenied(_("Moderators are not sanctioned from the desk."))
    try:
        action = _apply(request.user, answer, form.cleaned_data)
    except DecisionRefused as refusal:
        return _item_response(request, refusal.answer, status=409, refusal=refusal.message,
                              typed=typed)  # fmt: skip
    message = _decided_message(action, answer, verb)
    if not request.htmx:
        messages.success(request, message)
        return redirect(_next(request, reverse("moderation:queue")))
    tab = request.POST.get("tab", "")
    if tab in ("pending", "flagged") and not desk.waiting(tab).filter(pk=answer.pk).exists():
        # Gone from this tab: the item leaves the list, the tabs say how many remain.
        counts, legal = desk.tab_counts(), desk.legal_counts()
        context = {"counts": counts, "tab": tab, "tab_urls": _tab_urls(request), "oob": True,
                   "legal_counts": legal}  # fmt: skip
        response = render(request, f"{TEMPLATE}#tabs", context)
        # The header's count too, as the tabs say it (it is otherwise cached a few seconds).
        waiting = {"moderation_waiting": sum(counts.values()) + sum(legal.values()), "oob": True}
        response.write(render_to_string("base.html#desk-link", waiting, request=request))
    else:
        response = _item_response(request, answer)
    trigger_client_event(response, "agora:announce", {"message": message}, after="settle")
    return trigger_client_event(response, "agora:decided", {"id": answer.pk}, after="settle")


def _apply(moderator, answer, data) -> ModerationAction:
    """The decision; for "remove and suspend", the removal and the suspension, both or
    neither."""
    with transaction.atomic():
        action = do_decide(
            moderator=moderator,
            answer=answer,
            verb=Verb.REMOVE if data["verb"] == REMOVE_AND_SUSPEND else data["verb"],
            seen_version=data["version"],
            rule=data["rule"],
            reason=data["reason"],
        )
        if data["verb"] == REMOVE_AND_SUSPEND:
            do_sanction(
                moderator=moderator,
                member=answer.author,
                verb=Verb.SUSPEND,
                reason=data["reason"],
                rule=data["rule"],
                until=timezone.now() + timedelta(days=data["suspend_days"]),
            )
    return action


def _tab_urls(request) -> dict:
    """The tabs' addresses, keeping the filters of the page the decision was made on."""
    query = QueryDict(urlsplit(_next(request, "/")).query)
    kept = {name: query.get(name, "") for name in ("article", "question")}
    return {name: _queue_url(tab=name, **kept) for name in desk.TABS}


def _decided_message(action, answer, verb) -> str:
    name = answer.author.display_name
    if verb == REMOVE_AND_SUSPEND:
        return _("The answer by %(name)s is removed, and its author suspended.") % {"name": name}
    return _("Decision on the answer by %(name)s: %(decision)s.") % {
        "name": name,
        "decision": action.get_verb_display(),
    }


@require_POST
@moderator_required
def bulk_decide(request):
    """The same decision (approve or remove) on the answers ticked in the queue."""
    form = BulkForm(request.POST)
    if not form.is_valid():
        return bad_request(request, first_error(form))
    try:
        seen = _versions_seen(request.POST)
    except ValueError as error:
        return bad_request(request, str(error))
    data = form.cleaned_data
    done, refused = do_bulk_decide(
        moderator=request.user, seen=seen, verb=data["verb"], rule=data["rule"],
        reason=data["reason"],
    )  # fmt: skip
    if done:
        messages.success(
            request,
            ngettext("%(count)s decision applied.", "%(count)s decisions applied.", len(done))
            % {"count": len(done)},
        )
    for refusal in refused:
        messages.warning(
            request,
            _("Not applied to the answer by %(name)s: %(why)s")
            % {"name": refusal.answer.author.display_name, "why": refusal.message},
        )
    if missing := len(seen) - len(done) - len(refused):
        messages.warning(
            request,
            ngettext("%(count)s answer no longer exists.", "%(count)s answers no longer exist.",
                     missing) % {"count": missing},
        )  # fmt: skip
    target = _next(request, reverse("moderation:queue"))
    return HttpResponseClientRedirect(target) if request.htmx else redirect(target)


def _versions_seen(post) -> dict[int, int]:
    """{answer id: version shown} for the ticked answers; ValueError saying what is wrong."""
    ids = post.getlist("answers")
    if not ids:
        raise ValueError(_("Tick at least one answer."))
    if len(ids) > BULK_MAX:
        raise ValueError(_("At most %(max)s answers at once.") % {"max": BULK_MAX})
    seen = {}
    for raw in ids:
        version = post.get(f"version_{raw}", "")
        if not (raw.isdecimal() and version.isdecimal() and 0 < int(raw) <= MAX_ID):
            raise ValueError(_("The list of answers was not sent whole: reload the queue."))
        seen[int(raw)] = min(int(version), MAX_ID)
    return seen


# --- A member -----------------------------------------------------------------------------


@require_safe
@moderator_required
def member(request, username):
    """A member as the desk sees them: standing, record, sanctions, notes, latest answers."""
    person = access_member(username)
    # Opened from the queue: a sanction goes back there.
    back = _same_site(request, request.GET.get("next", ""))
    context = {
        "person": person,
        "record": desk.member_record(person),
        "trust": trust_level(person),
        "back_url": back or reverse("moderation:queue"),
        "sanction_next": back or request.get_full_path(),
        "suspended": person.suspended_until is not None and person.suspended_until > timezone.now(),
        "rules": Flag.Reason.choices,
        "next_url": request.get_full_path(),
        "tomorrow": timezone.localdate() + timedelta(days=1),
        "max_suspension_days": MAX_SUSPENSION_DAYS,
    }
    return render(request, "moderation/member.html", context)


@require_POST
@moderator_required
def sanction(request, username):
    """Warn, pre-moderate, suspend, ban, spam-ban or lift: the member is told why."""
    person = access_member(username)
    form = SanctionForm(request.POST)
    if not form.is_valid():
        return bad_request(request, first_error(form))
    data = form.cleaned_data
    action = do_sanction(  # PermissionDenied for a moderator: the 403 page says why
        moderator=request.user, member=person, verb=data["verb"], reason=data["reason"],
        until=data["until"], rule=data["rule"],
    )  # fmt: skip
    messages.success(
        request,
        _("Sanction recorded for %(name)s: %(decision)s.")
        % {"name": person.display_name, "decision": action.get_verb_display()},
    )
    default = reverse("moderation:member", kwargs={"username": person.username})
    return redirect(_next(request, default))


@require_POST
@moderator_required
def note(request, username):
    """A note on a member for the other moderators (never shown to the member)."""
    person = access_member(username)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return bad_request(request, first_error(form))
    do_note(moderator=request.user, member=person, text=form.cleaned_data["text"])
    messages.success(request, _("Note added."))
    default = reverse("moderation:member", kwargs={"username": person.username})
    return redirect(_next(request, default))


# --- A question ---------------------------------------------------------------------------


def _access_question(pk: int) -> Question:
    """Any question, whatever its article's state (moderators close drafts' too), or 404."""
    if pk > MAX_ID:
        raise Http404(_("There is no such question."))
    return get_object_or_404(Question.objects.select_related("article"), pk=pk)


QUESTION_STATE_DONE = {
    Verb.LOCK: gettext_lazy("The question is locked: nothing can be added to it."),
    Verb.CLOSE: gettext_lazy("The question is closed to new answers."),
    Verb.REOPEN: gettext_lazy("The question is open again."),
}


@require_POST
@moderator_required
def question_state(request, pk):
    """Lock, close or reopen a question's discussion."""
    question = _access_question(pk)
    form = QuestionStateForm(request.POST)
    if not form.is_valid():
        return bad_request(request, first_error(form))
    verb = form.cleaned_data["verb"]
    action = do_set_question_state(
        moderator=request.user, question=question, verb=verb, reason=form.cleaned_data["reason"]
    )
    if action is None:
        messages.info(request, _("The question was already in that state: nothing changed."))
    else:
        messages.success(request, str(QUESTION_STATE_DONE[verb]))
    return redirect(_next(request, _queue_url(question=question.pk)))


class SlowModeForm(forms.Form):
    minutes = forms.IntegerField(min_value=0, max_value=MAX_SLOW_MODE_MINUTES)
    reason = forms.CharField(max_length=REASON_MAX_LENGTH, strip=True)


@require_POST
@moderator_required
def slow_mode(request, pk):
    """Slow a question down: one answer per member every N minutes (0 ends it)."""
    question = _access_question(pk)
    form = SlowModeForm(request.POST)
    if not form.is_valid():
        return bad_request(request, first_error(form))
    minutes = form.cleaned_data["minutes"]
    action = do_set_slow_mode(
        moderator=request.user, question=question, minutes=minutes,
        reason=form.cleaned_data["reason"],
    )  # fmt: skip
    if action is None:
        messages.info(request, _("The question was already in that state: nothing changed."))
    elif minutes:
        messages.success(
            request,
            ngettext(
                "Slow mode: one answer per member every %(count)s minute.",
                "Slow mode: one answer per member every %(count)s minutes.",
                minutes,
            )
            % {"count": minutes},
        )
    else:
        messages.success(request, _("Slow mode is off."))
    return redirect(_next(request, _queue_url(question=question.pk)))
