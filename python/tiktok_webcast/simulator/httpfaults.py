"""HTTP-level faults shared by the web, webcast and media hosts: slow answers and scripted error answers."""

from __future__ import annotations

import anyio

from tiktok_webcast.simulator.http import Request, Response
from tiktok_webcast.simulator.scenario import HttpError, Slow
from tiktok_webcast.simulator.world import World

__all__ = ["apply_http_faults", "captcha_page", "challenge_page"]


def captcha_page() -> Response:
    return Response.html(
        "<!DOCTYPE html><html><head><title>Security Check</title></head><body>"
        '<div id="tiktok-verify-page" class="captcha_verify_container">Verify to continue</div></body></html>'
    )


def challenge_page() -> Response:
    """The anti-bot interstitial: 200, a tiny page, ``X-TT-System-Error: 3`` and no cookies."""
    response = Response.html("<!DOCTYPE html><html><head><title>Please wait...</title></head><body></body></html>")
    return response.with_header("x-tt-system-error", "3")


async def apply_http_faults(world: World, host: str, request: Request) -> Response | None:
    """Sleeps for a matching ``slow`` fault; returns the scripted answer of a matching ``http_error`` fault."""
    slow = world.faults.take(Slow, lambda f: request.path.startswith(f.path))
    if slow is not None:
        await anyio.sleep(slow.delay)
    error = world.faults.take(HttpError, lambda f: f.host in ("", host) and request.path.startswith(f.path))
    if error is None:
        return None
    if error.mode == "empty":
        return Response(200, [("content-type", "application/json; charset=utf-8")], b"")
    if error.mode == "captcha":
        return captcha_page()
    if error.mode == "challenge":
        return challenge_page()
    response = Response.text(f"simulated HTTP {error.status}\n", error.status)
    if error.status == 429:
        response.headers.append(("retry-after", "5"))
    return response
