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
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from forum.answers import do_edit_answer
from forum.models import MODERATORS_GROUP
from tests.conftest import signed_in_with_mfa, totp_code
from tests.desk import desk_scene
from tests.factories import make_member
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


# --- The moderator's desk, flags, notices, preferences and the second factor ------------


def past_second_factor(context, user, url: str) -> None:
    """Sign ``user`` in for ``context`` with an authenticator app enrolled and its code
    passed in this session, as the desk requires."""
    client = signed_in_with_mfa(user)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": url}]
    )


def open_every_removal_form(page):
    for summary in page.locator(".queue-item__remove > summary").all():
        summary.click()
    expect(page.locator(".queue-item__remove[open] textarea").first).to_be_visible()


@pytest.mark.parametrize("view", VIEWS)
def test_the_moderation_pages_pass_axe_with_sound_ids(
    open_context, live_server, question, moderator, settings, view
):
    desk = desk_scene(question, moderator, settings)
    found = Findings()

    def new_page(user=None):
        context = open_context(lang=view.lang, width=view.width, scheme=view.scheme, user=user)
        return context, context.new_page()

    # The moderator, at the desk.
    context, page = new_page()
    past_second_factor(context, desk.moderator, live_server.url)
    for state, path in [
        ("queue, pending", "/moderation/"),
        ("queue, flagged", "/moderation/?tab=flagged"),
    ]:
        page.goto(view.path(path))
        expect(page.locator("#queue > .queue-item").first).to_be_visible()
        found.check(page, state)
        open_every_removal_form(page)
        page.locator(".desk-bulk__remove > summary").click()
        found.check(page, f"{state}, “Remove…” opened")
    page.locator("#queue").focus()
    page.keyboard.press("?")
    expect(page.locator("#shortcuts-help")).to_be_visible()
    found.check(page, "queue, the list of shortcuts open")
    page.goto(view.path("/moderation/?tab=decided"))
    expect(page.locator(".decision-row").first).to_be_visible()
    found.check(page, "queue, recently decided")
    page.goto(view.path(f"/moderation/?question={desk.question.pk}"))
    found.check(page, "queue, filtered by a question")

    # A decision on a text its author changed since the queue showed it: refused, shown again.
    page.goto(view.path("/moderation/"))
    item = page.locator(f"#item-{desk.held.pk}")
    do_edit_answer(answer=desk.held, editor=desk.bob, body="Mes montres, en toute honnêteté.")
    item.locator("form.decision--approve button").click()
    expect(item.locator(".notice--error")).to_be_visible()
    expect(item).to_contain_text("Mes montres, en toute honnêteté.")
    found.check(page, "queue, a decision refused (409)")

    for state, path in [
        ("a member's moderation page", f"/moderation/members/{desk.bob.username}/"),
        ("preferences", "/accounts/preferences/"),
    ]:
        page.goto(view.path(path))
        found.check(page, state)

    # Anyone: the public log.
    _context, page = new_page()
    page.goto(view.path("/moderation/log/"))
    expect(page.locator(".log__entry").first).to_be_visible()
    found.check(page, "public moderation log")

    # A member who flagged one answer, and flags another.
    thread = desk.question.get_absolute_url()
    _context, page = new_page(desk.charlie)
    page.goto(view.path(thread))
    expect(page.locator(f"#flag-{desk.flagged.pk} .flag-control__mine")).to_be_visible()
    found.check(page, "question, “Flagged by you”")
    answer_part(page, desk.first.pk, f"#flag-{desk.first.pk} a").click()
    expect(page.locator(f"#reply-{desk.first.pk} .flag-form")).to_be_visible()
    found.check(page, "question, flag form open")
    page.goto(view.path(f"/a/{desk.first.pk}/flag/"))
    found.check(page, "flag page")

    # The author of the held and the removed answers, told why.
    _context, page = new_page(desk.bob)
    page.goto(view.path(thread))
    expect(page.locator("#notices .notices")).to_be_visible()
    expect(page.locator(f"#body-{desk.held.pk} .answer__notice")).to_be_visible()
    expect(page.locator(f"#body-{desk.removed.pk}")).not_to_contain_text("imbéciles")
    found.check(page, "question, a held answer, a tombstone and the notices")

    # A moderator sent to enrol: the password again, the app, the recovery codes.
    newcomer = make_member("modo2")
    newcomer.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    _context, page = new_page(newcomer)
    page.goto(view.path("/moderation/"))
    expect(page.locator("main input[type=password]")).to_be_visible()
    found.check(page, "re-authentication with the password")
    page.locator("main input[type=password]").fill("pw-modo2")
    page.locator("main button[type=submit]").click()
    secret = page.locator("#authenticator_secret")
    expect(secret).to_be_visible()
    found.check(page, "activating an authenticator app")
    page.locator("main input[name=code]").fill(totp_code(secret.input_value()))
    page.locator("main button[type=submit]").click()
    expect(page.locator("#recovery_codes")).to_be_visible()
    found.check(page, "recovery codes")

    # An enrolled moderator in a new session: the second factor again.
    _context, page = new_page(desk.moderator)
    page.goto(view.path("/moderation/"))
    expect(page.locator("main input[name=code]")).to_be_visible()
    found.check(page, "re-authentication with the second factor")

    found.fail_if_any(f"{view}: accessibility problems on the moderation pages")


def test_ids_stay_unique_and_axe_clean_after_each_moderation_swap(
    open_context, live_server, question, moderator, settings
):
    """A moderator decides under htmx; a member flags and withdraws; bob reads his notices."""
    desk = desk_scene(question, moderator, settings)
    found = Findings()
    context = open_context()
    past_second_factor(context, desk.moderator, live_server.url)
    page = context.new_page()
    page.goto("/moderation/?tab=flagged")
    item = page.locator(f"#item-{desk.flagged.pk}")
    item.locator("button[value=feature]").click()
    expect(item.locator("button[value=unfeature]")).to_be_visible()
    found.check(page, "queue, an item decided and still waiting")
    item.locator("form.decision--approve button").click()
    expect(item).to_have_count(0)
    expect(page.locator("#queue-tabs")).to_contain_text("0")
    found.check(page, "queue, an item decided and gone")

    page = open_context(user=desk.charlie).new_page()
    page.goto(desk.question.get_absolute_url())
    pk = desk.first.pk
    answer_part(page, pk, f"#flag-{pk} a").click()
    slot = page.locator(f"#reply-{pk}")
    slot.locator("input[value=misinformation]").check()
    slot.locator("button[type=submit]").click()
    expect(slot.locator(".flag-done")).to_be_visible()
    expect(page.locator(f"#flag-{pk} .flag-control__mine")).to_be_visible()
    found.check(page, "question, flag sent")
    slot.locator("button[type=submit]").click()
    expect(slot.locator(".notice")).to_be_visible()
    expect(page.locator(f"#flag-{pk} a")).to_be_visible()
    found.check(page, "question, flag withdrawn")

    page = open_context(user=desk.bob).new_page()
    page.goto(desk.question.get_absolute_url())
    notices = page.locator("#notices article")
    expect(notices).to_have_count(2)
    notices.first.locator("button[type=submit]").click()
    expect(notices).to_have_count(1)
    found.check(page, "a notice read, one left")
    notices.first.locator("button[type=submit]").click()
    expect(notices).to_have_count(0)
    found.check(page, "the last notice read")

    found.fail_if_any("problems after the moderation swaps")


# --- Notifications: the inbox, the e-mail settings, the e-mails' unsubscribe links --------


def notified(question):
    """alice, told of two replies to her answer (one line), a mention, a new answer where
    she follows the question, and a reply she read; charlie, told of nothing."""
    from forum.models import Follow, Notification
    from tests.factories import make_answer

    alice, bob, charlie, dave = (make_member(name) for name in ("alice", "bob", "charlie", "dave"))
    mine = make_answer(question, alice, body="La recherche publiée ne dit pas tout.")
    other = make_answer(question, alice, body="Un second avis.")
    read = make_answer(question, bob, parent=other, body="Lu déjà.")
    Notification.objects.filter(recipient=alice, answer=read).update(read_at=read.created_at)
    make_answer(question, bob, parent=mine, body="Les brevets comptent aussi.")
    make_answer(question, charlie, parent=mine, body="Et les citations.")
    make_answer(question, charlie, body="Je rejoins @alice sur ce point.")
    Follow.objects.create(member=alice, question=question)
    make_answer(question, dave, body="Une nouvelle réponse.")
    assert Notification.objects.filter(recipient=alice, read_at__isnull=True).count() == 4
    return alice, charlie, mine


@pytest.mark.parametrize("view", VIEWS)
def test_the_notification_pages_pass_axe_with_sound_ids(open_context, question, view):
    from forum.notifications import DIGEST, unsubscribe_url

    alice, charlie, mine = notified(question)
    found = Findings()

    def new_page(user=None):
        return open_context(
            lang=view.lang, width=view.width, scheme=view.scheme, user=user
        ).new_page()

    page = new_page(alice)
    page.goto(view.path("/notifications/"))
    expect(page.locator(".inbox__item--unread").first).to_be_visible()
    found.check(page, "inbox with notifications, the header's count")
    page.locator(".inbox__item--unread button[type=submit]").first.click()
    expect(page.locator(".inbox__item--unread")).to_have_count(2)
    found.check(page, "inbox, one marked read in place")
    for state, path in [
        ("inbox, no older notification", "/notifications/?before=1"),
        ("e-mail settings of a member", "/accounts/preferences/"),
    ]:
        page.goto(view.path(path))
        found.check(page, state)

    page = new_page(charlie)
    page.goto(view.path("/notifications/"))
    expect(page.locator(".inbox__item")).to_have_count(0)
    found.check(page, "inbox, empty")

    page = new_page()  # whoever holds the e-mail: nobody signed in
    for state, link in [
        ("stop a kind of e-mail", unsubscribe_url(alice, "email_replies")),
        ("stop the digest", unsubscribe_url(alice, DIGEST)),
        ("stop following an answer", unsubscribe_url(alice, "answer", mine.pk)),
    ]:
        page.goto(view.path(link))
        found.check(page, f"{state}, asked")
        page.locator("main form button[type=submit]").click()
        expect(page.locator("main [role=status]")).to_be_visible()
        found.check(page, f"{state}, done")
    page.goto(view.path("/unsubscribe/not-a-signed-link/"))
    found.check(page, "an unsubscribe link cut short (404)")

    found.fail_if_any(f"{view}: accessibility problems on the notification pages")
