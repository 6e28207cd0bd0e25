"""Benchmarks, printed as one JSON document (progress goes to stderr). Not tests.

    make bench                        # PostgreSQL at 127.0.0.1:5432 if it answers, else SQLite
    DATABASE_URL=postgres://… make bench         # that PostgreSQL server: every benchmark
    BENCH_SQLITE=1 make bench                    # SQLite: threads, moderation, words, notifications
    python -m bench --only threads --sizes 100,1000 --repeat 20

threads: one question with N threaded answers (30 % top-level, depth up to 12,
    200 authors), built in bulk (``build_seconds``). For the default page
    (``default_page``: ANSWERS_PER_PAGE top-level answers and all their
    replies) and for a page showing all N answers (``all_answers``), as an
    anonymous reader and as a signed-in member (``member_…``):
      queries         SQL queries of one request (constant in N is the goal);
      median_ms,      server time of a request through Django's test client
      p95_ms          (no network, no gzip), over --repeat requests after one
                      warm-up that fills the rendered-answer cache (all_answers
                      uses a third as many);
      kb              size of the HTML;
      cold_median_ms  the same request with the cache emptied first, so every
                      answer goes through its template (median of 3).
moderation: see bench/moderation.py (the queue with 100, then 10,000 waiting answers).
words: see bench/words.py (1,000 word rules against a 10,000-character answer).
notifications: see bench/notifications.py (an inbox of 10,000 notifications; a reply to
    an answer 1,000 members follow, and its fan-out run apart).
votes: see bench/votes.py (PostgreSQL only).
load: see bench/load.py (gunicorn with production settings, PostgreSQL and Redis: each
    page next to /healthz; about 4 minutes, 2½ when threads built its discussions).
middleware: see bench/middleware.py (each middleware's own CPU time on four requests).
instructions: see bench/instructions.py (the instructions each of the load run's requests
    executes in process, counted by valgrind: steady where throughput drifts; skipped
    without valgrind).
scale: see bench/scale.py (PostgreSQL only: 1,000,000 answers loaded in bulk, about 4
    minutes; each page against the same page of a 1,000-answer question).

The benchmarks run in a database of their own (``agora_bench_<pid>`` on the
PostgreSQL server of DATABASE_URL, or a temporary SQLite file), never in the
developer's, and drop it at the end. The name is per run so that two runs at
once (two people, or CI jobs, on one server) cannot drop each other's.
"""

import argparse
import json
import os
import platform
import secrets
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# This machine's PostgreSQL, used when DATABASE_URL says nothing and it answers.
LOCAL_POSTGRESQL = "postgres://postgres@127.0.0.1:5432/postgres"


def _local_postgresql() -> str:
    if os.environ.get("BENCH_SQLITE"):
        return ""
    import psycopg

    try:
        psycopg.connect(LOCAL_POSTGRESQL, connect_timeout=2).close()
    except psycopg.Error:
        _log("No PostgreSQL at 127.0.0.1:5432: SQLite, and the PostgreSQL benchmarks are left out.")
        return ""
    return LOCAL_POSTGRESQL


def configure_database() -> tuple[str, str]:
    """Point Django at a throwaway database before it starts; return (vendor, url)."""
    base = os.environ.get("DATABASE_URL", "") or _local_postgresql()
    if base.startswith(("postgres://", "postgresql://")):
        import psycopg

        name = f"agora_bench_{os.getpid()}"
        url = urlunsplit(urlsplit(base)._replace(path=f"/{name}"))
        admin = urlunsplit(urlsplit(base)._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        vendor = "postgresql"
    else:
        path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        url = f"sqlite:///{path}"
        vendor = "sqlite"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forum.settings")
    # Shared with the server that bench/votes.py starts, so the sessions made
    # here sign its clients in there.
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    return vendor, url


def drop_database(vendor: str, url: str) -> None:
    from django.db import connections

    connections.close_all()
    if vendor == "postgresql":
        import psycopg

        name = urlsplit(url).path.lstrip("/")
        admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        Path(urlsplit(url).path).unlink(missing_ok=True)


def _threads(args, url):
    from bench import threads

    return threads.run([int(n) for n in args.sizes.split(",")], repeat=args.repeat, log=_log)


def _moderation(args, url):
    from bench import moderation

    return moderation.run(repeat=args.repeat, log=_log)


def _words(args, url):
    from bench import words

    return words.run(repeat=args.repeat, log=_log)


def _notifications(args, url):
    from bench import notifications

    return notifications.run(repeat=args.repeat, log=_log)


def _votes(args, url):
    from bench import votes

    return votes.run(url, seconds=args.seconds, log=_log)


def _load(args, url):
    from bench import load

    return load.run(url, seconds=args.seconds, log=_log)


def _middleware(args, url):
    from bench import middleware

    return middleware.run(repeat=args.repeat * 10, log=_log)


def _instructions(args, url):
    from bench import instructions

    return instructions.run(repeat=args.repeat, log=_log)


def _scale(args, url):
    from bench import scale

    return scale.run(url, answers=args.scale_answers, repeat=args.repeat, log=_log)


# name: (run(args, database_url) -> JSON-able result, runs by default on SQLite too).
# A new benchmark is a module in bench/ and one line here.
BENCHMARKS = {
    "threads": (_threads, True),
    "moderation": (_moderation, True),
    "words": (_words, True),
    "notifications": (_notifications, True),
    "votes": (_votes, False),  # needs PostgreSQL's row locks and a real server
    "load": (_load, False),  # PostgreSQL, Redis and gunicorn: each page next to /healthz
    "scale": (_scale, False),  # PostgreSQL: a million answers loaded in bulk
    "middleware": (_middleware, True),  # each middleware's own cost, in process
    "instructions": (_instructions, True),  # a request's instructions, under valgrind
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=BENCHMARKS, action="append", help="repeatable")
    parser.add_argument("--sizes", default="100,1000,10000", help="threads: answers per question")
    parser.add_argument(
        "--repeat", type=int, default=30, help="every benchmark but votes: requests per figure"
    )
    parser.add_argument("--seconds", type=float, default=8.0, help="votes and load: per scenario")
    parser.add_argument(
        "--scale-answers", type=int, default=1_000_000, help="scale: answers in the large question"
    )
    args = parser.parse_args()

    vendor, url = configure_database()
    import django
    from django.core.management import call_command

    django.setup()
    from django.test.utils import setup_test_environment

    # The test client; and DEBUG off as in production (no query log, no debug pages).
    setup_test_environment(debug=False)
    call_command("migrate", verbosity=0)

    wanted = args.only or [
        name for name, (_run, anywhere) in BENCHMARKS.items() if anywhere or vendor == "postgresql"
    ]
    report = {
        "database": vendor,
        "python": platform.python_version(),
        "django": django.get_version(),
        "cpus": os.cpu_count(),
    }
    try:
        for name in wanted:
            run, _anywhere = BENCHMARKS[name]
            report[name] = run(args, url)
    finally:
        drop_database(vendor, url)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
