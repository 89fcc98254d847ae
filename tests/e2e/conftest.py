"""Browser tests: Debian's Chromium driven headless by Playwright, against a live test server.

No browser is ever downloaded: Playwright launches /usr/bin/chromium (CHROMIUM_PATH overrides).
Without Chromium the tests are skipped with a message, except when KETACLINIC_REQUIRE_BROWSER or CI
is set, where a missing browser fails the run. A failing test leaves a screenshot and the page's
HTML in tests/e2e/artifacts/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between
# browser steps are ordinary synchronous calls, so Django's async-safety guard does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]


def _chromium_path() -> str | None:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _browser_required() -> bool:
    return bool(os.environ.get("KETACLINIC_REQUIRE_BROWSER") or os.environ.get("CI"))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    path = _chromium_path()
    if path is None:
        message = (
            "Chromium is not installed (apt-get install chromium): browser tests in tests/e2e "
            "were SKIPPED."
        )
        if _browser_required():
            pytest.fail(message.replace("were SKIPPED", "cannot run") + " CI requires them.")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    outside_requests: list[str] = []
    page.on(
        "request",
        lambda req: (
            outside_requests.append(req.url)
            if not req.url.startswith((live_server.url, "data:", "about:"))
            else None
        ),
    )
    page.outside_requests = outside_requests
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = request.node.name.replace("/", "_")
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        (ARTIFACTS / f"{name}.html").write_text(page.content())
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report
