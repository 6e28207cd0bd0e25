"""Hostile text comes out as text, wherever the site shows what members wrote.

Every payload of tests/data/xss_payloads.txt goes through each place user text
appears: an answer on the question page and on its permalink, the live preview and
the preview without JavaScript, a pseudonym (byline, member page, menu), the edit
history, the article page's most appreciated answer, the permalink's breadcrumb and
meta description, the edit, delete and reply pages. Each page is re-parsed and held
to what its harmless twin (the same page with ordinary words) looks like:

- outside the boxes that hold an answer's HTML, the page has the very same elements
  and attribute names as its twin: nothing was added, no attribute was broken out of;
- inside those boxes, only the answer allow-list;
- no ``on*`` attribute, no address with a scheme other than http, https or mailto;
- what the reader sees holds the payload's visible text (see the payload file).

The payloads are batched wherever a page can hold many (all the answers on one
question, one page load); pages about one answer or one member are loaded once per
payload.
"""

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from django.urls import reverse

from forum.answers import do_edit_answer
from forum.voting import do_set_vote
from tests.factories import long_ago, make_answer, make_article, make_member, make_question

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_forms")]

PAYLOAD_FILE = Path(__file__).parent.parent / "data" / "xss_payloads.txt"

# The answer allow-list (forum.markdown), written out here: the test says what it expects.
ANSWER_MARKUP = {
    **{tag: set() for tag in ["p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "li"]},
    "ol": {"start"},
    "a": {"href", "title", "rel"},
}
# Excerpts (most appreciated answer) are plain text cut into paragraphs.
EXCERPT_MARKUP = {"p": set()}
SAFE_SCHEMES = {"http", "https", "mailto"}
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "data", "poster", "background",
    "srcset", "ping", "cite", "longdesc", "codebase", "manifest",
}  # fmt: skip


# --- The corpus -----------------------------------------------------------------------

_ESCAPE = re.compile(r"\\(n|t|r|\\|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4})")
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
# A tag-like "<name" that a reader must see as typed when no expectation is written.
_TAG_LIKE = re.compile(r"<[!?/]?[A-Za-z][A-Za-z0-9:-]*")


def _unescape(raw: str) -> str:
    return _ESCAPE.sub(lambda m: _SIMPLE.get(m[1]) or chr(int(m[1][1:], 16)), raw)


@dataclass(frozen=True)
class Payload:
    text: str
    visible: str  # what the reader must see of it, as text; "" when nothing in particular
    line: int

    def __str__(self):
        return f"line {self.line} {self.text!r}"


def load_payloads() -> list[Payload]:
    payloads = []
    lines = PAYLOAD_FILE.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("%% ") or line == "%%":
            continue
        raw, _arrow, visible = line.partition(" ⟶ ")
        text = _unescape(raw)
        if visible == "∅":
            visible = ""
        elif visible:
            visible = _unescape(visible)
        elif match := _TAG_LIKE.search(text):
            visible = match[0]
        payloads.append(Payload(text, visible, number))
    return payloads


PAYLOADS = load_payloads()
N = len(PAYLOADS)
HARMLESS = [f"Texte ordinaire numéro {n}." for n in range(N)]


def pseudonyms(texts) -> list[str]:
    """Each text as a pseudonym, as the member table stores it: NFKC-normalised (as
    create_user does), cut to the column's 150 characters, unique whatever the case and
    however alike they look (the skeleton of forum.accounts)."""
    from forum.accounts import username_skeleton

    taken, names = set(), []
    for n, text in enumerate(texts):
        name = unicodedata.normalize("NFKC", text)[:150]
        if {name.lower(), username_skeleton(name)} & taken:
            name = unicodedata.normalize("NFKC", f"{text[:140]} ({n})")
        taken |= {name.lower(), username_skeleton(name)}
        names.append(name)
    return names


NAMES = pseudonyms(p.text for p in PAYLOADS)


def test_the_corpus_is_large_and_has_no_duplicates():
    texts = [p.text for p in PAYLOADS]
    assert len(texts) >= 200
    assert len(set(texts)) == len(texts)
    assert not any("\x00" in text for text in texts)  # PostgreSQL stores no NUL


# --- Reading pages --------------------------------------------------------------------


def parse(response_or_html) -> BeautifulSoup:
    html = getattr(response_or_html, "content", response_or_html)
    if isinstance(html, bytes):
        html = html.decode()
    return BeautifulSoup(html, "html.parser")


def squeeze(text: str) -> str:
    return " ".join(text.split())


def scheme_of(url: str) -> str:
    """The scheme a browser reads in ``url``, or "" for a relative address: C0 controls
    and spaces around it are dropped, tabs and newlines anywhere (WHATWG URL)."""
    url = url.strip("".join(map(chr, range(0x21)))).translate({9: None, 10: None, 13: None})
    match = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", url)
    return match[1].lower() if match else ""


def _box_of(element) -> dict | None:
    """The markup allowed inside ``element`` if it holds user HTML, else None."""
    classes = element.get("class") or ()
    if "answer__body" in classes or "preview" in classes:
        return ANSWER_MARKUP
    if "top-answer__text" in classes:
        return EXCERPT_MARKUP
    return None


def _is_member_excerpt(element) -> bool:
    """A paragraph of an answer's excerpt on a member page: text only, as many as the
    answer has blocks, so they are left out of the page's shape."""
    parent = element.parent
    return (
        element.name == "p"
        and not element.get("class")
        and parent.name == "li"
        and "member__answers" in (parent.parent.get("class") or ())
    )


@dataclass
class Reading:
    """One walk through a page: its shape outside the user-HTML boxes (element names and
    attribute names, in order), the shape of each repeated unit (an answer, a question
    card), what is wrong in it, the boxes' texts, and the page's CSRF token."""

    shape: list = field(default_factory=list)
    units: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    box_texts: list = field(default_factory=list)
    scripts: list = field(default_factory=list)
    token: str = ""


def read(page, where: str, *, unit: str = "") -> Reading:
    """Walk ``page``; elements of class ``unit`` each get a shape of their own."""
    reading = Reading()
    if page.body is not None and page.body.has_attr("data-hx-headers"):
        reading.token = json.loads(page.body["data-hx-headers"])["X-CSRFToken"]

    def check_attributes(element):
        for name, value in element.attrs.items():
            if name.lower().startswith("on"):
                reading.problems.append(f"{where}: <{element.name} {name}=…>")
            if name.lower() in URL_ATTRIBUTES:
                for url in value if isinstance(value, list) else [value]:
                    if scheme_of(url) not in SAFE_SCHEMES | {""}:
                        reading.problems.append(f"{where}: <{element.name} {name}={url!r}>")

    def visit(element, allowed, shape):
        for child in element.children:
            if not isinstance(child, Tag):
                continue
            check_attributes(child)
            if child.name == "script":
                reading.scripts.append((child.get("src"), child.get("type"), child.string))
            if allowed is not None:  # inside a box of user HTML
                if "preview__label" in (child.get("class") or ()):
                    pass  # the site's own "Preview" heading
                elif child.name not in allowed:
                    reading.problems.append(f"{where}: <{child.name}> in user HTML")
                elif extra := set(child.attrs) - allowed[child.name]:
                    reading.problems.append(f"{where}: <{child.name} {sorted(extra)}>")
                visit(child, allowed, shape)
                continue
            if _is_member_excerpt(child):
                reading.box_texts.append(child.get_text())
                if child.find(True):
                    reading.problems.append(f"{where}: markup in a member page excerpt")
                continue
            box = _box_of(child)
            if box is not None:
                reading.box_texts.append(child.get_text())
            inner = shape
            if unit and unit in (child.get("class") or ()):
                inner = []
                reading.units.append(inner)
            inner.append((child.name, tuple(sorted(child.attrs))))
            visit(child, box, inner)

    visit(page, None, reading.shape)
    return reading


def _first_difference(mine: list, theirs: list) -> str:
    at = next(
        (n for n, (a, b) in enumerate(zip(mine, theirs, strict=False)) if a != b),
        min(len(mine), len(theirs)),
    )
    return f"at #{at}: {mine[at : at + 3]} instead of {theirs[at : at + 3]}"


def page_problems(page, twin: Reading, where: str, *, unit: str = "") -> list[str]:
    """``page`` against its harmless ``twin``: the same elements and attribute names
    outside the user-HTML boxes (each unit as the twin's first one), the same scripts,
    nothing unsafe anywhere, and the reader's CSRF token in no user text (cached answers
    carry ``<csrf-token>`` where the token goes, replaced for each page)."""
    mine = read(page, where, unit=unit)
    problems = list(mine.problems)
    if mine.scripts != twin.scripts:
        problems.append(f"{where}: scripts {mine.scripts} instead of {twin.scripts}")
    if mine.shape != twin.shape:
        problems.append(f"{where}: elements differ {_first_difference(mine.shape, twin.shape)}")
    for number, shape in enumerate(mine.units):
        if shape != twin.units[0]:
            difference = _first_difference(shape, twin.units[0])
            problems.append(f"{where}: unit {number} differs {difference}")
    if mine.token and any(mine.token in text for text in mine.box_texts):
        problems.append(f"{where}: the CSRF token shows in user text")
    return problems


def harmless(response, *, unit: str = "") -> Reading:
    """The reading of a harmless twin page, which must itself be clean."""
    reading = read(parse(response), "harmless twin", unit=unit)
    assert reading.problems == []
    return reading


def fragment_problems(html: str, where: str) -> list[str]:
    """An htmx fragment of user HTML (the live preview): the allow-list and nothing else."""
    return read(parse(f'<div class="preview">{html}</div>'), where).problems


def shows(text: str, payload: Payload) -> bool:
    return squeeze(payload.visible) in squeeze(text)


def plain(html: str) -> str:
    """What a reader sees of an answer's stored HTML."""
    return BeautifulSoup(html, "html.parser").get_text(" ")


def is_excerpt(excerpt: str, full: str) -> bool:
    """``excerpt`` is the start of ``full``, give or take the " / " between blocks, the
    "…" of a cut, the last, cut word, and Unicode normalisation (truncatechars
    composes "e" and its accent)."""

    def letters(text):
        return re.sub(r"[\s/…]", "", unicodedata.normalize("NFC", text))

    start = letters(excerpt)
    cut = excerpt.rstrip().endswith("…")
    return letters(full).startswith(start[:-1] if cut else start)


# --- Making the discussions -----------------------------------------------------------


def members(names):
    made = [make_member(name) for name in names]
    assert [m.username for m in made] == list(names)  # stored as written
    return made


def discussion(texts, names=None):
    """One question answered once per text. With ``names``, each text by a member of
    that name; without, all by one harmless member."""
    question = make_question(text="Faut-il s’en inquiéter ?")
    authors = members(names) if names else [make_member(f"membre{question.pk}")] * len(texts)
    return question, [
        make_answer(question, author, body=text)
        for text, author in zip(texts, authors, strict=True)
    ]


def corpus_chunks(limit: int) -> list[str]:
    """The payloads joined by blank lines, in as few texts of at most ``limit``
    characters as they fit in."""
    chunks, chunk = [], ""
    for payload in PAYLOADS:
        joined = f"{chunk}\n\n{payload.text}" if chunk else payload.text
        if len(joined) > limit:
            chunks.append(chunk)
            joined = payload.text
        chunk = joined
    return [*chunks, chunk]


TEXTS = [p.text for p in PAYLOADS]


# --- The question page and the permalinks -----------------------------------------------


def test_answers_and_bylines_on_the_question_page(client, settings):
    settings.ANSWERS_PER_PAGE = 10 * N  # every answer on one page
    question, answers = discussion(TEXTS, NAMES)
    twin_question, _twins = discussion(HARMLESS[:1])
    page = parse(client.get(question.get_absolute_url()))
    twin = harmless(client.get(twin_question.get_absolute_url()), unit="node")

    problems = page_problems(page, twin, "question page", unit="node")
    assert problems == [], "\n".join(problems)  # the page is whole: now its texts
    nodes = {node.get("id"): node for node in page.find_all("li", class_="node")}
    for payload, name, answer in zip(PAYLOADS, NAMES, answers, strict=True):
        node = nodes[f"a{answer.pk}"]
        if not shows(node.find(class_="answer__body").get_text(), payload):
            problems.append(f"{payload}: the answer does not show {payload.visible!r}")
        if (byline := node.find(class_="answer__author").get_text()) != name:
            problems.append(f"{payload}: the byline reads {byline!r}")
        if not node.article["aria-label"].endswith(name):
            problems.append(f"{payload}: the answer's label does not end with the pseudonym")
    assert problems == [], "\n".join(problems)


def test_permalinks_title_description_and_answer(client):
    _question, answers = discussion(TEXTS, NAMES)
    _question, twins = discussion(HARMLESS[:1])
    twin = harmless(client.get(twins[0].get_absolute_url()))

    problems = []
    for payload, name, answer in zip(PAYLOADS, NAMES, answers, strict=True):
        page = parse(client.get(answer.get_absolute_url()))
        if broken := page_problems(page, twin, str(payload)):
            problems += broken
            continue
        if not shows(page.find(class_="answer__body").get_text(), payload):
            problems.append(f"{payload}: the answer does not show {payload.visible!r}")
        if name not in page.title.get_text() or name not in page.h1.get_text():
            problems.append(f"{payload}: the title or heading lacks the pseudonym")
        description = page.find("meta", attrs={"name": "description"})["content"]
        if not is_excerpt(description, plain(answer.body_html)):
            problems.append(f"{payload}: description {description!r} is not the answer's start")
    assert problems == [], "\n".join(problems)


def test_breadcrumb_excerpts_of_a_long_thread(client):
    """A line of replies, one per payload: the last one's permalink names every answer
    above it, each with an excerpt."""

    def line_of_replies(texts, names):
        question, parent, made = make_question(), None, []
        for text, author in zip(texts, names, strict=True):
            parent = make_answer(question, author, parent=parent, body=text)
            made.append(parent)
        return made

    thread = line_of_replies(TEXTS, members(NAMES))
    twins = line_of_replies(HARMLESS, [make_member("membre")] * N)
    page = parse(client.get(thread[-1].get_absolute_url()))
    twin = harmless(client.get(twins[-1].get_absolute_url()))

    problems = page_problems(page, twin, "breadcrumb")
    assert problems == [], "\n".join(problems)  # the page is whole: now its texts
    crumbs = page.find("nav", class_="breadcrumb").find_all("a")[2:]  # after article, question
    assert len(crumbs) == N - 1
    for payload, name, answer, crumb in zip(PAYLOADS, NAMES, thread, crumbs, strict=False):
        if not crumb.get_text().startswith(f"{name} — "):
            problems.append(f"{payload}: the crumb reads {crumb.get_text()!r}")
        if not is_excerpt(crumb.span.get_text(), plain(answer.body_html)):
            problems.append(f"{payload}: the crumb's excerpt is {crumb.span.get_text()!r}")
    assert problems == [], "\n".join(problems)


# --- Previews ------------------------------------------------------------------------------


def test_live_preview_fragments(client_for, alice, settings):
    settings.RATE_LIMIT_PREVIEW = f"{10 * N}/60"
    browser = client_for(alice)
    _action, _fields, headers = browser.read_form(
        make_question().get_absolute_url(), "#answer-form", htmx=True
    )
    problems = []
    for payload in PAYLOADS:
        response = browser.post_form(reverse("forum:preview"), {"body": payload.text}, headers)
        assert response.status_code == 200, payload
        html = response.content.decode()
        problems += fragment_problems(html, str(payload))
        if not shows(parse(html).get_text(), payload):
            problems.append(f"{payload}: the preview does not show {payload.visible!r}")
    assert problems == [], "\n".join(problems)


def test_preview_without_javascript(client_for, alice, settings):
    """The plain form's "Preview" button: the page again, the text back in its box as
    typed and rendered below it. The corpus goes in a few long texts."""
    browser = client_for(alice)
    action, fields, headers = browser.read_form(make_question().get_absolute_url(), "#answer-form")

    def preview(text):
        response = browser.post_form(action, fields | {"body": text, "preview": "1"}, headers)
        assert response.status_code == 200
        return response

    twin = harmless(preview(HARMLESS[0]))
    chunks = corpus_chunks(settings.ANSWER_MAX_LENGTH)
    assert len(chunks) >= 2
    problems = []
    for number, chunk in enumerate(chunks):
        page = parse(preview(chunk))
        problems += page_problems(page, twin, f"preview {number}")
        if page.find("textarea", attrs={"name": "body"}).get_text() != chunk:
            problems.append(f"preview {number}: the text box does not hold the text as typed")
    assert problems == [], "\n".join(problems)


# --- Pseudonyms ---------------------------------------------------------------------------


def test_member_pages_reached_from_the_byline(client, client_for, settings):
    """Each member follows the link on their own name to their page: its heading, title,
    menu and the excerpt of their answer. A pseudonym with a "/" has no page (sign-up
    takes only letters, digits and @.+-_), so those are left out here."""
    settings.ANSWERS_PER_PAGE = 10 * N
    reachable = [(p, name) for p, name in zip(PAYLOADS, NAMES, strict=True) if "/" not in name]
    assert len(reachable) >= 100
    question, answers = discussion([p.text for p, _ in reachable], [n for _, n in reachable])
    _question, twins = discussion(HARMLESS[:1])
    thread = parse(client.get(question.get_absolute_url()))
    nodes = thread.find_all("li", class_="node")
    links = {node.get("id"): node.find(class_="answer__author") for node in nodes}

    def own_page(author, url):
        response = client_for(author).get(url)
        assert response.status_code == 200, author.username
        page = parse(response)
        # The menu marks the page as the member's own (and the harmless twin's page as
        # its own too): the same attribute on both sides.
        return page

    twin = read(own_page(twins[0].author, f"/members/{twins[0].author.username}/"), "twin")
    problems = []
    for (payload, name), answer in zip(reachable, answers, strict=True):
        page = own_page(answer.author, links[f"a{answer.pk}"]["href"])
        if broken := page_problems(page, twin, str(payload)):
            problems += broken
            continue
        if page.h1.get_text() != name or not page.title.get_text().startswith(name):
            problems.append(f"{payload}: the heading reads {page.h1.get_text()!r}")
        if (menu := page.find(class_="site-nav__member").get_text()) != name:
            problems.append(f"{payload}: the menu reads {menu!r}")
        excerpt = " ".join(read(page, "").box_texts)
        if not is_excerpt(excerpt, plain(answer.body_html)):
            problems.append(f"{payload}: the member page's excerpt is {excerpt!r}")
    assert problems == [], "\n".join(problems)


# --- The edit history ----------------------------------------------------------------------


def test_edit_history_for_moderators(moderator_client):
    """One answer edited once per payload, each time by another member (as a moderator's
    edit would be recorded): every version and every editor's name on one page."""

    def history(texts, editors):
        answer = make_answer(make_question(), editors[0], body="Première version.")
        for text, editor in zip(texts, editors, strict=True):
            do_edit_answer(answer=answer, editor=editor, body=text)
        return answer

    answer = history(TEXTS, members(NAMES))
    twin_answer = history(HARMLESS, [make_member("membre")] * N)
    browser = moderator_client
    page = parse(browser.get(reverse("forum:history", kwargs={"pk": answer.pk})))
    twin = harmless(browser.get(reverse("forum:history", kwargs={"pk": twin_answer.pk})))

    problems = page_problems(page, twin, "history")
    assert problems == [], "\n".join(problems)  # the page is whole: now its texts
    versions = [pre.get_text() for pre in page.find_all("pre", class_="revision")]
    # The current text, then each earlier one, newest first.
    assert versions == [TEXTS[-1], *reversed(TEXTS[:-1]), "Première version."]
    headings = [h2.get_text() for h2 in page.main.find_all("h2")[1:]]
    for name, heading in zip(reversed(NAMES), headings, strict=True):
        if not heading.endswith(f" {name}"):
            problems.append(f"history: {heading!r} does not end with {name!r}")
    if not page.main.p.a.get_text().endswith(NAMES[0]):
        problems.append(f"history: the author reads {page.main.p.a.get_text()!r}")
    assert problems == [], "\n".join(problems)


# --- The article page's most appreciated answers ------------------------------------------


def test_most_appreciated_answers_on_the_article_page(client):
    """One question per payload, each with one answer over an hour old (its score shows)
    and one upvote: the article page shows each as an excerpt with its author."""

    def article_with(texts, authors):
        article = make_article()
        voter = make_member(f"voter-{article.slug}")
        made = []
        for n, (text, author) in enumerate(zip(texts, authors, strict=True)):
            question = make_question(article, text=f"Question numéro {n} ?")
            answer = make_answer(question, author, body=text, created_at=long_ago(hours=2))
            made.append(do_set_vote(voter=voter, answer=answer, value=1))
        return article, made

    article, answers = article_with(TEXTS, members(NAMES))
    twin_article, _twins = article_with(HARMLESS[:1], [make_member("membre")])
    page = parse(client.get(article.get_absolute_url()))
    twin = harmless(client.get(twin_article.get_absolute_url()), unit="question-card")

    problems = page_problems(page, twin, "article page", unit="question-card")
    assert problems == [], "\n".join(problems)  # the page is whole: now its texts
    cards = page.find_all("li", class_="question-card")
    assert len(cards) == N
    for payload, name, answer, card in zip(PAYLOADS, NAMES, answers, cards, strict=True):
        excerpt = card.find(class_="top-answer__text").get_text(" ")
        if not is_excerpt(excerpt, plain(answer.body_html)):
            problems.append(f"{payload}: the excerpt is {excerpt!r}")
        if (author := card.find(class_="top-answer__author").get_text()) != name:
            problems.append(f"{payload}: the author reads {author!r}")
    assert problems == [], "\n".join(problems)


# --- The author's edit and delete pages, a reader's reply page -----------------------------

# The pseudonym these pages are tried with: it closes the attribute and the tag it lands in.
BREAKOUT = NAMES[TEXTS.index('"><script>alert(1)</script>')]


def test_edit_delete_and_reply_pages(client_for, bob):
    """The whole corpus as one answer: its text in the edit box, its HTML on the delete
    page and under the reply form, its author's name on the reply page."""
    author = make_member(BREAKOUT)
    corpus = "\n\n".join(TEXTS)
    answer = make_answer(make_question(), author, body=corpus)
    twin_answer = make_answer(make_question(), make_member("membre"), body=HARMLESS[0])

    def pages(answer):
        url, own = answer.get_absolute_url(), client_for(answer.author)
        return {
            "edit": parse(own.get(f"{url}edit/")),
            "delete": parse(own.get(f"{url}delete/")),
            "reply": parse(client_for(bob).get(f"{url}reply/")),
        }

    twins, mine = pages(twin_answer), pages(answer)
    problems = []
    for kind, page in mine.items():
        problems += page_problems(page, read(twins[kind], "twin"), kind)
    if mine["edit"].find("textarea", attrs={"name": "body"}).get_text() != corpus:
        problems.append("edit: the text box does not hold the answer as written")
    reply = mine["reply"]
    if reply.h1.get_text() != f"Répondre à {BREAKOUT}":
        problems.append(f"reply: the heading reads {reply.h1.get_text()!r}")
    if reply.find(class_="quoted-answer").p.get_text() != BREAKOUT:
        problems.append("reply: the quoted answer's author is not the pseudonym")
    assert problems == [], "\n".join(problems)


def test_the_menu_marks_a_members_own_page_whatever_the_pseudonym(client_for):
    eloise = make_member("Éloïse")
    page = parse(client_for(eloise).get(reverse("forum:member", kwargs={"username": "Éloïse"})))
    assert page.find(class_="site-nav__member").get("aria-current") == "page"
