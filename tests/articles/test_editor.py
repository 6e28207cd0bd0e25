"""Editors paste or upload a raw article, check the doubtful spots, correct, publish."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from articles.editor import DOUBTS, FORMAT_ERRORS, MAX_UPLOAD_BYTES, SESSION_KEY
from articles.importer import parse_article
from articles.models import Article
from articles.publishing import save_article
from tests.conftest import make_member
from tests.pages import soup

DATA = Path(__file__).parent / "data"
ROOT = Path(settings.BASE_DIR)
IMPORT_URL = "/editor/"
RAW = (
    "date 2025-03 A short article.\n"
    "Le marché recule depuis un mois.Les analystes restent prudents sur la suite."
    "Source : Le MondeQue pensez-vous de ce recul ?Faut-il s'en inquiéter ? Pourquoi ?"
)


@pytest.fixture
def editor(db):
    """A staff member, with a browser that checks CSRF on every POST."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_member("Edith", is_staff=True))
    return browser


@pytest.fixture
def reader(db):
    """Signed in, but no editor."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_member("Rita"))
    return browser


def form_of(response, selector="form.editor-form"):
    """The form's action and what a browser would send back as is: its hidden inputs
    (the CSRF token among them), text inputs and textareas."""
    form = soup(response).select_one(selector)
    data = {}
    for field in form.select("input[name]"):
        if field.get("type") not in ("submit", "file"):
            data[field["name"]] = field.get("value", "")
    for field in form.select("textarea[name]"):
        data[field["name"]] = field.text.removeprefix("\n")  # as browsers read a textarea
    assert data["csrfmiddlewaretoken"]
    return form["action"], data


def submit(browser, page_url, changes, **extra):
    """Load the page, fill its form and post it, as a person with a browser would."""
    action, data = form_of(browser.get(page_url))
    return browser.post(action, {**data, **changes}, **extra)


def words(text) -> str:
    """Text with every run of spaces (French non-breaking ones too) as one plain space."""
    return " ".join(str(text).split())


def page_text(response):
    return words(soup(response).get_text())


def import_text(browser, text=RAW):
    response = submit(browser, IMPORT_URL, {"text": text})
    assert response.status_code == 302
    return response["Location"]


# --- Happy paths ------------------------------------------------------------------


def test_editor_pastes_checks_the_doubtful_spot_corrects_and_publishes(editor):
    raw = (DATA / "onu-panel-ia-2024-09.txt").read_text()
    review_url = import_text(editor, raw)
    assert re.fullmatch(r"/editor/review/[\w-]+/", review_url)

    page = editor.get(review_url)
    assert page.status_code == 200 and not Article.objects.exists()
    [mark] = soup(page).select(".editor-found mark")
    assert mark.text == "soupleGoogle"
    note = soup(page).select_one("#doubt-1")
    assert words(DOUBTS["glued-word"]) in words(note.text)

    action, data = form_of(page)
    fixed = data["paragraphs"].replace("soupleGoogle", "souple.\n\nGoogle")
    response = editor.post(
        action,
        {**data, "paragraphs": fixed, "title": "Un GIEC de l’IA", "slug": "giec-ia"}
        | {"action": "publish"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("editor:edit", kwargs={"slug": "giec-ia"})
    article = Article.objects.get()
    assert article.is_published and article.title == "Un GIEC de l’IA"
    assert len(article.paragraphs) == 4 and article.paragraphs[2].endswith("plus souple.")
    assert article.source_name == "Le Monde" and article.display_date == "19 septembre 2024"
    assert list(article.questions.values_list("position", flat=True)) == [1, 2, 3, 4]
    assert editor.get(review_url).status_code == 404  # saved: the import is done with


@pytest.mark.parametrize("name", ["youtube-createurs-2025-01.txt", "kling-aspi-2024-06.toml"])
def test_editor_uploads_a_file_and_saves_a_draft(editor, name):
    path = DATA / name if name.endswith(".txt") else ROOT / "articles" / "content" / name
    action, data = form_of(editor.get(IMPORT_URL))
    data["upload"] = SimpleUploadedFile(name, path.read_bytes(), "text/plain")
    response = editor.post(action, data)
    assert response.status_code == 302

    review = editor.get(response["Location"])
    action, data = form_of(review)
    assert data["slug"]  # from the content file, or the file's name as the command does
    response = editor.post(action, {**data, "action": "draft"})
    assert response.status_code == 302
    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT and not article.is_published
    assert article.paragraphs == parse_article(path.read_bytes(), filename=name).paragraphs


def test_editor_corrects_a_saved_article_whose_slug_stays(editor):
    article = save_article(parse_article(RAW.encode()), slug="recul", publish=False).article
    edit_url = reverse("editor:edit", kwargs={"slug": "recul"})
    page = editor.get(edit_url)
    assert page.status_code == 200 and "slug" not in form_of(page)[1]
    response = submit(
        editor,
        edit_url,
        {
            "title": "Le marché recule",
            "questions": "Que pensez-vous de ce recul ?",
            "action": "publish",
        },
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.is_published and article.slug == "recul" and article.title == "Le marché recule"
    assert article.display_date == "mars 2025"
    assert list(article.questions.values_list("text", flat=True)) == [
        "Que pensez-vous de ce recul ?"
    ]


def test_import_page_lists_recent_articles_to_come_back_to(editor):
    save_article(parse_article(RAW.encode()), slug="recul")
    links = [a["href"] for a in soup(editor.get(IMPORT_URL)).select(".editor-recent a")]
    assert links == [reverse("editor:edit", kwargs={"slug": "recul"})]


# --- Who may -----------------------------------------------------------------------


def editor_urls():
    return [IMPORT_URL, "/editor/review/abc/", "/editor/articles/recul/"]


@pytest.mark.parametrize("url", editor_urls())
def test_anonymous_visitor_is_sent_to_sign_in(db, url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"


@pytest.mark.parametrize("url", editor_urls())
def test_member_who_is_not_an_editor_is_refused(reader, url):
    save_article(parse_article(RAW.encode()), slug="recul")
    assert reader.get(url).status_code == 403


def test_reader_cannot_publish_by_posting(reader, editor):
    review_url = import_text(editor)
    _action, data = form_of(editor.get(review_url))
    reader.get(IMPORT_URL)  # a page that sets the reader's own CSRF cookie
    token = reader.cookies[settings.CSRF_COOKIE_NAME].value
    data = {**data, "csrfmiddlewaretoken": token, "slug": "x", "action": "publish"}
    assert reader.post(review_url, data).status_code == 403
    assert not Article.objects.exists()


def test_a_post_without_the_form_token_is_refused(editor):
    review_url = import_text(editor)
    _action, data = form_of(editor.get(review_url))
    del data["csrfmiddlewaretoken"]
    response = editor.post(review_url, {**data, "slug": "x", "action": "draft"})
    assert response.status_code == 403
    assert not Article.objects.exists()


# --- Bad input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("upload", "text", "message"),
    [
        (None, "", FORMAT_ERRORS["empty"]),
        (None, "Un texte sans question. Rien à débattre.", FORMAT_ERRORS["no-questions"]),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "", FORMAT_ERRORS["binary"]),
        ("Qu'en pensez-vous ? Échec.".encode("latin-1"), "", FORMAT_ERRORS["encoding"]),
        (b"", "", "form"),  # Django's own "the submitted file is empty"
        (b"x" * (MAX_UPLOAD_BYTES + 1), "", "form"),  # too large
        (RAW.encode(), RAW, "form"),  # a text and a file: which one?
    ],
)
def test_what_is_not_an_article_is_refused_with_a_reason(editor, upload, text, message):
    action, data = form_of(editor.get(IMPORT_URL))
    if upload is not None:
        data["upload"] = SimpleUploadedFile("article.txt", upload, "text/plain")
    response = editor.post(action, {**data, "text": text})
    assert response.status_code == 400
    shown = soup(response).select_one(".editor-form__errors, .errorlist").get_text()
    if message == "form":  # the form's own messages, in the page's language
        assert shown.strip()
    else:
        assert words(message) in words(shown)
    assert not editor.session.get(SESSION_KEY) and not Article.objects.exists()


def test_publishing_needs_a_headline(editor):
    review_url = import_text(editor)
    response = submit(editor, review_url, {"slug": "recul", "title": "", "action": "publish"})
    assert response.status_code == 400
    assert words(FORMAT_ERRORS["headline"]) in page_text(response)
    assert not Article.objects.exists()


def test_a_slug_already_taken_is_refused_and_that_article_left_alone(editor):
    existing = save_article(parse_article(RAW.encode()), slug="recul", publish=False).article
    review_url = import_text(editor, (DATA / "irobot-amazon-2024-01.txt").read_text())
    response = submit(editor, review_url, {"slug": "recul", "title": "T", "action": "draft"})
    assert response.status_code == 400
    assert soup(response).select_one("#id_slug").find_previous("ul", class_="errorlist")
    existing.refresh_from_db()
    assert existing.paragraphs == parse_article(RAW.encode()).paragraphs


def test_corrections_that_leave_no_question_are_refused(editor):
    review_url = import_text(editor)
    response = submit(
        editor, review_url, {"slug": "recul", "questions": "  \n ", "action": "draft"}
    )
    assert response.status_code == 400
    assert words(FORMAT_ERRORS["no-questions"]) in page_text(response)
    assert not Article.objects.exists()


def test_a_date_that_does_not_exist_is_refused(editor):
    review_url = import_text(editor)
    response = submit(editor, review_url, {"slug": "recul", "date": "2025-02-30"})
    assert response.status_code == 400
    assert words(FORMAT_ERRORS["date"]) in page_text(response)


# --- Methods and missing things --------------------------------------------------


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
@pytest.mark.parametrize("url", editor_urls())
def test_other_methods_are_refused(editor, url, method):
    editor.get(IMPORT_URL)  # the CSRF cookie, so the refusal is about the method
    token = editor.cookies[settings.CSRF_COOKIE_NAME].value
    response = getattr(editor, method)(url, headers={"X-CSRFToken": token})
    assert response.status_code == 405


def test_an_unknown_import_or_article_is_not_found(editor):
    assert editor.get("/editor/review/not-an-import/").status_code == 404
    assert editor.get(reverse("editor:edit", kwargs={"slug": "absent"})).status_code == 404


def test_imports_are_the_editors_own(editor, db):
    review_url = import_text(editor)
    colleague = Client()
    colleague.force_login(make_member("Colin", is_staff=True))
    assert colleague.get(review_url).status_code == 404


# --- How the screens are built ------------------------------------------------------


EDITOR_TEMPLATES = sorted((ROOT / "templates" / "articles" / "editor").glob("*.html"))


@pytest.mark.parametrize("template", EDITOR_TEMPLATES, ids=lambda path: path.name)
def test_templates_have_no_inline_script_or_style_and_extend_the_site(template):
    text = template.read_text()
    assert text.startswith('{% extends "base.html" %}')
    assert not re.search(r"<script|<style|\sstyle=|\son\w+=", text)


def test_articles_know_nothing_of_the_discussions():
    """`forum` composes `articles`; never the other way round."""
    for path in sorted((ROOT / "articles").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(name.split(".")[0] == "forum" for name in names), path
        assert "forum:" not in path.read_text(), path
    for path in sorted((ROOT / "templates" / "articles").rglob("*.html")):
        assert "forum:" not in path.read_text() and "forum/" not in path.read_text(), path
