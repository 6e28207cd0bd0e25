"""The transparency report (public, a page and its CSV) and the statements of reasons'
export (staff past their second factor)."""

import csv
import re
from datetime import UTC, date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.dateformat import format as format_date
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ..views.site import bad_request
from . import report as figures
from . import sor
from .access import moderator_required

DAY_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")


def _month_asked(request) -> date | None:
    value = request.GET.get("month", "")
    return figures.current_month() if not value else figures.parse_month(value)


def _no_such_month(request):
    return bad_request(
        request, _("There is no report for this month: ask for a past month as YYYY-MM.")
    )


@require_safe
def report(request):
    """One month's figures (the current month unless ``?month=YYYY-MM``)."""
    month = _month_asked(request)
    if month is None:
        return _no_such_month(request)
    result = figures.monthly_report(month)
    context = {
        "report": result,
        "month": month,
        "months": figures.months_with_data(),
        "is_current": month == figures.current_month(),
        "totals": [
            (_("Notices received"), result.section("notices").total),
            (_("Flags"), result.section("flags").total),
            (_("Decisions and sanctions"), result.section("sources").total),
            (_("Appeals"), result.section("appeals").rows[0].count),
        ],
        "median_wait": _duration(result.median_wait),
    }
    return render(request, "moderation/report.html", context)


def _duration(wait: timedelta | None) -> str:
    """ "3 hours, 20 minutes", in the reader's language (the two largest units)."""
    if wait is None:
        return ""
    if wait < timedelta(minutes=1):
        return _("less than a minute")
    start = datetime(2000, 1, 1, tzinfo=UTC)
    return timesince(start, start + wait, depth=2)


@require_safe
def report_csv(request):
    """The same figures as CSV: one row per (section, key, count) under a header row."""
    month = _month_asked(request)
    if month is None:
        return _no_such_month(request)
    result = figures.monthly_report(month)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"agora-transparency-{format_date(month, 'Y-m')}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(["section", "key", "count"])
    writer.writerows(result.csv_rows())
    return response


@require_safe
@moderator_required
def statements(request):
    """Every statement of reasons (``?since=YYYY-MM-DD`` for those decided that day or
    later) as JSON Lines, in the EU Transparency Database's shape: staff only."""
    if not request.user.is_staff:
        raise PermissionDenied(_("Only staff may download the statements of reasons."))
    since = None
    value = request.GET.get("since", "")
    if value:
        try:
            since = date.fromisoformat(value) if DAY_PATTERN.fullmatch(value) else None
        except ValueError:
            since = None
        if since is None:
            return bad_request(request, _("Give the first day as YYYY-MM-DD."))
    response = StreamingHttpResponse(
        sor.as_json_lines(sor.statements(since)), content_type="application/jsonl; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="agora-statements-of-reasons.jsonl"'
    return response
