"""Turn a parsed article into rows: create or update, draft or published."""

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.text import slugify

from .importer import ArticleFormatError, ParsedArticle
from .models import Article, Question

QUESTION_SLUG_LENGTH = 60  # long enough to read, short enough for a shared link


@dataclass
class ImportOutcome:
    article: Article
    created: bool
    notes: list[str] = field(default_factory=list)


def question_slug(text: str, taken: set[str]) -> str:
    """A readable slug from the question's first words, unique among ``taken``."""
    base = slugify(text)[:QUESTION_SLUG_LENGTH].rsplit("-", 1)[0] or "question"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _publication_date(parsed: ParsedArticle) -> tuple[datetime | None, str]:
    if parsed.year is None or parsed.month is None:
        return None, Article.DatePrecision.DAY
    tz = ZoneInfo(settings.TIME_ZONE)
    moment = datetime(parsed.year, parsed.month, parsed.day or 1, tzinfo=tz)
    precision = Article.DatePrecision.DAY if parsed.day else Article.DatePrecision.MONTH
    return moment, precision


def save_article(parsed: ParsedArticle, *, slug: str = "", publish: bool = False) -> ImportOutcome:
    """Create or update the article with this slug and its questions (matched by position).

    A question that something refers to (its discussion) is never deleted: if the new
    text has fewer questions, those stay and are reported.
    """
    slug = slug or parsed.slug or slugify(parsed.title)
    if not slug:
        raise ArticleFormatError("The article needs a slug: give --slug or a --title.", code="slug")
    if publish and not parsed.title:
        raise ArticleFormatError("A headline is needed to publish: give --title.", code="headline")

    published_at, precision = _publication_date(parsed)
    if publish and published_at is None:
        published_at, precision = timezone.now(), Article.DatePrecision.DAY

    notes: list[str] = []
    with transaction.atomic():
        article = Article.objects.select_for_update().filter(slug=slug).first()
        created = article is None
        if created:
            article = Article(slug=slug)
        article.title = parsed.title or article.title
        article.standfirst = parsed.standfirst
        article.standfirst_lang = parsed.standfirst_lang
        article.body = "\n\n".join(parsed.paragraphs)
        article.lang = parsed.lang or "fr"
        article.source_name = parsed.source_name
        article.source_url = parsed.source_url or article.source_url
        if published_at is not None:
            article.published_at, article.date_precision = published_at, precision
        if publish:
            article.status = Article.Status.PUBLISHED
        try:
            article.full_clean(exclude=None if created else ["slug"])
        except ValidationError as error:
            problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            raise ArticleFormatError(
                f"The article is not valid: {problems}", code="invalid", detail=problems
            ) from None
        article.save()
        notes += _sync_questions(article, parsed.questions)
    return ImportOutcome(article=article, created=created, notes=notes)


def _sync_questions(article: Article, texts: list[str]) -> list[str]:
    notes = []
    existing = {q.position: q for q in article.questions.all()}
    taken = {q.slug for q in existing.values()}
    for position, text in enumerate(texts, start=1):
        question = existing.pop(position, None)
        if question is None:
            slug = question_slug(text, taken)
            taken.add(slug)
            Question.objects.create(article=article, position=position, text=text, slug=slug)
        elif question.text != text:
            # Keep the slug: links to the discussion are already out there.
            question.text = text
            question.save(update_fields=["text"])
            notes.append(f"question {position} reworded")
    for position, question in sorted(existing.items()):
        try:
            question.delete()
        except ProtectedError:
            # What refers to it (its discussion) forbids deleting it: nothing is lost.
            notes.append(f"question {position} is no longer in the text but is in use: kept")
        else:
            notes.append(f"question {position} removed")
    return notes
