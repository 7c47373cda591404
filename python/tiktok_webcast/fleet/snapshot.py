"""A whole bucket in one subscription: what reading it key by key costs one request per key (1.9 s for 5,000 keys)."""

from __future__ import annotations

from nats.js.kv import KV_DEL, KV_PURGE, KeyValue


async def snapshot(bucket: KeyValue) -> dict[str, KeyValue.Entry]:
    """Every live key and its latest entry (value and revision). Entries a bucket's TTL expired are gone from the
    stream, so they are not here."""
    watcher = await bucket.watchall()
    entries: dict[str, KeyValue.Entry] = {}
    try:
        async for entry in watcher:
            if entry is None:  # the end of what was stored when the watch began
                break
            if entry.operation in (KV_DEL, KV_PURGE):
                entries.pop(entry.key, None)
            else:
                entries[entry.key] = entry
    finally:
        await watcher.stop()  # type: ignore[no-untyped-call]  # untyped in nats-py
    return entries
