"""Test data, made the way the site makes it.

Each function makes one thing in the state asked for, chosen at creation. Answers
go through the product's workflows (forum.answers), so a test holds only data the
site itself could have written. The few states no workflow produces yet are
written at creation, and the code says which.
"""

import itertools
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.test.utils import override_settings
from django.utils import timezone

from articles.models import Article, Question
from articles.publishing import question_slug
from forum.answers import do_delete_answer, do_post_answer
from forum.markdown import RENDERER_VERSION, render_markdown
from forum.models import Answer, User, tree_path
from forum.voting import do_set_vote

_serial = itertools.count(1)


def make_member(username: str, *, verified: bool = True, **fields) -> User:
    """A member as sign-up leaves them, with a verified address unless told otherwise.
    Their password is "pw-" + username."""
    email = f"{username.lower()}@example.org"
    user = User.objects.create_user(
        username=username, email=email, password="pw-" + username, **fields
    )
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


def make_article(state: str = "published", *, questions=(), **fields) -> Article:
    """An article with a headline, in ``state``:

    - "published" (the default): out since yesterday, its discussions open;
    - "draft": never published;
    - "scheduled": published for tomorrow, so not out yet;
    - "closed": published, its discussions closed an hour ago.

    ``questions`` are the texts of its reader questions, in order.
    """
    n = next(_serial)
    now = timezone.now()
    values = {
        "slug": f"article-{n}",
        "title": f"Titre de l’article {n}",
        "body": f"Premier paragraphe de l’article {n}.\n\nSecond paragraphe.",
        "status": Article.Status.PUBLISHED,
        "published_at": now - timedelta(days=1),
    }
    if state == "draft":
        values |= {"status": Article.Status.DRAFT, "published_at": None}
    elif state == "scheduled":
        values["published_at"] = now + timedelta(days=1)
    elif state == "closed":
        values["closes_at"] = now - timedelta(hours=1)
    elif state != "published":
        raise ValueError(f"no article state {state!r}")
    article = Article.objects.create(**(values | fields))
    for text in questions:
        make_question(article, text=text)
    return article


def make_question(article: Article | None = None, state: str = "open", **fields) -> Question:
    """A reader question at the end of ``article`` (a new published one if none), in
    ``state``: "open" (the default), "locked" or "closed"."""
    article = article or make_article()
    position = article.questions.count() + 1
    text = fields.pop("text", f"Qu’en pensez-vous, question {position} ?")
    taken = set(article.questions.values_list("slug", flat=True))
    return Question.objects.create(
        article=article,
        position=position,
        text=text,
        slug=fields.pop("slug", question_slug(text, taken)),
        state=Question.State(state),
        **fields,
    )


def make_answer(
    question: Question,
    author: User,
    *,
    parent: Answer | None = None,
    body: str = "Une réponse argumentée.",
    status: str = "published",
    removal_reason: str = "",
    created_at: datetime | None = None,
    pinned: bool = False,
) -> Answer:
    """An answer (a reply when ``parent`` is given) in ``status``:

    - "published" (the default), through forum.answers.do_post_answer, by an author
      whose links are welcome (TRUST_LINKS_LEVEL: the cast are new accounts, whose links
      would wait for review; tests/moderation/test_intake.py tests that rule); the
      article's policy, word rules and sanctions still apply, so a test that sets them
      gets the answer they make;
    - "deleted": posted, then taken back through forum.answers.do_delete_answer;
    - "pending", "removed", "spam": written in that state at creation, with the tree
      facts do_post_answer writes (the workflows that lead there are tested with them).

    ``created_at`` backdates it (the site stamps "now"); ``pinned`` has no
    workflow yet either and is written at creation.
    """
    status = Answer.Status(status)
    if status in (Answer.Status.PUBLISHED, Answer.Status.DELETED):
        with override_settings(TRUST_LINKS_LEVEL="new"):
            answer, _created = do_post_answer(
                author=author, question=question, parent=parent, body=body
            )
    else:
        answer = _written_in_state(question, author, parent, body, status, removal_reason)
    if created_at is not None or pinned:
        # As if it had been posted then, or pinned when posted: a fact of its creation.
        Answer.objects.filter(pk=answer.pk).update(
            created_at=created_at or answer.created_at, pinned=pinned
        )
        answer.refresh_from_db()
    if status == Answer.Status.DELETED:
        do_delete_answer(answer=answer)
        answer.refresh_from_db()
    return answer


def _written_in_state(question, author, parent, body, status, removal_reason) -> Answer:
    answer = Answer.objects.create(
        question=question,
        parent=parent,
        root_id=parent.root_id if parent else None,
        depth=parent.depth + 1 if parent else 0,
        author=author,
        body=body,
        body_html=render_markdown(body),
        renderer_version=RENDERER_VERSION,
        status=status,
        removal_reason=removal_reason,
    )
    path = tree_path(parent.path if parent else "", answer.pk)
    if parent is None:
        Answer.objects.filter(pk=answer.pk).update(root=answer, path=path)
    else:
        Answer.objects.filter(pk=answer.pk).update(path=path)
        # Direct replies ever written, whatever became of them (Answer.reply_count).
        Answer.objects.filter(pk=parent.pk).update(reply_count=parent.reply_count + 1)
        parent.refresh_from_db()
    answer.refresh_from_db()
    return answer


def make_thread(question: Question, authors, length: int, *, start: Answer | None = None):
    """A line of ``length`` replies, each answering the previous one, the authors taking
    turns; the first answers ``start`` (or the question). Returns them top first."""
    parent, made = start, []
    for n in range(length):
        parent = make_answer(
            question, authors[n % len(authors)], parent=parent, body=f"Niveau {n}."
        )
        made.append(parent)
    return made


def vote_on(answer: Answer, *, up: int = 0, down: int = 0) -> Answer:
    """``up`` upvotes and ``down`` downvotes from as many new members, through
    forum.voting.do_set_vote. Returns the answer with its counters as stored."""
    for value, count in ((1, up), (-1, down)):
        for _ in range(count):
            voter = make_member(f"voter{next(_serial)}")
            do_set_vote(voter=voter, answer=answer, value=value)
    answer.refresh_from_db()
    return answer


def long_ago(**delta) -> datetime:
    """A moment in the past, for ``created_at``: ``long_ago(hours=2)``."""
    return timezone.now() - timedelta(**delta)
