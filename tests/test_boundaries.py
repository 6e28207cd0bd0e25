"""The articles app knows nothing of the discussion: forum composes, articles publishes.

Fails when anything under articles/ or templates/articles/ imports the forum, names
one of its URLs, models or templates, or renders answers."""

import ast
import re
from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
ARTICLES_CODE = sorted((ROOT / "articles").rglob("*.py"))
ARTICLES_TEMPLATES = sorted((ROOT / "templates" / "articles").rglob("*.html"))


def forum_names() -> set[str]:
    """Names that belong to the discussion: the forum's models and its URL namespace."""
    models = {model.__name__ for model in apps.get_app_config("forum").get_models()}
    return (models - {"User"}) | {"forum"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_there_is_something_to_check():
    assert len(ARTICLES_CODE) > 5 and len(ARTICLES_TEMPLATES) >= 2
    assert {"Answer", "Vote", "forum"} <= forum_names()


def test_articles_code_imports_nothing_of_the_forum():
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            module for module in imported_modules(path) if module.split(".")[0] == "forum"
        )
        for path in ARTICLES_CODE
    }
    assert {path: modules for path, modules in offenders.items() if modules} == {}


def test_articles_code_and_templates_name_nothing_of_the_forum():
    """No forum model, URL name ("forum:…") or template ("forum/…") in articles' files."""
    pattern = re.compile(r"\b(" + "|".join(sorted(forum_names())) + r")\b")
    offenders = []
    for path in [*ARTICLES_CODE, *ARTICLES_TEMPLATES]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_articles_templates_render_no_answers():
    offenders = [
        str(path.relative_to(ROOT))
        for path in ARTICLES_TEMPLATES
        if re.search(r"answer|réponse|vote", path.read_text(encoding="utf-8"), re.IGNORECASE)
    ]
    assert offenders == []


def test_the_questions_answer_counter_is_only_declared_in_articles():
    """The counter lives on the question's row (one read for a question page) but is the
    forum's to write and read: articles declares the column and never uses it."""
    mentions = [
        f"{path.relative_to(ROOT)}: {line.strip()}"
        for path in [*ARTICLES_CODE, *ARTICLES_TEMPLATES]
        if "migrations" not in path.parts
        for line in path.read_text(encoding="utf-8").splitlines()
        if "answer_count" in line
    ]
    assert len(mentions) == 1 and mentions[0].startswith(
        "articles/models.py: answer_count = models.PositiveIntegerField("
    )
