"""Word rules: which rule a text breaks, and where.

Texts and patterns are compared folded: decomposed (NFKD), stripped of accents and other
combining marks, case-folded, ligatures spelt out ("œ" → "oe"), typographic apostrophes
and dashes made plain, invisible characters (soft hyphens, zero-width spaces) dropped.
A pattern matches whole words only: a letter or digit right before or after it means
another word ("con" never hits "conseil", "contenu" or "déconne"). An apostrophe ends a
word, so French elision is seen through ("l’idiot", "qu'idiot"). A trailing ``*`` stands
for any ending ("con*" hits "connard", still not "déconne"); the words of a pattern are
matched across any run of spaces or hyphens.

All rules of an action are compiled into one regular expression shaped as a trie (words
sharing a beginning share a branch), which the ``re`` module walks in about the time of a
single pattern: alternatives listed one by one would be tried one by one at every word.
The compiled form is kept per process and rebuilt when the version in the shared cache
changes; the staff page bumps that version on every change (``rules_changed``).
"""

import re
import threading
import time
import unicodedata
import uuid
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser

from django.core.cache import cache
from django.db import transaction
from django.utils.safestring import SafeString, mark_safe

from ..models import WordRule

VERSION_KEY = "word-rules:version"
# With the shared cache down no version can be read: a process then re-reads the rules
# this often (seconds), rather than at every text or never.
STALE_AFTER = 10.0
# Characters whose folded form is remembered. A text in an exotic script brings new ones;
# past this, they are folded again at each text rather than kept forever.
FOLD_TABLE_MAX = 20_000

APOSTROPHES = "'\u2019\u2018\u02bc\u2032"  # ' ’ ‘ ʼ ′: all read as '
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2212"  # ‐ ‑ ‒ – — −: all read as -
LIGATURES = {"œ": "oe", "æ": "ae"}  # NFKD keeps these two: they are letters in French

# What staff may type: letters in words separated by spaces, apostrophes or hyphens, and
# one optional "*" right after the last letter.
PATTERN_MAX_LENGTH = 100
PATTERN_SHAPE = re.compile(r"[^\W\d_]+(?:[\s'’\-]+[^\W\d_]+)*\*?")

# Between two words of a pattern: any run of spaces and hyphens ("fils de…" also hits
# "fils-de…", and "va-t-en" hits "va t en").
SEPARATORS = re.compile(r"[\s\-]+")
APOSTROPHE_SPACING = re.compile(r"\s*'\s*")


# --- Folding ------------------------------------------------------------------------------


def _strip_marks(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not _is_mark(c))


def _is_mark(char: str) -> bool:
    return unicodedata.category(char).startswith("M")


def _fold_char(char: str) -> str:
    if char in APOSTROPHES:
        return "'"
    if char in DASHES:
        return "-"
    if unicodedata.category(char) == "Cf":  # invisible: never a boundary between letters
        return ""
    folded = _strip_marks(_strip_marks(char).casefold())  # casefold can bring marks back
    return "".join(LIGATURES.get(c, "'" if c in APOSTROPHES else c) for c in folded)


class _FoldTable(dict):
    """{code point: folded form} for ``str.translate``, filled as characters are met."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        if len(self) < FOLD_TABLE_MAX:
            self[code] = folded
        return folded


_FOLDED = _FoldTable()
for _code in range(128):
    _FOLDED[_code] = _fold_char(chr(_code))


def fold(text: str) -> str:
    """``text`` as the rules read it: no accents, no case, plain apostrophes and dashes."""
    return text.translate(_FOLDED)


def canonical(pattern: str) -> str:
    """The form two patterns that match the same words share ("Élite" and "elite",
    "va-t-en" and "va t en", "l’ idiot" and "l'idiot")."""
    folded = SEPARATORS.sub(" ", fold(pattern)).strip()
    return APOSTROPHE_SPACING.sub("'", folded)


def is_valid_pattern(pattern: str) -> bool:
    """Letters, spaces, apostrophes and hyphens, one optional trailing ``*``; not too long."""
    return len(pattern) <= PATTERN_MAX_LENGTH and PATTERN_SHAPE.fullmatch(pattern) is not None


def _origins(text: str) -> list[int]:
    """For each character of ``fold(text)``, the index in ``text`` of the one it comes
    from (a character can fold into none, one or several)."""
    origins = []
    for index, char in enumerate(text):
        origins.extend([index] * len(_FOLDED[ord(char)]))
    return origins


def _original_span(text: str, origins: list[int], start: int, end: int) -> tuple[int, int]:
    """A span of the folded text as a span of ``text``, with the combining marks that
    follow its last letter ("e" + U+0301 is one letter to a reader)."""
    first, last = origins[start], origins[end - 1] + 1
    while last < len(text) and _is_mark(text[last]):
        last += 1
    return first, last


# --- Compiling ----------------------------------------------------------------------------


@dataclass
class Match:
    """A rule a text breaks, and where: (start, end) offsets in the text as written."""

    rule: WordRule
    spans: list[tuple[int, int]]


# The regular expression of one character of a canonical pattern.
_PIECES = {" ": r"[\s\-]+", "'": "'", "*": r"\w*"}


def _trie_regex(keys: list[str]) -> str:
    """One regular expression matching exactly the ``keys`` (canonical patterns), where
    keys sharing a beginning share a branch."""
    trie: dict = {}
    for key in keys:
        node = trie
        for char in key:
            node = node.setdefault(char, {})
        node[""] = {}  # a key ends here

    def emit(node: dict) -> str:
        chars = sorted(char for char in node if char)
        branches = [(_PIECES.get(char) or re.escape(char)) + emit(node[char]) for char in chars]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:  # this key, or a longer one: the longer is tried first
            return f"(?:{body})?"
        return body

    return emit(trie)


class _Rules:
    """The rules of one action, compiled: which rule matched is read back from the words
    matched (the exact pattern, else the longest wildcard prefix)."""

    def __init__(self, rules):
        self.exact: dict[str, WordRule] = {}
        self.prefixes: dict[str, WordRule] = {}
        for rule in rules:
            key = canonical(rule.pattern)
            wildcard = key.endswith("*")
            key = key.replace("*", "").strip(" '")
            if not re.search(r"\w", key):  # "*" alone would hit every word
                continue
            (self.prefixes if wildcard else self.exact).setdefault(key, rule)
        keys = [*self.exact, *(f"{key}*" for key in self.prefixes)]
        self.regex = re.compile(rf"(?<!\w)(?:{_trie_regex(keys)})(?!\w)") if keys else None

    def rule_for(self, words: str) -> WordRule | None:
        """The rule that matched ``words`` (folded)."""
        key = canonical(words)
        if rule := self.exact.get(key):
            return rule
        for end in range(len(key), 0, -1):
            if rule := self.prefixes.get(key[:end]):
                return rule
        return None

    def finditer(self, folded: str):
        """(rule, start, end) for every match in a folded text, in order."""
        if self.regex is None:
            return
        for found in self.regex.finditer(folded):
            if rule := self.rule_for(found.group()):
                yield rule, found.start(), found.end()


class Matcher:
    """Rules compiled: block rules are asked before review rules."""

    def __init__(self, rules):
        rules = list(rules)
        self.parts = [
            _Rules(rule for rule in rules if rule.action == WordRule.Action.BLOCK),
            _Rules(rule for rule in rules if rule.action != WordRule.Action.BLOCK),
        ]

    def match(self, text: str) -> Match | None:
        """The first rule ``text`` breaks (a block rule if any), with all its spans."""
        folded = fold(text)
        for part in self.parts:
            found = [(rule, start, end) for rule, start, end in part.finditer(folded)]
            if found:
                first = found[0][0]
                spans = [(start, end) for rule, start, end in found if rule is first]
                return Match(first, _map_spans(text, spans))
        return None

    def every_match(self, text: str) -> list[Match]:
        """Every rule ``text`` breaks, block rules first, each with all its spans."""
        folded = fold(text)
        matches: dict[int, Match] = {}  # by id(): rules made for a test have no pk
        for part in self.parts:
            for rule, start, end in part.finditer(folded):
                matches.setdefault(id(rule), Match(rule, [])).spans.append((start, end))
        origins = _origins(text) if matches else []
        for found in matches.values():
            found.spans = [_original_span(text, origins, *span) for span in found.spans]
        return list(matches.values())

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where any of the rules hits ``text``, in order, overlaps merged (spans of the
        text as written)."""
        folded = fold(text)
        found = sorted(
            (start, end) for part in self.parts for _rule, start, end in part.finditer(folded)
        )
        return _map_spans(text, merged(found))


def merged(spans) -> list[tuple[int, int]]:
    """Spans in order, those that overlap (two rules on one word) made one."""
    result: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if result and start < result[-1][1]:
            result[-1] = (result[-1][0], max(end, result[-1][1]))
        else:
            result.append((start, end))
    return result


def _map_spans(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    if not spans:
        return []
    origins = _origins(text)
    return [_original_span(text, origins, start, end) for start, end in spans]


# --- The process's matcher, and its version ------------------------------------------------


@dataclass
class _Compiled:
    version: str | None
    matcher: Matcher
    built_at: float


_current: _Compiled | None = None
_building = threading.Lock()


def _version() -> str | None:
    """The rules' version in the shared cache (made if missing), or None when the cache
    cannot keep one."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def current_matcher() -> Matcher:
    """The rules as they are now, compiled once per version and process."""
    global _current
    version = _version()
    compiled = _current
    if compiled is not None and (
        compiled.version == version
        if version is not None
        else time.monotonic() - compiled.built_at < STALE_AFTER
    ):
        return compiled.matcher
    with _building:  # one thread rebuilds; the others wait for its result
        compiled = _current
        if compiled is not None and version is not None and compiled.version == version:
            return compiled.matcher
        matcher = Matcher(WordRule.objects.order_by("pk"))
        _current = _Compiled(version, matcher, time.monotonic())
        return matcher


def rules_changed() -> None:
    """Make every process rebuild its matcher: now, and again once the change is
    committed (a process that rebuilt in between has read the rules as they were)."""
    global _current
    _bump()
    _current = None
    transaction.on_commit(_bump)


def _bump() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


# --- What the rest of the site asks ------------------------------------------------------


def match(text: str) -> Match | None:
    """The first rule ``text`` breaks (block rules before review rules), or None."""
    return current_matcher().match(text)


def blocking(text: str) -> WordRule | None:
    """The block rule ``text`` breaks, if any."""
    found = current_matcher().match(text)
    return found.rule if found and found.rule.action == WordRule.Action.BLOCK else None


def reviewing(text: str) -> WordRule | None:
    """The review rule ``text`` breaks, if any (whether or not a block rule hits too)."""
    review = current_matcher().parts[1]
    found = next(review.finditer(fold(text)), None)
    return found[0] if found else None


def every_match(text: str) -> list[Match]:
    """Every rule ``text`` breaks, block rules first (the staff page's "try it")."""
    return current_matcher().every_match(text)


# --- Showing where -------------------------------------------------------------------------


def mark_text(text: str, spans: list[tuple[int, int]]) -> SafeString:
    """Plain ``text``, escaped, with ``<mark>`` around the spans and its line breaks kept."""
    html, at = [], 0
    for start, end in merged(spans):
        html += [escape(text[at:start]), "<mark>", escape(text[start:end]), "</mark>"]
        at = end
    html.append(escape(text[at:]))
    return mark_safe("".join(html).replace("\n", "<br>\n"))  # noqa: S308 (escaped above)


# Elements inside which the words of a paragraph run on: their text is read with the text
# around it ("id<em>iot</em>" is one word). Any other element separates words.
INLINE = frozenset(
    [
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "cite",
        "code",
        "del",
        "dfn",
        "em",
        "i",
        "ins",
        "kbd",
        "mark",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "u",
        "var",
    ]
)


class _Text(str):
    """A text node, unescaped."""


class _Markup(HTMLParser):
    """Rendered HTML as a list of its tags (as written) and text nodes (as read)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.pieces.append(self.get_starttag_text())

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        self.pieces.append(f"</{tag}>")

    def handle_data(self, data):
        self.pieces.append(_Text(data))

    def handle_comment(self, data):
        self.pieces.append(f"<!--{data}-->")


def highlight(body_html: str, rules) -> SafeString:
    """Rendered (sanitised) HTML with ``<mark>`` around what ``rules`` match, in text nodes
    only: tags and attributes are left as they are, text is escaped again."""
    parser = _Markup()
    parser.feed(body_html)
    parser.close()
    # The text as a reader reads it, each text node at its offset in it.
    text, offsets = [], []
    length = 0
    for piece in parser.pieces:
        if isinstance(piece, _Text):
            offsets.append(length)
            text.append(piece)
            length += len(piece)
        elif _tag_name(piece) not in INLINE:
            text.append("\n")  # a paragraph, a list item, a line break: words end there
            length += 1
            offsets.append(None)
        else:
            offsets.append(None)
    spans = Matcher(rules).spans("".join(text))
    html = []
    for piece, offset in zip(parser.pieces, offsets, strict=True):
        if offset is None:
            html.append(piece)
            continue
        inside = [
            (max(start, offset) - offset, min(end, offset + len(piece)) - offset)
            for start, end in spans
            if start < offset + len(piece) and end > offset
        ]
        html.append(_mark_html(piece, inside))
    return mark_safe("".join(html))  # noqa: S308 (tags as sanitised, text escaped)


def _mark_html(text: str, spans: list[tuple[int, int]]) -> str:
    html, at = [], 0
    for start, end in spans:
        html += [escape(text[at:start], quote=False), "<mark>"]
        html += [escape(text[start:end], quote=False), "</mark>"]
        at = end
    html.append(escape(text[at:], quote=False))
    return "".join(html)


def _tag_name(markup: str) -> str:
    found = re.match(r"</?\s*([a-zA-Z][a-zA-Z0-9]*)", markup)
    return found.group(1).lower() if found else ""
