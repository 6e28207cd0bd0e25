"""Members sign up, verify their address, sign in, and can delete their account."""

import importlib
import re

import pytest
from allauth.account.models import EmailAddress
from django.db import IntegrityError, transaction
from django.urls import reverse

from forum import accounts
from forum.accounts import username_skeleton
from forum.models import Answer, User
from tests.conftest import CsrfClient
from tests.factories import make_answer, make_question
from tests.pages import soup

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/accounts/confirm-email/\S+")
FORM = "main form"


def is_verified(user) -> bool:
    return EmailAddress.objects.filter(user=user, verified=True).exists()


def sign_up(client, email="nadia@example.org", username="Nadia", page=None):
    return client.submit(
        page or reverse("account_signup"),
        FORM,
        {
            "email": email,
            "username": username,
            "password1": "un mot de passe solide 2024",
            "password2": "un mot de passe solide 2024",
        },
    )


# --- Signing up and in ---------------------------------------------------------------------


def read_after(client, response, address) -> str:
    """What a visitor reads after posting a form: the page it leads to, as text, with
    the address they typed put aside."""
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        response = client.get(response["Location"])
    return " ".join(soup(response).body.get_text().replace(address, "ADDRESS").split())


def test_sign_up_sends_a_verification_link_through_the_task_queue(client, mailoutbox):
    response = sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(username="Nadia")
    assert not is_verified(user)
    assert not client.get("/").wsgi_request.user.is_authenticated  # not before the link
    (mail,) = mailoutbox
    assert mail.to == ["nadia@example.org"] and mail.subject.startswith("[Agora]")
    link = LINK.search(mail.body).group(0).replace("http://testserver", "")
    assert client.submit(link, FORM).status_code == 302
    assert is_verified(user)
    assert client.get("/").wsgi_request.user == user  # the link signs them in


def test_signing_up_with_a_taken_address_looks_like_any_sign_up(client, alice, mailoutbox):
    newcomer = CsrfClient()
    fresh = sign_up(newcomer, email="nadia@example.org", username="Nadia")
    taken = sign_up(client, email="alice@example.org", username="Alicia")
    assert taken.status_code == fresh.status_code == 302
    assert taken["Location"] == fresh["Location"]
    assert read_after(client, taken, "alice@example.org") == read_after(
        newcomer, fresh, "nadia@example.org"
    )
    assert not User.objects.filter(username="Alicia").exists()
    assert list(User.objects.filter(email__iexact="alice@example.org")) == [alice]
    (to_owner,) = [mail for mail in mailoutbox if mail.to == ["alice@example.org"]]
    assert reverse("account_reset_password") in to_owner.body  # how to get back in


def test_an_unverified_member_signing_in_is_sent_the_link_again(
    client, carol_unverified, mailoutbox
):
    response = client.submit(
        reverse("account_login"), FORM, {"login": "carol@example.org", "password": "pw-carol"}
    )
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not client.get("/").wsgi_request.user.is_authenticated
    (mail,) = mailoutbox
    assert mail.to == ["carol@example.org"] and LINK.search(mail.body)


def test_pseudonyms_are_unique_whatever_their_case(client, alice):
    response = sign_up(client, email="other@example.org", username="ALICE")
    assert response.status_code == 200
    assert User.objects.filter(username__iexact="alice").count() == 1
    assert soup(response).select_one(".errorlist")


@pytest.mark.parametrize("name", ["Deleted-47", "De1eted-47"])
def test_the_pseudonyms_of_deleted_accounts_are_kept_for_them(client, name):
    response = sign_up(client, username=name)
    assert response.status_code == 200 and not User.objects.filter(username=name)
    assert "réservés aux comptes supprimés" in soup(response).select_one(".errorlist").text


def test_anonymising_cannot_collide_with_an_older_pseudonym(client_for, alice, make_member):
    # An account made before the prefix was reserved holds the name alice would get.
    make_member(f"deleted-{alice.pk}")
    member = client_for(alice)
    response = member.submit(reverse("account_delete"), FORM, {"password": "pw-alice"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.is_anonymised and alice.username.startswith(f"deleted-{alice.pk}-")


def test_anonymising_cannot_take_a_name_that_looks_like_an_older_one(
    client_for, alice, make_member
):
    older = make_member(f"de1eted-{alice.pk}")  # a digit 1 for the "l"
    client_for(alice).submit(reverse("account_delete"), FORM, {"password": "pw-alice"})
    alice.refresh_from_db()
    assert alice.username.startswith(f"deleted-{alice.pk}-")
    assert alice.username_skeleton == username_skeleton(alice.username)
    assert alice.username_skeleton != older.username_skeleton


@pytest.mark.parametrize(
    "lookalike",
    ["\u0430lice", "bob\u043e"],  # a Cyrillic "а", a Cyrillic "о"
)
def test_a_pseudonym_mixing_alphabets_is_refused(client, alice, lookalike):
    response = sign_up(client, email="autre@example.org", username=lookalike)
    assert response.status_code == 200 and not User.objects.filter(username=lookalike)
    assert "alphabet" in soup(response).select_one(".errorlist").text


def test_a_pseudonym_is_read_in_its_plain_form(client, make_member):
    make_member("filou")
    response = sign_up(client, email="autre@example.org", username="\ufb01lou")  # "ﬁ"
    assert response.status_code == 200  # "ﬁlou" is "filou", already taken
    assert User.objects.filter(username__iexact="filou").count() == 1


@pytest.mark.parametrize(
    ("taken", "lookalike"),
    [
        ("paypal", "paypa1"),  # a digit 1 for an "l"
        ("mallory", "rnallory"),  # "rn" for "m"
        ("alice", "AIice"),  # a capital "I" for an "l"
        ("alice", "\u0430\u04cf\u0456\u0441\u0435"),  # all Cyrillic: а ӏ і с е
        ("bob", "\u0412\u041e\u0412"),  # all Cyrillic: В О В
    ],
)
def test_a_pseudonym_that_looks_like_a_members_is_refused(client, make_member, taken, lookalike):
    make_member(taken)
    response = sign_up(client, "autre@example.org", lookalike, page="/en/accounts/signup/")
    assert response.status_code == 200 and not User.objects.filter(username=lookalike)
    assert "too close to an existing one" in soup(response).select_one(".errorlist").text


def test_a_pseudonym_that_only_resembles_a_members_is_accepted(client, alice):
    assert sign_up(client, "autre@example.org", "alicia").status_code == 302
    assert User.objects.get(username="alicia").username_skeleton == "alicia"


def test_the_database_refuses_two_members_who_look_alike(make_member):
    assert make_member("PayPaI").username_skeleton == "paypal"
    with pytest.raises(IntegrityError), transaction.atomic():
        make_member("paypa1")


def test_a_lookalike_taken_while_signing_up_is_a_form_error(client, make_member, monkeypatch):
    make_member("paypal")
    real, checks = accounts.lookalike_taken, []

    def lookalike_taken(name):  # the first check misses "paypal", as if it came just after
        checks.append(name)
        return len(checks) > 1 and real(name)

    monkeypatch.setattr(accounts, "lookalike_taken", lookalike_taken)
    response = sign_up(client, "autre@example.org", "paypa1", page="/en/accounts/signup/")
    assert response.status_code == 200 and not User.objects.filter(username="paypa1")
    assert "too close to an existing one" in soup(response).select_one(".errorlist").text
    assert len(checks) == 2


def test_adding_skeletons_to_members_leaves_a_later_lookalike_without_one(make_member):
    fill_skeletons = importlib.import_module(
        "forum.migrations.0009_username_skeleton"
    ).fill_skeletons
    first, bob = make_member("paypal"), make_member("bob")
    later = User.objects.create(username="paypa1")  # as if made before the column existed
    User.objects.update(username_skeleton=None)
    assert fill_skeletons(User) == [later.pk]
    skeletons = dict(User.objects.values_list("pk", "username_skeleton"))
    assert skeletons == {first.pk: "paypal", bob.pk: "bob", later.pk: None}


def test_an_address_too_long_to_keep_whole_is_refused(client):
    address = "a" * 300 + "@example.org"  # 312 characters: it would be stored cut
    response = sign_up(client, email=address)
    assert response.status_code == 200 and not User.objects.filter(username="Nadia")


def test_members_sign_in_with_their_email(client, alice):
    response = client.submit(
        reverse("account_login"), FORM, {"login": "alice@example.org", "password": "pw-alice"}
    )
    assert response.status_code == 302
    assert client.get("/").wsgi_request.user == alice


def test_mails_name_the_site_not_the_host(client, mailoutbox):
    sign_up(client)
    (mail,) = mailoutbox
    assert "Agora" in mail.body and "testserver" not in mail.body.split("http")[0]


# --- The reader's language -----------------------------------------------------------------


def test_signing_up_in_english_stays_in_english(client):
    client.get("/en/accounts/signup/")
    response = client.submit(
        "/en/accounts/signup/",
        FORM,
        {
            "email": "nadia@example.org",
            "username": "Nadia",
            "password1": "un mot de passe solide 2024",
            "password2": "un mot de passe solide 2024",
        },
    )
    assert response.status_code == 302 and response["Location"].startswith("/en/")


def test_the_confirmation_mail_is_english_and_links_to_english_pages(client, mailoutbox):
    client.get("/en/accounts/signup/")
    client.submit(
        "/en/accounts/signup/",
        FORM,
        {
            "email": "nadia@example.org",
            "username": "Nadia",
            "password1": "un mot de passe solide 2024",
            "password2": "un mot de passe solide 2024",
        },
    )
    (mail,) = mailoutbox
    assert "/en/accounts/confirm-email/" in LINK.search(mail.body).group(0)
    assert "Agora" in mail.subject and "Confirm" in mail.subject


def test_signing_in_in_english_lands_on_the_english_home_and_is_remembered(client, alice):
    response = client.submit(
        "/en/accounts/login/", FORM, {"login": "alice@example.org", "password": "pw-alice"}
    )
    assert response["Location"] == "/en/"
    alice.refresh_from_db()
    assert alice.language == "en"
    # Already signed in, the English sign-in page sends to the English home too.
    assert client.get("/en/accounts/login/")["Location"] == "/en/"


def test_signing_out_in_english_stays_in_english(client_for, alice):
    member = client_for(alice)
    response = member.submit("/en/", "form.site-nav__logout", {})
    assert response.status_code == 302 and response["Location"] == "/en/"


def test_switching_language_is_remembered_on_the_account(client_for, alice):
    member = client_for(alice)
    response = member.submit("/", "form.lang-switch", {"language": "en"})
    assert response["Location"] == "/en/"
    alice.refresh_from_db()
    assert alice.language == "en"


def test_password_reset_mail_is_sent(client, alice, mailoutbox):
    client.submit(reverse("account_reset_password"), FORM, {"email": "alice@example.org"})
    assert len(mailoutbox) == 1 and "alice@example.org" in mailoutbox[0].to


def test_a_wrong_password_reads_the_same_whether_the_address_has_an_account(alice):
    def attempt(address):
        browser = CsrfClient()
        data = {"login": address, "password": "not-the-password"}
        response = browser.submit(reverse("account_login"), FORM, data)
        return response.status_code, read_after(browser, response, address)

    assert attempt("alice@example.org") == attempt("nobody@example.org")
    assert attempt("alice@example.org")[0] == 200


def test_password_reset_reads_the_same_whether_the_address_has_an_account(alice):
    def attempt(address):
        browser = CsrfClient()
        response = browser.submit(reverse("account_reset_password"), FORM, {"email": address})
        return response.status_code, response["Location"], read_after(browser, response, address)

    assert attempt("alice@example.org") == attempt("nobody@example.org")


def test_account_pages_use_the_site_layout_in_both_languages(client):
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
        assert client.submit(reverse("account_login"), FORM, attempt).status_code == 200
    client.get(reverse("account_login"))
    response = client.post(reverse("account_login"), attempt)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Trop de requêtes" in response.content.decode()


def test_two_factor_setup_shows_its_qr_code_under_the_csp(client_for, alice):
    alice_browser = client_for(alice)
    response = alice_browser.get(reverse("mfa_activate_totp"))
    if response.status_code == 302:  # allauth asks to re-authenticate first
        alice_browser.submit(response["Location"], FORM, {"password": "pw-alice"})
        response = alice_browser.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    assert soup(response).find("img", src=re.compile(r"^data:image/"))
    assert "img-src 'self' data:" in response["Content-Security-Policy"]


@pytest.mark.parametrize("name", ["account_email", "account_change_password", "mfa_index"])
def test_account_settings_pages_share_the_site_layout_and_its_tabs(client_for, alice, name):
    page = soup(client_for(alice).get(reverse(name)))
    assert page.select_one(".site-header") and page.select_one(".account-nav")
    assert page.select_one(".account-nav a[aria-current=page]")["href"] == reverse(name)


# --- Deleting an account: /accounts/delete/ ----------------------------------------------------


def test_deleting_anonymises_the_member_and_keeps_their_answers(client_for, alice):
    question = make_question()
    mine = make_answer(question, alice, body="Mon avis reste.")
    alice_browser = client_for(alice)
    response = alice_browser.submit(reverse("account_delete"), FORM, {"password": "pw-alice"})
    assert response.status_code == 302
    assert "Votre compte a été supprimé" in alice_browser.get(response["Location"]).content.decode()
    alice.refresh_from_db()
    assert alice.username == f"deleted-{alice.pk}" and alice.email == ""
    assert not alice.is_active and not alice.has_usable_password() and alice.anonymised_at
    assert not EmailAddress.objects.filter(user=alice).exists()
    assert not alice_browser.get("/").wsgi_request.user.is_authenticated  # signed out
    page = alice_browser.get(question.get_absolute_url()).content.decode()
    assert "Mon avis reste." in page and "[compte supprimé]" in page
    assert Answer.objects.get(pk=mine.pk).author == alice
    # The old address is free again, and the old password opens nothing.
    assert not alice_browser.login(username="alice", password="pw-alice")
    assert sign_up(alice_browser, "alice@example.org", "alice_again").status_code == 302


@pytest.mark.parametrize("name", ["alice", "deleted-1"])
def test_deleted_members_have_no_public_page(client_for, alice, name):
    client_for(alice).submit(reverse("account_delete"), FORM, {"password": "pw-alice"})
    response = client_for(alice).get(reverse("forum:member", kwargs={"username": name}))
    assert response.status_code == 404


def test_a_wrong_password_is_a_400_and_deletes_nothing(client_for, alice):
    response = client_for(alice).submit(reverse("account_delete"), FORM, {"password": "wrong"})
    assert response.status_code == 400
    assert "Ce n’est pas votre mot de passe." in response.content.decode()
    alice.refresh_from_db()
    assert alice.is_active and alice.email == "alice@example.org"


def test_anonymous_readers_are_sent_to_sign_in(client):
    response = client.get(reverse("account_delete"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_put_is_405(client_for, alice):
    alice_browser = client_for(alice)
    alice_browser.get(reverse("account_delete"))
    assert alice_browser.put(reverse("account_delete")).status_code == 405


def test_a_delete_without_the_pages_token_is_refused(client_for, alice):
    response = client_for(alice).post(reverse("account_delete"), {"password": "pw-alice"})
    assert response.status_code == 403
    alice.refresh_from_db()
    assert alice.is_active
