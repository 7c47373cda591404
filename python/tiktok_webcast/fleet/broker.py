"""The connection to NATS JetStream and the buckets and stream the fleet needs, created on first use.

Whoever connects binds to the buckets and stream that exist: only the first to connect creates them, with its lease
TTL, and everyone after adopts the TTL the lease bucket has (a consumer never needs to know it, and a worker started
with another ``--lease-ttl`` renews on the fleet's beat rather than failing on a bucket configured otherwise).

nats-py runs on asyncio only, so everything in :mod:`tiktok_webcast.fleet` does too (our client runs there through
anyio's asyncio backend).
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import anyio
import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import StreamConfig
from nats.js.kv import KeyValue

from tiktok_webcast._redact import redact
from tiktok_webcast.fleet._names import FleetNames
from tiktok_webcast.fleet.errors import FleetError

log = logging.getLogger("tiktok_webcast.fleet")

DUPLICATE_WINDOW = 300.0
"""Seconds the stream remembers ``Nats-Msg-Id``s: longer than any handover, so replays after one are dropped."""
CLOSE_TIMEOUT = 5.0
"""Seconds closing the connection may take at most (writing out what is buffered, ending a reconnection)."""
FLUSH_TIMEOUT = 5
"""Seconds a round trip to the server may take."""
_CLOSE_ERRORS = (nats.errors.Error, nats.js.errors.Error, OSError)
STATUS_TTL = 60.0
"""Worker status entries vanish this long after a worker stops renewing them."""


@dataclass(frozen=True, slots=True)
class Buckets:
    watch: KeyValue
    leases: KeyValue
    workers: KeyValue


class Broker:
    """``async with Broker(url) as broker``: a connected client, JetStream, the fleet's buckets and stream."""

    def __init__(
        self, url: str, *, names: FleetNames | None = None, lease_ttl: float = 15.0, connect_timeout: float = 5.0
    ) -> None:
        self.url = url
        self.connect_timeout = connect_timeout
        self.names = names or FleetNames()
        self.lease_ttl = lease_ttl
        self._nc: NatsClient | None = None
        self._js: JetStreamContext | None = None
        self._buckets: Buckets | None = None
        self._closing = False

    def __repr__(self) -> str:
        return f"Broker({redact(self.url)!r})"

    async def __aenter__(self) -> Broker:
        try:
            # nats-py retries a first connection forever when reconnects are unlimited (what a long-running worker
            # wants once connected), so the first connection gets an overall deadline of its own.
            with anyio.fail_after(self.connect_timeout):
                self._nc = await nats.connect(
                    self.url,
                    name="tiktok-webcast",
                    connect_timeout=2,
                    allow_reconnect=True,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=1,
                    error_cb=self._log_error,
                    disconnected_cb=self._log_disconnected,
                    reconnected_cb=_log_reconnected,
                )
        except TimeoutError as error:
            raise FleetError(f"cannot reach NATS at {redact(self.url)} within {self.connect_timeout:g} s") from error
        except (OSError, nats.errors.Error) as error:
            raise FleetError(f"cannot reach NATS at {redact(self.url)}: {error or type(error).__name__}") from error
        self._js = self._nc.jetstream()
        try:
            self._buckets = Buckets(
                watch=await self._bucket(self.names.watch_bucket, history=1),
                leases=await self._bucket(self.names.lease_bucket, ttl=self.lease_ttl),
                workers=await self._bucket(self.names.worker_bucket, ttl=STATUS_TTL),
            )
            await self._adopt_lease_ttl(self._buckets.leases)
            await self._ensure_stream()
        except (nats.errors.Error, nats.js.errors.Error) as error:
            await self._nc.close()
            raise FleetError(f"NATS at {redact(self.url)} has no usable JetStream: {error}") from error
        except FleetError:
            await self._nc.close()
            raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._nc is None:
            return
        self._closing = True
        # Shielded: a worker stopped with Ctrl-C closes from a cancelled scope, where every await would be cancelled
        # half-way (a cancelled flush leaves nats-py a pong it cannot deliver, and its reader dies with a traceback).
        # Not nats-py's drain(): it gathers a flush per subscription and, when a reconnect cancels those flushes (a
        # broker that restarted), leaves that gather's exception unretrieved, another traceback. By now every publish
        # has its ack (workers flush their outboxes) and the subscriptions are closed; close() writes out whatever is
        # still buffered; a broker gone meanwhile has nothing more to hear.
        with (
            anyio.CancelScope(shield=True),
            anyio.move_on_after(CLOSE_TIMEOUT),
            contextlib.suppress(*_CLOSE_ERRORS),
        ):
            await self._nc.close()

    async def _bucket(self, name: str, **config: Any) -> KeyValue:
        """The bucket ``name`` as it exists, else created with ``config``."""
        assert self._js is not None
        try:
            return await self._js.key_value(name)
        except nats.js.errors.BucketNotFoundError:
            pass
        try:
            return await self._js.create_key_value(bucket=name, **config)
        except nats.js.errors.BadRequestError:  # another client created it meanwhile, maybe configured otherwise
            return await self._js.key_value(name)

    async def _adopt_lease_ttl(self, leases: KeyValue) -> None:
        ttl = (await leases.status()).ttl
        if not ttl:
            raise FleetError(f"the lease bucket {self.names.lease_bucket!r} has no TTL: leases would never expire")
        if ttl != self.lease_ttl:
            log.info("the fleet's leases expire after %g s (not %g s): using its TTL", ttl, self.lease_ttl)
            self.lease_ttl = ttl

    async def _ensure_stream(self) -> None:
        assert self._js is not None
        config = StreamConfig(
            name=self.names.stream,
            subjects=[self.names.all_events],
            duplicate_window=DUPLICATE_WINDOW,
        )
        try:
            await self._js.stream_info(self.names.stream)
        except nats.js.errors.NotFoundError:
            await self._js.add_stream(config)

    async def flush(self) -> None:
        """A round trip to the server: it has handled what we sent, and we have received what it sent before."""
        if self._nc is None:
            raise FleetError("the broker is not connected: use `async with Broker(...)`")
        await self._nc.flush(timeout=FLUSH_TIMEOUT)

    @property
    def js(self) -> JetStreamContext:
        if self._js is None:
            raise FleetError("the broker is not connected: use `async with Broker(...)`")
        return self._js

    @property
    def buckets(self) -> Buckets:
        if self._buckets is None:
            raise FleetError("the broker is not connected: use `async with Broker(...)`")
        return self._buckets

    async def _log_error(self, error: Exception) -> None:
        # Before the first connection, failures end in one FleetError; afterwards each is worth a warning.
        level = logging.WARNING if self._nc is not None else logging.DEBUG
        log.log(level, "NATS: %s", redact(str(error)) or type(error).__name__)

    async def _log_disconnected(self) -> None:
        if not self._closing:
            log.warning("NATS: disconnected from %s; reconnecting", redact(self.url))

    @property
    def connected(self) -> bool:
        return self._nc is not None and self._nc.is_connected


async def _log_reconnected() -> None:
    log.info("NATS: reconnected")
