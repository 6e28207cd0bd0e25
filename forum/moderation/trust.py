"""Trust: what a member's record says about them, in a few named levels. It decides whether
their answers wait for review under the "pre-new" policy, whether their links do, and what
their flags weigh. Computed from rows (answers, flags upheld against them, sanctions), so it
follows the record without a counter of its own; the thresholds are settings."""

from datetime import timedelta
from enum import IntEnum

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Answer, Flag, ModerationAction, User


class Level(IntEnum):
    NEW = 0
    MEMBER = 1
    TRUSTED = 2

    @property
    def label(self) -> str:
        return str(LABELS[self])


LABELS = {
    Level.NEW: _("new member"),
    Level.MEMBER: _("member"),
    Level.TRUSTED: _("trusted member"),
}
BY_NAME = {"new": Level.NEW, "member": Level.MEMBER, "trusted": Level.TRUSTED}
# What counts against a member for TRUST_MEMORY_DAYS: a sanction, lifted or not.
SANCTIONS = (
    ModerationAction.Verb.WARN,
    ModerationAction.Verb.PREMODERATE,
    ModerationAction.Verb.SUSPEND,
    ModerationAction.Verb.BAN,
    ModerationAction.Verb.SPAM_BAN,
)


def trust_level(member: User) -> Level:
    """The member's level now: two small queries (their answers, what stands against them)."""
    if not member.is_authenticated:
        return Level.NEW
    now = timezone.now()
    age = now - member.date_joined
    since = now - timedelta(days=settings.TRUST_MEMORY_DAYS)
    against = (
        Flag.objects.filter(
            answer__author=member, status=Flag.Status.UPHELD, created_at__gte=since
        ).exists()
        or ModerationAction.objects.filter(
            member=member, verb__in=SANCTIONS, created_at__gte=since
        ).exists()
    )
    if against:
        return Level.NEW
    approved = Answer.objects.filter(author=member, status=Answer.Status.PUBLISHED).aggregate(
        n=Count("pk")
    )["n"]
    return level_for(approved=approved, age=age)


def level_for(*, approved: int, age: timedelta) -> Level:
    """The level earned by this many published answers and an account this old."""
    if approved >= settings.TRUST_TRUSTED_ANSWERS and age >= timedelta(
        days=settings.TRUST_TRUSTED_DAYS
    ):
        return Level.TRUSTED
    if approved >= settings.TRUST_MEMBER_ANSWERS and age >= timedelta(
        days=settings.TRUST_MEMBER_DAYS
    ):
        return Level.MEMBER
    return Level.NEW


def links_level() -> Level:
    """Below this level, an answer with a link waits for review."""
    return BY_NAME[settings.TRUST_LINKS_LEVEL]


def flag_weight(member: User) -> int:
    """What the member's flag weighs: 1 from a new member, 2 from a member, 3 from one whose
    past flags moderators mostly upheld (FLAG_TRUSTED_UPHELD upheld at least, and twice as
    many upheld as dismissed)."""
    if trust_level(member) == Level.NEW:
        return 1
    decided = Flag.objects.filter(reporter=member).aggregate(
        upheld=Count("pk", filter=Q(status=Flag.Status.UPHELD)),
        dismissed=Count("pk", filter=Q(status=Flag.Status.DISMISSED)),
    )
    if decided["upheld"] >= settings.FLAG_TRUSTED_UPHELD and (
        decided["upheld"] >= 2 * decided["dismissed"]
    ):
        return 3
    return 2
