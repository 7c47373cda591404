"""Secrets never leak: with every logger at DEBUG (ours, httpx, httpcore, hpack, anyio, trio), a signed connect
through a password-protected proxy, with a signer key, a session id and a password in the signer's base URL, leaves
no trace of any of them, nor of the cookies the signer minted, in the log output, the websocket trace, the reprs or
the exception messages."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from proxies import LoopbackProxy, closed_port, running

from tiktok_webcast import BaseUrls, TikTok
from tiktok_webcast._redact import REDACTED, redact, redact_headers, redact_mapping, redact_url
from tiktok_webcast.exceptions import WebcastError
from tiktok_webcast.simulator import ApiKey, Creator, Scenario, Script, SignerConfig, Simulator

pytestmark = pytest.mark.anyio

KEY = "sk-live-7d1f0c2a9b8e4f6d"
SESSION = "5e55i0n1d0f4l0gg3d1nu5er"
PROXY_PASSWORD = "pr0xy-p4ss-w0rd"
URL_PASSWORD = "b4s3-url-p4ss"
LOGGERS = ("", "tiktok_webcast", "httpx", "httpcore", "hpack", "h11", "anyio", "trio", "python_socks")


def _scenario() -> Scenario:
    signer = SignerConfig(keys=(ApiKey(KEY, per_minute=600),), anonymous=False)
    return Scenario(name="secrets", creators=(Creator("alice", script=Script()),), signer=signer)


def _forbidden(*minted: str) -> dict[str, str]:
    values = {
        "signer key": KEY,
        "session id": SESSION,
        "proxy password": PROXY_PASSWORD,
        "proxy credentials (basic)": base64.b64encode(f"user:{PROXY_PASSWORD}".encode()).decode(),
        "base URL password": URL_PASSWORD,
    }
    values.update({f"minted cookie {index}": value for index, value in enumerate(minted) if value})
    return values


def _hits(text: str, forbidden: dict[str, str]) -> list[str]:
    return [name for name, value in forbidden.items() if value in text]


async def test_nothing_secret_reaches_logs_traces_reprs_or_errors(
    client_for: Callable[..., Any], caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    trace_path = tmp_path / "live.trace.jsonl"
    proxy = LoopbackProxy("http", credentials=("user", PROXY_PASSWORD))
    shown: list[str] = []
    async with Simulator(_scenario(), tls=True) as sim, running(proxy, userinfo=f"user:{PROXY_PASSWORD}@") as url:
        signer_url = sim.urls.signer.replace("://", f"://tester:{URL_PASSWORD}@", 1)
        urls = BaseUrls(web=sim.urls.web, webcast=sim.urls.webcast, ws=sim.urls.ws, signer=signer_url)
        async with TikTok(
            base_urls=urls,
            signer_api_key=KEY,
            session_id=SESSION,
            proxy=url,
            ssl_context=sim.ssl_context(),
            ws_trace=trace_path,
            log_requests=True,
            extra_debug=True,
            connect_mode="signed",
            backoff_base=1.05,
            backoff_max=0.05,
        ) as client:
            async with client.track_user("alice") as live:
                with anyio.fail_after(15):
                    await live.wait_connected()
                    async for _ in live.events:
                        break
                shown += [repr(live), repr(live.stats)]
            await client.get_room_info(username="alice")
            minted = (client.jar.get("ttwid") or "", client.jar.get("msToken") or "")
            assert all(minted), "the signer minted a ttwid and an msToken"
            shown += [
                repr(client),
                repr(client.options),
                repr(client.urls),
                repr(client.signer),
                repr(client.jar),
                repr(client.proxies),
                repr(client.http.jar),
                str(client.options),
            ]
            with pytest.raises(WebcastError) as caught:
                await client.get_user_info("a" * 100_000 + SESSION)
            shown.append(str(caught.value))
        async with TikTok(proxy=f"http://user:{PROXY_PASSWORD}@127.0.0.1:{closed_port()}") as broken:
            with pytest.raises(WebcastError) as caught:
                await broken.get_user_info("alice")
            shown += [str(caught.value), repr(caught.value), repr(broken)]
    assert proxy.targets, "the traffic went through the proxy"
    forbidden = _forbidden(*minted)
    log_text = caplog.text + "\n".join(record.getMessage() for record in caplog.records)
    assert any("httpcore" in record.name for record in caplog.records), "third-party DEBUG logging was on"
    assert _hits(log_text, forbidden) == []
    assert _hits(trace_path.read_text(), forbidden) == []
    assert _hits("\n".join(shown), forbidden) == []


def test_a_password_in_a_signer_url_stays_out_of_reprs() -> None:
    client = TikTok(signer_url=f"https://tester:{URL_PASSWORD}@signer.example/", proxy=f"http://u:{PROXY_PASSWORD}@p:1")
    shown = repr(client) + repr(client.options) + repr(client.urls) + repr(client.signer) + repr(client.proxies)
    assert _hits(shown, _forbidden()) == []
    assert f"https://tester:{REDACTED}@signer.example" in shown


def test_the_redaction_functions_share_one_list() -> None:
    line = f"GET https://u:{URL_PASSWORD}@h/p?room_id=7&apiKey={KEY}&sessionid={SESSION} Cookie: ttwid=abc; a=b"
    assert redact(line) == (
        f"GET https://u:{REDACTED}@h/p?room_id=7&apiKey={REDACTED}&sessionid={REDACTED} Cookie: ttwid={REDACTED}; a=b"
    )
    assert redact(f"[(b'X-Set-TT-Cookie', b'ttwid=1; msToken=2'), (b'x-api-key', b'{KEY}')]") == (
        f"[(b'X-Set-TT-Cookie', b'{REDACTED}'), (b'x-api-key', b'{REDACTED}')]"
    )
    assert redact_url(f"wss://u:{URL_PASSWORD}@h/ws?a=1&msToken=x") == f"wss://u:{REDACTED}@h/ws?a=1&msToken={REDACTED}"
    assert redact_headers({"X-Api-Key": KEY, "Accept": "x"}) == (("X-Api-Key", REDACTED), ("Accept", "x"))
    assert redact_mapping({"signer_api_key": KEY, "base": {"url": f"http://u:{URL_PASSWORD}@h/"}}) == {
        "signer_api_key": REDACTED,
        "base": {"url": f"http://u:{REDACTED}@h/"},
    }
    assert redact(redact(line)) == redact(line)


def test_a_nats_token_url_is_redacted_and_a_proxy_user_is_kept() -> None:
    # NATS takes a lone user part as the token; for HTTP proxies it is only a user name.
    token = "s3cr3t-nats-token"  # registered nowhere: only the URL rules can hide it
    assert redact_url(f"nats://{token}@broker:4222") == f"nats://{REDACTED}@broker:4222"
    assert redact(f"to tls://{token}@broker:4222: refused") == f"to tls://{REDACTED}@broker:4222: refused"
    assert redact_url("http://proxyuser@proxy:3128") == "http://proxyuser@proxy:3128"
