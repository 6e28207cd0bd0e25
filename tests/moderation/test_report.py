"""The transparency report (DSA art. 15): a month's figures, counted from the moderation log
and the notices, flags and appeals; a public page and its CSV."""

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forum.models import MODERATORS_GROUP, Flag, ModerationAction, Notice
from forum.moderation.actions import do_decide, do_flag, do_sanction
from forum.moderation.appeals import do_appeal, do_contest, do_decide_appeal
from forum.moderation.notices import do_act_on_notice, do_notify, do_reject_notice
from forum.moderation.report import current_month, monthly_report, months_with_data
from tests.factories import make_answer, make_article, make_member, make_question
from tests.pages import soup, text_of

REPORT = "/moderation/report/"
CSV = "/moderation/report.csv"


@pytest.fixture
def topic(db):
    return make_question(make_article(title="La guerre des puces"), text="Faut-il s’en inquiéter ?")


def second_moderator():
    member = make_member("modo2")
    member.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    return member


def remove(moderator, answer, verb="remove", rule="abuse"):
    answer.refresh_from_db()
    return do_decide(
        moderator=moderator, answer=answer, verb=verb, seen_version=answer.version,
        rule=rule, reason="Contraire aux règles du débat.",
    )  # fmt: skip


@pytest.fixture
def month_of_work(topic, alice, bob, charlie, moderator):
    """A month of moderation, through the site's own workflows."""
    louis = make_member("louis")
    spam, abuse, hateful, harmless = (
        make_answer(topic, author) for author in (bob, bob, alice, alice)
    )
    do_flag(reporter=charlie, answer=spam, reason="spam")
    do_flag(reporter=louis, answer=spam, reason="spam")
    do_flag(reporter=charlie, answer=abuse, reason="abuse")
    remove(moderator, spam, verb="spam", rule="spam")  # on flags
    remove(moderator, abuse)  # on a flag
    hate = do_notify(answer=hateful, ground="hate_speech", explanation="Appel à la haine.")
    do_notify(answer=hateful, ground="defamation", explanation="Accusation sans preuve.")
    unfounded = do_notify(answer=harmless, ground="privacy", explanation="Mon nom y figure.")
    hateful.refresh_from_db()
    do_act_on_notice(  # one removal answers both notices on the answer
        moderator=moderator, notice=hate, seen_version=hateful.version, reason="Propos haineux."
    )
    do_reject_notice(moderator=moderator, notice=unfounded, reason="Aucun nom n’y figure.")
    do_sanction(moderator=moderator, member=bob, verb="warn", reason="Restez courtois.")
    suspension = do_sanction(
        moderator=moderator, member=bob, verb="suspend", reason="Récidive.",
        until=timezone.now() + timedelta(days=3),
    )  # fmt: skip
    appeal = do_appeal(appellant=bob, action=suspension, text="Je conteste.")
    do_decide_appeal(  # a reversal lifts the suspension: REVERSE, then LIFT
        moderator=second_moderator(), appeal=appeal, verb="reverse", reason="Sanction trop lourde."
    )
    unfounded.refresh_from_db()
    do_contest(notice=unfounded, text="Mon nom y figure bien.")


def figures(response) -> dict[str, dict[str, int]]:
    """Each table of the page: {section: {row label: number}}."""
    tables = {}
    for section in soup(response).select("section.report__section"):
        rows = section.select("tbody tr")
        if rows:
            tables[section["aria-labelledby"].removeprefix("report-")] = {
                row.th.text.strip(): int(row.td.text) for row in rows
            }
    return tables


def nonzero(table: dict[str, int]) -> dict[str, int]:
    return {label: n for label, n in table.items() if n}


def test_the_report_shows_what_the_moderators_did_this_month(client, month_of_work):
    response = client.get("/en" + REPORT)
    assert response.status_code == 200
    tables = figures(response)
    assert nonzero(tables["notices"]) == {
        "Hate speech": 1,
        "Defamation": 1,
        "Privacy or personal data": 1,
    }
    assert tables["notices"]["Terrorist content"] == 0  # every ground is listed
    assert nonzero(tables["flags"]) == {"Spam": 2, "Harassment or abuse": 1}
    assert nonzero(tables["decisions"]) == {
        "Marked as spam": 1,
        "Removed": 2,
        "No action on a notice": 1,
    }
    assert nonzero(tables["sanctions"]) == {"Warned": 1, "Suspended": 1, "Sanction lifted": 1}
    assert nonzero(tables["sources"]) == {
        "Flags from members": 2,
        "A notice of illegal content": 2,
        "A moderator’s own initiative": 3,  # the warning, the suspension, the lift
        "An appeal": 1,
    }
    assert tables["appeals"] == {
        "Appeals received": 2,
        "Of which from notifiers contesting a decision not to act": 1,
        "Decisions upheld on appeal": 0,
        "Decisions reversed on appeal": 1,
    }
    text = text_of(response)
    assert "3 notices decided this month: acted upon 2, no action 1." in text
    assert "Median time from a notice to its decision:" in text


def test_the_totals_head_the_page(client, month_of_work):
    totals = {
        item.dt.text: int(item.dd.text)
        for item in soup(client.get("/en" + REPORT)).select(".report__totals div")
    }
    assert totals == {"Notices received": 3, "Flags": 3, "Decisions and sanctions": 8, "Appeals": 2}


def test_the_csv_has_a_row_per_figure(client, month_of_work):
    month = current_month().strftime("%Y-%m")
    response = client.get(CSV, {"month": month})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"] == f'attachment; filename="agora-transparency-{month}.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "key", "count"]
    counted = {(section, key): count for section, key, count in rows[1:]}
    assert counted["notices", "hate_speech"] == "1"
    assert counted["notices", "terrorism"] == "0"
    assert counted["flags", "spam"] == "2"
    assert counted["decisions", "remove"] == "2"
    assert counted["sources", "notice"] == "2"
    assert counted["sanctions", "suspend"] == "1"
    assert counted["appeals", "received"] == "2"
    assert counted["appeals", "reverse"] == "1"
    assert counted["notice_decisions", "acted"] == "2"
    assert counted["notice_decisions", "rejected"] == "1"
    assert counted["notice_decisions", "median_seconds"].isdigit()
    assert len(rows) == 1 + len(counted)  # no figure twice


def test_the_csv_of_a_month_without_decided_notices_leaves_the_median_empty(client, db):
    rows = list(csv.reader(io.StringIO(client.get(CSV).content.decode())))
    assert ["notice_decisions", "median_seconds", ""] in rows
    assert ["flags", "spam", "0"] in rows


# --- Months -----------------------------------------------------------------------------------


def paris(*args) -> datetime:
    return timezone.make_aware(datetime(*args), timezone.get_default_timezone())


@pytest.fixture
def around_march(topic, alice, bob, moderator):
    """Rows on each side of the edges of March 2025, Paris time (summer time began on the
    30th: 23:59:59 on the 31st is 21:59:59 UTC)."""
    answer = make_answer(topic, alice)
    for moment in (paris(2025, 3, 31, 23, 59, 59), paris(2025, 4, 1, 0, 0, 0)):
        ModerationAction.objects.create(
            actor=moderator, verb="warn", member=bob, reason="Restez courtois.", created_at=moment
        )
    for reporter, moment in ((bob, paris(2025, 3, 1)), (moderator, paris(2025, 2, 28, 23, 59, 59))):
        Flag.objects.create(answer=answer, reporter=reporter, reason="spam", created_at=moment)
    Notice.objects.create(
        answer=answer, ground="defamation", explanation="…", quoted_text=answer.body,
        good_faith=True, created_at=paris(2025, 3, 31, 22, 30), status="acted",
        decided_at=paris(2025, 4, 1, 0, 30),
    )  # fmt: skip


def test_the_last_second_of_a_month_is_that_months(around_march):
    march = monthly_report(date(2025, 3, 1))
    assert march.section("sanctions").total == 1
    assert march.section("flags").total == 1
    assert march.section("notices").total == 1
    assert march.notices_decided == 0  # decided on 1 April
    april = monthly_report(date(2025, 4, 1))
    assert april.section("sanctions").total == 1
    assert april.notices_decided == 1
    assert april.median_wait == timedelta(hours=2)
    assert monthly_report(date(2025, 2, 1)).section("flags").total == 1


def test_the_page_of_a_past_month_counts_that_month(client, around_march):
    tables = figures(client.get("/en" + REPORT, {"month": "2025-03"}))
    assert nonzero(tables["sanctions"]) == {"Warned": 1}
    assert nonzero(tables["flags"]) == {"Spam": 1}
    assert nonzero(tables["notices"]) == {"Defamation": 1}


def test_the_menu_offers_the_months_that_have_figures(client, around_march):
    assert months_with_data() == [
        current_month(),
        date(2025, 4, 1),
        date(2025, 3, 1),
        date(2025, 2, 1),
    ]
    page = soup(client.get(REPORT, {"month": "2025-03"}))
    options = page.select("#report-month option")
    assert [option["value"] for option in options][-3:] == ["2025-04", "2025-03", "2025-02"]
    assert page.select_one("#report-month option[selected]")["value"] == "2025-03"
    assert page.select_one("a[download]")["href"] == "/moderation/report.csv?month=2025-03"


def test_the_median_is_the_middle_of_the_waits(topic, alice):
    answer = make_answer(topic, alice)
    for hours in (1, 2, 4, 10):
        Notice.objects.create(
            answer=answer, ground="other", explanation="…", quoted_text=answer.body,
            good_faith=True, created_at=paris(2025, 5, 10, 8), status="acted",
            decided_at=paris(2025, 5, 10, 8) + timedelta(hours=hours),
        )  # fmt: skip
    assert monthly_report(date(2025, 5, 1)).median_wait == timedelta(hours=3)
    Notice.objects.filter(pk=Notice.objects.latest("pk").pk).delete()  # 1, 2, 4
    assert monthly_report(date(2025, 5, 1)).median_wait == timedelta(hours=2)


def test_the_page_says_the_median_in_words(client, topic, alice):
    answer = make_answer(topic, alice)
    Notice.objects.create(
        answer=answer, ground="other", explanation="…", quoted_text=answer.body,
        good_faith=True, created_at=paris(2025, 5, 10, 8), status="acted",
        decided_at=paris(2025, 5, 10, 11, 20),
    )  # fmt: skip
    text = text_of(client.get("/en" + REPORT, {"month": "2025-05"}))
    assert "Median time from a notice to its decision: 3 hours, 20 minutes." in text


# --- Cost -------------------------------------------------------------------------------------


def busy_month(topic, moderator, size: int) -> None:
    """``size`` of everything the report counts, written as the workflows write it."""
    for i in range(size):
        author, reporter = make_member(f"auteur{size}x{i}"), make_member(f"lecteur{size}x{i}")
        answer = make_answer(topic, author)
        do_flag(reporter=reporter, answer=answer, reason="off_topic")
        notice = do_notify(answer=answer, ground="terrorism", explanation="…")
        answer.refresh_from_db()
        removal = do_act_on_notice(
            moderator=moderator, notice=notice, seen_version=answer.version, reason="Apologie."
        )
        do_sanction(moderator=moderator, member=author, verb="ban", reason="Apologie.")
        do_appeal(appellant=author, action=removal, text="Je conteste.")


def test_the_report_costs_the_same_queries_however_busy_the_month(
    topic, moderator, django_assert_num_queries
):
    busy_month(topic, moderator, 1)
    with django_assert_num_queries(7):  # the menu, five counts, the median
        months_with_data()
        report = monthly_report(current_month())
    assert report.section("notices").total == 1
    busy_month(topic, moderator, 5)
    with django_assert_num_queries(7):
        months_with_data()
        report = monthly_report(current_month())
    assert report.section("notices").total == 6
    assert report.section("sanctions").total == 6


def test_the_page_costs_the_same_queries_however_busy_the_month(client, topic, moderator):
    busy_month(topic, moderator, 1)
    with CaptureQueriesContext(connection) as small:
        client.get(REPORT)
    busy_month(topic, moderator, 5)
    with CaptureQueriesContext(connection) as large:
        assert client.get(REPORT).status_code == 200
    assert len(large) == len(small)


# --- Addresses ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "month", ["2025-13", "2025-00", "25-03", "mars", "1999-12", "2025-3", "0000-01"]
)
def test_a_month_that_is_no_month_is_a_bad_request(client, db, month):
    for address in (REPORT, CSV):
        response = client.get("/en" + address, {"month": month})
        assert response.status_code == 400
        assert "There is no report for this month" in text_of(response)


def test_a_month_not_begun_has_no_report(client, db):
    today = current_month()
    following = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    assert client.get(REPORT, {"month": following.strftime("%Y-%m")}).status_code == 400


def test_the_report_is_read_not_written(client, db):
    client.open_a_form_page()  # a CSRF cookie, so that the method is what is refused
    assert client.post(REPORT).status_code == 405
    assert client.post(CSV).status_code == 405


def test_the_current_month_is_the_default_and_says_so(client, db):
    page = soup(client.get("/en" + REPORT))
    title = " ".join(page.select_one("#report-month-title").text.split())
    assert title.startswith(current_month().strftime("%B %Y"))
    assert "(month in progress)" in title
    assert page.select_one("#report-month option[selected]")["value"] == current_month().strftime(
        "%Y-%m"
    )


def test_every_page_links_to_the_report(client, db):
    assert soup(client.get("/")).select_one(f'.site-footer a[href="{REPORT}"]')
    assert soup(client.get("/en/")).select_one(f'.site-footer a[href="/en{REPORT}"]')


def test_the_report_names_no_one(client, month_of_work, alice, bob, moderator):
    text = client.get(REPORT).content.decode() + client.get(CSV).content.decode()
    for member in (alice, bob, moderator):
        assert member.username not in text
