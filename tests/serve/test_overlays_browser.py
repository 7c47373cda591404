"""The overlay pages in a real browser (headless Chromium), driven by the simulator through the server: what each
page shows is read back from its DOM."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from tests.serve.browser import chromium, needs_browser, run, until
from tests.serve.helpers import wait_following
from tests.simulator.sim_helpers import scenario

from tiktok_webcast import ChatEvent, GiftEvent, Image, LikeEvent, User, UserEvent, UserEventType, ViewersEvent
from tiktok_webcast.serve import EventServer
from tiktok_webcast.simulator import Simulator

pytestmark = [pytest.mark.anyio, needs_browser]

FAN = User(id=42, username="fan42", nickname="Big Fan")
OTHER = User(id=43, username="other43", nickname="Other One")
GALAXY = Image(urls=("/overlays/gift.svg",))


@pytest.fixture
def anyio_backend() -> str:
    return "trio"  # the reference backend; the server itself is tested on both in the other files


def gift(msg_id: int, name: str, cost: int, count: int, end: bool, user: User = FAN, group: int = 1) -> GiftEvent:
    return GiftEvent(
        id=msg_id % 1000 + 1,
        name=name,
        cost=cost,
        repeat_count=count,
        repeat_end=end,
        type=1,
        user=user,
        group_id=group,
        image=GALAXY,
        msg_id=msg_id,
    )


@asynccontextmanager
async def page(server: EventServer, path: str) -> AsyncIterator[Any]:
    with chromium() as driver:
        await run(lambda: driver.get(server.http_url + "/overlays/" + path))
        await until(driver, "return document.body.dataset.connection === 'connected'")
        yield driver


async def text_of(driver: Any, selector: str) -> str:
    return str(await run(lambda: driver.execute_script(f"return document.querySelector('{selector}').textContent")))


async def test_alert_box_shows_one_alert_per_finished_streak_above_the_minimum(serve: Any) -> None:
    async with Simulator(scenario()) as sim, serve(sim, "alice") as server:
        async with page(server, "alerts.html?min_diamonds=5&duration=0.3&sound=0") as driver:
            await wait_following(server, sim)
            sim.inject(
                "alice",
                gift(1001, "Rose", 1, 1, False, group=1),
                gift(1002, "Rose", 1, 3, True, group=1),  # 3 diamonds: below the minimum
                gift(1003, "Galaxy", 1000, 1, False, group=2),
                gift(1004, "Galaxy", 1000, 2, True, group=2),
                UserEvent(event=UserEventType.FOLLOW, user=OTHER, msg_id=1005),
            )
            shown = await until(driver, "return window.shownAlerts.length >= 2 && window.shownAlerts")
            # The first alert, as displayed: sender, gift name, count and the gift's picture.
            image = await run(lambda: driver.execute_script("return document.querySelector('.gift-image').src"))
            await until(driver, "return document.body.dataset.shown === '2' && document.body.dataset.queued === '0'")
    assert shown == ["Big Fan sent Galaxy \u00d72", "Other One followed!"]
    assert image.endswith("/overlays/gift.svg")


async def test_alert_box_renders_the_gift_and_sender(serve: Any) -> None:
    async with Simulator(scenario()) as sim, serve(sim, "alice") as server:
        async with page(server, "alerts.html?duration=30&sound=0") as driver:
            await wait_following(server, sim)
            sim.inject("alice", gift(1001, "Lion", 29999, 1, True))
            await until(driver, "return document.body.dataset.shown === '1'")
            # The alert pops in from opacity 0: visible once its entrance animation has run.
            await until(driver, "return document.getAnimations().every(a => a.playState === 'finished')")
            sender = await text_of(driver, "#alert .sender")
            action = await text_of(driver, "#alert .action")
            count = await text_of(driver, "#alert .count")
            visible = await run(lambda: driver.find_element("id", "alert").is_displayed())
    assert (sender, action, count, visible) == ("Big Fan", "sent Lion", " \u00d71", True)


async def test_goal_bar_width_follows_the_likes(serve: Any) -> None:
    async with Simulator(scenario()) as sim, serve(sim, "alice") as server:
        async with page(server, "goal.html?goal=likes&target=200&label=Road%20to%20200") as driver:
            await wait_following(server, sim)
            sim.inject("alice", LikeEvent(likes=50, total_likes=50, user=FAN, msg_id=1001))
            await until(driver, "return document.body.dataset.value === '50'")
            ratio = await until(
                driver,
                "const fill = document.querySelector('.fill').getBoundingClientRect().width;"
                "const bar = document.querySelector('.bar').getBoundingClientRect().width;"
                "return Math.abs(fill / bar - 0.25) < 0.01 && fill / bar",
            )
            label = await text_of(driver, ".label")
            progress = await text_of(driver, ".progress")
            sim.inject("alice", LikeEvent(likes=500, total_likes=550, user=FAN, msg_id=1002))
            full = await until(driver, "return document.querySelector('.fill').style.width === '100%'")
    assert 0.24 < ratio < 0.26 and full
    assert (label, progress) == ("Road to 200", "50 / 200")


async def test_chat_lines_in_order_and_bounded(serve: Any) -> None:
    async with Simulator(scenario()) as sim, serve(sim, "alice") as server:
        async with page(server, "chat.html?max=3") as driver:
            await wait_following(server, sim)
            comments = [f"message number {i}" for i in range(5)]
            sim.inject(
                "alice",
                *(ChatEvent(user=FAN, comment=text, msg_id=1001 + i) for i, text in enumerate(comments)),
            )
            lines = await until(
                driver,
                "const lines = [...document.querySelectorAll('.line')].map((l) => l.textContent);"
                "return lines.at(-1) === arguments[0] && lines",
                "Big Fanmessage number 4",
            )
    assert lines == [f"Big Fanmessage number {i}" for i in (2, 3, 4)]


async def test_top_gifters_likes_and_viewers(serve: Any) -> None:
    async with Simulator(scenario()) as sim, serve(sim, "alice") as server:
        with chromium() as driver:
            await wait_following(server, sim)
            sim.inject(
                "alice",
                gift(1001, "Rose", 1, 5, True, user=OTHER, group=1),
                gift(1002, "Lion", 100, 1, True, user=FAN, group=2),
                LikeEvent(likes=1234, total_likes=1234, user=FAN, msg_id=1003),
                ViewersEvent(viewers=321, msg_id=1004),
            )
            await until_stats(server, diamonds=105)
            results = {}
            for name, script in (
                ("gifters.html", "return [...document.querySelectorAll('.gifter')].map((g) => g.textContent)"),
                ("likes.html", "return document.querySelector('.value').textContent"),
                ("viewers.html", "return document.querySelector('.value').textContent"),
            ):
                await run(lambda name=name: driver.get(server.http_url + "/overlays/" + name))
                results[name] = await until(driver, f"const v = (() => {{ {script} }})(); return v && v.length && v")
    assert results["gifters.html"] == ["Big Fan100", "Other One5"]
    assert results["likes.html"] == "1,234"
    # The simulator's own room statistics may arrive too: the page shows the latest viewer count.
    assert results["viewers.html"].replace(",", "").isdigit()


async def test_counter_page_counts_what_its_name_or_parameter_picks(serve: Any) -> None:
    """likes.html and viewers.html are one page (counter.html) served under two names: each shows its own total and
    its own test button, and ?counter= picks one on counter.html."""

    async def counter(driver: Any, path: str, kind: str) -> list[str]:
        await run(lambda: driver.get(server.http_url + "/overlays/" + path))
        await until(driver, "return document.body.dataset.connection === 'connected'")
        await run(lambda: driver.find_element("css selector", f"#controls button[data-kind='{kind}']").click())
        return list(
            await until(
                driver,
                "const v = document.querySelector('.value').textContent;"
                "return v !== '0' && [v, document.querySelector('.label').textContent, document.title]",
            )
        )

    async with serve(None, "alice") as server:
        with chromium() as driver:
            likes = await counter(driver, "likes.html?controls=1", "like")
            viewers = await counter(driver, "viewers.html?controls=1", "viewers")
            named = await counter(driver, "counter.html?counter=viewers&label=Watching&controls=1", "viewers")
    assert likes == ["15", "Likes", "Likes \u00b7 tiktok-webcast"]
    assert viewers == ["120", "Viewers", "Viewers \u00b7 tiktok-webcast"]
    assert named == ["120", "Watching", "Viewers \u00b7 tiktok-webcast"]


async def until_stats(server: EventServer, **expected: int) -> None:
    import anyio

    with anyio.fail_after(10):
        while any(getattr(server.feeds["alice"].stats, key) != value for key, value in expected.items()):
            await anyio.sleep(0.02)


async def test_send_test_event_control(serve: Any) -> None:
    async with serve(None, "alice") as server:
        async with page(server, "alerts.html?controls=1&sound=0&duration=30") as driver:
            await run(lambda: driver.find_element("css selector", "#controls button[data-kind='gift']").click())
            shown = await until(driver, "return window.shownAlerts.length && window.shownAlerts")
    assert shown == ["Test Viewer sent Rose \u00d75"]


async def test_rehearsal_plays_the_simulator_demo_into_the_overlays(serve: Any) -> None:
    async with serve(None) as server:
        async with page(server, "chat.html?max=5") as driver:
            async with httpx.AsyncClient(base_url=server.http_url) as http:
                started = await http.post("/api/rehearse", json={"source": "demo", "seconds": 30})
                assert started.json() == {"rehearsal": {"source": "demo", "seconds": 30}}
                again = await http.post("/api/rehearse", json={"source": "demo"})
                assert again.status_code == 409 and "already running" in again.json()["error"]
                lines = await until(driver, "return document.querySelectorAll('.line').length >= 3", timeout=30)
                assert (await http.post("/api/rehearse/stop")).json() == {"stopped": True}
                no_trace = await http.post("/api/rehearse", content=json.dumps({"source": "trace"}))
    assert lines
    assert no_trace.status_code == 409 and "no trace" in no_trace.json()["error"]


async def test_dashboard_lists_the_overlays_and_sends_test_events(serve: Any) -> None:
    async with serve(None, "alice") as server:
        with chromium(1000, 800) as driver:
            await run(lambda: driver.get(server.http_url + "/"))
            links = await until(
                driver,
                "const a = [...document.querySelectorAll('#overlays a')].map((l) => l.href); return a.length && a",
            )
            await run(lambda: driver.find_element("xpath", "//button[text()='test follow']").click())
            status = await until(
                driver,
                "const s = document.getElementById('status').textContent;"
                "return s.includes('\"published\"') && JSON.parse(s).published > 0 && JSON.parse(s)",
            )
    assert [link.split("/overlays/")[1].split(".")[0] for link in links] == [
        "alerts",
        "chat",
        "goal",
        "gifters",
        "likes",
        "viewers",
    ]
    assert all(link.startswith(server.http_url) and "controls=1" in link for link in links)
    assert "alice" in status["creators"]
