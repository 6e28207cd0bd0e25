"""Read an article from text: the raw format it was delivered in, or our content file.

Raw text, as delivered: an optional ``date YYYY-MM[-DD]`` line carrying the
standfirst, then a body whose paragraphs may have been glued together
(``…avec Sora.Kling semble…``, ``…écrasantDans sa mise…``), then
``Source : NAME`` glued to the closing reader questions (``ASPIQuelle
lecture… ?Que pensez-vous… ?``). The parser only mends plain typing
accidents and says what it mended, so an editor can check it.

Content file: TOML with the same fields, written by :func:`to_content_file`.
Parsing never touches the database.
"""

import json
import re
import tomllib
from dataclasses import dataclass, field

UPPER = "A-ZÀ-ÖØ-ÞŒ"
LOWER = "a-zß-öø-ÿœ"
LETTER = UPPER + LOWER

# "date 2024-06 China is…" (leading spaces tolerated): the standfirst line.
DATE_LINE = re.compile(r"^\s*date\s+(\d{4})-(\d{2})(?:-(\d{2}))?\b\s*(.*)$", re.IGNORECASE)
# "Source : ASPI", "Sources: X" ends the body; the name runs into the questions.
SOURCE_MARK = re.compile(r"(?:^|(?<=[.!?…»\"”)\s]))Sources?\s*:\s*", re.IGNORECASE)
# A sentence end glued to the next sentence: "Sora.Kling", "attente.Cette".
# The character before the mark must be lowercase or a digit so "U.S.Army" stays.
GLUED_SENTENCE = re.compile(rf"(?<=[{LOWER}0-9][.!?…])(?=[«\"“]?[{UPPER}][{LOWER}])")
# A word glued to a capitalised word with its full stop lost: "écrasantDans sa".
# Left: a whole lowercase word of 3+ letters (so "iPhone", "eBay" stay); right: a
# capital and lowercase letters only, then a space or punctuation (so "DeepMind",
# "macOS", "YouTube" stay: their left part is not a lowercase word, or their right
# part is not a plain capitalised word).
GLUED_WORD = re.compile(rf"(?<![{LETTER}\-’'])([{LOWER}]{{3,}})(?=[{UPPER}][{LOWER}]+[\s,;:.!?])")
# A question mark glued to the next capital starts a new question; "? Pourquoi ?"
# (with a space) stays with its question.
GLUED_QUESTION = re.compile(rf"(?<=\?)(?=[«\"“]?[{UPPER}])")
# Where the source name ends and the first question starts: a capitalised word
# made of lowercase letters, hyphens or apostrophes only ("Quelle", "Êtes-vous").
QUESTION_START = re.compile(rf"(?<=\S)(?=[{UPPER}][{LOWER}’'\-]*[{LOWER}][\s,])")
SPACE_BEFORE_COMMA = re.compile(r"(?<=\S) +,")
# A straight double quote typed for an elided apostrophe: l"ASPI, d"une, qu"il.
QUOTE_AS_APOSTROPHE = re.compile(rf"\b([lLdDjJnNmMsStTcC]|[qQ]u)\"(?=[{LETTER}])")
STRAIGHT_QUOTES = re.compile(r"\"([^\"\n]+)\"")

EN_WORDS = {"the", "and", "of", "to", "in", "is", "on", "for", "with", "will", "be", "at", "yes"}
FR_WORDS = {"le", "la", "les", "de", "des", "du", "et", "est", "un", "une", "pour", "dans", "sur"}
NBSP = "\u00a0"


class ArticleFormatError(ValueError):
    """The text cannot be imported; the message says why, for a person."""


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
    mended: list[str] = field(default_factory=list)


def parse_article(data: bytes, *, filename: str = "") -> ParsedArticle:
    """Decode and parse either format; refuse what is not an article."""
    if b"\x00" in data:
        raise ArticleFormatError("This is a binary file, not a text article.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ArticleFormatError(
            f"This file is not a UTF-8 text file (byte {error.start} cannot be read); "
            "save it as UTF-8 and try again."
        ) from None
    if not text.strip():
        raise ArticleFormatError("The file is empty.")
    if filename.endswith(".toml") or _looks_like_toml(text):
        article = parse_content_file(text)
    else:
        article = parse_raw(text)
    if not article.paragraphs:
        raise ArticleFormatError("No body paragraphs were found.")
    if not article.questions:
        raise ArticleFormatError(
            "No reader questions were found: an article here ends with the questions "
            "its discussions are about (sentences ending with “?”)."
        )
    return article


def _looks_like_toml(text: str) -> bool:
    first = next((line for line in text.splitlines() if line.strip()), "")
    return bool(re.match(r"^\s*(\[[\w.]+\]|[\w-]+\s*=)", first))


# --- Raw text -------------------------------------------------------------


def parse_raw(text: str) -> ParsedArticle:
    """Parse the raw delivered format (see the module docstring)."""
    article = ParsedArticle()
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and (match := DATE_LINE.match(lines[first])):
        year, month, day, standfirst = match.groups()
        article.year, article.month = int(year), int(month)
        article.day = int(day) if day else None
        if not 1 <= article.month <= 12:
            raise ArticleFormatError(f"The date line has no month {month}.")
        article.standfirst = standfirst.strip()
        article.standfirst_lang = _guess_lang(article.standfirst)
        lines = lines[first + 1 :]
    rest = "\n".join(lines).strip()

    body, source_and_questions = _split_source(rest)
    if source_and_questions is not None:
        article.source_name, questions_text = _split_source_name(source_and_questions)
    else:
        body, questions_text = _split_trailing_questions(body)

    article.lang = _guess_lang(body) or "fr"
    french = article.lang == "fr"
    article.paragraphs = [
        _mend(p, article.mended, french=french) for p in _split_paragraphs(body, article.mended)
    ]
    article.questions = [
        _mend(q, article.mended, french=french) for q in _split_questions(questions_text)
    ]
    return article


def _split_source(text: str) -> tuple[str, str | None]:
    """Body before the last "Source :" mark, and what follows it."""
    marks = list(SOURCE_MARK.finditer(text))
    if not marks:
        return text, None
    mark = marks[-1]
    return text[: mark.start()].strip(), text[mark.end() :].strip()


def _split_source_name(text: str) -> tuple[str, str]:
    """ "ASPIQuelle lecture… ?" -> ("ASPI", "Quelle lecture… ?")."""
    first_line, _newline, after = text.partition("\n")
    if "?" not in first_line:  # the source stands on its own line
        return first_line.strip(), after.strip()
    before_mark = first_line[: first_line.index("?")]
    for start in QUESTION_START.finditer(before_mark):
        name = before_mark[: start.start()]
        if name.strip():
            return name.strip(), text[start.start() :].strip()
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


def _split_paragraphs(body: str, mended: list[str]) -> list[str]:
    paragraphs = []
    for block in _split_on_blank_lines(body):
        pieces = GLUED_SENTENCE.split(block)
        glued = []
        for piece in pieces:
            parts = GLUED_WORD.split(piece)
            # re.split with a group returns [before, word, after…]: put the lost stop back.
            current = parts[0]
            for index in range(1, len(parts), 2):
                current += parts[index] + "."
                glued.append(current)
                mended.append(f"full stop restored after “{parts[index]}”")
                current = parts[index + 1]
            glued.append(current)
        for piece in glued:
            if piece.strip():
                paragraphs.append(piece.strip())
        if len(glued) > 1:
            for piece in glued[1:]:
                mended.append(f"paragraph break restored before “{_start(piece)}”")
    return paragraphs


def _split_questions(text: str) -> list[str]:
    questions = []
    for line in text.split("\n"):
        for piece in GLUED_QUESTION.split(line):
            piece = " ".join(piece.split())
            if piece:
                questions.append(piece)
    return questions


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


def _guess_lang(text: str) -> str:
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
        raise ArticleFormatError(f"The content file is not valid TOML: {error}.") from None
    missing = [key for key in ("title", "paragraphs", "questions") if key not in data]
    if missing:
        raise ArticleFormatError(f"The content file lacks: {', '.join(missing)}.")
    for key in ("paragraphs", "questions"):
        if not isinstance(data[key], list) or not all(isinstance(x, str) for x in data[key]):
            raise ArticleFormatError(f"“{key}” must be a list of texts.")
    year = month = day = None
    if date := str(data.get("date", "")):
        match = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", date)
        if not match:
            raise ArticleFormatError(f"The date must read YYYY-MM or YYYY-MM-DD, not {date!r}.")
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
    return "\n".join(lines)
