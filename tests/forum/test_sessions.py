"""Sessions read with their member (forum.sessions): one query where Django makes two, and
every way out of a session that Django's authentication has still holds."""

import importlib

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from forum.models import MemberSession
from forum.sessions import SessionStore
from tests.conftest import CsrfClient

pytestmark = pytest.mark.django_db

copy_live_sessions = importlib.import_module(
    "forum.migrations.0016_member_sessions"
).copy_live_sessions


def signed_in_as(browser) -> str | None:
    """Who the site takes the browser for, on a page for members only (the header's
    unread count, which sends anybody else to the sign-in page)."""
    response = browser.get(reverse("forum:notifications_count"), headers={"HX-Request": "true"})
    if response.status_code != 200:
        return None
    return response.wsgi_request.user.username


def session_row(browser) -> MemberSession | None:
    key = browser.cookies.get(settings.SESSION_COOKIE_NAME)
    return MemberSession.objects.filter(session_key=key.value).first() if key else None


def test_signing_in_writes_the_member_beside_the_session(client, alice):
    response = client.submit(
        reverse("account_login"),
        "main form",
        {"login": "alice@example.org", "password": "pw-alice"},
    )
    assert response.status_code == 302
    assert session_row(client).member == alice
    assert signed_in_as(client) == "alice"


def test_a_signed_in_request_reads_the_session_and_the_member_in_one_query(client_for, alice):
    browser = client_for(alice)
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(reverse("forum:notifications_count"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    statements = [query["sql"] for query in queries.captured_queries]
    # The session with its member, then the unread count: no second read of the member.
    assert len(statements) == 2, statements
    assert MemberSession._meta.db_table in statements[0]
    assert "forum_user" in statements[0]
    assert "forum_notification" in statements[1]


def test_a_password_changed_elsewhere_signs_the_other_browsers_out(client_for, alice):
    laptop, phone = client_for(alice), client_for(alice)
    alice.set_password("a-new-passphrase")
    alice.save()
    assert signed_in_as(phone) is None
    # Ended, as Django ends it: the row is gone, not merely ignored.
    assert session_row(phone) is None
    assert signed_in_as(laptop) is None


def test_a_deactivated_member_is_signed_out(client_for, alice):
    browser = client_for(alice)
    alice.is_active = False
    alice.save()
    assert signed_in_as(browser) is None


def test_deleting_a_member_ends_their_sessions(client_for, alice, bob):
    client_for(alice), client_for(alice), client_for(bob)
    assert MemberSession.objects.filter(member=alice).count() == 2
    alice.delete()
    assert list(MemberSession.objects.values_list("member__username", flat=True)) == ["bob"]


def test_signing_out_deletes_the_session(client_for, alice):
    browser = client_for(alice)
    browser.get(reverse("articles:home"))
    assert session_row(browser) is not None
    browser.post(reverse("account_logout"))
    assert not MemberSession.objects.filter(member=alice).exists()
    assert signed_in_as(browser) is None


def test_a_session_of_a_previous_secret_key_still_signs_the_member_in(client_for, alice, settings):
    browser = client_for(alice)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-secret-key-" + "x" * 50, [old_key]
    assert signed_in_as(browser) == "alice"


def test_a_session_that_names_nobody_is_a_readers(client, alice):
    store = SessionStore()
    store["seen"] = True
    store.create()
    assert MemberSession.objects.get(session_key=store.session_key).member is None
    client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key
    assert signed_in_as(client) is None


def test_an_expired_session_signs_nobody_in(client_for, alice):
    browser = client_for(alice)
    MemberSession.objects.update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    assert signed_in_as(browser) is None


def test_the_migration_carries_the_live_sessions_over(alice, bob):
    def old_session(user=None, *, expired=False):
        store = DjangoSessionStore()
        if user is not None:
            store[SESSION_KEY] = str(user.pk)
            store["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[0]
            store["_auth_user_hash"] = user.get_session_auth_hash()
        store["language"] = "fr"
        store.create()
        if expired:
            Session.objects.filter(session_key=store.session_key).update(
                expire_date=timezone.now() - timezone.timedelta(days=1)
            )
        return store.session_key

    alices, readers, bobs_expired = (
        old_session(alice),
        old_session(),
        old_session(bob, expired=True),
    )
    gone = old_session(bob)
    bob.delete()  # a session naming a member who no longer exists names nobody
    copy_live_sessions(apps, None)
    copied = dict(MemberSession.objects.values_list("session_key", "member"))
    assert copied == {alices: alice.pk, readers: None, gone: None}
    assert bobs_expired not in copied
    browser = CsrfClient()
    browser.cookies[settings.SESSION_COOKIE_NAME] = alices
    assert signed_in_as(browser) == "alice"
