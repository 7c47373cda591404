"""Recording a live stream with ffmpeg (webcast.md §10).

The stream is copied as it is (``-c copy``, no re-encoding) from the room's FLV pull URL of the chosen
quality, or its HLS URL when there is no FLV, into the container the output file's suffix names. ffmpeg
reports its progress on stdout (``-progress pipe:1``), which keeps :attr:`Recording.bytes_written` and
:attr:`Recording.seconds` current. A recording stops when the stream ends, after ``duration`` seconds, or on
:meth:`Recording.stop`: ``q`` on ffmpeg's stdin (it then finishes the file properly), and if ffmpeg is still
running 5 s later, SIGTERM, then SIGKILL. This module needs only a :class:`RoomInfo`, not a client.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from urllib.parse import urlsplit

import anyio
import anyio.lowlevel
from anyio.abc import ByteReceiveStream, Process

from tiktok_webcast._http import USER_AGENT
from tiktok_webcast._redact import redact
from tiktok_webcast.exceptions import StreamDownloadError
from tiktok_webcast.models import RoomInfo

__all__ = [
    "CONTAINERS",
    "DownloadResult",
    "Recording",
    "choose_stream_url",
    "download_stream",
    "record_stream",
]

CONTAINERS: Mapping[str, str] = {".flv": "flv", ".mkv": "matroska", ".mp4": "mp4", ".ts": "mpegts"}
"""Output suffix -> ffmpeg muxer."""

STOP_GRACE = 5.0
"""Seconds ffmpeg gets to finish the file after ``q`` before it is terminated (the Go library's value)."""
TERMINATE_GRACE = 2.0
READ_TIMEOUT = 15.0
"""Seconds without data from the CDN before ffmpeg gives up (``-rw_timeout``)."""
STDERR_TAIL_LINES = 12
REFERER = "https://www.tiktok.com/"

# Pull URLs carry signed query strings; ffmpeg's error lines quote them.
_URL_QUERY = re.compile(r"(https?://[^\s?'\"]+)\?[^\s'\"]*")


@dataclass(frozen=True, slots=True)
class DownloadResult:
    """A finished recording."""

    path: Path
    quality: str | None
    """The quality recorded (``None`` when only the room's HLS URL was available)."""
    url: str
    bytes_written: int
    seconds: float
    """Media time written, as ffmpeg reported it."""
    stopped: bool
    """True when the recording was stopped (``stop()`` or leaving the ``async with``), False when it ended by
    itself (the stream ended or ``duration`` was reached)."""


def choose_stream_url(room: RoomInfo, quality: str | None = None) -> tuple[str, str | None]:
    """The URL to record and its quality: the FLV URL of ``quality`` (default: the highest level), else its
    HLS URL, else the room's HLS URL. Raises :class:`StreamDownloadError` when ``quality`` is not offered or
    the room has no stream URL at all."""
    if quality is not None and quality not in room.stream_urls:
        offered = ", ".join(sorted(room.stream_urls)) or "none"
        raise StreamDownloadError(f"room {room.room_id} has no {quality!r} stream (qualities: {offered})")
    stream = room.best_stream(quality)
    if stream is not None and (stream.flv or stream.hls):
        return str(stream.flv or stream.hls), stream.quality
    if quality is None and room.hls_url:
        return room.hls_url, None
    raise StreamDownloadError(f"room {room.room_id} has no stream URL (is it live? an 18+ room needs a session_id)")


def ffmpeg_command(
    ffmpeg: str,
    url: str,
    path: Path,
    *,
    duration: float | None = None,
    proxy: str | None = None,
    headers: Mapping[str, str] | None = None,
    read_timeout: float = READ_TIMEOUT,
) -> list[str]:
    """The ffmpeg command line that copies ``url`` into ``path``."""
    muxer = CONTAINERS.get(path.suffix.lower())
    if muxer is None:
        supported = ", ".join(CONTAINERS)
        raise StreamDownloadError(f"cannot record into {path.name!r}: use one of the suffixes {supported}")
    all_headers = {"User-Agent": USER_AGENT, "Referer": REFERER, **(headers or {})}
    command = [ffmpeg, "-hide_banner", "-nostats", "-y", "-loglevel", "error", "-progress", "pipe:1"]
    if url.startswith(("http://", "https://")):
        command += ["-rw_timeout", str(int(read_timeout * 1_000_000))]
        command += ["-headers", "".join(f"{key}: {value}\r\n" for key, value in all_headers.items())]
        if proxy:
            if urlsplit(proxy).scheme not in ("http", "https"):
                raise StreamDownloadError("ffmpeg can only use an http:// proxy to record a stream")
            command += ["-http_proxy", proxy]
    # ffmpeg's default stream selection: the best video and audio (of an HLS master playlist too), no data
    # streams (timed ID3) that some containers cannot hold.
    command += ["-i", url, "-c", "copy"]
    if duration is not None:
        command += ["-t", f"{duration:g}"]
    if muxer == "mp4":
        # Fragments keep a recording readable even when ffmpeg is killed before it writes the index.
        command += ["-movflags", "+frag_keyframe+empty_moov+default_base_moof"]
    # Written through as it arrives: the file on disk is the progress, and a crash loses little.
    command += ["-flush_packets", "1", "-f", muxer, str(path)]
    return command


class Recording:
    """A running recording. ``bytes_written`` and ``seconds`` follow ffmpeg's progress reports (twice a
    second); ``done`` tells whether ffmpeg has exited; :meth:`stop` stops it, :meth:`wait` waits for the
    end."""

    def __init__(self, process: Process, path: Path, url: str, quality: str | None) -> None:
        self.path = path
        self.url = url
        self.quality = quality
        self.bytes_written = 0
        self.seconds = 0.0
        self.speed: float | None = None
        """ffmpeg's ``speed`` (1.0 = real time), once reported."""
        self._process = process
        self._stderr: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
        self._stop_requested = False
        self._exited = anyio.Event()
        self._returncode: int | None = None

    def __repr__(self) -> str:
        state = "done" if self.done else "recording"
        return f"<Recording {self.path.name} {state} {self.seconds:.1f}s {self.bytes_written} bytes>"

    @property
    def done(self) -> bool:
        return self._exited.is_set()

    async def wait(self) -> DownloadResult:
        """Waits until ffmpeg exits by itself (the stream ended, or ``duration`` was reached)."""
        await self._exited.wait()
        return self._result()

    def updates(self, interval: float = 0.5) -> AsyncIterator[Recording]:
        """The recording, every ``interval`` seconds while ffmpeg runs (for a progress display); the loop may
        be left with ``break``::

            async for progress in recording.updates(1.0):
                print(f"{progress.seconds:.0f} s, {progress.bytes_written} bytes")
        """
        return _Updates(self, interval)

    async def stop(self) -> DownloadResult:
        """Stops recording and lets ffmpeg finish the file: ``q`` on its stdin, SIGTERM after 5 s, SIGKILL 2 s
        later. Raises :class:`StreamDownloadError` if ffmpeg had already failed."""
        if not self.done:
            self._stop_requested = True
            await self._ask_to_quit()
            with anyio.move_on_after(STOP_GRACE):
                await self._exited.wait()
            if not self.done:
                self._signal("terminate")
                with anyio.move_on_after(TERMINATE_GRACE):
                    await self._exited.wait()
            if not self.done:
                self._signal("kill")
                await self._exited.wait()
        return self._result()

    async def _ask_to_quit(self) -> None:
        stdin = self._process.stdin
        if stdin is None:
            return
        try:
            await stdin.send(b"q")
            await stdin.aclose()
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
            pass  # ffmpeg is already exiting

    def _signal(self, how: str) -> None:
        try:
            if how == "terminate":
                self._process.terminate()
            else:
                self._process.kill()
        except ProcessLookupError:
            pass

    def _result(self) -> DownloadResult:
        code = self._returncode
        size = self.path.stat().st_size if self.path.exists() else 0
        self.bytes_written = max(self.bytes_written, size)
        if code != 0 and not self._stop_requested:
            raise StreamDownloadError(f"ffmpeg exited with status {code}{self._stderr_tail()}")
        if size == 0:
            raise StreamDownloadError(f"ffmpeg recorded nothing into {self.path}{self._stderr_tail()}")
        return DownloadResult(self.path, self.quality, self.url, size, self.seconds, stopped=self._stop_requested)

    def _stderr_tail(self) -> str:
        if not self._stderr:
            return ""
        lines = (redact(_URL_QUERY.sub(r"\1?…", line)) for line in self._stderr)
        return ":\n" + "\n".join(lines)

    # -- reading ffmpeg's output (run in the recording's task group) ----------------------------------------

    async def _run(self) -> None:
        # Shielded: it must see ffmpeg exit even while the caller is being cancelled (record_stream always
        # stops ffmpeg before it leaves, so this ends).
        with anyio.CancelScope(shield=True):
            try:
                async with anyio.create_task_group() as tasks:
                    if self._process.stderr is not None:
                        tasks.start_soon(_read_lines, self._process.stderr, self._stderr.append)
                    if self._process.stdout is not None:
                        await _read_lines(self._process.stdout, self._progress)
                self._returncode = await self._process.wait()
            finally:
                self._exited.set()

    def _progress(self, line: str) -> None:
        key, _, value = line.partition("=")
        try:
            if key == "total_size":
                self.bytes_written = max(self.bytes_written, int(value))
            elif key == "out_time_us":
                self.seconds = max(self.seconds, int(value) / 1_000_000)
            elif key == "speed":
                self.speed = float(value.rstrip("x"))
            elif key == "progress":
                # The end of a report. Some muxers (fragmented MP4) report a stale total_size: ask the disk.
                self.bytes_written = max(self.bytes_written, self.path.stat().st_size)
        except (ValueError, OSError):
            pass  # "N/A" before the first packet; the file is not created yet


class _Updates:
    """An iterator object rather than an async generator: leaving the loop early needs no finalization."""

    def __init__(self, recording: Recording, interval: float) -> None:
        self._recording = recording
        self._interval = interval
        self._first = True

    def __aiter__(self) -> _Updates:
        return self

    async def __anext__(self) -> Recording:
        if self._first:
            self._first = False
            await anyio.lowlevel.checkpoint()
        else:
            with anyio.move_on_after(self._interval):
                await self._recording._exited.wait()
        if self._recording.done:
            raise StopAsyncIteration
        return self._recording


async def _read_lines(stream: ByteReceiveStream, handle: Callable[[str], None]) -> None:
    pending = b""
    try:
        async for chunk in stream:
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if text := line.decode("utf-8", "replace").strip():
                    handle(text)
    except (anyio.BrokenResourceError, anyio.ClosedResourceError):
        pass
    if text := pending.decode("utf-8", "replace").strip():
        handle(text)


def _find_ffmpeg(ffmpeg: str) -> str:
    found = shutil.which(ffmpeg)
    if found is None:
        raise StreamDownloadError(
            f"ffmpeg not found ({ffmpeg!r}): install it (e.g. apt-get install ffmpeg) or pass its path"
        )
    return found


@asynccontextmanager
async def record_stream(
    room: RoomInfo,
    path: str | PathLike[str],
    *,
    quality: str | None = None,
    duration: float | None = None,
    proxy: str | None = None,
    ffmpeg: str = "ffmpeg",
    headers: Mapping[str, str] | None = None,
    read_timeout: float = READ_TIMEOUT,
) -> AsyncIterator[Recording]:
    """Records ``room``'s stream into ``path`` while the block runs::

        async with record_stream(room, "live.mkv", quality="hd") as recording:
            await anyio.sleep(60)
            print(recording.seconds, recording.bytes_written)
        print(recording.path)

    Leaving the block stops the recording (see :meth:`Recording.stop`) and raises :class:`StreamDownloadError`
    if ffmpeg failed. ``headers`` are added to TikTok's ``User-Agent`` and ``Referer`` (a ``Cookie`` for 18+
    rooms); ``proxy`` must be an ``http://`` proxy (ffmpeg's ``-http_proxy``).
    """
    output = Path(path)
    url, chosen = choose_stream_url(room, quality)
    command = ffmpeg_command(
        _find_ffmpeg(ffmpeg),
        url,
        output,
        duration=duration,
        proxy=proxy,
        headers=headers,
        read_timeout=read_timeout,
    )
    try:
        # A session of its own: a Ctrl-C in the terminal reaches us, and we stop ffmpeg cleanly.
        process = await anyio.open_process(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as error:
        raise StreamDownloadError(f"cannot run ffmpeg ({ffmpeg!r}): {error.strerror or error}") from error
    recording = Recording(process, output, url, chosen)
    # An error leaves the task group as it is, never wrapped in an exception group (cancellation excepted).
    failure: Exception | None = None
    async with process, anyio.create_task_group() as tasks:
        tasks.start_soon(recording._run)
        try:
            yield recording
            await recording.stop()
        except Exception as error:  # re-raised below, outside the task group
            failure = error
        finally:
            if not recording.done:
                # Cancelled or failed: stop ffmpeg anyway, so the file is finished and no process is left.
                with anyio.CancelScope(shield=True):
                    await _stop_quietly(recording)
    if failure is not None:
        raise failure


async def _stop_quietly(recording: Recording) -> None:
    with contextlib.suppress(StreamDownloadError):  # the error already propagating matters more
        await recording.stop()


async def download_stream(
    room: RoomInfo,
    path: str | PathLike[str],
    *,
    quality: str | None = None,
    duration: float | None = None,
    proxy: str | None = None,
    ffmpeg: str = "ffmpeg",
    headers: Mapping[str, str] | None = None,
) -> DownloadResult:
    """Records ``room``'s stream into ``path`` until the stream ends or ``duration`` seconds were recorded.
    Cancelling it stops ffmpeg cleanly. See :func:`record_stream` for the options."""
    async with record_stream(
        room, path, quality=quality, duration=duration, proxy=proxy, ffmpeg=ffmpeg, headers=headers
    ) as recording:
        return await recording.wait()
