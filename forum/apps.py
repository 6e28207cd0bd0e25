from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, pre_delete
from django.utils.translation import gettext_lazy as _


class ForumConfig(AppConfig):
    name = "forum"
    verbose_name = _("Discussions")

    def ready(self):
        from allauth.mfa.signals import authenticator_added

        from . import checks  # noqa: F401 (registers the site's system checks)
        from .models import User
        from .moderation.access import passed_on_enrolment
        from .voting import count_again_answers_voted_on, note_answers_voted_on

        authenticator_added.connect(passed_on_enrolment, dispatch_uid="moderation-mfa-enrolment")
        post_migrate.connect(_schedule_digest, sender=self, dispatch_uid="notifications-digest")
        # A member deleted outright takes their votes off the answers' counters.
        pre_delete.connect(note_answers_voted_on, sender=User, dispatch_uid="votes-of-deleted")
        post_delete.connect(
            count_again_answers_voted_on, sender=User, dispatch_uid="votes-of-deleted"
        )


def _schedule_digest(**kwargs):
    """Every deployment migrates: the next daily digest is then waiting in the task queue."""
    from .notifications import schedule_digest

    schedule_digest()
