"""Writing answers: who may post, and the workflows that post, edit and delete."""

import uuid

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from articles.models import Question

from .accounts import has_verified_email
from .markdown import RENDERER_VERSION, render_markdown
from .models import Answer, Revision, User


def posting_refusal(user, question: Question) -> str:
    """Why ``user`` cannot answer on ``question`` right now, or "" if they can."""
    if question.state == Question.State.LOCKED:
        return _("This discussion is locked: answers can be read but not added.")
    if question.state == Question.State.CLOSED or question.article.is_closed:
        return _("This discussion is closed.")
    if not user.is_authenticated:
        return _("Sign in to answer.")
    if not has_verified_email(user):
        return _("Confirm your e-mail address to answer: follow the link we sent you.")
    return user.sanction_refusal()


def check_can_post(user, question: Question) -> None:
    reason = posting_refusal(user, question)
    if reason:
        raise PermissionDenied(reason)


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
            return existing, False
    answer = Answer(
        question=question,
        parent=parent,
        depth=parent.depth + 1 if parent else 0,
        author=author,
        body=body,
        body_html=render_markdown(body),
        renderer_version=RENDERER_VERSION,
        status=Answer.Status.PUBLISHED,
        idempotency_key=idempotency_key,
    )
    try:
        with transaction.atomic():
            if parent is not None:
                answer.root_id = parent.root_id
            answer.save()
            if parent is None:
                # A top-level answer is the root of its own thread.
                Answer.objects.filter(pk=answer.pk).update(root=answer)
                answer.root_id = answer.pk
            else:
                Answer.objects.filter(pk=parent.pk).update(reply_count=F("reply_count") + 1)
            if answer.status == Answer.Status.PUBLISHED:
                Question.objects.filter(pk=question.pk).update(answer_count=F("answer_count") + 1)
    except IntegrityError:
        # Two identical submits raced past the lookup above: the other one won.
        if idempotency_key is None:
            raise
        return Answer.objects.get(author=author, idempotency_key=idempotency_key), False
    return answer, True


def do_edit_answer(*, answer: Answer, editor: User, body: str) -> Answer:
    """Replace the text, keeping the previous one as a revision."""
    if body == answer.body:
        return answer
    with transaction.atomic():
        Revision.objects.create(answer=answer, body=answer.body, editor=editor)
        answer.body = body
        answer.body_html = render_markdown(body)
        answer.renderer_version = RENDERER_VERSION
        answer.edited_at = timezone.now()
        answer.save(update_fields=["body", "body_html", "renderer_version", "edited_at"])
    return answer


def do_delete_answer(*, answer: Answer) -> Answer:
    """The author takes an answer back; it stays in the tree as a tombstone."""
    with transaction.atomic():
        was_published = answer.status == Answer.Status.PUBLISHED
        answer.status = Answer.Status.DELETED
        answer.save(update_fields=["status"])
        if was_published:
            Question.objects.filter(pk=answer.question_id).update(
                answer_count=F("answer_count") - 1
            )
    return answer
