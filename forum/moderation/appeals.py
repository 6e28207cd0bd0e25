"""Appeals (DSA art. 20): the author of a removed answer or a sanctioned member appeals the
decision once, within APPEAL_WINDOW, with a text; a notifier whose notice led to no action
contests that decision from a signed link. A moderator other than the one who decided hears
it, and upholds or reverses it.

What each workflow writes to the log:
- ``do_appeal`` / ``do_contest``: nothing (an appeal is not a decision).
- ``do_decide_appeal``: one UPHOLD or one REVERSE (source APPEAL, on the target of the decision
  appealed, with the reasons). A reversal then undoes the decision through the workflow that
  does it everywhere else, in the same transaction, so the log also shows what changed:
  a removed answer is restored (one RESTORE, ``do_decide``, source APPEAL); a sanction that
  still stands is lifted (one LIFT, ``do_sanction``), and the answers a spam ban marked come
  back (one RESTORE each); a notice rejected is acted upon (one REMOVE, source NOTICE, rule
  "illegal"). A warning has nothing to undo, nor has a sanction a later one replaced: the
  REVERSE says the decision was wrong, and nothing else is written.

The appellant is told the outcome with its reasons: a member through a statement (on the
site and by e-mail, forum.moderation.statements), a notifier by e-mail. The author whose
answer a reversal removes gets the removal's own statement."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from ..models import Answer, Appeal, Flag, ModerationAction, Notice, User
from .actions import do_decide, do_sanction
from .notices import (
    SUBJECT_CONTEST_DECIDED,
    close_notices,
    contest_deadline,
    last_removal,
    mail_notifier,
    removal_reason,
)
from .statements import tell

Verb = ModerationAction.Verb
Source = ModerationAction.Source
Status = Answer.Status

OUTCOMES = {Verb.UPHOLD: Appeal.Status.UPHELD, Verb.REVERSE: Appeal.Status.REVERSED}
# Sanctions with a lasting state, which a reversal lifts while it still stands.
STANDING = (Verb.PREMODERATE, Verb.SUSPEND, Verb.BAN, Verb.SPAM_BAN)


class AppealRefused(Exception):
    """Someone decided this appeal first; ``message`` says who and what."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _day(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "j F Y")


# --- Appealing a restriction --------------------------------------------------------------------


def concerned_id(action: ModerationAction) -> int | None:
    """Who a decision restricts: the author of the answer, or the member sanctioned."""
    return action.answer.author_id if action.answer_id else action.member_id


def appeal_deadline(action: ModerationAction):
    return action.created_at + settings.APPEAL_WINDOW


def appeal_refusal(user: User, action: ModerationAction, *, appealed: bool | None = None) -> str:
    """Why ``user`` cannot appeal ``action`` now, or "". ``appealed``: whether they did
    already, when the caller knows (else it is asked)."""
    if not action.is_restriction:
        return _("This decision restricts no one: there is nothing to appeal.")
    if user.pk != concerned_id(action):
        return _("Only the person this decision is about can appeal it.")
    if appealed is None:
        appealed = Appeal.objects.filter(action=action, appellant=user).exists()
    if appealed:
        return _("You already appealed this decision: an appeal is heard once.")
    if timezone.now() > appeal_deadline(action):
        return _("The time to appeal this decision ended on %(date)s.") % {
            "date": _day(appeal_deadline(action))
        }
    if action.answer_id and action.answer.status not in (Status.REMOVED, Status.SPAM):
        return _("Your answer was restored since: there is nothing left to appeal.")
    return ""


def check_appeal(*, appellant: User, action: ModerationAction, text: str) -> Appeal:
    if refusal := appeal_refusal(appellant, action):
        raise PermissionDenied(refusal)
    return do_appeal(appellant=appellant, action=action, text=text)


def do_appeal(*, appellant: User, action: ModerationAction, text: str) -> Appeal:
    """Record the appeal, once per decision and person (a double submit is refused)."""
    try:
        with transaction.atomic():
            return Appeal.objects.create(action=action, appellant=appellant, text=text.strip())
    except IntegrityError:
        raise PermissionDenied(
            _("You already appealed this decision: an appeal is heard once.")
        ) from None


# --- Contesting a decision not to act on a notice ------------------------------------------------


def contest_refusal(notice: Notice) -> str:
    """Why the notifier cannot contest the decision on ``notice`` now, or ""."""
    if notice.status == Notice.Status.OPEN:
        return _("No decision has been taken on this notice yet.")
    if notice.status != Notice.Status.REJECTED or notice.decision_id is None:
        return _("The answer was removed on this notice: there is nothing to contest.")
    if Appeal.objects.filter(notice=notice).exists():
        return _("You already contested this decision: a complaint is heard once.")
    if timezone.now() > contest_deadline(notice):
        return _("The time to contest this decision ended on %(date)s.") % {
            "date": _day(contest_deadline(notice))
        }
    return ""


def check_contest(*, notice: Notice, text: str) -> Appeal:
    if refusal := contest_refusal(notice):
        raise PermissionDenied(refusal)
    return do_contest(notice=notice, text=text)


def do_contest(*, notice: Notice, text: str) -> Appeal:
    try:
        with transaction.atomic():
            return Appeal.objects.create(action=notice.decision, notice=notice, text=text.strip())
    except IntegrityError:
        raise PermissionDenied(
            _("You already contested this decision: a complaint is heard once.")
        ) from None


# --- Deciding an appeal -----------------------------------------------------------------------


def decide_refusal(moderator: User, appeal: Appeal) -> str:
    """Why ``moderator`` may not decide ``appeal``, or "": the decision is heard by someone
    who did not take it (DSA art. 20(6)), nor made the appeal."""
    if appeal.action.actor_id == moderator.pk:
        return _("You took this decision: another moderator must decide the appeal.")
    if appeal.appellant_id == moderator.pk or (
        appeal.notice_id and appeal.notice.notifier_id == moderator.pk
    ):
        return _("This appeal is yours: another moderator must decide it.")
    return ""


def check_decide_appeal(
    *, moderator: User, appeal: Appeal, verb: str, reason: str
) -> ModerationAction:
    if refusal := decide_refusal(moderator, appeal):
        raise PermissionDenied(refusal)
    return do_decide_appeal(moderator=moderator, appeal=appeal, verb=verb, reason=reason)


def do_decide_appeal(
    *, moderator: User, appeal: Appeal, verb: str, reason: str
) -> ModerationAction:
    """Uphold or reverse the decision appealed (see the module's docstring for what each
    writes); AppealRefused when another moderator decided it first."""
    if verb not in OUTCOMES:
        raise ValueError(verb)
    reason = reason.strip()
    if not reason:
        raise ValueError("An appeal is decided with reasons.")
    action = appeal.action
    with transaction.atomic():
        # The answer's row first, as every decision on an answer and its notices does.
        answer = (
            Answer.objects.select_for_update().get(pk=action.answer_id)
            if action.answer_id
            else None
        )
        claimed = Appeal.objects.filter(pk=appeal.pk, status=Appeal.Status.OPEN).update(
            status=OUTCOMES[verb], decided_at=timezone.now()
        )
        if not claimed:
            raise AppealRefused(_already_decided(appeal))
        outcome = ModerationAction.objects.create(
            actor=moderator,
            verb=verb,
            source=Source.APPEAL,
            answer=answer,
            member_id=action.member_id,
            rule=action.rule if verb == Verb.UPHOLD else "",
            reason=reason,
            answer_version=answer.version if answer is not None else None,
        )
        Appeal.objects.filter(pk=appeal.pk).update(outcome=outcome)
        if verb == Verb.REVERSE:
            _undo(moderator, appeal, answer, reason)
        _tell_appellant(appeal, outcome)
    appeal.refresh_from_db()
    return outcome


def _already_decided(appeal: Appeal) -> str:
    current = Appeal.objects.select_related("outcome__actor").get(pk=appeal.pk)
    if current.outcome is None or current.outcome.actor is None:
        return _("This appeal was decided already: %(outcome)s.") % {
            "outcome": current.get_status_display()
        }
    return _("%(name)s already decided this appeal: %(outcome)s.") % {
        "name": current.outcome.actor.display_name,
        "outcome": current.get_status_display(),
    }


def _undo(moderator: User, appeal: Appeal, answer: Answer | None, reason: str) -> None:
    action = appeal.action
    if action.verb in (Verb.REMOVE, Verb.SPAM):
        if answer.status in (Status.REMOVED, Status.SPAM):
            do_decide(
                moderator=moderator, answer=answer, verb=Verb.RESTORE,
                seen_version=answer.version, reason=reason, source=Source.APPEAL,
            )  # fmt: skip
    elif action.verb == Verb.REJECT_NOTICE:
        _act_on_contested_notice(moderator, appeal.notice, answer, reason)
    elif action.verb in STANDING and _still_stands(action):
        member = User.objects.get(pk=action.member_id)
        do_sanction(moderator=moderator, member=member, verb=Verb.LIFT, reason=reason)
        if action.verb == Verb.SPAM_BAN:
            _restore_spam_banned(moderator, member, reason)


def _act_on_contested_notice(moderator, notice: Notice, answer: Answer, reason: str) -> None:
    """The notice was right: the answer goes as illegal (unless it is gone already), and this
    notice and every open one on the answer are acted upon with that removal."""
    if answer.status in (Status.PUBLISHED, Status.PENDING):
        removal = do_decide(
            moderator=moderator, answer=answer, verb=Verb.REMOVE, seen_version=answer.version,
            rule=Flag.Reason.ILLEGAL, reason=removal_reason(notice.ground, reason),
            source=Source.NOTICE,
        )  # fmt: skip
    elif answer.status in (Status.REMOVED, Status.SPAM):
        removal = last_removal(answer)
    else:  # its author deleted it: nothing is left to remove
        return
    Notice.objects.filter(pk=notice.pk).update(
        status=Notice.Status.ACTED, decision=removal, decided_at=timezone.now()
    )
    close_notices(answer, removal)


def _still_stands(action: ModerationAction) -> bool:
    """Whether ``action`` is the member's standing sanction now: lifting "it" after a later
    sanction (or a lift) would lift something else."""
    latest = (
        ModerationAction.objects.filter(member_id=action.member_id, verb__in=(*STANDING, Verb.LIFT))
        .order_by("-created_at", "-id")
        .first()
    )
    if latest is None or latest.pk != action.pk:
        return False
    if action.verb == Verb.SUSPEND:
        return action.until is not None and action.until > timezone.now()
    return True


def _restore_spam_banned(moderator: User, member: User, reason: str) -> None:
    """The answers the spam ban marked (it writes no action of its own for each one), and not
    those a moderator decided on separately."""
    marked = (
        Answer.objects.filter(author=member, status=Status.SPAM)
        .exclude(actions__verb__in=(Verb.SPAM, Verb.REMOVE))
        .order_by("pk")
    )
    for answer in marked:
        do_decide(
            moderator=moderator, answer=answer, verb=Verb.RESTORE, seen_version=answer.version,
            reason=reason, source=Source.APPEAL,
        )  # fmt: skip


def _tell_appellant(appeal: Appeal, outcome: ModerationAction) -> None:
    if appeal.notice_id:
        mail_notifier(
            appeal.notice, "appeal_decided", SUBJECT_CONTEST_DECIDED, appeal=appeal,
            outcome=outcome,
        )  # fmt: skip
    elif appeal.appellant_id:
        tell(appeal.appellant, outcome)
