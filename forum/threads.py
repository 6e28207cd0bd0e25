"""Reading a discussion: load a page of threads in a fixed number of queries, build
the tree in memory, sort siblings, and flatten it for a template that never recurses."""

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from django.conf import settings
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from .models import PATH_DIGITS, Answer, User
from .rules import ViewerFacts, may_see, visible_answers, visible_scores

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


def is_new_to(answer: Answer, *, seen_at: datetime | None, viewer_id: int | None) -> bool:
    """Whether the viewer, who last read the question at ``seen_at``, has not seen this
    answer yet (their own answers are never new to them)."""
    return seen_at is not None and answer.created_at > seen_at and answer.author_id != viewer_id


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
            is_new=is_new_to(answer, seen_at=seen_at, viewer_id=viewer_id),
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


def mark_new(page: ThreadPage, *, seen_at: datetime | None, viewer_id: int | None):
    """Mark what is new to this viewer on a page loaded for someone else (forum.pagecache)."""
    for node in page.nodes:
        node.is_new = is_new_to(node.answer, seen_at=seen_at, viewer_id=viewer_id)
    page.new_count = sum(node.is_new for node in page.nodes)


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


def _below(path: str) -> Q:
    """The answers under the one at ``path``: the paths that begin with it, one index range."""
    return Q(path__gt=path, path__lt=_following(path))


def _outermost(paths) -> list[str]:
    """These paths less those under another of them: sorted, a subtree follows its top."""
    kept: list[str] = []
    for path in sorted(paths):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return kept


def _any_of(conditions) -> Q:
    """The conditions ORed together."""
    combined = Q(pk__in=[])  # matches nothing: ORed with nothing, the query is never run
    for condition in conditions:
        combined |= condition
    return combined


def _replies_shown_below(paths, *, viewer) -> tuple[dict[str, int], set[str]]:
    """For each path, the replies the thread page counts under that answer
    (Node.descendant_count): the visible answers of its subtree, less those under an answer
    hidden from the viewer, which the page drops with everything below it. Also the paths of
    those hidden answers. Counted by the database, which returns numbers, not rows: one
    query, and two more only when a hidden answer holds replies (reply_count counts every
    reply ever written, so an answer without any hides nothing)."""
    shown = visible_answers(viewer)
    within = Answer.objects.filter(_any_of(_below(top) for top in _outermost(paths)))
    names = {path: f"n{index}" for index, path in enumerate(paths)}
    totals = within.aggregate(
        hiding=Count("pk", filter=~shown & Q(reply_count__gt=0)),
        **{names[path]: Count("pk", filter=shown & _below(path)) for path in paths},
    )
    counts = {path: totals[names[path]] for path in paths}
    if not totals["hiding"]:
        return counts, set()
    hidden = set(within.exclude(shown).filter(reply_count__gt=0).values_list("path", flat=True))
    # What each path loses: the visible answers under the highest hidden ones below it.
    lost: dict[str, list[str]] = {}
    for path in paths:
        inside = {h for h in hidden if h.startswith(path) and h != path}
        lost[path] = [
            h
            for h in inside
            if not any(
                h[:end] in inside for end in range(len(path) + PATH_DIGITS, len(h), PATH_DIGITS)
            )
        ]
    tops = sorted({h for found in lost.values() for h in found})
    if tops:
        names = {path: f"n{index}" for index, path in enumerate(tops)}
        under = Answer.objects.filter(
            shown, _any_of(_below(top) for top in _outermost(tops))
        ).aggregate(**{names[top]: Count("pk", filter=_below(top)) for top in tops})
        for path in paths:
            counts[path] -= sum(under[names[top]] for top in lost[path])
    return counts, hidden


@dataclass
class AnswerContext:
    """An answer's permalink: its ancestors, and the answer with a page of its direct replies,
    each with its own replies as far down as the thread page shows them."""

    ancestors: list[Node]
    nodes: list[Node]  # the answer first, then its replies of this page
    number: int = 1
    has_next: bool = False
    sort: str = DEFAULT_SORT
    # Closes the answer's list item after the page's replies and the "more" link, which
    # stands in its list of replies so that the next page lands there.
    closing: str = ""

    @property
    def replies(self) -> list[Node]:
        return self.nodes[1:]


def _in_sql_order(nodes: list[Node], sort: str) -> list[Node]:
    """Siblings in the order SORTS gives the database: pinned first, then the sort's key."""
    _label, _order, key, reverse = SORTS[sort]
    return sorted(
        sorted(nodes, key=lambda n: key(n.answer), reverse=reverse),
        key=lambda n: not n.answer.pinned,
    )


def load_answer_context(
    answer: Answer,
    *,
    viewer,
    sort: str = DEFAULT_SORT,
    number: int = 1,
    per_page: int | None = None,
) -> AnswerContext:
    """An answer with its ancestors (for the breadcrumb) and a page of its direct replies in
    the chosen sort, each with its replies down to MAX_DEPTH_SHOWN below the answer: read
    by paths, never the rest of its subtree or of the thread. Three queries, and one that
    counts the replies not shown when there are some (_replies_shown_below)."""
    per_page = per_page or settings.ANSWERS_PER_PAGE
    visible = Answer.objects.filter(visible_answers(viewer))
    start = (number - 1) * per_page
    if not answer.path:
        return _answer_context_in_thread(answer, visible, sort, start, per_page, number)
    _label, order, _key, _reverse = SORTS[sort]
    page = list(visible.filter(parent=answer).order_by(*order)[start : start + per_page + 1])
    has_next = len(page) > per_page
    page = page[:per_page]
    deepest = answer.depth + MAX_DEPTH_SHOWN
    related = list(
        visible.filter(
            _any_of(
                [
                    Q(pk__in=ancestor_ids(answer.path)),
                    *(_below(reply.path) & Q(depth__lte=deepest) for reply in page),
                ]
            )
        )
    )
    names = author_names([answer, *page, *related])
    below = sorted([*page, *(a for a in related if a.depth > answer.depth)], key=lambda a: a.pk)
    [focus] = build_forest([answer], below, sort=sort, names=names)
    nodes = flatten([focus])
    cut = [node for node in nodes if node.depth == MAX_DEPTH_SHOWN]
    if has_next or number > 1 or cut:
        # Replies this page does not show: on other pages, or past its depth.
        paths = [answer.path, *(node.answer.path for node in cut)]
        counts, _hidden = _replies_shown_below(paths, viewer=viewer)
        for node in cut:
            node.descendant_count = counts[node.answer.path]
            node.continue_link = node.descendant_count > 0
        for reply in focus.children:
            _recount(reply)
        focus.descendant_count = counts[answer.path]
    ancestors = _ancestors(answer, {a.pk: a for a in related}, names)
    return _paged(ancestors, nodes, number=number, has_next=has_next, sort=sort)


def _recount(node: Node) -> int:
    """A node's descendant_count again, from its children's, once the deepest ones shown were
    given the count of what lies below them."""
    if node.depth < MAX_DEPTH_SHOWN:
        node.descendant_count = sum(1 + _recount(child) for child in node.children)
    return node.descendant_count


def _ancestors(answer: Answer, found: dict[int, Answer], names) -> list[Node]:
    """The breadcrumb, root first, up to the first ancestor hidden from the viewer."""
    ancestors = []
    parent_id = answer.parent_id
    while parent_id is not None and parent_id in found:
        parent = found[parent_id]
        author = names.get(parent.author_id, Author("", ""))
        ancestors.append(Node(answer=parent, depth=0, author_name=author.name))
        parent_id = parent.parent_id
    ancestors.reverse()
    return ancestors


def _paged(ancestors, nodes, **page) -> AnswerContext:
    """The page's markup left open at the answer's list of replies, for the "more" link."""
    focus = nodes[0]
    closing = ""
    if focus.opens:
        last = nodes[-1]
        last.closing = _CLOSE_ITEM + _CLOSE_LEVEL * (last.indent - 1)
        closing = _CLOSE_LEVEL
    return AnswerContext(ancestors=ancestors, nodes=nodes, closing=closing, **page)


def _answer_context_in_thread(answer, visible, sort, start, per_page, number) -> AnswerContext:
    """load_answer_context for an answer written in bulk without a path: its whole thread,
    read and paged in memory as the database would page it."""
    thread = {a.pk: a for a in visible.filter(root_id=answer.root_id)}
    thread[answer.pk] = answer
    names = author_names(thread.values())
    below = sorted((a for a in thread.values() if a.depth > answer.depth), key=lambda a: a.pk)
    [focus] = build_forest([answer], below, sort=sort, names=names)
    page = _in_sql_order(focus.children, sort)[start : start + per_page + 1]
    focus.children = sorted(page[:per_page], key=_place)
    nodes = flatten([focus])
    ancestors = _ancestors(answer, thread, names)
    return _paged(ancestors, nodes, number=number, has_next=len(page) > per_page, sort=sort)


def reply_counts_above(answer: Answer, *, viewer) -> list[tuple[int, int]]:
    """(ancestor id, replies shown under it) for each answer above ``answer``, parent first,
    as the thread page counts them, up to the first one hidden from the viewer. Counted
    under the ancestors' paths (_replies_shown_below), reading no row of the thread."""
    if not may_see(viewer, answer):
        return []
    if not answer.path:
        return _reply_counts_in_thread(answer, viewer=viewer)
    above = [answer.path[:end] for end in range(len(answer.path) - PATH_DIGITS, 0, -PATH_DIGITS)]
    counts, hidden = _replies_shown_below(above, viewer=viewer)
    shown = []
    for path in above:  # nothing hangs from a hidden answer on the page: the walk ends there
        shown.append(path)
        if path in hidden:
            break
    return [(int(path[-PATH_DIGITS:]), counts[path]) for path in shown]


def _reply_counts_in_thread(answer: Answer, *, viewer) -> list[tuple[int, int]]:
    """reply_counts_above for an answer written in bulk without a path: from the ids of its
    whole thread."""
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
