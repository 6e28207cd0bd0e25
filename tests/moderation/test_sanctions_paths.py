"""Sanctions × write paths: a suspended or banned member is refused every write the site
has — answer, reply, edit, delete, vote, flag — through the HTTP views, with and without
htmx, is told why, and nothing is written. Pre-moderation is not a refusal: the same
paths, from a pre-moderated member, all write."""

from dataclasses import dataclass

import pytest
from django.urls import reverse

from articles.models import Question
from forum.models import Answer, Flag, ModerationAction, Revision, User, Vote
from tests.factories import make_answer, make_member, make_question
from tests.pages import text_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_forms")]


@dataclass
class WritePath:
    """One write: the page that offers its form, the form, and where it posts."""

    page: str
    form: str
    url: str
    data: dict


def write_paths(question, target, own) -> dict[str, WritePath]:
    """Every write, on ``target`` (someone else's answer) or ``own`` (the member's)."""
    question_url = question.get_absolute_url()
    post_url = reverse(
        "forum:post_answer", kwargs={"slug": question.article.slug, "question": question.slug}
    )
    reply_url = reverse("forum:reply", kwargs={"pk": target.pk})
    edit_url = reverse("forum:edit", kwargs={"pk": own.pk})
    delete_url = reverse("forum:delete", kwargs={"pk": own.pk})
    flag_url = reverse("forum:flag", kwargs={"pk": target.pk})
    return {
        "answer": WritePath(question_url, "#answer-form", post_url, {"body": "Mon avis."}),
        "reply": WritePath(reply_url, "form.answer-form", reply_url, {"body": "Ma réplique."}),
        "edit": WritePath(edit_url, "form.answer-form--edit", edit_url, {"body": "Changé."}),
        "delete": WritePath(delete_url, "form[action$='/delete/']", delete_url, {}),
        "vote": WritePath(
            question_url,
            f"#a{target.pk} form.vote",
            reverse("forum:vote", kwargs={"pk": target.pk}),
            {"value": "1"},
        ),
        "flag": WritePath(flag_url, "form.flag-form", flag_url, {"reason": "spam", "note": ""}),
    }


PATHS = ["answer", "reply", "edit", "delete", "vote", "flag"]
# What each sanction's refusal says: the sanction, and the reason the moderator gave.
SENTENCES = {
    "dave_suspended": ["Votre compte est suspendu jusqu’au", "Insultes répétées."],
    "erin_banned": ["Votre compte est banni", "Spam répété."],
}


def everything_written() -> dict:
    """Every row a write could add or change."""
    return {
        "answers": list(
            Answer.objects.order_by("pk").values_list(
                "pk", "status", "body", "version", "upvotes", "flag_weight", "reply_count"
            )
        ),
        "counts": list(Question.objects.order_by("pk").values_list("pk", "answer_count")),
        "votes": list(Vote.objects.values_list("user", "answer", "value")),
        "flags": list(Flag.objects.values_list("reporter", "answer", "status")),
        "revisions": Revision.objects.count(),
        "actions": ModerationAction.objects.count(),
    }


@pytest.fixture
def question():
    return make_question()


@pytest.fixture
def target(question, alice):
    """Someone else's answer, to reply to, vote on and flag."""
    return make_answer(question, alice, body="L’avis d’Alice.")


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("who", ["dave_suspended", "erin_banned"])
@pytest.mark.parametrize("path", PATHS)
def test_a_sanctioned_member_is_refused_every_write(
    request, client_for, question, target, path, who, htmx
):
    member = request.getfixturevalue(who)
    own = make_answer(question, member, body="Écrit avant la sanction.")
    write = write_paths(question, target, own)[path]
    browser = client_for(member)
    browser.get(question.get_absolute_url())  # the page gives the CSRF cookie
    before = everything_written()
    headers = {"HX-Request": "true"} if htmx else {}
    # Posted as a script would: the page itself offers no such form to this member.
    response = browser.post(write.url, write.data, headers=headers)
    assert response.status_code == 403
    said = text_of(response)
    assert all(sentence in said for sentence in SENTENCES[who]), said
    assert everything_written() == before


@pytest.fixture
def paul_premoderated(db, question):
    """Pre-moderated, with an answer written before (published) to edit or delete."""
    paul = make_member("paul")
    own = make_answer(question, paul, body="Écrit avant la pré-modération.")
    User.objects.filter(pk=paul.pk).update(premoderated=True)
    paul.refresh_from_db()
    return paul, own


WRITTEN = {
    "answer": lambda member, own: Answer.objects.filter(author=member, status="pending").count(),
    "reply": lambda member, own: Answer.objects.filter(author=member, status="pending").count(),
    "edit": lambda member, own: Answer.objects.filter(pk=own.pk, body="Changé.").count(),
    "delete": lambda member, own: Answer.objects.filter(pk=own.pk, status="deleted").count(),
    "vote": lambda member, own: Vote.objects.filter(user=member).count(),
    "flag": lambda member, own: Flag.objects.filter(reporter=member).count(),
}


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("path", PATHS)
def test_a_pre_moderated_member_writes_through_every_path(
    client_for, question, target, paul_premoderated, path, htmx
):
    """The control of the test above: the same writes, from the forms the pages give, go
    through; new answers and replies wait for a moderator."""
    member, own = paul_premoderated
    write = write_paths(question, target, own)[path]
    response = client_for(member).submit(write.page, write.form, write.data, htmx=htmx)
    assert response.status_code in (200, 302), text_of(response)
    assert WRITTEN[path](member, own) == 1
