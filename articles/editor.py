"""The editors' screens: paste or upload a raw article, check what the importer
found with its doubtful spots marked, correct it, then save a draft or publish.

Staff only. Like the rest of `articles`, nothing here knows about discussions.
"""

import dataclasses
import datetime
import re
import secrets
from functools import wraps
from pathlib import PurePath

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from .importer import (
    ArticleFormatError,
    Doubt,
    ParsedArticle,
    guess_lang,
    parse_article,
    parse_content_file,
    to_content_file,
)
from .models import Article
from .publishing import save_article

MAX_UPLOAD_BYTES = 1_000_000  # as import_article: an article is a few kB
MAX_PENDING_IMPORTS = 5  # parsed, not yet saved, kept per session; the oldest go first
RECENT_ARTICLES = 20  # listed on the import page, to come back to a draft
SESSION_KEY = "editor_imports"

# The importer's reasons, said in the editor's language (see importer.ArticleFormatError).
FORMAT_ERRORS = {
    "binary": gettext_lazy("This is a binary file, not a text article."),
    "encoding": gettext_lazy("This file is not a UTF-8 text file; save it as UTF-8 and try again."),
    "empty": gettext_lazy("The file is empty."),
    "no-paragraphs": gettext_lazy("No body paragraphs were found."),
    "no-questions": gettext_lazy(
        "No reader questions were found: an article here ends with the questions "
        "its discussions are about (sentences ending with “?”)."
    ),
    "date": gettext_lazy("The date must read YYYY-MM or YYYY-MM-DD."),
    "content-file": gettext_lazy("The content file cannot be read: %(detail)s."),
    "slug": gettext_lazy("The article needs a slug."),
    "headline": gettext_lazy("A headline is needed to publish."),
    "invalid": gettext_lazy("The article is not valid: %(detail)s"),
}
# What each kind of doubtful spot means (see importer.Doubt).
DOUBTS = {
    "glued-word": gettext_lazy(
        "A word is glued to a capitalised word: a full stop lost between two paragraphs, "
        "or one name with an inner capital? Kept as written."
    ),
    "glued-sentence": gettext_lazy(
        "A full stop is glued to a word that does not start like a sentence. Kept as written."
    ),
    "abbreviation": gettext_lazy(
        "An abbreviation is glued to a capitalised word: the end of a sentence, or a name? "
        "Kept as written."
    ),
    "glued-question": gettext_lazy(
        "A question or exclamation mark is glued to the next sentence: a space was put back "
        "and the paragraph kept whole, but a new paragraph may start here."
    ),
    "questions-glued": gettext_lazy("Two questions may have been glued here."),
    "not-a-question": gettext_lazy("This closing line does not end with a question mark."),
    "source-end": gettext_lazy(
        "Where the source’s name ends and the first question starts is a guess."
    ),
}


def format_error(error: ArticleFormatError) -> str:
    """The importer's refusal, in the editor's language."""
    message = FORMAT_ERRORS.get(error.code)
    return message % {"detail": error.detail} if message else str(error)


def staff_required(view):
    """Editors only: others are sent to sign in, or refused if signed in."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise PermissionDenied(_("Only editors can import and publish articles."))
        return view(request, *args, **kwargs)

    return checked


# --- Forms ------------------------------------------------------------------


class ImportForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Paste the raw text"),
        widget=forms.Textarea(attrs={"rows": 12}),
        required=False,
        strip=False,
    )
    upload = forms.FileField(label=gettext_lazy("or upload a .txt or .toml file"), required=False)

    def clean(self):
        text, upload = self.cleaned_data.get("text"), self.cleaned_data.get("upload")
        if upload is not None and text and text.strip():
            raise forms.ValidationError(_("Paste a text or upload a file, not both."))
        if upload is not None and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("This file is too large to be an article."))
        if upload is None and len((text or "").encode()) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("This text is too long to be an article."))
        return self.cleaned_data

    def parse(self) -> ParsedArticle:
        """The article in the pasted text or the uploaded file; ArticleFormatError if none."""
        upload = self.cleaned_data.get("upload")
        if upload is None:
            return parse_article((self.cleaned_data.get("text") or "").encode())
        article = parse_article(upload.read(), filename=upload.name)
        article.slug = article.slug or slugify(PurePath(upload.name).stem)  # as import_article
        return article


DATE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


def _one_line(text: str) -> str:
    # Not str.split(): the no-break spaces of French typography (« Big Fund ») stay.
    return re.sub(r"[ \t\r\n]+", " ", text).strip(" ")


class ArticleForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Headline"), max_length=300, required=False)
    slug = forms.SlugField(
        label=gettext_lazy("Slug"),
        max_length=100,
        help_text=gettext_lazy("The article’s address: lowercase letters, digits and hyphens."),
    )
    date = forms.CharField(
        label=gettext_lazy("Date"),
        required=False,
        help_text=gettext_lazy("YYYY-MM when only the month is known, or YYYY-MM-DD."),
    )
    standfirst = forms.CharField(
        label=gettext_lazy("Standfirst"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    paragraphs = forms.CharField(
        label=gettext_lazy("Paragraphs"),
        required=False,  # said by clean_paragraphs, in the importer's words
        widget=forms.Textarea(attrs={"rows": 20}),
        help_text=gettext_lazy("A blank line between paragraphs."),
    )
    questions = forms.CharField(
        label=gettext_lazy("Reader questions"),
        required=False,  # said by clean_questions, in the importer's words
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text=gettext_lazy("One question per line: each one opens a discussion."),
    )
    source_name = forms.CharField(label=gettext_lazy("Source"), max_length=200, required=False)
    source_url = forms.URLField(
        label=gettext_lazy("Source address"), required=False, assume_scheme="https"
    )

    def __init__(self, *args, with_slug: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_slug:  # an existing article keeps its address: links to it are out there
            del self.fields["slug"]

    @staticmethod
    def initial_for(article: ParsedArticle) -> dict:
        date = ""
        if article.year and article.month:
            date = f"{article.year:04d}-{article.month:02d}"
            date += f"-{article.day:02d}" if article.day else ""
        return {
            "title": article.title,
            "slug": article.slug,
            "date": date,
            "standfirst": article.standfirst,
            "paragraphs": "\n\n".join(article.paragraphs),
            "questions": "\n".join(article.questions),
            "source_name": article.source_name,
            "source_url": article.source_url,
        }

    def clean_date(self):
        date = self.cleaned_data["date"].strip()
        if not date:
            return None
        match = DATE.fullmatch(date)
        try:
            if not match:
                raise ValueError
            year, month, day = int(match[1]), int(match[2]), int(match[3] or 1)
            datetime.date(year, month, day)
        except ValueError:
            raise forms.ValidationError(FORMAT_ERRORS["date"]) from None
        return year, month, int(match[3]) if match[3] else None

    def clean_paragraphs(self):
        blocks = re.split(r"\n[ \t\r]*\n", self.cleaned_data["paragraphs"])
        paragraphs = [p for p in map(_one_line, blocks) if p]
        if not paragraphs:
            raise forms.ValidationError(FORMAT_ERRORS["no-paragraphs"])
        return paragraphs

    def clean_questions(self):
        questions = [q for q in map(_one_line, self.cleaned_data["questions"].split("\n")) if q]
        if not questions:
            raise forms.ValidationError(FORMAT_ERRORS["no-questions"])
        return questions

    def to_parsed(self, base: ParsedArticle) -> ParsedArticle:
        """``base`` as corrected in the form."""
        data = self.cleaned_data
        year, month, day = data["date"] or (None, None, None)
        body = "\n\n".join(data["paragraphs"])
        return dataclasses.replace(
            base,
            title=data["title"].strip(),
            slug=data.get("slug", base.slug),
            year=year,
            month=month,
            day=day,
            standfirst=data["standfirst"].strip(),
            standfirst_lang=guess_lang(data["standfirst"]),
            lang=guess_lang(body) or base.lang,
            paragraphs=data["paragraphs"],
            questions=data["questions"],
            source_name=data["source_name"].strip(),
            source_url=data["source_url"],
            mended=[],
            doubts=[],
        )


# --- What the importer found, kept until the editor saves it ------------------


def _remember_import(request, article: ParsedArticle) -> str:
    pending = request.session.get(SESSION_KEY, {})
    key = secrets.token_urlsafe(8)
    pending[key] = {
        "content": to_content_file(article),
        "doubts": [dataclasses.asdict(d) for d in article.doubts],
    }
    request.session[SESSION_KEY] = dict(list(pending.items())[-MAX_PENDING_IMPORTS:])
    return key


def access_import(request, key: str) -> ParsedArticle:
    """The article this editor imported under ``key`` and has not saved yet, or 404."""
    stored = request.session.get(SESSION_KEY, {}).get(key)
    if stored is None:
        raise Http404(_("This import is no longer here: import the text again."))
    article = parse_content_file(stored["content"])
    article.doubts = [Doubt(**d) for d in stored["doubts"]]
    return article


def _forget_import(request, key: str) -> None:
    pending = request.session.get(SESSION_KEY, {})
    pending.pop(key, None)
    request.session[SESSION_KEY] = pending


def _segments(text: str, doubts: list[tuple[int, Doubt]]) -> list[tuple[str, int | None]]:
    """``text`` cut into (piece, doubt number or None), to mark the doubtful pieces."""
    segments, position = [], 0
    for number, doubt in sorted(doubts, key=lambda item: item[1].start):
        start = max(doubt.start, position)
        if start > position:
            segments.append((text[position:start], None))
        segments.append((text[start : doubt.end], number))
        position = max(position, doubt.end)
    if position < len(text):
        segments.append((text[position:], None))
    return segments


def _marked(article: ParsedArticle) -> dict:
    """The article's texts with their doubtful spots numbered, and what each one means."""
    numbered = list(enumerate(article.doubts, start=1))

    def parts(kind, texts):
        return [
            _segments(text, [(n, d) for n, d in numbered if d.part == kind and d.index == i])
            for i, text in enumerate(texts)
        ]

    labels = {"paragraph": _("Paragraph %(number)s"), "question": _("Question %(number)s")}
    return {
        "paragraphs": parts("paragraph", article.paragraphs),
        "questions": parts("question", article.questions),
        "source": parts("source", [article.source_name])[0],
        "doubts": [
            {
                "number": number,
                "where": labels.get(doubt.part, _("Source")) % {"number": doubt.index + 1},
                "excerpt": doubt.excerpt,
                "why": DOUBTS.get(doubt.kind, doubt.reason),
            }
            for number, doubt in numbered
        ],
    }


def _save(request, form: ArticleForm, base: ParsedArticle, *, slug: str):
    """Save the corrected article as the form's button asks; the outcome, or None with
    the refusal added to the form."""
    publish = request.POST.get("action") == "publish"
    try:
        return save_article(form.to_parsed(base), slug=slug, publish=publish)
    except ArticleFormatError as error:
        form.add_error(None, format_error(error))
        return None


def _saved(request, article: Article):
    if article.status == Article.Status.PUBLISHED:
        messages.success(request, _("The article is published."))
    else:
        messages.success(request, _("The draft is saved."))
    return redirect("editor:edit", slug=article.slug)


# --- Views -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required
def import_article(request):
    """Paste or upload a raw article; what was found is shown for review."""
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            parsed = form.parse()
        except ArticleFormatError as error:
            form.add_error(None, format_error(error))
        else:
            return redirect("editor:review", key=_remember_import(request, parsed))
    recent = Article.objects.order_by("-updated_at")[:RECENT_ARTICLES]
    context = {"form": form, "recent": recent, "max_bytes": MAX_UPLOAD_BYTES}
    status = 400 if form.errors else 200
    return render(request, "articles/editor/import.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_required
def review(request, key):
    """The imported article with its doubtful spots marked, and the form to correct it."""
    parsed = access_import(request, key)
    if request.method == "POST":
        form = ArticleForm(request.POST)
        if form.is_valid():
            slug = form.cleaned_data["slug"]
            if Article.objects.filter(slug=slug).exists():
                form.add_error("slug", _("An article already has this slug: choose another."))
            elif outcome := _save(request, form, parsed, slug=slug):
                _forget_import(request, key)
                return _saved(request, outcome.article)
    else:
        form = ArticleForm(initial=ArticleForm.initial_for(parsed))
    context = {"form": form, "parsed": parsed, "marked": _marked(parsed), "key": key}
    status = 400 if form.errors else 200
    return render(request, "articles/editor/review.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_required
def edit(request, slug):
    """Correct a saved article (draft or published), and publish it."""
    article = get_object_or_404(Article, slug=slug)
    base = _as_parsed(article)
    if request.method == "POST":
        form = ArticleForm(request.POST, with_slug=False)
        if form.is_valid() and (outcome := _save(request, form, base, slug=article.slug)):
            return _saved(request, outcome.article)
    else:
        form = ArticleForm(initial=ArticleForm.initial_for(base), with_slug=False)
    context = {"form": form, "article": article}
    status = 400 if form.errors else 200
    return render(request, "articles/editor/edit.html", context, status=status)


def _as_parsed(article: Article) -> ParsedArticle:
    year = month = day = None
    if article.published_at is not None:
        local = timezone.localtime(article.published_at)
        year, month = local.year, local.month
        day = local.day if article.date_precision == Article.DatePrecision.DAY else None
    return ParsedArticle(
        title=article.title,
        slug=article.slug,
        year=year,
        month=month,
        day=day,
        standfirst=article.standfirst,
        standfirst_lang=article.standfirst_lang,
        lang=article.lang,
        paragraphs=article.paragraphs,
        source_name=article.source_name,
        source_url=article.source_url,
        questions=list(article.questions.values_list("text", flat=True)),
    )
