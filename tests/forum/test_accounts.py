"""Members sign up, verify their address, sign in, and can delete their account."""

import re

import pytest
from allauth.account.models import EmailAddress
from bs4 import BeautifulSoup
from django.urls import reverse

from forum.answers import do_post_answer
from forum.models import Answer, User
from forum.rules import has_verified_email

LINK = re.compile(r"https?://\S+/accounts/confirm-email/\S+")


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def sign_up(client, email="nadia@example.org", username="Nadia"):
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "username": username,
            "password1": "un mot de passe solide 2024",
            "password2": "un mot de passe solide 2024",
        },
    )


def test_sign_up_sends_a_verification_link_through_the_task_queue(client, db, mailoutbox):
    response = sign_up(client)
    assert response.status_code == 302
    user = User.objects.get(username="Nadia")
    assert not has_verified_email(user)
    (mail,) = mailoutbox
    assert mail.to == ["nadia@example.org"] and mail.subject.startswith("[Agora]")
    link = LINK.search(mail.body).group(0).replace("http://testserver", "")
    confirm = client.get(link)
    assert confirm.status_code == 200
    client.post(link)
    assert has_verified_email(user)


def test_pseudonyms_are_unique_whatever_their_case(client, alice):
    response = sign_up(client, email="other@example.org", username="ALICE")
    assert response.status_code == 200
    assert User.objects.filter(username__iexact="alice").count() == 1
    assert soup(response).select_one(".errorlist")


def test_members_sign_in_with_their_email(client, alice):
    response = client.post(
        reverse("account_login"), {"login": "alice@example.org", "password": "pw-alice"}
    )
    assert response.status_code == 302
    assert client.get("/").wsgi_request.user == alice


def test_password_reset_mail_is_sent(client, alice, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": "alice@example.org"})
    assert len(mailoutbox) == 1 and "alice@example.org" in mailoutbox[0].to


def test_account_pages_use_the_site_layout_in_both_languages(client, db):
    page = soup(client.get(reverse("account_login")))
    assert page.html["lang"] == "fr" and page.select_one(".site-header")
    assert page.select_one("main form input[name=login]")
    assert page.select_one("main button.button")
    english = soup(client.get("/en" + reverse("account_login")))
    assert english.html["lang"] == "en" and english.select_one(".site-header")


def test_hammering_the_login_form_gets_a_readable_429_with_retry_after(client, alice, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login": "3/m/ip"}
    attempt = {"login": "alice@example.org", "password": "x"}
    for _ in range(3):
        client.post(reverse("account_login"), attempt)
    response = client.post(reverse("account_login"), attempt)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Trop de requêtes" in response.content.decode()


def test_two_factor_setup_shows_its_qr_code_under_the_csp(client, alice):
    client.force_login(alice)
    response = client.get(reverse("mfa_activate_totp"))
    if response.status_code == 302:  # allauth asks to re-authenticate first
        client.post(response["Location"], {"password": "pw-alice"})
        response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    assert soup(response).find("img", src=re.compile(r"^data:image/"))
    assert "img-src 'self' data:" in response["Content-Security-Policy"]


# --- Deleting an account --------------------------------------------------------


def test_delete_account_page_needs_a_member(client, db):
    response = client.get(reverse("account_delete"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_wrong_password_deletes_nothing(client, alice):
    client.force_login(alice)
    response = client.post(reverse("account_delete"), {"password": "wrong"})
    assert response.status_code == 400
    assert "Ce n’est pas votre mot de passe." in response.content.decode()
    alice.refresh_from_db()
    assert alice.is_active and alice.email == "alice@example.org"


def test_delete_account_with_a_wrong_method_is_405(client, alice):
    client.force_login(alice)
    assert client.put(reverse("account_delete")).status_code == 405


def test_deleting_anonymises_the_member_and_keeps_their_answers(client, question, alice, bob):
    mine = do_post_answer(author=alice, question=question, body="Mon avis reste.")[0]
    client.force_login(alice)
    response = client.post(reverse("account_delete"), {"password": "pw-alice"}, follow=True)
    assert "Votre compte a été supprimé" in response.content.decode()
    alice.refresh_from_db()
    assert alice.username == f"deleted-{alice.pk}" and alice.email == ""
    assert not alice.is_active and not alice.has_usable_password() and alice.anonymised_at
    assert not EmailAddress.objects.filter(user=alice).exists()
    assert not client.get("/").wsgi_request.user.is_authenticated  # signed out
    page = client.get(question.get_absolute_url()).content.decode()
    assert "Mon avis reste." in page and "[compte supprimé]" in page
    assert Answer.objects.get(pk=mine.pk).author == alice
    # The old address is free again, and the old password opens nothing.
    assert not client.login(username="alice", password="pw-alice")
    assert sign_up(client, email="alice@example.org", username="alice_again").status_code == 302


@pytest.mark.parametrize("name", ["alice", "deleted-1"])
def test_deleted_members_have_no_public_page(client, alice, name):
    client.force_login(alice)
    client.post(reverse("account_delete"), {"password": "pw-alice"})
    assert client.get(reverse("forum:member", kwargs={"username": name})).status_code == 404


@pytest.mark.parametrize("name", ["account_email", "account_change_password", "mfa_index"])
def test_account_settings_pages_share_the_site_layout_and_its_tabs(client, alice, name):
    client.force_login(alice)
    page = soup(client.get(reverse(name)))
    assert page.select_one(".site-header") and page.select_one(".account-nav")
    assert page.select_one(".account-nav a[aria-current=page]")["href"] == reverse(name)
