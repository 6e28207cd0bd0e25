"""The harness of the benchmarks that load a real server (bench/votes.py, bench/load.py).

Named harness, not http: a module of that name would hide the standard library's http
whenever bench/ itself is on sys.path (python bench/__main__.py).

gunicorn serves the site with production settings on 127.0.0.1; clients are threads,
each with its own connection (http.client: keep-alive where the server allows it, and
gunicorn's sync workers do not, so there every request opens one), sending requests
back to back for a slice of time. Scenarios take turns in short slices so that the
drift of a shared machine's speed does not favour whichever ran first.
"""

import gzip
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
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ClientRandom(random.Random):
    """A client's own random numbers, seeded by its index, which it also tells: a
    scenario may keep what each client did (each client is one member)."""

    def __init__(self, index: int):
        super().__init__(index)
        self.index = index


# (rng, step) -> (method, path, body): what one client sends next.
RequestFor = Callable[[ClientRandom, int], tuple[str, str, str | None]]


class ChangingVotes:
    """Each vote a change of the member's vote on that answer, as the page's buttons send
    them (up, down, or taking one back): never the value already there, which the site
    takes without writing anything. Remembers what each client's member last set on each
    answer, across slices (its members start with no vote)."""

    VALUES = ("1", "-1", "0")

    def __init__(self):
        self._set: dict[tuple[int, int], str] = {}
        self._lock = threading.Lock()

    def next(self, rng: ClientRandom, answer: int) -> str:
        with self._lock:
            before = self._set.get((rng.index, answer), "0")
            value = rng.choice([value for value in self.VALUES if value != before])
            self._set[rng.index, answer] = value
        return value


def worker_count() -> int:
    """gunicorn's sync workers as production runs them: WEB_CONCURRENCY, else 2 per CPU + 1."""
    configured = os.environ.get("WEB_CONCURRENCY", "").strip()
    return int(configured) if configured else (os.cpu_count() or 1) * 2 + 1


def server_env(database_url: str, **settings: str) -> dict:
    """The server's environment: production settings on 127.0.0.1, plus ``settings``."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "forum.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": os.environ["SECRET_KEY"],  # the bench's own: its sessions must hold
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "EMAIL_URL": "console://",
        **settings,
    }


@dataclass(frozen=True)
class Server:
    port: int
    pid: int  # gunicorn's master: its children are the workers
    workers: int


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(env: dict, *, workers: int, app: str = "forum.wsgi") -> Iterator[Server]:
    """gunicorn with sync workers on a free port of 127.0.0.1, stopped on leaving."""
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [
            sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--log-level", "warning", "--keep-alive", "30",
        ],
        env=env, cwd=ROOT,
    )  # fmt: skip
    try:
        _wait_for(port)
        yield Server(port=port, pid=process.pid, workers=workers)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


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


def signed_in_members(prefix: str, count: int) -> list[dict]:
    """``count`` members with a confirmed address (``<prefix><n>``), each signed in: their
    session cookie, a CSRF secret (the cookie) and a token masking it, as a browser of
    theirs would hold them (the token as a page gives it, in ``<body data-hx-headers>``)."""
    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.middleware.csrf import _mask_cipher_secret

    from forum.models import User

    # The site's own session store (forum.sessions), as signing in writes them.
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore

    members = []
    for n in range(count):
        user = User.objects.create_user(username=f"{prefix}{n}", email=f"{prefix}{n}@bench.invalid")
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        # The server's sessions live in the database, so a session written here signs the
        # client in there.
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        secret = secrets.token_hex(16)
        members.append(
            {
                "username": user.username,
                "session": session.session_key,
                "csrf": secret,
                "token": _mask_cipher_secret(secret),
            }
        )
    return members


def member_headers(member: dict) -> dict:
    """The cookies a signed-in member's browser sends, and the CSRF header htmx adds (the
    page's masked token)."""
    return {
        "Cookie": f"sessionid={member['session']}; csrftoken={member['csrf']}",
        "X-CSRFToken": member["token"],
    }


@dataclass
class Response:
    status: int
    headers: dict  # lower-case names
    text: str  # decompressed


def fetch(port: int, method: str, path: str, headers: dict, body: str | None = None) -> Response:
    """One request, read whole, for checking what a scenario's clients receive."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        found = {name.lower(): value for name, value in response.getheaders()}
    finally:
        conn.close()
    if found.get("content-encoding") == "gzip":
        raw = gzip.decompress(raw)
    return Response(response.status, found, raw.decode("utf-8", "replace"))


def run_clients(
    port: int,
    clients: list[dict],
    seconds: float,
    request_for: RequestFor,
    *,
    expected: frozenset[int] = frozenset({200}),
) -> dict:
    """One client per header dict of ``clients`` sends requests back to back for
    ``seconds``; return the slice's timings, and any status not ``expected`` as an error."""
    latencies: list[float] = []
    errors: list[str] = []
    statuses: Counter = Counter()
    cache_outcomes: Counter = Counter()  # X-Cache, where the site says hit or miss
    received = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    barrier = threading.Barrier(len(clients))

    def client(index, headers):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        rng = ClientRandom(index)
        mine: list[float] = []
        my_statuses: Counter = Counter()
        my_cache: Counter = Counter()
        my_bytes = 0
        step = 0
        barrier.wait()
        while time.perf_counter() < deadline:
            method, path, body = request_for(rng, step)
            step += 1
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                my_bytes += len(response.read())
            except (OSError, http.client.HTTPException) as error:
                with lock:
                    errors.append(repr(error))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append(time.perf_counter() - started)
            my_statuses[response.status] += 1
            if cache := response.getheader("X-Cache"):
                my_cache[cache] += 1
            if response.status not in expected:  # a redirect may be a vote not cast
                with lock:
                    errors.append(f"{response.status} on {path}")
        conn.close()
        with lock:
            latencies.extend(mine)
            statuses.update(my_statuses)
            cache_outcomes.update(my_cache)
            received[0] += my_bytes

    threads = [threading.Thread(target=client, args=(i, c)) for i, c in enumerate(clients)]
    started, cpu_started = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "latencies": latencies,
        "elapsed": elapsed,
        # The clients share the server's cores: what they take, the server does not get.
        "client_cpu_seconds": time.process_time() - cpu_started,
        "errors": errors,
        "statuses": statuses,
        "x_cache": cache_outcomes,
        "bytes": received[0],
    }


def rate(run: dict) -> float:
    """Requests per second of one slice."""
    return len(run["latencies"]) / run["elapsed"]


def combine(runs: list[dict]) -> dict:
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


def worker_peak_memory_kb(server: Server) -> list[int]:
    """The peak resident memory (VmHWM) of each live worker of ``server``, in kB (Linux)."""
    peaks = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines())
        except (OSError, ValueError):
            continue  # gone meanwhile, or not ours to read
        if fields.get("PPid", "").strip() == str(server.pid) and "VmHWM" in fields:
            peaks.append(int(fields["VmHWM"].split()[0]))
    return sorted(peaks)
