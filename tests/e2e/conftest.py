"""Browser fixtures: real headless Chromium (Debian's ``chromium``, or ``GIGAWATT_CHROMIUM``)
driven by Playwright, never a downloaded browser. Locally a missing browser or Playwright skips
the browser tests with the reason; with ``CI=true`` it fails them instead."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
VIEWPORT = {"width": 1280, "height": 800}
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


def _chromium_or_skip() -> str:
    path = os.environ.get("GIGAWATT_CHROMIUM") or shutil.which("chromium") or ""
    problem = None
    if not path or not Path(path).exists():
        problem = "no chromium on PATH (apt-get install -y chromium, or set GIGAWATT_CHROMIUM)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "playwright is not installed (pip install -e '.[dev]')"
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests need a browser under CI: {problem}")
        pytest.skip(problem)
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session."""
    executable = _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class ConsoleLog:
    """Console errors and uncaught page errors seen by a page."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def on_console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def on_page_error(self, error: Any) -> None:
        self.errors.append(f"page error: {error}")


@pytest.fixture
def page(browser: Any) -> Iterator[tuple[Any, ConsoleLog]]:
    """A fresh 1280x800 page and the log of its console errors; no network beyond loopback."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    log = ConsoleLog()
    page.on("console", log.on_console)
    page.on("pageerror", log.on_page_error)

    def only_local(route: Any) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:", "http://127.0.0.1", "about:")):
            route.continue_()
        else:
            log.errors.append(f"blocked request to {url}")
            route.abort()

    page.route("**/*", only_local)
    yield page, log
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """``tests/artifacts/`` (ignored by git): screenshots for a person to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
