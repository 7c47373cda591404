"""The ASGI application: streams, the overlay pages, and a small JSON API (status, test events, rehearsal)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from tiktok_webcast.exceptions import WebcastError
from tiktok_webcast.serve.auth import token_problem, unauthorized
from tiktok_webcast.serve.streams import StreamSocket, sse_stream

if TYPE_CHECKING:
    from tiktok_webcast.serve.server import EventServer

__all__ = ["build_app"]

MAX_API_BODY = 16 * 1024
OVERLAYS = ("alerts", "chat", "goal", "gifters", "likes", "viewers")
# One page, counter.html, shown under each counter's name: the name it is served under picks the counter.
COUNTER_PAGES = ("likes", "viewers")


def _error(text: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": text}, status_code=status)


async def _json_body(request: Request) -> dict[str, Any] | JSONResponse:
    size = request.headers.get("content-length")
    if size is not None and (not size.isdigit() or int(size) > MAX_API_BODY):
        return _error(f"the body is larger than {MAX_API_BODY} bytes", 413)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_API_BODY:
            return _error(f"the body is larger than {MAX_API_BODY} bytes", 413)
    if not body:
        return {}
    try:
        data = json.loads(body)
    except ValueError:
        return _error("the body is not JSON")
    if not isinstance(data, dict):
        return _error("the body is a JSON object")
    return data


def build_app(server: EventServer) -> Starlette:
    overlays_dir = StaticFiles(packages=[("tiktok_webcast.serve", "overlays")])

    def guarded(request: Request) -> JSONResponse | None:
        problem = token_problem(server.config.token, request.headers, request.query_params)
        return unauthorized(problem) if problem is not None else None

    async def guarded_body(request: Request) -> dict[str, Any] | JSONResponse:
        """The request's JSON object, or the answer that refuses it (token, size, not JSON)."""
        return guarded(request) or await _json_body(request)

    async def dashboard(request: Request) -> Response:
        return FileResponse(server.overlay_file("index.html"), media_type="text/html")

    async def counter_page(request: Request) -> Response:
        return FileResponse(server.overlay_file("counter.html"), media_type="text/html")

    async def overlay_page(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in OVERLAYS:
            return _error(f"no overlay {name!r}; one of {', '.join(OVERLAYS)}", 404)
        return RedirectResponse(f"/overlays/{name}.html?{request.url.query}", status_code=307)

    async def status(request: Request) -> Response:
        return guarded(request) or JSONResponse(server.status())

    async def test_event(request: Request) -> Response:
        body = await guarded_body(request)
        if isinstance(body, JSONResponse):
            return body
        kind = body.get("kind", "gift")
        creator = body.get("creator")
        if not isinstance(kind, str) or not (creator is None or isinstance(creator, str)):
            return _error("kind and creator are strings")
        try:
            message = server.send_test_event(kind, body, creator=creator)
        except WebcastError as error:
            return _error(str(error))
        return JSONResponse({"sent": message.as_json()})

    async def rehearse(request: Request) -> Response:
        body = await guarded_body(request)
        if isinstance(body, JSONResponse):
            return body
        source = body.get("source", "demo")
        seconds = body.get("seconds")
        if source not in ("demo", "trace") or not (seconds is None or isinstance(seconds, int | float)):
            return _error('source is "demo" or "trace"; seconds a number')
        try:
            started = server.start_rehearsal(source, seconds=float(seconds) if seconds else None)
        except WebcastError as error:
            return _error(str(error), 409)
        return JSONResponse({"rehearsal": started})

    async def stop_rehearsal(request: Request) -> Response:
        if (denied := guarded(request)) is not None:
            return denied
        return JSONResponse({"stopped": server.stop_rehearsal()})

    async def sse(request: Request) -> Response:
        return guarded(request) or sse_stream(server, request)

    routes = [
        WebSocketRoute("/", StreamSocket(server, tikfinity=True)),
        Route("/", dashboard),
        WebSocketRoute("/events", StreamSocket(server, tikfinity=False)),
        Route("/events/sse", sse),
        Route("/overlay/{name}", overlay_page),
        Route("/api/status", status),
        Route("/api/test-event", test_event, methods=["POST"]),
        Route("/api/rehearse", rehearse, methods=["POST"]),
        Route("/api/rehearse/stop", stop_rehearsal, methods=["POST"]),
        *(Route(f"/overlays/{name}.html", counter_page) for name in COUNTER_PAGES),
        Mount("/overlays", overlays_dir, name="overlays"),
    ]
    return Starlette(routes=routes)
