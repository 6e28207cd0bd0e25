"""What notifications cost: a long inbox, and a reply to an answer a thousand members follow.

inbox: a member with ``NOTIFICATIONS`` notifications, built in bulk (the rows the fan-out
    and the moderation workflows leave, without going through them: what is measured is
    the page): replies to their answers (about half), mentions, new answers where they
    follow the question, their answers featured, moderation decisions, the outcome of
    their flags; spread over three months, the newest ``UNREAD`` unread, among them
    several unread replies to each of ``UNREAD_GROUPS`` answers (one line each). They open
    the first page of the inbox (``small_inbox``: the same for a member with ``SMALL``,
    to compare with), then an older page from the middle (``?before=``), through Django's
    test client:
      queries         SQL queries of one request (the header's count and banner included);
      median_ms,      server time of a request (no network), over --repeat requests after
      p95_ms          one warm-up;
      kb              size of the HTML;
      shown           the lines on the page.
reply_to_followed_answer: an answer ``FOLLOWERS`` members follow; a member replies to it
    through the real view (the htmx POST of the reply form), with tasks queued in the
    database as in production (django_tasks_db), so the request only enqueues the fan-out:
      post_median_ms, post_p95_ms, post_queries   the reply request, over a third of
                      --repeat replies (at least 5) after one warm-up;
      tasks_enqueued_per_reply  what one reply left in the task queue (the fan-out);
    then the fan-out task runs on its own, as the worker runs it, for ``FAN_OUTS`` replies:
      median_ms, max_ms   ``forum.notifications.fan_out``: the rows, and an e-mail task
                          queued per member who wants replies at once (here, all of them);
      queries         SQL queries of one fan-out;
      notifications   rows one fan-out created (one per follower);
      emails_enqueued e-mail tasks one fan-out queued.
"""

import random
import re
import statistics
import time
from contextlib import contextmanager
from datetime import timedelta

from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from .moderation import measure_page

NOTIFICATIONS = 10_000
SMALL = 40  # the same inbox, for a member who joined last week: what the page costs anyway
UNREAD = 400  # the newest notifications are unread…
UNREAD_GROUPS = 40  # …among them, this many answers of the member with 2 to 8 new replies
OWN_ANSWERS = 300  # the member's answers, that others reply to
AUTHORS = 200
QUESTIONS = 5
FOLLOWERS = 1_000
FAN_OUTS = 5
DAYS = 90
BODIES = [
    "Le rapport mesure surtout la recherche publiée, pas la capacité industrielle.",
    "Les sanctions ont **accéléré** l’effort sur les semi-conducteurs.\n\nC’est documenté.",
    "Je ne suis pas d’accord : la qualité des brevets compte davantage que leur nombre.",
    "Je rejoins @lecteur sur ce point, avec une nuance sur les chiffres de 2019.",
]
# The database backend of production (settings.TASKS without TASKS_IMMEDIATE).
QUEUED_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The replies of the fan-out part come from one member and one address, quickly.
UNLIMITED = {
    "RATE_LIMIT_ANSWER_MEMBER": "100000/600",
    "RATE_LIMIT_ANSWER_IP": "100000/600",
    "ANSWER_MIN_FILL_SECONDS": 0,
}


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _world(rng: random.Random) -> dict:
    """An article with its questions, and authors."""
    from articles.models import Article, Question
    from forum.markdown import RENDERER_VERSION, render_markdown
    from forum.models import User

    now = timezone.now()
    article = Article.objects.create(
        slug="bench-notifications", title="Article", body="Texte.", status="published",
        published_at=now - timedelta(days=DAYS + 1),
    )  # fmt: skip
    Question.objects.bulk_create(
        Question(article=article, position=p, text=f"Question {p} ?", slug=f"q{p}")
        for p in range(1, QUESTIONS + 1)
    )
    User.objects.bulk_create(
        User(username=f"bench-n-author{n}", email=f"author{n}@bench.invalid")
        for n in range(AUTHORS)
    )
    return {
        "article": article,
        "questions": list(Question.objects.filter(article=article)),
        "authors": list(User.objects.filter(username__startswith="bench-n-author")),
        "rendered": [(body, render_markdown(body)) for body in BODIES],
        "renderer": RENDERER_VERSION,
        "now": now,
        "rng": rng,
    }


def _answers(world: dict, specs: list[tuple]) -> list:
    """Bulk-create answers from (question, author, parent or None, created_at); return them
    with their ids (PostgreSQL and SQLite 3.35+ return them from a bulk insert)."""
    from forum.models import Answer

    rng = world["rng"]
    rows = []
    for question, author, parent, created_at in specs:
        body, html = rng.choice(world["rendered"])
        rows.append(
            Answer(
                question=question, parent=parent, root_id=parent.root_id if parent else None,
                depth=parent.depth + 1 if parent else 0, author=author, body=body,
                body_html=html, renderer_version=world["renderer"], created_at=created_at,
            )
        )  # fmt: skip
    made = Answer.objects.bulk_create(rows, batch_size=1000)
    assert all(answer.pk for answer in made), "this database returns no ids from bulk inserts"
    # A top-level answer is the root of its own thread.
    top = [answer for answer in made if answer.parent_id is None]
    Answer.objects.filter(pk__in=[answer.pk for answer in top]).update(root=F("id"))
    for answer in top:
        answer.root_id = answer.pk
    return made


def _inbox(world: dict, name: str, count: int, *, unread: int, groups: int):
    """A reader and their ``count`` notifications, the newest ``unread`` of them unread, with
    the replies to ``groups`` of their answers among those; return (reader, ids by age)."""
    from forum.models import ModerationAction, Notification, User

    Kind = Notification.Kind
    rng, now, questions = world["rng"], world["now"], world["questions"]
    reader = User.objects.create_user(username=name, email=f"{name}@bench.invalid")
    moderator = User.objects.create_user(
        username=f"{name}-modo", email=f"{name}-modo@bench.invalid"
    )
    start = now - timedelta(days=DAYS)
    own = _answers(
        world, [(rng.choice(questions), reader, None, start) for _ in range(OWN_ANSWERS)]
    )
    # What each notification will be, oldest first; the newest are unread, and among them
    # the replies to a few of the reader's answers come in groups.
    kinds = rng.choices(
        [Kind.REPLY, Kind.MENTION, Kind.FOLLOWED, Kind.HIGHLIGHT, Kind.DECISION, Kind.FLAG],
        weights=[50, 15, 27, 3, 2, 3],
        k=count,
    )
    grouped = rng.sample(own, groups)
    unread_replies = [a for a in grouped for _ in range(rng.randint(2, 8))]
    rng.shuffle(unread_replies)
    first_unread = count - unread
    step = (now - start) / count
    specs, plan = [], []
    for n, kind in enumerate(kinds):
        at = start + step * n
        if kind in (Kind.REPLY, Kind.MENTION, Kind.FOLLOWED):
            parent = None
            if kind == Kind.REPLY:
                parent = (
                    unread_replies.pop()
                    if n >= first_unread and unread_replies
                    else rng.choice(own)
                )
            specs.append((parent.question if parent else rng.choice(questions),
                          rng.choice(world["authors"]), parent, at))  # fmt: skip
        plan.append((kind, at, n >= first_unread))
    answers = iter(_answers(world, specs))
    # Decisions about the reader's answers (featured, removed), and the outcome of flags
    # (kept): about which answer does not change what the page costs.
    ModerationAction.objects.bulk_create(
        ModerationAction(actor=moderator, verb=verb, answer=answer, rule="abuse",
                         reason="Attaque personnelle.", answer_version=1)
        for verb, answers_ in (("feature", own[:50]), ("remove", own[50:100]),
                               ("approve", own[100:150]))
        for answer in answers_
    )  # fmt: skip
    actions = {
        verb: list(ModerationAction.objects.filter(actor=moderator, verb=verb))
        for verb in ("feature", "remove", "approve")
    }
    rows = []
    for kind, at, is_unread in plan:
        row = Notification(recipient=reader, kind=kind, created_at=at,
                           read_at=None if is_unread else at + timedelta(hours=2),
                           emailed_at=at)  # fmt: skip
        if kind in (Kind.REPLY, Kind.MENTION, Kind.FOLLOWED):
            answer = next(answers)
            row.answer, row.actor_id = answer, answer.author_id
            row.reply_to_id = answer.parent_id if kind == Kind.REPLY else None
        else:
            verb = {Kind.HIGHLIGHT: "feature", Kind.DECISION: "remove", Kind.FLAG: "approve"}
            action = rng.choice(actions[verb[kind]])
            row.action, row.answer_id = action, action.answer_id
        rows.append(row)
    Notification.objects.bulk_create(rows, batch_size=1000)
    mine = Notification.objects.filter(recipient=reader).order_by("pk")
    return reader, list(mine.values_list("pk", flat=True))


@contextmanager
def _queries():
    """The SQL run inside the block. Not CaptureQueriesContext: each request starts by
    emptying the connection's query log."""
    sql = []
    with connection.execute_wrapper(
        lambda run, query, *args: sql.append(query) or run(query, *args)
    ):
        yield sql


def _measure(client: Client, url: str, repeat: int) -> dict:
    figures, response = measure_page(client, url, repeat)
    return figures | {"shown": response.content.decode().count('class="inbox__item')}


def _analyze():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _inbox_benchmark(world: dict, repeat: int, log) -> dict:
    from forum.models import Notification

    log(f"notifications: {SMALL} notifications for one member, {NOTIFICATIONS} for another…")
    small, _ids = _inbox(world, "lectrice", SMALL, unread=10, groups=2)
    built = time.perf_counter()
    reader, ids = _inbox(world, "lecteur", NOTIFICATIONS, unread=UNREAD, groups=UNREAD_GROUPS)
    build_seconds = round(time.perf_counter() - built, 1)
    _analyze()
    client = _signed_in(reader)
    log("notifications: measuring the inboxes…")
    mine = Notification.objects.filter(recipient=reader)
    return {
        "small_inbox": {
            "notifications": SMALL,
            "first_page": _measure(_signed_in(small), "/en/notifications/", repeat),
        },
        "notifications": mine.count(),
        "unread": mine.filter(read_at__isnull=True).count(),
        "build_seconds": build_seconds,
        "first_page": _measure(client, "/en/notifications/", repeat),
        # From the middle of the inbox: a link "Older notifications" followed many times.
        "older_page": _measure(client, f"/en/notifications/?before={ids[len(ids) // 2]}", repeat),
    }


def _reply_form(client: Client, parent_pk: int) -> dict:
    """What the inline reply form sends, as served (its idempotency key, its signed time)."""
    html = client.get(f"/en/a/{parent_pk}/reply/", headers={"HX-Request": "true"})
    assert html.status_code == 200, html.status_code
    fields = dict(re.findall(r'name="(idempotency_key|shown_at)" value="([^"]*)"', html.text))
    assert set(fields) == {"idempotency_key", "shown_at"}, fields
    return fields


def _fan_out_benchmark(world: dict, repeat: int, log) -> dict:
    from allauth.account.models import EmailAddress
    from django_tasks_db.models import DBTaskResult

    from forum.models import Answer, Follow, Notification, User
    from forum.notifications import fan_out

    log(f"notifications: an answer followed by {FOLLOWERS} members…")
    now, rng = world["now"], world["rng"]
    [followed] = _answers(world, [(world["questions"][0], world["authors"][0], None, now)])
    User.objects.bulk_create(
        User(username=f"bench-n-follower{n}", email=f"follower{n}@bench.invalid")
        for n in range(FOLLOWERS)
    )
    followers = User.objects.filter(username__startswith="bench-n-follower")
    Follow.objects.bulk_create(Follow(member=member, answer=followed) for member in followers)
    replier = User.objects.create_user(username="bench-n-replier", email="replier@bench.invalid")
    EmailAddress.objects.create(user=replier, email=replier.email, verified=True, primary=True)
    client = _signed_in(replier)
    _analyze()

    fan_outs = DBTaskResult.objects.filter(task_path="forum.tasks.fan_out")
    emails = DBTaskResult.objects.filter(task_path="forum.tasks.send_notifications")
    url = f"/en/a/{followed.pk}/reply/"
    htmx = {"HX-Request": "true"}
    timings, queries, posted = [], [], []
    with override_settings(TASKS=QUEUED_TASKS, **UNLIMITED):
        for n in range(repeat + 1):  # the first one warms up
            data = _reply_form(client, followed.pk) | {
                "body": f"{rng.choice(BODIES[:3])} (réponse {n})"
            }
            queued_before = fan_outs.count()
            started = time.perf_counter()
            with _queries() as sql:
                response = client.post(url, data, headers=htmx)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (response.status_code, response.text[:500])
            assert fan_outs.count() == queued_before + 1
            if n:
                timings.append(elapsed)
                queries.append(len(sql))
        posted = list(
            Answer.objects.filter(parent=followed, author=replier).values_list("pk", flat=True)
        )
        told = Notification.objects.filter(answer_id__in=posted)
        assert not told.exists(), "the fan-out ran inside the request"
        # Whatever one reply left in the queue: the fan-out, and nothing else.
        tasks_per_reply = DBTaskResult.objects.count() / len(posted)

        log(f"notifications: running the fan-out of {FAN_OUTS} replies…")
        runs = []
        for pk in posted[:FAN_OUTS]:
            emails_before = set(emails.values_list("pk", flat=True))
            started = time.perf_counter()
            with _queries() as sql:
                created = fan_out(pk)
            runs.append(
                {
                    "ms": (time.perf_counter() - started) * 1000,
                    "queries": len(sql),
                    "created": created,
                    "email_tasks": emails.exclude(pk__in=emails_before).count(),
                    "emails": sum(
                        len(task.args_kwargs["args"][0])
                        for task in emails.exclude(pk__in=emails_before)
                    ),
                }
            )
    timings.sort()
    return {
        "followers": FOLLOWERS,
        "replies_posted": len(timings),
        "post_median_ms": round(statistics.median(timings), 1),
        "post_p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 1),
        "post_queries": statistics.median(queries),
        "tasks_enqueued_per_reply": tasks_per_reply,
        "fan_out": {
            "runs": len(runs),
            "median_ms": round(statistics.median(r["ms"] for r in runs), 1),
            "max_ms": round(max(r["ms"] for r in runs), 1),
            "queries": max(r["queries"] for r in runs),
            "notifications": sorted({r["created"] for r in runs}),
            "emails_enqueued": sorted({r["emails"] for r in runs}),
            "email_tasks": sorted({r["email_tasks"] for r in runs}),
        },
    }


def run(*, repeat: int, log) -> dict:
    started = time.perf_counter()
    world = _world(random.Random(13))
    return {
        "inbox": _inbox_benchmark(world, repeat, log),
        "reply_to_followed_answer": _fan_out_benchmark(world, max(5, repeat // 3), log),
        "seconds": round(time.perf_counter() - started, 1),
    }
