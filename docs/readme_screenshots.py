"""The README's screenshots, made anew from a fresh demo site: `make screenshots`.

Builds a throwaway SQLite database with the shipped article and the demo discussion,
serves it on a free local port, and shoots with the system Chromium: the article, a
lively thread, the answer form with its preview (signed in), in light and dark; and the
moderation queue (a demo moderator, past the second factor with a code the script computes).
Writes docs/*.png.
"""

import base64
import hashlib
import hmac
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
WIDTH, HEIGHT = 1280, 1000
MEMBER = ("demo@example.org", "un mot de passe de démonstration")
MODERATOR = ("moderation@example.org", "un autre mot de passe de démonstration")
# The demo moderator's authenticator secret (base32): the script types its codes.
MODERATOR_TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def manage(*args, env):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 (our own local server)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"The demo server did not answer at {url}")


def prepare(env) -> None:
    manage("migrate", "--no-input", "-v0", env=env)
    articles = sorted(str(p) for p in (ROOT / "articles" / "content").glob("*.toml"))
    manage("import_article", "--publish", *articles, env=env)
    manage("demo_discussion", env=env)
    script = (
        "from allauth.account.models import EmailAddress; from forum.models import User; "
        f"u = User.objects.create_user('Camille_D', '{MEMBER[0]}', '{MEMBER[1]}'); "
        "EmailAddress.objects.create(user=u, email=u.email, verified=True, primary=True)"
    )
    manage("shell", "-v0", "-c", script, env=env)
    script = (
        "from allauth.account.models import EmailAddress; "
        "from allauth.mfa.totp.internal.auth import TOTP; "
        "from django.contrib.auth.models import Group; from forum.models import User; "
        f"u = User.objects.create_user('Equipe_moderation', '{MODERATOR[0]}', '{MODERATOR[1]}'); "
        "EmailAddress.objects.create(user=u, email=u.email, verified=True, primary=True); "
        "u.groups.add(Group.objects.get(name='moderators')); "
        f"TOTP.activate(u, '{MODERATOR_TOTP}')"
    )
    manage("shell", "-v0", "-c", script, env=env)


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now (RFC 6238: 30 s, 6 digits)."""
    if 30 - time.time() % 30 < 2:  # about to change: wait for the next one
        time.sleep(30 - time.time() % 30)
    counter = struct.pack(">Q", int(time.time()) // 30)
    digest = hmac.new(base64.b32decode(secret), counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def shoot(base: str) -> None:
    out = ROOT / "docs"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"))
        for scheme in ("light", "dark"):
            suffix = "" if scheme == "light" else "-dark"
            context = browser.new_context(
                viewport={"width": WIDTH, "height": HEIGHT}, color_scheme=scheme
            )
            page = context.new_page()
            page.goto(base + "/")
            page.locator(".article-card a").first.click()
            article_url = page.url
            page.screenshot(path=out / f"article{suffix}.png")
            page.locator(".question-card a").nth(2).click()
            page.locator("#thread").scroll_into_view_if_needed()
            page.screenshot(path=out / f"question{suffix}.png")
            # The answer form, signed in, with a live preview.
            page.goto(base + "/accounts/login/")
            page.fill("input[name=login]", MEMBER[0])
            page.fill("input[name=password]", MEMBER[1])
            page.locator("main form button[type=submit]").click()
            page.goto(article_url)
            page.locator(".question-card a").nth(0).click()
            page.fill(
                "#answer-form textarea",
                "Le classement compte les **articles les plus cités** : il mesure la "
                "recherche, pas encore l’industrie.\n\n> 52 technologies sur 64\n\n"
                "Voir https://techtracker.aspi.org.au/",
            )
            page.wait_for_selector("#answer-form .preview p")
            page.locator("#answer-form").scroll_into_view_if_needed()
            page.screenshot(path=out / f"answer-form{suffix}.png")
            context.close()
        # The moderation queue, as a moderator past the second factor sees it.
        context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
        page = context.new_page()
        page.goto(base + "/moderation/?tab=flagged")
        page.fill("input[name=login]", MODERATOR[0])
        page.fill("input[name=password]", MODERATOR[1])
        page.locator("main form button[type=submit]").click()
        page.fill("input[name=code]", totp_code(MODERATOR_TOTP))
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_url("**/moderation/?tab=flagged")
        # From the tabs down: the first flagged answers with their flags and decisions.
        top = page.locator("#queue-tabs").bounding_box()["y"] - 16
        clip = {"x": 0, "y": top, "width": WIDTH, "height": HEIGHT}
        page.screenshot(path=out / "queue.png", full_page=True, clip=clip)
        context.close()
        browser.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/demo.sqlite3",
            "SITE_URL": f"http://127.0.0.1:{port}",
            "ANSWER_MIN_FILL_SECONDS": "0",
        }
        env.pop("REDIS_URL", None)
        prepare(env)
        server = subprocess.Popen(  # noqa: S603 (our own manage.py)
            [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(base + "/healthz")
            shoot(base)
        finally:
            server.terminate()
            server.wait(timeout=10)
    print("Wrote docs/article*.png, docs/question*.png, docs/answer-form*.png, docs/queue.png")


if __name__ == "__main__":
    main()
