"""The importer reads articles as they are delivered, and only mends typing accidents."""

import itertools
import re
import tomllib
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import assume, given
from hypothesis import strategies as st

from articles.importer import (
    ArticleFormatError,
    ParsedArticle,
    describe,
    parse_article,
    parse_content_file,
    to_content_file,
)
from articles.models import Article
from tests.articles.expected import PARAGRAPH_STARTS, QUESTIONS

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"
RAW = DATA / "kling-aspi-2024-06.txt"  # byte for byte as it was delivered
CONTENT = ROOT / "articles" / "content" / "kling-aspi-2024-06.toml"


@pytest.fixture(scope="module")
def shipped():
    return parse_article(RAW.read_bytes(), filename=RAW.name)


def test_date_and_english_standfirst(shipped):
    assert (shipped.year, shipped.month, shipped.day) == (2024, 6, None)
    assert shipped.standfirst == (
        "China is fighting on every front to be THE superpower. The CCP will stop at nothing "
        "to outpace the U.S. in technology, innovation, and yes, space exploration."
    )
    assert shipped.standfirst_lang == "en" and shipped.lang == "fr"


def test_seven_paragraphs_each_with_its_full_stop(shipped):
    assert len(shipped.paragraphs) == 7
    for paragraph, start in zip(shipped.paragraphs, PARAGRAPH_STARTS, strict=True):
        assert paragraph.startswith(start)
        assert paragraph.endswith(".")
    assert shipped.paragraphs[2].endswith("commence à devenir écrasant.")
    assert shipped.paragraphs[0].endswith("fait l’objet de comparaisons avec Sora.")


def test_source_stands_apart_from_the_questions(shipped):
    assert shipped.source_name == "ASPI"
    assert shipped.questions == QUESTIONS


def test_only_typing_accidents_are_mended(shipped):
    body = "\n".join(shipped.paragraphs)
    assert "Sora, le nouveau modèle" in body and "Sora ," not in body
    assert "mars 2023, le bilan" in body
    assert "«\u00a0Big Fund\u00a0»" in body and "«\u00a0risque monopolistique\u00a0»" in body
    assert "'" not in body  # apostrophes are typographic throughout
    # not typing accidents: left as written
    assert "Ce fond, géré" in body and "Mis par la société" in body and "1,33 km2" in body
    notes = "\n".join(shipped.mended)
    assert "full stop restored after “écrasant”" in notes
    assert "straight quote used as an apostrophe" in notes


def test_content_file_holds_the_same_article_with_headline_and_link(shipped):
    content = parse_article(CONTENT.read_bytes(), filename=CONTENT.name)
    assert content.paragraphs == shipped.paragraphs
    assert content.questions == shipped.questions
    assert content.standfirst == shipped.standfirst
    assert content.title.startswith("Kling, le rival chinois de Sora")
    assert content.source_url == "https://techtracker.aspi.org.au/"
    assert content.slug == "kling-aspi-chine-technologies-critiques"


def test_names_that_look_glued_are_not_split():
    article = parse_article((DATA / "agents-2025.txt").read_bytes())
    assert article.standfirst.startswith("OpenAI and DeepMind")
    assert article.paragraphs == [
        "Le nouvel iPhone intègre un modèle de langage conçu avec OpenAI. Apple affirme que les "
        "données restent sur l’appareil.",
        "Chez Google, DeepMind prépare une réponse : son assistant sera intégré à YouTube et à "
        "Android dès cet été.",
        "Sur eBay, les prix des cartes graphiques ont bondi de 30 % en un mois.",
        "Les analystes de Morgan Stanley parlent d’une «\u00a0bulle\u00a0» que ChatGPT seul ne "
        "justifie pas.",
    ]
    assert article.source_name == "Financial Times"
    assert article.questions == [
        "Faut-il encadrer les assistants d’IA intégrés aux téléphones ?",
        "Qui profitera le plus de cette course, DeepMind ou OpenAI ? Et les utilisateurs ?",
    ]
    assert (article.year, article.month, article.day) == (2025, 3, 14)


def test_camel_case_source_and_existing_blank_lines_and_crlf():
    article = parse_article((DATA / "chips-paragraphs.txt").read_bytes())
    assert article.source_name == "DeepMind"
    assert len(article.paragraphs) == 2
    assert article.paragraphs[1].startswith("Samsung répond avec une ligne de production en Corée,")
    assert article.questions == [
        "Qu’en pensez-vous ?",
        "Les États-Unis ont-ils raison de subventionner leurs usines ?",
    ]
    assert article.year is None and article.standfirst == ""


def test_english_article_without_source_with_questions_on_their_own_lines():
    article = parse_article((DATA / "english-no-source.txt").read_bytes())
    assert article.lang == "en"
    assert article.paragraphs[0].startswith("Mistral AI raised new funds in Paris, and the U.S.A.")
    assert article.paragraphs[1:] == [
        "Hugging Face hosts the weights on its hub.",
        "The EU AI Act applies from 2025 to the whole market.",
    ]
    assert article.questions == [
        "What do you make of European open models?",
        "Should the EU fund them directly? Why?",
    ]
    assert article.source_name == ""


def test_dry_run_report_lists_what_was_found(shipped):
    report = describe(shipped)
    assert "Date: 2024-06" in report and "Body (fr): 7 paragraphs" in report
    assert "Source: ASPI" in report
    for number, question in enumerate(QUESTIONS, start=1):
        assert f"  {number}. {question}" in report


sentences = st.lists(
    st.from_regex(r"[A-Z][a-zé]{2,9}( [a-zé]{1,9}){2,8}\.", fullmatch=True), min_size=1, max_size=3
).map(" ".join)


@given(st.lists(sentences, min_size=2, max_size=6))
def test_glued_paragraphs_come_back_apart(paragraphs):
    raw = "".join(paragraphs) + "Source : AFPQue pensez-vous de cela ?"
    article = parse_article(raw.encode())
    assert article.paragraphs == paragraphs
    assert article.source_name == "AFP"
    assert article.questions == ["Que pensez-vous de cela ?"]


@given(
    st.builds(
        ParsedArticle,
        title=st.text(min_size=1, max_size=40),
        slug=st.from_regex(r"[a-z0-9-]{0,20}", fullmatch=True),
        standfirst=st.text(max_size=60),
        paragraphs=st.lists(st.text(min_size=1, max_size=60).filter(str.strip), min_size=1),
        questions=st.lists(st.text(min_size=1, max_size=60).filter(str.strip), min_size=1),
        source_name=st.text(max_size=20),
    )
)
def test_content_files_round_trip(article):
    article.paragraphs = [p.strip() for p in article.paragraphs]
    article.questions = [q.strip() for q in article.questions]
    assert parse_content_file(to_content_file(article)) == article


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"   \n\t\n ", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        ("Un texte français, écrit en Latin-1 ?".encode("latin-1"), "not a UTF-8 text file"),
        ("Un article sans question. Rien à débattre.".encode(), "No reader questions"),
        (b'title = "x"\nparagraphs = [', "not valid TOML"),
        (b'title = "x"\nparagraphs = ["Un."]\n', "lacks: questions"),
        (b'title = "x"\nparagraphs = "Un."\nquestions = ["Q ?"]\n', "must be a list"),
    ],
)
def test_bad_files_are_refused_with_a_reason(data, message):
    with pytest.raises(ArticleFormatError, match=message):
        parse_article(data, filename="x.toml" if data.startswith(b"title") else "x.txt")


# --- The command ---------------------------------------------------------


def test_dry_run_prints_and_saves_nothing(db, capsys):
    call_command("import_article", str(RAW), "--dry-run")
    out = capsys.readouterr().out
    assert "7 paragraphs" in out and "nothing was saved" in out
    assert not Article.objects.exists()


def test_raw_text_without_a_title_becomes_a_draft(db):
    call_command("import_article", str(RAW))
    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT and article.slug == "kling-aspi-2024-06"
    assert article.questions.count() == 5 and len(article.paragraphs) == 7


def test_publishing_raw_text_needs_a_title(db):
    with pytest.raises(CommandError, match="headline"):
        call_command("import_article", str(RAW), "--publish")
    assert not Article.objects.exists()
    call_command("import_article", str(RAW), "--publish", "--title", "Kling et l’ASPI")
    assert Article.objects.get().is_published


def test_reimporting_updates_instead_of_duplicating(db):
    call_command("import_article", str(CONTENT), "--publish")
    article = Article.objects.get()
    question = article.questions.get(position=1)
    Article.objects.filter(pk=article.pk).update(body="abîmé")
    call_command("import_article", str(CONTENT), "--publish")
    assert Article.objects.count() == 1
    article.refresh_from_db()
    assert len(article.paragraphs) == 7 and article.display_date == "juin 2024"
    assert article.questions.get(position=1).pk == question.pk  # links to it stay valid


@pytest.mark.parametrize("name", ["empty.txt", "binary.bin", "latin1.txt", "none.txt"])
def test_bad_files_end_with_a_message_and_write_nothing(db, tmp_path, name):
    contents = {
        "empty.txt": b"",
        "binary.bin": bytes(range(256)),
        "latin1.txt": "Qu'en pensez-vous ? Échec.".encode("latin-1"),
        "none.txt": b"Un texte sans question.",
    }
    path = tmp_path / name
    path.write_bytes(contents[name])
    with pytest.raises(CommandError, match=name):
        call_command("import_article", str(path), "--publish", "--title", "T")
    assert not Article.objects.exists()


def test_missing_file_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="cannot read the file"):
        call_command("import_article", str(tmp_path / "absent.txt"))


# --- Articles nobody has seen ---------------------------------------------
# Each NAME.txt in data/ beside NAME.expected.toml: raw text as an editor would
# deliver it, and what the editor publishes from it, written by hand.

EXPECTED = sorted(path.name.removesuffix(".expected.toml") for path in DATA.glob("*.expected.toml"))
RAW_FILES = sorted(path.name for path in DATA.glob("*.txt"))


def _expected(name):
    return tomllib.loads((DATA / f"{name}.expected.toml").read_text())


def _unflagged_differences(actual, expected, spans):
    """Where ``actual`` differs from ``expected`` outside every (start, end) span.

    Walks both texts side by side; past a flagged span it skips the same letters
    in ``expected`` and whatever else stands there (a full stop, a paragraph break).
    """
    differences, i, j = [], 0, 0
    while i < len(actual) and j < len(expected):
        if actual[i] == expected[j]:
            i, j = i + 1, j + 1
            continue
        end = max((e for s, e in spans if s <= i <= e), default=None)
        if end is None:
            differences.append((actual[max(0, i - 30) : i + 30], expected[max(0, j - 30) : j + 30]))
            break
        for letter in (c for c in actual[i:end] if c.isalnum()):
            while j < len(expected) and expected[j] != letter:
                j += 1
            j += 1
        i = end
        while j < len(expected) and i < len(actual) and expected[j] != actual[i]:
            j += 1
    if not differences and (actual[i:].strip() or expected[j:].strip()):
        differences.append((actual[i:], expected[j:]))
    return differences


def _spans(article, part, separator):
    """The doubtful spans of one part, as offsets in its texts joined by ``separator``."""
    texts = article.paragraphs if part == "paragraph" else article.questions
    offsets = [0]
    for text in texts:
        offsets.append(offsets[-1] + len(text) + len(separator))
    return [
        (offsets[d.index] + d.start, offsets[d.index] + d.end)
        for d in article.doubts
        if d.part == part
    ]


def assert_as_expected_or_flagged(article, paragraphs, questions, source=None):
    for part, texts, wanted, separator in [
        ("paragraph", article.paragraphs, paragraphs, "\n\n"),
        ("question", article.questions, questions, "\n"),
    ]:
        differences = _unflagged_differences(
            separator.join(texts), separator.join(wanted), _spans(article, part, separator)
        )
        assert not differences, f"{part}s differ where no doubt was reported: {differences}"
    if source is not None and article.source_name != source:
        assert any(d.part == "source" for d in article.doubts), article.source_name


def squash(text):
    """Text without what the importer may change: spaces, and the style of quotes."""
    return re.sub(r"\s", "", re.sub(r"[’'\"«»“”]", "'", text))


def assert_nothing_invented(raw, article):
    """Reading the output back gives the input: only spaces, quote styles and a full
    stop at the end of a paragraph may differ (so no word was cut, no stop put inside one)."""
    date = ""
    if article.year:
        date = f"date{article.year:04d}-{article.month:02d}"
        date += f"-{article.day:02d}" if article.day else ""
    source = f"Source:{article.source_name}" if "Source" in raw else article.source_name
    read_back = (
        date
        + squash(article.standfirst)
        + "¶".join(squash(p) for p in article.paragraphs)
        + "¶"
        + squash(source)
        + "".join(squash(q) for q in article.questions)
    )
    given = squash(raw.removeprefix("\ufeff"))
    position = 0
    for index, char in enumerate(read_back):
        if char == "¶":
            continue
        if position < len(given) and given[position].lower() == char.lower():
            position += 1  # "date" may be "DATE"
        elif char == "." and read_back[index + 1 : index + 2] == "¶":
            continue  # a full stop lost where two paragraphs were glued
        else:
            pytest.fail(f"invented at {read_back[max(0, index - 30) : index + 1]!r}")
    assert position == len(given), f"dropped: {given[position:][:60]!r}"


def test_there_are_enough_unseen_articles():
    assert len(EXPECTED) >= 10
    questions = {len(_expected(name)["questions"]) for name in EXPECTED}
    assert {3, 7} <= questions


@pytest.mark.parametrize("name", EXPECTED)
def test_unseen_article_comes_out_as_the_editor_wants_or_flags_the_difference(name):
    expected = _expected(name)
    article = parse_article((DATA / f"{name}.txt").read_bytes())
    assert_as_expected_or_flagged(
        article, expected["paragraphs"], expected["questions"], expected["source"]
    )
    date = ""
    if article.year:
        date = f"{article.year:04d}-{article.month:02d}"
        date += f"-{article.day:02d}" if article.day else ""
    assert date == expected["date"]


@pytest.mark.parametrize("name", RAW_FILES)
def test_nothing_is_invented(name):
    raw = (DATA / name).read_bytes()
    assert_nothing_invented(raw.decode("utf-8-sig"), parse_article(raw))


def test_a_spot_the_text_does_not_decide_is_kept_and_flagged():
    article = parse_article((DATA / "onu-panel-ia-2024-09.txt").read_bytes())
    [doubt] = article.doubts
    assert (doubt.part, doubt.index, doubt.kind) == ("paragraph", 2, "glued-word")
    assert doubt.excerpt == "soupleGoogle"  # "souple. Google…" or a name? Left as written.
    assert article.paragraphs[2][doubt.start : doubt.end] == "soupleGoogle"
    assert "[soupleGoogle] et OpenAI" in doubt.context
    assert "lost full stop" in doubt.reason
    assert not any("souple" in note for note in article.mended)  # doubts are not mendings


@pytest.mark.parametrize(
    ("raw", "paragraphs", "doubts"),
    [
        # Brands with inner capitals are one word.
        (
            "Sur eBay et eDreams, PayPal, iRobot et LinkedIn suivent OpenAI.",
            ["Sur eBay et eDreams, PayPal, iRobot et LinkedIn suivent OpenAI."],
            [],
        ),
        ("La compagnie easyJet annonce. Le groupe bioMérieux aussi.", None, []),
        # A full stop glued after a name, an acronym or a brand ends a paragraph.
        ("Le rachat de GitHub.Pour Microsoft, tout va bien.", 2, []),
        ("Le lancement de SpaceX.Le marché suit.", 2, []),
        ("La CNIL invoque le RGPD.En France, rien ne change.", 2, []),
        ("Le débat de l'O.N.U.Le vote suit.", ["Le débat de l’O.N.U.", "Le vote suit."], []),
        (
            "Le dépôt de Meta Inc.Son patron parle.",
            ["Le dépôt de Meta Inc.", "Son patron parle."],
            [],
        ),
        ("Les ventes sont en hausse.D'autres suivent.", 2, []),
        (
            "Le site www.lesnumeriques.com.La suite.",
            ["Le site www.lesnumeriques.com.", "La suite."],
            [],
        ),
        ("Une quinzaine de pays.eDreams suit.", ["Une quinzaine de pays.", "eDreams suit."], []),
        # A title before a name lost a space, not a paragraph.
        ("Selon M.Dupont, le Dr.Martin a tort.", ["Selon M. Dupont, le Dr. Martin a tort."], []),
        # Numbers and versions keep their points.
        ("GPT-4.5 coûte 3.5 milliards, la version 2.0 aussi.", None, []),
        # A full stop lost between paragraphs comes back where words say so.
        (
            "Le succès est écrasantDans sa mise à jour, rien.",
            ["Le succès est écrasant.", "Dans sa mise à jour, rien."],
            [],
        ),
        ("Le groupe a grandi depuis un anL'entreprise recrute.", 2, []),
        # Where they do not, the text stays as written and the spot is flagged.
        ("La vitamine C.Elle aide.", None, ["abbreviation"]),
        ("Un livre de J.K.Rowling sort.", None, ["abbreviation"]),
        ("Une coordination plus soupleGoogle et OpenAI suivent.", None, ["glued-word"]),
        ("Les chiffres de 2023Les ventes suivent.", None, ["glued-word"]),
        ("Le lancement de SpaceXLe marché suit.", None, ["glued-word"]),
        (
            "Est-ce vraiment utile ?Non, répond-il.",
            ["Est-ce vraiment utile ? Non, répond-il."],
            ["glued-question"],
        ),
        ("La chaîne.CNIL rappelle la règle.", None, ["glued-sentence"]),
    ],
)
def test_glued_text_is_mended_only_where_the_text_decides(raw, paragraphs, doubts):
    article = parse_article((raw + "Source : AFPQue pensez-vous ?").encode())
    if paragraphs is None:  # kept exactly as written
        paragraphs = [raw.replace("'", "’")]
    if isinstance(paragraphs, int):
        assert len(article.paragraphs) == paragraphs
    else:
        assert article.paragraphs == paragraphs
    assert [d.kind for d in article.doubts] == doubts
    assert_nothing_invented(raw + "Source : AFPQue pensez-vous ?", article)


@pytest.mark.parametrize(
    ("raw", "source", "questions"),
    [
        ("Source : L'ExpressUtilisez-vous PayPal ?", "L’Express", ["Utilisez-vous PayPal ?"]),
        ("Source : L'Usine DigitaleUn modèle ouvert ?", "L’Usine Digitale", ["Un modèle ouvert ?"]),
        ("Source : Le Figaro ÉconomieQue faire ?", "Le Figaro Économie", ["Que faire ?"]),
        (
            "Source : Les ÉchosÊtes-vous abonné ?eBay peut-il gagner ?",
            "Les Échos",
            ["Êtes-vous abonné ?", "eBay peut-il gagner ?"],
        ),
        (
            "Source : Le MondeUn GIEC de l'IA : utile ou non ?",
            "Le Monde",
            ["Un GIEC de l’IA : utile ou non ?"],
        ),
    ],
)
def test_source_names_with_accents_apostrophes_and_several_words(raw, source, questions):
    article = parse_article(("Un texte.Le voici." + raw).encode())
    assert (article.source_name, article.questions) == (source, questions)
    assert article.doubts == []


def test_a_closing_line_that_is_no_question_is_flagged():
    article = parse_article(b"Un texte.Source : AFPQue faire ?Merci de votre lecture.")
    assert article.questions[-1] == "Merci de votre lecture."
    [doubt] = article.doubts
    assert (doubt.part, doubt.index, doubt.kind) == ("question", 1, "not-a-question")


def test_french_words_come_from_a_packaged_word_list():
    from articles.importer import word_counts

    assert word_counts("fr")["dans"] > 1_000_000 and "google" not in word_counts("fr")
    assert word_counts("xx") == {} and word_counts("../fr") == {}


def test_dry_run_prints_each_doubtful_spot_with_its_context(db, capsys):
    call_command("import_article", str(DATA / "nobel-alphafold-2024-10.txt"), "--dry-run")
    out = capsys.readouterr().out
    assert "Doubtful spots, kept as written (1): check them" in out
    assert "  - paragraph 2: …r l’intelligence artificielle [? Pas] seulement, insiste" in out
    assert "“?” glued to the next sentence" in out
    assert not Article.objects.exists()


def test_importing_still_lists_the_doubtful_spots(db, capsys):
    call_command("import_article", str(DATA / "onu-panel-ia-2024-09.txt"))
    assert "[soupleGoogle]" in capsys.readouterr().out
    assert Article.objects.get().status == Article.Status.DRAFT


# Made-up articles from real words: brands never split, nothing invented, and the
# paragraphs come back or the spot is flagged.
WORDS = """marché groupe données utilisateurs réseau modèle prix service entreprise annonce
abonnés plateforme recule progresse lundi hier désormais nouvelle version hausse application
publie semaine milliards dollars mois accord concurrence""".split()  # noqa: SIM905
BRANDS = """eDreams iRobot PayPal OpenAI iPhone DeepMind YouTube LinkedIn SpaceX GitHub easyJet
bioMérieux ChatGPT""".split()  # noqa: SIM905
OPENERS = """Le La Les Dans Selon Pour Cette Son Il Elle L'entreprise D'autres Google Bruxelles
PayPal OpenAI YouTube""".split()  # noqa: SIM905

sentence = st.builds(
    lambda opener, rest: " ".join([opener, *rest]) + ".",
    st.sampled_from(OPENERS),
    st.lists(st.sampled_from(WORDS + BRANDS), min_size=2, max_size=8),
)
paragraph = st.lists(sentence, min_size=1, max_size=3).map(" ".join)


NAMES = {"Google", "Bruxelles", *BRANDS}


@given(st.lists(st.tuples(paragraph, st.booleans()), min_size=2, max_size=5))
def test_made_up_articles_keep_their_brands_and_invent_nothing(parts):
    # A paragraph delivered without its last full stop (lost=True) is glued as is.
    for (text, lost), (following, _) in itertools.pairwise(parts):
        # A name glued to a name ("eDreamsGoogle") is one name as far as letters
        # tell: the importer cannot see that lost full stop, nor can anyone.
        assume(not (lost and text[:-1].split()[-1] in NAMES and following.split()[0] in NAMES))
    expected = [text.replace("'", "’") for text, _lost in parts]
    raw = "".join(text[:-1] if lost else text for text, lost in parts[:-1]) + parts[-1][0]
    raw += "Source : Les NumériquesQue pensez-vous de PayPal ?"
    article = parse_article(raw.encode())
    body = " ".join(article.paragraphs)
    for brand in BRANDS:
        assert body.count(brand) == raw.split("Source")[0].count(brand), brand
    assert_as_expected_or_flagged(
        article, expected, ["Que pensez-vous de PayPal ?"], "Les Numériques"
    )
    assert_nothing_invented(raw, article)
