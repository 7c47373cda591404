"""Listeners: one TCP port per simulated host, optionally TLS with a throwaway certificate from ``trustme``."""

from __future__ import annotations

import contextlib
import logging
import ssl
from dataclasses import dataclass
from pathlib import Path

import anyio
import anyio.abc
from anyio.streams.tls import TLSListener

from tiktok_webcast.simulator.http import Handler, serve_http
from tiktok_webcast.simulator.scenario import SimulatorError

__all__ = ["HOST_NAMES", "Listener", "TlsMaterial", "make_tls", "open_listener"]

logger = logging.getLogger("tiktok_webcast.simulator.server")

HOST_NAMES = (
    "localhost",
    "127.0.0.1",
    "www.tiktok.com",
    "webcast.tiktok.com",
    "webcast.us.tiktok.com",
    "webcast-ws.tiktok.com",
    "webcast-ws.us.tiktok.com",
    "webcast-ws.eu.tiktok.com",
    "api.eulerstream.com",
    "*.tiktokcdn.com",
)


@dataclass(frozen=True, slots=True)
class TlsMaterial:
    server_context: ssl.SSLContext
    ca_pem: bytes
    ca_path: Path

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts the simulator's throwaway CA (and nothing else)."""
        context = ssl.create_default_context(cadata=self.ca_pem.decode("ascii"))
        return context


def make_tls(directory: Path) -> TlsMaterial:
    try:
        import trustme
    except ImportError:
        raise SimulatorError(
            "--tls needs the 'trustme' package: pip install 'tiktok-webcast[simulator]' (or pip install trustme)"
        ) from None
    ca = trustme.CA(organization_name="tiktok-webcast simulator")
    cert = ca.issue_cert(*HOST_NAMES)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    context.set_alpn_protocols(["http/1.1"])
    path = directory / "simulator-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return TlsMaterial(context, ca.cert_pem.bytes(), path)


@dataclass
class Listener:
    name: str
    listener: anyio.abc.Listener[anyio.abc.ByteStream]
    port: int
    scheme: str

    def base_url(self, host: str, websocket: bool = False) -> str:
        scheme = ("wss" if websocket else "https") if self.scheme == "https" else ("ws" if websocket else "http")
        return f"{scheme}://{host}:{self.port}"

    async def serve(self, handler: Handler) -> None:
        scheme = self.scheme

        async def on_connection(stream: anyio.abc.ByteStream) -> None:
            client = ""
            try:
                address = stream.extra(anyio.abc.SocketAttribute.remote_address, "")
                client = address[0] if isinstance(address, tuple) else str(address)
            except Exception:
                client = ""
            with contextlib.suppress(
                anyio.BrokenResourceError, anyio.ClosedResourceError, anyio.EndOfStream, ssl.SSLError, OSError
            ):
                await serve_http(stream, handler, scheme=scheme, client=client)

        await self.listener.serve(on_connection)


async def open_listener(name: str, host: str, port: int, tls: TlsMaterial | None) -> Listener:
    tcp = await anyio.create_tcp_listener(local_host=host, local_port=port, backlog=2048)
    bound = tcp.extra(anyio.abc.SocketAttribute.local_port)
    listener: anyio.abc.Listener[anyio.abc.ByteStream]
    if tls is not None:
        listener = TLSListener(tcp, tls.server_context, standard_compatible=False, handshake_timeout=10)
        scheme = "https"
    else:
        listener = tcp
        scheme = "http"
    return Listener(name, listener, bound, scheme)
