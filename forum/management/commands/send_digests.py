from django.core.management.base import BaseCommand

from forum.notifications import schedule_digest, send_digests


class Command(BaseCommand):
    help = (
        "Send the daily digests now (members who chose the digest for some kind of "
        "notification and have something new), and make sure the next one waits in the "
        "task queue. The worker sends them by itself at NOTIFICATION_DIGEST_TIME."
    )

    def handle(self, *args, **options):
        sent = send_digests()
        self.stdout.write(f"{sent} digest(s) sent.")
        if schedule_digest():
            self.stdout.write("The next digest is scheduled.")
