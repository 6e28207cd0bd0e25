from django.core.management.base import BaseCommand

from forum.answers import repair_tree_counts
from forum.voting import repair_counters


class Command(BaseCommand):
    help = (
        "Check every counter against the rows it counts and repair any drift: votes and "
        "ranks of answers, answers of questions, replies of answers."
    )

    def handle(self, *args, **options):
        fixed = repair_counters()
        for answer_id, before, after in fixed:
            changes = ", ".join(
                f"{field} {before[field]:g} → {after[field]:g}"
                for field in after
                if before[field] != after[field]
            )
            self.stdout.write(f"answer {answer_id}: {changes}")
        tree = repair_tree_counts()
        for change in tree:
            self.stdout.write(change)
        if not (fixed or tree):
            self.stdout.write("Every counter matches its rows: nothing to repair.")
        else:
            self.stdout.write(f"Repaired {len(fixed) + len(tree)} counter(s).")
