"""The pull CDN: live-like FLV and HLS made by ``ffmpeg`` from a test pattern and a sine tone, plus images.

Paths: ``/stage/stream-<stream id><quality>.flv`` (progressive; streams until the room ends or the client leaves),
``/stage/stream-<stream id><quality>/index.m3u8`` and its ``seg<N>.ts`` segments, where ``<quality>`` is '' (origin),
``_hd``, ``_sd``, ``_ld`` or ``_ao`` (audio only); ``/img/...`` answers a small PNG for every avatar, cover and gift.
Without ffmpeg the stream paths answer 503 with a message saying so; everything else keeps working.
"""

from __future__ import annotations

import base64
import logging
import re
import shutil
import subprocess
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import anyio
import anyio.abc

from tiktok_webcast.simulator.http import Request, Response
from tiktok_webcast.simulator.httpfaults import apply_http_faults
from tiktok_webcast.simulator.payloads import QUALITY_BY_SUFFIX, Quality
from tiktok_webcast.simulator.rooms import Room
from tiktok_webcast.simulator.world import World

__all__ = ["MediaHost", "find_ffmpeg"]

logger = logging.getLogger("tiktok_webcast.simulator.media")

_STREAM = re.compile(r"^/stage/stream-(\d+)(_[a-z]+)?(?:(\.flv)|/(index\.m3u8)|/(seg\d{5}\.ts))$")
_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
_VIDEO_CODECS: dict[str, str] = {}
"""ffmpeg executable -> the H.264 encoder it has (asked once per process)."""
HLS_IDLE = 60.0
HLS_WAIT = 20.0
NO_FFMPEG = (
    "ffmpeg was not found on PATH, so this simulator cannot serve video. Install ffmpeg "
    "(e.g. apt-get install ffmpeg) and restart it; every other endpoint works without it.\n"
)


def find_ffmpeg(setting: str | bool) -> str | None:
    """``True``: look on PATH; ``False``: disabled; a string: that executable (if it exists)."""
    if setting is False:
        return None
    if setting is True:
        return shutil.which("ffmpeg")
    return shutil.which(setting) or (setting if Path(setting).exists() else None)


def _inputs(q: Quality) -> list[str]:
    video = ["-f", "lavfi", "-i", f"testsrc=size={q.width}x{q.height}:rate=15"] if q.width else []
    return [*video, "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"]


def _codecs(q: Quality, video_codec: str) -> list[str]:
    audio = ["-c:a", "aac", "-b:a", "64k", "-ar", "44100"]
    if not q.width:
        return ["-vn", *audio]
    video = ["-c:v", video_codec, "-b:v", f"{q.video_kbps}k", "-g", "30", "-keyint_min", "30", "-pix_fmt", "yuv420p"]
    if video_codec == "libx264":
        video += ["-preset", "ultrafast", "-tune", "zerolatency", "-sc_threshold", "0"]
    return [*video, *audio]


@dataclass
class _HlsJob:
    directory: Path
    last_access: float
    ready: anyio.Event = field(default_factory=anyio.Event)
    failed: str = ""


class MediaHost:
    def __init__(self, world: World, *, ffmpeg: str | None, workdir: Path) -> None:
        self.world = world
        self.ffmpeg = ffmpeg
        self.workdir = workdir
        self.video_codec = "libx264"
        self.active = 0
        self._jobs: dict[tuple[int, str], _HlsJob] = {}
        self._tg: anyio.abc.TaskGroup | None = None

    @property
    def available(self) -> bool:
        return self.ffmpeg is not None

    async def run(self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Owns the HLS ffmpeg processes; checks which H.264 encoder this ffmpeg has."""
        if self.ffmpeg is not None:
            codec = _VIDEO_CODECS.get(self.ffmpeg)
            if codec is None:
                try:
                    result = await anyio.run_process([self.ffmpeg, "-hide_banner", "-encoders"], check=False)
                    codec = _VIDEO_CODECS[self.ffmpeg] = "libx264" if b"libx264" in result.stdout else "flv1"
                except OSError as exc:
                    logger.warning("ffmpeg at %s does not run (%s): video disabled", self.ffmpeg, exc)
                    self.ffmpeg = None
            self.video_codec = codec or "libx264"
        async with anyio.create_task_group() as tg:
            self._tg = tg
            task_status.started()
            await anyio.sleep_forever()

    def _command(self, q: Quality, output: list[str], container_codec: str | None = None) -> list[str]:
        assert self.ffmpeg is not None
        codec = container_codec or self.video_codec
        return [
            self.ffmpeg,
            "-hide_banner",
            "-loglevel",
            "error",
            "-nostdin",
            "-re",
            *_inputs(q),
            *_codecs(q, codec),
            *output,
        ]

    async def handle(self, request: Request) -> Response:
        fault = await apply_http_faults(self.world, "media", request)
        if fault is not None:
            return fault
        if request.path.startswith("/img/"):
            return Response.binary(_PNG, "image/png")
        match = _STREAM.match(request.path)
        if match is None:
            return Response.text("not found\n", 404)
        if not self.available:
            return Response.text(NO_FFMPEG, 503)
        stream_id, suffix, flv, playlist, segment = match.groups()
        quality = QUALITY_BY_SUFFIX.get(suffix or "")
        room = self.world.rooms_by_stream.get(int(stream_id))
        if quality is None or room is None:
            return Response.text("no such stream\n", 404)
        if flv:
            return self._flv(room, quality)
        if not room.live:
            return Response.text("this LIVE has ended\n", 404)
        job = self._hls_job(room, quality)
        if playlist:
            return await self._playlist(job)
        path = job.directory / segment
        job.last_access = anyio.current_time()
        if not path.exists():
            return Response.text("segment not found\n", 404)
        return Response.binary(path.read_bytes(), "video/mp2t")

    # ------------------------------------------------------------------------------------------ FLV

    def _flv(self, room: Room, quality: Quality) -> Response:
        if not room.live:
            return Response.text("this LIVE has ended\n", 404)
        if self.active >= self.world.scenario.server.max_media_processes:
            return Response.text("too many concurrent streams on this simulator\n", 503)
        command = self._command(quality, ["-f", "flv", "pipe:1"])

        async def stream(send: Callable[[bytes], Awaitable[None]]) -> None:
            self.active += 1
            process = await anyio.open_process(command, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                assert process.stdout is not None
                async for chunk in process.stdout:
                    await send(chunk)
                    if not room.live:
                        break
            except (anyio.BrokenResourceError, anyio.ClosedResourceError, anyio.EndOfStream):
                pass
            finally:
                self.active -= 1
                with anyio.CancelScope(shield=True):
                    if process.returncode is None:
                        process.kill()
                    await process.aclose()

        return Response(200, [("content-type", "video/x-flv"), ("cache-control", "no-cache")], stream=stream)

    # ------------------------------------------------------------------------------------------ HLS

    def _hls_job(self, room: Room, quality: Quality) -> _HlsJob:
        key = (room.stream_id, quality.key)
        job = self._jobs.get(key)
        if job is None:
            directory = self.workdir / f"hls-{room.stream_id}{quality.suffix}"
            directory.mkdir(parents=True, exist_ok=True)
            job = _HlsJob(directory, anyio.current_time())
            self._jobs[key] = job
            assert self._tg is not None
            self._tg.start_soon(self._run_hls, key, room, quality, job)
        job.last_access = anyio.current_time()
        return job

    async def _run_hls(self, key: tuple[int, str], room: Room, quality: Quality, job: _HlsJob) -> None:
        codec = self.video_codec if self.video_codec == "libx264" else "mpeg2video"
        output = [
            "-f",
            "hls",
            "-hls_time",
            "2",
            "-hls_list_size",
            "6",
            "-hls_flags",
            "delete_segments+omit_endlist",
            "-hls_segment_filename",
            str(job.directory / "seg%05d.ts"),
            str(job.directory / "index.m3u8"),
        ]
        process = await anyio.open_process(
            self._command(quality, output, codec),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        playlist = job.directory / "index.m3u8"
        try:
            while room.live and anyio.current_time() - job.last_access < HLS_IDLE:
                if process.returncode is not None:
                    job.failed = f"ffmpeg exited with {process.returncode}"
                    job.ready.set()
                    break
                if not job.ready.is_set() and playlist.exists() and "#EXTINF" in playlist.read_text():
                    job.ready.set()
                await anyio.sleep(0.2)
        finally:
            self._jobs.pop(key, None)
            job.ready.set()
            with anyio.CancelScope(shield=True):
                if process.returncode is None:
                    process.kill()
                await process.aclose()
            shutil.rmtree(job.directory, ignore_errors=True)

    async def _playlist(self, job: _HlsJob) -> Response:
        with anyio.move_on_after(HLS_WAIT):
            await job.ready.wait()
        playlist = job.directory / "index.m3u8"
        if job.failed or not playlist.exists():
            return Response.text(f"stream not available: {job.failed or 'ffmpeg is still starting'}\n", 503)
        response = Response.text(playlist.read_text(), 200, "application/vnd.apple.mpegurl")
        return response.with_header("cache-control", "no-cache")
