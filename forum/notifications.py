"""Who is told what, and how: the inbox, and e-mail at once or in the daily digest.

Events come from the write paths (forum.answers, forum.moderation): a published answer
fans out to the members it concerns (the followers of the answer it replies to, those it
mentions, the followers of its question or article) in a background task, so posting
stays as fast with a thousand followers as with none. Nobody is told of their own answer,
of an answer that is not published (they are told when a moderator approves it), or by a
member they blocked. Each notification is e-mailed as its recipient chose for its kind:
at once, in the daily digest, or never.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from articles.models import Article

from .models import Answer, Block, Delivery, Follow, ModerationAction, Notification, User

Kind = Notification.Kind
PUBLISHED = Answer.Status.PUBLISHED

# The member's setting (a User field) that says how each kind reaches them by e-mail.
PREFERENCE_OF = {
    Kind.REPLY: "email_replies",
    Kind.MENTION: "email_mentions",
    Kind.FOLLOWED: "email_followed",
    Kind.HIGHLIGHT: "email_highlights",
    Kind.DECISION: "email_moderation",
    Kind.WARNING: "email_moderation",
    Kind.FLAG: "email_moderation",
    Kind.NOTICE: "email_moderation",
}
PREFERENCES = {
    "email_replies": gettext_lazy("replies to your answers"),
    "email_mentions": gettext_lazy("mentions of your pseudonym"),
    "email_followed": gettext_lazy("new answers in what you follow"),
    "email_highlights": gettext_lazy("your answers featured or pinned"),
    "email_moderation": gettext_lazy("moderators' decisions"),
}
# What one-click unsubscribing from a digest turns off: every kind it carried.
DIGEST = "digest"
# A digest tells of what is new since about a day; older waiting notifications (a member
# who turned the digest on today) are in the inbox, not in a first digest of a year.
DIGEST_LOOKBACK = datetime.timedelta(days=2)


def kinds_for(preference: str) -> list[str]:
    return [kind for kind, field in PREFERENCE_OF.items() if field == preference]


# --- Events ---------------------------------------------------------------------------


def answer_published(answer: Answer) -> None:
    """``answer`` is published (posted, approved or restored): once the transaction commits,
    tell those it concerns, in the background."""
    from .tasks import fan_out

    answer_id = answer.pk
    transaction.on_commit(lambda: fan_out.enqueue(answer_id))


def answer_edited(answer: Answer) -> None:
    """A published answer was edited: tell the members it now mentions (only them: its
    followers heard of it when it was posted)."""
    from .tasks import fan_out

    if answer.status == PUBLISHED:
        answer_id = answer.pk
        transaction.on_commit(lambda: fan_out.enqueue(answer_id, mentions_only=True))


def fan_out(answer_id: int, *, mentions_only: bool = False) -> int:
    """Create the notifications of a published answer; return how many were new.

    At most one per member and answer, whatever reached them first: a mention, then a
    reply to an answer they follow, then a new answer where they follow the question or
    the article. Runs again safely (approval after an edit, a restore): the unique
    constraint keeps the first."""
    answer = (
        Answer.objects.select_related("question__article")
        .filter(pk=answer_id, status=PUBLISHED)
        .first()
    )
    if answer is None or not Article.objects.published().filter(pk=answer.question.article_id):
        return 0
    kinds: dict[int, str] = {}
    for member_id in mentioned_member_ids(answer.body):
        kinds.setdefault(member_id, Kind.MENTION)
    if not mentions_only:
        if answer.parent_id:
            for member_id in Follow.objects.filter(answer_id=answer.parent_id).values_list(
                "member_id", flat=True
            ):
                kinds.setdefault(member_id, Kind.REPLY)
        followers = Follow.objects.filter(
            Q(question_id=answer.question_id) | Q(article_id=answer.question.article_id)
        ).values_list("member_id", flat=True)
        for member_id in followers:
            kinds.setdefault(member_id, Kind.FOLLOWED)
    kinds.pop(answer.author_id, None)
    if not kinds:
        return 0
    blockers = set(
        Block.objects.filter(blocked_id=answer.author_id).values_list("blocker_id", flat=True)
    )
    recipients = [member_id for member_id in kinds if member_id not in blockers]
    active = set(
        User.objects.filter(pk__in=recipients, is_active=True, anonymised_at__isnull=True)
        .values_list("pk", flat=True)
    )  # fmt: skip
    now = timezone.now()
    rows = [
        Notification(
            recipient_id=member_id,
            kind=kinds[member_id],
            answer_id=answer.pk,
            reply_to_id=answer.parent_id if kinds[member_id] == Kind.REPLY else None,
            actor_id=answer.author_id,
            created_at=now,
        )
        for member_id in recipients
        if member_id in active
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    # bulk_create with ignore_conflicts gives no ids: read back what this run created.
    created = Notification.objects.filter(answer_id=answer.pk, created_at=now)
    email_at_once(created)
    return created.count()


def mentioned_member_ids(body: str) -> list[int]:
    """The members an answer's text mentions (forum.markdown finds the names, outside code)."""
    from .markdown import mentioned_names

    names = {name.lower() for name in mentioned_names(body)}
    if not names:
        return []
    return list(
        User.objects.annotate(name=Lower("username"))
        .filter(name__in=names, is_active=True, anonymised_at__isnull=True)
        .values_list("pk", flat=True)
    )


def answer_highlighted(answer: Answer, action: ModerationAction) -> None:
    """A moderator featured or pinned ``answer``: its author hears of it."""
    if action.actor_id != answer.author_id:
        notify(answer.author, Kind.HIGHLIGHT, action=action, answer=answer)


def flags_decided(reporter_ids: Iterable[int], action: ModerationAction) -> None:
    """The moderators decided on an answer members flagged: each of them hears the outcome."""
    for reporter in User.objects.filter(pk__in=set(reporter_ids), anonymised_at__isnull=True):
        notify(reporter, Kind.FLAG, action=action, answer=action.answer)


def notify(
    member: User,
    kind: str,
    *,
    action: ModerationAction | None = None,
    answer: Answer | None = None,
    actor: User | None = None,
    emailed_elsewhere: bool = False,
) -> Notification | None:
    """One notification for ``member``, e-mailed as they chose once the transaction commits.
    ``emailed_elsewhere``: the event has its own e-mail (a notifier's decision letter)."""
    if member.is_anonymised:
        return None
    notification = Notification.objects.create(
        recipient=member,
        kind=kind,
        action=action,
        answer=answer,
        actor=actor,
        emailed_at=timezone.now() if emailed_elsewhere else None,
    )
    if not emailed_elsewhere:
        email_at_once(Notification.objects.filter(pk=notification.pk))
    return notification


# --- The inbox ------------------------------------------------------------------------

INBOX_PAGE = 30


def _shown(member: User):
    """The member's notifications that still make sense: about nothing, or about an answer
    still published, from nobody they blocked since."""
    blocked = Block.objects.filter(blocker=member, blocked=OuterRef("actor"))
    return (
        Notification.objects.filter(recipient=member)
        .filter(Q(answer__isnull=True) | Q(answer__status=PUBLISHED) | ~Q(kind__in=_ANSWER_KINDS))
        .exclude(Exists(blocked))
    )


_ANSWER_KINDS = (Kind.REPLY, Kind.MENTION, Kind.FOLLOWED, Kind.HIGHLIGHT)


def inbox(member: User, *, before: int | None = None) -> tuple[list[Notification], int | None]:
    """A page of the member's notifications, newest first, unread replies to one answer as
    one line (``group_size`` of them); and the id to continue from, if older ones remain."""
    unread_replies = _shown(member).filter(kind=Kind.REPLY, read_at__isnull=True)
    newer_sibling = unread_replies.filter(reply_to=OuterRef("reply_to"), pk__gt=OuterRef("pk"))
    siblings = (
        unread_replies.filter(reply_to=OuterRef("reply_to"))
        .order_by()
        .values("reply_to")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        _shown(member)
        .exclude(Q(kind=Kind.REPLY, read_at__isnull=True) & Exists(newer_sibling))
        .annotate(
            group_size=Case(
                When(kind=Kind.REPLY, read_at__isnull=True, then=Subquery(siblings)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .select_related(
            "answer__question__article", "answer__author", "reply_to", "action__question__article"
        )
        .defer("answer__body", "reply_to__body", "reply_to__body_html")
        .order_by("-pk")
    )
    if before is not None:
        rows = rows.filter(pk__lt=before)
    page = list(rows[: INBOX_PAGE + 1])
    more = page[INBOX_PAGE - 1].pk if len(page) > INBOX_PAGE else None
    return page[:INBOX_PAGE], more


def unread_count(member: User) -> int:
    return Notification.objects.filter(recipient=member, read_at__isnull=True).count()


# unread_count as an SQL expression (its one parameter: the member's id), for a page that
# reads it along with other facts (forum.views.threads).
UNREAD_COUNT_SQL = (
    "(SELECT COUNT(*) FROM forum_notification n WHERE n.recipient_id = %s AND n.read_at IS NULL)"
)


def mark_read(member: User, notification: Notification) -> int:
    """Mark a notification read, with the unread replies it stands for; return how many."""
    rows = Notification.objects.filter(recipient=member, read_at__isnull=True)
    if notification.kind == Kind.REPLY and notification.reply_to_id:
        rows = rows.filter(
            Q(pk=notification.pk) | Q(kind=Kind.REPLY, reply_to_id=notification.reply_to_id)
        )
    else:
        rows = rows.filter(pk=notification.pk)
    return rows.update(read_at=timezone.now())


def mark_all_read(member: User) -> int:
    return Notification.objects.filter(recipient=member, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def seen(member: User, answer: Answer) -> int:
    """The member opened ``answer``'s permalink: what told them of it, or of the replies
    to it shown there, is read."""
    if not member.is_authenticated:
        return 0
    return (
        Notification.objects.filter(recipient=member, read_at__isnull=True)
        .filter(Q(answer=answer) | Q(kind=Kind.REPLY, reply_to=answer))
        .update(read_at=timezone.now())
    )


def link_of(notification: Notification) -> str:
    """Where a notification leads: a group of replies to the answer replied to (which
    shows them all), anything else to its answer, or the decision's statement."""
    if notification.kind == Kind.REPLY and getattr(notification, "group_size", 1) > 1:
        return reverse("forum:answer", kwargs={"pk": notification.reply_to_id})
    if notification.answer_id:
        return reverse("forum:answer", kwargs={"pk": notification.answer_id})
    return reverse("forum:notifications")


def headline(notification: Notification, recipient: User) -> str:
    """What happened, in a sentence of the current language."""
    kind = notification.kind
    answer = notification.answer
    name = answer.author.display_name if answer else ""
    if kind == Kind.REPLY:
        count = getattr(notification, "group_size", 1)
        mine = notification.reply_to and notification.reply_to.author_id == recipient.pk
        if count > 1:
            if mine:
                return ngettext(
                    "%(count)d new reply to your answer",
                    "%(count)d new replies to your answer",
                    count,
                ) % {"count": count}
            return ngettext(
                "%(count)d new reply to an answer you follow",
                "%(count)d new replies to an answer you follow",
                count,
            ) % {"count": count}
        if mine:
            return _("%(name)s replied to your answer") % {"name": name}
        return _("%(name)s replied to an answer you follow") % {"name": name}
    if kind == Kind.MENTION:
        return _("%(name)s mentioned you") % {"name": name}
    if kind == Kind.FOLLOWED:
        return _("%(name)s answered a question you follow") % {"name": name}
    if kind == Kind.HIGHLIGHT:
        if notification.action and notification.action.verb == ModerationAction.Verb.PIN:
            return _("The moderators pinned your answer")
        return _("The moderators featured your answer")
    if kind == Kind.FLAG:
        if notification.action and notification.action.verb == ModerationAction.Verb.APPROVE:
            return _("The moderators kept the answer you flagged")
        return _("The moderators removed the answer you flagged")
    if kind == Kind.NOTICE:
        return _("The moderators decided on your notice of illegal content")
    if kind == Kind.WARNING:
        return _("A warning from the moderators")
    from .moderation.statements import subject_of

    return str(subject_of(notification.action)) if notification.action else _("A decision")


# --- E-mail ---------------------------------------------------------------------------


# E-mails sent by one task: a reply to an answer with a thousand followers queues twenty
# tasks, not a thousand (each one costs a row and a round trip), and one that fails
# delays only its own batch.
EMAIL_BATCH = 50


def email_at_once(notifications) -> None:
    """Once the transaction commits, e-mail each of ``notifications`` whose recipient wants
    that kind at once (and has a confirmed address), in batches of EMAIL_BATCH."""
    from .tasks import send_notifications

    due = [
        notification.pk
        for notification in notifications.select_related("recipient").filter(
            emailed_at__isnull=True
        )
        if getattr(notification.recipient, PREFERENCE_OF[notification.kind]) == Delivery.NOW
    ]
    batches = [due[i : i + EMAIL_BATCH] for i in range(0, len(due), EMAIL_BATCH)]
    if batches:
        transaction.on_commit(lambda: [send_notifications.enqueue(batch) for batch in batches])


def confirmed_address(member: User) -> str:
    """The member's primary address if they confirmed it; "" otherwise: the site writes to
    nobody who did not prove the address is theirs."""
    address = EmailAddress.objects.filter(user=member, primary=True, verified=True).first()
    return address.email if address else ""


def send_one(notification_id: int) -> bool:
    """E-mail one notification now, unless it was read, e-mailed, or no longer applies."""
    notification = (
        Notification.objects.select_related(
            "recipient", "answer__question__article", "answer__author", "reply_to", "action"
        )
        .filter(pk=notification_id, emailed_at__isnull=True, read_at__isnull=True)
        .first()
    )
    if notification is None:
        return False
    member = notification.recipient
    preference = PREFERENCE_OF[notification.kind]
    if getattr(member, preference) != Delivery.NOW or member.is_anonymised:
        return False
    if notification.kind in _ANSWER_KINDS and (
        notification.answer is None or notification.answer.status != PUBLISHED
    ):
        return False
    address = confirmed_address(member)
    if not address:
        return False
    # Claimed before sending: two workers never send the same one.
    if not Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    ):
        return False
    with translation.override(member.language or settings.LANGUAGE_CODE):
        if notification.kind in (Kind.DECISION, Kind.WARNING) and notification.action:
            from .moderation.statements import statement_email

            subject, template, context = statement_email(member, notification.action)
        else:
            subject = headline(notification, member)
            template = "notifications/email/notification"
            context = {
                "notification": notification,
                "headline": subject,
                "link": settings.SITE_URL + link_of(notification),
                "unfollow": unfollow_link(member, notification),
            }
        try:
            _send(member, address, subject, template, context, preference)
        except Exception:
            # Not sent: not marked so (the digest or a later attempt may still carry it).
            Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
            raise
    return True


def _send(member: User, address: str, subject, template: str, context: dict, preference: str):
    from .tasks import send_email

    unsubscribe = settings.SITE_URL + unsubscribe_url(member, preference)
    context = {
        **context,
        "member": member,
        "SITE_URL": settings.SITE_URL,
        "unsubscribe_url": unsubscribe,
        "unsubscribe_what": PREFERENCES.get(preference, ""),
        "settings_url": settings.SITE_URL + reverse("forum:preferences"),
    }
    # Already in the worker: the message goes out now (call, not enqueue).
    send_email.call(
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + str(subject),
        body=render_to_string(f"{template}.txt", context),
        html=render_to_string(f"{template}.html", context),
        to=[address],
        from_email=settings.DEFAULT_FROM_EMAIL,
        headers=unsubscribe_headers(unsubscribe),
    )


def unsubscribe_headers(url: str) -> dict[str, str]:
    """RFC 2369 and RFC 8058: mail clients show their own unsubscribe button, which POSTs
    ``List-Unsubscribe=One-Click`` to the link."""
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }


def send_digests(now: datetime.datetime | None = None) -> int:
    """One e-mail per member with notifications waiting for their daily digest, grouped by
    article and question; return how many were sent. Nothing new, no e-mail."""
    now = now or timezone.now()
    waiting = Q()
    for preference in PREFERENCES:
        waiting |= Q(kind__in=kinds_for(preference), **{f"recipient__{preference}": Delivery.DAILY})
    rows = (
        Notification.objects.filter(waiting)
        .filter(
            emailed_at__isnull=True,
            read_at__isnull=True,
            created_at__lte=now,
            created_at__gt=now - DIGEST_LOOKBACK,
            recipient__anonymised_at__isnull=True,
        )
        .select_related(
            "recipient", "answer__question__article", "answer__author", "reply_to", "action"
        )
        .order_by("recipient_id", "pk")
    )
    by_member = defaultdict(list)
    for notification in rows:
        if notification.kind in _ANSWER_KINDS and (
            notification.answer is None or notification.answer.status != PUBLISHED
        ):
            continue
        by_member[notification.recipient].append(notification)
    sent = 0
    for member, notifications in by_member.items():
        address = confirmed_address(member)
        claimed = Notification.objects.filter(
            pk__in=[n.pk for n in notifications], emailed_at__isnull=True
        ).update(emailed_at=now)
        if not address or not claimed:
            continue
        with translation.override(member.language or settings.LANGUAGE_CODE):
            _send(
                member,
                address,
                ngettext(
                    "Your daily digest: %(count)d new notification",
                    "Your daily digest: %(count)d new notifications",
                    len(notifications),
                )
                % {"count": len(notifications)},
                "notifications/email/digest",
                {"groups": digest_groups(notifications, member)},
                DIGEST,
            )
        sent += 1
    return sent


def digest_groups(notifications: list[Notification], member: User) -> list[dict]:
    """The digest's sections: by article, then question, each with the links that stop
    following what brought its news; decisions about nothing in particular come last,
    under no heading."""
    articles: dict = {}
    for notification in notifications:
        notification.headline = headline(notification, member)
        notification.link = settings.SITE_URL + link_of(notification)
        question = notification.answer.question if notification.answer else None
        article = question.article if question else None
        section = articles.setdefault(article, {"article": article, "questions": {}})
        group = section["questions"].setdefault(question, {"items": [], "unfollow": {}})
        group["items"].append(notification)
        url, what = unfollow_link(member, notification)
        if url:
            group["unfollow"][url] = what
    return [
        {
            "article": section["article"],
            "questions": [
                {"question": q, "items": g["items"], "unfollow": list(g["unfollow"].items())}
                for q, g in section["questions"].items()
            ],
        }
        for section in sorted(articles.values(), key=lambda s: s["article"] is None)
    ]


def next_digest_time(now: datetime.datetime | None = None) -> datetime.datetime:
    """The next moment the digest goes out: NOTIFICATION_DIGEST_TIME, in the site's zone."""
    now = timezone.localtime(now or timezone.now())
    hour, minute = (int(part) for part in settings.NOTIFICATION_DIGEST_TIME.split(":"))
    moment = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if moment <= now:
        moment = timezone.localtime(
            timezone.make_aware(moment.replace(tzinfo=None) + datetime.timedelta(days=1))
        )
    return moment


def schedule_digest() -> bool:
    """Make sure one digest waits in the task queue for its time; True if one was added.
    Called after each digest and after `migrate`, so a deployed site always has the next."""
    from django.tasks import default_task_backend

    from .tasks import send_daily_digest

    if not default_task_backend.supports_defer:
        return False  # development runs tasks inline: `manage.py send_digests` by hand
    from django_tasks_db.models import DBTaskResult

    path = f"{send_daily_digest.module_path}"
    with transaction.atomic():
        # Two at once (two servers' `migrate`, a digest ending as another server starts)
        # would both find none waiting and both add one: on PostgreSQL the second waits
        # here until the first has committed, then finds its digest.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [DIGEST_SCHEDULING_LOCK])
        if DBTaskResult.objects.filter(task_path=path, status="READY").exists():
            return False
        send_daily_digest.using(run_after=next_digest_time()).enqueue()
    return True


# The key of the PostgreSQL advisory lock that schedule_digest holds; any number that no
# other lock of the site uses.
DIGEST_SCHEDULING_LOCK = 7_361_001


# --- Unsubscribing and unfollowing from an e-mail ----------------------------------------

_SALT = "forum.notifications.unsubscribe"
# What a link may stop: a kind of e-mail (a preference field), the digest, or following one
# thing ("question", "article" or "answer", and its id).
FOLLOWED_THINGS = ("question", "article", "answer")


def unsubscribe_url(member: User, what: str, target: int | None = None) -> str:
    """A signed link that stops ``what`` for ``member`` without signing in: a kind of
    e-mail, the digest, or following the ``target`` question, article or answer. It does
    not expire: it sits in e-mails kept for years."""
    payload = [member.pk, what] if target is None else [member.pk, what, target]
    token = signing.dumps(payload, salt=_SALT, compress=True)
    with translation.override(member.language or settings.LANGUAGE_CODE):
        return reverse("forum:unsubscribe", kwargs={"token": token})


def read_unsubscribe_token(token: str) -> tuple[User, str, int | None] | None:
    """(member, what, target) from a link made by unsubscribe_url; None if it was not."""
    try:
        member_id, what, *target = signing.loads(token, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    valid = (what == DIGEST or what in PREFERENCES) and not target
    valid = valid or (what in FOLLOWED_THINGS and len(target) == 1 and type(target[0]) is int)
    if not valid:
        return None
    member = User.objects.filter(pk=member_id, anonymised_at__isnull=True).first()
    return (member, what, target[0] if target else None) if member else None


def unsubscribe(member: User, what: str, target: int | None = None) -> int:
    """Stop ``what`` (see unsubscribe_url); return how many settings or follows changed."""
    if what in FOLLOWED_THINGS:
        return Follow.objects.filter(member=member, **{f"{what}_id": target}).delete()[0]
    if what == DIGEST:
        fields = [field for field in PREFERENCES if getattr(member, field) == Delivery.DAILY]
    else:
        fields = [what] if getattr(member, what) != Delivery.NEVER else []
    if fields:
        User.objects.filter(pk=member.pk).update(**dict.fromkeys(fields, Delivery.NEVER))
        for field in fields:
            setattr(member, field, Delivery.NEVER)
    return len(fields)


def followed_thing(what: str, target: int) -> str:
    """How the unfollow page names what it stops following ("" if it is gone)."""
    from articles.models import Question

    if what == "question":
        question = Question.objects.filter(pk=target).first()
        return _("the question “%(text)s”") % {"text": question.text} if question else ""
    if what == "article":
        article = Article.objects.filter(pk=target).first()
        return _("the discussions of “%(title)s”") % {"title": article.title} if article else ""
    answer = Answer.objects.select_related("author").filter(pk=target).first()
    if answer is None:
        return ""
    return _("the replies to an answer by %(name)s") % {"name": answer.author.display_name}


def unfollow_link(member: User, notification: Notification) -> tuple[str, str]:
    """For an e-mail about ``notification``: a link that stops what brought it (the
    question or article followed, the answer whose replies are followed), and what it
    stops; ("", "") when nothing followed brought it (a mention, a decision)."""
    answer = notification.answer
    if notification.kind == Kind.REPLY and notification.reply_to_id:
        what, target = "answer", notification.reply_to_id
    elif notification.kind == Kind.FOLLOWED and answer is not None:
        follows = Follow.objects.filter(member=member)
        if follows.filter(question_id=answer.question_id).exists():
            what, target = "question", answer.question_id
        elif follows.filter(article_id=answer.question.article_id).exists():
            what, target = "article", answer.question.article_id
        else:
            return "", ""
    else:
        return "", ""
    url = settings.SITE_URL + unsubscribe_url(member, what, target)
    return url, followed_thing(what, target)
