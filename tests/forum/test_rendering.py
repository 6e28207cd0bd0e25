"""Rendered answers kept in each process, in front of the shared cache (forum.rendering):
a member's page is exactly what rendering its answers afresh gives, whoever's page the
process kept them from, and a changed answer shows on the next page."""

import pytest
from django.core.cache import cache

from forum import rendering
from forum.answers import do_edit_answer
from forum.models import Block, QuestionVisit
from forum.moderation.actions import do_flag
from forum.voting import do_set_vote
from tests.factories import make_answer, make_member
from tests.forum.test_frames import normalised

pytestmark = pytest.mark.django_db


@pytest.fixture
def both_ways(monkeypatch):
    """``page(browser, url)``: the page with no answer kept in the process, then with the
    answers this process kept from earlier pages; the shared cache emptied before each,
    so that only the process's copies can stand in for a template."""

    rendered = []  # each render: whether it used the answer's template
    real_get_template = rendering.get_template

    def counting_get_template(name):
        rendered[-1] = True
        return real_get_template(name)

    monkeypatch.setattr(rendering, "get_template", counting_get_template)

    def page(browser, url):
        pages = []
        visits = list(QuestionVisit.objects.all())  # both renders: the same "new since"
        for kept in (0, rendering.NODES_KEPT):
            monkeypatch.setattr(rendering, "NODES_KEPT", kept)
            cache.clear()
            QuestionVisit.objects.all().delete()
            QuestionVisit.objects.bulk_create(visits)
            rendered.append(False)
            response = browser.get(url)
            assert response.status_code == 200
            pages.append(normalised(response.content.decode()))
        return pages

    page.rendered = rendered
    return page


def test_each_member_gets_the_answers_as_rendered_for_them(
    both_ways, client_for, question, alice, bob, charlie
):
    first = make_answer(question, alice, body="Un avis d’Alice.")
    make_answer(question, bob, parent=first, body="Bob répond.")
    make_answer(question, charlie, body="Charlie, ailleurs.")
    voter, flagger, blocker = make_member("votante"), make_member("signale"), make_member("bloque")
    do_set_vote(voter=voter, answer=first, value=1)
    do_flag(reporter=flagger, answer=first, reason="spam")
    Block.objects.create(blocker=blocker, blocked=alice)
    url = question.get_absolute_url()
    # Each differs from those before in what they may do with an answer (their own to
    # edit, their vote, their flag, an author they blocked), or in nothing (a second
    # bystander): markup kept for someone else would show.
    members = [make_member("passant"), make_member("passante"), alice, voter, flagger, blocker]
    for member in members:
        fresh, from_process = both_ways(client_for(member), url)
        assert from_process == fresh, member.username
    # Rendered afresh, then from the process: the second bystander's answers all came
    # from the first's (without hits the test would prove nothing), the others' in part.
    assert both_ways.rendered[:4] == [True, True, True, False]


def test_a_changed_answer_shows_on_the_next_page(client_for, question, alice, bob):
    answer = make_answer(question, alice, body="Première version de l’avis.")
    browser = client_for(bob)
    url = question.get_absolute_url()
    assert "Première version" in browser.get(url).content.decode()
    assert rendering._kept
    do_edit_answer(answer=answer, editor=alice, body="Seconde version, corrigée.")
    page = browser.get(url).content.decode()
    assert "Seconde version, corrigée." in page and "Première version" not in page
