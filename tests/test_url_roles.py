"""Every address of the site, for every kind of visitor.

The walk reads the URL configuration itself (``get_resolver()``), so an endpoint added
without a row in TABLE fails here, and so does a row whose address is gone. Each row says
how to fill the address from a small world (an article, a question, alice's answer, bob's
reply, bob's flag on alice's answer, a statement of reasons for alice) and what each role
gets: for GET, and for a write, what a POST gets. French addresses are walked (French has
no prefix); the English ones under /en/ are checked to mirror them.

Each request runs in a savepoint rolled back after it: one role's write (a vote, a
deletion) never changes what the next role sees.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone, translation
from django_tasks_db.backend import DatabaseBackend

from articles.models import Article
from forum.models import MODERATORS_GROUP, Appeal, Notice, Notification, User
from forum.moderation.actions import do_decide, do_flag, do_note
from forum.moderation.notices import contest_token, do_reject_notice
from forum.notifications import unsubscribe_url
from forum.tasks import send_email
from tests.conftest import CsrfClient, enrol_totp, signed_in_with_mfa
from tests.factories import make_answer, make_article, make_member, make_question

# Every test here runs inside the world's transaction (see ``world``).
pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "unverified",  # signed in, address not confirmed
    "member",  # bob: wrote the reply, flagged alice's answer
    "author",  # alice: wrote the answer the addresses name
    "suspended",
    "banned",
    "moderator_no_mfa",  # a moderator with no authenticator app
    "moderator_unpassed",  # a moderator with an app, who has not typed a code this session
    "moderator",  # past the second factor
    "staff",  # an editor with every admin permission, past the second factor
)


@pytest.fixture(autouse=True)
def _no_heat_control(settings):
    """bob's flag heats alice's thread, where both just posted: heat control would make them
    wait (tests/moderation/test_heat.py), which is not what this walk is about."""
    settings.HEAT_WAIT = timedelta(0)


# --- What a response may be ---------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """A status, and for a redirect the path it leads to (any path when None)."""

    status: int
    to: str | None = None
    name: str = ""

    def __repr__(self):
        return self.name or str(self.status)

    def matches(self, response) -> bool:
        if response.status_code != self.status:
            return False
        return self.to is None or urlsplit(response["Location"]).path == reverse(self.to)


OK = Expect(200, name="200")
BAD = Expect(400, name="400")
DENIED = Expect(403, name="403")
NOT_FOUND = Expect(404, name="404")
NOT_ALLOWED = Expect(405, name="405")
REDIRECT = Expect(302, name="302")
LOGIN = Expect(302, "account_login", "302 sign in")
ADMIN_LOGIN = Expect(302, "admin:login", "302 admin sign in")
REAUTH = Expect(302, "account_reauthenticate", "302 password again")
ENROL = Expect(302, "mfa_activate_totp", "302 enrol")
MFA = Expect(302, "mfa_reauthenticate", "302 second factor")


def every(expect: Expect, **but: Expect) -> dict[str, Expect]:
    """``expect`` for every role, but those named."""
    assert set(but) <= set(ROLES), set(but) - set(ROLES)
    return {role: but.get(role, expect) for role in ROLES}


PUBLIC = every(OK)
SIGNED_IN = every(OK, anonymous=LOGIN)
SIGNED_OUT = every(REDIRECT, anonymous=OK)  # allauth sends the signed-in away
POST_ONLY = every(NOT_ALLOWED)
STAFF_ONLY = every(DENIED, anonymous=LOGIN, staff=OK)
ADMIN = every(ADMIN_LOGIN, staff=OK)
# A member who may take part: not anonymous, unverified or sanctioned.
TAKING_PART = {"anonymous": LOGIN, "unverified": DENIED, "suspended": DENIED, "banned": DENIED}


def desk(done: Expect = OK) -> dict[str, Expect]:
    """The moderator's desk: the second factor first, and for moderators ``done``."""
    return every(
        DENIED,
        anonymous=LOGIN,
        moderator_no_mfa=ENROL,
        moderator_unpassed=MFA,
        moderator=done,
        staff=done,
    )


# --- The table -----------------------------------------------------------------------------


@dataclass
class Row:
    get: dict[str, Expect]
    kwargs: Callable[["World"], dict] = lambda w: {}
    post: dict[str, Expect] | None = None  # None: no POST worth sending
    data: Callable[["World"], dict] = lambda w: {}


def answer(w):
    return {"pk": w.answer.pk}


def article(w):
    return {"slug": w.article.slug}


def alice(w):
    return {"username": "alice"}


def _notice_on(w) -> Notice:
    return Notice.objects.create(
        answer=w.answer, ground="defamation", explanation="Diffamation.",
        quoted_text=w.answer.body, good_faith=True,
    )  # fmt: skip


def open_notice(w):
    """A notice of illegal content on alice's answer, made for the row (rolled back with it)."""
    return {"pk": _notice_on(w).pk}


def open_appeal(w):
    """alice's appeal of the removal of her other answer."""
    return {"pk": Appeal.objects.create(action=w.removal, appellant=w.alice, text="Injuste.").pk}


def contest_link(w):
    """The signed link a notifier gets once a moderator decided not to act on their notice."""
    notice = _notice_on(w)
    do_reject_notice(moderator=w.removal.actor, notice=notice, reason="Rien d’illégal.")
    return {"token": contest_token(notice)}


TABLE: dict[str, Row] = {
    # The site's plumbing
    "sitemap": Row(PUBLIC),
    "robots": Row(PUBLIC),
    "healthz": Row(PUBLIC),
    "livez": Row(PUBLIC),
    "set_language": Row(
        POST_ONLY, post=every(REDIRECT), data=lambda w: {"language": "en", "next": "/"}
    ),
    # Reading
    "articles:home": Row(PUBLIC),
    "articles:article": Row(PUBLIC, article),
    "forum:question": Row(PUBLIC, lambda w: {"slug": w.article.slug, "question": w.question.slug}),
    "forum:answer": Row(PUBLIC, answer),
    "forum:member": Row(PUBLIC, alice),
    # Anyone signed in may block a member (it changes only what they see); not themself.
    "forum:block": Row(
        POST_ONLY,
        alice,
        post=every(REDIRECT, anonymous=LOGIN, author=BAD),
        data=lambda w: {"state": "on"},
    ),
    "forum:blocked": Row(SIGNED_IN),
    "forum:feed_articles": Row(PUBLIC),
    "forum:feed_question": Row(
        PUBLIC, lambda w: {"slug": w.article.slug, "question": w.question.slug}
    ),
    "forum:feed_member": Row(PUBLIC, alice),
    "moderation:log": Row(PUBLIC),
    # Writing
    "forum:post_answer": Row(
        POST_ONLY,
        lambda w: {"slug": w.article.slug, "question": w.question.slug},
        post=every(BAD, **TAKING_PART),  # an empty form: back with its errors
    ),
    "forum:reply": Row(every(OK, **TAKING_PART), answer, post=every(BAD, **TAKING_PART)),
    "forum:edit": Row(
        every(DENIED, anonymous=LOGIN, author=OK),
        answer,
        post=every(DENIED, anonymous=LOGIN, author=BAD),
    ),
    "forum:delete": Row(
        every(DENIED, anonymous=LOGIN, author=OK),
        answer,
        post=every(DENIED, anonymous=LOGIN, author=REDIRECT),
    ),
    "forum:preview": Row(POST_ONLY, post=every(OK, anonymous=DENIED)),
    "forum:vote": Row(
        POST_ONLY,
        answer,
        post=every(REDIRECT, author=DENIED, **TAKING_PART),
        data=lambda w: {"value": "1"},
    ),
    "forum:flag": Row(
        every(OK, author=DENIED, **TAKING_PART),
        answer,
        post=every(REDIRECT, author=DENIED, **TAKING_PART),
        data=lambda w: {"reason": "spam"},
    ),
    # Withdrawing a flag one does not have changes nothing, and says so the same way.
    "forum:withdraw_flag": Row(POST_ONLY, answer, post=every(REDIRECT, anonymous=LOGIN)),
    # Anyone may notify illegal content, even without an account (an empty form: 400).
    "forum:notice": Row(PUBLIC, answer, post=every(BAD)),
    # Anyone signed in may follow, whatever their standing (it changes only their own inbox).
    "forum:follow_article": Row(
        POST_ONLY, article, post=every(REDIRECT, anonymous=LOGIN), data=lambda w: {"state": "on"}
    ),
    "forum:follow_question": Row(
        POST_ONLY,
        lambda w: {"slug": w.article.slug, "question": w.question.slug},
        post=every(REDIRECT, anonymous=LOGIN),
        data=lambda w: {"state": "on"},
    ),
    "forum:follow_answer": Row(
        POST_ONLY, answer, post=every(REDIRECT, anonymous=LOGIN), data=lambda w: {"state": "on"}
    ),
    "forum:following": Row(SIGNED_IN),
    # Someone else's statement of reasons is as unknown as a missing one.
    "forum:notification_read": Row(
        POST_ONLY,
        lambda w: {"pk": w.notice.pk},
        post=every(NOT_FOUND, anonymous=LOGIN, author=REDIRECT),
    ),
    "forum:preferences": Row(SIGNED_IN, post=every(REDIRECT, anonymous=LOGIN)),
    # The inbox is the member's own; marking all read is a POST.
    "forum:notifications": Row(SIGNED_IN),
    "forum:notifications_count": Row(SIGNED_IN),
    "forum:notifications_read_all": Row(POST_ONLY, post=every(REDIRECT, anonymous=LOGIN)),
    # The e-mails' link works signed out: it is signed for one member (here the author).
    "forum:unsubscribe": Row(
        PUBLIC,
        lambda w: {"token": w.unsubscribe_token},
        post=PUBLIC,
    ),
    # The moderator's desk (a POST with nothing in it: bad input, once past the door)
    "moderation:queue": Row(desk()),
    "moderation:member": Row(desk(), alice),
    "moderation:decide": Row(POST_ONLY, answer, post=desk(BAD)),
    "moderation:bulk": Row(POST_ONLY, post=desk(BAD)),
    "moderation:sanction": Row(POST_ONLY, alice, post=desk(BAD)),
    "moderation:note": Row(POST_ONLY, alice, post=desk(BAD)),
    "moderation:question_state": Row(POST_ONLY, lambda w: {"pk": w.question.pk}, post=desk(BAD)),
    "moderation:slow_mode": Row(POST_ONLY, lambda w: {"pk": w.question.pk}, post=desk(BAD)),
    # The transparency report is public; the statements of reasons export is for staff.
    "moderation:report": Row(PUBLIC),
    "moderation:report_csv": Row(PUBLIC),
    "moderation:statements": Row(desk() | {"moderator": DENIED}),
    "moderation:notices": Row(desk()),
    "moderation:notice_decide": Row(POST_ONLY, open_notice, post=desk(BAD)),
    "moderation:appeals": Row(desk()),
    "moderation:appeal_decide": Row(POST_ONLY, open_appeal, post=desk(BAD)),
    # Only the member a decision restricts appeals it; a notifier contests from a signed link.
    "moderation:appeal": Row(
        every(DENIED, anonymous=LOGIN, author=OK),
        lambda w: {"action_id": w.removal.pk},
        post=every(DENIED, anonymous=LOGIN, author=BAD),
    ),
    "moderation:contest": Row(PUBLIC, contest_link, post=every(BAD)),
    # Word rules: staff past the second factor; a moderator who is not staff is refused.
    "moderation:word_rules": Row(desk() | {"moderator": DENIED}),
    "moderation:word_rule_add": Row(POST_ONLY, post=desk(BAD) | {"moderator": DENIED}),
    "moderation:word_rules_try": Row(POST_ONLY, post=desk(BAD) | {"moderator": DENIED}),
    "moderation:word_rule_delete": Row(
        POST_ONLY, lambda w: {"pk": 424242}, post=desk(NOT_FOUND) | {"moderator": DENIED}
    ),
    # Earlier versions of an answer are a moderation page too.
    "forum:history": Row(desk(), answer),
    # The editors' screens
    "editor:import": Row(STAFF_ONLY),
    "editor:review": Row(
        every(DENIED, anonymous=LOGIN, staff=NOT_FOUND), lambda w: {"key": "nothing-here"}
    ),
    "editor:edit": Row(STAFF_ONLY, article),
    # Accounts (allauth, and deleting one's account)
    "account_login": Row(SIGNED_OUT),
    "account_signup": Row(SIGNED_OUT),
    "account_logout": Row(every(OK, anonymous=REDIRECT)),
    "account_inactive": Row(PUBLIC),
    "account_reauthenticate": Row(SIGNED_IN),
    "account_email": Row(SIGNED_IN),
    "account_email_verification_sent": Row(PUBLIC),
    "account_confirm_email": Row(PUBLIC, lambda w: {"key": w.confirmation_key}),
    "account_change_password": Row(SIGNED_IN),
    "account_set_password": Row(every(REDIRECT, anonymous=LOGIN)),
    "account_reset_password": Row(PUBLIC),
    "account_reset_password_done": Row(PUBLIC),
    "account_reset_password_from_key": Row(
        every(REDIRECT), lambda w: {"uidb36": w.reset_uid, "key": w.reset_key}
    ),
    "account_reset_password_from_key_done": Row(PUBLIC),
    # Signing in by e-mailed code is off.
    "account_confirm_login_code": Row(every(REDIRECT, anonymous=LOGIN)),
    "account_delete": Row(SIGNED_IN),
    # Two-factor authentication (allauth): members without an app are asked for their
    # password before setting one up; those with one see what they have.
    "mfa_index": Row(SIGNED_IN),
    "mfa_authenticate": Row(every(REDIRECT, anonymous=LOGIN)),  # only while signing in
    "mfa_reauthenticate": Row(
        every(REAUTH, anonymous=LOGIN, moderator_unpassed=OK, moderator=OK, staff=OK)
    ),
    "mfa_activate_totp": Row(
        every(
            REAUTH,
            anonymous=LOGIN,
            unverified=Expect(302, "mfa_index", "302 two-factor page"),  # confirm first
            moderator_unpassed=REDIRECT,
            moderator=REDIRECT,
            staff=REDIRECT,
        )
    ),
    "mfa_deactivate_totp": Row(
        every(NOT_FOUND, anonymous=LOGIN, moderator_unpassed=REAUTH, moderator=REAUTH, staff=REAUTH)
    ),
    "mfa_view_recovery_codes": Row(every(NOT_FOUND, anonymous=LOGIN)),
    "mfa_generate_recovery_codes": Row(every(REAUTH, anonymous=LOGIN)),
    "mfa_download_recovery_codes": Row(every(NOT_FOUND, anonymous=LOGIN)),
    # The admin: staff only; everyone else is sent to its sign-in, which refuses them.
    "admin:index": Row(ADMIN),
    "admin:login": Row(every(DENIED, anonymous=LOGIN, staff=REDIRECT)),
    "admin:logout": Row(every(Expect(302, "admin:index", "302 admin"), staff=NOT_ALLOWED)),
    "admin:password_change": Row(ADMIN),
    "admin:password_change_done": Row(ADMIN),
    "admin:autocomplete": Row(every(ADMIN_LOGIN, staff=DENIED)),
    "admin:jsi18n": Row(ADMIN),
    "admin:app_list": Row(ADMIN, lambda w: {"app_label": "forum"}),
    "admin:view_on_site": Row(
        every(REDIRECT),
        lambda w: {
            "content_type_id": ContentType.objects.get_for_model(Article).pk,
            "object_id": w.article.pk,
        },
    ),
    "admin:auth_user_password_change": Row(ADMIN, lambda w: {"id": w.alice.pk}),
    "admin/(?P<url>.*)$": Row(every(ADMIN_LOGIN, staff=NOT_FOUND), lambda w: {"url": "nothing"}),
}

# Each model in the admin: its list, add, history, delete and change pages, and the bare
# address of an object (a redirect to its change page), for one object of the world.
ADMIN_MODELS = {
    ("auth", "group"): lambda w: w.moderators_group.pk,
    ("forum", "user"): lambda w: w.alice.pk,
    ("forum", "flag"): lambda w: w.flag.pk,
    ("forum", "membernote"): lambda w: w.note.pk,
    ("forum", "moderationaction"): lambda w: w.removal.pk,
    ("articles", "article"): lambda w: w.article.pk,
    ("articles", "question"): lambda w: w.question.pk,
    ("account", "emailaddress"): lambda w: EmailAddress.objects.get(user=w.alice).pk,
    ("mfa", "authenticator"): lambda w: Authenticator.objects.filter(user=w.staff_user).first().pk,
    ("django_tasks_database", "dbtaskresult"): lambda w: w.task_result_id,
}
# The moderation record is read in the admin, never written there: the desk logs decisions.
ADMIN_READ_ONLY = {("forum", "flag"), ("forum", "membernote"), ("forum", "moderationaction")}
# Task results are written by the task queue, never by hand.
TASK_RESULTS = ("django_tasks_database", "dbtaskresult")
ADMIN_CANNOT_ADD = {TASK_RESULTS, *ADMIN_READ_ONLY}
STAFF_REFUSED = every(ADMIN_LOGIN, staff=DENIED)


def _admin_rows():
    for (app, model), object_id in ADMIN_MODELS.items():
        prefix = f"admin:{app}_{model}"

        def obj(w, object_id=object_id):
            return {"object_id": object_id(w)}

        read_only = (app, model) in ADMIN_READ_ONLY or (app, model) == TASK_RESULTS
        TABLE[f"{prefix}_changelist"] = Row(ADMIN)
        TABLE[f"{prefix}_add"] = Row(STAFF_REFUSED if (app, model) in ADMIN_CANNOT_ADD else ADMIN)
        TABLE[f"{prefix}_history"] = Row(ADMIN, obj)
        TABLE[f"{prefix}_delete"] = Row(STAFF_REFUSED if read_only else ADMIN, obj)
        TABLE[f"{prefix}_change"] = Row(ADMIN, obj)  # a read-only one shows, unchangeable
        TABLE[f"admin/{app}/{model}/<path:object_id>/"] = Row(
            every(ADMIN_LOGIN, staff=Expect(302, name="302 to its change page")), obj
        )


_admin_rows()


# --- The URL configuration ---------------------------------------------------------------


@dataclass
class Endpoint:
    key: str  # the URL name ("forum:vote"), or the route of an unnamed pattern
    route: str
    pattern: URLPattern
    i18n: bool  # under i18n_patterns (mirrored under /en/)


def endpoints(resolver=None, prefix="", namespace="", i18n=False) -> list[Endpoint]:
    """Every pattern of the site, as French addresses."""
    resolver = resolver or get_resolver()
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}".strip(":") if entry.namespace else namespace
            localized = i18n or type(entry.pattern).__name__ == "LocalePrefixPattern"
            found += endpoints(entry, prefix + str(entry.pattern), inner, localized)
        else:
            route = prefix + str(entry.pattern)
            key = f"{namespace}:{entry.name}".strip(":") if entry.name else route
            found.append(Endpoint(key, route, entry, i18n))
    return found


def address(endpoint: Endpoint, kwargs: dict) -> str:
    if endpoint.pattern.name:
        return reverse(endpoint.key, kwargs=kwargs)
    # An unnamed pattern: its route, filled by hand.
    route = endpoint.route.replace("<path:object_id>", str(kwargs.get("object_id", "")))
    return "/" + route.replace("(?P<url>.*)$", kwargs.get("url", ""))


def test_every_address_of_the_site_has_a_row():
    with translation.override("fr"):
        keys = [endpoint.key for endpoint in endpoints()]
    missing = sorted(set(keys) - set(TABLE))
    assert not missing, f"Addresses without a row in TABLE: {missing}"


def test_every_row_names_an_address_of_the_site():
    with translation.override("fr"):
        keys = {endpoint.key for endpoint in endpoints()}
    gone = sorted(set(TABLE) - keys)
    assert not gone, f"Rows for addresses that no longer exist: {gone}"


def test_every_row_says_what_every_role_gets():
    for key, row in TABLE.items():
        for expected in (row.get, row.post or {}):
            assert not expected or set(expected) == set(ROLES), key


# --- The world the addresses name -----------------------------------------------------------


@dataclass
class World:
    article: object
    question: object
    answer: object
    alice: User
    notice: object
    flag: object
    note: object
    removal: object
    moderators_group: Group
    staff_user: User
    task_result_id: str
    unsubscribe_token: str
    confirmation_key: str
    reset_uid: str
    reset_key: str
    sessions: dict = field(default_factory=dict)  # role: session cookie (None: anonymous)


def _queued_email() -> str:
    """An e-mail waiting in the database queue, as production queues them (tests run tasks
    inline, so this one goes through the database backend itself)."""
    queue = DatabaseBackend("default", {})
    message = {"subject": "Bonjour", "body": "…", "to": ["a@example.org"], "from_email": "b@x.org"}
    return str(queue.enqueue(send_email, (), message).id)


def _moderator(name: str) -> User:
    user = make_member(name)
    user.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    return user


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Made once for the whole walk, in a transaction rolled back at its end: each test's own
    transaction, and each request's savepoint, nest inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _make_world()
        transaction.set_rollback(True)


def _make_world() -> World:
    """The cast of tests/conftest.py, and what the addresses name."""
    alice, bob = make_member("alice"), make_member("bob")
    carol_unverified = make_member("carol", verified=False)
    dave_suspended = make_member(
        "dave", suspended_until=timezone.now() + timedelta(days=3), sanction_reason="Insultes."
    )
    erin_banned = make_member("erin", banned=True, sanction_reason="Spam répété.")
    moderator = _moderator("modo")
    article = make_article()
    question = make_question(article)
    theirs = make_answer(question, alice, body="La réponse d’alice.")
    make_answer(question, bob, parent=theirs, body="La réplique de bob.")
    flag = do_flag(reporter=bob, answer=theirs, reason="spam")
    note = do_note(moderator=moderator, member=alice, text="À surveiller.")
    # A removed answer of alice's, and the statement of reasons that tells her.
    removed = make_answer(question, alice, body="Une autre réponse d’alice.")
    removal = do_decide(
        moderator=moderator, answer=removed, verb="remove", seen_version=removed.version,
        rule="spam", reason="Publicité.",
    )  # fmt: skip
    staff = make_member("sam", is_staff=True, is_superuser=True)
    unpassed = _moderator("mona")
    enrol_totp(unpassed)

    def signed_in(user):
        browser = CsrfClient()
        browser.force_login(user)
        return browser

    clients = {
        "anonymous": CsrfClient(),
        "unverified": signed_in(carol_unverified),
        "member": signed_in(bob),
        "author": signed_in(alice),
        "suspended": signed_in(dave_suspended),
        "banned": signed_in(erin_banned),
        "moderator_no_mfa": signed_in(_moderator("nora")),
        "moderator_unpassed": signed_in(unpassed),
        "moderator": signed_in_with_mfa(moderator),
        "staff": signed_in_with_mfa(staff),
    }
    return World(
        article=article,
        question=question,
        answer=theirs,
        alice=alice,
        notice=alice.notifications.get(kind=Notification.Kind.DECISION),
        flag=flag,
        note=note,
        removal=removal,
        moderators_group=Group.objects.get(name=MODERATORS_GROUP),
        staff_user=staff,
        confirmation_key=EmailConfirmationHMAC(EmailAddress.objects.get(user=carol_unverified)).key,
        reset_uid=user_pk_to_url_str(alice),
        reset_key=default_token_generator.make_token(alice),
        task_result_id=_queued_email(),
        unsubscribe_token=unsubscribe_url(alice, "email_followed").rstrip("/").rsplit("/", 1)[1],
        sessions={
            role: browser.cookies[settings.SESSION_COOKIE_NAME].value
            if settings.SESSION_COOKIE_NAME in browser.cookies
            else None
            for role, browser in clients.items()
        },
    )


# --- The walk ------------------------------------------------------------------------------


def _isolated(send) -> tuple[int, object]:
    """One request, its writes rolled back; an exception is a 500 (and a failure)."""
    try:
        with transaction.atomic():
            response = send()
            transaction.set_rollback(True)
    except Exception as error:  # reported as the 500 it would be
        return 500, f"{type(error).__name__}: {error}"
    return response.status_code, response


def _where(response) -> str:
    if getattr(response, "status_code", 0) in (301, 302):
        return " → " + response["Location"]
    return ""


@pytest.fixture
def clients(world) -> dict[str, CsrfClient]:
    """A browser per role, holding its session as the world made it: a request that
    signed someone out or renewed their session in an earlier test left no trace."""
    made = {}
    for role, session in world.sessions.items():
        made[role] = browser = CsrfClient()
        if session is not None:
            browser.cookies[settings.SESSION_COOKIE_NAME] = session
    return made


def _walk(clients, url, expected, method, data=None) -> list[str]:
    wrong = []
    for role in ROLES:
        browser = clients[role]
        if method == "POST" and settings.CSRF_COOKIE_NAME not in browser.cookies:
            browser.get(reverse("account_reset_password"))  # a page with a form: the token

        def send(browser=browser):
            return browser.get(url) if method == "GET" else browser.post(url, data)

        status, response = _isolated(send)
        if status == 500:
            wrong.append(f"{method} {role}: expected {expected[role]!r}, raised {response}")
        elif not expected[role].matches(response):
            wrong.append(
                f"{method} {role}: expected {expected[role]!r}, got {status}{_where(response)}"
            )
    return wrong


@pytest.mark.parametrize("key", sorted(TABLE))
def test_each_role_gets_what_the_table_says(world, clients, key):
    row = TABLE[key]
    endpoint = next((e for e in endpoints() if e.key == key), None)
    assert endpoint is not None, f"{key} is no longer an address of the site"
    url = address(endpoint, row.kwargs(world))
    wrong = _walk(clients, url, row.get, "GET")
    if row.post is not None:
        wrong += _walk(clients, url, row.post, "POST", row.data(world))
    assert not wrong, f"{url}\n  " + "\n  ".join(wrong)


# --- English mirrors French ------------------------------------------------------------------


def test_every_english_address_is_the_french_one_under_en(world):
    for endpoint in endpoints():
        if not endpoint.i18n or not endpoint.pattern.name:
            continue
        kwargs = TABLE[endpoint.key].kwargs(world)
        with translation.override("fr"):
            french = reverse(endpoint.key, kwargs=kwargs)
        with translation.override("en"):
            english = reverse(endpoint.key, kwargs=kwargs)
        assert english == "/en" + french, endpoint.key


@pytest.mark.parametrize(
    ("role", "to"),
    [
        ("anonymous", "/en/accounts/login/"),
        ("moderator_no_mfa", "/en/accounts/2fa/totp/activate/"),
        ("moderator_unpassed", "/en/accounts/2fa/reauthenticate/"),
    ],
)
def test_the_english_desk_sends_to_english_pages(clients, role, to):
    response = clients[role].get("/en/moderation/")
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == to


def test_the_english_desk_opens_to_a_moderator_past_the_second_factor(clients):
    response = clients["moderator"].get("/en/moderation/")
    assert response.status_code == 200
    assert response.content.decode().count('lang="en"') >= 1
