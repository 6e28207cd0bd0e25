"""Re-importing an article never deletes a question that has a discussion."""

from articles.importer import ParsedArticle
from articles.publishing import save_article
from tests.factories import make_answer


def parsed(*questions) -> ParsedArticle:
    return ParsedArticle(
        title="Un titre",
        slug="un-article",
        year=2024,
        month=6,
        paragraphs=["Un paragraphe."],
        questions=list(questions),
    )


def test_a_question_with_answers_is_kept_and_one_without_is_removed(db, alice):
    article = save_article(parsed("Première ?", "Deuxième ?", "Troisième ?"), publish=True).article
    second = article.questions.get(position=2)
    make_answer(second, alice)
    outcome = save_article(parsed("Première ?"), publish=True)
    assert list(article.questions.order_by("position").values_list("text", flat=True)) == [
        "Première ?",
        "Deuxième ?",
    ]
    assert outcome.notes == [
        "question 2 is no longer in the text but is in use: kept",
        "question 3 removed",
    ]
