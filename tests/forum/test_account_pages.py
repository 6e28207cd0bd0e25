"""The account pages (allauth's views, the site's templates and forms) read as the site
does: one label per field, a title that matches its heading, typographic apostrophes,
help text a screen reader can reach."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from tests.pages import soup

pytestmark = pytest.mark.django_db

# What a browser parses as a paragraph's end: these cannot stand inside a <p> (or a <span>).
BLOCKS = ["div", "ul", "ol", "p", "table", "section", "form", "h1", "h2", "h3"]

ENTRANCE = ["account_login", "account_signup", "account_reset_password"]
MANAGE = ["account_email", "account_change_password"]


def url(name, language="fr") -> str:
    """The page's address in ``language`` (English lives under /en/)."""
    with translation.override(language):
        return reverse(name)


def fields_of(page):
    return page.select("main form input:not([type=hidden]), main form textarea")


def label_of(page, field) -> str:
    return " ".join(page.select_one(f"label[for={field['id']}]").text.split())


def described_by(page, field):
    """The elements the field's aria-describedby names, in order."""
    return [page.find(id=name) for name in field.get("aria-describedby", "").split()]


# --- Labels and placeholders ---------------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("name", ENTRANCE)
def test_every_field_has_a_plain_label_and_no_placeholder(client, language, name):
    page = soup(client.get(url(name, language)))
    assert fields_of(page)
    for field in fields_of(page):
        label = label_of(page, field)
        assert label and not label.endswith(":"), label
        assert not field.has_attr("placeholder"), field


@pytest.mark.parametrize("name", MANAGE)
def test_settings_fields_have_a_plain_label_and_no_placeholder(client_for, alice, name):
    page = soup(client_for(alice).get(url(name, "en")))
    for field in page.select("main form input:not([type=hidden]):not([type=radio])"):
        assert not label_of(page, field).endswith(":")
        assert not field.has_attr("placeholder"), field


@pytest.mark.parametrize("name", ["account_login", "account_signup", "account_reset_password"])
def test_the_email_field_has_one_name(client, name):
    page = soup(client.get(url(name, "en")))
    field = page.select_one("main input[type=email]")
    assert label_of(page, field) == "E-mail address"


def test_a_wrong_address_is_called_an_e_mail_address(client):
    client.get(url("account_signup", "en"))
    response = client.submit(url("account_signup", "en"), "main form", {"email": "x@y"})
    errors = soup(response).select_one("label[for=id_email] ~ .errorlist")
    assert errors.text == "Enter a valid e-mail address."


def test_remember_me_is_a_checkbox_before_its_label_on_one_line(client):
    page = soup(client.get(url("account_login")))
    box = page.select_one("main input[type=checkbox][name=remember]")
    row = box.parent
    assert "field--check" in row["class"]
    label = box.find_next_sibling("label")
    assert label is not None and label["for"] == box["id"]
    assert not label.text.strip().endswith(":")


def test_remember_me_is_written_like_the_other_labels(client):
    page = soup(client.get(url("account_login", "en")))
    assert page.select_one("label[for=id_remember]").text == "Remember me"


def test_changing_the_password_names_the_old_and_the_new(client_for, alice):
    page = soup(client_for(alice).get(url("account_change_password", "en")))
    assert [label_of(page, field) for field in fields_of(page)] == [
        "Current password",
        "New password",
        "New password (again)",
    ]


# --- Titles and wording ----------------------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize(
    "name", [*ENTRANCE, "account_reset_password_done", "account_email_verification_sent"]
)
def test_each_page_has_one_title(client, language, name):
    page = soup(client.get(url(name, language)))
    heading = " ".join(page.h1.text.split())
    assert page.title.text.strip() == f"{heading} — Agora"


def test_signing_up_is_called_the_same_in_the_header_the_title_and_the_button(client):
    page = soup(client.get(url("account_signup", "en")))
    assert page.h1.text.strip() == "Create an account"
    assert page.select_one("main form button[type=submit]").text.strip() == "Create an account"
    assert page.select_one(".site-header .site-nav__signup").text == "Create an account"


@pytest.mark.parametrize(
    "name",
    [*ENTRANCE, "account_reset_password_done", "account_email_verification_sent"],
)
def test_french_account_pages_use_typographic_apostrophes(client, name):
    main = soup(client.get(url(name))).main
    assert "'" not in main.text


def test_french_settings_pages_use_typographic_apostrophes(client_for, alice):
    alice_browser = client_for(alice)
    for name in ("account_email", "account_change_password", "account_delete"):
        assert "'" not in soup(alice_browser.get(url(name))).main.text, name


def test_the_pseudonym_says_it_is_public(client):
    page = soup(client.get(url("account_signup", "en")))
    field = page.select_one("main input[name=username]")
    assert label_of(page, field) == "Pseudonym"
    (help_text,) = described_by(page, field)
    assert "shown on every answer" in help_text.text


def test_a_taken_pseudonym_is_called_a_pseudonym(client, alice):
    client.get(url("account_signup", "en"))
    response = client.submit(
        url("account_signup", "en"),
        "main form",
        {
            "email": "other@example.org",
            "username": "Alice",
            "password1": "un mot de passe solide 2024",
            "password2": "un mot de passe solide 2024",
        },
    )
    assert "This pseudonym is already taken." in soup(response).select_one(".errorlist").text


# --- Help text a screen reader reaches ----------------------------------------------------


@pytest.mark.parametrize("name", ["password1", "username"])
def test_the_help_a_field_points_to_is_valid_html_and_holds_the_rules(client, name):
    page = soup(client.get(url("account_signup", "en")))
    field = page.select_one(f"main input[name={name}]")
    (help_text,) = described_by(page, field)
    # A browser ends a <p> at the first block inside it, which would leave the element
    # aria-describedby names empty: the help is a block that may hold a list.
    assert help_text.name == "div"
    assert help_text.find_parent(["p", "span"]) is None
    if name == "password1":
        rules = [" ".join(li.text.split()) for li in help_text.select("li")]
        assert "Your password must contain at least 8 characters." in rules


def test_no_paragraph_on_the_sign_up_page_holds_a_block(client):
    page = soup(client.get(url("account_signup")))
    for paragraph in page.main.select("p, span"):
        assert not paragraph.find(BLOCKS), paragraph


def test_the_password_reset_link_sits_under_the_password(client):
    page = soup(client.get(url("account_login", "en")))
    reset = url("account_reset_password", "en")
    link = page.select_one(f"main a[href='{reset}']")
    assert link.text == "Forgot your password?"
    assert "field__link" in link["class"]


# --- Confirming the address --------------------------------------------------------------


def test_the_confirm_your_address_page_offers_a_new_link(client_for, carol_unverified):
    page = soup(client_for(carol_unverified).get(url("account_email_verification_sent", "en")))
    email_page = url("account_email", "en")
    link = page.select_one(f"main a[href='{email_page}']")
    assert link is not None and link.text == "Send the link again"


def test_a_visitor_who_lost_the_link_is_told_where_to_get_one(client):
    page = soup(client.get(url("account_email_verification_sent", "en")))
    link = page.select_one("main .resend-verification a")
    assert link["href"].startswith(url("account_login", "en"))
    assert "next=/en/accounts/email/" in link["href"].replace("%2F", "/")


def test_the_email_page_can_send_the_link_again(client_for, carol_unverified):
    page = soup(client_for(carol_unverified).get(url("account_email", "en")))
    assert page.select_one("main button[name=action_send]")


# --- The header and the account tabs ---------------------------------------------------------


def test_the_header_names_the_member_and_links_their_page_and_settings(client_for, alice):
    header = soup(client_for(alice).get("/en/")).select_one(".site-header")
    member = header.select_one(".site-nav__member")
    assert member.text == "alice" and member["href"] == "/en/members/alice/"
    settings_page = url("account_email", "en")
    assert header.select_one(f"a[href='{settings_page}']").text == "Account"
    assert not header.select_one("a[href*='/editor/']")
    assert header.select_one("form.site-nav__logout")


def test_staff_see_the_editor_link(client_for, make_member):
    editor = make_member("Claire", is_staff=True)
    header = soup(client_for(editor).get("/en/")).select_one(".site-header")
    assert header.select_one("a[href*='/editor/']").text == "Editor"


def test_the_account_tabs_sign_out_too(client_for, alice):
    page = soup(client_for(alice).get(url("account_email", "en")))
    tabs = [a.text for a in page.select(".account-nav a")]
    assert tabs == [
        "E-mail addresses",
        "Password",
        "Two-factor authentication",
        "Notifications",
        "Delete my account",
        "Sign out",
    ]


def test_the_masthead_names_the_site_and_says_what_it_is(client):
    masthead = soup(client.get("/en/")).select_one(".site-header .masthead")
    assert masthead["href"] == "/en/"
    assert masthead.select_one(".masthead__name").text == "Agora"
    assert masthead.select_one(".masthead__tagline").text == "News and discussions"


# --- Links from the mails ------------------------------------------------------------------

LINK = re.compile(r"https?://testserver(/\S+)")


def test_the_confirmation_link_names_the_address_and_the_account(client, mailoutbox):
    client.submit(
        url("account_signup", "en"),
        "main form",
        {
            "email": "nadia@example.org",
            "username": "Nadia",
            "password1": "un mot de passe solide 2024",
            "password2": "un mot de passe solide 2024",
        },
    )
    page = soup(client.get(LINK.search(mailoutbox[0].body).group(1)))
    assert page.title.text == "Confirm your e-mail address — Agora"
    assert " ".join(page.main.p.text.split()) == (
        "Confirm that nadia@example.org is the e-mail address of the account Nadia."
    )
    assert page.select_one("main form button[type=submit]").text == "Confirm"


def test_a_stale_confirmation_link_says_so_and_offers_a_new_one(client):
    page = soup(client.get(url("account_email", "en").replace("email/", "confirm-email/stale/")))
    assert "This link has expired or is not valid." in page.main.text
    assert page.select_one("main .resend-verification a")


def test_the_password_reset_link_asks_for_a_new_password(client, alice, mailoutbox):
    client.submit(url("account_reset_password", "en"), "main form", {"email": alice.email})
    response = client.get(LINK.search(mailoutbox[0].body).group(1), follow=True)
    page = soup(response)
    assert page.h1.text == "Choose a new password"
    assert [label_of(page, field) for field in fields_of(page)] == [
        "New password",
        "New password (again)",
    ]
    assert not page.select("main input[placeholder]")


def test_a_used_password_reset_link_says_so_and_offers_a_new_one(client, alice):
    page = soup(client.get(url("account_reset_password", "en") + "key/1-stale/"))
    assert page.h1.text == "This link no longer works"
    assert page.select_one(f"main a[href='{url('account_reset_password', 'en')}']")


@pytest.mark.parametrize(
    "path", ["/accounts/confirm-email/stale/", "/accounts/password/reset/key/1-stale/"]
)
def test_pages_from_the_mails_use_typographic_apostrophes(client, path):
    page = soup(client.get(path))
    assert "'" not in page.main.text and "'" not in page.title.text
