"""Fail when the French catalogue lags behind the code (run by `make lint`).

`make messages` is run on a copy of the project's templates, Python files and
catalogue, so the real catalogue is never touched (others may be editing it).
A string of the code that is missing from the committed django.po, untranslated
or fuzzy there, or a django.mo that is not the compiled django.po, is reported.

    python bin/check_messages.py [--root DIR]
"""

import argparse
import gettext
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
LOCALE = "fr"
CATALOGUE = Path("locale") / LOCALE / "LC_MESSAGES"
# The options of `make messages`, which is how the catalogue is updated.
MAKEMESSAGES = {
    "locale": [LOCALE],
    "no_obsolete": True,
    "add_location": "file",
    "ignore_patterns": [".venv/*"],
}
SOURCE_SUFFIXES = {".html", ".txt", ".py"}  # what makemessages reads by default
GETTEXT_TOOLS = ["xgettext", "msguniq", "msgmerge", "msgattrib", "msgfmt"]
TITLES = {
    "unreadable": "No entry could be read",
    "missing": "Missing from the catalogue",
    "untranslated": "Untranslated",
    "fuzzy": "Fuzzy (a guessed translation, which readers do not see)",
    "stale": "django.mo is not the compiled django.po",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=PROJECT, help="the project to check")
    root = parser.parse_args().root.resolve()

    missing_tools = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    if missing_tools:
        print(
            f"{', '.join(missing_tools)} not found: the translation check needs GNU gettext.\n"
            "Install it (Debian/Ubuntu: apt-get install gettext; macOS: brew install gettext).",
            file=sys.stderr,
        )
        return 2

    sys.path.insert(0, str(PROJECT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forum.settings")
    import django

    django.setup()
    problems = check(root)
    if not problems:
        return 0
    print(f"{CATALOGUE / 'django.po'} is behind the code:", file=sys.stderr)
    for kind, lines in problems.items():
        print(f"\n{TITLES[kind]} ({len(lines)}):", file=sys.stderr)
        for line in lines:
            print(f"  {line}", file=sys.stderr)
    print(
        "\nRun `make messages`, translate the new entries (and remove `#, fuzzy` once a "
        "translation is checked), run `make messages` again, and commit django.po and django.mo.",
        file=sys.stderr,
    )
    return 1


def check(root: Path) -> dict[str, list[str]]:
    """What is wrong with root's catalogue, by kind of problem; empty when all is well.

    Needs Django set up; LOCALE_PATHS is replaced while it runs."""
    committed_po = root / CATALOGUE / "django.po"
    committed = read_po(committed_po) if committed_po.exists() else {}
    if not committed:
        return {"unreadable": [str(committed_po)]}
    with tempfile.TemporaryDirectory(prefix="check-messages-") as tmp:
        copy = Path(tmp) / "project"
        copy_sources(root, copy)
        shutil.copytree(root / CATALOGUE, copy / CATALOGUE)
        make_messages(copy)
        updated = read_po(copy / CATALOGUE / "django.po")
        stale = stale_compiled(committed_po, root / CATALOGUE / "django.mo", Path(tmp))

    problems = {
        "missing": [
            f"{entry.where}: {entry.label}"
            for key, entry in updated.items()
            if key not in committed
        ],
        "untranslated": [
            f"{entry.where}: {entry.label}"
            for key, entry in updated.items()
            if key in committed and not entry.is_translated
        ],
        "fuzzy": [
            f"{entry.where}: {entry.label}"
            for key, entry in updated.items()
            if key in committed and entry.is_translated and entry.is_fuzzy
        ],
        "stale": stale,
    }
    return {kind: lines for kind, lines in problems.items() if lines}


def copy_sources(root: Path, dest: Path) -> None:
    """Copy the files makemessages would read, leaving out what it skips."""
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        # Hidden folders (.venv, .git) are skipped by makemessages; so are
        # STATIC_ROOT and catalogues (the project's one is copied apart).
        dirnames[:] = [
            name
            for name in dirnames
            if not name.startswith(".")
            and name != "locale"
            and not (here == root and name == "staticfiles")
        ]
        for name in filenames:
            if Path(name).suffix in SOURCE_SUFFIXES and not name.startswith("."):
                target = dest / (here / name).relative_to(root)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(here / name, target)


def make_messages(project: Path) -> None:
    """`make messages`' makemessages, run in the copy with its catalogue as LOCALE_PATHS."""
    from django.core.management import call_command
    from django.test import override_settings

    previous = Path.cwd()
    os.chdir(project)  # makemessages reads the current folder
    try:
        with override_settings(LOCALE_PATHS=[str(project / "locale")]):
            call_command("makemessages", verbosity=0, **MAKEMESSAGES)
    finally:
        os.chdir(previous)


def stale_compiled(po: Path, mo: Path, tmp: Path) -> list[str]:
    """The msgids where the committed .mo differs from the .po compiled as compilemessages does."""
    if not mo.exists():
        return [f"{mo.name} is missing"]
    fresh = tmp / "fresh.mo"
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        ["msgfmt", "--check-format", "-o", str(fresh), str(po)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        return [f"msgfmt refuses {po.name}: {result.stderr.strip()}"]
    expected, committed = compiled_messages(fresh), compiled_messages(mo)
    return [
        f'"{msgid}"'
        for msgid in sorted(expected.keys() | committed.keys(), key=str)
        if expected.get(msgid) != committed.get(msgid)
    ]


def compiled_messages(mo: Path) -> dict:
    """The translations in a compiled catalogue, without its header (dates change alone)."""
    with mo.open("rb") as file:
        catalog = dict(gettext.GNUTranslations(file)._catalog)
    catalog.pop("", None)
    return catalog


class Entry:
    def __init__(self, fields: dict[str, str], flags: set[str], locations: list[str]):
        self.fields, self.flags, self.locations = fields, flags, locations

    @property
    def label(self) -> str:
        label = f'"{self.fields["msgid"]}"'
        if "msgid_plural" in self.fields:
            label += f' / "{self.fields["msgid_plural"]}"'
        if "msgctxt" in self.fields:
            label = f"[{self.fields['msgctxt']}] {label}"
        return label

    @property
    def where(self) -> str:
        return " ".join(self.locations) or "?"

    @property
    def is_translated(self) -> bool:
        translations = [v for k, v in self.fields.items() if k.startswith("msgstr")]
        return bool(translations) and all(translations)

    @property
    def is_fuzzy(self) -> bool:
        return "fuzzy" in self.flags


def read_po(path: Path) -> dict[tuple[str | None, str], Entry]:
    """The entries of a .po file by (context, msgid), without its header and obsolete ones.

    Strings keep the file's escapes (\\n, \\"): both sides are written by gettext."""
    entries = {}
    for block in re.split(r"\n[ \t]*\n", path.read_text(encoding="utf-8")):
        fields: dict[str, str] = {}
        flags: set[str] = set()
        locations: list[str] = []
        keyword = None
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                flags.update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#:"):
                locations.extend(line[2:].split())
            elif line.startswith("#"):
                continue  # comments, previous msgids (#|) and obsolete entries (#~)
            elif line.startswith('"') and keyword:
                fields[keyword] += line.strip()[1:-1]
            else:
                keyword, _, rest = line.partition(" ")
                fields[keyword] = rest.strip()[1:-1]
        if fields.get("msgid"):
            entries[(fields.get("msgctxt"), fields["msgid"])] = Entry(fields, flags, locations)
    return entries


if __name__ == "__main__":
    sys.exit(main())
