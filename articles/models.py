"""Articles and the reader questions that close them."""

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _


def default_discussion_policy():
    return settings.DEFAULT_DISCUSSION_POLICY


class ArticleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def for_home(self):
        """Published articles, newest first, with their number of questions."""
        return (
            self.published()
            .annotate(question_count=Count("questions", distinct=True))
            .order_by("-published_at", "-id")
        )


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    class DatePrecision(models.TextChoices):
        DAY = "day", _("day")
        MONTH = "month", _("month")

    class DiscussionPolicy(models.TextChoices):
        POST_MODERATION = "post", _("post-moderation: answers appear at once")
        PRE_MODERATE_NEW = "pre-new", _("pre-moderation for new members")
        PRE_MODERATE_ALL = "pre-all", _("pre-moderation for everyone")

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    title = models.CharField(_("headline"), max_length=300, blank=True)
    standfirst = models.TextField(_("standfirst"), blank=True)
    standfirst_lang = models.CharField(_("standfirst language"), max_length=8, blank=True)
    body = models.TextField(_("body"), help_text=_("Paragraphs separated by a blank line."))
    lang = models.CharField(_("language"), max_length=8, default="fr")
    source_name = models.CharField(_("source"), max_length=200, blank=True)
    source_url = models.URLField(_("source address"), blank=True)
    published_at = models.DateTimeField(_("publication date"), null=True, blank=True)
    date_precision = models.CharField(
        _("date precision"), max_length=5, choices=DatePrecision, default=DatePrecision.DAY
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    discussion_policy = models.CharField(
        _("discussion policy"),
        max_length=10,
        choices=DiscussionPolicy,
        default=default_discussion_policy,
    )
    closes_at = models.DateTimeField(
        _("discussion closes at"), null=True, blank=True, help_text=_("Empty: always open.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | (Q(published_at__isnull=False) & ~Q(title="")),
                name="article_published_has_date_and_title",
                violation_error_message=_("A published article needs a headline and a date."),
            )
        ]

    def __str__(self):
        return self.title or self.slug

    def get_absolute_url(self):
        return reverse("articles:article", kwargs={"slug": self.slug})

    @property
    def is_published(self):
        """Published and due: the rule of ArticleQuerySet.published, for one article."""
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_closed(self) -> bool:
        """Past its closing date, a discussion stays readable but takes no answer."""
        return self.closes_at is not None and self.closes_at <= timezone.now()

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.body.split("\n\n") if p.strip()]

    @property
    def display_date(self) -> str:
        """The date as precisely as it is known: "juin 2024" or "12 juin 2024"."""
        if self.published_at is None:
            return ""
        local = timezone.localtime(self.published_at)
        if self.date_precision == self.DatePrecision.MONTH:
            return date_format(local, "YEAR_MONTH_FORMAT")
        return date_format(local, "DATE_FORMAT")

    @property
    def iso_date(self) -> str:
        """Machine-readable date for <time datetime>, to the known precision."""
        if self.published_at is None:
            return ""
        local = timezone.localtime(self.published_at)
        fmt = "%Y-%m" if self.date_precision == self.DatePrecision.MONTH else "%Y-%m-%d"
        return local.strftime(fmt)

    @property
    def summary(self) -> str:
        """A one-line description for search engines and link previews."""
        first = self.paragraphs[0] if self.paragraphs else self.standfirst
        return first if len(first) <= 200 else first[:199].rsplit(" ", 1)[0] + "…"


class Question(models.Model):
    """A reader question that closes an article; each one is a discussion."""

    class State(models.TextChoices):
        OPEN = "open", _("open")
        LOCKED = "locked", _("locked")
        CLOSED = "closed", _("closed")

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="questions", verbose_name=_("article")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.TextField(_("question"))
    slug = models.SlugField(_("slug"), max_length=80)
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.OPEN)
    # Published answers of its discussion, which the site keeps exact; this app never
    # reads or writes it (the column sits here so a question page reads it at once).
    answer_count = models.PositiveIntegerField(_("answers"), default=0, editable=False)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["article", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "position"], name="question_unique_position"
            ),
            models.UniqueConstraint(fields=["article", "slug"], name="question_unique_slug"),
        ]

    def __str__(self):
        return self.text
