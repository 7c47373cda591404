"""A transient end of stream while negotiating the websocket's proxy is retried as a typed failure (issue 9 item
7), through a loopback proxy (tests/client/proxies.py) that drops its first connections."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from anyio.abc import SocketStream
from proxies import LoopbackProxy, running
from test_reconnect import chat, collect_until, injected_ids, scenario, wait_session

from tiktok_webcast import FailureKind, LiveState
from tiktok_webcast.simulator import Simulator

pytestmark = pytest.mark.anyio


@dataclass
class FlakyProxy(LoopbackProxy):
    """Drops the first ``drops`` connections as soon as the CONNECT request arrives (an EOF mid-negotiation)."""

    drops: int = 2

    async def handle(self, client: SocketStream) -> None:
        self.behaviour = "drop" if self.connections < self.drops else "ok"
        await super().handle(client)


async def test_an_eof_while_negotiating_the_proxy_is_retried(client_for: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = FlakyProxy("http")
    async with Simulator(scenario()) as sim, running(proxy) as url:
        monkeypatch.setenv("ALL_PROXY", url)  # the websocket's proxy only
        async with client_for(sim, connect_mode="signer_free") as client, client.track_user("alice") as live:
            await wait_session(sim, 1)
            sim.inject("alice", chat(1000))
            await collect_until(live, lambda got: 1000 in injected_ids(got))
            assert live.stats.failures[FailureKind.PROXY] == 2 and live.stats.reconnects == 2
            assert proxy.connections == 3 and len(proxy.targets) == 1
            assert live.state is LiveState.CONNECTED
