"""How the question page costs grow with the size of its discussion."""

import random
import statistics
import time

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from forum import pagecache, rendering

SENTENCES = [
    "Le rapport de l’ASPI mesure surtout la recherche publiée, pas la capacité industrielle.",
    "Cinquante-deux domaines sur soixante-quatre, c’est un signal qu’on ne peut pas ignorer.",
    "Les sanctions américaines ont surtout accéléré l’effort chinois sur les semi-conducteurs.",
    "L’Europe finance beaucoup de recherche mais transforme peu ses résultats en produits.",
    "Kling montre que l’écart avec Sora se réduit en quelques mois seulement.",
    "Compter les articles les plus cités favorise les pays qui publient le plus.",
    "Je ne suis pas d’accord : la qualité des brevets compte davantage que leur nombre.",
    "Le fonds de 27 milliards de dollars pour les puces dit tout de la stratégie chinoise.",
    "Il faudrait comparer avec le classement de l’an dernier pour voir la tendance.",
    "Sans accès aux machines de lithographie, l’avance restera fragile.",
]
TOP_LEVEL_SHARE = 0.3
MAX_DEPTH = 12
AUTHORS = 200


def build_discussion(size: int, seed: int = 1):
    """A question with ``size`` answers, each posted through forum.answers.do_post_answer
    as the site does, so the tree facts (root, depth, reply_count, answer_count) are the
    product's own. Measured at 2 ms an answer on SQLite and 3-6 ms on PostgreSQL (five
    round trips each), 10,000 answers take 20-60 s: slower than a bulk insert, but a bulk
    copy of the tree logic could drift from the real write path unnoticed."""
    from allauth.account.models import EmailAddress
    from django.db import transaction

    from articles.models import Article, Question
    from forum.answers import do_post_answer
    from forum.models import User

    rng = random.Random(seed)
    article = Article.objects.create(
        slug=f"bench-{size}", title=f"Bench {size}", body="Texte.", status="published",
        published_at=timezone.now(),
    )  # fmt: skip
    question = Question.objects.create(article=article, position=1, text="Q ?", slug="q")
    User.objects.bulk_create(
        User(username=f"b{size}-author{n}", email=f"b{size}-{n}@bench.invalid")
        for n in range(AUTHORS)
    )
    # Read back: not every backend returns ids from bulk inserts.
    authors = list(User.objects.filter(username__startswith=f"b{size}-author").order_by("pk"))
    EmailAddress.objects.create(
        user=authors[0], email=authors[0].email, verified=True, primary=True
    )
    made = []
    with transaction.atomic():  # one commit: the cost measured is the page, not fsync
        for _n in range(size):
            candidates = [a for a in made[-200:] if a.depth < MAX_DEPTH]
            if not made or rng.random() < TOP_LEVEL_SHARE or not candidates:
                parent = None
            else:
                parent = rng.choice(candidates)
            answer, _created = do_post_answer(
                author=rng.choice(authors),
                question=question,
                body=" ".join(rng.sample(SENTENCES, rng.randint(1, 4))),
                parent=parent,
            )
            made.append(answer)
    question.refresh_from_db()
    if connection.vendor == "postgresql":
        # Fresh statistics, as autovacuum would soon give a live site: right after
        # a bulk load the planner may not know the thread is big and skip the index.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return question, authors[0]


def measure(client: Client, url: str, repeat: int, *, cold_runs: int = 3) -> dict:
    # Cold first: every answer rendered by its template, as after a deploy or when
    # the cache has evicted the thread. Then warm: the figures readers usually see.
    cold = []
    for _ in range(cold_runs):
        cache.clear()
        rendering.forget_all()  # the copies kept in this process too
        pagecache.forget_threads()
        started = time.perf_counter()
        client.get(url)
        cold.append((time.perf_counter() - started) * 1000)
    client.get(url)  # warm up: fills the rendered-answer cache
    queries = []
    with connection.execute_wrapper(lambda run, sql, *args: queries.append(sql) or run(sql, *args)):
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "queries": len(queries),
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 1),
        "kb": round(len(response.content) / 1024, 1),
        "cold_median_ms": round(statistics.median(cold), 1),
    }


VOTER_VOTES = 7_000  # a member who voted on much of a long discussion


def _voter(question, size: int) -> tuple[Client, int]:
    """A member who voted on up to VOTER_VOTES answers of the question (rows written in
    bulk: only the page's reading of them is measured), signed in."""
    from allauth.account.models import EmailAddress

    from forum.models import Answer, User, Vote

    voter = User.objects.create_user(username=f"b{size}-voter", email=f"b{size}-v@bench.invalid")
    EmailAddress.objects.create(user=voter, email=voter.email, verified=True, primary=True)
    answers = Answer.objects.filter(question=question).values_list("pk", flat=True)
    Vote.objects.bulk_create(
        Vote(user=voter, answer_id=pk, value=1) for pk in answers[:VOTER_VOTES]
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE forum_vote")
    client = Client()
    client.force_login(voter)
    return client, Vote.objects.filter(user=voter).count()


def discussion(size: int):
    """The question with ``size`` answers that build_discussion builds, reused when it
    was built before in this database (by this benchmark, say, before the load run or
    the middleware's); and the seconds it took to build (0 when reused)."""
    from articles.models import Question

    built = Question.objects.filter(article__slug=f"bench-{size}", slug="q").first()
    if built is not None:
        return built, 0.0
    started = time.perf_counter()
    question, _member = build_discussion(size)
    return question, round(time.perf_counter() - started, 1)


def run(sizes: list[int], *, repeat: int, log) -> list[dict]:
    results = []
    for size in sizes:
        log(f"threads: building a discussion of {size} answers…")
        started = time.perf_counter()
        question, member = build_discussion(size)
        built = round(time.perf_counter() - started, 1)
        url = question.get_absolute_url()
        anonymous, signed_in = Client(), Client()
        signed_in.force_login(member)
        result = {"answers": size, "build_seconds": built}
        log(f"threads: measuring {size}…")
        result["default_page"] = measure(anonymous, url, repeat)
        result["member_default_page"] = measure(signed_in, url, repeat)
        voter, votes = _voter(question, size)
        result["voter_votes_in_question"] = votes
        result["voter_default_page"] = measure(voter, url, repeat)
        with override_settings(ANSWERS_PER_PAGE=size):
            result["all_answers"] = measure(anonymous, url, max(5, repeat // 3))
            result["member_all_answers"] = measure(signed_in, url, max(5, repeat // 3))
        results.append(result)
    return results
