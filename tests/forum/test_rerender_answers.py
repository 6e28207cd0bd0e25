from django.core.management import call_command

from forum.markdown import RENDERER_VERSION
from forum.models import Answer
from tests.factories import make_answer, make_question


def test_answers_of_an_older_renderer_are_rendered_again(db, alice, capsys):
    question = make_question()
    stale = make_answer(question, alice, body="**gras**")
    current = make_answer(question, alice, body="*italique*")
    # As an older renderer would have left it: stored HTML that the text no longer gives.
    Answer.objects.filter(pk=stale.pk).update(body_html="<p>old</p>", renderer_version=0)
    call_command("rerender_answers")
    stale.refresh_from_db()
    assert stale.body_html == "<p><strong>gras</strong></p>\n"
    assert stale.renderer_version == RENDERER_VERSION
    assert "Answers rendered again: 1 " in capsys.readouterr().out
    current.refresh_from_db()
    assert current.body_html == "<p><em>italique</em></p>\n"
