"""Recording streams with ffmpeg (tiktok_webcast._download): real recordings from the simulator's pull CDN,
checked with ffprobe, and every way a recording can fail."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from tiktok_webcast import BaseUrls, RoomInfo, StreamDownloadError, StreamUrl, TikTok
from tiktok_webcast._download import (
    choose_stream_url,
    download_stream,
    ffmpeg_command,
    record_stream,
)
from tiktok_webcast.simulator import SCRIPT_PRESETS, Creator, Scenario, Simulator

pytestmark = pytest.mark.anyio

STREAMER = "streamer"
TIMEOUT = 30


@pytest.fixture(params=["trio", "asyncio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def live_room() -> AsyncIterator[tuple[Simulator, RoomInfo]]:
    scenario = Scenario(name="download", creators=(Creator(STREAMER, script=SCRIPT_PRESETS["silent"]),))
    async with Simulator(scenario) as sim:
        assert sim.media_available, "these tests need ffmpeg (apt-get install ffmpeg)"
        urls = BaseUrls(web=sim.urls.web, webcast=sim.urls.webcast, ws=sim.urls.ws, signer=sim.urls.signer)
        async with TikTok(base_urls=urls) as tiktok:
            room = await tiktok.get_room_info(sim.room_id(STREAMER))
        yield sim, room


async def probe(path: Path) -> dict[str, Any]:
    """ffprobe's view of a file: its streams' types and the container's duration."""
    assert shutil.which("ffprobe"), "these tests need ffprobe (apt-get install ffmpeg)"
    result = await anyio.run_process(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "stream=codec_type:format=duration",
            "-of",
            "json",
            str(path),
        ]
    )
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def codec_types(info: dict[str, Any]) -> set[str]:
    return {stream["codec_type"] for stream in info.get("streams", [])}


def room_with(*streams: StreamUrl, hls_url: str | None = None) -> RoomInfo:
    return RoomInfo(
        room_id=7,
        title="t",
        status=2,
        stream_urls={stream.quality: stream for stream in streams},
        hls_url=hls_url,
    )


# -- real recordings -----------------------------------------------------------------------------------------


async def test_download_records_a_playable_file(live_room: tuple[Simulator, RoomInfo], tmp_path: Path) -> None:
    _, room = live_room
    with anyio.fail_after(TIMEOUT):
        result = await download_stream(room, tmp_path / "live.mkv", duration=2)
    assert result.path == tmp_path / "live.mkv"
    assert result.quality == room.best_stream().quality  # type: ignore[union-attr]
    assert not result.stopped
    assert result.bytes_written == result.path.stat().st_size > 0
    assert 1.5 <= result.seconds <= 3
    info = await probe(result.path)
    assert {"video", "audio"} <= codec_types(info)
    assert float(info["format"]["duration"]) > 1


def client_urls(sim: Simulator) -> BaseUrls:
    return BaseUrls(web=sim.urls.web, webcast=sim.urls.webcast, ws=sim.urls.ws, signer=sim.urls.signer)


async def test_the_client_records_a_user_by_name(live_room: tuple[Simulator, RoomInfo], tmp_path: Path) -> None:
    sim, _ = live_room
    async with TikTok(base_urls=client_urls(sim)) as tiktok:
        with anyio.fail_after(TIMEOUT):
            result = await tiktok.download_stream(STREAMER, tmp_path / "by-name.mkv", quality="sd", duration=1)
    assert result.quality == "sd" and result.bytes_written > 0 and not result.stopped
    assert {"video", "audio"} <= codec_types(await probe(result.path))


async def test_the_client_records_a_tracked_room_while_the_block_runs(
    live_room: tuple[Simulator, RoomInfo], tmp_path: Path
) -> None:
    sim, _ = live_room
    path = tmp_path / "tracked.mkv"
    async with TikTok(base_urls=client_urls(sim)) as tiktok, tiktok.track_user(STREAMER) as live:
        with anyio.fail_after(TIMEOUT):
            async with tiktok.record(live, path, quality="ld") as recording:
                async for progress in recording.updates(0.1):
                    if progress.seconds >= 1:
                        break
    assert recording.done and path.stat().st_size > 0
    assert "video" in codec_types(await probe(path))


async def test_stop_finishes_the_file_and_reports_progress(
    live_room: tuple[Simulator, RoomInfo], tmp_path: Path
) -> None:
    _, room = live_room
    path = tmp_path / "live.mp4"
    with anyio.fail_after(TIMEOUT):
        async with record_stream(room, path, quality="sd") as recording:
            assert recording.quality == "sd"
            async for progress in recording.updates(0.1):
                if progress.seconds >= 1.5 and progress.bytes_written > 0:
                    break
            assert not recording.done
            result = await recording.stop()
        assert recording.done
    assert result.stopped
    assert result.bytes_written == path.stat().st_size > 0
    assert result.seconds >= 1.5
    info = await probe(path)
    assert "video" in codec_types(info)
    assert float(info["format"]["duration"]) > 1


async def test_other_containers_and_qualities_at_once(live_room: tuple[Simulator, RoomInfo], tmp_path: Path) -> None:
    _, room = live_room
    wanted = {"live.flv": "ld", "live.ts": "sd", "audio.mkv": "ao"}
    assert set(wanted.values()) <= set(room.stream_urls)

    async def record(name: str, quality: str) -> None:
        await download_stream(room, tmp_path / name, quality=quality, duration=1)

    with anyio.fail_after(TIMEOUT):
        async with anyio.create_task_group() as tasks:
            for name, quality in wanted.items():
                tasks.start_soon(record, name, quality)
    for name in ("live.flv", "live.ts"):
        info = await probe(tmp_path / name)
        assert {"video", "audio"} <= codec_types(info)
        assert float(info["format"]["duration"]) > 0
    assert codec_types(await probe(tmp_path / "audio.mkv")) == {"audio"}


async def test_hls_when_the_quality_has_no_flv(live_room: tuple[Simulator, RoomInfo], tmp_path: Path) -> None:
    _, room = live_room
    hls = room.stream_urls["ld"].hls
    assert hls is not None and ".m3u8" in hls
    with anyio.fail_after(TIMEOUT):
        result = await download_stream(room_with(StreamUrl("ld", None, hls, 1)), tmp_path / "hls.ts", duration=1)
    assert result.url == hls
    info = await probe(result.path)
    assert "video" in codec_types(info)
    assert float(info["format"]["duration"]) > 0


async def test_cancelling_stops_ffmpeg_and_keeps_the_file(
    live_room: tuple[Simulator, RoomInfo], tmp_path: Path
) -> None:
    _, room = live_room
    path = tmp_path / "cancelled.mkv"
    with anyio.fail_after(TIMEOUT):
        with anyio.CancelScope() as scope:
            async with record_stream(room, path) as recording:
                async for progress in recording.updates(0.1):
                    if progress.seconds >= 1:
                        scope.cancel()
                        await anyio.sleep_forever()
        assert scope.cancelled_caught
    assert recording.done
    info = await probe(path)
    assert float(info["format"]["duration"]) > 0.5


async def test_leaving_the_block_stops_the_recording(live_room: tuple[Simulator, RoomInfo], tmp_path: Path) -> None:
    _, room = live_room
    with anyio.fail_after(TIMEOUT):
        async with record_stream(room, tmp_path / "short.mkv") as recording:
            async for progress in recording.updates(0.1):
                if progress.seconds >= 1:
                    break
    assert recording.done
    assert (tmp_path / "short.mkv").stat().st_size > 0


async def test_stream_that_ends_ends_the_recording(live_room: tuple[Simulator, RoomInfo], tmp_path: Path) -> None:
    sim, room = live_room
    with anyio.fail_after(TIMEOUT):
        async with record_stream(room, tmp_path / "ended.mkv") as recording:
            async for progress in recording.updates(0.1):
                if progress.seconds >= 1:
                    sim.end_stream(STREAMER)
                    break
            result = await recording.wait()
    assert not result.stopped
    assert result.bytes_written > 0


# -- failures ------------------------------------------------------------------------------------------------


async def test_missing_ffmpeg(tmp_path: Path) -> None:
    room = room_with(StreamUrl("hd", "http://127.0.0.1:9/live.flv", None, 3))
    with pytest.raises(StreamDownloadError, match="ffmpeg not found"):
        await download_stream(room, tmp_path / "x.mkv", ffmpeg="/nonexistent")
    assert not (tmp_path / "x.mkv").exists()


async def test_no_stream_url(tmp_path: Path) -> None:
    with pytest.raises(StreamDownloadError, match="no stream URL"):
        await download_stream(room_with(), tmp_path / "x.mkv")


async def test_unknown_quality_names_the_offered_ones(tmp_path: Path) -> None:
    room = room_with(StreamUrl("hd", "http://127.0.0.1:9/hd.flv", None, 3), StreamUrl("sd", None, "x.m3u8", 2))
    with pytest.raises(StreamDownloadError, match=r"no 'uhd' stream \(qualities: hd, sd\)"):
        await download_stream(room, tmp_path / "x.mkv", quality="uhd")


async def test_unsupported_container(tmp_path: Path) -> None:
    room = room_with(StreamUrl("hd", "http://127.0.0.1:9/hd.flv", None, 3))
    with pytest.raises(StreamDownloadError, match=r"\.flv, \.mkv, \.mp4, \.ts"):
        await download_stream(room, tmp_path / "x.avi")


async def test_ffmpeg_error_is_reported_with_its_stderr_without_the_query(
    live_room: tuple[Simulator, RoomInfo], tmp_path: Path
) -> None:
    sim, _ = live_room
    missing = f"{sim.urls.media}/stage/stream-1.flv?sign=SECRET-SIGNATURE&sessionid=SECRET-SESSION"
    room = room_with(StreamUrl("hd", missing, None, 3))
    with anyio.fail_after(TIMEOUT), pytest.raises(StreamDownloadError) as raised:
        await download_stream(room, tmp_path / "x.mkv")
    message = str(raised.value)
    assert "ffmpeg exited with status" in message
    assert "404" in message
    assert "SECRET" not in message


async def test_error_in_the_block_propagates_unwrapped_and_stops_ffmpeg(
    live_room: tuple[Simulator, RoomInfo], tmp_path: Path
) -> None:
    _, room = live_room
    with anyio.fail_after(TIMEOUT), pytest.raises(KeyError, match="mine"):
        async with record_stream(room, tmp_path / "x.mkv") as recording:
            raise KeyError("mine")
    assert recording.done


# -- choosing the URL and the command ------------------------------------------------------------------------


def test_flv_of_the_best_quality_is_preferred() -> None:
    room = room_with(
        StreamUrl("sd", "http://cdn/sd.flv", "http://cdn/sd.m3u8", 2),
        StreamUrl("origin", "http://cdn/origin.flv", "http://cdn/origin.m3u8", 5),
        hls_url="http://cdn/room.m3u8",
    )
    assert choose_stream_url(room) == ("http://cdn/origin.flv", "origin")
    assert choose_stream_url(room, "sd") == ("http://cdn/sd.flv", "sd")


def test_hls_when_there_is_no_flv() -> None:
    room = room_with(StreamUrl("hd", None, "http://cdn/hd.m3u8", 3))
    assert choose_stream_url(room) == ("http://cdn/hd.m3u8", "hd")
    assert choose_stream_url(room_with(hls_url="http://cdn/room.m3u8")) == ("http://cdn/room.m3u8", None)


def test_command_copies_codecs_with_tiktok_headers() -> None:
    command = ffmpeg_command("ffmpeg", "https://cdn/x.flv", Path("out.mkv"), duration=30)
    assert command[:2] == ["ffmpeg", "-hide_banner"]
    for flag in ("-y", "-nostats"):
        assert flag in command
    assert command[command.index("-loglevel") + 1] == "error"
    assert command[command.index("-progress") + 1] == "pipe:1"
    assert command[command.index("-c") + 1] == "copy"
    assert command[command.index("-t") + 1] == "30"
    assert command[command.index("-f") + 1] == "matroska"
    assert command[-1] == "out.mkv"
    headers = command[command.index("-headers") + 1]
    assert "User-Agent: Mozilla/5.0" in headers
    assert "Referer: https://www.tiktok.com/\r\n" in headers
    assert command.index("-headers") < command.index("-i")


def test_command_containers_and_proxy() -> None:
    mp4 = ffmpeg_command("ffmpeg", "http://cdn/x.flv", Path("a.MP4"), proxy="http://proxy:8080")
    assert mp4[mp4.index("-f") + 1] == "mp4"
    assert "+frag_keyframe" in mp4[mp4.index("-movflags") + 1]
    assert mp4[mp4.index("-http_proxy") + 1] == "http://proxy:8080"
    ts = ffmpeg_command("ffmpeg", "http://cdn/x.flv", Path("a.ts"))
    assert ts[ts.index("-f") + 1] == "mpegts"
    assert "-t" not in ts
    with pytest.raises(StreamDownloadError, match="http:// proxy"):
        ffmpeg_command("ffmpeg", "http://cdn/x.flv", Path("a.ts"), proxy="socks5://proxy:1080")
