"""What reaches the queue: the article's policy, the author's standing and trust, word
rules and links decide whether an answer is published at once or waits for a moderator."""

import pytest
from django.urls import reverse

from forum.answers import check_post_answer, do_edit_answer
from forum.models import Answer, Notification, WordRule
from forum.moderation import words
from forum.moderation.actions import do_decide
from tests.factories import long_ago, make_answer, make_article, make_member, make_question
from tests.pages import soup, text_of

pytestmark = pytest.mark.usefixtures("fast_forms")


@pytest.fixture(autouse=True)
def _thresholds(settings):
    settings.TRUST_MEMBER_ANSWERS, settings.TRUST_MEMBER_DAYS = 3, 7
    settings.TRUST_LINKS_LEVEL = "member"


def question_under(policy: str):
    return make_question(make_article(discussion_policy=policy), text="Et l'Europe ?")


def regular(name="habitue"):
    """A member by trust: three published answers, an account a month old."""
    member = make_member(name, date_joined=long_ago(days=30))
    elsewhere = make_question()
    for _ in range(3):
        make_answer(elsewhere, member)
    return member


def rule(pattern: str, action: str, label="propos injurieux") -> WordRule:
    made = WordRule.objects.create(pattern=pattern, action=action, label=label)
    words.rules_changed()
    return made


def post(author, question, body="L'Europe régule."):
    return check_post_answer(author=author, question=question, body=body)[0]


@pytest.mark.parametrize(
    ("policy", "newcomer", "member"),
    [
        ("post", ("published", ""), ("published", "")),
        ("pre-new", ("pending", "trust"), ("published", "")),
        ("pre-all", ("pending", "policy"), ("pending", "policy")),
    ],
)
def test_the_articles_policy_decides_who_waits(policy, newcomer, member, bob):
    question = question_under(policy)
    for author, expected in ((bob, newcomer), (regular(), member)):
        answer = post(author, question)
        assert (answer.status, answer.review_cause) == expected


def test_a_pre_moderated_member_waits_whatever_the_policy(db):
    member = regular()
    member.premoderated = True
    answer = post(member, question_under("post"))
    assert (answer.status, answer.review_cause) == ("pending", "sanction")


def test_a_waiting_answer_is_shown_to_its_author_only_then_approval_publishes_and_tells(
    client_for, bob, charlie, moderator, django_capture_on_commit_callbacks
):
    question = question_under("pre-all")
    answer = post(bob, question, "Je réserve mon avis.")
    assert question.answers.filter(status="published").count() == 0
    mine = text_of(client_for(bob).get(question.get_absolute_url()))
    assert "Je réserve mon avis." in mine and "en attente de modération" in mine
    assert "Je réserve mon avis." not in text_of(
        client_for(charlie).get(question.get_absolute_url())
    )
    with django_capture_on_commit_callbacks(execute=True):
        do_decide(moderator=moderator, answer=answer, verb="approve", seen_version=answer.version)
    assert Answer.objects.get(pk=answer.pk).status == "published"
    assert Notification.objects.filter(recipient=bob, action__verb="approve").exists()
    assert "Je réserve mon avis." in text_of(client_for(charlie).get(question.get_absolute_url()))


def test_a_review_rule_sends_the_answer_to_review_with_the_rule(db):
    watched = rule("propagande", "review")
    answer = post(regular(), question_under("post"), "C'est de la Propagande pure.")
    assert (answer.status, answer.review_cause, answer.review_rule) == (
        "pending", "word_rule", watched,
    )  # fmt: skip


def test_a_block_rule_refuses_the_text_and_says_which_rule(client_for, bob):
    rule("abruti*", "block", label="insultes")
    question = question_under("post")
    response = client_for(bob).submit(
        question.get_absolute_url(), "#answer-form", {"body": "Quels abrutis, ces gens."}
    )
    assert response.status_code == 400
    page = soup(response)
    assert "insultes" in page.select_one("#answer-form [role=alert]").text
    assert page.select_one("#answer-form textarea").text == "Quels abrutis, ces gens."
    assert not Answer.objects.exists()


def test_a_block_rule_holds_on_every_path(bob):
    from django.core.exceptions import PermissionDenied

    rule("abruti*", "block", label="insultes")
    with pytest.raises(PermissionDenied, match="insultes"):
        post(bob, question_under("post"), "Abruti !")


def test_a_word_inside_a_longer_word_is_no_match(db):
    rule("con", "block")
    answer = post(regular(), question_under("post"), "Le Conseil européen en a décidé.")
    assert answer.status == "published"


@pytest.mark.parametrize(("trusted", "status"), [(False, "pending"), (True, "published")])
def test_links_from_new_members_wait(db, bob, trusted, status):
    author = regular() if trusted else bob
    answer = post(author, question_under("post"), "Voir https://techtracker.aspi.org.au/")
    assert answer.status == status
    assert answer.review_cause == ("" if trusted else "link")


def test_an_edit_that_breaks_a_review_rule_goes_to_review(db):
    rule("propagande", "review")
    question = question_under("post")
    answer = post(regular(), question, "Analyse sérieuse.")
    do_edit_answer(answer=answer, editor=answer.author, body="Pure propagande.")
    answer.refresh_from_db()
    assert (answer.status, answer.review_cause) == ("pending", "word_rule")
    question.refresh_from_db()
    assert question.answer_count == 0


def test_an_edit_that_breaks_a_block_rule_is_refused_in_the_form(client_for, bob):
    rule("abruti*", "block", label="insultes")
    answer = make_answer(question_under("post"), bob, body="Calme.")
    url = reverse("forum:edit", kwargs={"pk": answer.pk})
    response = client_for(bob).submit(url, "form.answer-form--edit", {"body": "Abrutis."})
    assert response.status_code == 400
    assert Answer.objects.get(pk=answer.pk).body == "Calme."


def test_the_queue_says_why_an_answer_waits(moderator_client, bob):
    post(bob, question_under("post"), "Voir https://techtracker.aspi.org.au/")
    page = text_of(moderator_client.get("/en/moderation/?tab=pending"))
    assert "waiting because of a link from a new member" in page
