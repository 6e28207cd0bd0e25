"""Notices of illegal content (DSA art. 16): anyone, signed in or not, notifies an answer; a
moderator removes it as illegal or decides not to act; the notifier is told either way, with
the reasons, and may contest a decision not to act (forum.moderation.appeals).

What each workflow writes to the log:
- ``do_notify``: nothing (a notice is not a decision); the notifier gets an acknowledgement.
- ``do_act_on_notice``: one REMOVE (through ``do_decide``, source NOTICE, rule "illegal", the
  legal ground in the reason), and every open notice on the answer is marked acted upon
  with it; none when the answer was removed already (the notices then point at that
  removal).
- ``do_reject_notice``: one REJECT_NOTICE on the notified answer (source NOTICE).

Both decisions lock the answer's row first, then the notices: two moderators deciding
notices of one answer are served one after the other, and the second is told."""

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Answer, Flag, ModerationAction, Notice, Notification, User
from ..tasks import send_email
from .actions import do_decide

Verb = ModerationAction.Verb
Source = ModerationAction.Source
CONTEST_SALT = "forum.moderation.notice-contest"


class NoticeRefused(Exception):
    """The decision cannot apply: someone decided this notice first; ``message`` says who."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- Receiving a notice ---------------------------------------------------------------------


def notice_refusal(answer: Answer) -> str:
    """Why ``answer`` cannot be notified, or "": only what readers see can be illegal here."""
    if answer.status != Answer.Status.PUBLISHED:
        return _("This answer is no longer published: there is nothing to notify.")
    return ""


def check_notify(
    *,
    answer: Answer,
    ground: str,
    explanation: str,
    name: str = "",
    email: str = "",
    notifier: User | None = None,
    language: str = "",
) -> Notice:
    if refusal := notice_refusal(answer):
        raise PermissionDenied(refusal)
    return do_notify(
        answer=answer, ground=ground, explanation=explanation, name=name, email=email,
        notifier=notifier, language=language,
    )  # fmt: skip


def do_notify(
    *,
    answer: Answer,
    ground: str,
    explanation: str,
    name: str = "",
    email: str = "",
    notifier: User | None = None,
    language: str = "",
) -> Notice:
    """Record the notice, quoting the answer as it stands, and acknowledge it by e-mail once
    it is saved (when the notifier gave an address). The notifier declared good faith: the
    form takes no notice without it."""
    with transaction.atomic():
        notice = Notice.objects.create(
            answer=answer,
            ground=ground,
            explanation=explanation.strip(),
            quoted_text=answer.body,
            name=name.strip(),
            email=email.strip(),
            good_faith=True,
            notifier=notifier if notifier is not None and notifier.is_authenticated else None,
            language=language if language in dict(settings.LANGUAGES) else "",
        )
        mail_notifier(notice, "notice_received", SUBJECT_RECEIVED)
    return notice


# --- Deciding ---------------------------------------------------------------------------------


def removal_reason(ground: str, reason: str) -> str:
    """The words of a removal on a notice: the legal ground, then the moderator's reasons. In
    the site's language, as the log shows them to everyone, whatever the desk was read in."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("%(ground)s: %(reason)s") % {
            "ground": str(Notice.Ground(ground).label).capitalize(),
            "reason": reason.strip(),
        }


def do_act_on_notice(
    *, moderator: User, notice: Notice, seen_version: int, reason: str
) -> ModerationAction:
    """Remove the notified answer as illegal (the version the moderator saw); every open
    notice on it is then acted upon, and each notifier told. DecisionRefused when the answer
    changed or left the published answers since; NoticeRefused when the notice was decided."""
    if not reason.strip():
        raise ValueError("A decision on a notice needs its reasons.")
    with transaction.atomic():
        answer = Answer.objects.select_for_update().get(pk=notice.answer_id)
        _check_open(notice)
        if answer.status in (Answer.Status.REMOVED, Answer.Status.SPAM):
            # Removed already (from the queue, or on another notice): that removal answers
            # this notice too, and nothing is decided twice.
            action = last_removal(answer)
        else:
            action = do_decide(
                moderator=moderator,
                answer=answer,
                verb=Verb.REMOVE,
                seen_version=seen_version,
                rule=Flag.Reason.ILLEGAL,
                reason=removal_reason(notice.ground, reason),
                source=Source.NOTICE,
            )
        close_notices(answer, action)
    notice.refresh_from_db()
    return action


def do_reject_notice(*, moderator: User, notice: Notice, reason: str) -> ModerationAction:
    """Decide not to act on a notice, with the reasons the notifier is sent (they may
    contest it); NoticeRefused when the notice was decided first."""
    reason = reason.strip()
    if not reason:
        raise ValueError("A decision on a notice needs its reasons.")
    with transaction.atomic():
        answer = Answer.objects.select_for_update().get(pk=notice.answer_id)
        now = timezone.now()
        claimed = Notice.objects.filter(pk=notice.pk, status=Notice.Status.OPEN).update(
            status=Notice.Status.REJECTED, decided_at=now
        )
        if not claimed:
            _check_open(notice)  # says who decided
            raise NoticeRefused(_("This notice was decided already."))
        action = ModerationAction.objects.create(
            actor=moderator,
            verb=Verb.REJECT_NOTICE,
            source=Source.NOTICE,
            answer=answer,
            reason=reason,
            answer_version=answer.version,
        )
        Notice.objects.filter(pk=notice.pk).update(decision=action)
        notice.refresh_from_db()
        _tell_decided(notice)
    return action


def close_notices(answer: Answer, action: ModerationAction) -> list[Notice]:
    """Mark every open notice on ``answer`` acted upon by ``action`` (a removal) and tell each
    notifier; inside the caller's transaction, the answer's row locked."""
    notices = list(
        Notice.objects.select_for_update().filter(answer=answer, status=Notice.Status.OPEN)
    )
    now = timezone.now()
    Notice.objects.filter(pk__in=[n.pk for n in notices]).update(
        status=Notice.Status.ACTED, decision=action, decided_at=now
    )
    for notice in notices:
        notice.status, notice.decision, notice.decided_at = Notice.Status.ACTED, action, now
        _tell_decided(notice)
    return notices


def _check_open(notice: Notice) -> None:
    current = Notice.objects.select_related("decision__actor").get(pk=notice.pk)
    if current.status == Notice.Status.OPEN:
        return
    decision = current.decision
    if decision is None or decision.actor is None:
        raise NoticeRefused(_("This notice was decided already: %(status)s.")
                            % {"status": current.get_status_display()})  # fmt: skip
    raise NoticeRefused(
        _("%(name)s already decided on this notice: %(decision)s.")
        % {"name": decision.actor.display_name, "decision": decision.get_verb_display()}
    )


def last_removal(answer: Answer) -> ModerationAction | None:
    return (
        ModerationAction.objects.filter(answer=answer, verb__in=(Verb.REMOVE, Verb.SPAM))
        .order_by("-created_at", "-id")
        .first()
    )


# --- Contesting a decision not to act ---------------------------------------------------------


def contest_token(notice: Notice) -> str:
    """What the link in the decision e-mail carries: the notice, signed (no account needed)."""
    return signing.dumps(notice.pk, salt=CONTEST_SALT)


def notice_from_token(token: str) -> Notice | None:
    """The notice a contest link names, or None for a forged or damaged link."""
    try:
        pk = signing.loads(token, salt=CONTEST_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int):
        return None
    return (
        Notice.objects.select_related("answer__question__article", "decision__actor")
        .filter(pk=pk)
        .first()
    )


def contest_deadline(notice: Notice):
    return (notice.decided_at or timezone.now()) + settings.APPEAL_WINDOW


# --- Telling the notifier -----------------------------------------------------------------------

SUBJECT_RECEIVED = gettext_lazy("Your notice of illegal content is received (no. %(number)s)")
SUBJECT_DECIDED = gettext_lazy("The decision on your notice of illegal content (no. %(number)s)")
SUBJECT_CONTEST_DECIDED = gettext_lazy("The outcome of your complaint about notice no. %(number)s")


def _tell_decided(notice: Notice) -> None:
    """The notifier hears of the decision: by the letter the law asks for, and in their
    inbox when they were signed in."""
    from ..notifications import notify

    mail_notifier(notice, "notice_decided", SUBJECT_DECIDED)
    if notice.notifier_id:
        notify(
            notice.notifier,
            Notification.Kind.NOTICE,
            action=notice.decision,
            answer=notice.answer,
            emailed_elsewhere=bool(notice.email),
        )


def mail_notifier(notice: Notice, template: str, subject, **extra) -> None:
    """E-mail the notifier (when they gave an address) once the transaction commits, in the
    language they wrote the notice in."""
    if not notice.email:
        return
    transaction.on_commit(lambda: _send(notice, template, subject, extra))


def _send(notice: Notice, template: str, subject, extra: dict) -> None:
    notice = Notice.objects.select_related("answer__question", "decision__actor").get(pk=notice.pk)
    with translation.override(notice.language or settings.LANGUAGE_CODE):
        context = {
            "notice": notice,
            "question": notice.answer.question,
            "SITE_URL": settings.SITE_URL,
            "answer_url": settings.SITE_URL + notice.answer.get_absolute_url(),
            "log_url": settings.SITE_URL + reverse("moderation:log"),
            **extra,
        }
        if notice.status == Notice.Status.REJECTED and template == "notice_decided":
            context["contest_url"] = settings.SITE_URL + reverse(
                "moderation:contest", kwargs={"token": contest_token(notice)}
            )
            context["contest_until"] = contest_deadline(notice)
        send_email.enqueue(
            subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + str(subject) % {"number": notice.pk},
            body=render_to_string(f"moderation/email/{template}.txt", context),
            html=render_to_string(f"moderation/email/{template}.html", context),
            to=[notice.email],
            from_email=settings.DEFAULT_FROM_EMAIL,
        )
