"""A real headless Chromium (Debian's) for tests, kept to one loopback server.

``loopback_browser(origin)`` launches ``/usr/bin/chromium`` through Playwright with a fresh
temporary profile, makes every host but the server's unresolvable, records every
request the pages make, and closes the browser (and Playwright's driver) on exit, so no
process is left behind. ``log_in`` signs in through Label Studio's own login form.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Page, ViewportSize, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)
VIEWPORT: ViewportSize = {"width": 1400, "height": 1000}
# generous: two cores shared with other tests and a Label Studio server
TIMEOUT_MS = 120_000
NETWORK_SCHEMES = ("http", "https", "ws", "wss")


@dataclass
class LoopbackBrowser:
    """A browser context on one server, and every URL its pages requested."""

    context: BrowserContext
    origin: str
    requested: list[str] = field(default_factory=list)

    def outside_requests(self) -> list[str]:
        """Requested network URLs that are not on the server's origin."""
        server = urlsplit(self.origin).netloc
        return sorted(
            url
            for url in set(self.requested)
            if urlsplit(url).scheme in NETWORK_SCHEMES and urlsplit(url).netloc != server
        )


def chromium_args(origin: str) -> list[str]:
    """The launch flags, with every host but the server's made unresolvable."""
    host = urlsplit(origin).hostname
    return [*CHROMIUM_ARGS, f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {host}"]


def chromium_missing_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} is not installed (Debian: apt-get install chromium)"
    return None


@contextmanager
def loopback_browser(origin: str) -> Iterator[LoopbackBrowser]:
    """Headless Chromium with a fresh profile, its pages' URLs relative to ``origin``."""
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=chromium_args(origin)
        )
        try:
            context = browser.new_context(viewport=VIEWPORT, base_url=origin)
            context.set_default_timeout(TIMEOUT_MS)
            session = LoopbackBrowser(context=context, origin=origin)
            context.on("request", lambda request: session.requested.append(request.url))
            yield session
        finally:
            browser.close()


def log_in(page: Page, email: str, password: str) -> None:
    """Sign in through Label Studio's login form and wait until it lets us in."""
    page.goto("/user/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/user/login" not in url)
