"""The catalogue check of `make lint` catches a string nobody translated.

Each test checks a small project of its own with bin/check_messages.py;
`make lint` checks this one.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from bin.check_messages import check

CHECKER = Path(settings.BASE_DIR) / "bin" / "check_messages.py"

# `make lint` fails without gettext, so in CI these tests never skip.
pytestmark = pytest.mark.skipif(
    shutil.which("msgmerge") is None,
    reason="GNU gettext is not installed (apt-get install gettext)",
)

HEADER = r"""msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\n"
"""
TRANSLATED = """
#: templates/page.html
msgid "Read the article"
msgstr "Lire l’article"
"""
PAGE = '{% load i18n %}<a href="/">{% translate "Read the article" %}</a>\n'


def make_project(root: Path, files: dict[str, str] | None = None, catalogue=TRANSLATED) -> Path:
    """A project with these files (templates/page.html by default) and its compiled catalogue."""
    for name, text in (files or {"templates/page.html": PAGE}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    messages = root / "locale" / "fr" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    (messages / "django.po").write_text(HEADER + catalogue, encoding="utf-8")
    subprocess.run(["msgfmt", "-o", messages / "django.mo", messages / "django.po"], check=True)  # noqa: S603, S607
    return root


def run_checker(root: Path, **env) -> subprocess.CompletedProcess:
    """The checker as `make lint` runs it."""
    return subprocess.run(  # noqa: S603
        [sys.executable, CHECKER, "--root", root],
        capture_output=True,
        text=True,
        check=False,
        **({"env": env} if env else {}),
    )


def files_of(root: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in root.rglob("*") if path.is_file()}


def test_a_complete_catalogue_passes(tmp_path):
    assert check(make_project(tmp_path)) == {}


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("templates/new.html", '{% load i18n %}<p>{% translate "Nobody translated me" %}</p>'),
        (
            "templates/new.html",
            "{% load i18n %}{% blocktranslate %}Nobody translated me{% endblocktranslate %}",
        ),
        (
            "forum/new.py",
            'from django.utils.translation import gettext as _\n_("Nobody translated me")',
        ),
    ],
    ids=["translate", "blocktranslate", "gettext"],
)
def test_a_new_string_of_the_code_is_reported(tmp_path, path, source):
    root = make_project(tmp_path, {"templates/page.html": PAGE, path: source})
    assert check(root) == {"missing": [f'{path}: "Nobody translated me"']}


def test_untranslated_and_fuzzy_entries_are_reported(tmp_path):
    page = PAGE + '{% translate "Vote" %}{% translate "Reply" %}'
    catalogue = TRANSLATED + '\nmsgid "Vote"\nmsgstr ""\n\n#, fuzzy\nmsgid "Reply"\nmsgstr "Vote"\n'
    assert check(make_project(tmp_path, {"templates/page.html": page}, catalogue)) == {
        "untranslated": ['templates/page.html: "Vote"'],
        "fuzzy": ['templates/page.html: "Reply"'],
    }


def test_a_stale_compiled_catalogue_is_reported(tmp_path):
    root = make_project(tmp_path)
    po = root / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    po.write_text(po.read_text().replace("Lire l’article", "Lire tout l’article"))
    assert check(root) == {"stale": ['"Read the article"']}


def test_lint_fails_on_a_new_string_and_leaves_the_project_untouched(tmp_path):
    root = make_project(tmp_path, {"templates/page.html": PAGE + '{% translate "Flag" %}'})
    before = files_of(root)
    result = run_checker(root)
    assert result.returncode == 1
    assert 'Missing from the catalogue (1):\n  templates/page.html: "Flag"\n' in result.stderr
    assert files_of(root) == before


def test_missing_gettext_tools_are_named(tmp_path):
    result = run_checker(make_project(tmp_path), PATH=str(tmp_path / "empty"))
    assert result.returncode == 2
    assert "xgettext, msguniq, msgmerge, msgattrib, msgfmt not found" in result.stderr
    assert "apt-get install gettext" in result.stderr


def test_allauths_french_reads_with_typographic_apostrophes():
    """allauth's own catalogue writes "l'adresse"; ours, read first, says "l’adresse"
    for every such string (bin/allauth_french.py lists and fills them)."""
    import re

    import allauth
    import polib
    from django.utils import translation

    source = Path(allauth.__file__).parent / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    straight = [
        entry.msgid
        for entry in polib.pofile(str(source))
        if not entry.obsolete and re.search(r"\w'\w", entry.msgstr)
    ]
    assert len(straight) > 50  # the catalogue was read
    with translation.override("fr"):
        still_straight = [
            msgid for msgid in straight if re.search(r"\w'\w", translation.gettext(msgid))
        ]
    assert still_straight == []
