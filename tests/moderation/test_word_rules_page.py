"""The word rules' page: staff list, add, delete and try rules; every change reaches the
matcher at once."""

import pytest

from forum.models import WordRule
from forum.moderation import words
from tests.conftest import signed_in_with_mfa
from tests.factories import make_member
from tests.pages import refusal, soup, text_of

PAGE = "/moderation/word-rules/"
EN = "/en/moderation/word-rules/"  # for the words: the French catalogue may lag behind
HTMX = {"HX-Request": "true"}


@pytest.fixture
def staff(db):
    return make_member("sacha", is_staff=True)


@pytest.fixture
def staff_client(staff):
    return signed_in_with_mfa(staff)


def rule(pattern, action="review", label="insultes", by=None) -> WordRule:
    made = WordRule.objects.create(pattern=pattern, action=action, label=label, created_by=by)
    words.rules_changed()
    return made


def add(client, data):
    return client.submit(EN, "form.word-rule-form", data)


def test_the_page_lists_the_rules_by_action(staff_client, staff):
    rule("idiot*", "block", "insultes", by=staff)
    rule("fils de p*", "block", "insultes")
    rule("élite", "review", "vocabulaire à surveiller")

    response = staff_client.get(EN)

    assert response.status_code == 200
    page = soup(response)
    blocking = [row.strong.text for row in page.select("#blocking-title + ul .decision-row")]
    reviewing = [row.strong.text for row in page.select("#reviewing-title + ul .decision-row")]
    assert blocking == ["fils de p*", "idiot*"]
    assert reviewing == ["élite"]
    assert "sacha" in page.select_one("#blocking-title + ul li:nth-child(2) .meta").text
    assert "vocabulaire à surveiller" in text_of(response)


def test_adding_a_rule_takes_effect_at_once(staff_client, staff):
    assert words.match("Quel crétin !") is None  # compiled, before the rule exists

    response = add(staff_client, {"pattern": "  Crétin* ", "action": "block", "label": "insulte"})

    assert response.status_code == 302
    assert response["Location"] == EN
    added = WordRule.objects.get()
    assert (added.pattern, added.action, added.label, added.created_by) == (
        "Crétin*",
        "block",
        "insulte",
        staff,
    )
    found = words.match("Quel crétin !")
    assert found.rule == added
    assert "Rule “Crétin*” added." in text_of(staff_client.get(EN))


def test_deleting_a_rule_takes_effect_at_once(staff_client):
    doomed = rule("idiot")
    assert words.blocking("idiot") is None
    assert words.reviewing("Quel idiot") == doomed

    response = staff_client.submit(EN, f"#word-rule-{doomed.pk} form")

    assert response.status_code == 302
    assert not WordRule.objects.exists()
    assert words.match("Quel idiot") is None
    assert "Rule “idiot” deleted." in text_of(staff_client.get(EN))


def test_a_pattern_typed_with_combining_accents_is_stored_composed(staff_client):
    response = add(staff_client, {"pattern": "E\u0301lite", "action": "review", "label": "x"})

    assert response.status_code == 302
    assert WordRule.objects.get().pattern == "Élite"


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("idiot2", "Write letters, spaces, apostrophes or hyphens only"),
        ("*idiot", "Write letters, spaces, apostrophes or hyphens only"),
        ("id*iot", "Write letters, spaces, apostrophes or hyphens only"),
        ("idiot**", "Write letters, spaces, apostrophes or hyphens only"),
        ("<b>", "Write letters, spaces, apostrophes or hyphens only"),
        ("a" * 101, "Ensure this value has at most 100 characters"),
        ("   ", "This field is required."),
    ],
)
def test_a_pattern_of_the_wrong_shape_is_refused_and_kept(staff_client, pattern, message):
    response = add(staff_client, {"pattern": pattern, "action": "block", "label": "x"})

    assert response.status_code == 400
    page = soup(response)
    assert message in page.select_one("#rule-pattern-errors").text
    assert page.select_one("#rule-pattern")["aria-invalid"] == "true"
    assert page.select_one("#rule-label")["value"] == "x"
    assert not WordRule.objects.exists()


@pytest.mark.parametrize("same", ["idiot", "IDIOT", "ídiót", "idiot "])
def test_the_same_words_twice_are_refused(staff_client, same):
    rule("Idiot")

    response = add(staff_client, {"pattern": same, "action": "review", "label": "x"})

    assert response.status_code == 400
    errors = soup(response).select_one("#rule-pattern-errors").text
    assert "A rule for these words already exists: “Idiot”." in errors
    assert WordRule.objects.count() == 1


def test_the_same_words_with_a_wildcard_are_another_rule(staff_client):
    rule("idiot")

    response = add(staff_client, {"pattern": "idiot*", "action": "review", "label": "x"})

    assert response.status_code == 302
    assert WordRule.objects.count() == 2


def test_an_unknown_action_is_refused(staff_client):
    response = add(staff_client, {"pattern": "idiot", "action": "ban", "label": "x"})

    assert response.status_code == 400
    assert "Select a valid choice." in text_of(response)


def test_trying_a_text_shows_the_rule_and_where(staff_client):
    rule("idiot", "review")
    rule("con*", "block", "insultes")

    response = staff_client.submit(
        EN, "form.word-rules-try", {"sample": "L’IDIOT & le connard <b>\nNon."}
    )

    assert response.status_code == 200
    result = soup(response).select_one("#try-result")
    assert "Blocked by the rule “con*”: its author is told “insultes”." in result.text
    marked = result.select_one(".word-rules-sample")
    assert [mark.text for mark in marked.select("mark")] == ["IDIOT", "connard"]
    assert "L’<mark>IDIOT</mark> &amp; le <mark>connard</mark> &lt;b&gt;<br/>" in str(marked)
    hits = [li.strong.text for li in result.select(".word-rules-hits li")]
    assert hits == ["con*", "idiot"]
    # What was tried stays in the box.
    assert soup(response).select_one("#try-sample").text.startswith("L’IDIOT")


def test_trying_a_text_that_breaks_no_rule(staff_client):
    rule("idiot")

    response = staff_client.submit(
        EN, "form.word-rules-try", {"sample": "Un avis idiosyncrasique."}
    )

    assert "No rule matches this text." in soup(response).select_one("#try-result").text


def test_trying_with_htmx_answers_the_result_alone(staff_client):
    rule("idiot")

    response = staff_client.submit(EN, "form.word-rules-try", {"sample": "Quel idiot."}, htmx=True)

    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert "Sent to review by the rule “idiot”." in text_of(response)
    assert [mark.text for mark in soup(response).select("mark")] == ["idiot"]


@pytest.mark.parametrize("htmx", [False, True])
def test_trying_nothing_says_so(staff_client, htmx):
    response = staff_client.submit(EN, "form.word-rules-try", {"sample": "  "}, htmx=htmx)

    assert response.status_code == 400
    assert "Paste a text to try." in text_of(response)


def test_a_moderator_who_is_not_staff_is_refused(moderator_client):
    rule("idiot")

    refused = refusal(moderator_client.get(PAGE))
    assert "Seuls les membres de l’équipe gèrent les règles de mots." in refused
    moderator_client.get("/moderation/")  # the desk gives the CSRF cookie
    for path, data in [
        ("add/", {"pattern": "con", "action": "block", "label": "x"}),
        (f"{WordRule.objects.get().pk}/delete/", {}),
        ("try/", {"sample": "idiot"}),
    ]:
        response = moderator_client.post(f"{PAGE}{path}", data)
        assert response.status_code == 403
        assert "Seuls les membres de l’équipe gèrent les règles de mots." in refusal(response)
    assert WordRule.objects.count() == 1


def test_a_member_is_refused_and_a_visitor_signs_in(client_for, alice, client):
    assert client_for(alice).get(PAGE).status_code == 403
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("path", ["add/", "try/", "1/delete/"])
def test_writes_are_posts(staff_client, path):
    assert staff_client.get(f"{PAGE}{path}").status_code == 405


def test_the_page_is_read_with_get(staff_client):
    staff_client.get(PAGE)  # for the CSRF cookie
    assert staff_client.post(PAGE).status_code == 405


@pytest.mark.parametrize("pk", [424242, 2**63])
def test_deleting_a_rule_that_does_not_exist(staff_client, pk):
    staff_client.get(PAGE)  # for the CSRF cookie
    assert staff_client.post(f"{PAGE}{pk}/delete/").status_code == 404


def test_deleting_a_rule_leaves_the_answers_it_held(staff_client, alice):
    from tests.factories import make_answer, make_question

    held = rule("idiot")
    answer = make_answer(make_question(), alice, status="pending", body="Quel idiot.")
    type(answer).objects.filter(pk=answer.pk).update(review_cause="word_rule", review_rule=held)

    staff_client.submit(EN, f"#word-rule-{held.pk} form")

    answer.refresh_from_db()
    assert (answer.status, answer.review_cause, answer.review_rule) == (
        "pending",
        "word_rule",
        None,
    )


def test_the_page_in_french(staff_client):
    response = staff_client.get(PAGE)

    assert response.status_code == 200
    assert soup(response).html["lang"] == "fr"
