"""Every staff page of the demo, measured in a real browser as each role sees it.

At 1280×900 no page is taller than three screens by default (long sections fold, tables
page), except the audit log; at 390 px wide (a phone) no page scrolls sideways. The demo
is the one `make run` serves: `corridor setup --demo`, then `corridor serve`, started once
for the module, walked with one browser.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import corridor_env, installed_data_dir, serving

WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
MAX_HEIGHT = 3 * WIDE["height"]
# The full record of what happened, long by nature: the audit log's pages.
TALL_BY_NATURE = re.compile(r"^/audit/")
# Staff pages a role reaches besides its navigation: cases (opened for work, the tallest
# by far) and a request. The demo's caseload is seeded, so a caseworker's first cases in
# demo.json (in the order the seed made them) are the same cases every run: the test
# measures several, not whichever case a random reference sorted first. Not all fifty:
# opening more than CORRIDOR_INSIDER_OPENINGS_PER_HOUR (20) raises the insider alert,
# and each case costs about three seconds here.
CASES_MEASURED = 5
ROLES = ("caseworker", "coordinator", "verifier", "admin", "auditor", "hotline-operator")


# The page's height, and how far it, or any box on it, scrolls sideways: a table that
# scrolls in its own box is horizontal scrolling too.
SIZES = """() => {
  const root = document.documentElement;
  const boxes = Array.from(document.querySelectorAll("main *")).filter(element => {
    const overflow = getComputedStyle(element).overflowX;
    return (overflow === "auto" || overflow === "scroll")
      && element.scrollWidth > element.clientWidth + 1;
  });
  const inBoxes = boxes.map(element => element.scrollWidth - element.clientWidth);
  return [root.scrollHeight, Math.max(root.scrollWidth - window.innerWidth, 0, ...inBoxes)];
}"""


def totp_code(secret: str) -> str:
    from scripts.drill_http import totp_code as code

    return code(secret)


def log_in(page, account: dict[str, object]) -> None:
    page.goto("/")
    page.fill("input[name=username]", str(account["username"]))
    page.fill("input[name=password]", str(account["password"]))
    page.click("form[action='/'] button[type=submit]")
    page.wait_for_load_state()
    page.fill("input[name=code]", totp_code(str(account["totp_secret"])))
    page.click("form[action='/login/verify/'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("form[action='/logout/']").count() == 1, page.url


def staff_pages(page, account: dict[str, object]) -> list[str]:
    """The pages in the role's navigation, and the cases and a request it may open."""
    links = page.locator("nav.site-nav a[href^='/']").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )
    found = [link for link in links if link != "/logout/"]
    cases = list(account.get("cases") or [])
    found.extend(f"/cases/{ref}/" for ref in cases[:CASES_MEASURED])
    page.goto("/requests/")
    request_links = page.locator("main a[href^='/requests/']").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )
    found.extend(
        [link for link in request_links if re.fullmatch(r"/requests/[0-9a-f-]{36}/", link)][:1]
    )
    return list(dict.fromkeys(found))


def measure(page, path: str) -> tuple[int, int]:
    """(height at this viewport, width beyond the viewport) of the page at `path`."""
    page.goto(path)
    page.wait_for_load_state()
    if path.startswith("/cases/") and page.locator("[data-open-case]").count():
        page.click("[data-open-case]")
        page.wait_for_load_state()
    return page.evaluate(SIZES)


def walk(browser, base: str, accounts: list[dict[str, object]], shots: Path | None = None):
    """{(role, path): (height at 1280×900, overflow at 390 px)} for every role's pages."""
    sizes: dict[tuple[str, str], tuple[int, int]] = {}
    for account in accounts:
        role = str(account["role"])
        context = browser.new_context(base_url=base, locale="ru-RU", viewport=WIDE)
        page = context.new_page()
        log_in(page, account)
        for path in staff_pages(page, account):
            page.set_viewport_size(WIDE)
            height, _ = measure(page, path)
            if shots is not None:
                name = re.sub(r"[^a-z0-9]+", "-", f"{role}{path}".lower()).strip("-")
                page.screenshot(path=str(shots / f"{name}-1280.png"), full_page=True)
            page.set_viewport_size(PHONE)
            _, overflow = measure(page, path)
            if shots is not None:
                page.screenshot(path=str(shots / f"{name}-390.png"), full_page=True)
            sizes[(role, path)] = (height, overflow)
        context.close()
    return sizes


@pytest.fixture(scope="module")
def demo(tmp_path_factory, seed_root) -> Iterator[tuple[str, list[dict[str, object]]]]:
    data_dir = installed_data_dir(tmp_path_factory.mktemp("demo"), seed_root, demo=True)
    env = corridor_env(data_dir)
    accounts = json.loads((data_dir / "demo.json").read_text())["accounts"]
    wanted = [next(a for a in accounts if a["role"] == role.replace("-", "_")) for role in ROLES]
    with serving(env) as (base, _log):
        yield base, wanted


@pytest.mark.process
def test_no_staff_page_is_taller_than_three_screens_or_wider_than_a_phone(browser, demo):
    base, accounts = demo
    sizes = walk(browser, base, accounts)
    assert len(sizes) > 15, sizes
    assert len([path for _role, path in sizes if path.startswith("/cases/")]) >= CASES_MEASURED
    too_tall = {
        key: height
        for key, (height, _overflow) in sizes.items()
        if height > MAX_HEIGHT and not TALL_BY_NATURE.match(key[1])
    }
    too_wide = {key: overflow for key, (_height, overflow) in sizes.items() if overflow > 0}
    assert too_tall == {}
    assert too_wide == {}
