"""French typography at render time: stored text keeps plain spaces."""

import re

from django import template

register = template.Library()

NARROW_NBSP = "\u202f"
NBSP = "\u00a0"

# French sets a thin non-breaking space before ? ! ; and a full one before :
# so the mark never wraps alone onto the next line.
_BEFORE_HIGH_PUNCTUATION = re.compile(r"[ \u00a0]+([?!;])")
_BEFORE_COLON = re.compile(r"[ \u202f]+:")


@register.filter
def french_spacing(text: str) -> str:
    """Non-breaking spaces before ? ! ; : (the result is still escaped by the template)."""
    text = _BEFORE_HIGH_PUNCTUATION.sub(NARROW_NBSP + r"\1", str(text))
    return _BEFORE_COLON.sub(NBSP + ":", text)
