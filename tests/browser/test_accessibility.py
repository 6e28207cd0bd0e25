"""axe-core and id references on every page type and state: in both languages wide and
light, in French narrow and dark; and again after each htmx swap of a discussion.

axe-core runs inside Chromium, under the site's real CSP (the engine is injected through
the DevTools protocol, which the page's policy does not govern), so it judges the colours
and the markup a reader gets. Each test walks many states and reports every problem at
once, grouped by state, before failing.
"""

import re
from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.lively import lively_discussion

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fast_forms")]

AXE = Axe()
# axe's default rules: WCAG 2.0, 2.1 and 2.2 A and AA, and its best practices.
AXE_OPTIONS = {"resultTypes": ["violations"]}

# Every id on the page once, and every reference to an id pointing at an element.
ID_PROBLEMS = """() => {
  const problems = [];
  const show = (el) => el.outerHTML.slice(0, 140).replace(/\\s+/g, " ");
  const counts = new Map();
  for (const el of document.querySelectorAll("[id]")) {
    counts.set(el.id, (counts.get(el.id) || 0) + 1);
  }
  for (const [id, n] of counts) {
    if (n > 1) problems.push(`id="${id}" appears ${n} times`);
  }
  const exists = (id) => document.getElementById(id) !== null;
  for (const label of document.querySelectorAll("label[for]")) {
    const target = document.getElementById(label.htmlFor);
    if (!target) problems.push(`label for="${label.htmlFor}" points at nothing: ${show(label)}`);
    else if (label.control !== target)
      problems.push(`label for="${label.htmlFor}" points at a non-labelable <${target.localName}>`);
  }
  const lists = ["aria-describedby", "aria-labelledby", "aria-controls", "aria-owns",
                 "aria-errormessage", "aria-details", "aria-activedescendant"];
  for (const name of lists) {
    for (const el of document.querySelectorAll(`[${name}]`)) {
      for (const id of el.getAttribute(name).split(/\\s+/).filter(Boolean)) {
        if (!exists(id)) problems.push(`${name}="${id}" points at nothing: ${show(el)}`);
      }
    }
  }
  for (const link of document.querySelectorAll("a[href^='#'], area[href^='#']")) {
    const id = decodeURIComponent(link.getAttribute("href").slice(1));
    if (!id || (!exists(id) && document.getElementsByName(id).length === 0))
      problems.push(`href="#${id}" points at nothing: ${show(link)}`);
  }
  for (const el of document.querySelectorAll("[data-hx-target^='#']")) {
    const id = el.dataset.hxTarget.slice(1);
    if (!exists(id)) problems.push(`data-hx-target="#${id}" points at nothing: ${show(el)}`);
  }
  return problems;
}"""


def axe_problems(page) -> list[str]:
    """axe-core's violations on the page as it stands, one readable line per element."""
    lines = []
    for violation in AXE.run(page, options=AXE_OPTIONS).response["violations"]:
        lines.append(f"axe {violation['id']} [{violation['impact']}] {violation['help']}")
        for node in violation["nodes"]:
            why = " ".join((node.get("failureSummary") or "").split())
            why = why.removeprefix("Fix any of the following: ")
            why = why.removeprefix("Fix all of the following: ")
            html = " ".join(node.get("html", "").split())[:100]
            target = " > ".join(map(str, node["target"]))
            lines.append(f"    {target} — {html} — {why[:240]}")
    return lines


def answer_part(page, pk, css):
    """Something of answer ``pk`` itself, not of its replies."""
    return page.locator(f"#a{pk} > details > article").locator(css).first


def id_problems(page) -> list[str]:
    return [f"ids {line}" for line in page.evaluate(ID_PROBLEMS)]


class Findings:
    """Problems found, grouped by the state of the page they were found in."""

    def __init__(self):
        self.by_state: dict[str, list[str]] = {}

    def check(self, page, state: str, *, axe: bool = True):
        page.wait_for_load_state("load")
        found = id_problems(page) + (axe_problems(page) if axe else [])
        if found:
            path = re.sub(r"^https?://[^/]+", "", page.url)
            self.by_state[f"{state} ({path})"] = found

    def fail_if_any(self, title: str):
        if self.by_state:
            pytest.fail(
                title
                + ":"
                + "".join(
                    f"\n{state}:\n  " + "\n  ".join(lines) for state, lines in self.by_state.items()
                ),
                pytrace=False,
            )


@dataclass(frozen=True)
class View:
    lang: str
    width: int
    scheme: str

    def path(self, path: str) -> str:
        """The same page in this view's language (English lives under /en/)."""
        return path if self.lang == "fr" else "/en" + path


# Every page in both languages, wide and light, then narrow and dark.
VIEWS = [
    pytest.param(View("fr", 1280, "light"), id="fr-1280-light"),
    pytest.param(View("en", 1280, "light"), id="en-1280-light"),
    pytest.param(View("fr", 375, "dark"), id="fr-375-dark"),
]


@pytest.mark.parametrize("view", VIEWS)
def test_every_page_passes_axe_with_sound_ids(open_context, question, settings, view):
    settings.ANSWERS_PER_PAGE = 3  # so the "more answers" link is on the page
    lively = lively_discussion(question)
    found = Findings()
    here = question.get_absolute_url()
    voted, deep = lively.voted.pk, lively.deep

    page = open_context(lang=view.lang, width=view.width, scheme=view.scheme).new_page()
    for state, path in [
        ("home", "/"),
        ("article", question.article.get_absolute_url()),
        ("question, anonymous", here),
        ("sign-up", "/accounts/signup/"),
        ("log-in", "/accounts/login/"),
        ("404", "/no-such-page/"),
    ]:
        page.goto(view.path(path))
        found.check(page, state)

    member = lively.viewer
    page = open_context(lang=view.lang, width=view.width, scheme=view.scheme, user=member)
    page = page.new_page()
    page.goto(view.path(here))
    expect(answer_part(page, voted, "form.vote")).to_be_visible()
    found.check(page, "question, member")

    answer_part(page, voted, "a[href$='/reply/']").click()
    expect(page.locator(f"#reply-{voted} textarea")).to_be_visible()
    found.check(page, "question, inline reply form open")

    page.goto(view.path(here))
    page.locator("#answer-form textarea").fill("x")  # one letter: shorter than allowed
    page.locator("#answer-form button[type=submit]:not([name])").click()
    expect(page.locator("#answer-form .errorlist")).to_be_visible()
    found.check(page, "question, answer form with an error")

    for state, path in [
        ("permalink, three levels deep", f"/a/{deep[2].pk}/"),
        ("member page", f"/members/{lively.other.username}/"),
        ("account e-mail settings", "/accounts/email/"),
        ("403, editing someone else's answer", f"/a/{voted}/edit/"),
        ("editor import", "/editor/"),
    ]:
        page.goto(view.path(path))
        found.check(page, state)

    found.fail_if_any(f"{view}: accessibility problems")


def test_ids_stay_unique_and_axe_clean_after_each_htmx_swap(open_context, question, settings):
    """A member opens a reply form, replies, votes, edits, deletes, loads more answers,
    posts a form with an error, then answers: after each swap the ids still hold."""
    settings.ANSWERS_PER_PAGE = 3
    lively = lively_discussion(question)
    voted, own = lively.voted.pk, lively.own.pk
    found = Findings()
    page = open_context(user=lively.viewer).new_page()
    page.goto(question.get_absolute_url() + "?sort=old")
    found.check(page, "question")

    slot = page.locator(f"#reply-{voted}")
    answer_part(page, voted, "a[href$='/reply/']").click()
    expect(slot.locator("textarea")).to_be_focused()
    found.check(page, "inline reply form open")
    slot.locator("textarea").fill("Et vingt ans de plus.")
    slot.locator("button[type=submit]:not([name])").click()
    expect(slot.locator("li.node")).to_contain_text("Et vingt ans de plus.")
    found.check(page, "reply posted")

    answer_part(page, voted, ".vote__button--down").click()
    expect(answer_part(page, voted, ".vote__button--down")).to_have_attribute(
        "aria-pressed", "true"
    )
    found.check(page, "vote cast")

    body = page.locator(f"#body-{own}")
    answer_part(page, own, "a[href$='/edit/']").click()
    expect(body.locator("textarea")).to_be_visible()
    found.check(page, "edit form open")
    body.locator("textarea").fill("La planification paie, sur vingt ans.")
    body.locator("button[type=submit]").click()
    expect(body).to_have_text("La planification paie, sur vingt ans.")
    found.check(page, "edit saved")

    slot = page.locator(f"#reply-{own}")
    answer_part(page, own, "a[href$='/delete/']").click()
    expect(slot.locator("button[type=submit]")).to_be_visible()
    found.check(page, "delete confirmation open")
    slot.locator("button[type=submit]").click()
    expect(body).to_contain_text("[supprimé par l’auteur]")
    found.check(page, "answer deleted")

    page.locator("#thread .load-more a").click()
    expect(page.locator("#thread > li.node")).to_have_count(5)
    found.check(page, "more answers loaded")

    form = page.locator("#answer-form")
    form.locator("textarea").fill("x")
    form.locator("button[type=submit]:not([name])").click()
    expect(form.locator(".errorlist")).to_be_visible()
    found.check(page, "answer form with an error")
    form.locator("textarea").fill("Une réponse de plus, bien pesée.")
    form.locator("button[type=submit]:not([name])").click()
    expect(page.locator("#thread")).to_contain_text("Une réponse de plus, bien pesée.")
    expect(form.locator("textarea")).to_have_value("")
    found.check(page, "answer posted")

    found.fail_if_any("problems after htmx swaps")
