"""Members of the site and the discussion domain: answers, votes, revisions, visits.

Who may see or do what with these is decided in forum.rules, not here."""

from datetime import datetime
from functools import cache

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import connection, connections, models
from django.db.models.functions import Lower
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

DELETED_MEMBER_NAME = _("[deleted account]")
MODERATORS_GROUP = "moderators"


class MemberManager(UserManager):
    """Members created in code (the cast of tests, ``createsuperuser``) get the skeleton
    of their pseudonym like those who sign up."""

    def _create_user_object(self, username, email, password, **extra_fields):
        from .accounts import username_skeleton  # forum.accounts imports this module

        user = super()._create_user_object(username, email, password, **extra_fields)
        user.username_skeleton = username_skeleton(user.username)
        return user


class Delivery(models.TextChoices):
    """When a kind of notification is e-mailed to a member."""

    NOW = "now", _("at once")
    DAILY = "daily", _("in the daily digest")
    NEVER = "never", _("never")


class User(AbstractUser):
    """A member. ``username`` is the public pseudonym shown on answers."""

    # Set when the member deleted their account: personal data is erased,
    # the row stays so answers, votes and the moderation log keep their links.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)
    # Standing with the moderators. A suspended or banned member still signs in
    # and reads, but cannot answer or vote, and is told why and until when.
    # Kept on the member's row, which every signed-in request loads anyway.
    suspended_until = models.DateTimeField(_("suspended until"), null=True, blank=True)
    banned = models.BooleanField(_("banned"), default=False)
    sanction_reason = models.CharField(_("reason given to the member"), max_length=300, blank=True)
    # The language the member last used the site in: e-mails sent to them later (replies,
    # decisions) are written in it. Recorded at sign-in and at each switch of language.
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    # A sanction short of suspension: every answer of the member waits for a moderator.
    premoderated = models.BooleanField(_("always pre-moderated"), default=False)
    # Single-key shortcuts on the moderation queue; a member who uses speech input or
    # presses keys by accident turns them off (WCAG 2.1.4).
    keyboard_shortcuts = models.BooleanField(_("keyboard shortcuts"), default=True)
    # What the pseudonym looks like (Unicode TS #39 skeleton, casefolded: "paypa1" and
    # "PayPal" both give "paypal"), set wherever a pseudonym is (forum.accounts). Unique:
    # no member can pass for another. Null (not "": that would be one more skeleton) only
    # for rows that already collided when the column was added.
    username_skeleton = models.CharField(max_length=150, unique=True, null=True, editable=False)  # noqa: DJ001
    # How each kind of notification reaches the member by e-mail (forum.notifications):
    # at once, in the daily digest, or not at all. The site's inbox shows them all anyway.
    email_replies = models.CharField(
        _("replies to your answers"), max_length=10, choices=Delivery, default=Delivery.NOW
    )
    email_mentions = models.CharField(
        _("mentions of your pseudonym"), max_length=10, choices=Delivery, default=Delivery.NOW
    )
    email_followed = models.CharField(
        _("new answers in what you follow"), max_length=10, choices=Delivery, default=Delivery.DAILY
    )
    email_highlights = models.CharField(
        _("your answers featured or pinned"), max_length=10, choices=Delivery, default=Delivery.NOW
    )
    email_moderation = models.CharField(
        _("moderators' decisions"), max_length=10, choices=Delivery, default=Delivery.NOW
    )

    objects = MemberManager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            # "Alice" and "alice" must not be two different people on a thread.
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
        ]

    def __str__(self):
        return self.username

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None

    @cached_property
    def is_moderator(self) -> bool:
        return self.is_staff or self.groups.filter(name=MODERATORS_GROUP).exists()

    def knows_if_moderator(self) -> bool:
        """Whether is_moderator is known already: asked once, or read with other facts
        (IN_MODERATORS_GROUP_SQL) and set. A method, so that it answers for the member
        even through request.user's lazy wrapper."""
        return "is_moderator" in self.__dict__

    def remember_language(self, code: str) -> None:
        """Keep the language the member reads the site in, for what is sent to them later."""
        if code != self.language and code in dict(settings.LANGUAGES):
            self.language = code
            type(self).objects.filter(pk=self.pk).update(language=code)

    @property
    def display_name(self) -> str:
        return str(DELETED_MEMBER_NAME) if self.is_anonymised else self.username

    def get_absolute_url(self) -> str:
        # A pseudonym no address can hold (a "/", which sign-up refuses) has no page.
        try:
            return reverse("forum:member", kwargs={"username": self.username})
        except NoReverseMatch:
            return ""


class MemberSession(AbstractBaseSession):
    """A browser's session, with the member it signs in (none for a reader's), so that a
    signed-in request reads both in one query (forum.sessions). Deleting a member's row
    ends every session of theirs."""

    member = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta(AbstractBaseSession.Meta):
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    @classmethod
    def get_session_store_class(cls):
        from .sessions import SessionStore  # forum.sessions imports this module

        return SessionStore


def all_fields(model) -> list[str]:
    """Every column of ``model``, by field name, in the order select_columns gives them."""
    return [field.attname for field in model._meta.concrete_fields]


def select_columns(alias: str, model) -> str:
    """Every column of ``model`` (as the ORM reads them) under the table alias ``alias``,
    for a plain statement read back with instance_from_row(model, all_fields(model), …)."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


def instance_from_row(model, fields, values, *, using: str = "default"):
    """An instance of ``model`` from raw column values of ``fields`` read from the database
    ``using``, converted as the ORM would (SQLite returns datetimes as text): for the hot
    paths that read with one plain statement what the ORM would read with several, or
    more slowly."""
    database = connections[using]
    converters, order = _row_reading(model, tuple(fields), using)
    converted = []
    for value, (column, convert_all) in zip(values, converters, strict=True):
        for convert in convert_all:
            value = convert(value, column, database)
        converted.append(value)
    # from_db takes the values in the model's field order, whatever order they were read in.
    names = [fields[i] for i in order]
    return model.from_db(using, names, [converted[i] for i in order])


@cache
def _row_reading(model, fields: tuple[str, ...], alias: str):
    """What instance_from_row does for each column, found once: its converters (by column,
    from the database's operations and the field's own) and the model's order of fields."""
    backend = connections[alias]
    converters = []
    for name in fields:
        column = model._meta.get_field(name).cached_col
        converters.append(
            (column, backend.ops.get_db_converters(column) + column.get_db_converters(backend))
        )
    position = {field.attname: n for n, field in enumerate(model._meta.concrete_fields)}
    order = sorted(range(len(fields)), key=lambda i: position[fields[i]])
    return converters, order


# is_moderator's group half as an SQL expression (parameters: the member's id, then
# MODERATORS_GROUP), for a page that reads it with other facts and then sets is_moderator.
IN_MODERATORS_GROUP_SQL = (
    f"EXISTS (SELECT 1 FROM {User.groups.through._meta.db_table} ug"  # noqa: S608 (names)
    " JOIN auth_group g ON g.id = ug.group_id WHERE ug.user_id = %s AND g.name = %s)"
)


PATH_DIGITS = 10  # ids below ten billion
# Ids are 64-bit: a larger number in a URL names nothing (and overflows SQLite's driver).
MAX_ID = 2**63 - 1


def tree_path(parent_path: str, pk: int) -> str:
    """The path of answer ``pk`` under a parent of ``parent_path`` ("" for a top-level one)."""
    return parent_path + str(pk).zfill(PATH_DIGITS)


_ROOTS = ["question", "depth", "-pinned"]  # top-level answers of a question, pinned first


class Answer(models.Model):
    """An answer to a question; a reply is an answer whose parent is set."""

    class Status(models.TextChoices):
        PUBLISHED = "published", _("published")
        PENDING = "pending", _("pending review")
        REMOVED = "removed", _("removed by moderation")
        DELETED = "deleted", _("deleted by its author")
        SPAM = "spam", _("spam")

    # Removed and deleted answers keep their place as tombstones so replies stay readable.
    PUBLIC_STATUSES = (Status.PUBLISHED, Status.REMOVED, Status.DELETED)
    TOMBSTONE_STATUSES = (Status.REMOVED, Status.DELETED)

    # PROTECT: a question with answers cannot be deleted (re-importing an article that
    # dropped it keeps it); nothing people wrote is hard-deleted by accident.
    question = models.ForeignKey(
        "articles.Question", on_delete=models.PROTECT, related_name="answers", db_index=False
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies"
    )
    # The top-level answer of the thread (itself for a top-level answer): a
    # page of threads loads with one `root_id IN (...)` query.
    root = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    depth = models.PositiveSmallIntegerField(default=0)
    # The ids from the thread's root down to this answer, PATH_DIGITS each, digits only (so
    # every collation orders them alike): its ancestors without reading the thread, and its
    # subtree as one range of an index. Written when it is posted; "" for rows written in
    # bulk outside the write path, which the readers treat the old way (the whole thread).
    path = models.TextField(default="", editable=False)
    author = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="answers", db_index=False
    )
    body = models.TextField(_("answer"))
    body_html = models.TextField(editable=False)
    renderer_version = models.PositiveSmallIntegerField(default=0, editable=False)
    status = models.CharField(max_length=10, choices=Status, default=Status.PUBLISHED)
    removal_reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    # Direct replies ever written under this answer, whatever became of them.
    reply_count = models.PositiveIntegerField(default=0)
    # Counters and rank keys, rewritten from the vote rows inside each vote's
    # transaction (forum.voting), so they always equal what the votes say.
    upvotes = models.PositiveIntegerField(default=0)
    downvotes = models.PositiveIntegerField(default=0)
    score = models.IntegerField(default=0)  # upvotes - downvotes: the "top" sort
    rank_best = models.FloatField(default=0.0)  # Wilson lower bound: the "best" sort
    rank_controversial = models.FloatField(default=0.0)
    pinned = models.BooleanField(default=False)
    featured = models.BooleanField(default=False)
    # Bumped by every edit and every moderation decision: a decision names the version the
    # moderator saw, and is refused when the answer changed since (forum.moderation).
    version = models.PositiveIntegerField(default=1)
    # The weight of the open flags on this answer, recounted from the flag rows inside
    # each flag's transaction; past FLAG_HIDE_WEIGHT the answer waits for review.
    flag_weight = models.PositiveIntegerField(default=0)
    # It went through review before being published (pre-moderation): an edit sends it back.
    reviewed = models.BooleanField(default=False)

    class ReviewCause(models.TextChoices):
        NONE = "", _("none")
        POLICY = "policy", _("the discussion's pre-moderation")
        TRUST = "trust", _("a new member's answer")
        SANCTION = "sanction", _("the author is pre-moderated")
        WORD_RULE = "word_rule", _("a word rule")
        LINK = "link", _("a link from a new member")
        FLAGS = "flags", _("flags from members")
        EDIT = "edit", _("edited after review")

    # Why it waits (or waited) for a moderator, and the word rule that matched, if one did.
    review_cause = models.CharField(max_length=20, choices=ReviewCause, blank=True, default="")
    review_rule = models.ForeignKey(
        "WordRule", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A double submit of the same form carries the same key and creates nothing new.
    idempotency_key = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        # A page of top-level answers reads one of these in order and stops after
        # a page: its cost does not grow with the thread (forum.threads.SORTS).
        # Every vote rewrites rank columns that these indexes hold, so PostgreSQL
        # adds an entry to every index of the table per vote: foreign keys whose
        # lookups an index here already serves have none of their own.
        indexes = [
            models.Index(fields=[*_ROOTS, "-rank_best", "-id"], name="answer_roots_best"),
            models.Index(fields=[*_ROOTS, "-score", "-id"], name="answer_roots_top"),
            models.Index(fields=[*_ROOTS, "-created_at", "-id"], name="answer_roots_new"),
            models.Index(fields=[*_ROOTS, "created_at", "id"], name="answer_roots_old"),
            models.Index(
                fields=[*_ROOTS, "-rank_controversial", "-id"], name="answer_roots_controversial"
            ),
            models.Index(fields=["root"], name="answer_by_root"),
            models.Index(fields=["path"], name="answer_by_path"),
            # A member's page: their answers, newest first.
            models.Index(fields=["author", "-created_at"], name="answer_by_author_newest"),
            # A discussion's answers young enough to hide their score (the one-hour range
            # at the end), for how long a shared page's copy may live (forum.pagecache).
            models.Index(fields=["question", "created_at"], name="answer_by_question_age"),
            # The article page: each question's most appreciated answer, read from the top
            # of this index (forum.threads.with_most_appreciated) ...
            models.Index(
                fields=["question", "-rank_best", "-id"],
                condition=models.Q(status="published", upvotes__gt=0),
                name="answer_most_appreciated",
            ),
            # ... and the few answers that moderators featured (forum.threads.with_featured).
            models.Index(
                fields=["question", "created_at", "id"],
                condition=models.Q(status="published", featured=True),
                name="answer_featured",
            ),
            # The moderation queue's two tabs, oldest first: small partial indexes, so
            # counting 5,000 waiting answers never reads the million published ones.
            models.Index(
                fields=["created_at", "id"],
                condition=models.Q(status="pending"),
                name="answer_pending_review",
            ),
            models.Index(
                fields=["created_at", "id"],
                condition=models.Q(status="published", flag_weight__gt=0),
                name="answer_flagged",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "idempotency_key"], name="answer_unique_submission"
            ),
            models.CheckConstraint(
                condition=models.Q(parent__isnull=True, depth=0)
                | models.Q(parent__isnull=False, depth__gt=0),
                name="answer_depth_matches_parent",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} by {self.author_id}"

    def get_absolute_url(self):
        return reverse("forum:answer", kwargs={"pk": self.pk})

    @property
    def is_tombstone(self) -> bool:
        return self.status in self.TOMBSTONE_STATUSES


class Vote(models.Model):
    """A member's vote on an answer: +1 or -1. Taking a vote back deletes the row."""

    UP, DOWN = 1, -1

    # Served by the unique constraint (user, answer) and by vote_by_answer.
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="votes", db_index=False)
    answer = models.ForeignKey(
        Answer, on_delete=models.CASCADE, related_name="votes", db_index=False
    )
    value = models.SmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "answer"], name="vote_one_per_member"),
            models.CheckConstraint(
                condition=models.Q(value__in=[1, -1]), name="vote_is_up_or_down"
            ),
        ]
        indexes = [models.Index(fields=["answer", "value"], name="vote_by_answer")]

    def __str__(self):
        return f"{self.value:+d} by {self.user_id} on {self.answer_id}"


class Revision(models.Model):
    """The text of an answer before one of its edits."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    edited_at = models.DateTimeField(default=timezone.now)
    editor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-edited_at", "-id"]

    def __str__(self):
        return f"revision of {self.answer_id} at {self.edited_at:%Y-%m-%d %H:%M}"


class QuestionVisit(models.Model):
    """When a member last read a question, for "new since your last visit"."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey("articles.Question", on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "question"], name="visit_unique_per_question")
        ]

    def __str__(self):
        return f"{self.user_id} read {self.question_id} at {self.seen_at:%Y-%m-%d %H:%M}"

    @classmethod
    def record(cls, user, question) -> datetime | None:
        """Note that ``user`` reads ``question`` now; when they read it before, if they did.

        An upsert, so two first visits at once (two tabs) both succeed. On PostgreSQL one
        statement: every member's page view makes it, and the ORM's two (a read, then
        bulk_create's upsert) cost ten times the database's work."""
        now = timezone.now()
        if connection.vendor != "postgresql":
            seen_at = (
                cls.objects.filter(user=user, question=question)
                .values_list("seen_at", flat=True)
                .first()
            )
            cls.objects.bulk_create(
                [cls(user=user, question=question, seen_at=now)],
                update_conflicts=True,
                unique_fields=["user", "question"],
                update_fields=["seen_at"],
            )
            return seen_at
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH {RECORD_VISIT_SQL} SELECT {PREVIOUS_VISIT_SQL}",
                record_visit_params(user, question, now),
            )
            return cursor.fetchone()[0]


# record() on PostgreSQL as the WITH part of a statement, which reads the previous time as
# PREVIOUS_VISIT_SQL (a member's question page reads it with their other facts:
# forum.views.threads). PostgreSQL runs every part of one statement on the same snapshot,
# so previous_visit reads the row as it was before the upsert; and it runs a data-changing
# WITH part to completion whether or not the rest reads it.
RECORD_VISIT_SQL = """
previous_visit AS (
    SELECT seen_at FROM forum_questionvisit WHERE user_id = %s AND question_id = %s
),
visit AS (
    INSERT INTO forum_questionvisit (user_id, question_id, seen_at) VALUES (%s, %s, %s)
    ON CONFLICT (user_id, question_id) DO UPDATE SET seen_at = EXCLUDED.seen_at
)
"""
PREVIOUS_VISIT_SQL = "(SELECT seen_at FROM previous_visit)"


def record_visit_params(user, question, now) -> list:
    return [user.pk, question.pk, user.pk, question.pk, now]


# --- Moderation ----------------------------------------------------------------
# Workflows that change these live in forum.moderation; who may do them in forum.rules.


class Flag(models.Model):
    """A member's report that an answer breaks the rules: one per member and answer."""

    class Reason(models.TextChoices):
        SPAM = "spam", _("spam")
        ABUSE = "abuse", _("harassment or abuse")
        HATE = "hate", _("hate")
        OFF_TOPIC = "off_topic", _("off-topic")
        MISINFORMATION = "misinformation", _("misinformation")
        ILLEGAL = "illegal", _("illegal content")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        UPHELD = "upheld", _("upheld")  # the answer was removed or marked as spam
        DISMISSED = "dismissed", _("dismissed")  # the answer was approved

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="flags")
    reporter = models.ForeignKey(User, on_delete=models.CASCADE, related_name="flags")
    reason = models.CharField(_("reason"), max_length=20, choices=Reason)
    note = models.CharField(_("note"), max_length=500, blank=True)
    # What the reporter's standing made this flag weigh when it was made.
    weight = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        constraints = [
            models.UniqueConstraint(fields=["reporter", "answer"], name="flag_one_per_member"),
        ]
        indexes = [models.Index(fields=["answer", "status"], name="flag_by_answer")]

    def __str__(self):
        return f"{self.reason} by {self.reporter_id} on {self.answer_id}"


class ModerationActionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The moderation log is append-only.")

    def delete(self):
        raise TypeError("The moderation log is append-only.")


class ModerationAction(models.Model):
    """One decision or sanction, as the public log shows it. Append-only: a wrong entry is
    followed by another (a restore, a lifted sanction), never changed; on PostgreSQL a
    trigger refuses UPDATE and DELETE as well (migration 0010)."""

    class Verb(models.TextChoices):
        # On an answer
        HOLD = "hold", _("held for review")
        APPROVE = "approve", _("approved")
        REMOVE = "remove", _("removed")
        SPAM = "spam", _("marked as spam")
        RESTORE = "restore", _("restored")
        PIN = "pin", _("pinned")
        UNPIN = "unpin", _("unpinned")
        FEATURE = "feature", _("featured")
        UNFEATURE = "unfeature", _("no longer featured")
        # On a member
        WARN = "warn", _("warned")
        PREMODERATE = "premoderate", _("put under pre-moderation")
        SUSPEND = "suspend", _("suspended")
        BAN = "ban", _("banned")
        SPAM_BAN = "spam_ban", _("banned as a spammer")
        LIFT = "lift", _("sanction lifted")
        # On a question
        LOCK = "lock", _("locked")
        CLOSE = "close", _("closed")
        REOPEN = "reopen", _("reopened")
        SLOW_MODE = "slow_mode", _("slow mode set")
        # On a notice of illegal content (its answer is the target) and on appeals (the
        # target of the decision appealed)
        REJECT_NOTICE = "reject_notice", _("no action on a notice")
        UPHOLD = "uphold", _("decision upheld on appeal")
        REVERSE = "reverse", _("decision reversed on appeal")

    class Source(models.TextChoices):
        OWN_INITIATIVE = "own", _("a moderator’s own initiative")
        FLAG = "flag", _("flags from members")
        AUTOMATIC = "automatic", _("automatic (flags past the threshold)")
        NOTICE = "notice", _("a notice of illegal content")
        WORD_RULE = "word_rule", _("a word rule")
        APPEAL = "appeal", _("an appeal")

    # Null for what the site did by itself (an answer held once its flags weighed enough).
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verb = models.CharField(max_length=20, choices=Verb)
    source = models.CharField(max_length=20, choices=Source, default=Source.OWN_INITIATIVE)
    # Exactly one target (a check constraint says so).
    answer = models.ForeignKey(
        Answer, on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    member = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="sanctions"
    )
    question = models.ForeignKey(
        "articles.Question", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Which rule was broken (a key of forum.moderation.REASONS), and the words for the person.
    rule = models.CharField(max_length=30, blank=True)
    reason = models.TextField(blank=True)
    until = models.DateTimeField(null=True, blank=True)  # an ending suspension
    answer_version = models.PositiveIntegerField(null=True, blank=True)  # the version decided
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ModerationActionQuerySet.as_manager()

    class Meta:
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation log")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(answer__isnull=False, member__isnull=True, question__isnull=True)
                | models.Q(answer__isnull=True, member__isnull=False, question__isnull=True)
                | models.Q(answer__isnull=True, member__isnull=True, question__isnull=False),
                name="action_has_one_target",
            ),
        ]

    def __str__(self):
        return f"{self.verb} by {self.actor_id} at {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("The moderation log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The moderation log is append-only.")

    @property
    def is_restriction(self) -> bool:
        """It restricts the person it is about (DSA art. 17): its statement says they may appeal."""
        return self.verb in (
            self.Verb.REMOVE, self.Verb.SPAM, self.Verb.WARN, self.Verb.PREMODERATE,
            self.Verb.SUSPEND, self.Verb.BAN, self.Verb.SPAM_BAN,
        )  # fmt: skip


class MemberNote(models.Model):
    """What a moderator wants the others to know about a member; never shown to them."""

    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="moderator_notes")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("note"), max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"note on {self.member_id} by {self.author_id}"


class Notification(models.Model):
    """Something the site tells a member in their inbox (and by e-mail, as they chose):
    replies, mentions, new answers in what they follow, their answers featured or pinned,
    and the moderators' decisions that concern them (forum.notifications)."""

    class Kind(models.TextChoices):
        REPLY = "reply", _("reply")
        MENTION = "mention", _("mention")
        FOLLOWED = "followed", _("new answer in what you follow")
        HIGHLIGHT = "highlight", _("answer featured or pinned")
        DECISION = "decision", _("moderation decision")
        WARNING = "warning", _("warning")
        FLAG = "flag", _("decision on your flag")
        NOTICE = "notice", _("decision on your notice")

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind)
    action = models.ForeignKey(
        ModerationAction, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The answer it is about (the reply, the answer that mentions, the new answer…) and,
    # for a reply, the answer replied to: unread replies to one answer show as one line.
    answer = models.ForeignKey(
        Answer, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reply_to = models.ForeignKey(
        Answer, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # Who caused it, when a member did: a member the recipient blocked causes none.
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # When it went out by e-mail (at once or in a digest); null while it waits for the
    # digest, and for those the member gets no e-mail of.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["recipient", "-created_at"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox"),
            models.Index(
                fields=["recipient", "reply_to"],
                condition=models.Q(read_at__isnull=True, reply_to__isnull=False),
                name="notification_unread_replies",
            ),
            models.Index(fields=["answer"], name="notification_answer"),
        ]
        constraints = [
            # One notification per member and answer, whatever reached them first (a
            # mention, a reply, a followed question): approving or restoring an answer
            # again, or editing in a mention, never tells them twice.
            models.UniqueConstraint(
                fields=["recipient", "answer"],
                condition=models.Q(kind__in=["reply", "mention", "followed"]),
                name="notification_once_per_answer",
            ),
        ]

    def __str__(self):
        return f"{self.kind} for {self.recipient_id}"


class Follow(models.Model):
    """A member follows a whole article, a question, or the replies to one answer (its
    author does, from the moment it is posted, until they stop)."""

    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="follows")
    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    question = models.ForeignKey(
        "articles.Question", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    answer = models.ForeignKey(
        Answer, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(article__isnull=False, question__isnull=True, answer__isnull=True)
                    | models.Q(article__isnull=True, question__isnull=False, answer__isnull=True)
                    | models.Q(article__isnull=True, question__isnull=True, answer__isnull=False)
                ),
                name="follow_one_target",
            ),
            models.UniqueConstraint(
                fields=["member", "article"],
                condition=models.Q(article__isnull=False),
                name="follow_article_once",
            ),
            models.UniqueConstraint(
                fields=["member", "question"],
                condition=models.Q(question__isnull=False),
                name="follow_question_once",
            ),
            models.UniqueConstraint(
                fields=["member", "answer"],
                condition=models.Q(answer__isnull=False),
                name="follow_answer_once",
            ),
        ]
        # The fan-out reads followers by target.
        indexes = [
            models.Index(
                fields=[field],
                condition=models.Q(**{f"{field}__isnull": False}),
                name=f"follow_by_{field}",
            )
            for field in ("article", "question", "answer")
        ]

    def __str__(self):
        return f"{self.member_id} follows {self.article_id or self.question_id or self.answer_id}"


class Block(models.Model):
    """A member no longer wants to hear from another: the blocked member's answers are
    collapsed for them, and cause them no notification (mentions included)."""

    blocker = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks")
    blocked = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_once"),
            models.CheckConstraint(
                condition=~models.Q(blocker=models.F("blocked")), name="block_not_oneself"
            ),
        ]
        indexes = [models.Index(fields=["blocked"], name="block_by_blocked")]

    def __str__(self):
        return f"{self.blocker_id} blocks {self.blocked_id}"


class WordRule(models.Model):
    """Words staff do not want in answers: a match blocks the answer (its author is told
    which rule) or sends it to review (the queue shows where). Matching is
    forum.moderation.words's: case and accents ignored, whole words (a trailing ``*`` for
    any ending), French elisions (l', qu'…) seen through."""

    class Action(models.TextChoices):
        BLOCK = "block", _("block")
        REVIEW = "review", _("send to review")

    pattern = models.CharField(_("words"), max_length=100)
    action = models.CharField(_("action"), max_length=10, choices=Action)
    # What the author is told when the rule blocks their text ("insults", "doxxing"…).
    label = models.CharField(_("label shown to the author"), max_length=100)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("word rule")
        verbose_name_plural = _("word rules")
        ordering = ["pattern", "id"]
        constraints = [
            models.UniqueConstraint(Lower("pattern"), name="word_rule_unique_pattern"),
        ]

    def __str__(self):
        return self.pattern


class Notice(models.Model):
    """A notice of illegal content (DSA art. 16), from anyone, signed in or not."""

    class Ground(models.TextChoices):
        HATE_SPEECH = "hate_speech", _("hate speech")
        DEFAMATION = "defamation", _("defamation")
        TERRORISM = "terrorism", _("terrorist content")
        CHILD_ABUSE = "child_abuse", _("child sexual abuse material")
        PRIVACY = "privacy", _("privacy or personal data")
        INTELLECTUAL_PROPERTY = "intellectual_property", _("intellectual property")
        OTHER = "other", _("other illegal content")

    class Status(models.TextChoices):
        OPEN = "open", _("waiting for a decision")
        ACTED = "acted", _("acted upon")
        REJECTED = "rejected", _("no action taken")

    answer = models.ForeignKey(Answer, on_delete=models.PROTECT, related_name="notices")
    ground = models.CharField(_("legal ground"), max_length=30, choices=Ground)
    explanation = models.TextField(_("explanation"), max_length=5000)
    # The exact text the notifier saw, kept even if the answer changes afterwards.
    quoted_text = models.TextField(_("the answer notified"))
    name = models.CharField(_("name"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail address"), max_length=254, blank=True)
    good_faith = models.BooleanField(_("declaration of good faith"), default=False)
    notifier = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="notices_made"
    )
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    # The decision taken on it (a removal, or a REJECT_NOTICE), once taken.
    decision = models.ForeignKey(
        ModerationAction, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notice of illegal content")
        verbose_name_plural = _("notices of illegal content")
        indexes = [
            models.Index(
                fields=["created_at", "id"],
                condition=models.Q(status="open"),
                name="notice_open",
            )
        ]

    def __str__(self):
        return f"notice {self.pk} on {self.answer_id}"


class Appeal(models.Model):
    """A complaint against a decision (DSA art. 20): by the author of a removed answer or a
    sanctioned member, or by a notifier whose notice led to no action. Once per decision and
    person, within APPEAL_WINDOW; decided by another moderator than the one who decided."""

    class Status(models.TextChoices):
        OPEN = "open", _("waiting for a decision")
        UPHELD = "upheld", _("decision upheld")
        REVERSED = "reversed", _("decision reversed")

    action = models.ForeignKey(ModerationAction, on_delete=models.PROTECT, related_name="appeals")
    appellant = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="appeals"
    )
    notice = models.ForeignKey(
        Notice, on_delete=models.PROTECT, null=True, blank=True, related_name="appeals"
    )
    text = models.TextField(_("your appeal"), max_length=5000)
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    outcome = models.ForeignKey(
        ModerationAction, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        constraints = [
            models.UniqueConstraint(
                fields=["action", "appellant"],
                condition=models.Q(appellant__isnull=False),
                name="appeal_once_per_member",
            ),
            models.UniqueConstraint(
                fields=["action", "notice"],
                condition=models.Q(notice__isnull=False),
                name="appeal_once_per_notice",
            ),
            models.CheckConstraint(
                condition=models.Q(appellant__isnull=False) | models.Q(notice__isnull=False),
                name="appeal_has_an_appellant",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at", "id"],
                condition=models.Q(status="open"),
                name="appeal_open",
            )
        ]

    def __str__(self):
        return f"appeal {self.pk} of action {self.action_id}"


class SlowMode(models.Model):
    """A question a moderator slowed down: one answer per member per ``minutes``."""

    question = models.OneToOneField(
        "articles.Question", on_delete=models.CASCADE, primary_key=True, related_name="slow_mode"
    )
    minutes = models.PositiveSmallIntegerField()
    set_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.minutes} min on {self.question_id}"


class PageVersion(models.Model):
    """What anonymous readers of an article's pages (the article, its questions) are shown,
    as a token that changes whenever any of it changes: forum.pagecache keys its shared
    copies of those pages by it.

    Written by the database itself (triggers of migration 0014) on every insert, update or
    delete of the article, its questions, their answers, and on a change of name of their
    authors, in the transaction of the change: no write path, admin action or raw SQL can
    forget it. A fresh random token each time rather than a counter, so that a database
    restored from a backup never gives back a token pages were cached under."""

    article = models.OneToOneField(
        "articles.Article",
        on_delete=models.DO_NOTHING,
        primary_key=True,
        related_name="+",
        # No foreign key: PostgreSQL writes the token at commit, after a deletion of the
        # article in the same transaction; a row left for a deleted article is harmless.
        db_constraint=False,
    )
    token = models.CharField(max_length=32)
    # PostgreSQL: the transaction and statement that wrote the token. The triggers run at
    # commit, all within the COMMIT statement: a transaction that changes 1,000 answers
    # of an article writes its token once, not 1,000 times.
    written_by = models.CharField(max_length=80, blank=True, editable=False)

    def __str__(self):
        return f"{self.article_id}: {self.token}"
