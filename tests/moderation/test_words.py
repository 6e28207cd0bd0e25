"""Word rules on French samples: accents and case ignored, whole words only, elisions
seen through, a trailing wildcard, several words, and where a rule hits."""

import random

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import assume, given
from hypothesis import strategies as st

from forum.models import Answer, WordRule
from forum.moderation import words
from forum.moderation.words import Matcher, highlight
from tests.factories import make_answer, make_question
from tests.pages import soup


def rule(pattern, action="review", label="insultes") -> WordRule:
    """A rule in memory (the matcher needs no database)."""
    return WordRule(pattern=pattern, action=action, label=label)


def hits(pattern, text) -> list[str]:
    """What ``pattern`` hits in ``text``, as written there."""
    found = Matcher([rule(pattern)]).match(text)
    return [text[start:end] for start, end in found.spans] if found else []


# --- Accents and case ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "text", "hit"),
    [
        ("Élite", "une elite", "elite"),
        ("elite", "L’ÉLITE", "ÉLITE"),
        ("élite", "Elite", "Elite"),
        ("ELITE", "l’élite", "élite"),
        ("Élite", "une e\u0301lite", "e\u0301lite"),  # the accent as a combining mark
        ("Ecole", "l’École", "École"),
        ("ça", "CA suffit", "CA"),
        ("coeur", "à cœur ouvert", "cœur"),
        ("oeuvre", "une Œuvre", "Œuvre"),
        ("naive", "c’est naïf et naïve", "naïve"),
        ("strasse", "Straße", "Straße"),
        ("fils", "ﬁls", "ﬁls"),  # a typographic ligature
    ],
)
def test_accents_case_and_ligatures_do_not_count(pattern, text, hit):
    assert hits(pattern, text) == [hit]


# --- Elision --------------------------------------------------------------------------------


@pytest.mark.parametrize("apostrophe", ["'", "’"])
@pytest.mark.parametrize("elision", ["l", "d", "qu", "j", "n", "s", "c", "m", "t", "L", "Qu"])
def test_elisions_are_seen_through(elision, apostrophe):
    text = f"Quel {elision}{apostrophe}abruti !"
    assert hits("abruti", text) == ["abruti"]
    start = len(f"Quel {elision}{apostrophe}")
    assert Matcher([rule("abruti")]).match(text).spans == [(start, start + 6)]


def test_an_elision_in_the_rule_matches_either_apostrophe():
    assert hits("l'idiot", "C’est l’idiot du village") == ["l’idiot"]
    assert hits("l’idiot", "c'est l'IDIOT") == ["l'IDIOT"]
    assert hits("l'idiot", "un idiot") == []


# --- Whole words -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["un conseil", "le contenu", "ça déconne", "un flacon", "une icône", "la Constitution",
     "c’est conçu", "con2", "con_", "deconne", "lecon"],
)  # fmt: skip
def test_a_rule_never_hits_inside_a_longer_word(text):
    assert hits("con", text) == []


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("Quel con !", "con"),
        ("(con)", "con"),
        ("«\u00a0con\u00a0»", "con"),
        ("“con”", "con"),
        ("con…", "con"),
        ("—con—", "con"),
        ("con.", "con"),
        ("anti-con", "con"),
        ("\ncon\n", "con"),
        ("c’est un con", "con"),
    ],
)
def test_punctuation_around_a_word_is_a_boundary(text, hit):
    assert hits("con", text) == [hit]


def test_invisible_characters_inside_a_word_do_not_hide_it():
    text = "Quel id\u00adi\u200bot"  # a soft hyphen and a zero-width space
    assert hits("idiot", text) == ["id\u00adi\u200bot"]


# --- Wildcards ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hit"),
    [("connard", "connard"), ("CONNASSE", "CONNASSE"), ("con", "con"),
     ("des conneries", "conneries"), ("l’connerie", "connerie")],
)  # fmt: skip
def test_a_trailing_wildcard_stands_for_any_ending(text, hit):
    assert hits("con*", text) == [hit]


@pytest.mark.parametrize("text", ["déconne", "flacon", "deconnard", "icône"])
def test_a_wildcard_never_starts_inside_a_word(text):
    assert hits("con*", text) == []


# --- Several words ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["fils de pute", "FILS  DE\tPUTE", "fils\u00a0de pute", "fils-de-pute", "fils\nde\npute"],
)
def test_the_words_of_a_rule_match_across_any_spaces_or_hyphens(text):
    assert hits("fils de pute", f"« {text} ! »") == [text]


def test_several_words_still_match_whole_words_only():
    assert hits("fils de pute", "fils de putes") == []
    assert hits("fils de pute", "les fils de putain") == []
    assert hits("fils de p*", "les fils de putain") == ["fils de putain"]
    assert hits("va-t-en", "Va t’en") == []
    assert hits("va-t-en", "va-t-en guerre") == ["va-t-en"]
    assert hits("va-t-en", "va t en") == ["va t en"]


# --- Which rule, and where ---------------------------------------------------------------------


def test_block_rules_come_before_review_rules():
    matcher = Matcher([rule("idiot", "review"), rule("crétin", "block", "injures")])

    found = matcher.match("Idiot, et crétin, et encore idiot.")

    assert (found.rule.pattern, found.rule.label) == ("crétin", "injures")
    assert found.spans == [(10, 16)]


def test_the_first_rule_in_the_text_with_all_its_places():
    matcher = Matcher([rule("idiot"), rule("crétin")])
    text = "Crétin ! Idiot ! CRÉTIN !"

    found = matcher.match(text)

    assert found.rule.pattern == "crétin"
    assert [text[start:end] for start, end in found.spans] == ["Crétin", "CRÉTIN"]


def test_every_match_lists_each_rule_once_block_rules_first():
    matcher = Matcher([rule("idiot"), rule("crétin", "block"), rule("nul")])

    found = matcher.every_match("nul, idiot, crétin, idiot")

    assert [(m.rule.pattern, m.spans) for m in found] == [
        ("crétin", [(12, 18)]),
        ("nul", [(0, 3)]),
        ("idiot", [(5, 10), (20, 25)]),
    ]


def test_spans_point_into_the_text_as_written():
    text = "Ça, c’est l’e\u0301lite de Straße, ŒUVRE\u0301 à cœur."
    matcher = Matcher([rule("elite"), rule("strasse"), rule("oeuvre"), rule("coeur")])

    spans = matcher.spans(text)

    assert [text[start:end] for start, end in spans] == [
        "e\u0301lite",
        "Straße",
        "ŒUVRE\u0301",
        "cœur",
    ]


def test_the_same_word_under_two_rules_is_one_place():
    matcher = Matcher([rule("con", "review"), rule("con*", "block")])
    assert matcher.spans("Quel con.") == [(5, 8)]
    assert matcher.match("Quel con.").rule.pattern == "con*"


def test_an_exact_rule_is_read_back_before_a_wildcard():
    matcher = Matcher([rule("connard"), rule("con*"), rule("conn*")])
    assert matcher.match("connard").rule.pattern == "connard"
    assert matcher.match("connasse").rule.pattern == "conn*"
    assert matcher.match("conne").rule.pattern == "conn*"
    assert matcher.match("cons").rule.pattern == "con*"


def test_rules_saved_in_odd_shapes_do_no_harm():
    # The page refuses them; a rule written elsewhere must still not hit every word.
    matcher = Matcher([rule("*"), rule("'"), rule("   "), rule("a(b"), rule("id*iot")])
    assert matcher.match("Tout va bien, a(b idiot") is not None
    assert matcher.spans("Tout va bien") == []


def test_no_rule_no_match():
    assert Matcher([]).match("Quel idiot") is None


# --- Patterns staff may type ----------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern", ["idiot", "con*", "fils de p*", "l’idiot", "va-t-en", "Élite", "aujourd'hui"]
)
def test_valid_patterns(pattern):
    assert words.is_valid_pattern(pattern)


@pytest.mark.parametrize(
    "pattern", ["", "*", "con**", "*con", "c*n", "con *", "con2", "con_", "-con", "con-", "'con",
                "a.b", "<b>", "a" * 101],
)  # fmt: skip
def test_invalid_patterns(pattern):
    assert not words.is_valid_pattern(pattern)


@pytest.mark.parametrize(
    ("one", "other"),
    [("Élite", "elite"), ("va-t-en", "va t en"), ("l’ idiot", "l'idiot"), ("a  b", "a b")],
)
def test_patterns_that_match_the_same_words_share_a_canonical_form(one, other):
    assert words.canonical(one) == words.canonical(other)


# --- Highlighting rendered answers ----------------------------------------------------------


def test_highlight_marks_text_and_leaves_tags_and_attributes_alone():
    html = (
        '<p>Un <a href="https://idiot.example/idiot" title="idiot" rel="nofollow">idiot</a>'
        " &amp; l’<em>IDIOT</em> &lt;idiot&gt;</p>"
    )

    marked = highlight(html, [rule("idiot")])

    assert marked == (
        '<p>Un <a href="https://idiot.example/idiot" title="idiot" rel="nofollow">'
        "<mark>idiot</mark></a> &amp; l’<em><mark>IDIOT</mark></em> &lt;<mark>idiot</mark>&gt;</p>"
    )


def test_highlight_follows_a_word_across_inline_tags():
    marked = highlight("<p>Quel <strong>id</strong>iot !</p>", [rule("idiot")])
    assert marked == "<p>Quel <strong><mark>id</mark></strong><mark>iot</mark> !</p>"


def test_highlight_does_not_glue_words_of_two_paragraphs():
    marked = highlight("<p>Bon</p><p>con</p><ul><li>flacon</li></ul>", [rule("con")])
    assert marked == "<p>Bon</p><p><mark>con</mark></p><ul><li>flacon</li></ul>"


def test_highlight_without_a_match_gives_the_html_back():
    html = "<p>Rien à signaler, <code>&lt;b&gt;</code>.<br>Fin.</p>"
    assert highlight(html, [rule("idiot")]) == html.replace("<br>", "<br>")


def test_mark_text_escapes_and_keeps_lines():
    assert words.mark_text("a <b>\nidiot", [(6, 11)]) == "a &lt;b&gt;<br>\n<mark>idiot</mark>"


# --- In the queue -------------------------------------------------------------------------------


def held_by(rule_, author, body):
    """A pending answer as the intake leaves one a review rule holds."""
    answer = make_answer(make_question(), author, status="pending", body=body)
    Answer.objects.filter(pk=answer.pk).update(review_cause="word_rule", review_rule=rule_)
    return answer


def test_the_queue_shows_the_rule_and_marks_its_words(moderator_client, alice):
    held = held_by(saved("idiot*"), alice, "Quel **IDIOT**, vraiment [idiot](https://x.org/idiot).")

    response = moderator_client.get("/en/moderation/")

    item = soup(response).select_one(f"#item-{held.pk}")
    assert (
        "Held by the word rule “idiot*” (insultes)"
        in item.select_one(".queue-item__word-rule").text
    )
    body = item.select_one(".queue-item__body")
    assert [mark.text for mark in body.select("mark")] == ["IDIOT", "idiot"]
    assert body.select_one("a")["href"] == "https://x.org/idiot"


def test_the_queue_says_when_the_rule_is_gone(moderator_client, alice):
    rule_ = saved("idiot")
    held = held_by(rule_, alice, "Quel idiot.")
    rule_.delete()

    item = soup(moderator_client.get("/en/moderation/")).select_one(f"#item-{held.pk}")

    assert "a word rule that has since been deleted" in item.text
    assert item.select("mark") == []


def test_word_rules_cost_the_queue_one_query(moderator_client, alice):
    """Any number of held answers: one query for their rules."""
    rule_ = saved("idiot")
    held_by(rule_, alice, "Quel idiot.")
    moderator_client.get("/moderation/")  # warm: the header's count, the session
    with CaptureQueriesContext(connection) as one:
        moderator_client.get("/moderation/")
    for _ in range(3):
        held_by(rule_, alice, "Encore un idiot.")
    with CaptureQueriesContext(connection) as four:
        moderator_client.get("/moderation/")

    assert len(four) == len(one)
    assert sum("forum_wordrule" in query["sql"] for query in four.captured_queries) == 1


# --- The rules of the site, compiled once per version ------------------------------------------


def saved(pattern, action="review"):
    made = WordRule.objects.create(pattern=pattern, action=action, label="insultes")
    words.rules_changed()
    return made


def test_match_blocking_and_reviewing_read_the_saved_rules(db):
    idiot = saved("idiot", "review")
    cretin = saved("crétin*", "block")

    assert words.match("Quel idiot").rule == idiot
    assert words.match("idiot et crétins").rule == cretin
    assert words.blocking("idiot et crétins") == cretin
    assert words.blocking("Quel idiot") is None
    assert words.reviewing("idiot et crétins") == idiot
    assert words.reviewing("Crétin !") is None
    assert words.match("Bonjour") is None


def test_the_compiled_rules_are_kept_while_the_version_stands(db):
    saved("idiot")
    first = words.current_matcher()

    WordRule.objects.create(pattern="crétin", action="block", label="x")  # no version bump

    assert words.current_matcher() is first
    assert words.match("crétin") is None


def test_a_change_elsewhere_is_seen_once_the_version_changes(db):
    saved("idiot")
    words.match("idiot")
    WordRule.objects.create(pattern="crétin", action="block", label="x")

    cache.set(words.VERSION_KEY, "another process changed the rules")

    assert words.match("crétin").rule.pattern == "crétin"


def test_a_lost_version_rebuilds(db):
    saved("idiot")
    words.match("idiot")
    WordRule.objects.create(pattern="crétin", action="block", label="x")

    cache.clear()

    assert words.match("crétin").rule.pattern == "crétin"


def test_the_version_is_bumped_again_once_committed(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        saved("idiot")
        during = cache.get(words.VERSION_KEY)
    assert cache.get(words.VERSION_KEY) not in (None, during)


@pytest.fixture
def cache_down(settings):
    """No shared cache: nothing it is given is kept, as when Redis is down."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


def test_without_the_cache_the_rules_are_read_again_after_a_while(db, cache_down, monkeypatch):
    saved("idiot")
    first = words.current_matcher()
    assert words.current_matcher() is first  # not at every text

    monkeypatch.setattr(words, "STALE_AFTER", 0.0)
    WordRule.objects.create(pattern="crétin", action="block", label="x")

    assert words.match("crétin").rule.pattern == "crétin"


def test_a_thousand_rules_and_a_long_answer(db):
    """A sanity check of size, not of speed (bench/words.py times it)."""
    rng = random.Random(7)
    syllables = ("ba", "bé", "ci", "do", "fu", "ga", "li", "mo", "nu", "pa", "ré", "si")
    patterns = set()
    while len(patterns) < 1000:
        patterns.add("".join(rng.choice(syllables) for _ in range(4)) + rng.choice(["", "*"]))
    WordRule.objects.bulk_create(
        WordRule(pattern=pattern, action=("block", "review")[n % 2], label=str(n))
        for n, pattern in enumerate(sorted(patterns))
    )
    words.rules_changed()
    prose = "Le rapport de l’ASPI mesure la recherche publiée, qu’on prête à la Chine. " * 200
    prose = prose[:9990]
    target = sorted(patterns)[500].rstrip("*")

    assert words.match(prose) is None
    found = words.match(prose + " " + target.upper())
    assert found is not None
    assert found.spans == [(9991, 9991 + len(target))]


# --- Properties -------------------------------------------------------------------------------

LETTERS = "abcdefghijklmnopqrstuvwxyzàâäçéèêëîïôöùûüÿœæ"
word = st.text(alphabet=LETTERS + LETTERS.upper(), min_size=1, max_size=12)
rule_word = st.text(alphabet=LETTERS, min_size=2, max_size=12)
separator = st.sampled_from([" ", "  ", "\n", ", ", ". ", " : ", " « ", " » ", "\u00a0", " - "])


@given(
    before=st.lists(st.tuples(word, separator), max_size=8),
    after=st.lists(st.tuples(separator, word), max_size=8),
    pattern=rule_word,
    shout=st.booleans(),
)
def test_a_rule_word_between_spaces_always_matches(before, after, pattern, shout):
    inserted = pattern.upper() if shout else pattern
    head = "".join(w + s for w, s in before) + " "
    text = head + inserted + " " + "".join(s + w for s, w in after)

    found = Matcher([rule(pattern)]).match(text)

    assert found is not None
    assert (len(head), len(head) + len(inserted)) in found.spans


@given(glue_before=word, glue_after=word, pattern=rule_word, wildcard=st.booleans())
def test_a_rule_word_glued_inside_letters_never_matches(glue_before, glue_after, pattern, wildcard):
    glued = glue_before + pattern + glue_after
    # "aa" glued in "AaaA" is still a word that begins with "aa": that one may match.
    assume(not words.fold(glued).startswith(words.fold(pattern)))
    text = f"« {glued} »"

    assert Matcher([rule(pattern + ("*" if wildcard else ""))]).match(text) is None


@given(glue_after=word, pattern=rule_word)
def test_a_rule_word_with_an_ending_matches_only_with_a_wildcard(glue_after, pattern):
    text = f"« {pattern}{glue_after} »"
    assume(words.fold(pattern + glue_after) != words.fold(pattern))

    assert Matcher([rule(pattern)]).match(text) is None
    assert Matcher([rule(pattern + "*")]).match(text).spans == [(2, 2 + len(pattern + glue_after))]
