"""A whole bucket in one subscription: what reading it key by key costs one request per key (1.9 s for 5,000 keys).

A snapshot does not trust what the server says is pending. nats-py's watcher says "that was everything" (a ``None``)
from the ``num_pending`` of the deliveries, and that number is wrong at times: on a loaded machine the marker came
before any entry (a worker then let go of every creator it held, seen at 5,000 creators), and nats-server 2.9.10
reports one message pending for ever to a watch whose key was rewritten between the watch's creation and its first
delivery (the rewritten message is skipped but still counted: seen on the workers bucket, rewritten every 0.1 s, in
one snapshot of a few hundred; nats-io/nats-server#4824 and nats-io/nats.py#995 report the same kind of wrong count).

So a snapshot first asks the bucket's stream which keys it holds and its last message, then reads the watch until it
has seen every one of those keys and the last message (or newer ones that replaced them: a key rewritten meanwhile
comes again, after them). A key that vanishes meanwhile (its TTL expired) never comes: a watch that delivers nothing
for ``STALLED_AFTER`` seconds is given up and a fresh one started, within ``COMPLETE_WITHIN`` in all.
"""

from __future__ import annotations

import logging

import anyio
import nats.errors
from nats.js import JetStreamContext
from nats.js.kv import KV_DEL, KV_PURGE, KeyValue

log = logging.getLogger("tiktok_webcast.fleet")

COMPLETE_WITHIN = 10.0
"""Seconds a snapshot may take in all (its attempts together); beyond, it fails rather than return a part."""
STALLED_AFTER = 3.0
"""Seconds without a delivery after which a watch is given up for a fresh one."""
WATCH_INACTIVE = 5.0
"""Seconds the server keeps a snapshot's consumer once the watch stopped (nats-py's default, 5 minutes, left a
consumer per status read on the stream: hundreds in a test that polls the status)."""


async def snapshot(js: JetStreamContext, name: str, bucket: KeyValue) -> dict[str, KeyValue.Entry]:
    """Every live key of the bucket ``name`` and its latest entry (value and revision). Entries a bucket's TTL
    expired are gone from the stream, so they are not here. Raises ``nats.errors.TimeoutError`` when the bucket
    cannot be read whole in time."""
    with anyio.move_on_after(COMPLETE_WITHIN):
        while True:
            entries = await _read_whole(js, name, bucket)
            if entries is not None:
                return entries
            log.debug("reading the bucket %r: the watch stalled; starting a fresh one", name)
    raise nats.errors.TimeoutError


async def _read_whole(js: JetStreamContext, name: str, bucket: KeyValue) -> dict[str, KeyValue.Entry] | None:
    """The bucket's entries, or None when the watch stalled."""
    prefix = f"$KV.{name}."  # a key-value bucket's stream and subjects, as JetStream lays them out (ADR-8)
    state = (await js.stream_info(f"KV_{name}", subjects_filter=f"{prefix}>")).state
    if not state.messages:
        return {}
    missing = {subject[len(prefix) :] for subject in state.subjects or {}}
    last, reached_last = state.last_seq, False
    # Shielded: cancelled half-way, nats-py leaves the watch's subscription and heartbeat task behind.
    with anyio.CancelScope(shield=True):
        watcher = await bucket.watchall(inactive_threshold=WATCH_INACTIVE)
    entries: dict[str, KeyValue.Entry] = {}
    try:
        while missing or not reached_last:
            try:
                entry = await watcher.updates(timeout=STALLED_AFTER)  # type: ignore[no-untyped-call]
            except nats.errors.TimeoutError:
                return None
            if not isinstance(entry, KeyValue.Entry):  # nats-py's "that was everything" marker: see above
                continue
            missing.discard(entry.key)
            reached_last = reached_last or (entry.revision or 0) >= last
            if entry.operation in (KV_DEL, KV_PURGE):
                entries.pop(entry.key, None)
            else:
                entries[entry.key] = entry
    finally:
        with anyio.CancelScope(shield=True):
            await watcher.stop()  # type: ignore[no-untyped-call]  # untyped in nats-py
    return entries
