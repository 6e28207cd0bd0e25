"""Reading a discussion: load a page of threads in a fixed number of queries, build
the tree in memory, sort siblings, and flatten it for a template that never recurses."""

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from .models import PATH_DIGITS, Answer, User
from .rules import ViewerFacts, visible_answers, visible_scores

MAX_INDENT = 6  # deeper replies stand at this level, saying whom they answer
MAX_DEPTH_SHOWN = 12  # past this, "continue this thread" opens the permalink
NARROW_INDENT = 3  # small screens indent less; deeper replies name their parent there too


class Author(NamedTuple):
    name: str  # as shown: the pseudonym, or "[deleted account]"
    slug: str  # for the member's page; "" once the account is deleted


# The words of a pseudonym: "Camille_R" -> Camille, R; "YanisB" -> Yanis, B; "jean.dupont2".
_NAME_PARTS = re.compile(r"[^\W\d_][^\W\d_A-ZÀ-Þ]*")


def initials(name: str) -> str:
    """Up to two letters that stand for a member beside their name: "CR", "YB", "A"
    ("Quentin56": "Q"; a name of digits only: its first digit)."""
    parts = _NAME_PARTS.findall(name) or [name]
    return "".join(part[0] for part in parts[:2]).upper()


def author_names(answers) -> dict[int, Author]:
    """The authors of these answers, in one query.

    A page of 1,000 answers has a few hundred authors: loading each once is
    cheaper than a joined author row per answer."""
    ids = {answer.author_id for answer in answers}
    if not ids:
        return {}
    people = User.objects.filter(pk__in=ids).only("username", "anonymised_at")
    return {
        person.pk: Author(person.display_name, "" if person.is_anonymised else person.username)
        for person in people
    }


_CLOSE_ITEM = "</details></li>"
_CLOSE_LEVEL = "</ol></details></li>"


# Every sort ends on the id, so equal answers keep one order between reloads.
SORTS = {
    # key: (label, SQL order of top-level answers, key of siblings in memory, descending)
    "best": (
        _("Best"), ("-pinned", "-rank_best", "-id"), lambda a: (a.rank_best, a.pk), True,
    ),
    "top": (_("Top"), ("-pinned", "-score", "-id"), lambda a: (a.score, a.pk), True),
    "new": (_("Newest"), ("-pinned", "-created_at", "-id"), lambda a: (a.created_at, a.pk), True),
    "old": (_("Oldest"), ("-pinned", "created_at", "id"), lambda a: (a.created_at, a.pk), False),
    "controversial": (
        _("Controversial"),
        ("-pinned", "-rank_controversial", "-id"),
        lambda a: (a.rank_controversial, a.pk),
        True,
    ),
}  # fmt: skip
DEFAULT_SORT = "best"


def sort_choices():
    return [(key, label) for key, (label, *_rest) in SORTS.items()]


@dataclass
class Node:
    """One answer as the page shows it."""

    answer: Answer
    depth: int  # relative to the first answer shown
    author_name: str = ""
    author_slug: str = ""  # the member page's address part; "" for a deleted account

    @property
    def author_initials(self) -> str:
        return initials(self.author_name) if self.author_slug else ""

    children: list["Node"] = field(default_factory=list)
    parent: "Node | None" = None
    is_new: bool = False
    descendant_count: int = 0
    # Filled when flattening:
    indent: int = 0
    opens: bool = False
    closing: str = ""  # markup that closes this item and the lists that end with it
    continue_link: bool = False
    # What this viewer may do here (forum.rules.hydrate), filled by the view:
    viewer: ViewerFacts = field(default_factory=ViewerFacts)
    is_focus: bool = False

    @property
    def reply_to(self) -> str:
        """Whom a reply that stands at a capped indent answers."""
        return self.parent.author_name if self.parent else ""

    @property
    def shows_reply_to(self) -> bool:
        return self.parent is not None and self.depth > NARROW_INDENT

    @property
    def reply_to_always(self) -> bool:
        return self.depth > MAX_INDENT


def _place(node: Node) -> tuple[bool, bool]:
    """Whatever the sort: pinned answers first, and tombstones after the living (a deleted
    answer keeps its place only for its replies' sake)."""
    return (not node.answer.pinned, node.answer.is_tombstone)


def build_forest(
    roots,
    replies,
    *,
    sort: str,
    names: dict[int, Author] | None = None,
    seen_at: datetime | None = None,
    viewer_id: int | None = None,
) -> list[Node]:
    """Hang replies under their parents and sort every set of siblings.

    ``roots`` keep the order given. A reply whose parent is not among the
    answers given (hidden from this viewer) is dropped with its subtree.
    """
    _label, _sql, key, reverse = SORTS[sort]
    nodes: dict[int, Node] = {}
    names = names or {}
    for answer in (*roots, *replies):
        author = names.get(answer.author_id, Author("", ""))
        nodes[answer.pk] = Node(
            answer=answer,
            depth=0,
            author_name=author.name,
            author_slug=author.slug,
            is_new=(
                seen_at is not None
                and answer.created_at > seen_at
                and answer.author_id != viewer_id
            ),
        )
    for answer in replies:
        parent = nodes.get(answer.parent_id)
        if parent is not None:
            node = nodes[answer.pk]
            node.parent = parent
            parent.children.append(node)

    def finish(node: Node, depth: int) -> int:
        node.depth = depth
        node.children.sort(key=lambda n: key(n.answer), reverse=reverse)
        node.children.sort(key=_place)
        node.descendant_count = sum(1 + finish(child, depth + 1) for child in node.children)
        return node.descendant_count

    # Top-level answers come in the chosen order from the database, a page at a time.
    forest = sorted((nodes[root.pk] for root in roots), key=_place)
    for root in forest:
        finish(root, 0)
    return forest


def flatten(roots: list[Node]) -> list[Node]:
    """Depth-first order, each node told how to open and close its list items."""
    ordered: list[Node] = []

    def walk(node: Node):
        ordered.append(node)
        if node.depth >= MAX_DEPTH_SHOWN:
            node.continue_link = bool(node.children)
            return
        for child in node.children:
            walk(child)

    for root in roots:
        walk(root)
    for node in ordered:
        node.indent = min(node.depth, MAX_INDENT)
    for index, node in enumerate(ordered):
        next_indent = ordered[index + 1].indent if index + 1 < len(ordered) else 0
        node.opens = next_indent > node.indent
        if not node.opens:
            node.closing = _CLOSE_ITEM + _CLOSE_LEVEL * (node.indent - next_indent)
    return ordered


@dataclass
class ThreadPage:
    nodes: list[Node]
    number: int
    has_next: bool
    sort: str
    new_count: int


def load_thread_page(
    question,
    *,
    viewer,
    sort: str = DEFAULT_SORT,
    number: int = 1,
    per_page: int,
    seen_at: datetime | None = None,
) -> ThreadPage:
    """A page of top-level answers with all their visible replies: three queries (top-level
    answers, their replies, their authors)."""
    _label, order, _key, _reverse = SORTS[sort]
    # Whole rows: deferring the Markdown source (unused here) measured slower, as
    # Django then builds each answer through its deferred-fields path.
    visible = Answer.objects.filter(visible_answers(viewer))
    start = (number - 1) * per_page
    roots = list(
        visible.filter(question=question, depth=0).order_by(*order)[start : start + per_page + 1]
    )
    has_next = len(roots) > per_page
    roots = roots[:per_page]
    replies = (
        visible.filter(root_id__in=[r.pk for r in roots], depth__gt=0).order_by("id")
        if roots
        else []
    )
    replies = list(replies)
    viewer_id = viewer.pk if viewer.is_authenticated else None
    forest = build_forest(
        roots,
        replies,
        sort=sort,
        names=author_names([*roots, *replies]),
        seen_at=seen_at,
        viewer_id=viewer_id,
    )
    nodes = flatten(forest)
    return ThreadPage(
        nodes=nodes,
        number=number,
        has_next=has_next,
        sort=sort,
        new_count=sum(n.is_new for n in nodes),
    )


def ancestor_ids(path: str) -> list[int]:
    """The ids above an answer, root first, from its path (forum.models.tree_path)."""
    return [int(path[i : i + PATH_DIGITS]) for i in range(0, len(path) - PATH_DIGITS, PATH_DIGITS)]


def _following(path: str) -> str:
    """The first path after every path that begins with ``path``: the digit string plus one
    (by hand: a deep thread's path is longer than Python turns into an int)."""
    head = path.rstrip("9")
    return head[:-1] + str(int(head[-1]) + 1) + "0" * (len(path) - len(head))


@dataclass
class AnswerContext:
    ancestors: list[Node]
    nodes: list[Node]


def load_answer_context(answer: Answer, *, viewer, sort: str = DEFAULT_SORT) -> AnswerContext:
    """An answer with its ancestors (for the breadcrumb) and its whole subtree, read by the
    answer's path: what the page shows, never the rest of the thread. Two queries."""
    visible = Answer.objects.filter(visible_answers(viewer))
    if answer.path:
        # Its subtree is the paths that begin with its own: the range up to the next one.
        related = visible.filter(
            Q(pk__in=ancestor_ids(answer.path))
            | Q(path__gt=answer.path, path__lt=_following(answer.path))
        )
    else:  # written in bulk, without a path: the thread it is in
        related = visible.filter(root_id=answer.root_id)
    thread = {a.pk: a for a in related}
    thread[answer.pk] = answer
    names = author_names(thread.values())
    ancestors = []
    parent_id = answer.parent_id
    while parent_id is not None and parent_id in thread:
        parent = thread[parent_id]
        author = names.get(parent.author_id, Author("", ""))
        ancestors.append(Node(answer=parent, depth=0, author_name=author.name))
        parent_id = parent.parent_id
    ancestors.reverse()
    below = sorted((a for a in thread.values() if a.depth > answer.depth), key=lambda a: a.pk)
    forest = build_forest([answer], below, sort=sort, names=names)
    return AnswerContext(ancestors=ancestors, nodes=flatten(forest))


def reply_counts_above(answer: Answer, *, viewer) -> list[tuple[int, int]]:
    """(ancestor id, replies shown under it) for each answer above ``answer``, as the thread
    page counts them: one query of ids in the thread."""
    parent_of = dict(
        Answer.objects.filter(visible_answers(viewer), root_id=answer.root_id).values_list(
            "pk", "parent_id"
        )
    )
    below = {}
    for pk in parent_of:
        ancestor = parent_of[pk]
        while ancestor is not None:
            below[ancestor] = below.get(ancestor, 0) + 1
            ancestor = parent_of.get(ancestor)
    counts = []
    ancestor = parent_of.get(answer.pk)
    while ancestor is not None:
        counts.append((ancestor, below.get(ancestor, 0)))
        ancestor = parent_of.get(ancestor)
    return counts


def with_most_appreciated(questions) -> list:
    """The questions, each with ``top_answer``: its best-ranked answer that has upvotes and
    a visible score, or None. Two queries whatever the number of answers."""
    best = Answer.objects.filter(
        visible_scores(),
        question=OuterRef("pk"),
        status=Answer.Status.PUBLISHED,
        upvotes__gt=0,
    ).order_by("-rank_best", "-id")
    questions = list(questions.annotate(top_answer_id=Subquery(best.values("pk")[:1])))
    wanted = [q.top_answer_id for q in questions if q.top_answer_id]
    found = {
        answer.pk: answer
        for answer in Answer.objects.filter(pk__in=wanted)
        .select_related("author")
        .only("body_html", "score", "question_id", "author__username", "author__anonymised_at")
    }
    for question in questions:
        question.top_answer = found.get(question.top_answer_id)
    return questions


def with_featured(questions) -> list:
    """The questions, each with ``featured``: the published answers moderators chose for the
    article page ("sélection de la rédaction"), oldest first. One query whatever the number
    of questions. An answer featured is not repeated as the most appreciated one."""
    questions = list(questions)
    picked: dict[int, list[Answer]] = {question.pk: [] for question in questions}
    answers = (
        Answer.objects.filter(
            question__in=list(picked), status=Answer.Status.PUBLISHED, featured=True
        )
        .select_related("author")
        .only("body_html", "question_id", "author__username", "author__anonymised_at")
        .order_by("created_at", "id")
    )
    for answer in answers if picked else ():
        picked[answer.question_id].append(answer)
    for question in questions:
        question.featured = picked[question.pk]
        top = getattr(question, "top_answer", None)
        if top is not None and any(answer.pk == top.pk for answer in question.featured):
            question.top_answer = None
    return questions
