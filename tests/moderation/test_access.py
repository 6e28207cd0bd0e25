"""Who may open the moderator's desk: moderators and staff, past a second factor in this
session (forum.moderation.access). Codes are computed from the secret as an authenticator
app computes them (RFC 6238), and typed into allauth's own forms."""

from urllib.parse import quote, unquote

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from forum.rules import moderating_refusal
from tests.conftest import enrol_totp, form_fields, signed_in_with_mfa, totp_code
from tests.factories import make_answer, make_member, make_question
from tests.pages import refusal, soup

DESK = "/moderation/?tab=flagged"
FORM = "main form"


def mfa_page(next_url: str) -> str:
    return reverse("mfa_reauthenticate") + "?next=" + quote(next_url, safe="")


def sent_to(response) -> str:
    """Where a redirect (or htmx's HX-Redirect) leads, its query decoded to read it."""
    return unquote(response.headers.get("HX-Redirect") or response["Location"])


@pytest.fixture
def staff(db):
    """Staff, outside the moderators group: staff moderate too."""
    return make_member("sam", is_staff=True)


# --- Who is turned away ---------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in_and_back(client):
    response = client.get(DESK)
    assert response.status_code == 302
    assert sent_to(response) == "/accounts/login/?next=/moderation/?tab=flagged"


def test_anonymous_htmx_requests_are_sent_to_sign_in_by_hx_redirect(client):
    response = client.get(DESK, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert sent_to(response) == "/accounts/login/?next=/moderation/?tab=flagged"


@pytest.mark.parametrize("member", ["bob", "carol_unverified", "dave_suspended"])
def test_members_are_refused_with_a_sentence(client_for, member, request):
    person = request.getfixturevalue(member)
    response = client_for(person).get(DESK)
    assert response.status_code == 403
    assert refusal(response) == moderating_refusal(person)


def test_members_are_refused_the_desk_actions_too(client_for, bob, alice):
    answer = make_answer(make_question(), alice)
    browser = client_for(bob)
    browser.get("/")  # a page first, for the CSRF cookie
    response = browser.post(reverse("moderation:decide", kwargs={"pk": answer.pk}))
    assert response.status_code == 403


# --- A moderator without an authenticator app: enrol, then back -------------------------


def test_a_moderator_without_an_authenticator_is_sent_to_enrol(client_for, moderator):
    response = client_for(moderator).get(DESK)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


# allauth tells of the new authenticator once its transaction commits: a real commit here.
@pytest.mark.django_db(transaction=True)
def test_enrolling_leads_back_to_the_page_asked_for(client_for, moderator):
    """Through allauth's own pages: the password again, the app's code, the recovery codes,
    and from there one link back to the desk, which then opens without another code."""
    browser = client_for(moderator)
    browser.get(DESK)
    response = browser.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302  # allauth asks for the password first
    response = browser.submit(response["Location"], FORM, {"password": "pw-modo"})
    assert response["Location"] == reverse("mfa_activate_totp")

    # One reading of the page: each fresh one shows a new secret.
    page = soup(browser.get(reverse("mfa_activate_totp")))
    assert page.select_one("main p.notice")  # why the desk sent them here
    secret = page.select_one("#authenticator_secret")["value"]
    form = page.select_one(FORM)
    response = browser.post_form(
        form["action"], form_fields(form) | {"code": totp_code(secret)}, {}
    )
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert Authenticator.objects.filter(user=moderator, type="totp").exists()

    codes = soup(browser.get(reverse("mfa_view_recovery_codes")))
    assert codes.select_one("#recovery_codes")  # the codes, to save first
    assert codes.select_one(f'main a.button[href="{DESK}"]')  # then the way back
    assert browser.get(DESK).status_code == 200
    # Back at the desk, the way back is spent.
    codes = soup(browser.get(reverse("mfa_view_recovery_codes")))
    assert not codes.select_one(f'main a[href="{DESK}"]')


def test_the_way_back_is_offered_only_to_whom_the_desk_sent(client_for, alice):
    browser = client_for(alice)
    enrol_totp(alice)
    page = soup(browser.get(reverse("mfa_index")))
    assert page.select_one("main .account-panel")  # allauth's panels, and no way back
    assert not page.select_one('main a[href^="/moderation/"]')


# --- An enrolled moderator who has not passed the second factor in this session ----------


@pytest.fixture
def enrolled(moderator, client_for):
    """The moderator with an app enrolled, signed in without it in this session."""
    secret = enrol_totp(moderator)
    return client_for(moderator), secret


def test_an_enrolled_moderator_types_a_code_and_comes_back(enrolled):
    browser, secret = enrolled
    response = browser.get(DESK)
    assert response.status_code == 302
    assert sent_to(response) == "/accounts/2fa/reauthenticate/?next=/moderation/?tab=flagged"
    response = browser.submit(response["Location"], FORM, {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == DESK
    assert browser.get(DESK).status_code == 200


def test_the_code_page_says_why_the_desk_asks(enrolled):
    browser, _secret = enrolled
    page = soup(browser.get(mfa_page(DESK)))
    # The frame's sentence, the desk's, and allauth's "enter a code"; elsewhere no desk's.
    assert len(page.select("main > p")) == 3
    assert len(soup(browser.get(reverse("mfa_reauthenticate"))).select("main > p")) == 2


def test_a_wrong_code_keeps_the_desk_closed(enrolled):
    browser, secret = enrolled
    wrong = f"{(int(totp_code(secret)) + 1) % 1_000_000:06d}"
    response = browser.submit(mfa_page(DESK), FORM, {"code": wrong})
    assert response.status_code == 200  # the form again, with its error
    assert (
        sent_to(browser.get(DESK)) == "/accounts/2fa/reauthenticate/?next=/moderation/?tab=flagged"
    )


def test_a_desk_form_posted_without_the_second_factor_comes_back_to_its_page(enrolled, alice):
    browser, _secret = enrolled
    answer = make_answer(make_question(), alice)
    browser.get("/")
    response = browser.post(
        reverse("moderation:decide", kwargs={"pk": answer.pk}),
        {"verb": "approve"},
        headers={"Referer": "http://testserver" + DESK},
    )
    assert response.status_code == 302
    assert sent_to(response) == "/accounts/2fa/reauthenticate/?next=/moderation/?tab=flagged"


def test_htmx_requests_are_sent_to_the_second_factor_by_hx_redirect(enrolled):
    browser, _secret = enrolled
    response = browser.get(DESK, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert sent_to(response) == "/accounts/2fa/reauthenticate/?next=/moderation/?tab=flagged"


def test_an_htmx_decision_without_the_second_factor_comes_back_to_the_page_it_was_on(
    enrolled, alice
):
    browser, _secret = enrolled
    answer = make_answer(make_question(), alice)
    browser.get("/")
    response = browser.post(
        reverse("moderation:decide", kwargs={"pk": answer.pk}),
        {"verb": "approve"},
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver" + DESK},
    )
    assert sent_to(response) == "/accounts/2fa/reauthenticate/?next=/moderation/?tab=flagged"


def test_htmx_requests_are_sent_to_enrol_by_hx_redirect(client_for, moderator):
    response = client_for(moderator).get(DESK, headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == reverse("mfa_activate_totp")


def test_the_second_factor_counts_for_its_session_only(moderator_client, moderator, client_for):
    assert moderator_client.get(DESK).status_code == 200
    assert sent_to(client_for(moderator).get(DESK)).startswith("/accounts/2fa/reauthenticate/")


def test_removing_the_authenticator_closes_the_desk(moderator_client, moderator):
    Authenticator.objects.filter(user=moderator).delete()
    assert moderator_client.get(DESK)["Location"] == reverse("mfa_activate_totp")


# --- Signing in with the second factor ----------------------------------------------------


def test_signing_in_with_password_and_code_opens_the_desk(client, moderator):
    secret = enrol_totp(moderator)
    response = client.get(DESK)
    response = client.submit(
        response["Location"], FORM, {"login": moderator.email, "password": "pw-modo"}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.submit(reverse("mfa_authenticate"), FORM, {"code": totp_code(secret)})
    assert response["Location"] == DESK
    assert client.get(DESK).status_code == 200


# --- Staff moderate too, with the same second factor ------------------------------------


def test_staff_without_an_authenticator_are_sent_to_enrol(client_for, staff):
    assert client_for(staff).get(DESK)["Location"] == reverse("mfa_activate_totp")


def test_staff_past_the_second_factor_open_the_desk(staff):
    assert signed_in_with_mfa(staff).get(DESK).status_code == 200


def test_a_moderator_past_the_second_factor_opens_every_desk_page(moderator_client, alice):
    for url in (DESK, reverse("moderation:member", kwargs={"username": alice.username})):
        assert moderator_client.get(url).status_code == 200, url


def test_members_made_moderators_need_the_second_factor_at_once(client_for):
    member = make_member("zoe")
    browser = client_for(member)
    assert browser.get(DESK).status_code == 403
    member.is_staff = True
    member.save()
    assert browser.get(DESK)["Location"] == reverse("mfa_activate_totp")
