"""A local event server for TikTok LIVE creators: TikFinity's websocket format on port 21213, our own JSON stream
over websocket and Server-Sent Events, signed webhooks, a JSON-lines log, and overlay pages for OBS.

Install with the ``serve`` extra (``pip install tiktok-webcast[serve]``); run ``tiktok-webcast serve USER``, or::

    from tiktok_webcast.serve import EventServer

    async with EventServer(["someone"]) as server:
        await server.serve_forever()

With ``ServeConfig(fleet=FleetSource("nats://HOST:4222"))`` the events come from a fleet of workers
(``tiktok_webcast.fleet``) instead of a local client. See ``docs/serve.md``.
"""

from tiktok_webcast.serve.config import DEFAULT_PORT, FleetSource, ServeConfig, ServeConfigError, Webhook
from tiktok_webcast.serve.creators import Polling
from tiktok_webcast.serve.hub import Filter
from tiktok_webcast.serve.message import Message
from tiktok_webcast.serve.ourjson import EventJsonError, event_from_json, event_to_json
from tiktok_webcast.serve.rehearsal import RehearsalError
from tiktok_webcast.serve.server import EventServer
from tiktok_webcast.serve.testevents import TestEventError
from tiktok_webcast.serve.webhooks import sign

__all__ = [
    "DEFAULT_PORT",
    "EventJsonError",
    "EventServer",
    "Filter",
    "FleetSource",
    "Message",
    "Polling",
    "RehearsalError",
    "ServeConfig",
    "ServeConfigError",
    "TestEventError",
    "Webhook",
    "event_from_json",
    "event_to_json",
    "sign",
]
