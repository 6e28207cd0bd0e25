from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from forum.threads import with_most_appreciated

from .models import Article


def _published_article(slug: str) -> Article:
    """The published article with this slug; drafts are as unknown as missing slugs."""
    return get_object_or_404(Article.objects.published(), slug=slug)


@require_GET
def home(request):
    articles = Article.objects.for_home()
    return render(request, "articles/home.html", {"articles": articles})


@require_GET
def article_detail(request, slug):
    article = _published_article(slug)
    questions = with_most_appreciated(article.questions.all())
    return render(request, "articles/article.html", {"article": article, "questions": questions})


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
