"""Whoever joins a fleet binds to the buckets and stream it has: a consumer or a worker started with another lease TTL
than the one the fleet was created with works on the fleet's TTL instead of failing."""

from __future__ import annotations

import json

import pytest
from fleet_helpers import NatsServer

from tiktok_webcast.cli import main
from tiktok_webcast.fleet import Fleet

pytestmark = pytest.mark.anyio


async def test_a_consumer_with_the_default_ttl_joins_a_fleet_created_with_another(nats_server: NatsServer) -> None:
    async with Fleet(nats_server.url, lease_ttl=40) as creator:
        await creator.add("alice")
    async with Fleet(nats_server.url) as consumer:  # the default TTL, 15 s
        assert consumer.broker.lease_ttl == 40
        assert (await consumer.status()).unclaimed == ["alice"]
        assert await consumer.add("bob") == "bob"
    async with Fleet(nats_server.url, lease_ttl=5) as worker_side:
        assert worker_side.broker.lease_ttl == 40
        assert await worker_side.watched() == ["alice", "bob"]


def test_the_cli_reads_a_fleet_created_with_another_ttl(
    nats_server: NatsServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["fleet", "--nats", nats_server.url, "--lease-ttl", "45", "add", "alice"]) == 0
    capsys.readouterr()
    assert main(["fleet", "--nats", nats_server.url, "status", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["unclaimed"] == ["alice"]
    assert err == ""
