"""A member acknowledges a statement of reasons shown at the top of their pages."""

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from ..context_processors import unread_notices
from ..models import Notification
from .access import MAX_ID
from .site import referring_page


def _page_to_return_to(request) -> str:
    """The page the notice was read on (the form's ``next``, same site only), or home."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return referring_page(request) or reverse("articles:home")


@require_POST
def mark_read(request, pk):
    """Mark one of the member's own notices read; it stops showing on their pages."""
    back = _page_to_return_to(request)
    if not request.user.is_authenticated:
        if request.htmx:
            return HttpResponseClientRedirect(
                reverse("account_login") + "?" + urlencode({"next": back})
            )
        return redirect_to_login(back)
    if pk > MAX_ID:
        raise Http404(_("There is no such message."))
    # Someone else's notice is as unknown as a missing one.
    notice = get_object_or_404(Notification, pk=pk, recipient=request.user)
    Notification.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=timezone.now())
    if not request.htmx:
        return redirect(back)
    # The notices that remain, in place of those shown; focus on them while any remain.
    context = {
        "notices": unread_notices(request.user),
        "notices_next": back,
        "focus_notices": True,
    }
    response = render(request, "forum/notices.html", context)
    if context["notices"]:  # else the fragment says it where focus lands
        trigger_client_event(
            response, "agora:announce", {"message": _("Marked as read.")}, after="settle"
        )
    return response
