"""Sessions read with the member they sign in: one query where Django makes two.

Every signed-in request reads its session, then its member (Django's authentication).
Django's documented way to extend database sessions is a session model of one's own
(forum.models.MemberSession): ours keeps the member's id beside the session data, so
both come back in one statement. Sessions stay in the database only (not cached in
Redis): a sign-out made while Redis is down must hold when it comes back.

Settings: ``SESSION_ENGINE = "forum.sessions"`` and this module's AuthenticationMiddleware
in place of Django's.
"""

from functools import cache

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthentication
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from .models import MemberSession, User, all_fields, instance_from_row, select_columns


@cache
def _read_sql() -> str:
    """The session with its member's row, if it names one (all the member's columns, as
    Django's authentication reads them)."""
    # Table and column names from the models; the values are parameters.
    sessions, members = MemberSession._meta.db_table, User._meta.db_table
    return (
        f"SELECT s.session_data, {select_columns('u', User)} FROM {sessions} s "  # noqa: S608
        f"LEFT JOIN {members} u ON u.id = s.member_id "
        "WHERE s.session_key = %s AND s.expire_date > %s"
    )


class SessionStore(DatabaseSessionStore):
    """Django's database sessions, in forum_membersession, read with their member."""

    # The member the session row names, read with it (None: nobody, or not read yet).
    member: User | None = None

    @classmethod
    def get_model_class(cls):
        return MemberSession

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        session.member_id = _member_id(data.get(SESSION_KEY))
        return session

    def _get_session_from_db(self):
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(_read_sql(), [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None  # as Django's: a new key if anything is saved
            return None
        session_data, *member = row
        if member[0] is not None:  # the id: a LEFT JOIN gives NULLs for a reader's session
            self.member = instance_from_row(User, all_fields(User), member)
        return MemberSession(session_key=self.session_key, session_data=session_data)


def _member_id(value) -> int | None:
    """The member id a session's data names (Django keeps it as a string), if any."""
    try:
        return User._meta.pk.to_python(value) if value is not None else None
    except ValidationError:  # not an id: the row names nobody, and Django decides
        return None


def signed_in_member(request):
    """django.contrib.auth.get_user, without its query when the session brought the member
    along and Django would accept them as they are: the backend they signed in with is
    still configured, it lets them in (an active account), and the session holds the
    hash of their current password under the current secret key. Anything else (no
    member, a hash made with an old key, a changed password) is left to Django's own
    get_user, which reads the member again and cycles or ends the session as it should."""
    session = request.session
    try:
        names = _member_id(session[SESSION_KEY])  # loads the session, and its member
        backend_path = session[BACKEND_SESSION_KEY]
    except KeyError:
        return auth.get_user(request)
    member = getattr(session, "member", None)
    if (
        member is None
        or member.pk != names
        or backend_path not in settings.AUTHENTICATION_BACKENDS
        or not load_backend(backend_path).user_can_authenticate(member)
    ):
        return auth.get_user(request)
    session_hash = session.get(HASH_SESSION_KEY)
    if session_hash and constant_time_compare(session_hash, member.get_session_auth_hash()):
        return member
    return auth.get_user(request)


class AuthenticationMiddleware(DjangoAuthentication):
    """Django's, with request.user from signed_in_member."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _cached_member(request))


def _cached_member(request):
    # The attribute Django's own middleware caches the user in (auth.login and others
    # replace request.user itself, which this leaves alone).
    if not hasattr(request, "_cached_user"):
        request._cached_user = signed_in_member(request)
    return request._cached_user
