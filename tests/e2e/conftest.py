"""Browser tests: the real server (``python -m quanzi serve``) on a free loopback port,
against the test database, driven by Debian's Chromium through Playwright.

Playwright's own browser download does not work on these machines; ``make test`` installs
``/usr/bin/chromium`` (scripts/ensure-browser.sh). The in-process worker is off: every flow
tested here completes inside its requests (a group succeeds on its last payment), and the
sweeps have their own tests. On failure each page's screenshot lands in
``tests/e2e/artifacts/``.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright

CHROMIUM = "/usr/bin/chromium"
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
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PHONE_WIDTH = {"width": 375, "height": 812}
SERVER_START_SECONDS = 30

NewPage = Callable[..., Awaitable[Page]]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
async def live_server(database: str, tmp_path: Path) -> AsyncIterator[str]:
    """The real server on the test database; its log is shown if it fails to start."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "QUANZI_DATABASE_URL": database,
        "QUANZI_BASE_URL": url,
        "QUANZI_RUN_WORKER_IN_PROCESS": "false",
    }
    log_path = tmp_path / "server.log"
    process = _start_server(port, env, log_path)
    try:
        await _wait_until_up(url, process, log_path)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _start_server(port: int, env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "quanzi", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _server_log(log_path: Path) -> str:
    return log_path.read_text(errors="replace")


async def _wait_until_up(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SERVER_START_SECONDS
    async with httpx.AsyncClient(timeout=2) as client:
        while loop.time() < deadline:
            if process.poll() is not None:
                break
            try:
                if (await client.get(f"{url}/api/v1/health")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"the server did not start:\n{_server_log(log_path)}")


def _require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-browser.sh (make test does)")


@pytest.fixture(scope="session")
async def chromium() -> AsyncIterator[Browser]:
    _require_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture
async def new_page(
    chromium: Browser, live_server: str, request: pytest.FixtureRequest
) -> AsyncIterator[NewPage]:
    """Open a page in a fresh browser context (a shopper's own phone): 375 px wide,
    Chinese, its own cookies. Screenshots of every page are saved if the test fails."""
    pages: list[tuple[str, Page]] = []

    async def make(name: str = "shopper", **options: Any) -> Page:
        context = await chromium.new_context(
            base_url=live_server,
            viewport=PHONE_WIDTH,
            locale="zh-CN",
            **options,
        )
        page = await context.new_page()
        page.set_default_timeout(10_000)
        pages.append((name, page))
        return page

    yield make
    report = getattr(request.node, "report_call", None)
    if report is None or report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        for name, page in pages:
            if not page.is_closed():
                path = ARTIFACTS / f"{request.node.name}-{name}.png"
                await page.screenshot(path=str(path), full_page=True)
    for _, page in pages:
        await page.context.close()
