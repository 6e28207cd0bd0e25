"""Read an article from text: the raw format it was delivered in, or our content file.

Raw text, as delivered: an optional ``date YYYY-MM[-DD]`` line carrying the
standfirst, then a body whose paragraphs may have been glued together
(``…avec Sora.Kling semble…``, ``…écrasantDans sa mise…``), then
``Source : NAME`` glued to the closing reader questions (``ASPIQuelle
lecture… ?Que pensez-vous… ?``). The parser only mends plain typing
accidents and says what it mended, so an editor can check it. Where the text
does not decide (``soupleGoogle``: a lost full stop, or a brand like
``easyJet``?) it weighs evidence — a word list of the article's language, the
shape of the neighbouring words — and when still unsure it keeps the text as
written and reports a doubtful spot.

Content file: TOML with the same fields, written by :func:`to_content_file`.
Parsing never touches the database.
"""

import gzip
import json
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib.resources import files

UPPER = "A-ZÀ-ÖØ-ÞŒ"
LOWER = "a-zß-öø-ÿœ"
LETTER = UPPER + LOWER

# "date 2024-06 China is…" (leading spaces tolerated): the standfirst line.
DATE_LINE = re.compile(r"^\s*date\s+(\d{4})-(\d{2})(?:-(\d{2}))?\b\s*(.*)$", re.IGNORECASE)
# "Source : ASPI", "Sources: X" ends the body; the name runs into the questions.
# A capital S only: "selon une source : …" inside the text is not the mark.
SOURCE_MARK = re.compile(r"(?:^|(?<=[.!?…»\"”)\s]))(?:Sources?|SOURCES?)\s*:\s*")
# Where two things were glued: a capital (maybe after an opening quote), or a
# lowercase-initial name ("pays.eDreams"), right after a character that is not a
# space. What the glue means is decided by `_judge_glue` from what stands on each side.
GLUE_POINT = re.compile(rf"(?<=\S)(?=[«“]?[{UPPER}]|[{LOWER}][{UPPER}])")
# Characters after which a capital is part of the same word: d'OpenAI, Wi-Fi.
JOINERS = "'’-/_@#([{«“\"&+=<*"
# A plain capitalised word ("Dans", "Êtes-vous") or an elided one ("L'entreprise").
PLAIN_WORD = re.compile(rf"[«“]?([{UPPER}][{LOWER}]+(?:-[{LOWER}]+)*)(?![{LETTER}0-9])")
ELIDED_WORD = re.compile(rf"[«“]?((?:[{UPPER}]|[{UPPER}][{LOWER}]*qu)['’])[{LETTER}]")
# The first words of a closing question, once glued to the source name: a
# capitalised word of lowercase letters, hyphens or apostrophes ("Quelle",
# "Êtes-vous", "Qu'en"), not right after an apostrophe or a hyphen ("L'Express").
QUESTION_START = re.compile(rf"(?<=[^\s'’\-])(?=[{UPPER}][{LOWER}’'\-]*[{LOWER}][\s,])")
# A question mark glued to what follows starts a new question; "? Pourquoi ?"
# (with a space) stays with its question.
GLUED_QUESTION = re.compile(rf"(?<=\?)(?=[«\"“]?[{LETTER}0-9])")
SPACE_BEFORE_COMMA = re.compile(r"(?<=\S) +,")
# A straight double quote typed for an elided apostrophe: l"ASPI, d"une, qu"il.
QUOTE_AS_APOSTROPHE = re.compile(rf"\b([lLdDjJnNmMsStTcC]|[qQ]u)\"(?=[{LETTER}])")
STRAIGHT_QUOTES = re.compile(r"\"([^\"\n]+)\"")

EN_WORDS = {"the", "and", "of", "to", "in", "is", "on", "for", "with", "will", "be", "at", "yes"}
FR_WORDS = {"le", "la", "les", "de", "des", "du", "et", "est", "un", "une", "pour", "dans", "sur"}
NBSP = "\u00a0"

# Titles written before a name: "M.Dupont" lost a space, not a paragraph break.
TITLES = {"M", "MM", "Mme", "Mmes", "Mlle", "Mlles", "Me", "Mgr", "Dr", "Pr", "St", "Ste", "Mr"}
# Words a sentence cannot end on (French, and a few English): "deGoogle" is no lost
# full stop.
# fmt: off
NEVER_LAST = {
    "à", "au", "aux", "avec", "ce", "ces", "cet", "cette", "chez", "dans", "de", "des", "du",
    "en", "entre", "et", "la", "le", "les", "leur", "leurs", "ma", "mes", "mon", "nos",
    "notre", "ou", "par", "pour", "que", "qui", "sa", "sans", "ses", "son", "sous", "sur",
    "ta", "tes", "ton", "un", "une", "vers", "vos", "votre", "a", "of", "the", "to",
}
# fmt: on
# How often a word must occur in the word list to be taken as the start of a
# sentence. Sentences open on common words ("Dans", "Selon", "Pourtant"); the
# rare openers that fall below ("Contrairement": 3 557) still clear it, while a
# glued name ("soupleGoogle") is not in the list at all.
SENTENCE_OPENER_MIN = 1_000
# After a name ("eDreamsLe", "SpaceXLe") or a run that is no word ("leboncoinLes"),
# only the commonest words (le, la, dans, pour, il, cette: all above 500 000)
# make a lost full stop likely; "BlaBlaCar" (car: 162 498) and "PowerPoint"
# (point: 122 723) stay names.
STRONG_OPENER_MIN = 500_000
# The inner parts of names are mostly English words (YouTube, BlaBlaCar,
# PowerPoint, DeepMind); a French word that is no English word ("Selon",
# "Pourtant": not in the English list at all) glued after a name starts a
# sentence. "Much more French than English" means this many times as frequent.
OTHER_LANGUAGE_RATIO = 10
CONTEXT_CHARS = 30  # either side of a doubtful spot, enough to find it in the text
# Private-use characters (planes 15 and 16, which no news text uses) that carry a
# doubtful spot through splitting and mending, to its place in the final text.
DOUBT_OPEN, DOUBT_CLOSE = 0xF0000, 0x100000


class ArticleFormatError(ValueError):
    """The text cannot be imported; the message says why, for a person.

    ``code`` names the reason, for screens that say it in the reader's language.
    """

    def __init__(self, message: str, *, code: str = "invalid", detail: str = ""):
        super().__init__(message)
        self.code = code
        self.detail = detail


@dataclass
class Doubt:
    """A spot the importer left as written because the text does not decide."""

    part: str  # "paragraph", "question" or "source"
    index: int  # which paragraph or question, from 0
    start: int  # the doubtful span in that part's text, as parsed
    end: int
    kind: str  # a short code, for screens that explain it in the reader's language
    reason: str  # the same, in English, for the command line
    excerpt: str = ""  # the span's text
    context: str = ""  # the span [in brackets] with some text either side


@dataclass
class ParsedArticle:
    title: str = ""
    slug: str = ""
    year: int | None = None
    month: int | None = None
    day: int | None = None
    standfirst: str = ""
    standfirst_lang: str = ""
    lang: str = "fr"
    paragraphs: list[str] = field(default_factory=list)
    source_name: str = ""
    source_url: str = ""
    questions: list[str] = field(default_factory=list)
    mended: list[str] = field(default_factory=list)  # mended with confidence
    doubts: list[Doubt] = field(default_factory=list)  # left as written: check these


def parse_article(data: bytes, *, filename: str = "") -> ParsedArticle:
    """Decode and parse either format; refuse what is not an article."""
    if b"\x00" in data:
        raise ArticleFormatError("This is a binary file, not a text article.", code="binary")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ArticleFormatError(
            f"This file is not a UTF-8 text file (byte {error.start} cannot be read); "
            "save it as UTF-8 and try again.",
            code="encoding",
        ) from None
    if not text.strip():
        raise ArticleFormatError("The file is empty.", code="empty")
    if filename.endswith(".toml") or _looks_like_toml(text):
        article = parse_content_file(text)
    else:
        article = parse_raw(text)
    if not article.paragraphs:
        raise ArticleFormatError("No body paragraphs were found.", code="no-paragraphs")
    if not article.questions:
        raise ArticleFormatError(
            "No reader questions were found: an article here ends with the questions "
            "its discussions are about (sentences ending with “?”).",
            code="no-questions",
        )
    return article


def _looks_like_toml(text: str) -> bool:
    first = next((line for line in text.splitlines() if line.strip()), "")
    return bool(re.match(r"^\s*(\[[\w.]+\]|[\w-]+\s*=)", first))


# --- Evidence: the words of a language --------------------------------------


@cache
def word_counts(lang: str) -> dict[str, int]:
    """How often each lowercase word occurs in the language, from a word list
    shipped with pyspellchecker (no download); empty for a language it lacks."""
    if not re.fullmatch(r"[a-z]{2}", lang or ""):
        return {}
    resource = files("spellchecker") / "resources" / f"{lang}.json.gz"
    if not resource.is_file():
        return {}
    return json.loads(gzip.decompress(resource.read_bytes()))


def _count(word: str, lang: str) -> int:
    return word_counts(lang).get(word.lower(), 0)


def _opener_count(word: str, lang: str) -> int:
    """How common a capitalised word is, as the first word of a sentence."""
    head = re.split(r"[-’']", word)[0]  # "Êtes-vous" -> "Êtes"
    return _count(head, lang)


# --- Raw text -------------------------------------------------------------


@dataclass
class _Pending:
    """Doubts found while parsing, before their final place in the text is known."""

    notes: list[tuple[str, str]] = field(default_factory=list)  # (kind, reason)

    def add(self, kind: str, reason: str) -> tuple[str, str]:
        """The two characters to put around the doubtful span."""
        number = len(self.notes)
        self.notes.append((kind, reason))
        return chr(DOUBT_OPEN + number), chr(DOUBT_CLOSE + number)

    def mark(self, text: str, kind: str, reason: str) -> str:
        opening, closing = self.add(kind, reason)
        return opening + text + closing


def parse_raw(text: str) -> ParsedArticle:
    """Parse the raw delivered format (see the module docstring)."""
    article = ParsedArticle()
    pending = _Pending()
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and (match := DATE_LINE.match(lines[first])):
        year, month, day, standfirst = match.groups()
        article.year, article.month = int(year), int(month)
        article.day = int(day) if day else None
        if not 1 <= article.month <= 12:
            raise ArticleFormatError(f"The date line has no month {month}.", code="date")
        article.standfirst = standfirst.strip()
        article.standfirst_lang = guess_lang(article.standfirst)
        lines = lines[first + 1 :]
    rest = "\n".join(lines).strip()

    body, source_and_questions = _split_source(rest)
    if source_and_questions is not None:
        article.lang = guess_lang(body) or "fr"
        source_name, questions_text = _split_source_name(
            source_and_questions, pending, lang=article.lang
        )
    else:
        source_name = ""
        body, questions_text = _split_trailing_questions(body)
        article.lang = guess_lang(body) or "fr"
    french = article.lang == "fr"
    paragraphs = [
        _mend(p, article.mended, french=french)
        for p in _split_paragraphs(body, article.mended, pending, lang=article.lang)
    ]
    questions = [
        _mend(q, article.mended, french=french)
        for q in _split_questions(questions_text, article.mended, pending, lang=article.lang)
    ]
    source = _mend(source_name, article.mended, french=french)
    article.paragraphs = _place_doubts(paragraphs, "paragraph", pending, article.doubts)
    article.questions = _place_doubts(questions, "question", pending, article.doubts)
    [article.source_name] = _place_doubts([source], "source", pending, article.doubts)
    return article


def _split_source(text: str) -> tuple[str, str | None]:
    """Body before the last "Source :" mark, and what follows it."""
    marks = list(SOURCE_MARK.finditer(text))
    if not marks:
        return text, None
    mark = marks[-1]
    return text[: mark.start()].strip(), text[mark.end() :].strip()


def _split_source_name(text: str, pending: _Pending, *, lang: str) -> tuple[str, str]:
    """ "ASPIQuelle lecture… ?" -> ("ASPI", "Quelle lecture… ?")."""
    first_line, _newline, after = text.partition("\n")
    if "?" not in first_line:  # the source stands on its own line
        return first_line.strip(), after.strip()
    before_mark = first_line[: first_line.index("?")]
    starts = [m.start() for m in QUESTION_START.finditer(before_mark)]
    for number, start in enumerate(starts):
        name = before_mark[:start].strip()
        if not name:
            continue
        # "Le ParisienAvez-vous … iPhone": the first glue is the boundary when the
        # question opens on a common word; otherwise a later one could be.
        first_word = PLAIN_WORD.match(before_mark, start)
        common = first_word and _opener_count(first_word[1], lang) >= SENTENCE_OPENER_MIN
        if number + 1 < len(starts) and not common:
            name = pending.mark(
                name,
                "source-end",
                "where the source's name ends and the first question starts is a guess",
            )
        return name, text[start:].strip()
    return "", text.strip()


def _split_trailing_questions(body: str) -> tuple[str, str]:
    """Without a source line, the questions are the run of "?" sentences at the end."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", body) if b.strip()]
    if len(blocks) > 1 and blocks[-1].endswith("?") and not re.search(r"[.!…]\s", blocks[-1]):
        return "\n\n".join(blocks[:-1]), blocks[-1]  # a last block of questions only
    # Questions glued after the last full stop: "…compétitif.Quelle lecture… ?"
    last_stop = body.rfind(".")
    tail = body[last_stop + 1 :].strip()
    if last_stop > 0 and tail.endswith("?"):
        return body[: last_stop + 1], tail
    return body, ""


def _split_on_blank_lines(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


@dataclass
class _Glue:
    """What to do where two pieces of text were glued."""

    action: str  # "split" (paragraph break), "space" (a lost space) or "doubt" (keep as is)
    start: int = 0  # the span shown to the editor for a doubt
    end: int = 0
    kind: str = ""
    reason: str = ""
    stop: bool = False  # a split that puts back a lost full stop
    space: bool = False  # a doubt that also puts back a lost space
    note: str = ""  # what was mended, for `mended`


WORD_GLUED = (
    "glued-word",
    "a word glued to a capitalised word: a lost full stop, or one name with an inner capital?",
)
STOP_GLUED = (
    "glued-sentence",
    "a full stop glued to a word that does not start like a sentence",
)
ABBREVIATION_GLUED = (
    "abbreviation",
    "an abbreviation glued to a capitalised word: the end of a sentence, or a name?",
)
OPENER_GLUED = (
    "glued-word",
    "a common first word glued to what precedes it: a lost full stop?",
)


def _judge_glue(text: str, at: int, *, lang: str) -> _Glue | None:
    """What a capital glued to the preceding character means (see GLUE_POINT)."""
    before = text[at - 1]
    if before in JOINERS or re.match(rf"[{UPPER}]\.", text[at : at + 2]):
        return None  # "d'OpenAI", "Wi-Fi"; "O.N.U.": inside an abbreviation
    if text[at].islower() and before not in ".…?!":
        return None  # "eBay", "iPhone": only a stop before them can glue
    token_start = at
    while token_start > 0 and not text[token_start - 1].isspace():
        token_start -= 1
    end = at
    while end < len(text) and not text[end].isspace():
        end += 1
    end -= len(text[at:end]) - len(text[at:end].rstrip(",;:"))
    next_word = _NextWord(text, at, lang)

    def doubt(kind_and_reason, start=token_start, **extra):
        kind, reason = kind_and_reason
        return _Glue("doubt", start=start, end=end, kind=kind, reason=reason, **extra)

    if re.match(rf"[{LOWER}]", before):
        return _after_lowercase(text, at, next_word, lang=lang, doubt=doubt)
    if before in ".…":
        return _after_stop(text[token_start : at - 1], text, at, next_word, doubt=doubt)
    if before in "?!":  # "vraiment ?Non": a lost space, maybe a lost paragraph break
        reason = (
            f"“{before}” glued to the next sentence: kept in the same paragraph, "
            "but it may start a new one"
        )
        return doubt(("glued-question", reason), start=at - 1, space=True)
    if re.match(r"[0-9»”\")\]]", before) and next_word.opens_sentence:
        return doubt(OPENER_GLUED)  # "en 2023Les", "« bulle »Les"
    if before.isupper() and next_word.surely_opens:
        return doubt(OPENER_GLUED)  # "SpaceXLe groupe"; not "DeepMind", "PCWorld"
    return None


@dataclass
class _NextWord:
    """The word a glued capital starts, and how much it looks like a sentence's first."""

    text: str
    at: int
    lang: str

    def __post_init__(self):
        plain = PLAIN_WORD.match(self.text, self.at)
        self.word = plain[1] if plain else ""  # "Dans", "Êtes-vous"; not "YouTube"
        self.is_elided = bool(ELIDED_WORD.match(self.text, self.at))  # "L'entreprise"
        self.count = _opener_count(self.word, self.lang) if self.word else 0
        self.opens_sentence = self.is_elided or self.count >= SENTENCE_OPENER_MIN
        self.is_plain = bool(self.word) or self.is_elided

    @cached_property
    def surely_opens(self) -> bool:
        """Even after a name: "eDreamsLe", "SpaceXL'entreprise", "eDreamsSelon" (see
        STRONG_OPENER_MIN and OTHER_LANGUAGE_RATIO). Only asked after a name, so the
        other language's list (13 MB) is loaded only when one is glued."""
        if self.is_elided or self.count >= STRONG_OPENER_MIN:
            return True
        if not self.opens_sentence:  # "Mind", "Tube": not worth the other list
            return False
        other = _count(self.word, "en" if self.lang == "fr" else "fr")
        return self.count > OTHER_LANGUAGE_RATIO * other


def _after_lowercase(text, at, next_word, *, lang, doubt) -> _Glue | None:
    """ "écrasantDans": a lost full stop; "easyJet", "iPhone", "OpenAI": one name."""
    left_start = at
    while left_start > 0 and re.match(rf"[{LETTER}]", text[left_start - 1]):
        left_start -= 1
    left = text[left_start:at]
    if not re.fullmatch(rf"[{LOWER}]{{2,}}", left):
        # A name with inner capitals (iPhone, OpenAI, YouTube, LinkedIn), unless the
        # capital starts one of the commonest words: "eDreamsLe groupe".
        if next_word.surely_opens:
            return doubt(WORD_GLUED)
        return None
    is_word = _count(left, lang) > 0 and not (
        next_word.word and _count(left + next_word.word, lang)
    )
    if is_word and next_word.opens_sentence and left.lower() not in NEVER_LAST:
        return _Glue("split", stop=True, note=f"full stop restored after “{left}”")
    if is_word or next_word.surely_opens:
        return doubt(WORD_GLUED, start=left_start)  # "soupleGoogle", "leboncoinLes"
    return None  # easyJet, bioMérieux: not a word on the left, not a sentence on the right


def _after_stop(token, text, at, next_word, *, doubt) -> _Glue | None:
    """ "Sora.Kling", "ChatGPT.Le", "l'O.N.U.Le", "M.Dupont", "Meta Inc.Son"."""
    name = re.split(r"['’]", token.lstrip('(«“"'))[-1]  # "l'O.N.U" -> "O.N.U"
    if not name:
        return None
    if name in TITLES:
        return _Glue("space", note=f"space restored after “{name}.”")
    if re.fullmatch(rf"(?:[{UPPER}]\.)*[{UPPER}]", name):
        # "O.N.U.Le": the abbreviation's stop can end the sentence as well;
        # "F.Kennedy": an initial. Only a common first word decides.
        if next_word.opens_sentence and len(name) > 1:
            return _Glue("split")
        return doubt(ABBREVIATION_GLUED)
    if next_word.is_plain or re.match(rf"[{LETTER}][{LOWER}]", text[at : at + 2]):
        # "Sora.Kling", "ChatGPT.Le", "RGPD.En", "disparaître".Les", "chaîne.LinkedIn"
        return _Glue("split")
    if re.fullmatch(rf"[{LETTER}]+", name) and re.match(
        rf"[{LOWER}][{UPPER}][{LOWER}]", text[at : at + 3]
    ):
        return _Glue("split")  # "pays.eDreams", "chaîne.iPhone"; not "openai.com.iOS"
    return doubt(STOP_GLUED)  # "chaîne.CNIL": or a file name, "rapport.PDF"?


def _resolve_glue(
    block: str, mended: list[str], pending: _Pending, *, lang: str, splits: bool = True
) -> str:
    """The block with "\n" where paragraphs were glued, lost stops and spaces put
    back, and doubtful spots marked (see `_Pending`). Without ``splits`` (inside a
    question) a paragraph break becomes a doubt."""
    edits: list[tuple[int, int, str]] = []  # (position, order at that position, text)
    for match in GLUE_POINT.finditer(block):
        at = match.start()
        glue = _judge_glue(block, at, lang=lang)
        if glue is None:
            continue
        if glue.action == "split" and not splits:
            start = at
            while start > 0 and not block[start - 1].isspace():
                start -= 1
            glue = _Glue(
                "doubt",
                start=start,
                end=at + len(block[at:].split(maxsplit=1)[0]),
                kind="questions-glued",
                reason="two questions may have been glued here",
            )
        if glue.action == "split":
            edits.append((at, 1, ".\n" if glue.stop else "\n"))
            if glue.note:
                mended.append(glue.note)
            mended.append(f"paragraph break restored before “{_start(block[at:])}”")
        elif glue.action == "space":
            edits.append((at, 1, " "))
            mended.append(glue.note)
        else:
            opening, closing = pending.add(glue.kind, glue.reason)
            edits.append((glue.start, 2, opening))
            edits.append((glue.end, 0, closing))
            if glue.space:
                edits.append((at, 1, " "))
    for position, _order, insert in sorted(edits, reverse=True):
        block = block[:position] + insert + block[position:]
    return block


def _split_paragraphs(body: str, mended: list[str], pending: _Pending, *, lang: str) -> list[str]:
    paragraphs = []
    for block in _split_on_blank_lines(body):
        resolved = _resolve_glue(block, mended, pending, lang=lang)
        paragraphs += [piece.strip() for piece in resolved.split("\n") if piece.strip()]
    return paragraphs


def _split_questions(text: str, mended: list[str], pending: _Pending, *, lang: str) -> list[str]:
    questions = []
    for line in text.split("\n"):
        for piece in GLUED_QUESTION.split(line):
            piece = " ".join(piece.split())
            if not piece:
                continue
            resolved = _resolve_glue(piece, mended, pending, lang=lang, splits=False)
            if not piece.rstrip('»”" ').endswith("?"):
                resolved = pending.mark(
                    resolved, "not-a-question", "this closing line does not end with “?”"
                )
            questions.append(resolved)
    return questions


def _place_doubts(texts: list[str], part: str, pending: _Pending, doubts: list[Doubt]) -> list[str]:
    """Take the doubt marks out of ``texts`` and record where they were."""
    clean_texts = []
    for index, text in enumerate(texts):
        clean, opened, spans = [], {}, {}
        for char in text:
            code = ord(char)
            if DOUBT_OPEN <= code < DOUBT_OPEN + len(pending.notes):
                opened[code - DOUBT_OPEN] = len(clean)
            elif DOUBT_CLOSE <= code < DOUBT_CLOSE + len(pending.notes):
                number = code - DOUBT_CLOSE
                if number in opened:
                    spans[number] = (opened.pop(number), len(clean))
            else:
                clean.append(char)
        clean_text = "".join(clean)
        for number, start in opened.items():  # a mark cut by a split: up to the end
            spans[number] = (start, len(clean_text))
        # Strip as the parts are stripped, and keep the spans on the same letters.
        lead = len(clean_text) - len(clean_text.lstrip())
        stripped = clean_text.strip()
        for number, (start, end) in sorted(spans.items()):
            start = min(max(start - lead, 0), len(stripped))
            end = min(max(end - lead, start), len(stripped))
            kind, reason = pending.notes[number]
            doubts.append(
                Doubt(
                    part=part,
                    index=index,
                    start=start,
                    end=end,
                    kind=kind,
                    reason=reason,
                    excerpt=stripped[start:end],
                    context=_context(stripped, start, end),
                )
            )
        clean_texts.append(stripped)
    return clean_texts


def _context(text: str, start: int, end: int) -> str:
    before = text[max(0, start - CONTEXT_CHARS) : start]
    after = text[end : end + CONTEXT_CHARS]
    return (
        ("…" if start > CONTEXT_CHARS else "")
        + f"{before}[{text[start:end]}]{after}"
        + ("…" if end + CONTEXT_CHARS < len(text) else "")
    )


def _mend(text: str, mended: list[str], *, french: bool) -> str:
    """Mend plain typing accidents, and apply French typography to French text."""
    fixed = QUOTE_AS_APOSTROPHE.sub(r"\1’", text)
    if fixed != text:
        mended.append(f"straight quote used as an apostrophe in “{_start(text)}”")
    before_commas = fixed
    fixed = SPACE_BEFORE_COMMA.sub(",", fixed)
    if fixed != before_commas:
        mended.append(f"space before a comma removed in “{_start(text)}”")
    if french:
        fixed = fixed.replace("'", "’")
        fixed = STRAIGHT_QUOTES.sub(lambda m: f"«{NBSP}{m.group(1).strip()}{NBSP}»", fixed)
        fixed = re.sub(r"«\s*", f"«{NBSP}", fixed)
        fixed = re.sub(r"\s*»", f"{NBSP}»", fixed)
    return fixed


def _start(text: str, words: int = 4) -> str:
    return " ".join(text.split()[:words])


def guess_lang(text: str) -> str:
    """ "en" or "fr" from a few common words; "" when there are none."""
    words = re.findall(rf"[{LETTER}]+", text.lower())
    en = sum(word in EN_WORDS for word in words)
    fr = sum(word in FR_WORDS for word in words)
    if not en and not fr:
        return ""
    return "en" if en > fr else "fr"


# --- Content file ---------------------------------------------------------


def parse_content_file(text: str) -> ParsedArticle:
    """Parse the project's TOML content file."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ArticleFormatError(
            f"The content file is not valid TOML: {error}.", code="content-file", detail=str(error)
        ) from None
    missing = [key for key in ("title", "paragraphs", "questions") if key not in data]
    if missing:
        raise ArticleFormatError(
            f"The content file lacks: {', '.join(missing)}.",
            code="content-file",
            detail=f"lacks {', '.join(missing)}",
        )
    for key in ("paragraphs", "questions"):
        if not isinstance(data[key], list) or not all(isinstance(x, str) for x in data[key]):
            raise ArticleFormatError(
                f"“{key}” must be a list of texts.",
                code="content-file",
                detail=f"{key} must be a list of texts",
            )
    year = month = day = None
    if date := str(data.get("date", "")):
        match = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", date)
        if not match:
            raise ArticleFormatError(
                f"The date must read YYYY-MM or YYYY-MM-DD, not {date!r}.", code="date"
            )
        year, month = int(match[1]), int(match[2])
        day = int(match[3]) if match[3] else None
    source = data.get("source", {})
    return ParsedArticle(
        title=str(data["title"]),
        slug=str(data.get("slug", "")),
        year=year,
        month=month,
        day=day,
        standfirst=str(data.get("standfirst", "")),
        standfirst_lang=str(data.get("standfirst_lang", "")),
        lang=str(data.get("lang", "fr")),
        paragraphs=[p.strip() for p in data["paragraphs"] if p.strip()],
        source_name=str(source.get("name", "")),
        source_url=str(source.get("url", "")),
        questions=[q.strip() for q in data["questions"] if q.strip()],
    )


def _toml_string(value: str) -> str:
    # A JSON string literal is a valid TOML basic string (same quotes and escapes),
    # except that TOML also wants DEL escaped.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def to_content_file(article: ParsedArticle) -> str:
    """The TOML content file for ``article`` (round-trips with parse_content_file)."""
    date = ""
    if article.year and article.month:
        date = f"{article.year:04d}-{article.month:02d}"
        if article.day:
            date += f"-{article.day:02d}"
    lines = [
        f"slug = {_toml_string(article.slug)}",
        f"title = {_toml_string(article.title)}",
        f"date = {_toml_string(date)}",
        f"lang = {_toml_string(article.lang)}",
        f"standfirst = {_toml_string(article.standfirst)}",
        f"standfirst_lang = {_toml_string(article.standfirst_lang)}",
        "paragraphs = [",
        *(f"    {_toml_string(p)}," for p in article.paragraphs),
        "]",
        "questions = [",
        *(f"    {_toml_string(q)}," for q in article.questions),
        "]",
        "",
        "[source]",
        f"name = {_toml_string(article.source_name)}",
        f"url = {_toml_string(article.source_url)}",
    ]
    return "\n".join(lines) + "\n"


def describe(article: ParsedArticle) -> str:
    """A plain-text report of what was found, for ``import_article --dry-run``."""
    date = "unknown"
    if article.year:
        date = f"{article.year:04d}-{article.month:02d}"
        date += f"-{article.day:02d}" if article.day else ""
    lines = [
        f"Title: {article.title or '(none: give --title)'}",
        f"Slug: {article.slug or '(from the title or the file name)'}",
        f"Date: {date}",
        f"Standfirst ({article.standfirst_lang or '?'}): {article.standfirst or '(none)'}",
        f"Body ({article.lang}): {len(article.paragraphs)} paragraphs",
    ]
    for number, paragraph in enumerate(article.paragraphs, start=1):
        excerpt = paragraph if len(paragraph) <= 80 else paragraph[:79] + "…"
        lines.append(f"  {number}. {excerpt}")
    source = article.source_name or "(none)"
    lines.append(f"Source: {source}" + (f" <{article.source_url}>" if article.source_url else ""))
    lines.append(f"Questions: {len(article.questions)}")
    lines += [f"  {number}. {q}" for number, q in enumerate(article.questions, start=1)]
    if article.mended:
        lines.append("Mended:")
        lines += [f"  - {note}" for note in article.mended]
    if article.doubts:
        lines.append(describe_doubts(article))
    return "\n".join(lines)


def describe_doubts(article: ParsedArticle) -> str:
    """The doubtful spots, each with the text around it, to find and check them."""
    lines = [f"Doubtful spots, kept as written ({len(article.doubts)}): check them"]
    for doubt in article.doubts:
        where = doubt.part if doubt.part == "source" else f"{doubt.part} {doubt.index + 1}"
        lines.append(f"  - {where}: {doubt.context}")
        lines.append(f"    {doubt.reason}")
    return "\n".join(lines)
