"""The simulator's one timer for all rooms: callbacks run in time order, come back when they ask to, an earlier entry
wakes the sleeping runner, and when the task running the heap leaves another waiting task takes over."""

from __future__ import annotations

import time
from collections.abc import Callable

import anyio
import pytest

from tiktok_webcast.simulator.ticker import Ticker

pytestmark = pytest.mark.anyio

DEADLINE = 10.0


def recorder(ticker: Ticker, name: str, log: list[str], *, times: int, every: float) -> None:
    left = [times]

    def tick() -> float | None:
        log.append(name)
        left[0] -= 1
        return time.monotonic() + every if left[0] else None

    ticker.call_later(0.0, tick)


def setter(event: anyio.Event, log: list[str] | None = None, name: str = "") -> Callable[[], None]:
    def fire() -> None:
        if log is not None:
            log.append(name)
        event.set()

    return fire


async def test_callbacks_run_in_time_order_and_come_back_when_they_ask() -> None:
    ticker, log, done = Ticker(), list[str](), anyio.Event()
    ticker.call_later(0.09, setter(done, log, "late"))
    ticker.call_later(0.03, setter(anyio.Event(), log, "early"))
    recorder(ticker, "repeat", log, times=3, every=0.02)
    with anyio.fail_after(DEADLINE):
        await ticker.serve_until(done)
    assert log == ["repeat", "repeat", "early", "repeat", "late"]
    assert len(ticker) == 0


async def test_an_earlier_entry_wakes_the_sleeping_runner() -> None:
    ticker, done = Ticker(), anyio.Event()
    ticker.call_later(3600.0, setter(anyio.Event()))  # the runner sleeps towards this one
    ran_at: list[float] = []

    def soon() -> None:
        ran_at.append(time.monotonic())
        done.set()

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(ticker.serve_until, done)
        await anyio.sleep(0.05)
        added = time.monotonic()
        ticker.call_later(0.01, soon)
        with anyio.fail_after(DEADLINE):
            await done.wait()
    assert ran_at[0] - added < DEADLINE / 2


async def test_when_the_runner_leaves_a_waiting_task_takes_over() -> None:
    ticker = Ticker()
    first, second, third = anyio.Event(), anyio.Event(), anyio.Event()
    left: list[str] = []

    async def serve(name: str, done: anyio.Event) -> None:
        await ticker.serve_until(done)
        left.append(name)

    with anyio.fail_after(DEADLINE):
        async with anyio.create_task_group() as tasks:
            for name, done in (("first", first), ("second", second), ("third", third)):
                tasks.start_soon(serve, name, done)
            await anyio.sleep(0.05)  # all three wait now; one of them runs the heap
            ticker.call_later(0.0, setter(first))
            ticker.call_later(0.05, setter(third))
            ticker.call_later(0.1, setter(second))
    assert left == ["first", "third", "second"]
