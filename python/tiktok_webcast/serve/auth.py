"""The server's one access check: a token, when configured, from ``Authorization: Bearer``, ``X-Token`` or
``?token=`` (browser sources and websockets can only use the query)."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from starlette.responses import JSONResponse
from starlette.websockets import WebSocket

__all__ = ["deny_websocket", "token_problem", "unauthorized"]


def _offered(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    authorization = headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return headers.get("x-token") or query.get("token")


def token_problem(token: str | None, headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """Why this request may not proceed, or ``None`` when it may."""
    if token is None:
        return None
    offered = _offered(headers, query)
    if not offered:
        return "a token is required: add ?token=... or an 'Authorization: Bearer ...' header"
    if not hmac.compare_digest(offered.encode(), token.encode()):
        return "wrong token"
    return None


def unauthorized(problem: str) -> JSONResponse:
    return JSONResponse({"error": problem}, status_code=401, headers={"WWW-Authenticate": "Bearer"})


async def deny_websocket(websocket: WebSocket, problem: str) -> None:
    """Refuses the handshake with a 401 and the reason as JSON (a 403 where the server cannot send a body)."""
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(unauthorized(problem))
    else:  # pragma: no cover - hypercorn has the extension
        await websocket.close(1008, problem)
