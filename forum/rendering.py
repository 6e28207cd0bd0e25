"""Render answers to HTML once and reuse it.

Each answer's markup is a pure function of what it shows (its text, status,
author, place in the tree, what the viewer may do with it, the language), so
the cache key is made of exactly those facts: a changed answer gets a new key
and the old markup is never served again. A page of 1,000 answers is then one
``get_many`` and a join instead of 1,000 template renders. A vote's widget is kept
likewise, per situation (render_vote_widget).
"""

import hashlib
from types import SimpleNamespace

from django.conf import settings
from django.core.cache import cache
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from .cache import KeptInProcess
from .threads import Node

NODE_TEMPLATE = "forum/question.html#node"
# Cached answers are shared between readers, so they carry this in place of the
# reader's CSRF token, which render_nodes puts back for each page. It is markup that
# no user text can produce (pseudonyms are escaped, answers go through Markdown with
# HTML off and an allow-list), so the substitution never touches what people wrote.
CSRF_PLACEHOLDER = mark_safe("<csrf-token>")
NODE_CACHE_SECONDS = 60 * 60 * 24  # unused keys age out; changed answers get new keys
# Part of every key: bump it when the node's markup changes (a new link on every answer), so
# a deploy does not serve the old markup from a shared cache for a day.
NODE_MARKUP_VERSION = 4
# Rendered answers are also kept in each process, in front of the shared cache: a key
# names all that its markup shows, so the copy a process kept is the one the shared
# cache holds under that key, and never stale. A member's default page then reads its
# answers without the round trip and the unpickling (0.2 ms of its 3.5). Least recently
# used dropped first; 0 turns it off, as does DEBUG (templates change while it runs).
NODES_KEPT = 2048  # about 5 MB a process
_kept = KeptInProcess()


def _node_key(node: Node, shared: tuple) -> str:
    a = node.answer
    facts = (
        # The text's length too: markup re-rendered without a new renderer version (the
        # mentions of a member who deleted their account, unlinked) gets a new key.
        a.pk, a.status, a.edited_at, a.renderer_version, len(a.body_html), a.removal_reason,
        node.author_name, node.author_slug,
        a.upvotes, a.downvotes, a.pinned, a.featured, a.created_at,
        node.depth, node.indent, node.reply_to if node.shows_reply_to else "",
        node.descendant_count, node.opens, node.closing, node.continue_link, node.is_new,
        # vars(), not dataclasses.astuple: the facts are flat, and astuple deep-copies each.
        node.is_focus, *vars(node.viewer).values(), *shared, NODE_MARKUP_VERSION,
    )  # fmt: skip
    return "node:" + hashlib.blake2b(repr(facts).encode(), digest_size=16).hexdigest()


def render_nodes(
    nodes: list[Node],
    *,
    answer_url_prefix: str,
    member_url_prefix: str,
    csrf_token: str,
    anonymous: bool,
) -> SafeString:
    """The list items of a thread, from the cache where possible. ``anonymous``: nobody is
    signed in, and the vote buttons lead to signing in, with no form to post (an anonymous
    page holds no CSRF token: forum.pagecache shares it between readers)."""
    if not nodes:
        return mark_safe("")
    shared = (get_language(), answer_url_prefix, member_url_prefix, anonymous)
    keys = [_node_key(node, shared) for node in nodes]
    found = _get_many(keys)
    missing = {}
    template = None
    for key, node in zip(keys, nodes, strict=True):
        if key in found or key in missing:
            continue
        template = template or get_template(NODE_TEMPLATE)
        missing[key] = template.render(
            {
                "node": node,
                "answer_url_prefix": answer_url_prefix,
                "member_url_prefix": member_url_prefix,
                "csrf_placeholder": CSRF_PLACEHOLDER,
                "anonymous": anonymous,
            }
        )
    if missing:
        cache.set_many(missing, NODE_CACHE_SECONDS)
        _keep(missing)
        found |= missing
    html = "".join(found[key] for key in keys).replace(CSRF_PLACEHOLDER, csrf_token)
    return mark_safe(html)  # noqa: S308 (rendered templates)


def _get_many(keys: list[str]) -> dict[str, str]:
    """The markup of these keys that this process kept, then the shared cache's."""
    if NODES_KEPT == 0 or settings.DEBUG:
        return cache.get_many(keys)
    found = _kept.get_many(keys)
    if len(found) < len(keys):
        shared = cache.get_many([key for key in keys if key not in found])
        _keep(shared)
        found |= shared
    return found


def _keep(rendered: dict[str, str]) -> None:
    if NODES_KEPT and not settings.DEBUG:
        _kept.set_many(rendered, limit=NODES_KEPT)


def forget_all() -> None:
    """Drop the answers and widgets this process kept (tests, and benchmarks of an empty
    cache)."""
    _kept.clear()
    _widgets.clear()


# A vote's response carries the answer's vote widget (forum.views.votes): a pure function
# of the language, the address prefix, the voter's vote, whether they may vote, whether
# the score is hidden and the score, once the answer's id and the voter's token are left
# out as placeholders. Each process keeps it per situation, so that a vote does not render
# the template again for a situation it met before: a real site meets few (a score is a
# small number), and the template was a fifth of a vote's instructions. A widget with an
# error is rendered each time (its text varies, and errors are rare).
VOTE_WIDGET_TEMPLATE = "forum/question.html#vote"
ANSWER_PK_PLACEHOLDER = mark_safe("<answer-pk>")
WIDGETS_KEPT = 1024
_widgets = KeptInProcess()


def render_vote_widget(*, answer, csrf_token: str, **facts) -> str:
    """The vote widget of ``answer`` for a member, with their ``csrf_token``; ``facts``:
    ``my_vote``, ``can_vote``, ``score_hidden``, ``answer_url_prefix`` and ``vote_error``
    as the template reads them."""
    if facts.get("vote_error") or settings.DEBUG or WIDGETS_KEPT == 0:
        context = {"answer": answer, "csrf_value": csrf_token, **facts}
        return get_template(VOTE_WIDGET_TEMPLATE).render(context)
    key = (get_language(), answer.score, *sorted(facts.items()))
    if not (found := _widgets.get_many([key])):
        # The template reads only these two of the answer.
        stand_in = SimpleNamespace(pk=ANSWER_PK_PLACEHOLDER, score=answer.score)
        context = {"answer": stand_in, "csrf_placeholder": CSRF_PLACEHOLDER, **facts}
        found = {key: get_template(VOTE_WIDGET_TEMPLATE).render(context)}
        _widgets.set_many(found, limit=WIDGETS_KEPT)
    widget = found[key].replace(ANSWER_PK_PLACEHOLDER, str(answer.pk))
    return widget.replace(CSRF_PLACEHOLDER, csrf_token)
