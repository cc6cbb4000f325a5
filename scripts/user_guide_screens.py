"""Screenshots for the user guides, taken from a running demo, so they can be refreshed.

    make run PORT=8126 DATA_DIR=/tmp/demo          # in another terminal
    .venv/bin/python scripts/user_guide_screens.py --base http://localhost:8126 \
        --demo /tmp/demo/demo.json --out docs/users/screens

Each screen is taken at 1280x900 (the whole page) and at 390x844, as the role whose guide
shows it, logged in through the login form with the demo's password and TOTP secret.
Then the caseworker's first case: its page (1280 and 390) before it is opened for work,
and, once opened, the key screens of the typical evacuation at 1280 (the routes panel, the
risk assessment, the closing), each cut to the part a guide shows, and, at 390, a next
action saved inside its section of the case page (this adds one next action to the demo).
Needs Playwright and chromium (/usr/bin/chromium by default).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from drill_http import next_step, totp_code

VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}
# (role, name, path): the screens the guides show (inbox, search, board, approvals, work window).
SCREENS = [
    ("verifier", "verifier-inbox", "/requests/"),
    ("verifier", "verifier-search", "/search/"),
    ("coordinator", "coordinator-board", "/board/"),
    ("coordinator", "coordinator-approvals", "/approvals/"),
    ("coordinator", "coordinator-work-window", "/settings/work-window/"),
    ("caseworker", "caseworker-dashboard", "/"),
]
# (name, link on the case page that leads there or "" for the case page, what to cut out):
# the typical evacuation's key screens, taken at 1280 after the case is opened for work.
CASE_LINK = re.compile(r'href="(/cases/CR-[A-Z0-9]{4}-[A-Z0-9]{4}/)"')
EVACUATION_SCREENS = [
    ("caseworker-case-routes", "", "#routes"),
    ("caseworker-risk", 'a[href$="/risk/"]', "main"),
    ("caseworker-closing", 'a[href$="/close/"]', "main"),
]
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def log_in(page, base: str, account: dict[str, str], last_step: int) -> int:
    page.goto(f"{base}/")
    page.fill("input[name=username]", account["username"])
    page.fill("input[name=password]", account["password"])
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_url(re.compile(r".*/login/verify/$"))
    step = next_step(last_step)
    page.fill("input[name=code]", totp_code(account["totp_secret"], at=step * 30))
    page.click("form:has(input[name=code]) button[type=submit]")
    page.wait_for_load_state("networkidle")
    return step


def shrink(target: Path) -> None:
    """Down to 256 colours (text stays sharp), so a whole case page stays well under 300 KB
    in the repository; left as taken where Pillow is not installed."""
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(target) as image:
        small = image.convert("RGB").quantize(colors=256)
    small.save(target, optimize=True)


def report(page, target: Path) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    height_px = page.evaluate("document.documentElement.scrollHeight")
    size = target.stat().st_size // 1024
    sys.stdout.write(f"{target}  height={height_px}px  sideways={overflow}  {size} KB\n")


def case_screens(browser, args: argparse.Namespace, account: dict[str, str], step: int) -> int:
    """The caseworker's first case, closed then opened for work, and the typical
    evacuation's key screens."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=args.language)
    page = context.new_page()
    step = log_in(page, args.base, account, step)
    page.goto(f"{args.base}/")
    found = CASE_LINK.search(page.content())
    if found is None:
        sys.stdout.write("no case on the caseworker's dashboard: case screens skipped\n")
        context.close()
        return step
    case = f"{args.base}{found.group(1)}"
    for label, (width, height) in VIEWPORTS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(case)
        target = args.out / f"caseworker-case-{label}-{args.language}.png"
        page.screenshot(path=str(target), full_page=label == "desktop")
        shrink(target)
        report(page, target)
    page.set_viewport_size(dict(zip(("width", "height"), VIEWPORTS["desktop"], strict=True)))
    page.goto(case)
    page.click("button[data-open-case]")
    page.wait_for_load_state("networkidle")
    for name, link, part in EVACUATION_SCREENS:
        page.goto(case)
        if link:
            page.goto(f"{args.base}{page.get_attribute(link, 'href')}")
        target = args.out / f"{name}-desktop-{args.language}.png"
        page.locator(part).first.screenshot(path=str(target))
        shrink(target)
        report(page, target)
    section_saved(page, case, args)
    context.close()
    return step


def section_saved(page, case: str, args: argparse.Namespace) -> None:
    """A next action saved from its own section on a phone: the section after the save."""
    page.set_viewport_size(dict(zip(("width", "height"), VIEWPORTS["phone"], strict=True)))
    page.goto(case)
    section = page.locator("#section-tasks")
    section.locator("a[data-inline][href$='/tasks/add/']").click()
    section.locator("[data-section-form] form").wait_for()
    section.locator("[name=title]").fill("Call back" if args.language == "en" else "Перезвонить")
    today = page.evaluate("new Date().toISOString().slice(0, 10)")
    section.locator("[name=due_on]").fill(today)
    section.locator("button[type=submit]").click()
    section.locator("[data-section-saved]").wait_for()
    target = args.out / f"caseworker-section-saved-phone-{args.language}.png"
    section.screenshot(path=str(target))
    shrink(target)
    report(page, target)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", required=True)
    parser.add_argument("--demo", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--language", default="en")
    parser.add_argument("--case-only", action="store_true", help="only the case screens")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    accounts = {a["role"]: a for a in json.loads(args.demo.read_text())["accounts"]}
    args.out.mkdir(parents=True, exist_ok=True)
    step = 0
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=args.chromium, args=BROWSER_ARGS)
        roles = [] if args.case_only else [role for role, _name, _path in SCREENS]
        for role in dict.fromkeys(roles):
            context = browser.new_context(
                viewport={"width": 1280, "height": 900}, locale=args.language
            )
            page = context.new_page()
            step = log_in(page, args.base, accounts[role], step)
            for _role, name, path in (s for s in SCREENS if s[0] == role):
                for label, (width, height) in VIEWPORTS.items():
                    page.set_viewport_size({"width": width, "height": height})
                    page.goto(f"{args.base}{path}")
                    target = args.out / f"{name}-{label}-{args.language}.png"
                    page.screenshot(path=str(target), full_page=label == "desktop")
                    overflow = page.evaluate(
                        "document.documentElement.scrollWidth > window.innerWidth"
                    )
                    height_px = page.evaluate("document.documentElement.scrollHeight")
                    sys.stdout.write(f"{target}  height={height_px}px  sideways={overflow}\n")
            context.close()
        step = case_screens(browser, args, accounts["caseworker"], step)
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
