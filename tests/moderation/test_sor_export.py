"""Statements of reasons exported in the shape of the EU DSA Transparency Database: every line
checked against tests/data/dsa_sor_schema.json, the fields and values its documentation
lists; the staff download and the management command."""

import io
import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from forum.models import ModerationAction
from forum.moderation.actions import do_decide, do_flag, do_sanction
from forum.moderation.notices import do_act_on_notice, do_notify, do_reject_notice
from forum.moderation.sor import statement_of
from tests.conftest import enrol_totp, signed_in_with_mfa
from tests.factories import make_answer, make_article, make_member, make_question
from tests.pages import refusal

SCHEMA = json.loads((Path(__file__).parent.parent / "data" / "dsa_sor_schema.json").read_text())
DOWNLOAD = "/moderation/statements.jsonl"
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


# --- The documented rules, as a validator -----------------------------------------------------


def violations(statement: dict, schema: dict = SCHEMA) -> list[str]:
    """What in ``statement`` the Transparency Database would refuse (or silently drop)."""
    fields = schema["fields"]
    errors = [f"{name}: not a documented attribute" for name in statement if name not in fields]

    def present(name):
        return statement.get(name) not in (None, "", [], {})

    def holds(condition, contains=False):
        return all(
            value in (statement.get(other) or []) if contains else statement.get(other) == value
            for other, value in condition.items()
        )

    for name, rule in fields.items():
        if not present(name):
            if rule.get("required"):
                errors.append(f"{name}: required")
            if "required_if" in rule and holds(rule["required_if"]):
                errors.append(f"{name}: required when {rule['required_if']}")
            if "required_if_contains" in rule and holds(rule["required_if_contains"], True):
                errors.append(f"{name}: required when {rule['required_if_contains']}")
            if "required_without_all" in rule and not any(
                present(other) for other in rule["required_without_all"]
            ):
                errors.append(f"{name}: required without {rule['required_without_all']}")
            continue
        if "absent_unless" in rule and not holds(rule["absent_unless"]):
            errors.append(f"{name}: only when {rule['absent_unless']}")
        if "absent_unless_contains" in rule and not holds(rule["absent_unless_contains"], True):
            errors.append(f"{name}: only when {rule['absent_unless_contains']}")
        errors += [f"{name}: {problem}" for problem in _value_problems(statement, name, rule)]
    return errors


def _value_problems(statement, name, rule):
    value, kind = statement[name], rule["type"]
    if kind == "array":
        if not isinstance(value, list) or len(value) < rule.get("min_items", 1):
            yield f"not a list of at least {rule.get('min_items', 1)}"
            return
        if len(set(value)) != len(value):
            yield "a value twice"
        yield from (f"{item!r} not allowed" for item in value if item not in rule["values"])
    elif kind == "enum":
        if value not in rule["values"]:
            yield f"{value!r} not allowed"
    elif kind == "date":
        if not isinstance(value, str) or not DAY.fullmatch(value):
            yield f"{value!r} is not YYYY-MM-DD"
            return
        date.fromisoformat(value)
        if value < rule.get("min", "0000") or value > rule.get("max", "9999"):
            yield f"{value} out of {rule.get('min')}..{rule.get('max')}"
        if "after_or_equal" in rule and value < statement.get(rule["after_or_equal"], ""):
            yield f"before {rule['after_or_equal']}"
    elif kind in ("string", "url"):
        if not isinstance(value, str):
            yield "not a string"
            return
        if len(value) > rule.get("max_length", 10**9):
            yield f"longer than {rule['max_length']}"
        if "pattern" in rule and not re.fullmatch(rule["pattern"], value):
            yield f"{value!r} does not match {rule['pattern']}"
        if kind == "url" and not value.startswith(("https://", "http://")):
            yield "not a URL"
    elif kind == "object" and (not isinstance(value, dict) or set(value) - set(rule["keys"])):
        yield "unknown keys"


# --- A history of restrictions, through the site's workflows ------------------------------------


@pytest.fixture
def topic(db):
    return make_question(make_article(), text="Faut-il s’en inquiéter ?")


@pytest.fixture
def history(topic, alice, bob, charlie, moderator, settings):
    """One of every restriction, and decisions that restrict no one. Returns the actions by
    name."""
    settings.FLAG_HIDE_WEIGHT = 2  # two new members' flags hide an answer
    dave, erin, fred = (make_member(name) for name in ("dave", "erin", "fred"))
    flagged, spam, notified, harmless = (
        make_answer(topic, author) for author in (bob, bob, alice, alice)
    )
    make_answer(topic, fred)  # marked as spam by fred's spam ban
    do_flag(reporter=charlie, answer=flagged, reason="misinformation")
    do_flag(reporter=dave, answer=flagged, reason="misinformation")  # past the weight: held
    done = {"hold": flagged.actions.get(verb="hold")}
    flagged.refresh_from_db()
    done["remove"] = do_decide(
        moderator=moderator, answer=flagged, verb="remove", seen_version=flagged.version,
        rule="misinformation", reason="Fausse information sur les puces.",
    )  # fmt: skip
    done["spam"] = do_decide(
        moderator=moderator, answer=spam, verb="spam", seen_version=spam.version,
        rule="spam", reason="Lien publicitaire.",
    )  # fmt: skip
    notice = do_notify(answer=notified, ground="hate_speech", explanation="Appel à la haine.")
    rejected = do_notify(answer=harmless, ground="privacy", explanation="Mon nom y figure.")
    done["notice_removal"] = do_act_on_notice(
        moderator=moderator, notice=notice, seen_version=notified.version, reason="Propos haineux."
    )
    done["reject"] = do_reject_notice(
        moderator=moderator, notice=rejected, reason="Rien d’illicite."
    )
    sanction = {"moderator": moderator, "reason": "Insultes répétées."}
    done["warn"] = do_sanction(member=bob, verb="warn", **sanction)
    done["premoderate"] = do_sanction(member=charlie, verb="premoderate", **sanction)
    done["until"] = timezone.now() + timedelta(days=10)
    done["suspend"] = do_sanction(member=dave, verb="suspend", until=done["until"], **sanction)
    done["ban"] = do_sanction(member=erin, verb="ban", rule="abuse", **sanction)
    done["spam_ban"] = do_sanction(member=fred, verb="spam_ban", rule="spam", **sanction)
    done["lift"] = do_sanction(member=charlie, verb="lift", reason="Levée.", moderator=moderator)
    return done


def export(**options) -> list[dict]:
    out = io.StringIO()
    call_command("export_statements", stdout=out, **options)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def by_puid(lines) -> dict[str, dict]:
    return {line["puid"]: line for line in lines}


def puid(action: ModerationAction) -> str:
    return f"agora-action-{action.pk}"


# --- The export ----------------------------------------------------------------------------------


def test_every_exported_line_is_a_valid_statement(history):
    lines = export()
    assert len(lines) == 8  # hold, remove, spam, notice removal and four sanctions
    for line in lines:
        assert violations(line) == [], line["puid"]


def test_one_statement_per_restriction_and_none_for_the_rest(history):
    exported = set(by_puid(export()))
    restrictions = (
        "hold",
        "remove",
        "spam",
        "notice_removal",
        "premoderate",
        "suspend",
        "ban",
        "spam_ban",
    )
    assert exported == {puid(history[name]) for name in restrictions}
    for name in ("warn", "reject", "lift"):  # they restrict no one, or end a restriction
        assert puid(history[name]) not in exported


def test_a_removal_on_a_notice_is_illegal_content_notified_under_article_16(history):
    line = by_puid(export())[puid(history["notice_removal"])]
    assert line["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert line["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
    assert "law of 29 July 1881" in line["illegal_content_legal_ground"]
    assert "Propos haineux." in line["illegal_content_explanation"]
    assert "incompatible_content_ground" not in line
    assert line["category"] == "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH"
    assert line["category_specification"] == ["KEYWORD_HATE_SPEECH"]
    assert line["source_type"] == "SOURCE_ARTICLE_16"
    assert (line["automated_detection"], line["automated_decision"]) == (
        "No",
        "AUTOMATED_DECISION_NOT_AUTOMATED",
    )


def test_a_notice_on_an_answer_removed_before_it_changes_nothing_of_that_removal(
    topic, alice, moderator
):
    answer = make_answer(topic, alice)
    removal = do_decide(
        moderator=moderator, answer=answer, verb="remove", seen_version=answer.version,
        rule="abuse", reason="Attaque personnelle.",
    )  # fmt: skip
    late = do_notify(answer=answer, ground="defamation", explanation="Diffamation.")
    answer.refresh_from_db()
    assert (
        do_act_on_notice(
            moderator=moderator, notice=late, seen_version=answer.version, reason="Déjà retirée."
        )
        == removal
    )  # the notice is marked with the earlier removal
    line = by_puid(export())[puid(removal)]
    assert line["decision_ground"] == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    assert line["source_type"] == "SOURCE_VOLUNTARY"


def test_a_removal_on_flags_breaks_the_sites_rules(history):
    line = by_puid(export())[puid(history["remove"])]
    assert line["decision_ground"] == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    assert line["incompatible_content_ground"] == "Agora's discussion rules: misinformation"
    assert line["incompatible_content_explanation"] == "Fausse information sur les puces."
    assert line["category"] == "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS"
    assert line["source_type"] == "SOURCE_TYPE_OTHER_NOTIFICATION"
    assert line["content_type"] == ["CONTENT_TYPE_TEXT"]
    assert line["content_date"] == line["application_date"] == timezone.localdate().isoformat()
    assert line["territorial_scope"] == SCHEMA["territorial_scope_presets"]["EEA"]


def test_a_spam_removal_on_the_moderators_initiative_is_voluntary(history):
    line = by_puid(export())[puid(history["spam"])]
    assert line["source_type"] == "SOURCE_VOLUNTARY"
    assert line["category"] == "STATEMENT_CATEGORY_OTHER_VIOLATION_TC"
    assert "Reason given to the member: Lien publicitaire." in line["decision_facts"]


def test_an_answer_hidden_on_flags_was_disabled_by_the_site_alone(history):
    line = by_puid(export())[puid(history["hold"])]
    assert line["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    assert line["automated_decision"] == "AUTOMATED_DECISION_FULLY"
    assert line["automated_detection"] == "No"  # members found it, not a machine
    assert line["source_type"] == "SOURCE_TYPE_OTHER_NOTIFICATION"
    assert line["category"] == "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS"
    assert line["incompatible_content_ground"].endswith("(as flagged by members)")


def test_a_word_rule_is_automated_detection(topic, alice):
    answer = make_answer(topic, alice)
    # No workflow logs a word rule's hold yet; this is the entry the log would hold.
    hold = ModerationAction.objects.create(
        verb="hold", source="word_rule", answer=answer, rule="insultes"
    )
    line = by_puid(export())[puid(hold)]
    assert violations(line) == []
    assert (line["automated_detection"], line["automated_decision"]) == (
        "Yes",
        "AUTOMATED_DECISION_FULLY",
    )
    assert line["source_type"] == "SOURCE_VOLUNTARY"
    assert line["incompatible_content_ground"] == "Agora's discussion rules: insultes"


def test_sanctions_restrict_the_account_or_the_service(history):
    lines = by_puid(export())
    suspend = lines[puid(history["suspend"])]
    assert suspend["decision_account"] == "DECISION_ACCOUNT_SUSPENDED"
    assert (
        suspend["end_date_account_restriction"] == timezone.localdate(history["until"]).isoformat()
    )
    assert suspend["content_type"] == ["CONTENT_TYPE_OTHER"]
    assert suspend["content_type_other"] == "Account"
    ban = lines[puid(history["ban"])]
    assert ban["decision_account"] == "DECISION_ACCOUNT_TERMINATED"
    assert "end_date_account_restriction" not in ban
    assert ban["category"] == "STATEMENT_CATEGORY_CYBER_VIOLENCE"  # its rule: abuse
    spam_ban = lines[puid(history["spam_ban"])]
    assert spam_ban["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert spam_ban["decision_account"] == "DECISION_ACCOUNT_TERMINATED"
    premoderate = lines[puid(history["premoderate"])]
    assert premoderate["decision_provision"] == "DECISION_PROVISION_PARTIAL_SUSPENSION"
    assert premoderate["source_type"] == "SOURCE_VOLUNTARY"


def test_the_export_holds_no_pseudonym_or_address(history, alice, bob, moderator):
    text = json.dumps(export(), ensure_ascii=False)
    for member in (alice, bob, moderator):
        assert member.username not in text and member.email not in text


def test_long_reasons_are_cut_to_the_documented_lengths(topic, alice, moderator):
    answer = make_answer(topic, alice)
    action = do_decide(
        moderator=moderator, answer=answer, verb="remove", seen_version=answer.version,
        rule="abuse", reason="Trop long. " * 600,
    )  # fmt: skip
    line = statement_of(action)
    assert violations(line) == []
    assert len(line["incompatible_content_explanation"]) == 2000
    assert len(line["decision_facts"]) == 5000


def test_the_validator_refuses_what_the_database_would(history):
    line = by_puid(export())[puid(history["notice_removal"])]
    assert violations(line | {"category": "STATEMENT_CATEGORY_PIRACY"})  # a v1 category
    assert violations({k: v for k, v in line.items() if k != "illegal_content_explanation"})
    assert violations(line | {"incompatible_content_ground": "x"})  # dropped for illegal content
    assert violations(line | {"application_date": "2026-12-02-10"})  # an old format
    assert violations(line | {"puid": "agora action 1"})
    assert violations(line | {"territorial_scope": ["EU"]})
    assert violations(line | {"end_date": "2030-01-01"})  # not an attribute of API v2
    assert violations({k: v for k, v in line.items() if k != "decision_visibility"})


# --- The command -------------------------------------------------------------------------------


def test_since_keeps_the_decisions_of_that_day_and_later(history):
    today = timezone.localdate()
    assert len(export(since=today.isoformat())) == 8
    assert export(since=(today + timedelta(days=1)).isoformat()) == []


def test_a_bad_since_is_refused(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("export_statements", since="02/12/2026")


def test_the_command_writes_a_file(history, tmp_path):
    target = tmp_path / "statements.jsonl"
    err = io.StringIO()
    call_command("export_statements", output=str(target), stderr=err)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == export()
    assert "Wrote 8 statement(s)" in err.getvalue()


# --- The staff download --------------------------------------------------------------------------


@pytest.fixture
def staff_client(db):
    return signed_in_with_mfa(make_member("sam", is_staff=True))


def test_staff_download_the_statements(staff_client, history):
    response = staff_client.get(DOWNLOAD)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jsonl; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="agora-statements-of-reasons.jsonl"'
    )
    body = b"".join(response.streaming_content).decode()
    assert [json.loads(line) for line in body.splitlines()] == export()


def test_the_download_takes_a_first_day(staff_client, history):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = staff_client.get(DOWNLOAD, {"since": tomorrow})
    assert b"".join(response.streaming_content) == b""


@pytest.mark.parametrize("since", ["2026-13-01", "demain", "2026-1-1"])
def test_a_bad_first_day_is_a_bad_request(staff_client, since):
    response = staff_client.get("/en" + DOWNLOAD, {"since": since})
    assert response.status_code == 400
    assert "Give the first day as YYYY-MM-DD." in response.content.decode()


def test_a_moderator_who_is_not_staff_is_refused(moderator_client, history):
    response = moderator_client.get("/en" + DOWNLOAD)
    assert response.status_code == 403
    assert refusal(response) == "Only staff may download the statements of reasons."


def test_members_are_refused(client_for, alice):
    assert client_for(alice).get(DOWNLOAD).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get(DOWNLOAD)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_staff_without_their_second_factor_pass_it_first(client_for, db):
    staff = make_member("sam", is_staff=True)
    enrol_totp(staff)
    response = client_for(staff).get(DOWNLOAD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))


def test_the_download_is_read_not_written(staff_client):
    staff_client.get("/")
    assert staff_client.post(DOWNLOAD).status_code == 405
