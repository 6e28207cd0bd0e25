"""Vote throughput on PostgreSQL, next to the ceiling of a trivial view on the same server.

A real gunicorn serves the site from a throwaway database; 16 clients (threads,
each signed in as its own member; gunicorn's sync workers close the connection
after each response, so every request opens one) send requests back to back:
to ``/livez`` (no database: the ceiling of this server on this machine),
votes all on one hot answer, and votes spread over many answers. The three
scenarios take turns in short slices (ROUNDS of each), so that the drift of a
shared machine's speed does not favour whichever ran first. Each vote sets a
value (+1, -1 or 0 in turn), as the page does. Afterwards every answer's
counters are checked against its vote rows.

Run through ``python -m bench`` (make bench), which has already pointed Django
at the benchmark's own database; the server gets the same database.
"""

import http.client
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 16
SPREAD_ANSWERS = 500
ROUNDS = 4  # turns each scenario takes, interleaved with the others


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(database_url: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "forum.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": os.environ["SECRET_KEY"],  # the bench's own: its sessions must hold
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "EMAIL_URL": "console://",
        # Without REDIS_URL the bench runs its workers each on their own cache: its rate
        # limits are lifted below, so nothing is counted that several workers would share.
        "SINGLE_PROCESS": "1",
        # The benchmark measures votes, not the abuse limits in front of them.
        "RATE_LIMIT_VOTE_MEMBER": "100000000/60",
        "RATE_LIMIT_VOTE_IP": "100000000/60",
    }


def _seed(members: int, answers: int) -> dict:
    """Voters signed in (sessions and CSRF secrets made directly), and answers to vote on."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from articles.models import Article, Question
    from forum.answers import do_post_answer
    from forum.models import User

    article = Article.objects.create(
        slug="bench-votes", title="Bench", body="Texte.", status="published",
        published_at=timezone.now(),
    )  # fmt: skip
    question = Question.objects.create(article=article, position=1, text="Q ?", slug="q")
    author = User.objects.create_user(username="bench-author", email="author@bench.invalid")
    made = [
        do_post_answer(author=author, question=question, body=f"Réponse {n}.")[0].pk
        for n in range(answers)
    ]
    clients = []
    for n in range(members):
        user = User.objects.create_user(username=f"voter{n}", email=f"voter{n}@bench.invalid")
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        # The server's sessions live in the database (and its cache), so a session
        # written here signs the client in there.
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        clients.append({"session": session.session_key, "csrf": secrets.token_hex(16)})
    return {"clients": clients, "answers": made}


def _run_clients(port, clients, seconds, request_for):
    """Each client sends requests back to back for ``seconds``; return timings."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    barrier = threading.Barrier(len(clients))

    def client(index, credentials):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        rng = random.Random(index)
        mine: list[float] = []
        step = 0
        barrier.wait()
        while time.perf_counter() < deadline:
            method, path, body = request_for(rng, step)
            step += 1
            headers = {
                "Cookie": f"sessionid={credentials['session']}; csrftoken={credentials['csrf']}",
                "X-CSRFToken": credentials["csrf"],
                "HX-Request": "true",
                "Content-Type": "application/x-www-form-urlencoded",
            }
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as error:
                with lock:
                    errors.append(repr(error))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append(time.perf_counter() - started)
            if response.status != 200:  # a redirect here would be a vote not cast
                with lock:
                    errors.append(f"{response.status} on {path}")
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i, c)) for i, c in enumerate(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"latencies": latencies, "elapsed": elapsed, "errors": errors}


def _rate(run: dict) -> float:
    """Requests per second of one slice."""
    return len(run["latencies"]) / run["elapsed"]


def _combine(runs: list[dict]) -> dict:
    """One scenario's figures over all its slices: throughput over their total time."""
    latencies = sorted(latency for run in runs for latency in run["latencies"])
    errors = [error for run in runs for error in run["errors"]]

    def percentile(p):
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2)

    return {
        "requests": len(latencies),
        "per_second": round(len(latencies) / sum(run["elapsed"] for run in runs), 1),
        "p50_ms": percentile(0.50),
        "p99_ms": percentile(0.99),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2) if latencies else None,
        "errors": len(errors),
        "first_errors": errors[:3],
    }


def _check_counters() -> dict:
    from forum.models import Answer, Vote
    from forum.voting import COUNTER_FIELDS, recount

    drift = [
        answer.pk
        for answer in Answer.objects.filter(question__article__slug="bench-votes")
        if recount(answer.pk) != {field: getattr(answer, field) for field in COUNTER_FIELDS}
    ]
    return {"vote_rows": Vote.objects.count(), "answers_with_drift": len(drift)}


def run(database_url: str, *, seconds: float = 8.0, log=print) -> dict:
    if not database_url.startswith(("postgres://", "postgresql://")):
        return {"skipped": "the vote benchmark needs PostgreSQL: set DATABASE_URL"}
    from django.db import connections

    log("votes: seeding…")
    seeded = _seed(CLIENTS, SPREAD_ANSWERS)
    connections.close_all()
    workers = (os.cpu_count() or 1) * 2 + 1
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [
            sys.executable, "-m", "gunicorn", "forum.wsgi", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--log-level", "warning", "--keep-alive", "30",
        ],
        env=_server_env(database_url), cwd=ROOT,
    )  # fmt: skip
    try:
        _wait_for(port)
        clients = seeded["clients"]
        hot = seeded["answers"][0]
        cycle = ["1", "-1", "0"]

        def trivial(rng, step):
            return "GET", "/livez", None

        def vote_hot(rng, step):
            return "POST", f"/a/{hot}/vote/", f"value={cycle[step % 3]}"

        def vote_spread(rng, step):
            return "POST", f"/a/{rng.choice(seeded['answers'])}/vote/", f"value={rng.choice(cycle)}"

        # Warm up every worker: its database connections, templates, the function.
        _run_clients(port, clients, 1.0, trivial)
        _run_clients(port, clients, 1.0, vote_spread)
        scenarios = {"trivial_view": trivial, "vote_one_hot_answer": vote_hot,
                     "vote_spread_over_answers": vote_spread}  # fmt: skip
        # This shared machine's speed drifts by ±20 % within a minute: the scenarios
        # take turns in short slices, so each ratio compares like with like.
        slices: dict[str, list] = {name: [] for name in scenarios}
        for round_number in range(1, ROUNDS + 1):
            for name, request_for in scenarios.items():
                log(f"votes: round {round_number}/{ROUNDS}, {name}…")
                slices[name].append(_run_clients(port, clients, seconds / ROUNDS, request_for))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    results = {name: _combine(runs) for name, runs in slices.items()}
    ceiling = results["trivial_view"]
    hot_result = results["vote_one_hot_answer"]
    spread_result = results["vote_spread_over_answers"]

    def ratios(name):
        pairs = zip(slices[name], slices["trivial_view"], strict=True)
        return [round(_rate(run) / _rate(base), 3) for run, base in pairs]

    counters = _check_counters()
    return {
        "server": f"gunicorn, {workers} sync workers",
        "clients": CLIENTS,
        "seconds_each": seconds,  # over all rounds
        "trivial_view": ceiling,
        "vote_one_hot_answer": hot_result,
        "vote_spread_over_answers": {**spread_result, "answers": SPREAD_ANSWERS},
        "rounds": ROUNDS,
        "hot_vs_ceiling": round(hot_result["per_second"] / ceiling["per_second"], 3),
        "spread_vs_ceiling": round(spread_result["per_second"] / ceiling["per_second"], 3),
        "hot_vs_ceiling_by_round": ratios("vote_one_hot_answer"),
        "spread_vs_ceiling_by_round": ratios("vote_spread_over_answers"),
        "counters_after": counters,
        "counters_exact": counters["answers_with_drift"] == 0,
        # Exact counters prove little if votes failed (a 500 writes nothing): say so.
        "all_votes_cast": hot_result["errors"] == 0 and spread_result["errors"] == 0,
    }


def _wait_for(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")
