"""The rulebook, and the places where SQL restates one of its rules for speed.

Each restatement is run beside its predicate over the same matrix of states
(article draft / scheduled / published / closed, question open / locked / closed,
answer published / pending / removed / deleted / spam, and as viewer: nobody, the
author, a member, an unverified, a suspended, a banned and a pre-moderated member).
The page's facts (:func:`rules.hydrate`) are run beside the predicates the same way.
A new state or sanction is a row here, and a rule that drifts from its SQL fails here.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone, translation

from articles.models import Article
from forum import rules
from forum.models import Answer, User
from forum.moderation.actions import do_flag
from forum.voting import vote_target
from tests.factories import long_ago, make_answer, make_article, make_member, make_question

ARTICLE_STATES = ["published", "draft", "scheduled", "closed"]
QUESTION_STATES = ["open", "locked", "closed"]
ANSWER_STATUSES = ["published", "pending", "removed", "deleted", "spam"]
VIEWERS = ["anonymous", "author", "member", "unverified", "suspended", "banned", "premoderated"]


@pytest.fixture(autouse=True)
def _in_english():
    """Refusals are compared with the sentences as written in the code."""
    with translation.override("en"):
        yield


@pytest.fixture
def world(db):
    """Every combination of article, question and answer state, all by one author."""
    author = make_member("auteur")
    people = {
        "author": author,
        "member": make_member("membre"),
        "unverified": make_member("nonverifie", verified=False),
        "suspended": make_member(
            "suspendu", suspended_until=timezone.now() + timedelta(days=2), sanction_reason="x"
        ),
        "banned": make_member("banni", banned=True),
        "premoderated": make_member("premodere", premoderated=True),
    }
    answers = []
    for article_state in ARTICLE_STATES:
        article = make_article(article_state)
        for question_state in QUESTION_STATES:
            question = make_question(article, question_state)
            for status in ANSWER_STATUSES:
                answers.append(make_answer(question, author, status=status, body=status))
    return people, answers


def viewer(people, name):
    """A fresh copy of the person, as a new request would load them."""
    if name == "anonymous":
        return AnonymousUser()
    return User.objects.get(pk=people[name].pk)


def loaded_by_the_orm(answer) -> Answer:
    return Answer.objects.select_related("question__article").get(pk=answer.pk)


def vote_decision(user, answer) -> str:
    """What the vote endpoint decides, from whichever read loaded the answer."""
    if not rules.may_see(user, answer) or not answer.question.article.is_published:
        return "not found"
    return rules.voting_refusal(user, answer) or "allowed"


def test_the_votes_lean_read_decides_as_the_orm_read_does(world):
    people, answers = world
    disagreements = []
    for name in VIEWERS:
        for answer in answers:
            by_orm = vote_decision(viewer(people, name), loaded_by_the_orm(answer))
            user = viewer(people, name)
            by_sql = vote_decision(user, vote_target(answer.pk, user))
            if by_orm != by_sql:
                disagreements.append((name, answer.body, answer.question_id, by_orm, by_sql))
    assert disagreements == []


def test_the_matrix_covers_every_outcome(world):
    """The matrix is not vacuous: it holds votes allowed, refused, and not found."""
    people, answers = world
    outcomes = {
        vote_decision(viewer(people, name), loaded_by_the_orm(answer))
        for name in VIEWERS
        for answer in answers
    }
    assert "allowed" in outcomes and "not found" in outcomes
    assert {outcome for outcome in outcomes if outcome not in ("allowed", "not found")} >= {
        "Sign in to vote.",
        "You cannot vote on your own answer.",
        "Only published answers can be voted on.",
        "This discussion is locked: votes are closed too.",
        "Confirm your e-mail address to vote: follow the link we sent you.",
    }


def test_the_visibility_filter_shows_what_may_see_allows(world):
    people, answers = world
    for name in VIEWERS:
        user = viewer(people, name)
        shown = set(Answer.objects.filter(rules.visible_answers(user)).values_list("pk", flat=True))
        allowed = {answer.pk for answer in answers if rules.may_see(user, answer)}
        assert shown == allowed, name


def flag_decision(user, answer) -> str:
    """What the flag endpoint decides: as for a vote, nothing about an answer one cannot see."""
    if not rules.may_see(user, answer) or not answer.question.article.is_published:
        return "not found"
    return rules.flagging_refusal(user, answer) or "allowed"


def test_the_matrix_covers_every_flagging_outcome(world):
    people, answers = world
    outcomes = {
        flag_decision(viewer(people, name), loaded_by_the_orm(answer))
        for name in VIEWERS
        for answer in answers
    }
    assert {outcome.split(" until ")[0] for outcome in outcomes} == {
        "allowed",
        "not found",
        "Sign in to flag an answer.",
        "You cannot flag your own answer.",
        "Only published answers can be flagged.",
        "This discussion is locked: answers can be read but not added.",
        "Confirm your e-mail address to flag: follow the link we sent you.",
        "Your account is suspended",
        "Your account is banned: you can read, but no longer answer or vote.",
    }


def test_members_flag_published_answers_of_discussions_not_locked(world):
    """Closed discussions (by a moderator or by their date) still take flags: an answer
    can turn out to break the rules after the debate ended."""
    people, answers = world
    member = viewer(people, "member")
    flaggable = {
        (answer.question.article.slug, answer.question.state)
        for answer in map(loaded_by_the_orm, answers)
        if flag_decision(member, answer) == "allowed"
    }
    published, closed = Article.objects.order_by("pk").filter(slug__in={a for a, _ in flaggable})
    assert flaggable == {
        (published.slug, "open"),
        (published.slug, "closed"),
        (closed.slug, "open"),
        (closed.slug, "closed"),
    }
    assert closed.is_closed and not published.is_closed


def test_the_pages_facts_agree_with_the_rules(world):
    """What hydrate lets the page show is what the rules then allow: the edit and delete
    links for the viewer as they are, the reply, vote and flag links for anyone in the
    viewer's place with a verified address and no sanction (signing in tells the rest)."""
    people, answers = world
    by_question = {}
    for answer in map(loaded_by_the_orm, answers):
        by_question.setdefault(answer.question_id, []).append(answer)
    disagreements = []
    for name in VIEWERS:
        user = viewer(people, name)
        member = viewer(people, "member")
        for shown in by_question.values():
            facts = rules.hydrate(user, shown[0].question, shown)
            for answer in shown:
                own = name == "author"
                expected = {
                    "can_edit": not rules.editing_refusal(user, answer),
                    "can_delete": not rules.deleting_refusal(user, answer),
                    "can_reply": not rules.replying_refusal(member, answer),
                    "can_vote": not own and not rules.voting_refusal(member, answer),
                    "can_flag": not own and not rules.flagging_refusal(member, answer),
                }
                got = {key: getattr(facts[answer.pk], key) for key in expected}
                if got != expected:
                    disagreements.append((name, answer.body, answer.question.state, got))
    assert disagreements == []


def test_only_pre_moderated_members_answers_wait_for_review(world):
    people, answers = world
    question = answers[0].question
    waiting = {
        name
        for name in people
        if rules.review_cause(viewer(people, name), question, body="Oui.", body_html="<p>Oui.</p>")[
            0
        ]
    }
    assert waiting == {"premoderated"}


def test_the_published_filter_lists_what_is_published(world):
    listed = set(Article.objects.published().values_list("pk", flat=True))
    assert listed == {article.pk for article in Article.objects.all() if article.is_published}
    assert len(listed) == 2  # the published and the closed article


def test_the_visible_scores_filter_keeps_what_score_visible_allows(db, alice, bob):
    question = make_question()
    hidden_for = timedelta(hours=1)  # settings.SCORE_HIDDEN_FOR by default
    young = make_answer(question, alice, created_at=long_ago(minutes=59))
    old = make_answer(question, alice, created_at=long_ago(minutes=61))
    assert hidden_for == timedelta(minutes=60)
    filtered = set(Answer.objects.filter(rules.visible_scores()).values_list("pk", flat=True))
    assert filtered == {old.pk}
    assert [rules.score_visible(bob, a) for a in (young, old)] == [False, True]
    assert rules.score_visible(alice, young)  # the author always sees their score


# --- The rules themselves, with the outcome written out for each state --------------


@pytest.mark.parametrize(
    ("article_state", "question_state", "refusal"),
    [
        ("published", "open", ""),
        ("published", "locked", "This discussion is locked: answers can be read but not added."),
        ("published", "closed", "This discussion is closed to new answers."),
        ("closed", "open", "This discussion is closed to new answers."),
        ("closed", "locked", "This discussion is locked: answers can be read but not added."),
    ],
)
def test_answering_depends_on_the_discussion(db, alice, article_state, question_state, refusal):
    question = make_question(make_article(article_state), question_state)
    assert rules.answering_refusal(alice, question) == refusal


LOCKED = "This discussion is locked: answers can be read but not added."
EVERYTHING_ALLOWED = {"answer": "", "reply": "", "vote": "", "flag": "", "edit": "", "delete": ""}


def what_is_refused(question, author, member) -> dict[str, str]:
    """Each write on ``question`` and on an answer of ``author``'s there, by ``member``
    (and editing, deleting by its author)."""
    answer = make_answer(question, author)
    answer = loaded_by_the_orm(answer)
    return {
        "answer": rules.answering_refusal(member, answer.question),
        "reply": rules.replying_refusal(member, answer),
        "vote": rules.voting_refusal(member, answer),
        "flag": rules.flagging_refusal(member, answer),
        "edit": rules.editing_refusal(author, answer),
        "delete": rules.deleting_refusal(author, answer),
    }


@pytest.mark.parametrize(
    ("article_state", "question_state", "refused"),
    [
        ("published", "open", {}),
        ("published", "closed", {"answer": "This discussion is closed to new answers."}),
        ("closed", "open", {"answer": "This discussion is closed to new answers."}),
        ("closed", "closed", {"answer": "This discussion is closed to new answers."}),
        (
            "published",
            "locked",
            {
                "answer": LOCKED,
                "reply": LOCKED,
                "vote": "This discussion is locked: votes are closed too.",
                "flag": LOCKED,
                "edit": LOCKED,
            },
        ),
    ],
)
def test_closing_stops_new_answers_and_locking_stops_everything_but_deleting(
    db, alice, bob, article_state, question_state, refused
):
    question = make_question(make_article(article_state), question_state)
    assert what_is_refused(question, alice, bob) == EVERYTHING_ALLOWED | refused


SUSPENDED = "Your account is suspended until"
BANNED = "Your account is banned: you can read, but no longer answer or vote."


@pytest.mark.parametrize(
    ("who", "refusal"),
    [("dave_suspended", SUSPENDED), ("erin_banned", BANNED)],
)
def test_a_sanction_refuses_every_write(request, db, alice, who, refusal):
    """Deleting too: a moderator may be looking at exactly that answer."""
    sanctioned = request.getfixturevalue(who)
    question = make_question()
    own = loaded_by_the_orm(make_answer(question, sanctioned))
    theirs = loaded_by_the_orm(make_answer(question, alice))
    outcomes = {
        "answer": rules.answering_refusal(sanctioned, question),
        "reply": rules.replying_refusal(sanctioned, theirs),
        "vote": rules.voting_refusal(sanctioned, theirs),
        "flag": rules.flagging_refusal(sanctioned, theirs),
        "edit": rules.editing_refusal(sanctioned, own),
        "delete": rules.deleting_refusal(sanctioned, own),
    }
    assert {write: outcome.startswith(refusal) for write, outcome in outcomes.items()} == {
        write: True for write in EVERYTHING_ALLOWED
    }


def test_pre_moderation_refuses_no_write(db, alice):
    """Its answers wait for a moderator (review_cause), but they are written."""
    member = make_member("prudent", premoderated=True)
    question = make_question()
    assert what_is_refused(question, alice, member) == EVERYTHING_ALLOWED
    plain = {"body": "Oui.", "body_html": "<p>Oui.</p>"}
    assert rules.review_cause(member, question, **plain) == ("sanction", None)
    assert rules.review_cause(alice, question, **plain) == ("", None)
    waiting = loaded_by_the_orm(make_answer(question, member))
    assert waiting.status == Answer.Status.PENDING
    assert rules.editing_refusal(member, waiting) == rules.deleting_refusal(member, waiting) == ""


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        ("alice", ""),
        ("anonymous", "Sign in to answer."),
        ("carol_unverified", "Confirm your e-mail address to answer: follow the link we sent you."),
        ("dave_suspended", "Your account is suspended until"),
        ("erin_banned", "Your account is banned: you can read, but no longer answer or vote."),
    ],
)
def test_answering_depends_on_the_member(request, db, who, refusal):
    user = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
    outcome = rules.answering_refusal(user, make_question())
    assert outcome.startswith(refusal) and bool(outcome) == bool(refusal)


def test_a_suspension_says_until_when_and_why(dave_suspended):
    refusal = rules.sanction_refusal(dave_suspended)
    assert "Insultes répétées." in refusal


def test_a_suspension_ends_on_its_date(db):
    member = make_member("ancien", suspended_until=long_ago(minutes=1))
    assert rules.sanction_refusal(member) == ""


def test_nobody_replies_to_a_tombstone_or_a_pending_answer(db, alice, bob):
    question = make_question()
    for status in ("deleted", "removed", "pending"):
        answer = make_answer(question, alice, status=status)
        assert rules.replying_refusal(bob, answer), status
    assert rules.replying_refusal(bob, make_answer(question, alice)) == ""


def test_only_the_author_edits_and_only_within_the_window(db, alice, bob):
    question = make_question()
    fresh = make_answer(question, alice)
    assert rules.editing_refusal(alice, fresh) == ""
    assert rules.editing_refusal(bob, fresh) == "Only the author can change this answer."
    assert (
        rules.editing_refusal(AnonymousUser(), fresh) == "Only the author can change this answer."
    )
    old = make_answer(question, alice, created_at=long_ago(hours=25))
    assert rules.editing_refusal(alice, old) == "This answer can no longer be edited."


def test_a_replied_answer_is_editable_for_15_minutes_only(db, alice, bob):
    question = make_question()
    answer = make_answer(question, alice, created_at=long_ago(minutes=16))
    assert rules.editing_refusal(alice, answer) == ""  # nobody replied: a day
    make_answer(question, bob, parent=answer)
    answer.refresh_from_db()
    assert rules.editing_refusal(alice, answer) == "This answer can no longer be edited."


def test_sanctioned_members_cannot_edit(db, dave_suspended):
    answer = make_answer(make_question(), dave_suspended)
    assert rules.editing_refusal(dave_suspended, answer).startswith("Your account is suspended")


def test_deleting_is_for_the_author_of_a_live_answer(db, alice, bob):
    question = make_question()
    answer = make_answer(question, alice)
    assert rules.deleting_refusal(alice, answer) == ""
    assert rules.deleting_refusal(bob, answer) == "Only the author can change this answer."
    gone = make_answer(question, alice, status="deleted")
    assert rules.deleting_refusal(alice, gone) == (
        "This answer was deleted or removed: it can no longer be changed."
    )


def test_a_suspension_over_lets_the_member_delete_again(db):
    member = make_member("ancien", suspended_until=timezone.now() + timedelta(days=1))
    answer = make_answer(make_question(), member)
    assert rules.deleting_refusal(member, answer).startswith(SUSPENDED)
    User.objects.filter(pk=member.pk).update(suspended_until=long_ago(minutes=1))
    assert rules.deleting_refusal(User.objects.get(pk=member.pk), answer) == ""


def test_flagging_rules(db, alice, bob, carol_unverified):
    question = make_question()
    answer = make_answer(question, alice)
    assert rules.flagging_refusal(bob, answer) == ""
    assert rules.flagging_refusal(alice, answer) == "You cannot flag your own answer."
    assert rules.flagging_refusal(AnonymousUser(), answer) == "Sign in to flag an answer."
    assert rules.flagging_refusal(carol_unverified, answer).startswith("Confirm your e-mail")
    locked = make_answer(make_question(state="locked"), alice)
    assert rules.flagging_refusal(bob, locked).startswith("This discussion is locked")


def test_the_hydrator_reads_the_viewers_votes_and_flags_in_one_query(
    db, alice, bob, charlie, django_assert_num_queries
):
    from forum.voting import do_set_vote

    question = make_question()
    mine = make_answer(question, bob)
    theirs = [make_answer(question, alice) for _ in range(5)]
    do_set_vote(voter=bob, answer=theirs[0], value=1)
    do_set_vote(voter=bob, answer=theirs[1], value=-1)
    do_flag(reporter=bob, answer=theirs[2], reason="off_topic")
    do_flag(reporter=charlie, answer=theirs[3], reason="spam")  # not bob's
    question = type(question).objects.select_related("article").get(pk=question.pk)
    elsewhere = make_answer(question, alice)  # not on the page: nothing of it is read
    do_set_vote(voter=bob, answer=elsewhere, value=1)
    do_flag(reporter=bob, answer=elsewhere, reason="spam")
    with django_assert_num_queries(1) as queries:
        facts = rules.hydrate(bob, question, [mine, *theirs])
    assert all(table in queries[0]["sql"] for table in ("forum_vote", "forum_flag", "forum_block"))
    assert elsewhere.pk not in facts
    assert [facts[a.pk].my_vote for a in theirs] == [1, -1, 0, 0, 0]
    assert [facts[a.pk].my_flag for a in theirs] == ["", "", "off_topic", "", ""]
    assert not facts[mine.pk].can_flag and facts[theirs[3].pk].can_flag
    assert facts[mine.pk].can_edit and facts[mine.pk].can_delete
    assert not facts[mine.pk].can_vote and facts[theirs[2].pk].can_vote
    assert not facts[theirs[2].pk].can_edit


def test_an_anonymous_hydration_reads_nothing(db, alice, django_assert_num_queries):
    question = make_question()
    answers = [make_answer(question, alice) for _ in range(3)]
    question = type(question).objects.select_related("article").get(pk=question.pk)
    with django_assert_num_queries(0):
        facts = rules.hydrate(AnonymousUser(), question, answers)
    assert all(f.can_flag and f.can_vote and not f.can_edit for f in facts.values())
