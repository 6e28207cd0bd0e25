"""Reliability run: the production site under load while Redis and PostgreSQL fail.

    make reliability                      # about 2 minutes
    python -m reliability --baseline 10 --fault 8 --after 8

Not a test: it prints one JSON document (progress on stderr) and exits 0
whatever it finds; non-zero only if it could not run.

1. Starts its own PostgreSQL cluster (initdb in a temporary directory, as the
   postgres user when run as root, a free port on 127.0.0.1) and its own
   redis-server (free port, no persistence). The machine's own servers are
   never touched.
2. Prepares the site as ``make serve`` would (collectstatic into the
   temporary directory, migrate, the shipped article imported with
   --publish), makes members with verified addresses and a few answers
   (``manage.py shell -c``), and serves it with gunicorn, 3 sync workers,
   production settings: DEBUG=0, a random SECRET_KEY, ALLOWED_HOSTS=127.0.0.1,
   SITE_URL=https://agora.example, DATABASE_URL and REDIS_URL to the private
   servers, TASKS_IMMEDIATE=1. Clients speak to it as a TLS-terminating proxy
   would (X-Forwarded-Proto: https; SECURE_SSL_REDIRECT=0 besides). Changed
   from production, and said in the output: the rate limits of votes and
   answers are raised (every client comes from 127.0.0.1) and
   ANSWER_MIN_FILL_SECONDS is 1, so that posters post more than a few
   answers; STATIC_ROOT is the temporary directory (reliability/settings.py).
3. Runs readers (anonymous GETs of the home, article, question and answer
   pages), voters (signed in through /accounts/login/, POSTing +1/-1/0 votes,
   half with htmx) and posters (answers and replies through the page's form,
   with its CSRF token, idempotency key and signed time), through phases:
   baseline; Redis stopped then started again (empty); Redis paused with
   SIGSTOP (accepts connections, never answers) then resumed; PostgreSQL
   stopped (-m fast), down a few seconds, started again. An unacknowledged
   write is sent again unchanged (same vote, same form), as a person would.
4. Audits the database: every acknowledged write stored exactly once (a vote's
   last acknowledged value per member and answer; an answer's id, text and
   place), and every counter equal to the rows it counts.

Per phase: requests, statuses, p50/p99 latency (over every attempt, a
connection error or timeout counting the time it took to fail), connection
errors, and for a fault: statuses during the fault and after it, recover_s
(from the fault's removal to the first request that started after it and
succeeded) and last_failure_s (to the end of the last one that failed).
"""

import argparse
import collections
import dataclasses
import json
import os
import re
import secrets
import shutil
import signal
import string
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from . import audit, clients
from .services import ROOT, Gunicorn, Postgres, Redis

READERS, VOTERS, POSTERS = 3, 3, 2
SEED_ANSWERS = 6
FILL_SECONDS = 1

SEED = """
import json, os
from allauth.account.models import EmailAddress
from articles.models import Article
from forum.answers import do_post_answer
from forum.models import User

password = os.environ["RELIABILITY_PASSWORD"]
article = Article.objects.get(slug=os.environ["RELIABILITY_ARTICLE"])
question = article.questions.order_by("position").first()

def member(name):
    user = User.objects.create_user(username=name, email=f"{name}@reliability.invalid",
                                    password=password)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return {"username": name, "email": user.email, "password": password, "id": user.pk}

names = (["rel-author"] + [f"rel-voter-{n}" for n in range(int(os.environ["RELIABILITY_VOTERS"]))]
         + [f"rel-poster-{n}" for n in range(int(os.environ["RELIABILITY_POSTERS"]))])
members = [member(name) for name in names]
author = User.objects.get(username="rel-author")
answers = [do_post_answer(author=author, question=question, body=f"Réponse de départ {n}.")[0]
           for n in range(int(os.environ["RELIABILITY_ANSWERS"]))]
for parent in answers[:2]:
    do_post_answer(author=author, question=question, parent=parent, body="Une réponse.")
print("SEED " + json.dumps({
    "question_path": question.get_absolute_url(),
    "article_path": article.get_absolute_url(),
    "answers": [a.pk for a in answers],
    "members": members[1:],
}))
"""


def _log(message: str) -> None:
    print(f"[reliability {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _secret_key() -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(64))


def _server_env(pg: Postgres, redis: Redis, static_root: Path) -> dict:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TZ")}
    return {
        **keep,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "reliability.settings",
        "RELIABILITY_STATIC_ROOT": str(static_root),
        "DEBUG": "0",
        "SECRET_KEY": _secret_key(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "https://agora.example",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": pg.url,
        "REDIS_URL": redis.url,
        "TASKS_IMMEDIATE": "1",
        "EMAIL_URL": "console://",
        "LOG_LEVEL": "WARNING",
    }


LOAD_OVERRIDES = {
    # Every client comes from 127.0.0.1: the per-address limits would stop the load,
    # which measures outages, not abuse limits.
    "RATE_LIMIT_VOTE_MEMBER": "100000/60",
    "RATE_LIMIT_VOTE_IP": "100000/60",
    "RATE_LIMIT_ANSWER_MEMBER": "100000/60",
    "RATE_LIMIT_ANSWER_IP": "100000/60",
    "ANSWER_MIN_FILL_SECONDS": str(FILL_SECONDS),
}


def _manage(env: dict, *args, timeout=180) -> str:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


# --- Figures ---------------------------------------------------------------


def _ms(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000, 1)


def _statuses(records) -> dict:
    counts = collections.Counter(str(r.status) if r.status else "error" for r in records)
    return dict(sorted(counts.items()))


def _summary(records, phase: dict) -> dict:
    mine = [r for r in records if phase["start"] <= r.t0 < phase["end"]]
    latencies = [r.t1 - r.t0 for r in mine]
    errors = [r for r in mine if r.error]
    result = {
        "seconds": round(phase["end"] - phase["start"], 1),
        "requests": len(mine),
        "status": _statuses(mine),
        "p50_ms": _ms(latencies, 0.50),
        "p99_ms": _ms(latencies, 0.99),
        "errors": len(errors),
        "first_errors": sorted({r.error for r in errors})[:3],
        "by_kind": {
            kind: {"requests": len(rs), "ok": sum(r.ok for r in rs), "status": _statuses(rs)}
            for kind in ("read", "form", "vote", "answer", "login")
            if (rs := [r for r in mine if r.kind == kind])
        },
    }
    if "fault_off" not in phase:
        outside = [r for r in mine if r.status and r.status >= 500]
        result["server_errors"] = len(outside)
        result["_outside"] = [_brief(r, phase["start"]) for r in outside]
        return result
    off = phase["fault_off"]
    during = [r for r in mine if r.t0 < off]
    after = [r for r in mine if r.t0 >= off]
    successes = [r.t1 for r in after if r.ok]
    recovered = min(successes) if successes else None
    failures = [r.t1 for r in after if not r.ok]
    recovered_by_kind = {}
    for r in after:
        if r.ok:
            recovered_by_kind[r.kind] = min(r.t1, recovered_by_kind.get(r.kind, r.t1))
    result |= {
        "fault_seconds": round(off - phase["fault_on"], 1),
        "during_fault": {
            "requests": len(during),
            "status": _statuses(during),
            "p50_ms": _ms([r.t1 - r.t0 for r in during], 0.50),
            "max_ms": _ms([r.t1 - r.t0 for r in during], 1.0),
            "by_kind": {
                kind: _statuses(rs)
                for kind in ("read", "form", "vote", "answer", "login")
                if (rs := [r for r in during if r.kind == kind])
            },
        },
        "after_fault": {"requests": len(after), "status": _statuses(after)},
        "recover_s": round(recovered - off, 2) if recovered else None,
        "recover_s_by_kind": {
            kind: round(min(ok) - off, 2) if ok else None
            for kind in ("read", "vote", "answer")
            for ok in [[r.t1 for r in after if r.kind == kind and r.ok]]
        },
        "last_failure_s": round(max(failures) - off, 2) if failures else None,
    }
    # 5xx from requests that started once the site had served that kind of request again
    # after the fault (reads may recover before writes).
    outside = [
        r
        for r in after
        if r.status and r.status >= 500 and r.t0 >= recovered_by_kind.get(r.kind, float("inf"))
    ]
    result["server_errors_after_recovery"] = len(outside)
    result["_outside"] = [_brief(r, off) for r in outside]
    return result


def _brief(record, since: float) -> dict:
    """One request, for the eye: what, when (seconds after ``since``), how long, what came back."""
    return {
        "kind": record.kind,
        "at_s": round(record.t0 - since, 2),
        "ms": round((record.t1 - record.t0) * 1000, 1),
        "status": record.status,
    }


def _server_log(path: Path) -> dict:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return {}
    exceptions = collections.Counter(
        m[1]
        for m in re.finditer(
            r"^([A-Za-z_][\w.]*(?:Error|Exception|Timeout|Unavailable)):", text, re.M
        )
    )
    return {
        "redis_unavailable_warnings": text.count("Redis unavailable"),
        "tracebacks": text.count("Traceback (most recent call last)"),
        "worker_timeouts": text.count("WORKER TIMEOUT"),
        "exceptions": dict(exceptions.most_common(6)),
    }


# --- The run ---------------------------------------------------------------


def run(args) -> dict:
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="agora-reliability-"))
    pg = redis = server = None
    stop = threading.Event()
    threads: list[threading.Thread] = []
    try:
        _log(f"working in {workdir}")
        pg = Postgres(workdir, _log)
        pg.init()
        pg.start()
        pg.create_database()
        redis = Redis(workdir, _log)
        redis.start()
        _log(f"PostgreSQL {pg.version} on :{pg.port}, Redis on :{redis.port}")

        env = _server_env(pg, redis, workdir / "static") | LOAD_OVERRIDES
        _log("collectstatic, migrate, import, seed…")
        _manage(env, "collectstatic", "--no-input", "--verbosity", "0")
        _manage(env, "migrate", "--no-input", "--verbosity", "0")
        shipped = sorted(str(p) for p in (ROOT / "articles" / "content").glob("*.toml"))
        _manage(env, "import_article", "--publish", *shipped)
        slug = re.search(r'^slug\s*=\s*"([^"]+)"', Path(shipped[0]).read_text(), re.M)[1]
        password = secrets.token_urlsafe(18)
        seed_env = env | {
            "RELIABILITY_PASSWORD": password, "RELIABILITY_ARTICLE": slug,
            "RELIABILITY_VOTERS": str(VOTERS), "RELIABILITY_POSTERS": str(POSTERS),
            "RELIABILITY_ANSWERS": str(SEED_ANSWERS),
        }  # fmt: skip
        out = _manage(seed_env, "shell", "-c", SEED)
        seed = json.loads(out[out.index("SEED ") + 5 :].splitlines()[0])
        counters_before = audit.counters(pg.url)

        server = Gunicorn(workdir, env, workers=3)
        server.start()
        _log(f"gunicorn on :{server.port}, set up in {time.monotonic() - started:.0f} s")

        # --- load ---
        records: list = []
        lock = threading.Lock()
        vote_logs: dict[str, clients.VoteLog] = {}
        submissions: list = []
        members = seed["members"]
        voters = [m for m in members if m["username"].startswith("rel-voter-")]
        posters = [m for m in members if m["username"].startswith("rel-poster-")]
        answers = seed["answers"]
        read_paths = ["/", seed["article_path"], seed["question_path"],
                      *(f"/a/{pk}/" for pk in answers[:3])]  # fmt: skip

        def client(target, *args):
            threads.append(threading.Thread(target=target, args=args, daemon=True))

        for n in range(READERS):
            browser = clients.Browser(server.port, f"reader-{n}", records, lock)
            client(clients.reader, browser, read_paths, stop, n)
        for n, member in enumerate(voters):
            browser = clients.Browser(server.port, member["username"], records, lock)
            vote_logs[member["username"]] = log = clients.VoteLog()
            client(clients.voter, browser, member, answers, log, stop, 100 + n, n % 2 == 1)
        for n, member in enumerate(posters):
            browser = clients.Browser(server.port, member["username"], records, lock)
            question = seed["question_path"]
            fill = FILL_SECONDS + 0.1
            htmx = n % 2 == 1
            client(clients.poster, browser, member, question, answers[:3], submissions, stop,
                   200 + n, htmx, fill)  # fmt: skip
        for thread in threads:
            thread.start()

        phases: list[dict] = []

        def phase(name, seconds):
            _log(f"phase {name}…")
            phases.append({"name": name, "start": time.monotonic()})
            stop.wait(seconds)
            phases[-1]["end"] = time.monotonic()

        def fault(name, inject, remove, hold, after):
            _log(f"phase {name}: fault for {hold:.0f} s, then {after:.0f} s after it…")
            current = {"name": name, "start": time.monotonic()}
            phases.append(current)
            inject()
            current["fault_on"] = time.monotonic()
            try:
                stop.wait(hold)
            finally:
                remove()
            current["fault_off"] = time.monotonic()
            stop.wait(after)
            current["end"] = time.monotonic()

        phase("baseline", args.baseline)
        fault("redis_stopped", redis.stop, redis.start, args.fault, args.after)
        fault("redis_paused", redis.pause, redis.resume, args.fault, args.after)
        fault("database_restarted", lambda: pg.stop("fast"), pg.start, args.db_down, args.after)
        stop.set()
        for thread in threads:
            thread.join(timeout=clients.TIMEOUT + 5)
        _log("load stopped; auditing…")

        drift = audit.counters(pg.url)
        checked = audit.writes(pg.url, members, vote_logs, submissions)
        summaries = {p["name"]: _summary(records, p) for p in phases}
        if args.records:
            zero = phases[0]["start"]
            with open(args.records, "w") as out:
                for p in phases:
                    out.write(
                        json.dumps(
                            {"phase": p["name"]}
                            | {k: round(v - zero, 3) for k, v in p.items() if k != "name"}
                        )
                        + "\n"
                    )
                for r in records:
                    row = dataclasses.asdict(r) | {
                        "t0": round(r.t0 - zero, 3),
                        "t1": round(r.t1 - zero, 3),
                    }
                    out.write(json.dumps(row) + "\n")
        # Which 5xx came outside the outages: at_s counts from the baseline's start, or
        # from the fault's removal.
        outside = [
            {"phase": name} | brief for name, s in summaries.items() for brief in s.pop("_outside")
        ]
        return {
            "setup": {
                "postgresql": pg.version,
                "server": "gunicorn forum.wsgi, 3 sync workers, production settings (DEBUG=0)",
                "clients": {"readers": READERS, "voters": VOTERS, "posters": POSTERS},
                "client_timeout_s": clients.TIMEOUT,
                "changed_from_production": LOAD_OVERRIDES,
                "database_down_s": args.db_down,
            },
            "phases": summaries,
            "audit": {
                **checked,
                "counters_before_load_exact": audit.exact(counters_before),
                "counter_drift": drift,
            },
            "lost": checked["lost"],
            "duplicated": checked["duplicated"],
            "counters_exact": audit.exact(drift),
            "server_errors_outside_outages": len(outside),
            "server_errors_outside_outages_first": outside[:8],
            "server_log": _server_log(server.logfile),
            "stray_threads": sum(t.is_alive() for t in threads),
            "total_seconds": round(time.monotonic() - started, 1),
        }
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=clients.TIMEOUT + 5)
        for step in (
            lambda: server and server.stop(),
            lambda: redis and redis.stop(),
            lambda: pg and pg.running and pg.stop("immediate"),
        ):
            try:
                step()
            except Exception as error:  # clean up the rest regardless
                _log(f"cleanup: {error!r}")
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            _log(f"kept {workdir}")


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reliability", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--baseline", type=float, default=15, help="seconds of the baseline")
    parser.add_argument("--fault", type=float, default=10, help="seconds each Redis fault lasts")
    parser.add_argument("--after", type=float, default=12, help="seconds watched after a fault")
    parser.add_argument("--db-down", type=float, default=10, help="seconds the database is down")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs)")
    parser.add_argument("--records", type=Path, help="also write every request here (JSON lines)")
    args = parser.parse_args()

    def interrupted(signum, frame):
        raise KeyboardInterrupt

    # Stopped by SIGTERM (a CI timeout) or SIGINT, it still stops everything it started.
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    try:
        report = run(args)
    except KeyboardInterrupt:
        _log("interrupted; everything started was stopped")
        return 130
    except Exception as error:  # could not run: say why
        _log(f"could not run: {error!r}")
        return 1
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
