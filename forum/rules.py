"""The rulebook: who may see and do what in a discussion.

Every rule is written here once, as a predicate that takes the person and the
object. A ``*_refusal`` predicate returns the sentence the person is shown, or
"" when they may go ahead. Views, templates (through :func:`hydrate`) and the
write workflows all ask these functions; nothing else decides.

Two rules are restated in SQL because whole pages are filtered by them:
:func:`visible_answers` (``may_see``) and :func:`visible_scores` (``score_visible``).
tests/forum/test_rules.py runs both forms over the same matrix of states and
fails when they disagree. Adding a state or a sanction is a change here plus
its rows in that matrix.
"""

import math
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import connections, router
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from articles.models import Article, Question

from .models import Answer, Block, Flag, SlowMode, User, Vote

# --- The discussion --------------------------------------------------------


def discussion_refusal(question: Question) -> str:
    """Why this question takes no new answer, or "". A locked one takes nothing new at all;
    a closed one (by a moderator, or past its article's closing date) still takes replies
    to the answers it has, and votes."""
    if question.state == Question.State.LOCKED:
        return _("This discussion is locked: answers can be read but not added.")
    if question.state == Question.State.CLOSED or question.article.is_closed:
        return _("This discussion is closed to new answers.")
    return ""


def locked_refusal(question: Question) -> str:
    """Why nothing at all can be added to this question (answers, replies, votes, flags)."""
    if question.state == Question.State.LOCKED:
        return _("This discussion is locked: answers can be read but not added.")
    return ""


def reply_target_refusal(answer: Answer) -> str:
    """Why nobody can reply to this answer, whoever they are, or ""."""
    if answer.is_tombstone:
        return _("You cannot reply to an answer that was deleted or removed.")
    if answer.status != Answer.Status.PUBLISHED:
        return _("You can reply once this answer is published.")
    return locked_refusal(answer.question)


def vote_target_refusal(answer: Answer) -> str:
    """Why nobody can vote on this answer, whoever they are, or ""."""
    if answer.status != Answer.Status.PUBLISHED:
        return _("Only published answers can be voted on.")
    if locked_refusal(answer.question):
        return _("This discussion is locked: votes are closed too.")
    return ""


# --- The member -------------------------------------------------------------


def has_verified_email(user) -> bool:
    """Taking part needs a confirmed address; reading does not."""
    if not user.is_authenticated:
        return False
    if hasattr(user, "_has_verified_email"):  # read with something else: see below
        return user._has_verified_email
    return EmailAddress.objects.filter(user=user, verified=True).exists()


# has_verified_email as an SQL expression (its one parameter: the member's id), for the hot
# paths that read it along with something else and then remember_verified().
VERIFIED_EMAIL_SQL = (
    "EXISTS (SELECT 1 FROM account_emailaddress e WHERE e.user_id = %s AND e.verified)"
)


def remember_verified(user, verified: bool) -> None:
    """For this request's member: whether they have a verified address, already read with
    something else (VERIFIED_EMAIL_SQL), so the rules need not ask again."""
    user._has_verified_email = verified


def sanction_refusal(user: User) -> str:
    """Why a moderator's sanction keeps this member from taking part, or ""."""
    if user.banned:
        message = _("Your account is banned: you can read, but no longer answer or vote.")
    elif user.suspended_until is not None and timezone.now() < user.suspended_until:
        until = formats.date_format(timezone.localtime(user.suspended_until), "DATETIME_FORMAT")
        message = _(
            "Your account is suspended until %(until)s: until then you can read, "
            "but not answer or vote."
        ) % {"until": until}
    else:
        return ""
    if user.sanction_reason:
        message += " " + _("Reason: %(reason)s") % {"reason": user.sanction_reason}
    return message


def _member_refusal(user, *, sign_in: str, confirm: str) -> str:
    if not user.is_authenticated:
        return sign_in
    if not has_verified_email(user):
        return confirm
    return sanction_refusal(user)


# --- What a person may see and do ---------------------------------------------


def may_see(user, answer: Answer) -> bool:
    """Published answers and tombstones are public; a pending one only to its author."""
    if answer.status in Answer.PUBLIC_STATUSES:
        return True
    return answer.status == Answer.Status.PENDING and user.pk == answer.author_id


def visible_answers(user) -> Q:
    """``may_see`` as a filter on answers, for whole pages."""
    shown = Q(status__in=Answer.PUBLIC_STATUSES)
    if user.is_authenticated:
        shown |= Q(status=Answer.Status.PENDING, author=user)
    return shown


def answering_refusal(user, question: Question) -> str:
    """Why ``user`` cannot answer ``question`` now, or ""."""
    return (
        discussion_refusal(question)
        or _member_refusal(
            user,
            sign_in=_("Sign in to answer."),
            confirm=_("Confirm your e-mail address to answer: follow the link we sent you."),
        )
        or pace_refusal(user, question)
    )


def replying_refusal(user, answer: Answer) -> str:
    """Why ``user`` cannot reply to ``answer`` now, or ""."""
    return (
        reply_target_refusal(answer)
        or _member_refusal(
            user,
            sign_in=_("Sign in to reply."),
            confirm=_("Confirm your e-mail address to answer: follow the link we sent you."),
        )
        or pace_refusal(user, answer.question, thread=answer.root_id)
    )


# --- Heat control ---------------------------------------------------------------------


def slow_mode_of(question: Question) -> int:
    """The minutes a member waits between two answers in this question (0: no slow mode).
    Read with the question (``select_related("slow_mode")``) where pages show it."""
    try:
        return question.slow_mode.minutes
    except SlowMode.DoesNotExist:
        return 0


def pace_refusal(user, question: Question, *, thread: int | None = None) -> str:
    """Why ``user`` must wait before posting again here, or "": the question's slow mode, or
    (for a reply) a thread that carries flags, after the member's own last post in it."""
    now = timezone.now()
    if minutes := slow_mode_of(question):
        last = _last_post(Answer.objects.filter(author=user, question=question))
        if last is not None and now < last + timedelta(minutes=minutes):
            return _(
                "Slow mode: one answer every %(every)s in this discussion. You can post "
                "again in %(wait)s."
            ) % {
                "every": _minutes(minutes),
                "wait": _minutes(_minutes_left(last + timedelta(minutes=minutes), now)),
            }
    if thread is not None and settings.HEAT_WAIT:
        last = _last_post(Answer.objects.filter(author=user, root_id=thread))
        if (
            last is not None
            and now < last + settings.HEAT_WAIT
            and Answer.objects.filter(root_id=thread, flag_weight__gt=0).exists()
        ):
            return _("This thread is heating up: you can reply again in %(wait)s.") % {
                "wait": _minutes(_minutes_left(last + settings.HEAT_WAIT, now))
            }
    return ""


def _last_post(answers):
    return answers.order_by("-created_at").values_list("created_at", flat=True).first()


def _minutes_left(until, now) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


def _minutes(count: int) -> str:
    return ngettext("%(count)s minute", "%(count)s minutes", count) % {"count": count}


def edit_deadline(answer: Answer):
    """Editable for EDIT_WINDOW, or up to EDIT_WINDOW_UNANSWERED while nobody has replied."""
    window = settings.ANSWER_EDIT_WINDOW
    if answer.reply_count == 0:
        window = max(window, settings.ANSWER_EDIT_WINDOW_UNANSWERED)
    return answer.created_at + window


def _authorship_refusal(user, answer: Answer) -> str:
    if not user.is_authenticated or user.pk != answer.author_id:
        return _("Only the author can change this answer.")
    if answer.status not in (Answer.Status.PUBLISHED, Answer.Status.PENDING):
        return _("This answer was deleted or removed: it can no longer be changed.")
    return ""


def editing_refusal(user, answer: Answer) -> str:
    """Why ``user`` cannot edit ``answer``, or ""."""
    if refusal := _authorship_refusal(user, answer):
        return refusal
    if timezone.now() >= edit_deadline(answer):
        return _("This answer can no longer be edited.")
    if refusal := locked_refusal(answer.question):
        return refusal
    return sanction_refusal(user)


def deleting_refusal(user, answer: Answer) -> str:
    """Why ``user`` cannot delete ``answer``, or "". Taking one's words back stays possible
    when the discussion is locked, not while a sanction stands (a moderator may be looking
    at exactly that answer)."""
    return _authorship_refusal(user, answer) or sanction_refusal(user)


def voting_refusal(user, answer: Answer) -> str:
    """Why ``user`` cannot vote on ``answer``, or ""."""
    if not user.is_authenticated:
        return _("Sign in to vote.")
    if user.pk == answer.author_id:
        return _("You cannot vote on your own answer.")
    return vote_target_refusal(answer) or _member_refusal(
        user,
        sign_in="",
        confirm=_("Confirm your e-mail address to vote: follow the link we sent you."),
    )


def flag_target_refusal(answer: Answer) -> str:
    """Why nobody can flag this answer, whoever they are, or ""."""
    if answer.status != Answer.Status.PUBLISHED:
        return _("Only published answers can be flagged.")
    return locked_refusal(answer.question)


def flagging_refusal(user, answer: Answer) -> str:
    """Why ``user`` cannot flag ``answer``, or "" (forum.moderation.check_flag asks)."""
    if not user.is_authenticated:
        return _("Sign in to flag an answer.")
    if user.pk == answer.author_id:
        return _("You cannot flag your own answer.")
    return flag_target_refusal(answer) or _member_refusal(
        user,
        sign_in="",
        confirm=_("Confirm your e-mail address to flag: follow the link we sent you."),
    )


def review_cause(author: User, question: Question, *, body: str, body_html: str):
    """Why an answer by ``author`` with this text waits for a moderator before anyone else
    sees it — an ``Answer.ReviewCause`` and the word rule that matched, if one did — or
    ("", None) when it is published at once. The article's policy decides first, then the
    member's standing and trust (forum.moderation.trust), the word rules, and links."""
    from .moderation import trust, words  # they read the models this module serves

    cause = Answer.ReviewCause
    if author.premoderated:
        return cause.SANCTION, None
    policy = question.article.discussion_policy
    if policy == Article.DiscussionPolicy.PRE_MODERATE_ALL:
        return cause.POLICY, None
    level = None
    if policy == Article.DiscussionPolicy.PRE_MODERATE_NEW:
        level = trust.trust_level(author)
        if level == trust.Level.NEW:
            return cause.TRUST, None
    if rule := words.reviewing(body):
        return cause.WORD_RULE, rule
    if "<a " in body_html:
        level = trust.trust_level(author) if level is None else level
        if level < trust.links_level():
            return cause.LINK, None
    return cause.NONE, None


def edit_review_cause(answer: Answer, body: str):
    """Why an edit sends ``answer`` (back) to review, with the word rule if one matched, or
    ("", None): an answer published after review goes back; a new text that a review rule
    matches goes too (policy and trust applied when it was posted)."""
    from .moderation import words

    if answer.reviewed:
        return Answer.ReviewCause.EDIT, None
    if rule := words.reviewing(body):
        return Answer.ReviewCause.WORD_RULE, rule
    return Answer.ReviewCause.NONE, None


def blocked_refusal(body: str) -> str:
    """Why this text cannot be posted at all (a word rule that blocks it), or ""."""
    from .moderation import words

    if rule := words.blocking(body):
        return _("Your text breaks the rule “%(label)s”: rephrase it to post it.") % {
            "label": rule.label
        }
    return ""


def moderating_refusal(user) -> str:
    """Why ``user`` cannot use the moderation desk, or "". Passing the second factor in
    this session is checked by forum.moderation.access, which can send them to it."""
    if not user.is_authenticated:
        return _("Sign in to moderate.")
    if not user.is_moderator:
        return _("Only moderators can do this.")
    return ""


def score_visible(user, answer: Answer) -> bool:
    """Young answers hide their score so the first votes do not herd the rest; their author
    always sees it."""
    if user.is_authenticated and user.pk == answer.author_id:
        return True
    return not _still_young(answer, timezone.now())


def _still_young(answer: Answer, now) -> bool:
    """Whether ``answer``'s score is hidden from everyone but its author (score_visible)."""
    return answer.created_at + settings.SCORE_HIDDEN_FOR > now


def visible_scores() -> Q:
    """``score_visible`` for everyone who is not the author, as a filter on answers."""
    return Q(created_at__lte=timezone.now() - settings.SCORE_HIDDEN_FOR)


def hidden_scores() -> Q:
    """The answers whose score is still hidden from all but their author: the other side
    of ``visible_scores``, as a range an index on ``created_at`` can read."""
    return Q(created_at__gt=timezone.now() - settings.SCORE_HIDDEN_FOR)


# --- The viewer's facts for a page ----------------------------------------------


@dataclass
class ViewerFacts:
    """What one viewer may do with one answer, as the page shows it."""

    can_edit: bool = False
    can_delete: bool = False
    can_reply: bool = False  # the link shows; the form then asks about the member
    can_vote: bool = False  # the buttons show: not on one's own or unvotable answers
    can_flag: bool = False  # the link shows: not on one's own answer
    my_flag: str = ""  # the reason of the viewer's open flag on it, if any
    my_vote: int = 0
    score_hidden: bool = False
    author_blocked: bool = False  # the viewer blocked its author: the page folds it away


# Past this many answers on a page, the viewer's facts are read by question: a list of ids
# that long costs more to send than it saves (and databases cap the parameters of a query).
PAGE_IDS_MAX = 1000


def _viewer_rows(user, question: Question, answers: list) -> tuple[dict, set, dict]:
    """The viewer's votes on these answers (answer id: ±1), the members they blocked, and
    their open flags on these answers (answer id: reason), in one plain statement. By the
    answers of the page, not by question: a member who voted on thousands of answers of a
    long discussion costs what the page shows (the unique (user, answer) indexes answer
    it), not what they did. (Through the ORM, as two queries, this cost 3 ms of a page
    of 68 answers, half a millisecond of it in the database.)"""
    if len(answers) <= PAGE_IDS_MAX:
        on_page = "answer_id IN (" + ", ".join(["%s"] * len(answers)) + ")"
        page = [answer.pk for answer in answers]
    else:
        answers_table = Answer._meta.db_table
        on_page = f"answer_id IN (SELECT id FROM {answers_table} WHERE question_id = %s)"  # noqa: S608
        page = [question.pk]
    votes, blocks, flags = (model._meta.db_table for model in (Vote, Block, Flag))
    # Table names from the models, and placeholders; every value is a parameter.
    sql = (
        f"SELECT 'vote', answer_id, value, '' FROM {votes} WHERE user_id = %s AND {on_page}"  # noqa: S608
        f" UNION ALL SELECT 'block', blocked_id, 0, '' FROM {blocks} WHERE blocker_id = %s"
        f" UNION ALL SELECT 'flag', answer_id, 0, reason FROM {flags}"
        f" WHERE reporter_id = %s AND status = %s AND {on_page}"
    )
    my_votes, blocked, my_flags = {}, set(), {}
    with connections[router.db_for_read(Vote)].cursor() as cursor:
        cursor.execute(sql, [user.pk, *page, user.pk, user.pk, Flag.Status.OPEN, *page])
        for kind, pk, value, reason in cursor.fetchall():
            if kind == "vote":
                my_votes[pk] = value
            elif kind == "block":
                blocked.add(pk)
            else:
                my_flags[pk] = reason
    return my_votes, blocked, my_flags


def hydrate(user, question: Question, answers) -> dict[int, ViewerFacts]:
    """The viewer's facts for every answer of a page, in at most one query (their votes
    and open flags on these answers, and the members they blocked).

    What shows is what the rules allow anyone in the viewer's shoes: a reader sees the
    reply link and the vote buttons, and signing in then tells them what applies."""
    answers = list(answers)
    # Read through request.user's lazy wrapper once, not a few times per answer.
    viewer_id = user.pk if user.is_authenticated else None
    my_votes, blocked, my_flags = {}, set(), {}
    if viewer_id is not None and answers:
        my_votes, blocked, my_flags = _viewer_rows(user, question, answers)
    now = timezone.now()
    facts = {}
    for answer in answers:
        answer.question = question  # one question for the page: no query per answer
        own = viewer_id is not None and viewer_id == answer.author_id
        facts[answer.pk] = ViewerFacts(
            can_edit=own and not editing_refusal(user, answer),
            can_delete=own and not deleting_refusal(user, answer),
            can_reply=not reply_target_refusal(answer),
            can_vote=not own and not vote_target_refusal(answer),
            can_flag=not own and not flag_target_refusal(answer),
            my_flag=my_flags.get(answer.pk, ""),
            my_vote=my_votes.get(answer.pk, 0),
            score_hidden=not own and _still_young(answer, now),  # score_visible
            author_blocked=answer.author_id in blocked,
        )
    return facts
