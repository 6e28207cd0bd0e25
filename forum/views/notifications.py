"""The member's inbox, the header's unread count, statements acknowledged from the banner,
and the e-mails' one-click unsubscribe link."""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from .. import notifications
from ..context_processors import unread_notices
from ..models import Notification
from .access import MAX_ID
from .site import referring_page, same_site_path


def _page_to_return_to(request) -> str:
    """The page the notification was read on (the form's ``next``, same site only), or home."""
    return (
        same_site_path(request, request.POST.get("next", ""))
        or referring_page(request)
        or reverse("articles:home")
    )


def _sign_in_first(request, back: str):
    if request.htmx:
        return HttpResponseClientRedirect(
            reverse("account_login") + "?" + urlencode({"next": back})
        )
    return redirect_to_login(back)


def _count_link(request) -> str:
    """The header's link to the inbox, to swap out of band after an action."""
    return render_to_string("base.html#inbox-link", {"oob": True}, request=request)


@require_safe
@login_required
def inbox(request):
    """The member's notifications, newest first, 30 at a time."""
    before = request.GET.get("before", "")
    if before and not (before.isdigit() and int(before) <= MAX_ID):
        raise Http404(_("There is no such page of notifications."))
    rows, more = notifications.inbox(request.user, before=int(before) if before else None)
    for notification in rows:
        notification.headline = notifications.headline(notification, request.user)
        notification.link = notifications.link_of(notification)
    context = {"notifications": rows, "more": more, "older_page": bool(before)}
    return render(request, "forum/inbox.html", context)


@require_safe
@login_required
def inbox_link(request):
    """The header's link with its unread count, for htmx to refresh now and then."""
    return render(request, "base.html#inbox-link")


@require_POST
def mark_read(request, pk):
    """Mark one of the member's own notifications read (with the unread replies it stands
    for): from the moderators' banner, or from the inbox."""
    back = _page_to_return_to(request)
    if not request.user.is_authenticated:
        return _sign_in_first(request, back)
    if pk > MAX_ID:
        raise Http404(_("There is no such message."))
    # Someone else's notification is as unknown as a missing one.
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notifications.mark_read(request.user, notification)
    if not request.htmx:
        return redirect(back)
    if request.POST.get("from") == "inbox":
        notification.read_at = timezone.now()
        notification.headline = notifications.headline(notification, request.user)
        notification.link = notifications.link_of(notification)
        context = {"notification": notification, "focus": True}
        response = render(request, "forum/inbox.html#item", context)
        response.write(_count_link(request))
        trigger_client_event(
            response, "agora:announce", {"message": _("Marked as read.")}, after="settle"
        )
        return response
    # The statements that remain, in place of those shown; focus on them while any remain.
    context = {
        "notices": unread_notices(request.user),
        "notices_next": back,
        "focus_notices": True,
    }
    response = render(request, "forum/notices.html", context)
    response.write(_count_link(request))
    if context["notices"]:  # else the fragment says it where focus lands
        trigger_client_event(
            response, "agora:announce", {"message": _("Marked as read.")}, after="settle"
        )
    return response


@require_POST
def mark_all_read(request):
    back = reverse("forum:notifications")
    if not request.user.is_authenticated:
        return _sign_in_first(request, back)
    notifications.mark_all_read(request.user)
    if request.htmx:
        return HttpResponseClientRedirect(back)
    return redirect(back)


# A mail client's one-click unsubscribe (RFC 8058) posts without any token of ours: the
# signed link is the proof, and it can only turn e-mail off.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET asks (a link scanner must not unsubscribe anyone); POST, from the page's button or
    from the mail client, turns the e-mails off at once. No sign-in needed."""
    found = notifications.read_unsubscribe_token(token)
    if found is None:
        return render(request, "forum/unsubscribe.html", {"invalid": True}, status=404)
    member, what, target = found
    context = {"token": token, "digest": what == notifications.DIGEST}
    if target is None:
        context["what"] = notifications.PREFERENCES.get(what, "")
    else:
        context["followed"] = notifications.followed_thing(what, target)
        if not context["followed"]:  # the question or answer is gone: nothing to stop
            return render(request, "forum/unsubscribe.html", {"invalid": True}, status=404)
    if request.method == "POST":
        notifications.unsubscribe(member, what, target)
        context["done"] = True
    return render(request, "forum/unsubscribe.html", context)
