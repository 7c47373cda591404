"""Outgoing webhooks: each wanted message POSTed as our JSON, signed with HMAC-SHA256, retried with backoff.

Headers of every request::

    Content-Type: application/json
    X-Webcast-Timestamp: 1733390000                  (Unix seconds when signed)
    X-Webcast-Signature: sha256=<hex>                 HMAC-SHA256(secret, timestamp + "." + body)
    X-Webcast-Delivery: <32 hex digits>               the same on every retry of one message

A receiver recomputes the signature over the raw body and rejects stale timestamps. Each webhook has its own bounded
queue: while an endpoint is slow or down its oldest messages are dropped (and counted), nothing else waits.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
import uuid
from urllib.parse import urlsplit

import anyio
import httpx

from tiktok_webcast.serve.config import Webhook
from tiktok_webcast.serve.hub import Filter, Hub

__all__ = ["RETRY_STATUSES", "WebhookStats", "deliver_webhook", "sign"]

logger = logging.getLogger("tiktok_webcast.serve.webhooks")

RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
BACKOFF_MAX = 30.0


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Webcast-Signature`` value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class WebhookStats:
    """What one webhook did: messages delivered, given up on, retried, and dropped while the endpoint lagged."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.endpoint = f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}{parts.path}"  # no credentials or query
        self.delivered = 0
        self.failed = 0
        self.retries = 0
        self.dropped = 0

    def as_json(self) -> dict[str, object]:
        return {
            "endpoint": self.endpoint,
            "delivered": self.delivered,
            "failed": self.failed,
            "retries": self.retries,
            "dropped": self.dropped,
        }


async def deliver_webhook(hub: Hub, webhook: Webhook, stats: WebhookStats) -> None:
    """Runs until cancelled."""
    wants = Filter.parse(webhook.creators, webhook.types)
    timeout = httpx.Timeout(webhook.timeout)
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
        with hub.subscribe(wants, webhook.queue, f"webhook {stats.endpoint}") as subscriber:
            while True:
                for message in await subscriber.take():
                    stats.dropped = subscriber.dropped
                    body = message.json_text().encode()
                    if await _post(client, webhook, body, stats):
                        stats.delivered += 1
                    else:
                        stats.failed += 1


async def _post(client: httpx.AsyncClient, webhook: Webhook, body: bytes, stats: WebhookStats) -> bool:
    delivery = uuid.uuid4().hex
    for attempt in range(1, webhook.attempts + 1):
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "X-Webcast-Timestamp": str(timestamp),
            "X-Webcast-Signature": sign(webhook.secret, timestamp, body),
            "X-Webcast-Delivery": delivery,
        }
        try:
            response = await client.post(webhook.url, content=body, headers=headers)
        except httpx.HTTPError as error:
            problem = f"{type(error).__name__}"
        else:
            if response.is_success:
                return True
            if response.status_code not in RETRY_STATUSES:
                logger.warning("webhook %s answered %d: not retried", stats.endpoint, response.status_code)
                return False
            problem = f"HTTP {response.status_code}"
        if attempt == webhook.attempts:
            logger.warning("webhook %s failed %d times (last: %s); message dropped", stats.endpoint, attempt, problem)
            return False
        stats.retries += 1
        await anyio.sleep(min(BACKOFF_MAX, webhook.backoff * 2 ** (attempt - 1)))
    return False
