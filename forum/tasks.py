"""Background work, run by `manage.py db_worker` in production (inline in development)."""

import logging

from django.core.mail import EmailMultiAlternatives
from django.tasks import task

logger = logging.getLogger(__name__)


@task
def send_email(
    *,
    subject: str,
    body: str,
    to: list[str],
    from_email: str,
    html: str = "",
    headers: dict[str, str] | None = None,
) -> None:
    """Send one e-mail through the default mailer (Django 6.1 MAILERS["default"])."""
    message = EmailMultiAlternatives(subject, body, from_email, to, headers=headers)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


@task
def fan_out(answer_id: int, *, mentions_only: bool = False) -> int:
    """Tell the members a newly published answer concerns (forum.notifications)."""
    from .notifications import fan_out as notify_about

    return notify_about(answer_id, mentions_only=mentions_only)


@task
def send_notifications(notification_ids: list[int]) -> int:
    """E-mail notifications to members who want their kind at once; return how many went.
    One that fails is logged and the others still go."""
    from .notifications import send_one

    sent = 0
    for notification_id in notification_ids:
        try:
            sent += send_one(notification_id)
        except Exception:
            logger.exception("Notification %s could not be e-mailed", notification_id)
    return sent


@task
def send_daily_digest() -> int:
    """The daily digest, then the next one scheduled for the same time tomorrow."""
    from .notifications import schedule_digest, send_digests

    try:
        return send_digests()
    finally:
        schedule_digest()
