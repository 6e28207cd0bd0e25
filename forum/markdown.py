"""The one pipeline every user-written text goes through: Markdown, then an allow-list.

``@pseudo`` outside code and links becomes a link to that member's page (``mentioned_names``
says whom a text mentions, for the notifications)."""

import re
import unicodedata
from collections.abc import Callable, Collection, Iterable

import nh3
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

# Bump when the output changes, so stored HTML can be re-rendered
# (`manage.py rerender_answers`).
# 2: bare addresses become links; 3: deep nesting keeps its words;
# 4: @pseudo of a member becomes a link to their page (class "mention").
RENDERER_VERSION = 4

ALLOWED_TAGS = {"p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
# Attributes allowed with these exact values only: the mark of a mention, and no other class
# (Markdown cannot write a class today; this keeps it so if that ever changes).
ALLOWED_ATTRIBUTE_VALUES = {"a": {"class": {"mention"}}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener noreferrer"

# CommonMark with raw HTML off: a typed <script> stays text. Headings, images
# and tables are not part of a discussion answer; nh3 drops what slips through.
# Bare addresses (https://…, www.…) become links, as readers expect.
_markdown = MarkdownIt(
    "commonmark",
    # Past maxNesting markdown-it drops the text: room for deep threads of quotes and lists
    # (their depth is capped below), where the default (20) silently lost words.
    {"html": False, "linkify": True, "typographer": False, "maxNesting": 200},
)
_markdown.enable("linkify")
for scheme in ("ftp:", "//"):  # only what nh3 lets through becomes a link
    _markdown.linkify.add(scheme, None)
_markdown.disable(["image", "heading", "lheading", "hr"])


MAX_QUOTE_DEPTH = 8  # a quote of a quote of… reads as one past this: flattened, words kept
_DEEP_QUOTE = re.compile(rf"^(?P<indent> {{0,3}})(?:>[ \t]?){{{MAX_QUOTE_DEPTH + 1},}}", re.M)
MAX_LIST_INDENT = 40  # spaces: deeper items stand at this level, words kept
_DEEP_ITEM = re.compile(rf"^[ \t]{{{MAX_LIST_INDENT + 1},}}(?=[-*+]|\d+[.)])", re.M)


def _flatten(text: str) -> str:
    """Cap the nesting of quotes and lists, so no word is lost to a nesting limit."""
    text = _DEEP_QUOTE.sub(lambda m: m["indent"] + "> " * MAX_QUOTE_DEPTH, text)
    return _DEEP_ITEM.sub(" " * MAX_LIST_INDENT, text)


# --- Mentions ------------------------------------------------------------------------
#
# Found in the token stream, after markdown-it has set code and links apart and linkify has
# made e-mail and web addresses links, so "@" in code, in a link or in bob@example.com is
# never a mention; an escaped "\@" is not one either (it is its own token until text_join).

MENTION_MIN_LENGTH = 3  # ACCOUNT_USERNAME_MIN_LENGTH: "@ti" is no pseudonym
MENTION_MAX_LENGTH = 150  # User.username's max_length
# A run of pseudonym characters (Django's UnicodeUsernameValidator: letters, digits and
# @ . + - _), with the combining accents of text typed decomposed ("e" + U+0301).
_MENTION = re.compile(r"@([\w.@+\-\u0300-\u036f]+)")
# Ends a sentence more often than a pseudonym ("merci @alice."): dropped when the longer
# form is no member's.
_TRAILING = ".-+"
# After these, "@" is part of something else: an address (bob@x), a path (/@alice), a query.
_NOT_BEFORE_MENTION = frozenset("._@+-/\\:&=?#%~")

# Who may be mentioned, from the names a text holds: name.lower() -> the real username.
type MemberLookup = Callable[[Collection[str]], dict[str, str]]


def _mention_boundary(before: str) -> bool:
    """Whether "@" after the character ``before`` ("" at the start) may open a mention."""
    if not before:
        return True
    return before not in _NOT_BEFORE_MENTION and unicodedata.category(before)[0] not in "LNM"


def _forms(run: str) -> list[tuple[str, str]]:
    """The pseudonyms a run may stand for, longest first: (as written, lookup key)."""
    forms = []
    end = len(run)
    while end:
        written = run[:end]
        # Pseudonyms are stored NFKC (Django's normalize_username), compared lowercased
        # (the unique constraint on Lower("username")).
        key = unicodedata.normalize("NFKC", written).lower()
        if MENTION_MIN_LENGTH <= len(key) <= MENTION_MAX_LENGTH:
            forms.append((written, key))
        if run[end - 1] not in _TRAILING:
            break
        end -= 1
    return forms


def _mention_rule(state: StateCore) -> None:
    """Core rule: turn "@pseudo" in text (not in code, not in a link) into a link to the
    member's page when such a member may be mentioned; record the names in env."""
    lookup: MemberLookup | None = state.env.get("member_lookup")
    if lookup is None:
        return
    found = []  # (inline token, child index, the runs found in that text)
    for block in state.tokens:
        if block.type != "inline" or "@" not in block.content or not block.children:
            continue
        in_link = 0
        before = ""  # the character just before the current child, if text
        for index, child in enumerate(block.children):
            if child.type == "link_open":
                in_link += 1
            elif child.type == "link_close":
                in_link -= 1
            elif child.type == "text" and not in_link and "@" in child.content:
                text = child.content
                runs = [
                    match
                    for match in _MENTION.finditer(text)
                    if _mention_boundary(text[match.start() - 1] if match.start() else before)
                ]
                if runs:
                    found.append((block, index, runs))
            before = child.content[-1:] if child.type in ("text", "text_special") else ""
    keys = {key for _block, _index, runs in found for run in runs for _w, key in _forms(run[1])}
    if not keys:
        return  # most texts: no query at all
    members = lookup(keys)
    mentioned = state.env.setdefault("mentioned", [])
    replaced = []  # (inline token, child index, the tokens that take its place)
    for block, index, runs in found:
        text, level = block.children[index].content, block.children[index].level
        pieces: list[Token] = []
        done = 0
        for run in runs:
            # The longest form that is a member's: "@alice." is alice's unless "alice." exists.
            for written, key in _forms(run[1]):
                if key in members:
                    pieces.append(_text_token(text[done : run.start()], level))
                    pieces.extend(_mention_tokens(written, members[key], level))
                    done = run.start() + 1 + len(written)
                    mentioned.append(written)
                    break
        if pieces:
            pieces.append(_text_token(text[done:], level))
            replaced.append((block, index, [p for p in pieces if p.content or p.nesting]))
    # The last text of each block first, so the indexes of the earlier ones still hold.
    for block, index, pieces in reversed(replaced):
        block.children[index : index + 1] = pieces


def _text_token(content: str, level: int) -> Token:
    return Token("text", "", 0, content=content, level=level)


def _mention_tokens(written: str, username: str, level: int) -> list[Token]:
    # The site's address, not /en/…: the stored HTML serves every language (the default
    # has no prefix, and a reader of /en/ pages switches back with one click).
    with translation.override(settings.LANGUAGE_CODE):
        href = reverse("forum:member", kwargs={"username": username})
    return [
        Token(
            "link_open",
            "a",
            1,
            attrs={"href": href, "class": "mention"},
            level=level,
            markup="mention",
        ),
        _text_token("@" + written, level + 1),
        Token("link_close", "a", -1, level=level, markup="mention"),
    ]


_markdown.core.ruler.after("linkify", "mention", _mention_rule)


def _members_in_db(keys: Collection[str]) -> dict[str, str]:
    """Members who may be mentioned, by lowercased pseudonym: active and not anonymised."""
    from django.db.models.functions import Lower

    from .models import User  # forum.models is loaded after this module

    rows = (
        User.objects.annotate(key=Lower("username"))
        .filter(key__in=keys, is_active=True, anonymised_at__isnull=True)
        .values_list("key", "username")
    )
    return dict(rows)


def _lookup(members: Iterable[str] | None) -> MemberLookup:
    if members is None:
        return _members_in_db
    by_key = {name.lower(): name for name in members}
    return lambda keys: {key: by_key[key] for key in keys if key in by_key}


def mentioned_names(text: str, *, members: Iterable[str] | None = None) -> list[str]:
    """The pseudonyms ``text`` mentions and links, as written (no "@"), first seen first, each
    once whatever its case. Only those of active, not anonymised members (or of ``members``)."""
    env = {"member_lookup": _lookup(members)}
    _markdown.parse(_flatten(text), env)
    unique = {}
    for name in env.get("mentioned", []):
        unique.setdefault(name.lower(), name)
    return list(unique.values())


def render_markdown(text: str, *, members: Iterable[str] | None = None) -> SafeString:
    """Markdown source to sanitised HTML, safe to insert in a page. ``@pseudo`` links to the
    member's page; ``members`` (pseudonyms) stands in for the database, which is read once
    at most, and only when the text has an "@" outside code."""
    html = _markdown.render(_flatten(text), {"member_lookup": _lookup(members)})
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        tag_attribute_values=ALLOWED_ATTRIBUTE_VALUES,
        url_schemes=ALLOWED_URL_SCHEMES,
        # Mentions too: they are links a member wrote, and a link from a member's text
        # should not lend the site's weight to a page (nor invite mention spam); the
        # noopener/noreferrer half changes nothing for a same-site link.
        link_rel=LINK_REL,
        strip_comments=True,
    )
    return mark_safe(clean)  # noqa: S308 (sanitised by nh3 just above)
