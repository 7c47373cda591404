"""A whole bucket in one subscription: what reading it key by key costs one request per key (1.9 s for 5,000 keys).

nats-py's watcher says "that was everything" (a ``None``) when the consumer reports nothing pending and its callback
has handled nothing yet; on a loaded machine the callback can lag behind the deliveries, and that marker comes first,
before any entry. A worker that took such an empty or partial watch list for the truth let go of every creator it
held (seen at 5,000 creators). So a snapshot reads until it has seen the bucket's last message, as the bucket's
stream reported it before the watch began, and then on until nothing is pending: keys written in between (a worker's
renewals) come after that message, and stopping at it dropped them (a quarter to a half of one worker's leases
missing from a 5,000-creator lease table).
"""

from __future__ import annotations

import anyio
import nats.errors
from nats.js.kv import KV_DEL, KV_PURGE, KeyValue

COMPLETE_WITHIN = 10.0
"""Seconds a snapshot may take to reach the bucket's last message; beyond, it fails rather than return a part."""


async def snapshot(bucket: KeyValue) -> dict[str, KeyValue.Entry]:
    """Every live key and its latest entry (value and revision). Entries a bucket's TTL expired are gone from the
    stream, so they are not here. Raises ``nats.errors.TimeoutError`` when the bucket cannot be read whole in time."""
    state = (await bucket.status()).stream_info.state
    if not state.messages:
        return {}
    last = state.last_seq
    watcher = await bucket.watchall()
    entries: dict[str, KeyValue.Entry] = {}
    try:
        with anyio.move_on_after(COMPLETE_WITHIN) as deadline:
            async for entry in watcher:
                if entry is None:  # "the end": true only once the last message came (see above)
                    continue
                if entry.operation in (KV_DEL, KV_PURGE):
                    entries.pop(entry.key, None)
                else:
                    entries[entry.key] = entry
                # Past the last message and nothing pending behind this one: keys rewritten after the status call (a
                # worker renewing its leases) come after the last message, and they all count.
                if (entry.revision or 0) >= last and not entry.delta:
                    break
        if deadline.cancelled_caught:
            # The last message may also have expired (TTL) between the two calls: the caller tries again later.
            raise nats.errors.TimeoutError
    finally:
        await watcher.stop()  # type: ignore[no-untyped-call]  # untyped in nats-py
    return entries
