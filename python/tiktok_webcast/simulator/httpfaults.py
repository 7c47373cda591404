"""HTTP-level faults shared by the web, webcast and media hosts: slow answers and scripted error answers."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets

import anyio

from tiktok_webcast.simulator.http import Request, Response
from tiktok_webcast.simulator.scenario import HttpError, Slow
from tiktok_webcast.simulator.world import World

__all__ = ["apply_http_faults", "captcha_page", "challenge_page", "waf_page"]


def captcha_page() -> Response:
    return Response.html(
        "<!DOCTYPE html><html><head><title>Security Check</title></head><body>"
        '<div id="tiktok-verify-page" class="captcha_verify_container">Verify to continue</div></body></html>'
    )


def challenge_page() -> Response:
    """The anti-bot interstitial: 200, a tiny page, ``X-TT-System-Error: 3`` and no cookies."""
    response = Response.html("<!DOCTYPE html><html><head><title>Please wait...</title></head><body></body></html>")
    return response.with_header("x-tt-system-error", "3")


def waf_page() -> Response:
    """The WAF interstitial (webcast.md §2.12): ``Please wait...`` and a SHA-256 proof of work in ``wci``/``cs``."""
    prefix = secrets.token_bytes(16)
    answer = secrets.randbelow(1_000_000)
    digest = hashlib.sha256(prefix + str(answer).encode()).digest()
    puzzle = {"v": {"a": base64.b64encode(prefix).decode(), "c": base64.b64encode(digest).decode()}}
    challenge = base64.b64encode(json.dumps(puzzle).encode()).decode()
    return Response.html(
        "<!DOCTYPE html><html><head><title>Please wait...</title></head><body>"
        f'<p id="wci" class="waf_challenge"></p><p id="cs" class="{challenge}"></p>'
        "<p>Please wait...</p></body></html>"
    )


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
