"""The pull CDN: a live FLV with video and audio (checked with ffprobe), an HLS playlist and its segments, and a
clear 503 when ffmpeg is missing."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import anyio
import h11
import httpx
import pytest
from sim_helpers import scenario

from tiktok_webcast.simulator import ServerConfig, Simulator

pytestmark = pytest.mark.anyio


async def stream_urls(sim: Simulator, client: httpx.AsyncClient) -> dict[str, str]:
    info = await client.get(sim.urls.webcast + "/webcast/room/info/", params={"room_id": sim.room_id("alice")})
    urls = info.json()["data"]["stream_url"]
    return {"flv": urls["flv_pull_url"]["SD2"], "hls": urls["hls_pull_url"]}


async def read_for(url: str, seconds: float, at_least: int = 0) -> tuple[int, dict[str, str], bytes]:
    """GETs an endless body with a plain h11 client for ``seconds`` (and until ``at_least`` bytes came), then hangs
    up, as a recorder does."""
    parts = urlsplit(url)
    conn = h11.Connection(h11.CLIENT)
    body = bytearray()
    status, headers = 0, {}
    async with await anyio.connect_tcp(parts.hostname or "", parts.port or 80) as stream:
        target = f"{parts.path}?{parts.query}"
        await stream.send(conn.send(h11.Request(method="GET", target=target, headers=[("host", parts.netloc)])))
        await stream.send(conn.send(h11.EndOfMessage()))
        deadline = anyio.current_time() + seconds
        with anyio.fail_after(seconds + 20):
            while anyio.current_time() < deadline or len(body) < at_least:
                event = conn.next_event()
                if event is h11.NEED_DATA:
                    conn.receive_data(await stream.receive())
                elif isinstance(event, h11.Response):
                    status = event.status_code
                    headers = {k.decode(): v.decode() for k, v in event.headers}
                elif isinstance(event, h11.Data):
                    body += event.data
                elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                    break
    return status, headers, bytes(body)


def probe(path: Path) -> dict[str, object]:
    ffprobe = shutil.which("ffprobe")
    assert ffprobe, "ffprobe (from ffmpeg) is needed for these tests: apt-get install ffmpeg"
    result = subprocess.run(
        [
            ffprobe,
            "-v",
            "error",
            "-show_entries",
            "stream=codec_type,codec_name:format=format_name",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        check=True,
        timeout=20,
    )
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


async def test_flv_is_a_live_stream_with_video_and_audio(tmp_path: Path) -> None:
    with anyio.fail_after(30):
        async with Simulator(scenario()) as sim, httpx.AsyncClient(timeout=20) as client:
            assert sim.media_available
            url = (await stream_urls(sim, client))["flv"]
            status, headers, data = await read_for(url, 1.5, at_least=40_000)
            assert status == 200 and headers["content-type"] == "video/x-flv"
            assert data[:3] == b"FLV"
            path = tmp_path / "live.flv"
            await anyio.Path(path).write_bytes(bytes(data))
            info = probe(path)
            kinds = sorted(s["codec_type"] for s in info["streams"])  # type: ignore[attr-defined]
            assert kinds == ["audio", "video"]
            assert "flv" in info["format"]["format_name"]  # type: ignore[index]


async def test_flv_ends_when_the_stream_ends() -> None:
    with anyio.fail_after(30):
        async with Simulator(scenario(server=ServerConfig(end_grace=0))) as sim, httpx.AsyncClient() as client:
            url = (await stream_urls(sim, client))["flv"]
            received = 0
            async with client.stream("GET", url) as response:
                async for chunk in response.aiter_bytes():
                    received += len(chunk)
                    if received > 10_000 and sim.is_live("alice"):
                        sim.end_stream("alice")
            assert received > 10_000
            assert (await client.get(url)).status_code == 404


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_hls_playlist_and_segments(tmp_path: Path) -> None:
    with anyio.fail_after(40):
        async with Simulator(scenario()) as sim, httpx.AsyncClient(timeout=30) as client:
            url = (await stream_urls(sim, client))["hls"]
            playlist = await client.get(url)
            assert playlist.status_code == 200
            assert playlist.headers["content-type"] == "application/vnd.apple.mpegurl"
            lines = playlist.text.splitlines()
            assert lines[0] == "#EXTM3U"
            assert any(line.startswith("#EXT-X-TARGETDURATION:") for line in lines)
            assert any(line.startswith("#EXTINF:") for line in lines)
            assert "#EXT-X-ENDLIST" not in lines  # live
            segment = next(line for line in lines if line.endswith(".ts"))
            ts = await client.get(url.split("index.m3u8")[0] + segment)
            assert ts.status_code == 200 and ts.content[:1] == b"\x47"  # an MPEG-TS sync byte
            path = tmp_path / "seg.ts"
            await anyio.Path(path).write_bytes(ts.content)
            assert sorted(s["codec_type"] for s in probe(path)["streams"]) == ["audio", "video"]  # type: ignore[attr-defined]


async def test_without_ffmpeg_media_answers_503_and_the_rest_works() -> None:
    async with Simulator(scenario(), ffmpeg=False) as sim, httpx.AsyncClient() as client:
        assert not sim.media_available
        urls = await stream_urls(sim, client)
        for url in urls.values():
            response = await client.get(url)
            assert response.status_code == 503 and "ffmpeg was not found" in response.text
        assert (await client.get(sim.urls.media + "/img/avatar/1.webp")).status_code == 200
