"""Start the portal for real (`aktenlotse serve`) and drive it with headless Chromium."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.browser_steps import fill_login, wait_for_results
from tests.plugins.requirements import missing_service

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def running_portal(config: Path, port: int, env: dict[str, str], log: Path):
    process = subprocess.Popen(
        [sys.executable, "-m", "aktenlotse.cli.main", "--config", str(config), "serve"],
        env={**os.environ, **env},
        stdout=open(log, "wb"),  # noqa: SIM115  (the portal process keeps it; closed on exit)
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"portal exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                if requests.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            if time.time() > deadline:
                raise RuntimeError("portal did not answer within 60 s")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/"
    finally:
        # The whole process group: nothing of the portal may outlive the test.
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def chromium():
    """One headless Chromium, closed again at the end of the block."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, height: int = 900, cookies=()):
    """A page in a browser context of its own (separate cookies and sessions, like another
    person at another desk), holding `cookies` from the start."""
    context = browser.new_context(viewport={"width": 1280, "height": height}, locale="de-DE")
    if cookies:
        context.add_cookies(list(cookies))
    return context.new_page()


@contextmanager
def browser_pages(count: int, height: int = 900):
    """`count` pages of one headless Chromium, each in a context of its own."""
    with chromium() as browser:
        yield [new_page(browser, height) for _ in range(count)]


@contextmanager
def browser_page():
    with browser_pages(1) as (page,):
        yield page


@pytest.fixture
def chromium_installed():
    """Use as an autouse fixture in browser test modules: skips (fails in CI) without Chromium."""
    if chromium_path() is None:
        missing_service("Debian chromium missing (scripts/setup.sh installs it)")


def log_in_and_search(page, url: str, username: str, password: str, query: str) -> float:
    """Returns seconds from pressing Enter in the search box to the first result shown."""
    page.goto(url)
    fill_login(page, username, password)
    box = page.get_by_label("Suchbegriff")
    box.wait_for(timeout=20_000)
    box.fill(query)
    start = time.perf_counter()
    box.press("Enter")
    wait_for_results(page)
    return time.perf_counter() - start
