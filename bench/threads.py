"""How the question page costs grow with the size of its discussion."""

import random
import statistics
import time
from collections import Counter

from django.core.management.color import no_style
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

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
    """A question with ``size`` answers, written in bulk with the tree facts that
    forum.answers.do_post_answer would have written one by one (too slow at 10,000)."""
    from allauth.account.models import EmailAddress

    from articles.models import Article, Question
    from forum.markdown import RENDERER_VERSION, render_markdown
    from forum.models import Answer, User

    rng = random.Random(seed)
    article = Article.objects.create(
        slug=f"bench-{size}", title=f"Bench {size}", body="Texte.", status="published",
        published_at=timezone.now(),
    )  # fmt: skip
    question = Question.objects.create(article=article, position=1, text="Q ?", slug="q")
    authors = User.objects.bulk_create(
        User(username=f"b{size}-author{n}", email=f"b{size}-{n}@bench.invalid")
        for n in range(AUTHORS)
    )
    if not authors[0].pk:  # backends that do not return ids from bulk inserts
        authors = list(User.objects.filter(username__startswith=f"b{size}-author"))
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in authors[:1]
    )
    first_id = (Answer.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    rendered: dict[str, str] = {}  # each combination of sentences is rendered once
    rows, depth_of, replies = [], {}, Counter()
    now = timezone.now()
    for n in range(size):
        pk = first_id + n
        candidates = [p for p in rows[-200:] if depth_of[p.pk] < MAX_DEPTH]
        if not rows or rng.random() < TOP_LEVEL_SHARE or not candidates:
            parent, root_id, depth = None, pk, 0
        else:
            parent = rng.choice(candidates)
            root_id, depth = parent.root_id, depth_of[parent.pk] + 1
            replies[parent.pk] += 1
        text = " ".join(rng.sample(SENTENCES, rng.randint(1, 4)))
        rows.append(
            Answer(
                pk=pk, question=question, parent_id=parent.pk if parent else None,
                root_id=root_id, depth=depth, author=rng.choice(authors), body=text,
                body_html=rendered[text] if text in rendered else rendered.setdefault(
                    text, render_markdown(text)
                ),
                renderer_version=RENDERER_VERSION,
                created_at=now - timezone.timedelta(seconds=size - n),
            )
        )  # fmt: skip
        depth_of[pk] = depth
    for row in rows:
        row.reply_count = replies[row.pk]
    Answer.objects.bulk_create(rows, batch_size=500)
    question.answer_count = size
    question.save(update_fields=["answer_count"])
    with connection.cursor() as cursor:  # explicit ids: move the sequence past them
        for sql in connection.ops.sequence_reset_sql(no_style(), [Answer]):
            cursor.execute(sql)
    return question, authors[0]


def measure(client: Client, url: str, repeat: int) -> dict:
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
    }


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
        with override_settings(ANSWERS_PER_PAGE=size):
            result["all_answers"] = measure(anonymous, url, max(5, repeat // 3))
            result["member_all_answers"] = measure(signed_in, url, max(5, repeat // 3))
        results.append(result)
    return results
