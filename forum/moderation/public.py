"""The public moderation log: every decision and sanction, newest first, open to everyone.

It says what was decided, on what, on which rule and why, and links to where it happened
(a removed answer's permalink shows its tombstone); it never shows a removed text."""

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from articles.models import Article

from ..models import ModerationAction
from ..views.site import bad_request

LOG_PAGE_SIZE = 50  # a month of a quiet site on one page; the pages after are links away
Verb = ModerationAction.Verb

# The filter's menu, grouped by what the action is about.
ON_ANSWERS = (Verb.HOLD, Verb.APPROVE, Verb.REMOVE, Verb.SPAM, Verb.RESTORE, Verb.PIN,
              Verb.UNPIN, Verb.FEATURE, Verb.UNFEATURE)  # fmt: skip
ON_MEMBERS = (Verb.WARN, Verb.PREMODERATE, Verb.SUSPEND, Verb.BAN, Verb.SPAM_BAN, Verb.LIFT)
ON_QUESTIONS = (Verb.LOCK, Verb.CLOSE, Verb.REOPEN)
VERB_GROUPS = (
    (gettext_lazy("On answers"), ON_ANSWERS),
    (gettext_lazy("On members"), ON_MEMBERS),
    (gettext_lazy("On questions"), ON_QUESTIONS),
)


def log_entries():
    """The log with what each entry is about, in one query per page. The answers' texts are
    never read: the log shows where a removed text was, not what it said."""
    return ModerationAction.objects.select_related(
        "actor", "answer__question__article", "member", "question__article"
    ).defer("answer__body", "answer__body_html")


@require_safe
def log(request):
    """The public moderation log, filtered by action and by article."""
    entries = log_entries()
    verb = request.GET.get("action", "")
    if verb:
        if verb not in Verb.values:
            return bad_request(request, _("There is no such action in the log."))
        entries = entries.filter(verb=verb)
    articles = list(
        Article.objects.published().order_by("-published_at", "-id").only("slug", "title", "lang")
    )
    slug = request.GET.get("article", "")
    if slug:
        if slug not in {article.slug for article in articles}:
            return bad_request(request, _("There is no such article."))
        entries = entries.filter(
            Q(answer__question__article__slug=slug) | Q(question__article__slug=slug)
        )
    # An invalid page number shows the first page, one past the end the last (get_page).
    page = Paginator(entries, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "entries": list(page),
        "verb_groups": [
            (group, [(value, Verb(value).label) for value in values])
            for group, values in VERB_GROUPS
        ],
        "articles": articles,
        "chosen_verb": verb,
        "chosen_article": slug,
        # What the links to other pages keep of the filters.
        "filters": urlencode({k: v for k, v in (("action", verb), ("article", slug)) if v}),
        "names_moderators": settings.MODERATION_LOG_NAMES_MODERATORS,
    }
    return render(request, "moderation/log.html", context)
