from django.conf import settings
from django.core.cache import cache
from django.urls import reverse, translate_url
from django.utils.functional import SimpleLazyObject

from .models import Appeal, Notification
from .moderation.appeals import appeal_refusal
from .moderation.queue import waiting_count as count_waiting
from .moderation.statements import subject_of


def site(request):
    """Canonical and alternate-language absolute links of the current page.

    The alternates cost a resolve and a reverse per language: they are
    computed only when a full page prints them, not for htmx fragments."""
    path = request.path

    def alternates():
        return [
            (code, settings.SITE_URL + translate_url(path, code))
            for code, _name in settings.LANGUAGES
        ]

    def language_links():
        full_path = request.get_full_path()
        return [(code, translate_url(full_path, code)) for code, _name in settings.LANGUAGES]

    return {
        "SITE_URL": settings.SITE_URL,
        "canonical_url": settings.SITE_URL + path,
        "alternate_urls": SimpleLazyObject(alternates),
        "language_links": SimpleLazyObject(language_links),
    }


# The header's count of answers waiting for a moderator, shared by every moderator's pages
# for this long: two counts per page view of every moderator would be paid for nothing.
WAITING_COUNT_SECONDS = 10
# Whether a member moderates, remembered this long: the header asks on every signed-in
# page, and almost nobody does. A member just added to (or removed from) the group sees
# the link change within a minute; the desk itself always asks the database.
IS_MODERATOR_SECONDS = 60
# Notices shown at once: a member whose answers were removed one by one may have dozens;
# the rest follow as these are read.
NOTICES_SHOWN = 5


def moderation(request):
    """The header's link to the queue (moderators only) and the banner of unread statements
    of reasons (signed-in members). Lazy: a page that prints neither asks nothing, and an
    anonymous reader is never asked about."""
    return {
        "shows_moderation": SimpleLazyObject(lambda: sees_the_desk(request.user)),
        "moderation_waiting": SimpleLazyObject(waiting_count),
        "notices": SimpleLazyObject(
            lambda: unread_notices(request.user, count=unread_count_for(request))
        ),
    }


def inbox(request):
    """The header's count of unread notifications (a signed-in member's pages only; asked
    once per request, when the header prints it)."""
    # A callable, which the template calls when it prints the count (a lazy object would
    # not do: plural forms need a real number).
    return {"unread_notifications": lambda: unread_count_for(request)}


def remember_unread_count(request, count: int) -> None:
    """The header's count, already read with something else: it need not be asked again."""
    request._unread_notifications = count


def unread_count_for(request) -> int:
    from .notifications import unread_count

    if not request.user.is_authenticated:
        return 0
    if not hasattr(request, "_unread_notifications"):
        request._unread_notifications = unread_count(request.user)
    return request._unread_notifications


def sees_the_desk(user) -> bool:
    """Whether the header links to the moderation queue for ``user``."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.knows_if_moderator():  # known without asking
        return user.is_moderator
    key = f"moderation:is-moderator:{user.pk}"
    known = cache.get(key)
    if known is None:
        known = user.is_moderator
        cache.set(key, known, IS_MODERATOR_SECONDS)
    return known


def waiting_count() -> int:
    """forum.moderation.queue.waiting_count, cached for a few seconds."""
    return cache.get_or_set("moderation:waiting", count_waiting, WAITING_COUNT_SECONDS)


def unread_notices(user, *, count: int | None = None) -> "Notices":
    """The statements of reasons ``user`` has not acknowledged yet, newest first, with what
    they are about, in one query (none for an anonymous reader, nor when the header's
    ``count`` of unread notifications is 0; one more for a member shown a restriction, to
    say whether they appealed it)."""
    if not user.is_authenticated or count == 0:
        return Notices([], more=False)
    rows = list(
        Notification.objects.filter(
            recipient=user,
            read_at__isnull=True,
            kind__in=(Notification.Kind.DECISION, Notification.Kind.WARNING),
        )
        .select_related("action__answer__question__article", "action__question__article")
        .defer("action__answer__body", "action__answer__body_html")
        .order_by("-created_at", "-id")[: NOTICES_SHOWN + 1]
    )
    # Which of the decisions shown the member appealed already: a query only for a member
    # shown a restriction (whose statement links to the appeal).
    restrictions = [
        n.action_id for n in rows[:NOTICES_SHOWN] if n.action and n.action.is_restriction
    ]
    appealed = (
        set(
            Appeal.objects.filter(action__in=restrictions, appellant=user).values_list(
                "action", flat=True
            )
        )
        if restrictions
        else set()
    )
    for notice in rows[:NOTICES_SHOWN]:
        notice.title = subject_of(notice.action) if notice.action else ""
        notice.appealed = notice.action_id in appealed
        notice.appeal_url = _appeal_url(user, notice)
    return Notices(rows[:NOTICES_SHOWN], more=len(rows) > NOTICES_SHOWN)


def _appeal_url(user, notice) -> str:
    """Where to appeal the decision a statement explains, while the member may; else ""."""
    action = notice.action
    if action is None or appeal_refusal(user, action, appealed=notice.appealed):
        return ""
    return reverse("moderation:appeal", kwargs={"action_id": action.pk})


class Notices(list):
    """A page's unread notices; ``more`` when others wait behind them."""

    def __init__(self, notices, *, more: bool):
        super().__init__(notices)
        self.more = more
