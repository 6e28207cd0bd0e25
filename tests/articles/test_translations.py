"""The French catalogue is complete: no string of ours shows in English on a French page."""

import re
from pathlib import Path

from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def strings(keyword: str, body: str) -> list[str]:
    """The (possibly multi-line) strings after ``keyword`` in one catalogue entry."""
    pattern = rf'^{keyword} "(.*)"\n((?:".*"\n?)*)'
    return [
        m.group(1) + "".join(re.findall(r'"(.*)"', m.group(2)))
        for m in re.finditer(pattern, body + "\n", re.MULTILINE)
    ]


def entries():
    """(msgid, [msgstr…], flags) for every entry but the header."""
    text = CATALOGUE.read_text(encoding="utf-8")
    for block in text.split("\n\n")[1:]:
        flags = " ".join(line for line in block.splitlines() if line.startswith("#,"))
        body = "\n".join(line for line in block.splitlines() if not line.startswith("#"))
        if body.strip():
            yield strings("msgid", body)[0], strings(r"msgstr(?:\[\d\])?", body), flags


def test_every_string_has_a_french_translation():
    assert len(list(entries())) > 150  # the parser did read the catalogue
    missing = [msgid for msgid, translations, flags in entries() if not all(translations)]
    fuzzy = [msgid for msgid, _translations, flags in entries() if "fuzzy" in flags]
    assert missing == [] and fuzzy == []
