"""The one pipeline every user-written text goes through: Markdown, then an allow-list."""

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

# Bump when the output changes, so stored HTML can be re-rendered
# (`manage.py rerender_answers`).
RENDERER_VERSION = 2  # 2: bare addresses become links

ALLOWED_TAGS = {"p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener noreferrer"

# CommonMark with raw HTML off: a typed <script> stays text. Headings, images
# and tables are not part of a discussion answer; nh3 drops what slips through.
# Bare addresses (https://…, www.…) become links, as readers expect.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
_markdown.enable("linkify")
for scheme in ("ftp:", "//"):  # only what nh3 lets through becomes a link
    _markdown.linkify.add(scheme, None)
_markdown.disable(["image", "heading", "lheading", "hr"])


def render_markdown(text: str) -> SafeString:
    """Markdown source to sanitised HTML, safe to insert in a page."""
    html = _markdown.render(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )
    return mark_safe(clean)  # noqa: S308 (sanitised by nh3 just above)
