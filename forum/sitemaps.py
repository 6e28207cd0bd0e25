from articles.models import Article, Question
from articles.sitemaps import ArticleSitemap, CanonicalSitemap


class QuestionSitemap(CanonicalSitemap):
    """Each question's discussion, in both languages."""

    changefreq = "hourly"

    def items(self):
        return (
            Question.objects.filter(article__in=Article.objects.published())
            .select_related("article")
            .order_by("id")
        )


sitemaps = {"articles": ArticleSitemap, "questions": QuestionSitemap}
