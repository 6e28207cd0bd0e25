"""Writing answers: the workflows that post, edit and delete.

``check_*`` asks the rulebook (forum.rules) for the person acting, then calls
``do_*``, which only makes the change, inside a transaction."""

import uuid

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from articles.models import Question

from . import notifications
from .markdown import RENDERER_VERSION, render_markdown
from .models import Answer, Follow, ModerationAction, Revision, User, tree_path
from .rules import (
    answering_refusal,
    blocked_refusal,
    deleting_refusal,
    edit_review_cause,
    editing_refusal,
    replying_refusal,
    review_cause,
)


def check_post_answer(
    *,
    author: User,
    question: Question,
    body: str,
    parent: Answer | None = None,
    idempotency_key: uuid.UUID | None = None,
) -> tuple[Answer, bool]:
    """Post an answer or a reply if the rulebook lets ``author`` do it; else PermissionDenied."""
    refusal = replying_refusal(author, parent) if parent else answering_refusal(author, question)
    if refusal := refusal or blocked_refusal(body):
        raise PermissionDenied(refusal)
    return do_post_answer(
        author=author,
        question=question,
        body=body,
        parent=parent,
        idempotency_key=idempotency_key,
    )


def check_edit_answer(*, answer: Answer, editor: User, body: str) -> Answer:
    if refusal := editing_refusal(editor, answer) or blocked_refusal(body):
        raise PermissionDenied(refusal)
    return do_edit_answer(answer=answer, editor=editor, body=body)


def check_delete_answer(*, answer: Answer, author: User) -> Answer:
    if refusal := deleting_refusal(author, answer):
        raise PermissionDenied(refusal)
    return do_delete_answer(answer=answer)


def do_post_answer(
    *,
    author: User,
    question: Question,
    body: str,
    parent: Answer | None = None,
    idempotency_key: uuid.UUID | None = None,
) -> tuple[Answer, bool]:
    """Create an answer or a reply; return it and whether it is new.

    The same idempotency key from the same author returns the first answer,
    so a double submit never posts twice.
    """
    if idempotency_key is not None:
        existing = Answer.objects.filter(author=author, idempotency_key=idempotency_key).first()
        if existing is not None:
            if _same_submission(existing, question=question, parent=parent, body=body):
                return existing, False
            # The key protects one submission only: another text or another place is a new
            # answer (a form copied, or a key forged), posted without a key.
            idempotency_key = None
    body_html = render_markdown(body)
    cause, rule = review_cause(author, question, body=body, body_html=body_html)
    answer = Answer(
        question=question,
        parent=parent,
        depth=parent.depth + 1 if parent else 0,
        author=author,
        body=body,
        body_html=body_html,
        renderer_version=RENDERER_VERSION,
        status=Answer.Status.PENDING if cause else Answer.Status.PUBLISHED,
        review_cause=cause,
        review_rule=rule,
        idempotency_key=idempotency_key,
    )
    try:
        with transaction.atomic():
            if parent is not None:
                answer.root_id = parent.root_id
            answer.save()
            above = parent.path if parent else ""
            # Under a parent of unknown path (a row written in bulk), unknown too.
            answer.path = "" if parent and not above else tree_path(above, answer.pk)
            if parent is None:
                # A top-level answer is the root of its own thread.
                Answer.objects.filter(pk=answer.pk).update(root=answer, path=answer.path)
                answer.root_id = answer.pk
            else:
                Answer.objects.filter(pk=answer.pk).update(path=answer.path)
                Answer.objects.filter(pk=parent.pk).update(reply_count=F("reply_count") + 1)
            # Authors hear of the replies to what they wrote, until they stop following it.
            Follow.objects.create(member=author, answer=answer)
            if answer.status == Answer.Status.PUBLISHED:
                Question.objects.filter(pk=question.pk).update(answer_count=F("answer_count") + 1)
                notifications.answer_published(answer)
            elif cause == Answer.ReviewCause.WORD_RULE:
                _log_word_rule_hold(answer)
    except IntegrityError:
        # Two identical submits raced past the lookup above: the other one won.
        if idempotency_key is None:
            raise
        return Answer.objects.get(author=author, idempotency_key=idempotency_key), False
    return answer, True


def _same_submission(answer: Answer, *, question, parent, body: str) -> bool:
    return (answer.question_id, answer.parent_id, answer.body) == (
        question.pk,
        parent.pk if parent else None,
        body,
    )


def do_edit_answer(*, answer: Answer, editor: User, body: str) -> Answer:
    """Replace the text, keeping the previous one as a revision.

    The new version is what moderators decide on from now on (a decision on the old text is
    refused); an answer published after review goes back to review."""
    if body == answer.body:
        return answer
    with transaction.atomic():
        Revision.objects.create(answer=answer, body=answer.body, editor=editor)
        answer.body = body
        answer.body_html = render_markdown(body)
        answer.renderer_version = RENDERER_VERSION
        answer.edited_at = timezone.now()
        answer.save(update_fields=["body", "body_html", "renderer_version", "edited_at"])
        Answer.objects.filter(pk=answer.pk).update(version=F("version") + 1)
        answer.version += 1
        cause, rule = edit_review_cause(answer, body)
        if cause and (
            Answer.objects.filter(pk=answer.pk, status=Answer.Status.PUBLISHED).update(
                status=Answer.Status.PENDING, review_cause=cause, review_rule=rule
            )
        ):
            Question.objects.filter(pk=answer.question_id).update(
                answer_count=F("answer_count") - 1
            )
            answer.status, answer.review_cause, answer.review_rule = (
                Answer.Status.PENDING,
                cause,
                rule,
            )
            if cause == Answer.ReviewCause.WORD_RULE:
                _log_word_rule_hold(answer)
        # Someone mentioned in the new text hears of it (once approved, if it waits).
        notifications.answer_edited(answer)
    return answer


def _log_word_rule_hold(answer: Answer) -> None:
    """A word rule held the answer: an automated restriction, so it is in the public log (and
    the transparency report) like the holds that flags cause."""
    ModerationAction.objects.create(
        verb=ModerationAction.Verb.HOLD,
        source=ModerationAction.Source.WORD_RULE,
        answer=answer,
        answer_version=answer.version,
    )


def do_delete_answer(*, answer: Answer) -> Answer:
    """The author takes an answer back; it stays in the tree as a tombstone.

    Each step is a conditional update, so two deletes at once count one answer less once."""
    with transaction.atomic():
        mine = Answer.objects.filter(pk=answer.pk)
        if mine.filter(status=Answer.Status.PUBLISHED).update(status=Answer.Status.DELETED):
            Question.objects.filter(pk=answer.question_id).update(
                answer_count=F("answer_count") - 1
            )
        else:
            mine.filter(status=Answer.Status.PENDING).update(status=Answer.Status.DELETED)
    answer.status = Answer.Status.DELETED
    return answer


def repair_tree_counts() -> list[str]:
    """Rewrite every question's answer count and every answer's reply count that drifted
    from the rows they count; say what changed."""
    published = (
        Answer.objects.filter(question=OuterRef("pk"), status=Answer.Status.PUBLISHED)
        .order_by()
        .values("question")
        .annotate(n=Count("pk"))
        .values("n")
    )
    replies = (
        Answer.objects.filter(parent=OuterRef("pk"))
        .order_by()
        .values("parent")
        .annotate(n=Count("pk"))
        .values("n")
    )
    changes = []
    drifted = Question.objects.annotate(real=Coalesce(Subquery(published), 0)).exclude(
        answer_count=F("real")
    )
    for question in drifted:
        Question.objects.filter(pk=question.pk).update(answer_count=question.real)
        changes.append(f"question {question.pk}: answers {question.answer_count} → {question.real}")
    drifted = Answer.objects.annotate(real=Coalesce(Subquery(replies), 0)).exclude(
        reply_count=F("real")
    )
    for answer in drifted.only("pk", "reply_count"):
        Answer.objects.filter(pk=answer.pk).update(reply_count=answer.real)
        changes.append(f"answer {answer.pk}: replies {answer.reply_count} → {answer.real}")
    return changes
