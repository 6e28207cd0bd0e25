"""The pages that show articles with their discussions, composed here: the articles
app publishes the article, the forum adds what readers said."""

from django.db.models import Sum
from django.shortcuts import render
from django.views.decorators.http import require_safe

from articles.models import Article

from ..pagecache import shared_for_anonymous
from ..threads import with_featured, with_most_appreciated
from .access import access_article
from .following import article_follow


@require_safe
def home(request):
    """Published articles, newest first, each with how many answers its questions have."""
    articles = Article.objects.for_home().annotate(answer_count=Sum("questions__answer_count"))
    return render(request, "forum/home.html", {"articles": articles})


@require_safe
@shared_for_anonymous
def article_page(request, slug):
    """The article, then its questions, each with the answers moderators featured and its
    most appreciated answer."""
    article = access_article(slug)
    questions = with_featured(with_most_appreciated(article.questions.all()))
    context = {
        "article": article,
        "questions": questions,
        "follow_button": article_follow(request, article),
    }
    return render(request, "forum/article.html", context)
