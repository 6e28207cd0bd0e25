# TEMPORARY until the importer lands
import pytest
from django.utils import timezone


@pytest.fixture
def article(db):
    from articles.models import Article, Question

    a = Article.objects.create(
        slug="kling-aspi-chine-technologies-critiques",
        title="Kling",
        body="P1.\n\nP2.",
        status="published",
        published_at=timezone.now(),
    )
    for i in range(1, 6):
        Question.objects.create(article=a, position=i, text=f"Question {i} ?", slug=f"q{i}")
    return a
