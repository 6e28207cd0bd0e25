"""The desk's reads: the queue's tabs, their counts, and each item's context, in a fixed
number of queries whatever the length of the queue."""

from dataclasses import dataclass, field

from django.db.models import Count, Q

from ..models import Answer, Appeal, Flag, MemberNote, ModerationAction, Notice, User, WordRule
from .words import highlight

PER_PAGE = 20
TABS = ("pending", "flagged", "decided")
Status = Answer.Status


def waiting(tab: str):
    """The answers waiting in a tab, oldest first (each tab reads its own partial index)."""
    answers = Answer.objects.order_by("created_at", "id")
    if tab == "pending":
        return answers.filter(status=Status.PENDING)
    return answers.filter(status=Status.PUBLISHED, flag_weight__gt=0)


def tab_counts() -> dict[str, int]:
    """How many answers wait in each tab: two counts over small partial indexes."""
    return {tab: waiting(tab).count() for tab in ("pending", "flagged")}


def legal_counts() -> dict[str, int]:
    """How many notices of illegal content and appeals wait for a moderator: the desk's two
    other tabs (each count over a small partial index of open rows)."""
    return {
        "notices": Notice.objects.filter(status=Notice.Status.OPEN).count(),
        "appeals": Appeal.objects.filter(status=Appeal.Status.OPEN).count(),
    }


def waiting_count() -> int:
    """What the header's link to the queue says: everything waiting for a moderator (held
    and flagged answers, open notices and appeals)."""
    return sum(tab_counts().values()) + sum(legal_counts().values())


@dataclass
class History:
    """What the desk knows of an author."""

    answers: int = 0
    removed: int = 0
    flags_received: int = 0
    sanctions: int = 0
    notes: list = field(default_factory=list)


@dataclass
class Item:
    answer: Answer
    flags: list = field(default_factory=list)
    history: History = field(default_factory=History)
    # Held by a word rule: the rule (None once deleted), and the answer with its words marked.
    word_rule: WordRule | None = None
    highlighted: str = ""


def queue_page(tab: str, *, article=None, question=None, after: int = 0) -> tuple[list[Item], bool]:
    """A page of a waiting tab with every item's context; whether more follow."""
    answers = waiting(tab).select_related("author", "question__article", "parent__author")
    if question is not None:
        answers = answers.filter(question=question)
    elif article is not None:
        answers = answers.filter(question__article=article)
    page = list(answers[after : after + PER_PAGE + 1])
    more = len(page) > PER_PAGE
    items = [Item(answer=answer) for answer in page[:PER_PAGE]]
    _add_context(items)
    return items, more


def item_for(answer: Answer) -> Item:
    """One answer with its context, as the queue shows it."""
    item = Item(answer=answer)
    _add_context([item])
    return item


def _add_context(items: list[Item]) -> None:
    if not items:
        return
    by_answer = {item.answer.pk: item for item in items}
    for flag in (
        Flag.objects.filter(answer__in=by_answer)
        .select_related("reporter")
        .order_by("created_at", "id")
    ):
        by_answer[flag.answer_id].flags.append(flag)
    histories = author_histories({item.answer.author_id for item in items})
    for item in items:
        item.history = histories[item.answer.author_id]
    _add_word_rules(items)


def _add_word_rules(items: list[Item]) -> None:
    """The word rule that held each such item, in one query (none without such items)."""
    held = [item for item in items if item.answer.review_cause == Answer.ReviewCause.WORD_RULE]
    rules = WordRule.objects.in_bulk({item.answer.review_rule_id for item in held} - {None})
    for item in held:
        item.word_rule = rules.get(item.answer.review_rule_id)
        if item.word_rule is not None:
            item.highlighted = highlight(item.answer.body_html, [item.word_rule])


def author_histories(author_ids) -> dict[int, History]:
    """Each author's record at the desk, in four queries for any number of authors."""
    histories = {pk: History() for pk in author_ids}
    removed = Q(status__in=(Status.REMOVED, Status.SPAM))
    for row in (
        Answer.objects.filter(author__in=histories)
        .values("author")
        .annotate(total=Count("pk"), removed=Count("pk", filter=removed))
        .order_by()
    ):
        histories[row["author"]].answers = row["total"]
        histories[row["author"]].removed = row["removed"]
    for row in (
        Flag.objects.filter(answer__author__in=histories)
        .values("answer__author")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        histories[row["answer__author"]].flags_received = row["n"]
    for row in (
        ModerationAction.objects.filter(member__in=histories)
        .exclude(verb=ModerationAction.Verb.LIFT)
        .values("member")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        histories[row["member"]].sanctions = row["n"]
    for note in MemberNote.objects.filter(member__in=histories).select_related("author"):
        histories[note.member_id].notes.append(note)
    return histories


def recent_decisions(*, article=None, question=None, after: int = 0, limit: int = PER_PAGE):
    """The latest decisions on answers, newest first, with what they were about."""
    actions = ModerationAction.objects.filter(answer__isnull=False).select_related(
        "actor", "answer__author", "answer__question__article"
    )
    if question is not None:
        actions = actions.filter(answer__question=question)
    elif article is not None:
        actions = actions.filter(answer__question__article=article)
    return list(actions[after : after + limit])


def member_record(member: User) -> dict:
    """A member's moderation page: standing, history, sanctions, notes, recent answers."""
    return {
        "history": author_histories([member.pk])[member.pk],
        "actions": list(
            ModerationAction.objects.filter(member=member).select_related("actor")[:50]
        ),
        "answers": list(
            Answer.objects.filter(author=member)
            .select_related("question__article")
            .order_by("-created_at", "-id")[:20]
        ),
        "flags_made": Flag.objects.filter(reporter=member).count(),
    }
