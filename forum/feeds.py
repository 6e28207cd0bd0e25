"""Atom feeds: the published articles, the new answers of a question, a member's answers.

Every address in them is absolute, built on SITE_URL (as canonical links and e-mails are),
and every text is plain: the summary is written with ``type="text"``, so an answer that
says ``<script>`` is read as those characters, never as markup."""

import re

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from articles.models import Article

from .models import Answer, User
from .templatetags.discussion import plain_excerpt
from .views.access import access_question

ARTICLES_IN_FEED = 20
ANSWERS_IN_FEED = 50
SUMMARY_WORDS = 60

# Characters XML 1.0 cannot carry at all (Django's XML writer refuses them).
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    return _NOT_XML.sub("", str(text))


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


class PlainTextAtomFeed(Atom1Feed):
    """Atom, with each entry's summary as plain text (Django writes ``type="html"``)."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("summary_text"):
            handler.addQuickElement("summary", item["summary_text"], {"type": "text"})


class _AtomFeed(Feed):
    feed_type = PlainTextAtomFeed

    def item_link(self, item):
        return _absolute(item.get_absolute_url())

    def item_guid(self, item):
        return self.item_link(item)

    def item_title(self, item):
        return _xml_safe(self.entry_title(item))

    def item_extra_kwargs(self, item):
        return {"summary_text": _xml_safe(self.summary(item))}

    def item_description(self, item):
        return None  # the plain-text summary above takes its place


class ArticlesFeed(_AtomFeed):
    """The published articles, newest first."""

    def title(self):
        return _("Agora — the latest articles")

    def subtitle(self):
        return _("Read the news and discuss the questions it raises.")

    def link(self):
        return _absolute(reverse("articles:home"))

    def feed_url(self):
        return _absolute(reverse("forum:feed_articles"))

    def items(self):
        return Article.objects.published().order_by("-published_at", "-id")[:ARTICLES_IN_FEED]

    def entry_title(self, article):
        return article.title

    def summary(self, article):
        return article.standfirst

    def item_author_name(self, article):
        return _xml_safe(article.source_name or "Agora")

    def item_pubdate(self, article):
        return article.published_at

    def item_updateddate(self, article):
        return max(article.published_at, article.updated_at)


class _AnswersFeed(_AtomFeed):
    """Published answers, newest first: never pending, removed, deleted or spam ones."""

    def answers(self):
        return (
            Answer.objects.filter(status=Answer.Status.PUBLISHED)
            .select_related("author", "question__article")
            .order_by("-created_at", "-id")
        )

    def entry_title(self, answer):
        return _("Answer by %(name)s to “%(question)s”") % {
            "name": answer.author.display_name,
            "question": answer.question.text,
        }

    def summary(self, answer):
        return plain_excerpt(answer.body_html, SUMMARY_WORDS)

    def item_author_name(self, answer):
        return _xml_safe(answer.author.display_name)

    def item_author_link(self, answer):
        if answer.author.is_anonymised:
            return None
        return _absolute(reverse("forum:member", kwargs={"username": answer.author.username}))

    def item_pubdate(self, answer):
        return answer.created_at

    def item_updateddate(self, answer):
        return answer.edited_at or answer.created_at


class QuestionFeed(_AnswersFeed):
    """The new answers of one question of a published article."""

    def get_object(self, request, slug, question):
        return access_question(slug, question)

    def title(self, question):
        return _xml_safe(_("Answers to “%(question)s” — Agora") % {"question": question.text})

    def link(self, question):
        return _absolute(
            reverse(
                "forum:question", kwargs={"slug": question.article.slug, "question": question.slug}
            )
        )

    def feed_url(self, question):
        return _absolute(
            reverse(
                "forum:feed_question",
                kwargs={"slug": question.article.slug, "question": question.slug},
            )
        )

    def items(self, question):
        return self.answers().filter(question=question)[:ANSWERS_IN_FEED]


class MemberFeed(_AnswersFeed):
    """A member's published answers, under published articles, as their page lists them."""

    def get_object(self, request, username):
        if "\x00" in username:  # no pseudonym holds one, and PostgreSQL refuses to compare it
            raise Http404(_("There is no such member."))
        return get_object_or_404(User, username__iexact=username, anonymised_at__isnull=True)

    def title(self, person):
        return _xml_safe(_("Answers by %(name)s — Agora") % {"name": person.display_name})

    def link(self, person):
        return _absolute(reverse("forum:member", kwargs={"username": person.username}))

    def feed_url(self, person):
        return _absolute(reverse("forum:feed_member", kwargs={"username": person.username}))

    def items(self, person):
        return self.answers().filter(
            author=person, question__article__in=Article.objects.published()
        )[:ANSWERS_IN_FEED]


# Reading only: anything but GET and HEAD is answered 405, as every page of the site is.
articles_feed = require_safe(ArticlesFeed())
question_feed = require_safe(QuestionFeed())
member_feed = require_safe(MemberFeed())
