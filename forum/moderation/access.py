"""Who may open the moderator's desk: moderators (the ``moderators`` group, or staff) with a
second factor enrolled and passed in this session. allauth offers MFA but leaves enforcing
it to the site; this decorator does, sending the moderator to enrol or to the second factor
and back."""

import functools
from urllib.parse import urlsplit

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from ..models import Answer, User
from ..rules import moderating_refusal
from ..views.access import MAX_ID

# Where to come back after enrolling: allauth's activation page ends on its own pages.
RETURN_SESSION_KEY = "moderation_return_to"


def has_passed_mfa(request) -> bool:
    """Whether this session's sign-in (or a later re-authentication) used a second factor."""
    return any(
        record.get("method") == "mfa"
        for record in get_authentication_records(request, request.user)
    )


def has_enrolled_mfa(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def moderator_required(view):
    """The view is the desk's: moderators only, past their second factor."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _redirect(request, None)
        if refusal := moderating_refusal(request.user):
            raise PermissionDenied(refusal)
        if not has_enrolled_mfa(request.user):
            request.session[RETURN_SESSION_KEY] = _here(request)
            return _redirect(request, reverse("mfa_activate_totp"))
        if not has_passed_mfa(request):
            url = reverse("mfa_reauthenticate") + "?" + urlencode({"next": _here(request)})
            return _redirect(request, url)
        return_after_enrolment(request)  # back at the desk: the "continue" link has served
        return view(request, *args, **kwargs)

    return wrapped


def _here(request) -> str:
    """The page to come back to: the page itself; for a form's POST, or for a fragment htmx
    asked for, the page the moderator was on (this site's only)."""
    if request.method == "GET" and not request.htmx:
        return request.get_full_path()
    page = (request.htmx and request.htmx.current_url) or request.headers.get("referer", "")
    if page and url_has_allowed_host_and_scheme(page, {request.get_host()}, request.is_secure()):
        parts = urlsplit(page)  # its path is enough, and shorter
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.get_full_path() if request.method == "GET" else reverse("moderation:queue")


def _redirect(request, url: str | None):
    if url is None:
        if request.htmx:
            login = reverse("account_login") + "?" + urlencode({"next": _here(request)})
            return HttpResponseClientRedirect(login)
        return redirect_to_login(_here(request))
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def return_after_enrolment(request) -> str | None:
    """Where a moderator sent to enrol was going (once), or None. allauth's activation ends
    on its recovery-codes page (or its MFA index): templates/mfa/ show a link back there
    while the session holds it."""
    return request.session.pop(RETURN_SESSION_KEY, None)


def passed_on_enrolment(sender, request, user, authenticator, **kwargs) -> None:
    """allauth's ``authenticator_added``: activating an authenticator app takes a valid code
    from it, so the session has just passed its second factor; record it as allauth records
    a sign-in with one, and the desk need not ask for another code at once."""
    if authenticator.type == Authenticator.Type.TOTP and request is not None:
        record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)


def access_member(username: str) -> User:
    if "\x00" in username:  # no pseudonym holds one, and PostgreSQL refuses to compare it
        raise Http404(_("There is no such member."))
    member = get_object_or_404(User, username=username)
    if member.is_anonymised:
        raise Http404(_("There is no such member."))
    return member


def access_any_answer(pk: int) -> Answer:
    """Any answer, whatever its status: moderators see everything."""
    if pk > MAX_ID:
        raise Http404(_("There is no such answer."))
    return get_object_or_404(
        Answer.objects.select_related("author", "question__article", "parent__author"), pk=pk
    )
