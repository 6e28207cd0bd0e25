"""A newcomer signs up, verifies the address, answers, replies, edits and deletes."""

import re

import pytest
from playwright.sync_api import expect

from forum.answers import do_post_answer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fast_forms")]

LINK = re.compile(r"https?://[^\s]+/accounts/confirm-email/[^\s]+")


def sign_up(page, mailoutbox, name="Nadia"):
    page.goto("/accounts/signup/")
    page.fill("input[name=email]", f"{name.lower()}@example.org")
    page.fill("input[name=username]", name)
    page.fill("input[name=password1]", "un mot de passe solide 2024")
    page.fill("input[name=password2]", "un mot de passe solide 2024")
    page.locator("form").filter(has=page.locator("input[name=username]")).locator(
        "button[type=submit]"
    ).click()
    expect(page.locator("body")).to_contain_text(re.compile("(e-mail|adresse)", re.I))
    mail = mailoutbox[-1]
    assert mail.to == [f"{name.lower()}@example.org"]
    return LINK.search(mail.body).group(0)


def confirm(page, link):
    page.goto(link)
    page.locator("form[action*=confirm-email] button[type=submit]").click()


def test_newcomer_answers_replies_edits_and_deletes(
    page, question, mailoutbox, live_server, make_member
):
    author = make_member("Louis")
    first = do_post_answer(
        author=author, question=question, body="La Chine investit depuis vingt ans."
    )[0]
    # Every console error counts: a blocked inline style (CSP), an htmx selector that
    # matches nothing, a script error.
    console_errors = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: console_errors.append(str(error)))

    link = sign_up(page, mailoutbox)
    # Until the address is confirmed the newcomer is not signed in (sign-up must not
    # reveal whether an address has an account): the question page invites them to.
    page.goto(question.get_absolute_url())
    expect(page.locator("#answer-form")).to_contain_text("Connectez-vous pour répondre")

    confirm(page, link.replace("http://testserver", live_server.url))
    page.goto(question.get_absolute_url())

    # Answer question 3: the answer appears in place, the form is empty again.
    page.fill("#answer-form textarea", "Pas surprise : *la planification* paie.")
    expect(page.locator("#answer-form .preview em")).to_have_text("la planification")
    page.get_by_role("button", name="Publier", exact=True).click()
    mine = page.locator("#thread li.node").filter(has_text="Pas surprise")
    expect(mine).to_be_visible()
    expect(mine.locator("em")).to_have_text("la planification")
    expect(page.locator("#answer-form textarea")).to_have_value("")

    # Reply inline under Louis's answer.
    louis = page.locator(f"#a{first.pk}")
    louis.get_by_role("link", name="Répondre").first.click()
    reply_box = page.locator(f"#reply-{first.pk} textarea")
    expect(reply_box).to_be_focused()
    reply_box.fill("Vingt ans, et des fonds publics massifs.")
    page.locator(f"#reply-{first.pk}").get_by_role("button", name="Publier la réponse").click()
    reply = page.locator(f"#reply-{first.pk} li.node")
    expect(reply).to_contain_text("Vingt ans, et des fonds publics massifs.")
    expect(reply).to_contain_text("Nadia")

    # Edit it in place.
    reply.get_by_role("link", name="Modifier").click()
    page.locator(f"#reply-{first.pk} textarea").fill("Vingt-cinq ans, en fait.")
    page.locator(f"#reply-{first.pk}").get_by_role("button", name="Enregistrer").click()
    expect(reply.locator(".answer__body")).to_have_text("Vingt-cinq ans, en fait.")
    expect(reply.locator(".answer__meta").first).to_contain_text("modifié")

    # Reload: everything is still there, in the thread.
    page.reload()
    expect(page.locator(f"#a{first.pk} ol.replies")).to_contain_text("Vingt-cinq ans, en fait.")
    expect(page.locator(f"#a{first.pk} ol.replies")).to_contain_text("modifié")

    # Delete it: it becomes a tombstone, Louis's answer is untouched.
    page.locator(f"#a{first.pk} ol.replies").get_by_role("link", name="Supprimer").click()
    page.get_by_role("button", name="Supprimer").click()
    expect(page.locator("main")).to_contain_text("[supprimé par l’auteur]")
    expect(page.locator("main")).not_to_contain_text("Vingt-cinq ans")
    expect(page.locator(f"#a{first.pk} .answer__body").first).to_contain_text("vingt ans")
    assert console_errors == []


def test_the_same_journey_without_javascript(
    page_without_js, question, mailoutbox, live_server, make_member
):
    page = page_without_js
    author = make_member("Louis")
    first = do_post_answer(author=author, question=question, body="Premier avis.")[0]
    link = sign_up(page, mailoutbox, name="Zoe")
    confirm(page, link.replace("http://testserver", live_server.url))

    page.goto(question.get_absolute_url())
    page.fill("#answer-form textarea", "Réponse *sans* JavaScript.")
    page.get_by_role("button", name="Aperçu").click()
    expect(page.locator("#answer-form .preview em")).to_have_text("sans")
    page.get_by_role("button", name="Publier", exact=True).click()
    # Lands on the new answer's own page; the remembered sort is left alone.
    expect(page.locator("#thread")).to_contain_text("Réponse sans JavaScript.")
    page.get_by_role("link", name="← Toutes les réponses à cette question").click()

    page.locator(f"#a{first.pk}").get_by_role("link", name="Répondre").first.click()
    expect(page.locator(".quoted-answer")).to_contain_text("Premier avis.")
    page.fill(f"#reply-form-{first.pk} textarea", "Réponse à Louis.")
    page.get_by_role("button", name="Publier la réponse").click()
    expect(page.locator(f"#a{first.pk} ol.replies")).to_contain_text("Réponse à Louis.")

    reply = page.locator(f"#a{first.pk} ol.replies li.node").first
    reply.get_by_role("link", name="Modifier").click()
    page.fill("textarea[name=body]", "Réponse corrigée.")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(f"#a{first.pk} ol.replies")).to_contain_text("Réponse corrigée.")

    page.locator(f"#a{first.pk} ol.replies").get_by_role("link", name="Supprimer").click()
    page.get_by_role("button", name="Supprimer").click()
    expect(page.locator(f"#a{first.pk} ol.replies")).to_contain_text("[supprimé par l’auteur]")

    # Collapsing a thread needs no script either.
    summary = page.locator(f"#a{first.pk} > details > summary")
    summary.click()
    expect(page.locator(f"#a{first.pk} > details")).not_to_have_attribute("open", "")


@pytest.mark.parametrize("javascript", [True, False])
def test_more_answers_load_in_place_or_on_the_next_page(
    browser, live_server, question, settings, make_member, javascript
):
    settings.ANSWERS_PER_PAGE = 2
    author = make_member("Louis")
    for n in range(5):
        do_post_answer(author=author, question=question, body=f"Réponse numéro {n}.")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(question.get_absolute_url() + "?sort=old")
    expect(page.locator("#thread > li.node")).to_have_count(2)
    page.get_by_role("link", name="Plus de réponses").click()
    if javascript:  # appended below the first two, on the same page
        expect(page.locator("#thread > li.node")).to_have_count(4)
        expect(page).to_have_url(question.get_absolute_url() + "?sort=old")
    else:  # the next page
        expect(page.locator("#thread > li.node")).to_have_count(2)
        expect(page).to_have_url(question.get_absolute_url() + "?sort=old&page=2")
    expect(page.locator("#thread")).to_contain_text("Réponse numéro 3.")
    context.close()


def test_an_inline_reply_form_can_be_cancelled(page, question, make_member):
    first = do_post_answer(author=make_member("Louis"), question=question, body="Un avis.")[0]
    member = make_member("Zoe")
    page.goto("/accounts/login/")
    page.fill("input[name=login]", member.email)
    page.fill("input[name=password]", "pw-Zoe")
    page.locator("main form button[type=submit]").first.click()
    page.goto(question.get_absolute_url())
    page.locator(f"#a{first.pk}").get_by_role("link", name="Répondre").first.click()
    expect(page.locator(f"#reply-{first.pk} textarea")).to_be_focused()
    page.locator(f"#reply-{first.pk}").get_by_role("link", name="Annuler").click()
    expect(page.locator(f"#reply-{first.pk} form")).to_have_count(0)
    expect(page.locator(f"#a{first.pk}").get_by_role("link", name="Répondre").first).to_be_focused()
    expect(page).to_have_url(re.compile(re.escape(question.get_absolute_url()) + "$"))
