"""How the moderation queue's cost grows with the length of the queue.

The queue is filled in bulk (``bulk_create``: the rows the moderation workflows would
leave, without going through them, since what is measured is the page, not the writes):
answers held for review, published answers with open flags (and their flag rows), some
replies (so items show the answer they reply to), notes on some authors, and decisions
for the "recently decided" tab. A moderator, signed in with a second factor, then opens
each tab through Django's test client, first with ``SMALL`` items in each waiting tab,
then with ``LARGE``:
  queries     SQL queries of one request (the goal: the same at both sizes);
  median_ms,  server time of a request (no network), over a third of --repeat
  p95_ms      requests (at least 5) after one warm-up;
  kb          size of the HTML.
"""

import random
import statistics
import time

from django.db import connection
from django.db.models import F
from django.test import Client
from django.utils import timezone

SMALL = 50  # per waiting tab: 100 items in all
LARGE = 5_000  # per waiting tab: 10,000 items in all
AUTHORS = 300
REPORTERS = 300
ARTICLES = 5
QUESTIONS_PER_ARTICLE = 4
DECISIONS = 500
BODIES = [
    "Le rapport mesure surtout la recherche publiée, pas la capacité industrielle.",
    "Les sanctions ont **accéléré** l’effort sur les semi-conducteurs.\n\nC’est documenté.",
    "Achetez des montres pas chères sur [ce site](https://example.invalid/) !",
    "Je ne suis pas d’accord : la qualité des brevets compte davantage que leur nombre.",
    "Vous êtes tous des idiots, évidemment.",
]
TABS = ("pending", "flagged", "decided")


def _moderator():
    """A moderator signed in through a session that passed its second factor."""
    from allauth.account.internal.flows.login import record_authentication
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth.models import Group
    from django.http import HttpRequest

    from forum.models import MODERATORS_GROUP, User

    user = User.objects.create_user(username="bench-modo", email="modo@bench.invalid")
    user.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    TOTP.activate(user, generate_totp_secret())
    client = Client()
    client.force_login(user)
    request = HttpRequest()
    request.session = client.session
    record_authentication(request, user, "password")
    record_authentication(request, user, "mfa", type="totp")
    request.session.save()
    return user, client


def _setting_up(rng: random.Random):
    """The articles, questions, members and a published answer per question to reply to."""
    from articles.models import Article, Question
    from forum.markdown import RENDERER_VERSION, render_markdown
    from forum.models import Answer, User

    now = timezone.now()
    Article.objects.bulk_create(
        Article(slug=f"bench-queue-{n}", title=f"Article {n}", body="Texte.",
                status="published", published_at=now)
        for n in range(ARTICLES)
    )  # fmt: skip
    articles = list(Article.objects.filter(slug__startswith="bench-queue-"))
    Question.objects.bulk_create(
        Question(article=article, position=p, text=f"Question {p} ?", slug=f"q{p}")
        for article in articles
        for p in range(1, QUESTIONS_PER_ARTICLE + 1)
    )
    questions = list(Question.objects.filter(article__in=articles))
    User.objects.bulk_create(
        User(username=f"bench-q-{kind}{n}", email=f"{kind}{n}@bench.invalid")
        for kind, count in (("author", AUTHORS), ("reporter", REPORTERS))
        for n in range(count)
    )
    authors = list(User.objects.filter(username__startswith="bench-q-author"))
    reporters = list(User.objects.filter(username__startswith="bench-q-reporter"))
    rendered = [(body, render_markdown(body)) for body in BODIES]
    Answer.objects.bulk_create(
        Answer(question=question, author=rng.choice(authors), body=rendered[0][0],
               body_html=rendered[0][1], renderer_version=RENDERER_VERSION,
               created_at=now - timezone.timedelta(days=30))
        for question in questions
    )  # fmt: skip
    parents = list(Answer.objects.filter(question__in=questions))
    Answer.objects.filter(pk__in=[p.pk for p in parents]).update(root=F("id"))
    return {
        "questions": questions,
        "authors": authors,
        "reporters": reporters,
        "rendered": rendered,
        "parents": {p.question_id: p for p in parents},
        "now": now,
        "made": 0,
    }


def _fill(world: dict, rng: random.Random, per_tab: int) -> None:
    """Add waiting answers until each waiting tab holds ``per_tab`` (with flags and notes)."""
    from forum.markdown import RENDERER_VERSION
    from forum.models import Answer, MemberNote
    from forum.moderation.queue import waiting

    for tab in ("pending", "flagged"):
        missing = per_tab - waiting(tab).count()
        answers = []
        for _ in range(missing):
            world["made"] += 1
            question = rng.choice(world["questions"])
            reply = rng.random() < 0.4
            parent = world["parents"][question.pk] if reply else None
            body, html = rng.choice(world["rendered"])
            answers.append(
                Answer(
                    question=question, parent=parent, root=parent, depth=1 if reply else 0,
                    author=rng.choice(world["authors"]), body=body, body_html=html,
                    renderer_version=RENDERER_VERSION,
                    status="pending" if tab == "pending" else "published",
                    # Spread over the last days, so "oldest first" has work to do.
                    created_at=world["now"] - timezone.timedelta(minutes=world["made"]),
                )
            )  # fmt: skip
        Answer.objects.bulk_create(answers, batch_size=1000)
        # A top-level answer is the root of its own thread (not every backend returns ids
        # from a bulk insert, so it is set afterwards).
        Answer.objects.filter(question__in=world["questions"], depth=0, root__isnull=True).update(
            root=F("id")
        )
        if tab == "flagged":
            _flag(world, rng)
    authors = rng.sample(world["authors"], 30)
    MemberNote.objects.bulk_create(
        MemberNote(member=author, author=world["authors"][0], text="Déjà averti.")
        for author in authors
    )


def _flag(world: dict, rng: random.Random) -> None:
    """One to three open flags on every published answer without any, and its weight."""
    from django.db.models import Sum

    from forum.models import Answer, Flag

    unflagged = list(
        Answer.objects.filter(
            question__in=world["questions"], status="published", flag_weight=0, depth__lte=1
        )
        .exclude(pk__in=[p.pk for p in world["parents"].values()])
        .values_list("pk", flat=True)
    )
    flags = []
    for pk in unflagged:
        for reporter in rng.sample(world["reporters"], rng.randint(1, 3)):
            flags.append(
                Flag(answer_id=pk, reporter=reporter, reason=rng.choice(Flag.Reason.values),
                     weight=rng.choice((1, 2)), note="Voir le lien.")
            )  # fmt: skip
    Flag.objects.bulk_create(flags, batch_size=2000)
    weights = (
        Flag.objects.filter(answer_id__in=unflagged)
        .values("answer_id")
        .annotate(total=Sum("weight"))
        .order_by()
    )
    by_weight: dict[int, list[int]] = {}
    for row in weights:
        by_weight.setdefault(row["total"], []).append(row["answer_id"])
    for total, pks in by_weight.items():
        Answer.objects.filter(pk__in=pks).update(flag_weight=total)


def _decisions(world: dict, moderator) -> None:
    """Decisions for the "recently decided" tab, on answers of their own."""
    from forum.markdown import RENDERER_VERSION
    from forum.models import Answer, ModerationAction

    body, html = world["rendered"][4]
    Answer.objects.bulk_create(
        Answer(question=world["questions"][n % len(world["questions"])],
               author=world["authors"][n % AUTHORS], body=body, body_html=html,
               renderer_version=RENDERER_VERSION, status="removed", removal_reason="abuse")
        for n in range(DECISIONS)
    )  # fmt: skip
    removed = Answer.objects.filter(status="removed", question__in=world["questions"])
    removed.update(root=F("id"))
    ids = list(removed.values_list("pk", flat=True))
    ModerationAction.objects.bulk_create(
        ModerationAction(actor=moderator, verb="remove", answer_id=pk, rule="abuse",
                         reason="Attaque personnelle.", answer_version=1)
        for pk in ids
    )  # fmt: skip


def measure_page(client: Client, url: str, repeat: int) -> tuple[dict, object]:
    """Queries, median and p95 server time, and size of a page; and the response itself."""
    response = client.get(url)  # warm up: templates, the header's cached count
    assert response.status_code == 200, (url, response.status_code)
    queries = []
    # Not CaptureQueriesContext: each request starts by emptying the connection's query log.
    with connection.execute_wrapper(lambda run, sql, *args: queries.append(sql) or run(sql, *args)):
        response = client.get(url)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    figures = {
        "queries": len(queries),
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 1),
        "kb": round(len(response.content) / 1024, 1),
    }
    return figures, response


def run(*, repeat: int, log) -> dict:
    from forum.moderation.queue import tab_counts

    rng = random.Random(11)
    started = time.perf_counter()
    moderator, client = _moderator()
    world = _setting_up(rng)
    _decisions(world, moderator)
    results = {}
    for per_tab in (SMALL, LARGE):
        log(f"moderation: filling the queue to {per_tab} answers per tab…")
        built = time.perf_counter()
        _fill(world, rng, per_tab)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        counts = tab_counts()
        result = {"waiting": counts, "fill_seconds": round(time.perf_counter() - built, 1)}
        log(f"moderation: measuring {sum(counts.values())} waiting answers…")
        for tab in TABS:
            # A page of the queue is heavier than a page of answers: fewer requests, so
            # that the whole benchmark stays within a minute.
            result[tab] = measure_page(client, f"/moderation/?tab={tab}", max(5, repeat // 3))[0]
        results[f"items_{sum(counts.values())}"] = result
    small, large = results.values()
    return {
        **results,
        "queries_constant": all(small[tab]["queries"] == large[tab]["queries"] for tab in TABS),
        "seconds": round(time.perf_counter() - started, 1),
    }
