"""The palette of static/css/site.css meets WCAG AA contrast, in light and in dark."""

import re
from pathlib import Path

import pytest
from django.conf import settings

CSS = (Path(settings.BASE_DIR) / "static" / "css" / "site.css").read_text(encoding="utf-8")

# (foreground, background, least ratio): 4.5 for text, 3 for what only has to be seen
# (the focus ring, the border of a field: WCAG 1.4.11).
PAIRS = [
    ("text", "bg", 4.5),
    ("text", "surface", 4.5),
    ("muted", "bg", 4.5),
    ("muted", "surface", 4.5),
    ("link", "bg", 4.5),
    ("link", "surface", 4.5),
    ("accent", "bg", 4.5),  # the wordmark, labels, the "give your answer" button
    ("accent", "surface", 4.5),
    ("accent-text", "accent", 4.5),  # a filled button
    ("bg", "text", 4.5),  # the current language
    ("error", "surface", 4.5),
    ("error", "bg", 4.5),
    ("ok", "surface", 4.5),
    ("warn", "surface", 4.5),
    ("text", "highlight", 4.5),
    ("link", "highlight", 4.5),
    ("muted", "highlight", 4.5),
    ("focus", "bg", 3),
    ("focus", "surface", 3),
    ("muted", "surface", 3),  # field borders
    ("text", "line", 4.5),  # an author's initials
]


def palette(block: str) -> dict[str, str]:
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\s*;", block))


def light() -> dict[str, str]:
    return palette(CSS.split("@media")[0])


def dark() -> dict[str, str]:
    block = re.search(r"@media \(prefers-color-scheme: dark\)\s*\{\s*:root\s*\{(.*?)\}", CSS, re.S)
    return light() | palette(block.group(1))


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_is_computed_as_wcag_says():
    assert round(contrast("#000000", "#ffffff"), 2) == 21
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48


@pytest.mark.parametrize("scheme", [light, dark], ids=["light", "dark"])
@pytest.mark.parametrize(("fg", "bg", "least"), PAIRS)
def test_the_palette_meets_wcag_aa(scheme, fg, bg, least):
    colours = scheme()
    assert contrast(colours[fg], colours[bg]) >= least, (fg, bg, colours[fg], colours[bg])
