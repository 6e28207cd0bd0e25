"""Moderation workflows. Each ``do_*`` changes its rows inside one transaction and writes
exactly one ``ModerationAction``; the person affected is told why (a statement of reasons on
the site and by e-mail, forum.moderation.statements)."""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from articles.models import Question

from .. import notifications
from ..models import Answer, Flag, MemberNote, ModerationAction, SlowMode, User
from ..rules import flagging_refusal
from .statements import tell
from .trust import flag_weight

Verb = ModerationAction.Verb
Source = ModerationAction.Source
Status = Answer.Status

# Decisions on an answer, and the statuses each applies to. A decision asked of an answer in
# another status was overtaken by someone else's (or by the author deleting it).
DECISIONS = {
    Verb.APPROVE: (Status.PENDING, Status.PUBLISHED),  # published: with open flags
    Verb.REMOVE: (Status.PUBLISHED, Status.PENDING),
    Verb.SPAM: (Status.PUBLISHED, Status.PENDING, Status.REMOVED),
    Verb.RESTORE: (Status.REMOVED, Status.SPAM),
    Verb.PIN: (Status.PUBLISHED,),
    Verb.UNPIN: (Status.PUBLISHED,),
    Verb.FEATURE: (Status.PUBLISHED,),
    Verb.UNFEATURE: (Status.PUBLISHED,),
}
# Decisions that take a rule broken and words for the author.
RESTRICTIONS = (Verb.REMOVE, Verb.SPAM)


class DecisionRefused(Exception):
    """The decision cannot apply as asked; ``message`` says why, ``answer`` is as it is now,
    ``action`` is the decision that came first (if that is why)."""

    def __init__(self, message: str, *, answer: Answer, action: ModerationAction | None = None):
        super().__init__(message)
        self.message, self.answer, self.action = message, answer, action


# --- Flags ---------------------------------------------------------------------


def check_flag(*, reporter: User, answer: Answer, reason: str, note: str = "") -> Flag:
    if refusal := flagging_refusal(reporter, answer):
        raise PermissionDenied(refusal)
    return do_flag(reporter=reporter, answer=answer, reason=reason, note=note)


def do_flag(*, reporter: User, answer: Answer, reason: str, note: str = "") -> Flag:
    """Record the flag (once per member: a second one changes nothing) and hold the answer
    for review when its flags weigh enough."""
    weight = flag_weight(reporter)
    with transaction.atomic():
        locked = _lock(answer)
        try:
            with transaction.atomic():
                flag = Flag.objects.create(
                    answer=answer, reporter=reporter, reason=reason, note=note, weight=weight
                )
        except IntegrityError:
            return Flag.objects.get(answer=answer, reporter=reporter)
        total = _recount_flags(locked)
        if total >= settings.FLAG_HIDE_WEIGHT and locked.status == Status.PUBLISHED:
            _set_status(locked, Status.PENDING, bump=False)
            ModerationAction.objects.create(
                verb=Verb.HOLD, source=Source.AUTOMATIC, answer=locked,
                answer_version=locked.version,
            )  # fmt: skip
    _copy(locked, answer)
    return flag


def do_withdraw_flag(*, reporter: User, answer: Answer) -> bool:
    """Take back one's open flag (a decided one stays); say whether there was one."""
    with transaction.atomic():
        locked = _lock(answer)
        deleted, _rows = Flag.objects.filter(
            answer=answer, reporter=reporter, status=Flag.Status.OPEN
        ).delete()
        if deleted:
            _recount_flags(locked)
    _copy(locked, answer)
    return bool(deleted)


def _recount_flags(answer: Answer) -> int:
    total = (
        Flag.objects.filter(answer=answer, status=Flag.Status.OPEN).aggregate(w=Sum("weight"))["w"]
        or 0
    )
    Answer.objects.filter(pk=answer.pk).update(flag_weight=total)
    answer.flag_weight = total
    return total


# --- Decisions on an answer ------------------------------------------------------


def do_decide(
    *,
    moderator: User,
    answer: Answer,
    verb: str,
    seen_version: int,
    rule: str = "",
    reason: str = "",
    source: str = "",
) -> ModerationAction:
    """Apply one decision to the version of ``answer`` the moderator saw; DecisionRefused when
    someone decided first or the author changed it since. ``source`` names what led to it
    (a notice, an appeal) when the desk knows; else flags or the moderator's own initiative."""
    if verb not in DECISIONS:
        raise ValueError(verb)
    if verb in RESTRICTIONS and not (rule and reason.strip()):
        raise ValueError("A removal needs a rule and a reason.")
    with transaction.atomic():
        locked = _lock(answer)
        _check_fresh(locked, verb, seen_version)
        source = source or _source_of(locked)
        fields = {}
        reporters = []  # members whose flags this decision answers
        if verb == Verb.APPROVE:
            if locked.status == Status.PENDING:
                fields["reviewed"] = True
            reporters = _resolve_flags(locked, Flag.Status.DISMISSED)
            _set_status(locked, Status.PUBLISHED, **fields)
        elif verb in RESTRICTIONS:
            reporters = _resolve_flags(locked, Flag.Status.UPHELD)
            new = Status.REMOVED if verb == Verb.REMOVE else Status.SPAM
            _set_status(locked, new, removal_reason=rule, pinned=False, featured=False)
        elif verb == Verb.RESTORE:
            _set_status(locked, Status.PUBLISHED, removal_reason="")
        else:
            flag, value = {
                Verb.PIN: ("pinned", True),
                Verb.UNPIN: ("pinned", False),
                Verb.FEATURE: ("featured", True),
                Verb.UNFEATURE: ("featured", False),
            }[verb]
            _set_status(locked, locked.status, **{flag: value})
        action = ModerationAction.objects.create(
            actor=moderator,
            verb=verb,
            source=source,
            answer=locked,
            rule=rule,
            reason=reason.strip(),
            answer_version=seen_version,
        )
        if verb in (*RESTRICTIONS, Verb.RESTORE) or (verb == Verb.APPROVE and fields):
            tell(locked.author, action)
        if verb == Verb.RESTORE or (verb == Verb.APPROVE and fields):
            notifications.answer_published(locked)  # those it concerns hear of it now
        elif verb in (Verb.PIN, Verb.FEATURE):
            notifications.answer_highlighted(locked, action)
        if reporters:
            notifications.flags_decided(reporters, action)
    _copy(locked, answer)
    return action


def _source_of(answer: Answer) -> str:
    """What brought the answer to the moderator: flags, a word rule, or their own look."""
    if answer.flag_weight > 0:
        return Source.FLAG
    if answer.status == Status.PENDING and answer.review_cause == Answer.ReviewCause.WORD_RULE:
        return Source.WORD_RULE
    return Source.OWN_INITIATIVE


def _check_fresh(answer: Answer, verb: str, seen_version: int) -> None:
    if answer.version != seen_version or not _applies(answer, verb):
        first = (
            ModerationAction.objects.filter(answer=answer, answer_version__gte=seen_version)
            .exclude(verb=Verb.HOLD)
            .select_related("actor")
            .first()
        )
        if first is not None:
            raise DecisionRefused(
                _("%(name)s already decided on this answer: %(decision)s.")
                % {"name": first.actor.display_name, "decision": first.get_verb_display()},
                answer=answer,
                action=first,
            )
        if answer.version != seen_version:
            raise DecisionRefused(
                _("The author changed this answer since you saw it. Here is the new text: "
                  "decide again."),
                answer=answer,
            )  # fmt: skip
        raise DecisionRefused(
            _("This decision no longer applies: the answer is now “%(status)s”.")
            % {"status": answer.get_status_display()},
            answer=answer,
        )


def _applies(answer: Answer, verb: str) -> bool:
    if answer.status not in DECISIONS[verb]:
        return False
    if verb == Verb.APPROVE and answer.status == Status.PUBLISHED:
        return answer.flag_weight > 0  # nothing to approve on an unflagged published answer
    return {
        Verb.PIN: not answer.pinned,
        Verb.UNPIN: answer.pinned,
        Verb.FEATURE: not answer.featured,
        Verb.UNFEATURE: answer.featured,
    }.get(verb, True)


def _resolve_flags(answer: Answer, outcome: str) -> list[int]:
    """Close the open flags on ``answer`` with ``outcome``; return who had flagged it."""
    open_flags = Flag.objects.filter(answer=answer, status=Flag.Status.OPEN)
    reporters = list(open_flags.values_list("reporter_id", flat=True))
    open_flags.update(status=outcome)
    answer.flag_weight = 0
    return reporters


def do_bulk_decide(
    *, moderator: User, seen: dict[int, int], verb: str, rule: str = "", reason: str = ""
) -> tuple[list[ModerationAction], list[DecisionRefused]]:
    """The same decision on several answers ({id: version seen}); each one applies or is
    refused on its own."""
    done, refused = [], []
    for answer in Answer.objects.filter(pk__in=seen).order_by("pk"):
        try:
            done.append(
                do_decide(
                    moderator=moderator, answer=answer, verb=verb,
                    seen_version=seen[answer.pk], rule=rule, reason=reason,
                )
            )  # fmt: skip
        except DecisionRefused as refusal:
            refused.append(refusal)
    return done, refused


# --- Sanctions on a member ------------------------------------------------------------

SANCTIONS = (Verb.WARN, Verb.PREMODERATE, Verb.SUSPEND, Verb.BAN, Verb.SPAM_BAN, Verb.LIFT)


def do_sanction(
    *,
    moderator: User,
    member: User,
    verb: str,
    reason: str,
    until: datetime | None = None,
    rule: str = "",
) -> ModerationAction:
    """Warn, pre-moderate, suspend until a date, ban, spam-ban (ban and mark every answer as
    spam), or lift what stands. The reason is shown to the member."""
    if verb not in SANCTIONS:
        raise ValueError(verb)
    reason = reason.strip()
    if not reason:
        raise ValueError("A sanction needs a reason.")
    if verb == Verb.SUSPEND and (until is None or until <= timezone.now()):
        raise ValueError("A suspension ends in the future.")
    if member.is_moderator and verb != Verb.LIFT:
        raise PermissionDenied(_("Moderators are not sanctioned from the desk."))
    with transaction.atomic():
        rows = User.objects.filter(pk=member.pk)
        if verb == Verb.PREMODERATE:
            rows.update(premoderated=True)
        elif verb == Verb.SUSPEND:
            rows.update(suspended_until=until, sanction_reason=reason[:300])
        elif verb in (Verb.BAN, Verb.SPAM_BAN):
            rows.update(banned=True, sanction_reason=reason[:300])
        elif verb == Verb.LIFT:
            rows.update(banned=False, suspended_until=None, premoderated=False, sanction_reason="")
        if verb == Verb.SPAM_BAN:
            for answer in Answer.objects.select_for_update().filter(
                author=member, status__in=(Status.PUBLISHED, Status.PENDING)
            ):
                _resolve_flags(answer, Flag.Status.UPHELD)
                _set_status(
                    answer,
                    Status.SPAM,
                    removal_reason=Flag.Reason.SPAM,
                    pinned=False,
                    featured=False,
                )
        action = ModerationAction.objects.create(
            actor=moderator, verb=verb, member=member, rule=rule, reason=reason, until=until
        )
        tell(member, action)
    member.refresh_from_db()
    return action


def do_note(*, moderator: User, member: User, text: str) -> MemberNote:
    return MemberNote.objects.create(member=member, author=moderator, text=text.strip())


# --- Questions -------------------------------------------------------------------------

QUESTION_STATES = {
    Verb.LOCK: Question.State.LOCKED,
    Verb.CLOSE: Question.State.CLOSED,
    Verb.REOPEN: Question.State.OPEN,
}


def do_set_question_state(
    *, moderator: User, question: Question, verb: str, reason: str = ""
) -> ModerationAction | None:
    """Lock, close or reopen a question; None when it already was in that state."""
    state = QUESTION_STATES[verb]
    with transaction.atomic():
        if not Question.objects.filter(pk=question.pk).exclude(state=state).update(state=state):
            return None
        question.state = state
        return ModerationAction.objects.create(
            actor=moderator, verb=verb, question=question, reason=reason.strip()
        )


MAX_SLOW_MODE_MINUTES = 24 * 60  # slower than one answer a day is a closed discussion


def do_set_slow_mode(
    *, moderator: User, question: Question, minutes: int, reason: str
) -> ModerationAction | None:
    """One answer per member every ``minutes`` in this question (0 ends the slow mode);
    None when nothing changes."""
    if not 0 <= minutes <= MAX_SLOW_MODE_MINUTES:
        raise ValueError(minutes)
    with transaction.atomic():
        current = SlowMode.objects.select_for_update().filter(question=question).first()
        if (current.minutes if current else 0) == minutes:
            return None
        if minutes:
            SlowMode.objects.update_or_create(
                question=question, defaults={"minutes": minutes, "set_by": moderator}
            )
        else:
            SlowMode.objects.filter(question=question).delete()
        return ModerationAction.objects.create(
            actor=moderator,
            verb=Verb.SLOW_MODE,
            question=question,
            reason=reason.strip(),
            rule=str(minutes),  # the minutes set, for the log ("0": slow mode ended)
        )


# --- Status and counters ------------------------------------------------------------------


def _lock(answer: Answer) -> Answer:
    """The answer's row, locked until the transaction ends (PostgreSQL; SQLite serialises
    writers anyway)."""
    return Answer.objects.select_for_update().get(pk=answer.pk)


def _set_status(answer: Answer, status: str, *, bump: bool = True, **fields) -> None:
    """Write the answer's new status and fields on its locked row, keeping its question's
    count of published answers exact."""
    was_published = answer.status == Status.PUBLISHED
    updates = {"status": status, "flag_weight": answer.flag_weight, **fields}
    if bump:
        updates["version"] = F("version") + 1
    Answer.objects.filter(pk=answer.pk).update(**updates)
    if was_published != (status == Status.PUBLISHED):
        change = 1 if status == Status.PUBLISHED else -1
        Question.objects.filter(pk=answer.question_id).update(
            answer_count=F("answer_count") + change
        )
    for name, value in updates.items():
        if name != "version":
            setattr(answer, name, value)
    if bump:
        answer.version += 1


def _copy(source: Answer, target: Answer) -> None:
    """Give the caller's instance the row's new state."""
    if source is not target:
        for name in ("status", "version", "flag_weight", "pinned", "featured", "removal_reason",
                     "reviewed"):  # fmt: skip
            setattr(target, name, getattr(source, name))
