"""What each middleware costs a request, in process: the issue's "middleware diet".

A clock goes between every two middlewares of settings.MIDDLEWARE, so each middleware's
own time is the time inside the clock before it less the time inside the clock after
it (both of its phases: the request on the way in, the response on the way out). The
innermost clock holds the URL resolution and the view. Measured in CPU time of this
process (time.process_time), median over the requests, in microseconds; the time a
middleware waits on PostgreSQL or Redis (the session read, say) is not CPU and shows in
``wall_us``. Four requests, each in turn: /robots.txt (a trivial view, anonymous),
/healthz (answered by the first middleware), an anonymous reader's question page (the
shared copy), a member's question page and a member's vote (an htmx POST, as the
vote buttons send it, CSRF checked).
"""

import re
import statistics
import time
from itertools import count, cycle

from django.conf import settings
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

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
    from allauth.account.models import EmailAddress

    from bench.load import BROWSER
    from bench.threads import discussion
    from forum.models import User

    log("middleware: a discussion of 100 answers…")
    question, _seconds = discussion(100)  # the threads benchmark's, when it ran first
    member = User.objects.create_user(username="mw-member", email="mw-member@bench.invalid")
    # Verified, so that the votes are cast (the rules ask a voter for a verified address).
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    target = question.answers.exclude(author=member).order_by("pk").first()
    middleware = list(settings.MIDDLEWARE)
    results = {}
    # Counted as in production, never reached: a refused vote would measure the refusal.
    unlimited = {"RATE_LIMIT_VOTE_MEMBER": "1000000/60", "RATE_LIMIT_VOTE_IP": "1000000/60"}
    with override_settings(MIDDLEWARE=_timed_stack(middleware), **unlimited):
        reader, signed_in = Client(headers=BROWSER), Client(headers=BROWSER)
        signed_in.force_login(member)
        voter = Client(
            headers={
                **BROWSER,
                "HX-Request": "true",
                "X-CSRFToken": _page_token(signed_in, question.get_absolute_url()),
            },
            enforce_csrf_checks=True,
        )
        voter.cookies = signed_in.cookies
        votes = cycle(("1", "0", "-1"))  # each a change of the last
        pages = {
            "robots_txt_anonymous": lambda: reader.get("/robots.txt"),
            "healthz": lambda: reader.get("/healthz"),
            "question_anonymous": lambda: reader.get(question.get_absolute_url()),
            "question_member": lambda: signed_in.get(question.get_absolute_url()),
            "vote_member": lambda: voter.post(
                reverse("forum:vote", args=[target.pk]), {"value": next(votes)}
            ),
        }
        for name, request in pages.items():
            log(f"middleware: {name}…")
            for _ in range(repeat // 5):  # warm-up: copies made, frames rendered
                response = request()
                assert response.status_code == 200, (name, response.status_code)
            _samples.clear()
            for _ in range(repeat):
                request()
            results[name] = _split(middleware, repeat)
    return {"requests_each": repeat, "pages": results}


def _page_token(client: Client, url: str) -> str:
    """The CSRF token htmx sends from the page at ``url`` (``<body data-hx-headers>``);
    loading the page sets the cookie it masks."""
    page = client.get(url, headers={"Accept-Encoding": "identity"}).content.decode()
    return re.search(r'"X-CSRFToken": "(\w+)"', page)[1]
