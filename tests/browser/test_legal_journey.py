"""The legal journey, as the people in it would live it: a reader without an account notifies
an answer as illegal (with JavaScript off: a plain form); a moderator, signed in with a code
from their authenticator app, removes it from the notices' tab; the notifier's and the
author's e-mails arrive with the reasons; the author appeals from the statement on their
next page; the moderator who decided cannot decide the appeal; a second moderator reverses
it; the answer is back in the thread, and the public log shows every step.

Labels are looked up through the site's catalogue (``fr``): the test reads the pages as a
French reader does, whether or not a new string is translated yet."""

import re

import pytest
from django.contrib.auth.models import Group
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from forum.models import MODERATORS_GROUP, Answer, Appeal, ModerationAction, Notice
from tests.conftest import enrol_totp, totp_code
from tests.factories import make_answer, make_member, make_question

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fast_forms")]

BODY = "Ce maire a détourné l’argent des cantines, tout le monde le sait."
EXPLANATION = "Accusation précise d’un délit contre une personne nommée, sans aucune preuve."
REMOVAL = "Accusation de détournement sans fondement."
APPEAL = "Je cite un article de presse publié la semaine dernière."
REVERSAL = "Les faits sont établis par la presse : il s’agit d’information, pas de diffamation."


def fr(text: str) -> str:
    """What the French page says for ``text``."""
    with translation.override("fr"):
        return gettext(text)


def capfirst(text: str) -> str:
    return text[:1].upper() + text[1:]


@pytest.fixture
def notified(alice, bob):
    """alice's answer, under a reply of bob's, in a question of its own."""
    question = make_question(text="Faut-il rendre les cantines gratuites ?")
    make_answer(question, bob, body="Oui, c’est une question d’égalité.")
    return make_answer(question, alice, body=BODY)


def moderator_named(name):
    member = make_member(name)
    member.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    return member


def sign_in_with_code(page, moderator, goal: str):
    """From a page of the desk: e-mail and password, then the app's code, then that page."""
    secret = enrol_totp(moderator)
    page.goto(goal)
    main = page.locator("main")
    main.get_by_label(fr("E-mail address")).fill(moderator.email)
    main.get_by_label(fr("Password")).fill("pw-" + moderator.username)
    main.get_by_role("button", name=fr("Sign in")).click()
    main.get_by_label(fr("Code")).fill(totp_code(secret))
    main.get_by_role("button", name=fr("Sign In")).click()
    assert page.url.endswith(goal)


def a_reader_notifies(reader, answer, mailoutbox):
    """No account, no JavaScript: the link on the answer, the form, the confirmation."""
    reader.goto(answer.question.get_absolute_url())
    reader.locator(f"#a{answer.pk}").get_by_role("link", name=fr("Report illegal content")).click()
    expect(reader.get_by_role("heading", level=1)).to_have_text(fr("Report illegal content"))
    expect(reader.get_by_label(fr("The answer you notify"))).to_have_value(BODY)
    reader.get_by_label(capfirst(fr("defamation")), exact=True).check()
    reader.get_by_label(fr("Why is this answer illegal?")).fill(EXPLANATION)
    reader.get_by_label(fr("Your name (optional)")).fill("Léa")
    reader.get_by_label(fr("Your e-mail address (optional)")).fill("lea@example.org")
    good_faith = fr(
        "I declare in good faith that the information and allegations in this notice are "
        "accurate and complete."
    )
    reader.get_by_label(good_faith).check()
    reader.get_by_role("button", name=fr("Send the notice")).click()
    expect(reader.get_by_role("heading", level=1)).to_have_text(fr("Notice received"))
    notice = Notice.objects.get()
    expect(reader.locator("main")).to_contain_text(str(notice.pk))
    (acknowledgement,) = mailoutbox
    assert acknowledgement.to == ["lea@example.org"]
    assert f"{notice.pk}" in acknowledgement.subject
    return notice


def the_moderator_removes_it(page, moderator, notice, mailoutbox):
    sign_in_with_code(page, moderator, "/moderation/notices/")
    expect(page.get_by_role("heading", level=1)).to_have_text(fr("Notices of illegal content"))
    expect(page.locator("#queue-tabs")).to_contain_text(f"{fr('Notices')} 1")
    item = page.locator(f"#legal-notice-{notice.pk}")
    expect(item).to_contain_text(EXPLANATION)
    expect(item).to_contain_text("lea@example.org")
    expect(item).to_contain_text("Faut-il rendre les cantines gratuites")  # in its context
    item.get_by_role("textbox").fill(REMOVAL)
    item.get_by_role("button", name=fr("Remove (illegal)")).click()
    expect(page.locator("#queue-tabs")).to_contain_text(f"{fr('Notices')} 0")
    assert Answer.objects.get(pk=notice.answer_id).status == Answer.Status.REMOVED
    mailoutbox_by = {mail.to[0]: mail for mail in mailoutbox}
    to_notifier, to_author = mailoutbox_by["lea@example.org"], mailoutbox_by["alice@example.org"]
    assert REMOVAL in to_notifier.body and REMOVAL in to_author.body
    removal = ModerationAction.objects.get(verb="remove")
    assert (removal.source, removal.rule) == ("notice", "illegal")
    assert f"/moderation/appeal/{removal.pk}/" in to_author.body
    return removal


def the_author_appeals(author_page, removal):
    author_page.goto("/")
    banner = author_page.locator("#notices")
    expect(banner).to_contain_text(REMOVAL)
    banner.get_by_role("link", name=fr("Appeal this decision")).click()
    expect(author_page.get_by_role("heading", level=1)).to_have_text(
        fr("Appeal a moderation decision")
    )
    author_page.get_by_label(fr("Why is this decision wrong?")).fill(APPEAL)
    author_page.get_by_role("button", name=fr("Send my appeal")).click()
    expect(author_page.locator("main")).to_contain_text(fr("Your appeal"))
    expect(author_page.locator("main")).to_contain_text(APPEAL)
    return Appeal.objects.get(action=removal)


def the_same_moderator_cannot_decide(page, appeal):
    page.goto("/moderation/appeals/")
    item = page.locator(f"#appeal-{appeal.pk}")
    expect(item).to_contain_text(APPEAL)
    expect(item).to_contain_text(
        fr("You took this decision: another moderator must decide the appeal.")
    )
    expect(item.get_by_role("button", name=fr("Reverse the decision"))).to_have_count(0)


def a_second_moderator_reverses(page, second, appeal):
    sign_in_with_code(page, second, "/moderation/appeals/")
    item = page.locator(f"#appeal-{appeal.pk}")
    item.get_by_role("textbox").fill(REVERSAL)
    item.get_by_role("button", name=fr("Reverse the decision")).click()
    expect(page.locator(f"#appeal-{appeal.pk}")).to_have_count(0)
    expect(page.locator("#queue-tabs")).to_contain_text(f"{fr('Appeals')} 0")
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.REVERSED


def the_answer_is_back(reader, answer):
    reader.goto(answer.question.get_absolute_url())
    expect(reader.locator(f"#a{answer.pk}")).to_contain_text(BODY)


def the_log_shows_it_all(reader, answer):
    reader.goto("/moderation/log/")
    entries = reader.locator("main ol > li")
    expect(entries).to_have_count(3)
    restore, reverse, remove = entries.nth(0), entries.nth(1), entries.nth(2)  # newest first
    expect(remove).to_contain_text(capfirst(fr("removed")))
    expect(remove).to_contain_text(REMOVAL)
    expect(remove).to_contain_text(fr("a notice of illegal content"))
    expect(reverse).to_contain_text(capfirst(fr("decision reversed on appeal")))
    expect(reverse).to_contain_text(REVERSAL)
    expect(reverse).to_contain_text(fr("an appeal"))
    expect(restore).to_contain_text(capfirst(fr("restored")))
    link = remove.get_by_role("link").first
    assert link.get_attribute("href") == answer.get_absolute_url()


def the_report_shows_it_all(reader):
    """This month's transparency report counts what the journey did (figures by hand)."""
    reader.goto("/moderation/report/")

    def figure(section: str, label: str) -> str:
        rows = reader.locator(f"#report-{section}").locator("xpath=..").locator("tbody tr")
        header = reader.get_by_role("rowheader", name=capfirst(fr(label)), exact=True)
        return rows.filter(has=header).locator("td").inner_text()

    assert figure("notices", "defamation") == "1"
    assert figure("decisions", "removed") == "1"
    assert figure("decisions", "restored") == "1"
    assert figure("sources", "a notice of illegal content") == "1"
    assert figure("sources", "an appeal") == "2"
    assert figure("appeals", "appeals received") == "1"
    assert figure("appeals", "decisions reversed on appeal") == "1"


def test_a_notice_a_removal_an_appeal_and_its_reversal(
    page, open_context, moderator, alice, notified, mailoutbox
):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    reader = open_context(javascript=False).new_page()

    notice = a_reader_notifies(reader, notified, mailoutbox)
    removal = the_moderator_removes_it(page, moderator, notice, mailoutbox)
    author = open_context(user=alice).new_page()
    appeal = the_author_appeals(author, removal)
    the_same_moderator_cannot_decide(page, appeal)
    second = open_context().new_page()
    a_second_moderator_reverses(second, moderator_named("modo2"), appeal)
    the_answer_is_back(reader, notified)
    the_log_shows_it_all(reader, notified)
    the_report_shows_it_all(reader)

    verbs = list(ModerationAction.objects.order_by("pk").values_list("verb", "source"))
    assert verbs == [("remove", "notice"), ("reverse", "appeal"), ("restore", "appeal")]
    told = [mail.to[0] for mail in mailoutbox]
    assert told.count("alice@example.org") == 3  # the removal, the reversal, the restoration
    assert re.search(r"lea@example\.org", " ".join(told))
    assert errors == []
