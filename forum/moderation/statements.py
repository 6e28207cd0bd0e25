"""Statements of reasons: whoever a decision restricts (or lifts a restriction from) is told
what was decided, why, on which rule, and that they may appeal — on the site at their next
visit, and by e-mail in their language."""

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from ..models import ModerationAction, Notification, User
from ..tasks import send_email

Verb = ModerationAction.Verb


def tell(member: User, action: ModerationAction) -> Notification | None:
    """Notify ``member`` of ``action`` on the site, and by e-mail once the decision commits."""
    if member.is_anonymised:
        return None
    kind = Notification.Kind.WARNING if action.verb == Verb.WARN else Notification.Kind.DECISION
    notification = Notification.objects.create(recipient=member, kind=kind, action=action)
    if member.email:
        transaction.on_commit(lambda: _send(member, action))
    return notification


def _send(member: User, action: ModerationAction) -> None:
    with translation.override(member.language or settings.LANGUAGE_CODE):
        context = {"member": member, "action": action, "SITE_URL": settings.SITE_URL}
        send_email.enqueue(
            subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + str(subject_of(action)),
            body=render_to_string("moderation/email/statement.txt", context),
            html=render_to_string("moderation/email/statement.html", context),
            to=[member.email],
            from_email=settings.DEFAULT_FROM_EMAIL,
        )


def subject_of(action: ModerationAction) -> str:
    if action.answer_id:
        return _("A moderation decision about your answer")
    if action.verb == Verb.WARN:
        return _("A warning from the moderators")
    if action.verb == Verb.LIFT:
        return _("Your account is in good standing again")
    return _("A moderation decision about your account")
