from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumConfig(AppConfig):
    name = "forum"
    verbose_name = _("Discussions")

    def ready(self):
        from allauth.mfa.signals import authenticator_added

        from . import checks  # noqa: F401 (registers the site's system checks)
        from .moderation.access import passed_on_enrolment

        authenticator_added.connect(passed_on_enrolment, dispatch_uid="moderation-mfa-enrolment")
