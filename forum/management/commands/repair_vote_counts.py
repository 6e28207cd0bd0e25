from django.core.management.base import BaseCommand

from forum.voting import repair_counters


class Command(BaseCommand):
    help = "Check every answer's vote counters against its vote rows and repair any drift."

    def handle(self, *args, **options):
        fixed = repair_counters()
        if not fixed:
            self.stdout.write("Counters match the votes: nothing to repair.")
            return
        for answer_id, before, after in fixed:
            changes = ", ".join(
                f"{field} {before[field]:g} → {after[field]:g}"
                for field in after
                if before[field] != after[field]
            )
            self.stdout.write(f"answer {answer_id}: {changes}")
        self.stdout.write(f"Repaired {len(fixed)} answer(s).")
