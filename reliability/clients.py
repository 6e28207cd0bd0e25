"""The load: readers, voters and posters, each a thread with its own cookies.

Every request is recorded (kind, start, end, status, connection error, and for
writes whether the server acknowledged it). Clients talk plain HTTP to
gunicorn as a TLS-terminating proxy would (``X-Forwarded-Proto: https``), so
the production settings' secure cookies, HSTS and CSRF origin checks apply
unchanged; cookies are kept by hand because a standard cookie jar would not
send Secure cookies over http.
"""

import http.client
import json
import random
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

TIMEOUT = 15.0  # seconds a client waits for a response before calling it an error


@dataclass
class Record:
    kind: str  # read, form, login, vote, answer
    client: str
    t0: float
    t1: float
    status: int | None
    error: str | None = None
    ok: bool = False  # a read served, or a write acknowledged


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: str


class Browser:
    """One visitor: a cookie jar and plain HTTP/1.1, a new connection per request (gunicorn's
    sync workers close it after each response anyway)."""

    def __init__(self, port: int, name: str, records: list, lock: threading.Lock):
        self.port = port
        self.name = name
        self.cookies: dict[str, str] = {}
        self.records = records
        self.lock = lock
        self.origin = f"https://127.0.0.1:{port}"

    def request(self, kind, method, path, fields=None, *, htmx=False, judge=None):
        """Send one request and record it; return (Response or None, record)."""
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-Proto": "https",
            "Accept-Encoding": "identity",
            "User-Agent": "agora-reliability",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if method == "POST":
            body = urlencode(fields or {})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + path
            if "csrftoken" in self.cookies:
                headers["X-CSRFToken"] = self.cookies["csrftoken"]
        if htmx:
            headers["HX-Request"] = "true"
            headers["HX-Current-URL"] = self.origin + path
        t0 = time.monotonic()
        response = None
        error = None
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            conn.request(method, path, body=body, headers=headers)
            raw = conn.getresponse()
            text = raw.read().decode("utf-8", "replace")
            response = Response(raw.status, raw.headers, text)
            self._keep_cookies(raw.headers)
        except (OSError, http.client.HTTPException) as exc:
            error = type(exc).__name__ + (f": {exc}" if str(exc) else "")
        finally:
            conn.close()
        t1 = time.monotonic()
        record = Record(kind, self.name, t0, t1, response.status if response else None, error)
        if response is not None:
            record.ok = judge(response) if judge else 200 <= response.status < 300
        with self.lock:
            self.records.append(record)
        return response, record

    def _keep_cookies(self, headers) -> None:
        for line in headers.get_all("Set-Cookie") or []:
            first, _, attributes = line.partition(";")
            name, _, value = first.strip().partition("=")
            expired = re.search(r"max-age=0\b|expires=[^;]*1970", attributes, re.IGNORECASE)
            if expired or value in ("", '""'):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value


class FormFields(HTMLParser):
    """The inputs and textareas of the first form whose action ends with ``action_suffix``."""

    def __init__(self, action_suffix: str):
        super().__init__()
        self.suffix = action_suffix
        self.inside = False
        self.done = False
        self.found = False
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self.done and (attrs.get("action") or "").endswith(self.suffix):
            self.inside = self.found = True
        elif (
            self.inside
            and tag in ("input", "textarea")
            and attrs.get("name")
            and attrs.get("type") not in ("submit", "button")
        ):
            self.fields[attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside, self.done = False, True


def form_fields(html: str, action_suffix: str) -> dict[str, str] | None:
    parser = FormFields(action_suffix)
    parser.feed(html)
    return parser.fields if parser.found else None


def _login_redirect(response: Response) -> bool:
    location = response.headers.get("Location", "") + response.headers.get("HX-Redirect", "")
    return "/accounts/login" in location


def log_in(browser: Browser, email: str, password: str, stop: threading.Event) -> bool:
    """Sign in through allauth's form, as a person would; retried a few times."""
    for _attempt in range(5):
        if stop.is_set():
            return False
        page, _record = browser.request("login", "GET", "/accounts/login/")
        fields = form_fields(page.body, "/accounts/login/") if page and page.status == 200 else None
        if fields is not None:
            fields.update({"login": email, "password": password})
            done, _record = browser.request(
                "login", "POST", "/accounts/login/", fields,
                judge=lambda r: r.status == 302 and not _login_redirect(r),
            )  # fmt: skip
            if done is not None and done.status == 302 and not _login_redirect(done):
                return True
        stop.wait(1.0)
    return False


def reader(browser: Browser, paths: list[str], stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    while not stop.is_set():
        browser.request("read", "GET", rng.choice(paths))
        stop.wait(0.05)


@dataclass
class VoteLog:
    """Every vote a member sent on each answer, in order: (value, acknowledged)."""

    attempts: dict[int, list[tuple[int, bool]]] = field(default_factory=dict)


def voter(browser, member, answers, log: VoteLog, stop, seed, htmx: bool) -> None:
    """Set votes (+1, -1, 0) on the seeded answers; an unacknowledged vote is sent again, the
    same value, until the server acknowledges it (a person clicking again)."""
    rng = random.Random(seed)
    if not log_in(browser, member["email"], member["password"], stop):
        return

    def counted(response: Response) -> bool:
        if htmx:
            return response.status == 200
        return response.status == 302 and not _login_redirect(response)

    pending = None  # (answer, value) not yet acknowledged
    while not stop.is_set():
        answer, value = pending or (rng.choice(answers), rng.choice((1, -1, 0)))
        response, record = browser.request(
            "vote", "POST", f"/a/{answer}/vote/", {"value": str(value)}, htmx=htmx, judge=counted
        )
        log.attempts.setdefault(answer, []).append((value, record.ok))
        if record.ok:
            pending = None
            stop.wait(0.1)
            continue
        pending = (answer, value)
        if response is not None and _login_redirect(response):
            log_in(browser, member["email"], member["password"], stop)  # the session was lost
        stop.wait(0.5)


@dataclass
class Submission:
    key: str
    body: str
    parent: int | None
    answer_id: int | None = None  # set when acknowledged
    attempts: int = 0


def _posted_id(response: Response, htmx: bool) -> int | None:
    """The id the server says it stored: the 302's Location, or htmx's agora:posted event."""
    if htmx:
        if response.status != 200:
            return None
        for header in ("HX-Trigger-After-Settle", "HX-Trigger"):
            raw = response.headers.get(header)
            if raw:
                try:
                    posted = json.loads(raw).get("agora:posted")
                except ValueError:
                    continue
                if isinstance(posted, dict) and isinstance(posted.get("id"), int):
                    return posted["id"]
        return None
    if response.status != 302:
        return None
    # /a/<pk>/#a<pk> for an answer; a reply is shown under its parent: /a/<parent>/#a<pk>.
    location = urlsplit(response.headers.get("Location", ""))
    match = re.fullmatch(r"a(\d+)", location.fragment) or re.search(r"/a/(\d+)/", location.path)
    return int(match[1]) if match else None


def poster(browser, member, question_path, parents, submissions, stop, seed, htmx, fill_s):
    """Post answers (and, every other time, replies to seeded answers) through the page's form:
    its CSRF token, idempotency key and signed shown-at time. A submission the server did
    not acknowledge is sent again unchanged (same key), as a second click would."""
    rng = random.Random(seed)
    if not log_in(browser, member["email"], member["password"], stop):
        return
    number = 0
    while not stop.is_set():
        parent = rng.choice(parents) if number % 2 else None
        page_path = f"/a/{parent}/reply/" if parent else question_path
        action = f"/a/{parent}/reply/" if parent else f"{question_path}answer/"
        page, record = browser.request("form", "GET", page_path)
        fields = form_fields(page.body, action) if page and page.status == 200 else None
        if fields is None:
            record.ok = False  # a page without its form is not the page asked for
            stop.wait(0.5)
            continue
        number += 1
        body = f"Réponse de fiabilité {member['username']} n° {number} ({uuid.uuid4().hex[:12]})."
        fields.update({"body": body, "website": ""})
        submission = Submission(key=fields.get("idempotency_key", ""), body=body, parent=parent)
        submissions.append(submission)
        stop.wait(fill_s)  # people take a moment to write (ANSWER_MIN_FILL_SECONDS)
        while not stop.is_set() and submission.attempts < 40:
            submission.attempts += 1
            response, record = browser.request(
                "answer", "POST", action, fields, htmx=htmx,
                judge=lambda r: _posted_id(r, htmx) is not None,
            )  # fmt: skip
            if record.ok:
                submission.answer_id = _posted_id(response, htmx)
                break
            if response is not None and _login_redirect(response):
                log_in(browser, member["email"], member["password"], stop)
            stop.wait(0.5)
        stop.wait(0.2)
