"""Instructions a request costs, counted by valgrind: the steady measure of a change.

The load run's throughput moves with the machine (a shared one drifts by a third over
minutes), so a change of a few per cent shows in no single run. The instructions a
request executes do not drift: this benchmark serves the load run's requests in a
process of their own under ``valgrind --tool=callgrind``, through Django's WSGI handler
as gunicorn calls it (not the test client, whose instrumentation of templates would be
counted), with production settings (DEBUG off, Redis when it answers). For each request
in turn the process warms up (copies made, frames rendered, connections open) with
counting off, then counts ``repeat`` requests: millions of instructions per request,
in the process only (PostgreSQL, Redis, gunicorn and the kernel are not counted).

Pages (those of a discussion of 1,000 answers): ``/livez`` (answered before the
middleware), ``/healthz``, ``/robots.txt`` (a trivial view through all of it), an
anonymous reader's question page (the shared copy), a member's question page, a member's
vote (an htmx POST with the page's token, each vote a change of the member's vote, spread
over the discussion's answers); and, in a process of its own, the bare Django view of the
load run (bench/bare_site.py).

    python -m bench.instructions child forum|bare SPEC   (what run() starts, under valgrind)
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ANSWERS = 1_000  # in the discussion whose pages are counted, as the load run's smaller one
WARM_UP = 50  # requests before counting: caches filled, as in a worker that served a while
VOTE_TARGETS = 50  # answers the votes are spread over
REDIS_URL = "redis://127.0.0.1:6379/10"  # an index of its own: load uses 11, tests 15
VALGRIND, CALLGRIND_CONTROL = shutil.which("valgrind"), shutil.which("callgrind_control")


def run(*, repeat: int = 30, log=print) -> dict:
    if not (VALGRIND and CALLGRIND_CONTROL):
        return {"skipped": "valgrind is not installed (apt-get install valgrind)"}
    from bench.harness import signed_in_members
    from bench.threads import discussion

    log(f"instructions: a discussion of {ANSWERS} answers…")
    question, _seconds = discussion(ANSWERS)  # the threads benchmark's, when it ran first
    (member,) = signed_in_members("instr-member", 1)
    targets = list(question.answers.order_by("pk").values_list("pk", flat=True)[:VOTE_TARGETS])
    spec = {"url": question.get_absolute_url(), "member": member, "targets": targets}
    redis = _redis_ready()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "forum.settings",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "EMAIL_URL": "console://",
        "REDIS_URL": REDIS_URL if redis else "",
        # Counted as in production, never reached: a refused vote would count the refusal.
        "RATE_LIMIT_VOTE_MEMBER": "100000000/60",
        "RATE_LIMIT_VOTE_IP": "100000000/60",
    }
    env.pop("SINGLE_PROCESS", None)
    counted = {}
    for site in ("forum", "bare"):
        log(f"instructions: the {site} site under valgrind…")
        counted |= _count_under_valgrind(site, spec, repeat, env)
    return {
        "valgrind": subprocess.run(  # noqa: S603 (valgrind's own path, a constant argument)
            [VALGRIND, "--version"], capture_output=True, text=True, check=True
        ).stdout.strip(),
        "redis": redis,
        "warm_up": WARM_UP,
        "requests_each": repeat,
        "million_instructions": {name: round(n / repeat / 1e6, 3) for name, n in counted.items()},
    }


def _redis_ready() -> bool:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).flushdb()
    except redis.RedisError:
        return False
    return True


def _count_under_valgrind(site: str, spec: dict, repeat: int, env: dict) -> dict[str, int]:
    """Start the child under callgrind with counting off; for each page it announces,
    count while it serves ``repeat`` requests (switched on and off, then dumped)."""
    with tempfile.TemporaryDirectory() as folder:
        spec_file = Path(folder) / "spec.json"
        spec_file.write_text(json.dumps(spec | {"repeat": repeat}))
        out = Path(folder) / "callgrind.out"
        child = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [
                VALGRIND, "--quiet", "--tool=callgrind", "--instr-atstart=no",
                f"--callgrind-out-file={out}", sys.executable, "-m", "bench.instructions",
                "child", site, str(spec_file),
            ],
            # Its errors (a page that did not answer 200, say) go to stderr, with the progress.
            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )  # fmt: skip
        counted = {}
        try:
            for line in child.stdout:
                word, name = line.split()
                switch = "on" if word == "ready" else "off"
                _callgrind_control(f"--instr={switch}", child.pid)
                if word == "done":
                    dumps_before = set(Path(folder).glob("callgrind.out*"))
                    _callgrind_control("--dump", child.pid)
                    (dump,) = set(Path(folder).glob("callgrind.out*")) - dumps_before
                    counted[name] = _total(dump)
                child.stdin.write("go\n")
                child.stdin.flush()
        finally:
            child.stdin.close()
            if child.wait(timeout=600) != 0:
                raise RuntimeError(f"the {site} site's process under valgrind failed")
        return counted


def _callgrind_control(option: str, pid: int) -> None:
    subprocess.run(  # noqa: S603 (valgrind's own tool, our own arguments)
        [CALLGRIND_CONTROL, option, str(pid)], capture_output=True, check=True
    )


def _total(dump: Path) -> int:
    """The instructions a callgrind dump counted (its ``totals:`` line; its ``summary:``
    line says 0 for a dump asked by callgrind_control)."""
    for line in dump.read_text().splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise RuntimeError(f"no totals in {dump}")


# --- The child: serves the requests, counted by the parent -----------------------------


def _environ(method: str, path: str, headers: dict, body: bytes = b"") -> dict:
    """What gunicorn hands Django for this request."""
    import io

    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1", "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
        "CONTENT_LENGTH": str(len(body)),
    }  # fmt: skip
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    return environ


def _pages(site: str, spec: dict) -> dict:
    """name: (method, path, headers, body) of the next request, for each page."""
    from bench.harness import ChangingVotes, ClientRandom, member_headers
    from bench.load import BROWSER

    if site == "bare":
        return {"bare_django_view": lambda: ("GET", "/healthz", BROWSER, b"")}
    member = {**BROWSER, **member_headers(spec["member"])}
    voter = {**member, "HX-Request": "true", "Content-Type": "application/x-www-form-urlencoded"}
    changes, rng = ChangingVotes(), ClientRandom(0)

    def vote():
        answer = rng.choice(spec["targets"])
        body = f"value={changes.next(rng, answer)}".encode()
        return "POST", f"/a/{answer}/vote/", voter, body

    return {
        "livez": lambda: ("GET", "/livez", BROWSER, b""),
        "healthz": lambda: ("GET", "/healthz", BROWSER, b""),
        "robots_txt_anonymous": lambda: ("GET", "/robots.txt", BROWSER, b""),
        "question_anonymous": lambda: ("GET", spec["url"], BROWSER, b""),
        "question_member": lambda: ("GET", spec["url"], member, b""),
        "vote_member": vote,
    }


def child(site: str, spec_file: str) -> None:
    spec = json.loads(Path(spec_file).read_text())
    if site == "bare":
        from bench.bare_site import application
    else:
        import django
        from django.core.handlers.wsgi import WSGIHandler

        django.setup()
        application = WSGIHandler()

    def serve(method, path, headers, body):
        statuses = []
        response = application(
            _environ(method, path, headers, body), lambda status, _h: statuses.append(status)
        )
        for _chunk in response:
            pass
        response.close()
        if not statuses[0].startswith("200"):
            raise RuntimeError(f"{method} {path}: {statuses[0]}")

    for name, request in _pages(site, spec).items():
        for _ in range(WARM_UP):
            serve(*request())
        for step in ("ready", "done"):
            print(step, name, flush=True)
            sys.stdin.readline()  # the parent switched counting on (after ready) or off
            if step == "ready":
                for _ in range(spec["repeat"]):
                    serve(*request())


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        child(*sys.argv[2:4])
    else:
        sys.exit(__doc__)
