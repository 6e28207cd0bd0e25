from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from forum.models import MODERATORS_GROUP, User


class Command(BaseCommand):
    help = (
        "List the moderators, or make a member one (add) or no longer one (remove), by "
        "e-mail address or pseudonym. A moderator enrols a second factor at their first "
        "visit to the desk."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", nargs="?", choices=["list", "add", "remove"], default="list")
        parser.add_argument("member", nargs="?", help="e-mail address or pseudonym")

    def handle(self, *args, action, member, **options):
        group, _created = Group.objects.get_or_create(name=MODERATORS_GROUP)
        if action == "list":
            for user in group.user_set.order_by("username"):
                self.stdout.write(f"{user.username} <{user.email}>")
            return
        if not member:
            raise CommandError(f"Say whom to {action}: an e-mail address or a pseudonym.")
        user = (
            User.objects.filter(email__iexact=member).first()
            or User.objects.filter(username__iexact=member).first()
        )
        if user is None or user.is_anonymised:
            raise CommandError(f"No member is called or writes from {member!r}.")
        if action == "add":
            group.user_set.add(user)
            self.stdout.write(f"{user.username} is a moderator.")
        else:
            group.user_set.remove(user)
            self.stdout.write(f"{user.username} is no longer a moderator.")
