"""The question page at a million answers, next to the same page at a thousand (and the
article page, which shows each question's most appreciated and featured answers).

PostgreSQL only. One database, two questions loaded in bulk (never through the ORM one by
one): ``answers`` answers (1,000,000 by default), then SMALL.

The large one grows like bench/threads.py's discussions (TOP_LEVEL_SHARE top-level, a
reply's parent among the last PARENT_WINDOW answers, depth up to MAX_DEPTH, AUTHORS
authors), with up to VOTES_MAX votes per answer from those authors and VOTER_VOTES from one
member. The small one holds copies of the threads the large one shows on its first two
pages and of its deepest answer's thread (same texts, dates and votes), then answers that
rank below them: each page is compared with the same content at both sizes, so a ratio
measures the size of the question, not the luck of which threads reached the top.

Tree facts are computed in SQL as the write path writes them (root, depth, ``path`` as
migration 0013 rebuilds it, one lpad(id) per depth; reply counts), counters and ranks from
the vote rows with forum.voting's formulas restated operation for operation. ``consistency``
recomputes a sample with the Python functions; any difference stops the run.

``load``: seconds of the large load by phase; the commit runs the deferred checks, one per
answer for each foreign key (``fk_checks_per_answer``) and for each deferred trigger listed
in ``triggers``. ``pages``: each page on both questions, ``served`` (median and p95 of
``repeat`` requests after a warm-up; server time through Django's test client) and ``cold``
(the cache emptied before each request); ``queries`` per request; ``ratio`` = large / small
median, against GOAL_RATIO (issue #14). Anonymous requests carry no cookie (each a new
reader). The two sizes take turns request by request, so a shared machine's drift favours
neither.
"""

import random
import statistics
import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone

from bench.threads import MAX_DEPTH, SENTENCES, TOP_LEVEL_SHARE, VOTER_VOTES
from forum import pagecache, rendering

SMALL = 1_000
AUTHORS = 300
PARENT_WINDOW = 200  # a reply answers one of the last 200 answers, as in bench/threads.py
BODIES = 256  # distinct texts, rendered once each
VOTES_MAX = 12  # votes on one answer: int(VOTES_MAX * u**4), about 1.9 on average
SPAN = timedelta(days=30)  # answers spread over the last month, all past SCORE_HIDDEN_FOR
COMPARED_PAGES = 2  # pages of top-level answers copied into the small question
SAMPLE = 200  # answers recomputed by the consistency check
GOAL_RATIO = 1.5  # issue #14: a page at 1,000,000 answers vs 1,000
WARM_UP = 2


def run(database_url: str, *, answers: int = 1_000_000, repeat: int = 20, log=print) -> dict:
    """Load both questions, check the load on a sample, measure the pages; the JSON result."""
    if not database_url.startswith(("postgres://", "postgresql://")):
        return {"skipped": "the scale run needs PostgreSQL: set DATABASE_URL"}
    import psycopg

    rng = random.Random(14)
    cast = _cast()
    with psycopg.connect(database_url, autocommit=True) as bulk:
        bodies = _bodies(rng)
        log(f"scale: loading {answers:,} answers…")
        large = _load(bulk, size=answers, slug="scale-large", cast=cast, bodies=bodies, rng=rng)
        log(f"scale: loaded in {large['load']['seconds']} s; {SMALL:,} answers…")
        deepest = _deepest(large["question"])
        shown = _top_level(large["question"], COMPARED_PAGES * settings.ANSWERS_PER_PAGE)
        small = _load(
            bulk, size=SMALL, slug="scale-small", cast=cast, bodies=bodies, rng=rng,
            copied_threads=(*shown, deepest.root_id),
        )  # fmt: skip
        log("scale: vacuum and analyze…")
        started = time.perf_counter()
        # As autovacuum soon would on a live site: statistics for the planner, and the
        # visibility map that lets index-only scans skip the table.
        bulk.execute("VACUUM (ANALYZE) forum_answer, forum_vote")
        vacuumed = round(time.perf_counter() - started, 1)
    copies = small["copies"]
    large["deep"], small["deep"] = deepest.pk, copies[deepest.pk]
    if _top_level(small["question"], len(shown)) != [copies[pk] for pk in shown]:
        raise AssertionError("the small question's first pages are not the large one's")
    log("scale: checking a sample against the write path's functions…")
    consistency = {
        name: _check(loaded["question"], size=size, also=loaded["deep"], rng=rng)
        for name, loaded, size in (("small", small, SMALL), ("large", large, answers))
    }
    consistent = all(found["consistent"] for found in consistency.values())
    if not consistent:
        log(f"scale: INCONSISTENT LOAD: {consistency}")
        raise AssertionError(f"the bulk load differs from the write path: {consistency}")
    log("scale: measuring…")
    return {
        "answers": {"small": SMALL, "large": answers},
        "load": large["load"],
        "small_load_seconds": small["load"]["seconds"],
        "vacuum_analyze_seconds": vacuumed,
        "shape": {"small": small["shape"], "large": large["shape"]},
        "consistent": consistent,
        "consistency": consistency,
        "goal_ratio": GOAL_RATIO,
        "pages": _measure_pages(small, large, cast, repeat=repeat, log=log),
    }


# --- Loading -------------------------------------------------------------------------


def _cast() -> dict:
    """The authors (who also vote) and the member who votes a lot, with a verified address."""
    from allauth.account.models import EmailAddress

    from forum.models import User

    User.objects.bulk_create(
        User(username=f"scale-author{n}", email=f"scale-{n}@bench.invalid") for n in range(AUTHORS)
    )
    authors = list(
        User.objects.filter(username__startswith="scale-author")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    voter = User.objects.create_user(username="scale-voter", email="scale-v@bench.invalid")
    EmailAddress.objects.create(user=voter, email=voter.email, verified=True, primary=True)
    return {"authors": authors, "voter": voter}


def _bodies(rng: random.Random) -> list[tuple[str, str]]:
    """Texts as bench/threads.py writes them, each rendered by the site's one pipeline."""
    from forum.markdown import render_markdown

    texts = [" ".join(rng.sample(SENTENCES, rng.randint(1, 4))) for _n in range(BODIES)]
    return [(text, render_markdown(text)) for text in texts]


def _tree(count: int, first_id: int, authors: list[int], rng: random.Random, *, filler: bool):
    """Staging rows in order of posting: (id, parent id, depth, author, text number, votes,
    first voter, share of upvotes, the heavy voter's vote). A reply's parent is drawn among
    the last PARENT_WINDOW answers until one is shallower than MAX_DEPTH: uniform over those,
    as bench/threads.py draws it, without filtering the window for every answer. ``filler``
    answers get the heavy voter's vote only, so they rank below any copied thread."""
    depths = []
    voted = range(count) if filler else set(rng.sample(range(count), min(VOTER_VOTES, count)))
    for n in range(count):
        parent = None
        if n and rng.random() >= TOP_LEVEL_SHARE:
            low = max(0, n - PARENT_WINDOW)
            for _try in range(50):
                candidate = rng.randrange(low, n)
                if depths[candidate] < MAX_DEPTH:
                    parent = candidate
                    break
        depth = 0 if parent is None else depths[parent] + 1
        depths.append(depth)
        yield (
            first_id + n,
            None if parent is None else first_id + parent,
            depth,
            rng.choice(authors),
            rng.randrange(BODIES),
            0 if filler else int(VOTES_MAX * rng.random() ** 4),
            rng.randrange(len(authors)),
            0.3 + 0.65 * rng.random(),
            (1 if rng.random() < 0.8 else -1) if n in voted else 0,
        )


TREE_COLUMNS = "id, parent_id, depth, author_id, body_n, votes, first_voter, up_share, voter_vote"
STAGING = (
    """CREATE TEMP TABLE scale_tree (
        id bigint PRIMARY KEY, parent_id bigint, depth smallint, author_id bigint, body_n int,
        votes int, first_voter int, up_share float8, voter_vote smallint, copied_from bigint
    ) ON COMMIT DROP""",
    "CREATE TEMP TABLE scale_body (n int PRIMARY KEY, body text, body_html text) ON COMMIT DROP",
    "CREATE TEMP TABLE scale_voter (n int PRIMARY KEY, user_id bigint) ON COMMIT DROP",
    "CREATE TEMP TABLE scale_copy (old_id bigint PRIMARY KEY, new_id bigint) ON COMMIT DROP",
)

# Copied threads keep their shape (parents renumbered), texts, dates and vote rows.
COPIES = """
INSERT INTO scale_tree (
    id, parent_id, depth, author_id, votes, first_voter, up_share, voter_vote, copied_from
)
SELECT c.new_id, p.new_id, a.depth, a.author_id, 0, 0, 0, 0, a.id
FROM scale_copy c
JOIN forum_answer a ON a.id = c.old_id
LEFT JOIN scale_copy p ON p.old_id = a.parent_id
"""

# Authors vote on others' answers only, each at most once per answer (consecutive members
# from a drawn one); the heavy voter's votes and the copies' join them before any count.
VOTES = (
    """CREATE TEMP TABLE scale_vote ON COMMIT DROP AS
    SELECT t.id AS answer_id, m.user_id,
           CASE WHEN random() < t.up_share THEN 1 ELSE -1 END AS value
    FROM scale_tree t
    CROSS JOIN LATERAL generate_series(0, t.votes - 1) AS j
    JOIN scale_voter m ON m.n = (t.first_voter + j) %% %(members)s
    WHERE m.user_id <> t.author_id
    UNION ALL
    SELECT id, %(voter)s, voter_vote FROM scale_tree WHERE voter_vote <> 0
    UNION ALL
    SELECT c.new_id, v.user_id, v.value
    FROM forum_vote v JOIN scale_copy c ON c.old_id = v.answer_id""",
    """CREATE TEMP TABLE scale_count ON COMMIT DROP AS
    SELECT answer_id AS id,
           count(*) FILTER (WHERE value = 1) AS up, count(*) FILTER (WHERE value = -1) AS down
    FROM scale_vote GROUP BY answer_id""",
    "CREATE UNIQUE INDEX ON scale_count (id)",
    """CREATE TEMP TABLE scale_replies ON COMMIT DROP AS
    SELECT parent_id AS id, count(*) AS replies FROM scale_tree WHERE parent_id IS NOT NULL
    GROUP BY parent_id""",
    "CREATE UNIQUE INDEX ON scale_replies (id)",
    # Autovacuum never analyzes temporary tables: the planner would guess their sizes.
    "ANALYZE scale_vote, scale_count, scale_replies, scale_body",
)

# forum.voting.wilson_lower_bound and controversy (the same operations in the same order as
# migration 0017's forum_set_vote, which tests show gives Python's doubles), and
# forum.models.tree_path as migration 0013 rebuilds it, one depth after the other.
ANSWERS = """
INSERT INTO forum_answer (
    id, question_id, parent_id, root_id, depth, path, author_id, body, body_html,
    renderer_version, status, removal_reason, created_at, reply_count,
    upvotes, downvotes, score, rank_best, rank_controversial,
    pinned, featured, version, flag_weight, reviewed, review_cause
)
WITH RECURSIVE placed (id, root_id, path) AS (
    SELECT id, id, lpad(id::text, {digits}, '0') FROM scale_tree WHERE parent_id IS NULL
    UNION ALL
    SELECT t.id, p.root_id, p.path || lpad(t.id::text, {digits}, '0')
    FROM scale_tree t JOIN placed p ON t.parent_id = p.id
)
SELECT t.id, %(question)s, t.parent_id, p.root_id, t.depth, p.path, t.author_id,
       coalesce(src.body, b.body), coalesce(src.body_html, b.body_html), %(renderer)s,
       'published', '',
       coalesce(src.created_at, %(start)s::timestamptz + (t.id - %(first)s) * %(step)s::interval),
       coalesce(r.replies, 0), v.up, v.down, v.up - v.down,
       CASE WHEN v.n > 0 THEN
           (v.p + v.z * v.z / (2 * v.n)
            - v.z * sqrt((v.p * (1 - v.p) + v.z * v.z / (4 * v.n)) / v.n))
           / (1 + v.z * v.z / v.n)
       ELSE 0 END,
       CASE WHEN v.up > 0 AND v.down > 0 THEN
           power(v.n::float8, CASE WHEN v.up > v.down THEN v.down::float8 / v.up
                                   ELSE v.up::float8 / v.down END)
       ELSE 0 END,
       false, false, 1, 0, false, ''
FROM placed p
JOIN scale_tree t ON t.id = p.id
LEFT JOIN scale_body b ON b.n = t.body_n
LEFT JOIN forum_answer src ON src.id = t.copied_from
LEFT JOIN scale_replies r ON r.id = t.id
LEFT JOIN scale_count c ON c.id = t.id
CROSS JOIN LATERAL (
    SELECT coalesce(c.up, 0) AS up, coalesce(c.down, 0) AS down,
           coalesce(c.up + c.down, 0) AS n,
           c.up::float8 / nullif(c.up + c.down, 0) AS p,
           %(z)s::float8 AS z
) v
ORDER BY t.id
"""

VOTE_ROWS = """
INSERT INTO forum_vote (user_id, answer_id, value, created_at, updated_at)
SELECT user_id, answer_id, value, now(), now() FROM scale_vote ORDER BY answer_id, user_id
"""

TRIGGERS = """
SELECT tgrelid::regclass::text, tgname,
       CASE WHEN tgtype & 1 = 1 THEN 'row' ELSE 'statement' END,
       CASE WHEN tginitdeferred THEN 'deferred' ELSE 'immediate' END
FROM pg_trigger
WHERE NOT tgisinternal
  AND tgrelid IN ('forum_answer'::regclass, 'forum_vote'::regclass,
                  'articles_question'::regclass, 'articles_article'::regclass)
ORDER BY 1, 2
"""

FK_CHECKS = """
SELECT count(*) FROM pg_constraint WHERE conrelid = 'forum_answer'::regclass AND contype = 'f'
"""


def _load(
    bulk,
    *,
    size: int,
    slug: str,
    cast: dict,
    bodies,
    rng: random.Random,
    copied_threads: tuple[int, ...] = (),
) -> dict:
    """One question with ``size`` answers and their votes, in one transaction of ``bulk`` (a
    connection of its own, outside Django's pool: its temporary tables stay with it). The
    threads rooted at ``copied_threads`` are copied first; drawn answers fill the rest."""
    from articles.models import Article, Question
    from forum.markdown import RENDERER_VERSION
    from forum.models import PATH_DIGITS
    from forum.voting import WILSON_Z

    article = Article.objects.create(
        slug=slug, title=slug, body="Texte.", status="published",
        published_at=timezone.now() - SPAN - timedelta(days=1),
    )  # fmt: skip
    question = Question.objects.create(article=article, position=1, text="Q ?", slug="q")
    phases = {}
    started = clock = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        phases[name] = round(now - clock, 1)
        clock = now

    with bulk.transaction(), bulk.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        # The same votes on every run: random() seeded, and drawn by one process only.
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute("SELECT setseed(0.14)")
        # Ids taken from the table's own sequence, so a path can be written before its row.
        cursor.execute("SELECT pg_get_serial_sequence('forum_answer', 'id')")
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [sequence])
        first = cursor.fetchone()[0]
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + size - 1])
        for statement in STAGING:
            cursor.execute(statement)
        threads = list(copied_threads)
        cursor.execute("SELECT id FROM forum_answer WHERE root_id = ANY(%s) ORDER BY id", [threads])
        # Renumbered in the same order, so siblings and ties sort as they did.
        copies = {old: first + n for n, (old,) in enumerate(cursor.fetchall())}
        if len(copies) > size:
            raise ValueError(f"{len(copies)} answers to copy into a question of {size}")
        with cursor.copy("COPY scale_copy FROM STDIN") as copy:
            for row in copies.items():
                copy.write_row(row)
        cursor.execute(COPIES)
        drawn = _tree(
            size - len(copies), first + len(copies), cast["authors"], rng, filler=bool(copies)
        )
        with cursor.copy(f"COPY scale_tree ({TREE_COLUMNS}) FROM STDIN") as copy:
            for row in drawn:
                copy.write_row(row)
        with cursor.copy("COPY scale_body FROM STDIN") as copy:
            for n, (text, html) in enumerate(bodies):
                copy.write_row((n, text, html))
        with cursor.copy("COPY scale_voter FROM STDIN") as copy:
            for n, pk in enumerate(cast["authors"]):
                copy.write_row((n, pk))
        cursor.execute("CREATE INDEX ON scale_tree (parent_id)")
        cursor.execute("ANALYZE scale_tree, scale_copy")
        phase("tree_drawn_and_copied")
        voters = {"members": len(cast["authors"]), "voter": cast["voter"].pk}
        for statement in VOTES:
            cursor.execute(statement, voters if "%(" in statement else None)
        phase("votes_counted")
        end = timezone.now() - timedelta(hours=2)
        cursor.execute(
            ANSWERS.format(digits=PATH_DIGITS),
            {
                "question": question.pk,
                "renderer": RENDERER_VERSION,
                "start": end - SPAN,
                "first": first,
                "step": SPAN / size,
                "z": repr(WILSON_Z),
            },
        )
        if cursor.rowcount != size:
            raise AssertionError(f"{cursor.rowcount} answers written, not {size}")
        phase("answer_rows")
        cursor.execute(VOTE_ROWS)
        votes = cursor.rowcount
        phase("vote_rows")
        cursor.execute(
            "UPDATE articles_question SET answer_count = %s WHERE id = %s", [size, question.pk]
        )
        cursor.execute(TRIGGERS)
        triggers = [" ".join(row) for row in cursor.fetchall()]
        cursor.execute(FK_CHECKS)
        fk_checks = cursor.fetchone()[0]
        cursor.execute(
            "SELECT max(depth), count(*) FILTER (WHERE parent_id IS NULL) FROM scale_tree"
        )
        deepest, top_level = cursor.fetchone()
    phase("commit_running_deferred_checks_and_triggers")
    return {
        "question": question,
        "copies": copies,
        "load": {
            "seconds": round(time.perf_counter() - started, 1),
            "phases": phases,
            "fk_checks_per_answer": fk_checks,
            "triggers": triggers,
        },
        "shape": {
            "answers": size,
            "copied": len(copies),
            "top_level": top_level,
            "max_depth": deepest,
            "votes": votes,
            "authors": len(cast["authors"]),
        },
    }


def _top_level(question, count: int) -> list[int]:
    """The ids of the first ``count`` top-level answers in the default order."""
    from forum.models import Answer
    from forum.threads import DEFAULT_SORT, SORTS

    _label, order, _key, _reverse = SORTS[DEFAULT_SORT]
    answers = Answer.objects.filter(question=question, depth=0).order_by(*order)
    return list(answers.values_list("pk", flat=True)[:count])


# --- Checking ---------------------------------------------------------------------


def _check(question, *, size: int, also: int, rng: random.Random) -> dict:
    """Recompute a sample's tree facts and counters with the write path's own functions
    (forum.models.tree_path, forum.voting.recount, forum.markdown.render_markdown) and
    count what differs."""
    from django.db.models import Count

    from forum.markdown import RENDERER_VERSION, render_markdown
    from forum.models import Answer, tree_path
    from forum.voting import recount

    ids = list(Answer.objects.filter(question=question).values_list("pk", flat=True))
    sample = rng.sample(ids, min(SAMPLE, len(ids)))
    sample.append(also)
    answers = list(Answer.objects.filter(pk__in=sample))
    # Every ancestor's parent, one depth per query: the chains from each answer to its root.
    parent_of = {a.pk: a.parent_id for a in answers}
    while missing := {p for p in parent_of.values() if p is not None and p not in parent_of}:
        parent_of.update(Answer.objects.filter(pk__in=missing).values_list("pk", "parent_id"))
    replies = dict(
        Answer.objects.filter(parent__in=sample)
        .values("parent")
        .annotate(n=Count("pk"))
        .values_list("parent", "n")
    )
    rendered = {}
    differences = []
    fields = []
    for answer in answers:
        chain = [answer.pk]
        while parent_of[chain[-1]] is not None:
            chain.append(parent_of[chain[-1]])
        chain.reverse()
        path = ""
        for pk in chain:
            path = tree_path(path, pk)
        if answer.body not in rendered:
            rendered[answer.body] = render_markdown(answer.body)
        expected = {
            "root_id": chain[0],
            "depth": len(chain) - 1,
            "path": path,
            "reply_count": replies.get(answer.pk, 0),
            "body_html": rendered[answer.body],
            "renderer_version": RENDERER_VERSION,
            "status": Answer.Status.PUBLISHED,
            **recount(answer.pk),
        }
        fields = list(expected)
        for field, value in expected.items():
            if getattr(answer, field) != value:  # exactly: the doubles must be Python's
                differences.append(f"{answer.pk}.{field}: {getattr(answer, field)!r} != {value!r}")
    published = Answer.objects.filter(question=question, status=Answer.Status.PUBLISHED).count()
    question.refresh_from_db()
    if question.answer_count != published:
        differences.append(f"answer_count: {question.answer_count} != {published}")
    if published != size:
        differences.append(f"answers: {published} != {size}")
    return {
        "consistent": not differences,
        "answers_checked": len(answers),
        "fields": fields,
        "differences": differences[:20],
    }


def _deepest(question):
    """The deepest answer, in the largest of the threads that reach that depth."""
    from django.db.models import Count, OuterRef, Subquery

    from forum.models import Answer

    thread_size = (
        Answer.objects.filter(root=OuterRef("root"))
        .order_by()
        .values("root")
        .annotate(n=Count("pk"))
        .values("n")
    )
    deepest = Answer.objects.filter(question=question).order_by("-depth").first().depth
    return (
        Answer.objects.filter(question=question, depth=deepest)
        .annotate(thread=Subquery(thread_size))
        .order_by("-thread", "pk")
        .first()
    )


# --- Measuring ----------------------------------------------------------------------


def _measure_pages(small: dict, large: dict, cast: dict, *, repeat: int, log) -> dict:
    from forum.models import Answer

    # One client for all anonymous readers, its cookies dropped before each request: a new
    # client would load the middleware (WhiteNoise scans the static files) inside the timing.
    reader, voter = Client(), Client()
    voter.force_login(cast["voter"])
    targets = {}
    for name, loaded in (("small", small), ("large", large)):
        question = loaded["question"]
        deep = Answer.objects.get(pk=loaded["deep"])
        url = question.get_absolute_url()
        targets[name] = {
            "default_page": url,
            "page_2": f"{url}?page=2",
            "deep_permalink": deep.get_absolute_url(),
            "voter_default_page": url,
            # Each question's most appreciated and featured answers, the copy's lifetime.
            "article_page": question.article.get_absolute_url(),
            "facts": {
                "deep_permalink_depth": deep.depth,
                "deep_permalink_thread_answers": Answer.objects.filter(root=deep.root_id).count(),
                "voter_votes_in_question": cast["voter"]
                .votes.filter(answer__question=question)
                .count(),
            },
        }
    pages = {"facts": {name: target.pop("facts") for name, target in targets.items()}}
    for page in ("default_page", "page_2", "deep_permalink", "voter_default_page", "article_page"):
        log(f"scale: {page}…")
        is_reader = not page.startswith("voter")
        client = reader if is_reader else voter
        urls = {name: target[page] for name, target in targets.items()}
        result = {
            mode: _interleaved(urls, client, reader=is_reader, repeat=repeat, cold=mode == "cold")
            for mode in ("served", "cold")
        }
        for mode in ("served", "cold"):
            figures = result[mode]
            ratio = figures["large"]["median_ms"] / figures["small"]["median_ms"]
            figures["ratio"] = round(ratio, 2)
            figures["goal_met"] = ratio <= GOAL_RATIO
        pages[page] = result
    return pages


def _get(client: Client, url: str, *, cold: bool, reader: bool):
    """One request, timed; a ``reader`` comes anonymous and new: without a cookie."""
    if cold:
        cache.clear()
        rendering.forget_all()  # the copies kept in this process too
        pagecache.forget_threads()
    if reader:
        client.cookies.clear()
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return response, elapsed


def _counted(client: Client, url: str, *, reader: bool):
    """One request and the number of SQL queries it made."""
    queries = []
    with connection.execute_wrapper(lambda run, sql, *args: queries.append(sql) or run(sql, *args)):
        response, _elapsed = _get(client, url, cold=False, reader=reader)
    return response, len(queries)


def _interleaved(urls: dict, client: Client, *, reader: bool, repeat: int, cold: bool) -> dict:
    """The same page of each question, in turns, ``repeat`` times each after a warm-up."""
    timings = {name: [] for name in urls}
    figures = {}
    for name, url in urls.items():
        for _n in range(WARM_UP):
            _get(client, url, cold=cold, reader=reader)
        if cold:
            cache.clear()
            rendering.forget_all()  # the copies kept in this process too
            pagecache.forget_threads()
        response, queries = _counted(client, url, reader=reader)
        figures[name] = {
            "queries": queries,
            "kb": round(len(response.content) / 1024, 1),
            # What the anonymous page cache said of that request (hit, miss…), if anything.
            "x_cache": response.get("X-Cache", ""),
        }
    for _n in range(repeat):
        for name, url in urls.items():
            timings[name].append(_get(client, url, cold=cold, reader=reader)[1])
    for name, measured in timings.items():
        measured.sort()
        figures[name] |= {
            "median_ms": round(statistics.median(measured), 1),
            "p95_ms": round(measured[int(0.95 * (len(measured) - 1))], 1),
        }
    return figures
