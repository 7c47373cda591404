"""Reading a whole bucket: nats-py's watcher may say "that was everything" before the first entry on a loaded
machine; a snapshot reads on until the bucket's last message, and fails rather than return a part."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast

import anyio
import nats.errors
import pytest
from fleet_helpers import NatsServer
from nats.js.kv import KV_DEL, KeyValue

from tiktok_webcast.fleet import Fleet
from tiktok_webcast.fleet import snapshot as snapshot_module
from tiktok_webcast.fleet.snapshot import snapshot

pytestmark = pytest.mark.anyio


@dataclass
class EarlyEndBucket:
    """A bucket whose watcher sends its "end of the initial values" marker first, as nats-py's does under load."""

    entries: list[KeyValue.Entry]
    last_seq: int
    stopped: list[bool] = field(default_factory=list)

    async def status(self) -> Any:
        state = SimpleNamespace(messages=len(self.entries), last_seq=self.last_seq)
        return SimpleNamespace(stream_info=SimpleNamespace(state=state))

    async def watchall(self) -> Any:
        bucket = self

        class Watcher:
            def __aiter__(self) -> AsyncIterator[KeyValue.Entry | None]:
                return self.updates()

            async def updates(self) -> AsyncIterator[KeyValue.Entry | None]:
                yield None
                for entry in bucket.entries:
                    yield entry
                await anyio.sleep_forever()

            async def stop(self) -> None:
                bucket.stopped.append(True)

        return Watcher()


def entry(key: str, revision: int, operation: str | None = None) -> KeyValue.Entry:
    return KeyValue.Entry("b", key, b"{}", revision, 0, None, operation)


async def test_an_early_end_marker_does_not_cut_the_snapshot_short() -> None:
    bucket = EarlyEndBucket([entry("alice", 1), entry("bob", 2), entry("alice", 3, KV_DEL), entry("carol", 4)], 4)
    with anyio.fail_after(5):
        result = await snapshot(cast(KeyValue, bucket))
    assert sorted(result) == ["bob", "carol"]
    assert bucket.stopped == [True]


async def test_a_snapshot_that_cannot_reach_the_last_message_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot_module, "COMPLETE_WITHIN", 0.2)
    bucket = EarlyEndBucket([entry("alice", 1)], 9)  # message 9 never comes (it expired meanwhile)
    with anyio.fail_after(5), pytest.raises(nats.errors.TimeoutError):
        await snapshot(cast(KeyValue, bucket))
    assert bucket.stopped == [True]


async def test_a_real_bucket_reads_whole(nats_server: NatsServer) -> None:
    async with Fleet(nats_server.url) as fleet:
        assert await fleet.watched() == []
        names = [f"creator{i:03d}" for i in range(300)]
        for name in names:
            await fleet.add(name)
        await fleet.remove("creator007")
        with anyio.fail_after(10):
            assert await fleet.watched() == [name for name in names if name != "creator007"]


@dataclass
class RenewedMeanwhile:
    """A real bucket whose keys are rewritten between the snapshot's status call and its watch, as a worker renewing
    its leases does: their new revisions come after the last message the status call saw."""

    bucket: KeyValue
    renewed: list[str]

    async def status(self) -> Any:
        status = await self.bucket.status()
        for key in self.renewed:
            await self.bucket.put(key, b"renewed")
        return status

    async def watchall(self) -> Any:
        return await self.bucket.watchall()


async def test_keys_rewritten_while_the_snapshot_starts_are_all_in_it(nats_server: NatsServer) -> None:
    async with Fleet(nats_server.url) as fleet:
        bucket = fleet.broker.buckets.leases
        names = [f"creator{i:02d}" for i in range(20)]
        for name in names:
            await bucket.put(name, b"{}")
        with anyio.fail_after(10):
            result = await snapshot(cast(KeyValue, RenewedMeanwhile(bucket, names[5:15])))
    assert sorted(result) == names
    assert {key for key, value in result.items() if value.value == b"renewed"} == set(names[5:15])
