from django.core.management.base import BaseCommand

from forum.markdown import RENDERER_VERSION, render_markdown
from forum.models import Answer

BATCH = 500  # answers rendered and written per round trip


class Command(BaseCommand):
    help = "Render again every answer whose HTML an older version of forum.markdown made."

    def handle(self, **options):
        stale = Answer.objects.filter(renderer_version__lt=RENDERER_VERSION).only("body")
        done = 0
        batch = []
        for answer in stale.iterator(chunk_size=BATCH):
            answer.body_html = render_markdown(answer.body)
            answer.renderer_version = RENDERER_VERSION
            batch.append(answer)
            if len(batch) == BATCH:
                done += Answer.objects.bulk_update(batch, ["body_html", "renderer_version"])
                batch = []
        done += Answer.objects.bulk_update(batch, ["body_html", "renderer_version"])
        self.stdout.write(f"Answers rendered again: {done} (renderer version {RENDERER_VERSION}).")
