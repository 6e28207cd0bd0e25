from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.importer import ArticleFormatError, describe, describe_doubts, parse_article
from articles.publishing import save_article

MAX_FILE_SIZE = 1_000_000  # an article is a few kB; anything near this is not one


class Command(BaseCommand):
    help = (
        "Import an article from raw delivered text or from a content file (.toml). "
        "Raw text becomes a draft unless --title is given with --publish."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, help="raw .txt or content .toml files")
        parser.add_argument(
            "--dry-run", action="store_true", help="show what was found, save nothing"
        )
        parser.add_argument("--publish", action="store_true", help="publish (needs a headline)")
        parser.add_argument("--title", default="", help="headline (raw text has none)")
        parser.add_argument(
            "--slug", default="", help="URL slug (default: from the file or the title)"
        )

    def handle(self, *paths, **options):
        if len(options["paths"]) > 1 and (options["title"] or options["slug"]):
            raise CommandError("--title and --slug apply to one file at a time.")
        for path in options["paths"]:
            self._import(path, **options)

    def _import(self, path: Path, *, dry_run, publish, title, slug, **_):
        try:
            if path.stat().st_size > MAX_FILE_SIZE:
                raise CommandError(
                    f"{path}: too large to be an article ({path.stat().st_size} bytes)."
                )
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: cannot read the file ({error.strerror}).") from None
        try:
            parsed = parse_article(data, filename=path.name)
        except ArticleFormatError as error:
            raise CommandError(f"{path}: {error}") from None
        if title:
            parsed.title = title
        if not (slug or parsed.slug or parsed.title):
            slug = path.stem
        if dry_run:
            self.stdout.write(describe(parsed))
            self.stdout.write("Dry run: nothing was saved.")
            return
        try:
            outcome = save_article(parsed, slug=slug, publish=publish)
        except ArticleFormatError as error:
            raise CommandError(f"{path}: {error}") from None
        article = outcome.article
        verb = "Created" if outcome.created else "Updated"
        self.stdout.write(
            f"{verb} {article.status} article “{article}” ({article.slug}): "
            f"{len(article.paragraphs)} paragraphs, {article.questions.count()} questions."
        )
        for note in outcome.notes:
            self.stdout.write(f"  - {note}")
        if parsed.doubts:  # saved as written: the editor should look at these spots
            self.stdout.write(describe_doubts(parsed))
