"""Filters for showing answers outside their thread: excerpts and scores."""

import re
from html import unescape

from django import template
from django.utils.html import strip_tags

register = template.Library()

# Where one block of an answer ends: its paragraphs, list items, quotes, code.
_BLOCK_END = re.compile(r"</(?:p|li|blockquote|pre|ul|ol)>|<br\s*/?>", re.IGNORECASE)


@register.filter
def paragraphs_of(html: str, words: int = 40) -> list[str]:
    """The plain text of rendered answer HTML, block by block, cut after ``words`` words
    (with "…"), so an excerpt never glues two paragraphs into one sentence."""
    budget = int(words)
    blocks = []
    for chunk in _BLOCK_END.split(str(html)):
        text = " ".join(unescape(strip_tags(chunk)).split())
        if not text:
            continue
        found = text.split(" ")
        if len(found) >= budget:
            blocks.append(" ".join(found[:budget]) + (" …" if len(found) > budget else ""))
            break
        blocks.append(text)
        budget -= len(found)
    return blocks


@register.filter
def plain_excerpt(html: str, words: int = 12) -> str:
    """One line of an answer's text, for breadcrumbs and descriptions: blocks joined by
    " / " so their sentences stay apart."""
    return " / ".join(paragraphs_of(html, words))


@register.filter
def magnitude(number: int) -> int:
    """How many, whatever the sign: chooses the plural form of "-1 point" / "-3 points"."""
    return abs(int(number))
