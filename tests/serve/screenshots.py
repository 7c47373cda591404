"""Takes the screenshots of the overlays in docs/img/overlays/ (run: python -m tests.serve.screenshots [DIR]).

A server follows the simulator's demo creator plus a scripted burst of gifts, follows, likes and chat, and a
headless Chromium shows each overlay on a dark page so the transparent parts read in the docs."""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
from tests.client.conftest import FAST, base_urls
from tests.serve.browser import chromium, run, until
from tests.serve.helpers import wait_following
from tests.simulator.sim_helpers import scenario

from tiktok_webcast import ChatEvent, GiftEvent, Image, LikeEvent, TikTok, User, UserEvent, UserEventType, ViewersEvent
from tiktok_webcast.serve import EventServer, ServeConfig
from tiktok_webcast.simulator import Simulator

PAGE = "&page=1e1b2e"
SHOTS = {
    "alerts": ("alerts.html?sound=0&duration=60" + PAGE, 700, 220),
    "chat": ("chat.html?max=6" + PAGE, 560, 420),
    "goal": ("goal.html?goal=likes&target=5000&label=Road%20to%205k%20likes" + PAGE, 620, 110),
    "gifters": ("gifters.html?count=5" + PAGE, 420, 300),
    "likes": ("likes.html?" + PAGE, 320, 90),
    "viewers": ("viewers.html?" + PAGE, 320, 90),
}
GIFT_PICTURE = Image(urls=("/overlays/gift.svg",))
FANS = [User(id=100 + i, username=f"fan{i}", nickname=name) for i, name in enumerate(("Mia", "Leo", "Ava", "Kai"))]


def chat(first_id: int) -> list[ChatEvent]:
    lines = ("hi from Lisbon!", "that gift!!", "what game is this?", "love the music", "GG", "first time here")
    return [ChatEvent(user=FANS[i % 4], comment=text, msg_id=first_id + i) for i, text in enumerate(lines)]


def burst() -> list[object]:
    events: list[object] = []
    for i, (fan, diamonds) in enumerate(zip(FANS, (500, 120, 45, 10), strict=True)):
        events.append(
            GiftEvent(
                id=5655 + i,
                name=("Galaxy", "Hat", "Perfume", "Rose")[i],
                cost=diamonds,
                repeat_count=1,
                repeat_end=True,
                type=1,
                user=fan,
                group_id=i + 1,
                image=GIFT_PICTURE,
                msg_id=5000 + i,
            )
        )
    events += chat(6000)
    events.append(LikeEvent(likes=30, total_likes=3210, user=FANS[1], msg_id=7000))
    events.append(UserEvent(event=UserEventType.FOLLOW, user=FANS[2], msg_id=7001))
    events.append(ViewersEvent(viewers=1287, msg_id=7002))
    return events


async def main(directory: Path) -> None:
    async with (
        Simulator(scenario()) as sim,
        TikTok(base_urls=base_urls(sim), **FAST) as client,
        EventServer(["alice"], config=ServeConfig(port=0), client=client) as server,
    ):
        await wait_following(server, sim)
        sim.inject("alice", *burst())
        with anyio.fail_after(10):
            while server.feeds["alice"].stats.diamonds < 675:
                await anyio.sleep(0.05)
        for name, (path, width, height) in SHOTS.items():
            with chromium(width, height) as driver:
                await run(lambda path=path: driver.get(server.http_url + "/overlays/" + path))
                await until(driver, "return document.body.dataset.connection === 'connected'")
                if name == "alerts":
                    await run(lambda: driver.execute_script("Overlay.sendTest('gift', {count: 5, diamonds: 1})"))
                    await until(driver, "return document.body.dataset.shown === '1'")
                if name == "chat":
                    sim.inject("alice", *chat(8000))
                    await until(driver, "return document.querySelectorAll('.line').length >= 6")
                await anyio.sleep(0.8)  # let the entrance animations finish before the picture
                await run(lambda name=name: driver.save_screenshot(str(directory / f"{name}.png")))
                print(directory / f"{name}.png")


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/img/overlays")
    target.mkdir(parents=True, exist_ok=True)
    anyio.run(main, target, backend="trio")
