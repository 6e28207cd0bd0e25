"""Statements of reasons: whoever a decision restricts (or lifts a restriction from) is told
what was decided, why, on which rule, and that they may appeal — on the site at their next
visit, and by e-mail in their language."""

from django.utils.translation import gettext as _

from ..models import ModerationAction, Notification, User

Verb = ModerationAction.Verb


def tell(member: User, action: ModerationAction) -> Notification | None:
    """Notify ``member`` of ``action`` on the site, and by e-mail as they chose (at once by
    default) once the decision commits."""
    from ..notifications import notify

    kind = Notification.Kind.WARNING if action.verb == Verb.WARN else Notification.Kind.DECISION
    return notify(member, kind, action=action, answer=action.answer)


def statement_email(member: User, action: ModerationAction) -> tuple[str, str, dict]:
    """The subject, template and context of the e-mail that carries a statement of reasons
    (forum.notifications sends it, in the member's language)."""
    return subject_of(action), "moderation/email/statement", {"action": action}


def subject_of(action: ModerationAction) -> str:
    if action.answer_id:
        return _("A moderation decision about your answer")
    if action.verb == Verb.WARN:
        return _("A warning from the moderators")
    if action.verb == Verb.LIFT:
        return _("Your account is in good standing again")
    return _("A moderation decision about your account")
