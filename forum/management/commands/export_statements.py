from datetime import date

from django.core.management.base import BaseCommand, CommandError

from forum.moderation.sor import as_json_lines, statements


def day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--since takes a day as YYYY-MM-DD, not {value!r}.") from None


class Command(BaseCommand):
    help = (
        "Write every restriction's statement of reasons as JSON Lines, in the shape of the EU "
        "DSA Transparency Database (forum/moderation/sor.py says which restrictions and why)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since", type=str, help="Only decisions taken on this day (YYYY-MM-DD) or later."
        )
        parser.add_argument("--output", help="Write to this file instead of standard output.")

    def handle(self, *args, since=None, output=None, **options):
        first = day(since) if since else None
        lines = as_json_lines(statements(first))
        if not output:
            for line in lines:
                self.stdout.write(line, ending="")
            return
        count = 0
        with open(output, "w", encoding="utf-8") as file:
            for line in lines:
                file.write(line)
                count += 1
        self.stderr.write(f"Wrote {count} statement(s) of reasons to {output}.")
