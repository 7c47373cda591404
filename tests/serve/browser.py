"""A headless Chromium (Debian's chromium and chromium-driver, installed by scripts/setup-browser) driven with
selenium from async tests: every blocking call runs in a worker thread so the server keeps serving."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import pytest

T = TypeVar("T")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
needs_browser = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None, reason="no chromium/chromedriver: run scripts/setup-browser"
)


@contextmanager
def chromium(width: int = 900, height: int = 500) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or ""
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--window-size={width},{height}",
        "--autoplay-policy=no-user-gesture-required",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER or ""))
    # The window size includes the browser's frame; the page itself gets exactly this size.
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    try:
        yield driver
    finally:
        driver.quit()


async def run(call: Callable[[], T]) -> T:
    return await anyio.to_thread.run_sync(call)


async def until(driver: Any, script: str, *args: Any, timeout: float = 15.0) -> Any:
    """Waits for the JavaScript expression ``script`` (``return ...``) to give a truthy value; returns it."""

    def check() -> Any:
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(driver, timeout, poll_frequency=0.05).until(lambda d: d.execute_script(script, *args))

    return await run(check)
