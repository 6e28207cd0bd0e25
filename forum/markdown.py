"""The one pipeline every user-written text goes through: Markdown, then an allow-list."""

import re

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

# Bump when the output changes, so stored HTML can be re-rendered
# (`manage.py rerender_answers`).
RENDERER_VERSION = 3  # 2: bare addresses become links; 3: deep nesting keeps its words

ALLOWED_TAGS = {"p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
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


def render_markdown(text: str) -> SafeString:
    """Markdown source to sanitised HTML, safe to insert in a page."""
    html = _markdown.render(_flatten(text))
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )
    return mark_safe(clean)  # noqa: S308 (sanitised by nh3 just above)
