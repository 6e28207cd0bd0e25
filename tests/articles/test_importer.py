"""The importer reads articles as they are delivered, and only mends typing accidents."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given
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
