"""What each middleware costs a request, in process: the issue's "middleware diet".

A clock goes between every two middlewares of settings.MIDDLEWARE, so each middleware's
own time is the time inside the clock before it less the time inside the clock after
it (both of its phases: the request on the way in, the response on the way out). The
innermost clock holds the URL resolution and the view. Measured in CPU time of this
process (time.process_time), median over the requests, in microseconds; the time a
middleware waits on PostgreSQL or Redis (the session read, say) is not CPU and shows in
``wall_us``. Four requests, each in turn: /robots.txt (a trivial view, anonymous),
/healthz (answered by the first middleware), an anonymous reader's question page (the
shared copy) and a member's question page.
"""

import statistics
import time
from itertools import count

from django.conf import settings
from django.test import Client
from django.test.utils import override_settings

_samples: dict[int, list[tuple[float, float]]] = {}  # clock index: (cpu, wall) per request


def _clock_class(index: int) -> type:
    class Clock:
        def __init__(self, get_response):
            self.get_response = get_response

        def __call__(self, request):
            cpu, wall = time.process_time(), time.perf_counter()
            try:
                return self.get_response(request)
            finally:
                _samples.setdefault(index, []).append(
                    (time.process_time() - cpu, time.perf_counter() - wall)
                )

    Clock.__name__ = Clock.__qualname__ = f"Clock{index}"
    return Clock


def _timed_stack(middleware: list[str]) -> list[str]:
    """``middleware`` with a clock before each entry and one after the last."""
    stack = []
    for index in count():
        globals()[f"Clock{index}"] = _clock_class(index)
        stack.append(f"{__name__}.Clock{index}")
        if index == len(middleware):
            return stack
        stack.append(middleware[index])


def _split(middleware: list[str], requests: int) -> dict:
    """Each middleware's own median cost, from the clocks' samples of ``requests``."""
    inside = {index: _samples[index][-requests:] for index in _samples}
    costs: dict[str, dict] = {}
    for index, name in enumerate(middleware):
        if index + 1 not in inside:  # the chain stopped here (a probe, a shared copy)
            own = inside[index]
            costs[name] = _medians(own)
            costs[name]["answered_here"] = True
            break
        own = [
            (outer[0] - inner[0], outer[1] - inner[1])
            for outer, inner in zip(inside[index], inside[index + 1], strict=True)
        ]
        costs[name] = _medians(own)
    else:
        costs["URL resolution and the view"] = _medians(inside[len(middleware)])
    return {"total": _medians(inside[0]), "each": costs}


def _medians(pairs: list[tuple[float, float]]) -> dict:
    return {
        "cpu_us": round(statistics.median(cpu for cpu, _ in pairs) * 1e6, 1),
        "wall_us": round(statistics.median(wall for _, wall in pairs) * 1e6, 1),
    }


def run(*, repeat: int = 300, log=print) -> dict:
    from bench.load import BROWSER
    from bench.threads import build_discussion
    from forum.models import User

    log("middleware: a discussion of 100 answers…")
    question, _author = build_discussion(100, seed=3)
    member = User.objects.create_user(username="mw-member", email="mw-member@bench.invalid")
    middleware = list(settings.MIDDLEWARE)
    results = {}
    with override_settings(MIDDLEWARE=_timed_stack(middleware)):
        reader, signed_in = Client(headers=BROWSER), Client(headers=BROWSER)
        signed_in.force_login(member)
        pages = {
            "robots_txt_anonymous": (reader, "/robots.txt"),
            "healthz": (reader, "/healthz"),
            "question_anonymous": (reader, question.get_absolute_url()),
            "question_member": (signed_in, question.get_absolute_url()),
        }
        for name, (client, path) in pages.items():
            log(f"middleware: {name}…")
            for _ in range(repeat // 5):  # warm-up: copies made, frames rendered
                assert client.get(path).status_code == 200, path
            _samples.clear()
            for _ in range(repeat):
                client.get(path)
            results[name] = _split(middleware, repeat)
    return {"requests_each": repeat, "pages": results}
