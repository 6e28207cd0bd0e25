"""Screenshots of a running site, for the README and for looking at a change.

    .venv/bin/python docs/screenshots.py http://127.0.0.1:8000 /tmp/shots /path/a /en/path/b

Each path is shot narrow (390 px) and wide (1280 px), with and without
JavaScript, in light mode; add --dark for dark mode.
"""

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

SIZES = {"narrow": (390, 844), "wide": (1280, 900)}


def main(base: str, out: Path, paths: list[str], dark: bool = False) -> None:
    out.mkdir(parents=True, exist_ok=True)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for js in (True, False):
            for size_name, (width, height) in SIZES.items():
                context = browser.new_context(
                    viewport={"width": width, "height": height},
                    java_script_enabled=js,
                    color_scheme="dark" if dark else "light",
                )
                page = context.new_page()
                for path in paths:
                    page.goto(base + path)
                    slug = path.strip("/").replace("/", "_") or "home"
                    mode = ("js" if js else "nojs") + ("-dark" if dark else "")
                    name = f"{slug}-{size_name}-{mode}.png"
                    page.screenshot(path=out / name, full_page=True)
                    print(out / name)
                context.close()
        browser.close()


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--dark"]
    main(args[0], Path(args[1]), args[2:], dark="--dark" in sys.argv)
