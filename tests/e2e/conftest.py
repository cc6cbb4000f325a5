"""Playwright on Debian's chromium: a browser, pages with and without JavaScript, and a
WebAuthn virtual authenticator. Browsers are never downloaded: the executable is fixed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: apt-get install chromium (see .ci/run)")
    # Playwright's sync API runs an event loop in this thread; the Django ORM
    # refuses to run beside one unless told it is safe, which it is in tests.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


def _context(browser, live_server, *, javascript: bool, locale: str, **options):
    return browser.new_context(
        base_url=live_server.url,
        java_script_enabled=javascript,
        locale=locale,
        **options,
    )


@pytest.fixture
def page(browser, live_server):
    """A page with JavaScript on, English browser locale."""
    context = _context(browser, live_server, javascript=True, locale="en-US")
    yield context.new_page()
    context.close()


@pytest.fixture
def nojs_page(browser, live_server):
    """A page with JavaScript off, as Tor Browser at its safest level."""
    context = _context(browser, live_server, javascript=False, locale="ru-RU")
    yield context.new_page()
    context.close()


def add_virtual_authenticator(page) -> str:
    """Attach a CTAP2 platform authenticator with user verification; return its id."""
    session = page.context.new_cdp_session(page)
    session.send("WebAuthn.enable")
    result = session.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return str(result["authenticatorId"])
