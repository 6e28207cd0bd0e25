"""Background work, run by `manage.py db_worker` in production (inline in development)."""

from django.core.mail import EmailMultiAlternatives
from django.tasks import task


@task
def send_email(*, subject: str, body: str, to: list[str], from_email: str, html: str = "") -> None:
    """Send one e-mail through the default mailer (Django 6.1 MAILERS["default"])."""
    message = EmailMultiAlternatives(subject, body, from_email, to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
