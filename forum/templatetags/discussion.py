"""Filters for showing answers: excerpts, scores, and the names of moderation reasons."""

import re
from html import unescape

from django import template
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe

from ..models import Answer, Flag
from ..rules import discussion_refusal, reply_target_refusal

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


# A mention, as forum.markdown stores it: the member page in the default language.
_MENTION = '<a href="/members/'


@register.filter
def member_links_in(html: str, member_url_prefix: str) -> SafeString:
    """Stored answer HTML (already sanitised) with its mentions pointing at the member pages
    of the page's language: "/en/members/…" on English pages."""
    if member_url_prefix == "/members/" or _MENTION not in html:
        return mark_safe(html)  # noqa: S308 (sanitised when stored)
    return mark_safe(html.replace(_MENTION, f'<a href="{member_url_prefix}'))  # noqa: S308


@register.filter
def magnitude(number: int) -> int:
    """How many, whatever the sign: chooses the plural form of "-1 point" / "-3 points"."""
    return abs(int(number))


@register.filter
def reason_label(value: str) -> str:
    """What a rule broken or a flag's reason is called, in the reader's language
    ("abuse" -> "harassment or abuse"); older removals kept free text, shown as written."""
    if value in Flag.Reason.values:
        return str(Flag.Reason(value).label)
    return value


@register.filter
def welcomes_members(target) -> bool:
    """Whether a member could write under ``target`` (a question, or an answer to reply to):
    when not, a reader is told why the form is gone, not invited to sign in for nothing."""
    if isinstance(target, Answer):
        return not reply_target_refusal(target)
    return not target or not discussion_refusal(target)
