"""The transparency report (DSA art. 15): what the moderators received and decided, month by
month, in the site's time zone.

Every figure is counted from the rows themselves — the append-only log (``ModerationAction``)
and the notices, flags and appeals — by a fixed number of aggregate queries (GROUP BY), however
busy the month was; nothing is counted on the side. A flag its author withdrew is gone (its
row is deleted) and is not counted."""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Appeal, Flag, ModerationAction, Notice

Verb = ModerationAction.Verb
Source = ModerationAction.Source

# What the log holds, in the report's three tables of decisions.
SANCTION_VERBS = (
    Verb.WARN, Verb.PREMODERATE, Verb.SUSPEND, Verb.BAN, Verb.SPAM_BAN, Verb.LIFT,
)  # fmt: skip
APPEAL_VERBS = (Verb.UPHOLD, Verb.REVERSE)
DECISION_VERBS = tuple(v for v in Verb if v not in SANCTION_VERBS + APPEAL_VERBS)

# Months before this are a forged address, not a report (and their dates would overflow
# some databases' conversions to UTC near year 1).
FIRST_YEAR = 2000
MONTH_PATTERN = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True)
class Row:
    key: str  # the value in the database, and in the CSV
    label: str
    count: int


@dataclass(frozen=True)
class Section:
    key: str  # the CSV's name for it
    title: str
    heading: str  # what the first column holds
    rows: tuple[Row, ...]

    @property
    def total(self) -> int:
        return sum(row.count for row in self.rows)


@dataclass(frozen=True)
class Report:
    month: date  # its first day
    sections: tuple[Section, ...]
    notices_decided: int
    notices_acted: int
    notices_rejected: int
    median_wait: timedelta | None  # notice to decision, for the notices decided this month

    def section(self, key: str) -> Section:
        return next(section for section in self.sections if section.key == key)

    def csv_rows(self):
        """(section, key, count) for every figure, the median in whole seconds ("" when no
        notice was decided)."""
        for section in self.sections:
            for row in section.rows:
                yield section.key, row.key, row.count
        yield "notice_decisions", "acted", self.notices_acted
        yield "notice_decisions", "rejected", self.notices_rejected
        median = "" if self.median_wait is None else round(self.median_wait.total_seconds())
        yield "notice_decisions", "median_seconds", median


# --- Months -----------------------------------------------------------------------------


def current_month() -> date:
    """The first day of this month, where the site is (settings.TIME_ZONE)."""
    today = timezone.localtime(timezone.now(), timezone.get_default_timezone()).date()
    return today.replace(day=1)


def parse_month(value: str) -> date | None:
    """``YYYY-MM`` as the first day of that month; None unless it is a month that has begun
    (and not one before FIRST_YEAR)."""
    match = MONTH_PATTERN.fullmatch(value)
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if year < FIRST_YEAR or not 1 <= month <= 12:
        return None
    first = date(year, month, 1)
    return first if first <= current_month() else None


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's, in the site's time zone: a decision
    at 23:59:59 on its last day (Paris time) is that month's."""
    zone = timezone.get_default_timezone()
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return (
        timezone.make_aware(datetime(month.year, month.month, 1), zone),
        timezone.make_aware(datetime(following.year, following.month, 1), zone),
    )


def months_with_data() -> list[date]:
    """Months (newest first) in which anything was noticed, flagged, appealed or decided,
    and always the current one: one query."""
    zone = timezone.get_default_timezone()

    def months(model, field="created_at"):
        return (
            model.objects.annotate(month=TruncMonth(field, tzinfo=zone))
            .order_by()
            .values_list("month", flat=True)
        )

    found = months(ModerationAction).union(months(Notice), months(Flag), months(Appeal)).order_by()
    dates = {_as_date(value) for value in found}
    dates.add(current_month())
    return sorted(dates, reverse=True)


def _as_date(value) -> date:
    # TruncMonth gives an aware datetime on PostgreSQL, and on SQLite inside a UNION a
    # string the backend's converters never see.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.date() if isinstance(value, datetime) else value


# --- The figures ---------------------------------------------------------------------------


def monthly_report(month: date) -> Report:
    """Every figure of one month, in six queries (five counts and the median) whatever the
    month holds."""
    start, end = month_bounds(month)
    in_month = {"created_at__gte": start, "created_at__lt": end}

    notices = _counts(Notice.objects.filter(**in_month), "ground")
    flags = _counts(Flag.objects.filter(**in_month), "reason")
    by_verb, by_source = {}, {}
    for verb, source, n in (
        ModerationAction.objects.filter(**in_month)
        .order_by()  # the log's default order would join the GROUP BY
        .values("verb", "source")
        .annotate(n=Count("pk"))
        .values_list("verb", "source", "n")
    ):
        by_verb[verb] = by_verb.get(verb, 0) + n
        by_source[source] = by_source.get(source, 0) + n
    appeals = Appeal.objects.filter(**in_month).aggregate(
        received=Count("pk"), from_notifiers=Count("pk", filter=Q(notice__isnull=False))
    )

    decided = Notice.objects.filter(decided_at__gte=start, decided_at__lt=end)
    outcome = decided.aggregate(
        n=Count("pk"), rejected=Count("pk", filter=Q(decision__verb=Verb.REJECT_NOTICE))
    )

    def rows(choices, counts):
        return tuple(Row(value, label, counts.get(value, 0)) for value, label in choices)

    sections = (
        Section("notices", _("Notices of illegal content received"), _("Legal ground"),
                rows(Notice.Ground.choices, notices)),
        Section("flags", _("Flags from members"), _("Reason"), rows(Flag.Reason.choices, flags)),
        Section("decisions", _("Decisions by type"), _("Type of decision"),
                rows(_choices(DECISION_VERBS), by_verb)),
        Section("sources", _("Decisions and sanctions by what led to them"), _("Source"),
                rows(Source.choices, by_source)),
        Section("sanctions", _("Sanctions on members"), _("Type of sanction"),
                rows(_choices(SANCTION_VERBS), by_verb)),
        Section("appeals", _("Appeals"), _("Appeals"), (
            Row("received", _("appeals received"), appeals["received"]),
            Row("from_notifiers", _("of which from notifiers contesting a decision not to act"),
                appeals["from_notifiers"]),
            Row(Verb.UPHOLD, _("decisions upheld on appeal"), by_verb.get(Verb.UPHOLD, 0)),
            Row(Verb.REVERSE, _("decisions reversed on appeal"), by_verb.get(Verb.REVERSE, 0)),
        )),
    )  # fmt: skip
    return Report(
        month=month,
        sections=sections,
        notices_decided=outcome["n"],
        notices_acted=outcome["n"] - outcome["rejected"],
        notices_rejected=outcome["rejected"],
        median_wait=_median_wait(decided, outcome["n"]),
    )


def _counts(queryset, field: str) -> dict[str, int]:
    return dict(queryset.order_by().values(field).annotate(n=Count("pk")).values_list(field, "n"))


def _choices(verbs) -> list[tuple[str, str]]:
    return [(verb, Verb(verb).label) for verb in verbs]


def _median_wait(decided, count: int) -> timedelta | None:
    """The median time from notice to decision, read by the database in order: the middle
    one or two rows, never the whole month."""
    if not count:
        return None
    waits = (
        decided.annotate(
            wait=ExpressionWrapper(F("decided_at") - F("created_at"), output_field=DurationField())
        )
        .order_by("wait", "pk")
        .values_list("wait", flat=True)
    )
    middle = list(waits[(count - 1) // 2 : count // 2 + 1])
    return sum(middle, timedelta()) / len(middle)
