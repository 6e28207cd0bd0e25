"""The site under load with production settings, each page next to ``/healthz``.

gunicorn (sync workers, as ``make serve`` runs them) serves the benchmark's own
PostgreSQL database with DEBUG off and Redis as the shared cache (a database index of
its own, emptied first). CLIENTS threads send requests back to back (bench/harness.py)
to, in turn:

  question pages (the default page) of a 1,000- and a 10,000-answer discussion
      (bench/threads.py builds them, or reuses the ones its benchmark built), as an
      anonymous reader and as signed-in members (each client its own member);
  the article page and a permalink (the deepest answer of the 10,000), anonymously;
  /healthz itself next to a bare Django view with Django's default middleware
      (bench/bare_site.py, served by the same gunicorn);
  a vote (POST as bench/votes.py sends it) spread over the answers of another
      article, so that votes change nothing the pages above show;
  anonymous revalidation, when the anonymous page carries an ETag: the question page
      asked with ``If-None-Match`` and the ETag just received (304 expected).

Anonymous clients send no cookie and never ``If-None-Match`` (a first-time reader, a
full response each time), and the headers of a browser (gzip accepted). Every page
slice follows a ``/healthz`` slice, and the rounds repeat: each ratio to ``/healthz``
compares slices a few seconds apart. Before measuring, one request of each scenario is
checked (status, and that the page holds what a reader came for: a 200 of an error
page would measure nothing). After the run, the peak memory of each worker. On a
PostgreSQL server whose autovacuum is off (this machine's), the tables the votes write
are vacuumed before each round, as autovacuum would on a live site.
"""

import re
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass

from bench.harness import (
    ROOT,
    ChangingVotes,
    ClientRandom,
    RequestFor,
    Response,
    combine,
    fetch,
    gunicorn,
    member_headers,
    rate,
    run_clients,
    server_env,
    signed_in_members,
    worker_count,
    worker_peak_memory_kb,
)

CLIENTS = 8  # connections, as the measurements with wrk
ROUNDS = 4  # turns each scenario takes, interleaved with the others
WARM_UP_SECONDS = 0.5  # per scenario, before measuring: connections, templates, caches
SIZES = (1_000, 10_000)  # answers in the measured discussions
VOTE_ANSWERS = 200  # spread votes over this many answers
VOTES_WHILE_READ = 10  # a second, on the discussion that readers read meanwhile
REDIS_URL = "redis://127.0.0.1:6379/11"  # an index of its own: the tests use 15, dev 0
# What a browser sends on a first visit (fixed, so that a cache keyed on them can hit).
BROWSER = {
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) bench-load",
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "fr-FR,fr;q=0.9,en;q=0.8",
    "Accept-Encoding": "gzip, deflate, br, zstd",
}
QUEUED_ONLY = "django.tasks.backends.dummy.DummyBackend"
ANSWER_ANCHOR = re.compile(r'id="a(\d+)"')  # every shown answer's, the permalinks' #a<pk>


@dataclass
class Scenario:
    name: str
    request_for: RequestFor
    clients: Callable[[], list[dict]]  # each client's headers, asked before every slice
    check: Callable[[Response], list[str]]  # what is wrong with a response, if anything
    expected: frozenset[int] = frozenset({200})
    # What else happens on the site while the clients run (votes landing), if anything.
    meanwhile: Callable[[int], AbstractContextManager] = lambda port: nullcontext()


@contextmanager
def votes_landing(
    port: int, headers: dict, answers: list[int], per_second: float, changes: ChangingVotes
):
    """A member voting ``per_second`` times a second on ``answers`` while the block runs,
    from a thread of its own: each vote changes what the question's page shows (what it
    set before is in ``changes``, kept from one block to the next)."""
    stop = threading.Event()
    cast = []

    def vote():
        rng = ClientRandom(0)
        due = time.perf_counter()
        # On a schedule, not a pause after each vote: the rate holds whatever a vote takes.
        while not stop.wait(max(0.0, (due := due + 1 / per_second) - time.perf_counter())):
            answer = rng.choice(answers)
            value = changes.next(rng, answer)
            cast.append(fetch(port, "POST", f"/a/{answer}/vote/", headers, f"value={value}").status)

    voter = threading.Thread(target=vote)
    voter.start()
    try:
        yield cast
    finally:
        stop.set()
        voter.join()


def _vote_targets() -> list[int]:
    """Answers to vote on, in an article of their own."""
    from django.utils import timezone

    from articles.models import Article, Question
    from forum.answers import do_post_answer
    from forum.models import User

    article = Article.objects.create(
        slug="bench-load-votes", title="Bench", body="Texte.", status="published",
        published_at=timezone.now(),
    )  # fmt: skip
    question = Question.objects.create(article=article, position=1, text="Q ?", slug="q")
    author = User.objects.create_user(username="load-author", email="load-author@bench.invalid")
    return [
        do_post_answer(author=author, question=question, body=f"Réponse {n}.")[0].pk
        for n in range(VOTE_ANSWERS)
    ]


def _seed(log) -> dict:
    from django.test.utils import override_settings

    from bench.threads import discussion
    from forum.models import Answer

    seeded = {"build_seconds": {}, "questions": {}}
    # Notifications of the answers posted are queued, not delivered, as production leaves
    # them to its task worker; delivered at once (the immediate backend of this process),
    # they took about half of the build's time.
    with override_settings(TASKS={"default": {"BACKEND": QUEUED_ONLY}}):
        for size in SIZES:
            log(f"load: a discussion of {size} answers…")
            question, seconds = discussion(size)
            seeded["questions"][size] = question
            seeded["build_seconds"][str(size)] = seconds
        seeded["vote_targets"] = _vote_targets()
    biggest = seeded["questions"][max(SIZES)]
    seeded["deep"] = (
        Answer.objects.filter(question=biggest, status=Answer.Status.PUBLISHED)
        .order_by("-depth", "pk")
        .first()
    )
    seeded["members"] = signed_in_members("load-member", CLIENTS)
    return seeded


def _shows_answers(response: Response, *, at_least: int) -> list[str]:
    shown = len(ANSWER_ANCHOR.findall(response.text))
    if shown < at_least:
        return [f"{shown} answers shown, {at_least} at least expected"]
    return []


def _scenarios(seeded: dict, port: int) -> list[Scenario]:
    from django.conf import settings
    from django.urls import reverse

    logout = reverse("account_logout")
    members = seeded["members"]
    anonymous = [BROWSER] * CLIENTS
    signed_in = [{**BROWSER, **member_headers(member)} for member in members]
    per_page = settings.ANSWERS_PER_PAGE

    def get(path):
        return lambda rng, step: ("GET", path, None)

    def anonymous_page(response):
        problems = _shows_answers(response, at_least=per_page)
        if logout in response.text:
            problems.append("an anonymous reader was served a signed-in page")
        return problems

    def member_page(response):
        problems = _shows_answers(response, at_least=per_page)
        # Each client has its own member: the check reads the first client's page.
        if reverse("forum:member", kwargs={"username": members[0]["username"]}) not in (
            response.text
        ):
            problems.append("the member's page does not show them signed in")
        return problems

    scenarios = []
    for size, question in seeded["questions"].items():
        url = question.get_absolute_url()
        scenarios += [
            Scenario(f"question_anonymous_{size}", get(url), lambda: anonymous, anonymous_page),
            Scenario(f"question_member_{size}", get(url), lambda: signed_in, member_page),
        ]

    article = seeded["questions"][max(SIZES)].article
    question_link = seeded["questions"][max(SIZES)].get_absolute_url()

    def article_page(response):
        return [] if question_link in response.text else ["the article links to no question"]

    deep = seeded["deep"]

    def permalink(response):
        if f'id="a{deep.pk}"' not in response.text:
            return [f"the permalink does not show answer {deep.pk}"]
        return []

    scenarios += [
        Scenario("article_anonymous", get(article.get_absolute_url()), lambda: anonymous,
                 article_page),
        Scenario("permalink_anonymous", get(deep.get_absolute_url()), lambda: anonymous,
                 permalink),
    ]  # fmt: skip

    targets = seeded["vote_targets"]
    voters = [
        {**headers, "HX-Request": "true", "Content-Type": "application/x-www-form-urlencoded"}
        for headers in signed_in
    ]

    changes = ChangingVotes()

    def vote(rng, step):
        answer = rng.choice(targets)
        return "POST", f"/a/{answer}/vote/", f"value={changes.next(rng, answer)}"

    def vote_widget(response):
        if 'class="vote"' not in response.text or "vote__error" in response.text:
            return ["the vote was not recorded: " + response.text[:200]]
        return []

    scenarios.append(Scenario("vote_member", vote, lambda: voters, vote_widget))

    # A popular discussion is voted on while it is read: each vote gives its page a new
    # version, and the readers who come next find no copy.
    read = seeded["questions"][min(SIZES)]
    published = read.answers.filter(status="published")
    voted_on = list(published.values_list("pk", flat=True)[:VOTE_ANSWERS])
    landing = ChangingVotes()
    scenarios.append(
        Scenario(
            f"question_anonymous_{min(SIZES)}_while_voted_{VOTES_WHILE_READ}_a_second",
            get(read.get_absolute_url()),
            lambda: anonymous,
            anonymous_page,
            meanwhile=lambda port: votes_landing(
                port, voters[0], voted_on, VOTES_WHILE_READ, landing
            ),
        )
    )

    smallest = seeded["questions"][min(SIZES)].get_absolute_url()
    if fetch(port, "GET", smallest, BROWSER).headers.get("etag"):

        def revalidating():
            # The ETag of the page as it is now: a reader's browser revalidates what it
            # last received.
            etag = fetch(port, "GET", smallest, BROWSER).headers["etag"]
            return [{**BROWSER, "If-None-Match": etag}] * CLIENTS

        def not_modified(response):
            return [] if response.status == 304 else [f"{response.status} to If-None-Match"]

        scenarios.append(
            Scenario(
                f"question_anonymous_revalidation_{min(SIZES)}",
                get(smallest),
                revalidating,
                not_modified,
                expected=frozenset({304}),
            )
        )
    return scenarios


def _probe(port: int, scenario: Scenario) -> dict:
    """One request as the scenario's first client sends it, checked; and what a cache
    in front would see of it."""
    method, path, body = scenario.request_for(ClientRandom(0), 0)
    response = fetch(port, method, path, scenario.clients()[0], body)
    problems = scenario.check(response)
    if response.status not in scenario.expected:
        problems.insert(0, f"status {response.status} on {path}")
    facts = {"path": path, "status": response.status, "problems": problems}
    if shown := len(ANSWER_ANCHOR.findall(response.text)):
        facts["answers_shown"] = shown
    for header in ("etag", "x-cache", "cache-control", "vary"):
        if header in response.headers:
            facts[header.replace("-", "_")] = response.headers[header]
    facts["sets_cookie"] = "set-cookie" in response.headers
    return facts


def _figures(runs: list[dict]) -> dict:
    """One scenario's figures over its slices (bench.harness.combine's, and more)."""
    figures = combine(runs)
    statuses = sum((run["statuses"] for run in runs), Counter())
    x_cache = sum((run["x_cache"] for run in runs), Counter())
    figures |= {
        "kb": round(sum(run["bytes"] for run in runs) / max(1, figures["requests"]) / 1024, 1),
        "statuses": {str(status): count for status, count in sorted(statuses.items())},
        # Cores the client threads used: a ceiling held down by its own clients shows here.
        "client_cores": round(
            sum(run["client_cpu_seconds"] for run in runs) / sum(run["elapsed"] for run in runs),
            2,
        ),
    }
    if x_cache:
        figures["x_cache"] = dict(x_cache)
    if landed := [status for run in runs for status in run.get("meanwhile", [])]:
        figures["votes_meanwhile"] = {
            "per_second": round(len(landed) / sum(run["elapsed"] for run in runs), 1),
            "statuses": {str(status): count for status, count in sorted(Counter(landed).items())},
        }
    return figures


def _next_to_healthz(runs: list[dict], baselines: list[dict]) -> dict:
    """A page's figures, and its share of /healthz in the slices just before each of its."""
    ceiling = combine(baselines)["per_second"]
    figures = _figures(runs)
    return figures | {
        "healthz_per_second": ceiling,
        "vs_healthz": round(figures["per_second"] / ceiling, 3),
        "vs_healthz_by_round": [
            round(rate(run) / rate(base), 3) for run, base in zip(runs, baselines, strict=True)
        ],
    }


def _autovacuum_is_off() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        return cursor.fetchone()[0] == "off"


def _vacuum_what_votes_write() -> None:
    """What autovacuum does on a live site, a minute apart at most, when a server runs
    without it (this machine's does): each vote leaves a dead version of its answer's
    row, with an entry in each of the answer table's indexes, and of its vote's row.
    Left to pile up over a run (tens of thousands), they cost each vote about 13 % more
    of PostgreSQL's time by the end, and each later scenario its share."""
    from django.db import connection

    from forum.models import Answer, PageVersion, Vote

    tables = ", ".join(model._meta.db_table for model in (Answer, Vote, PageVersion))
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {tables}")


def _redis_ready() -> str:
    """Empty this benchmark's Redis database; "" when done, else why it cannot run."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).flushdb()
    except redis.RedisError as error:
        return f"no Redis at {REDIS_URL}: {error}"
    return ""


def run(database_url: str, *, seconds: float = 6.0, log=print) -> dict:
    """Serve the site with production settings and measure each page next to /healthz;
    ``seconds`` per scenario over all rounds (as much again goes to /healthz)."""
    if not database_url.startswith(("postgres://", "postgresql://")):
        return {"skipped": "the load run needs PostgreSQL: set DATABASE_URL"}
    from django.db import connections

    if why := _redis_ready():
        return {"skipped": why}
    started = time.perf_counter()
    seeded = _seed(log)
    connections.close_all()
    env = server_env(
        database_url,
        REDIS_URL=REDIS_URL,
        # The run measures pages, not the abuse limits in front of them.
        RATE_LIMIT_VOTE_MEMBER="100000000/60",
        RATE_LIMIT_VOTE_IP="100000000/60",
    )
    env.pop("SINGLE_PROCESS", None)
    # As `make serve` does: DEBUG off serves the hashed names of collected static files.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        env=env, cwd=ROOT, check=True,
    )  # fmt: skip
    workers = worker_count()
    anonymous = [BROWSER] * CLIENTS

    def healthz(rng, step):
        return "GET", "/healthz", None

    with (
        gunicorn(env, workers=workers) as server,
        gunicorn(env, workers=workers, app="bench.bare_site:application") as bare,
    ):
        scenarios = _scenarios(seeded, server.port)
        checks = {scenario.name: _probe(server.port, scenario) for scenario in scenarios}
        log("load: warming up…")
        run_clients(server.port, anonymous, WARM_UP_SECONDS, healthz)
        for scenario in scenarios:
            with scenario.meanwhile(server.port):
                run_clients(
                    server.port, scenario.clients(), WARM_UP_SECONDS, scenario.request_for,
                    expected=scenario.expected,
                )  # fmt: skip
        run_clients(bare.port, anonymous, WARM_UP_SECONDS, healthz)
        slices: dict[str, list] = {scenario.name: [] for scenario in scenarios}
        baselines: dict[str, list] = {scenario.name: [] for scenario in scenarios}
        # /healthz against a bare Django view with Django's default middleware, in turns.
        versus_bare: dict[str, list] = {"healthz": [], "bare_django_view": []}
        each = seconds / ROUNDS
        vacuuming = _autovacuum_is_off()
        for round_number in range(1, ROUNDS + 1):
            if vacuuming:
                _vacuum_what_votes_write()
            log(f"load: round {round_number}/{ROUNDS}, /healthz next to a bare Django view…")
            versus_bare["healthz"].append(run_clients(server.port, anonymous, each, healthz))
            versus_bare["bare_django_view"].append(run_clients(bare.port, anonymous, each, healthz))
            for scenario in scenarios:
                log(f"load: round {round_number}/{ROUNDS}, {scenario.name}…")
                baselines[scenario.name].append(run_clients(server.port, anonymous, each, healthz))
                with scenario.meanwhile(server.port) as landed:
                    measured = run_clients(
                        server.port, scenario.clients(), each, scenario.request_for,
                        expected=scenario.expected,
                    )  # fmt: skip
                if landed is not None:
                    measured["meanwhile"] = landed
                slices[scenario.name].append(measured)
        peaks = worker_peak_memory_kb(server)
    every_baseline = [run for runs in baselines.values() for run in runs]
    return {
        "server": f"gunicorn, {workers} sync workers",
        "workers": workers,
        "workers_alive_after": len(peaks),
        "clients": CLIENTS,
        "rounds": ROUNDS,
        "seconds_each": seconds,  # per scenario over all rounds, as much again to /healthz
        "redis": REDIS_URL,
        "vacuum_before_each_round": vacuuming,  # the server's autovacuum is off
        "build_seconds": seeded["build_seconds"],  # 0.0: reused from bench/threads.py
        "data": {
            "answers": {str(size): q.answer_count for size, q in seeded["questions"].items()},
            "permalink": {"answer": seeded["deep"].pk, "depth": seeded["deep"].depth},
            "vote_answers": VOTE_ANSWERS,
        },
        "healthz": _figures(every_baseline),
        "healthz_vs_bare_django_view": {
            "bare_django_view": _figures(versus_bare["bare_django_view"]),
            "healthz": _figures(versus_bare["healthz"]),
            "ratio": round(
                combine(versus_bare["healthz"])["per_second"]
                / combine(versus_bare["bare_django_view"])["per_second"],
                3,
            ),
            "ratio_by_round": [
                round(rate(mine) / rate(bare), 3)
                for mine, bare in zip(
                    versus_bare["healthz"], versus_bare["bare_django_view"], strict=True
                )
            ],
        },
        "scenarios": {name: _next_to_healthz(slices[name], baselines[name]) for name in slices},
        "checks": checks,
        "all_checks_passed": not any(check["problems"] for check in checks.values()),
        "worker_peak_memory_mb": {
            "max": round(max(peaks) / 1024, 1) if peaks else None,
            "each": [round(peak / 1024, 1) for peak in peaks],
        },
        "wall_seconds": round(time.perf_counter() - started, 1),
    }
