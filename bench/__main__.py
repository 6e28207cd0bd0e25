"""Benchmarks, printed as one JSON document (progress goes to stderr). Not tests.

    make bench                                   # SQLite, threads only
    DATABASE_URL=postgres://… make bench         # PostgreSQL: threads and votes
    python -m bench --only threads --sizes 100,1000 --repeat 20

threads: one question with N threaded answers (30 % top-level, depth up to 12,
    200 authors). For the default page (ANSWERS_PER_PAGE top-level answers and
    their replies) and for a page showing all N answers: SQL queries, server
    time (median and 95th percentile over --repeat requests through Django's
    test client, after one warm-up that fills the rendered-answer cache), and
    the size of the page. As an anonymous reader and as a signed-in member.
votes: see bench/votes.py (PostgreSQL only).

The benchmarks run in a database of their own (``agora_bench`` on the
PostgreSQL server of DATABASE_URL, or a temporary SQLite file), never in the
developer's.
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


def configure_database() -> tuple[str, str]:
    """Point Django at a throwaway database before it starts; return (vendor, url)."""
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith(("postgres://", "postgresql://")):
        import psycopg

        url = urlunsplit(urlsplit(base)._replace(path="/agora_bench"))
        admin = urlunsplit(urlsplit(base)._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS agora_bench WITH (FORCE)")
            conn.execute("CREATE DATABASE agora_bench")
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

        admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS agora_bench WITH (FORCE)")
    else:
        Path(urlsplit(url).path).unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=["threads", "votes"], action="append")
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=8.0, help="per vote scenario")
    args = parser.parse_args()

    vendor, url = configure_database()
    import django
    from django.core.management import call_command

    django.setup()
    from django.test.utils import setup_test_environment

    # The test client; and DEBUG off as in production (no query log, no debug pages).
    setup_test_environment(debug=False)
    call_command("migrate", verbosity=0)

    wanted = args.only or (["threads", "votes"] if vendor == "postgresql" else ["threads"])
    report = {
        "database": vendor,
        "python": platform.python_version(),
        "django": django.get_version(),
        "cpus": os.cpu_count(),
    }
    try:
        if "threads" in wanted:
            from bench import threads

            sizes = [int(n) for n in args.sizes.split(",")]
            report["threads"] = threads.run(sizes, repeat=args.repeat, log=_log)
        if "votes" in wanted:
            from bench import votes

            report["votes"] = votes.run(url, seconds=args.seconds, log=_log)
    finally:
        drop_database(vendor, url)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
