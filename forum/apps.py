from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ForumConfig(AppConfig):
    name = "forum"
    verbose_name = _("Discussions")

    def ready(self):
        from allauth.mfa.signals import authenticator_added

        from . import checks  # noqa: F401 (registers the site's system checks)
        from .moderation.access import passed_on_enrolment

        authenticator_added.connect(passed_on_enrolment, dispatch_uid="moderation-mfa-enrolment")
        post_migrate.connect(_schedule_digest, sender=self, dispatch_uid="notifications-digest")


def _schedule_digest(**kwargs):
    """Every deployment migrates: the next daily digest is then waiting in the task queue."""
    from .notifications import schedule_digest

    schedule_digest()
