"""The push websocket, ``/webcast/im/ws_proxy/ws_reuse_supplement/``: handshake checks, then one session per socket.

Handshake (only a 101 is success; refusals are HTTP 200 like the real service):
  * a ``ttwid`` cookie minted by this simulator is required; none or a forged one: 200, no reason headers;
  * no ``User-Agent``, a ttwid flagged earlier, or a ``device_blocked`` fault: 200 with
    ``Handshake-Msg: DEVICE_BLOCKED`` and ``Handshake-Status: 415`` (the ttwid stays flagged);
  * ``room_id`` must name a live room; with ``wrss`` (the signed path) the route params must come from a fetch
    less than ``signed_url_ttl`` seconds ago.
Session: the client's ``im_enter_room`` frame starts the pushes (welcome frame: ~6 recent comments flagged
``is_history``, or a resume from the cursor), every ``hb`` is answered and recorded, ``ack`` frames are matched
against the frames sent with ``need_ack``; no heartbeat for ``heartbeat_timeout`` closes the socket.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import anyio
import anyio.abc

from tiktok_webcast import protocol
from tiktok_webcast.exceptions import WebcastError
from tiktok_webcast.simulator.fetch import Batch
from tiktok_webcast.simulator.http import Request, Response, Upgrade
from tiktok_webcast.simulator.ids import parse_cursor
from tiktok_webcast.simulator.rooms import CloseOrder, RawFrame, Room, SilenceOrder, Subscription
from tiktok_webcast.simulator.scenario import DeviceBlocked, RefuseHandshake
from tiktok_webcast.simulator.sessions import AckRecord, HeartbeatRecord, SessionRecord, keep_recent
from tiktok_webcast.simulator.urls import FALLBACK_PATH
from tiktok_webcast.simulator.websocket import ServerWebSocket, WebSocketClosed
from tiktok_webcast.simulator.world import World

__all__ = ["WS_PATH", "PushService"]

logger = logging.getLogger("tiktok_webcast.simulator.push")

WS_PATH = "/webcast/im/ws_proxy/ws_reuse_supplement/"
MAX_PENDING_ACKS = 256
REPLAY_WRITE_SIZE = 65536
"""A replay writes the frames that are due together, up to about this many bytes a write."""
"""Per session, the newest frames awaiting an ack (a client that never acks must not grow the record)."""
MAX_CLOSED_SESSIONS = 1000
"""Closed session records kept (the newest), besides every open one."""


def _refuse(reason: str, *, status: int = 200, message: str = "", handshake_status: int = 0) -> Response:
    response = Response(status, [("content-type", "text/plain; charset=utf-8"), ("x-simulator-reason", reason)])
    if message:
        response.headers.append(("handshake-msg", message))
    if handshake_status:
        response.headers.append(("handshake-status", str(handshake_status)))
    return response


@dataclass
class _Handshake:
    room: Room
    compress: bool
    history_count: int
    resume_seq: int | None
    signed: bool


class PushService:
    def __init__(self, world: World) -> None:
        self.world = world

    async def handle(self, request: Request) -> Response | Upgrade:
        if request.path.rstrip("/") == FALLBACK_PATH.rstrip("/"):
            # The fallback proxy answered a plain 200 instead of 101 (TikTokLive #376).
            logger.info("handshake refused (HTTP 200): the fallback proxy never upgrades")
            return _refuse("signer fallback stub: this proxy never upgrades")
        if request.path.rstrip("/") != WS_PATH.rstrip("/"):
            return Response.text("not found\n", 404)
        if not request.is_websocket():
            return Response.text("this endpoint only speaks websocket\n", 426).with_header("upgrade", "websocket")
        checked = self._check(request)
        if isinstance(checked, Response):
            reason = next((v for k, v in checked.headers if k == "x-simulator-reason"), "")
            logger.info("handshake refused (HTTP %d): %s", checked.status, reason)
            return checked
        headers = [("handshake-options", ("compress=gzip; " if checked.compress else "") + "ping-interval=10")]
        offered = request.header("sec-websocket-protocol")
        if offered:
            headers.append(("sec-websocket-protocol", offered.split(",")[0].strip()))
        record = SessionRecord(
            id=self.world.ids.session_id(),
            room_id=checked.room.room_id,
            path="signed" if checked.signed else "signer-free",
            compress=checked.compress,
            user_agent=request.header("user-agent") or "",
            opened_at=self.world.clock.real(),
            resumed_from=checked.resume_seq,
        )

        async def run(ws: ServerWebSocket) -> None:
            logger.info("session %d open: room %d, %s path", record.id, record.room_id, record.path)
            await _Session(self.world, ws, record, checked).run()
            logger.info(
                "session %d closed by %s: %s %s", record.id, record.closed_by, record.close_code, record.close_reason
            )

        return Upgrade(run, headers)

    def _check(self, request: Request) -> _Handshake | Response:
        world = self.world
        refusal = world.faults.take(RefuseHandshake)
        if refusal is not None:
            return _refuse(
                "refuse_handshake fault",
                status=refusal.status,
                message=refusal.message,
                handshake_status=refusal.handshake_status,
            )
        broken = self._broken_handshake(request)
        if broken is not None:
            return broken
        ttwid = request.cookies.get("ttwid", "")
        if not world.ttwids.valid(ttwid):
            return _refuse("missing or unknown ttwid cookie" if ttwid else "no ttwid cookie")
        if world.ttwids.flagged(ttwid):
            return _refuse("ttwid was flagged earlier", message="DEVICE_BLOCKED", handshake_status=415)
        if not request.header("user-agent"):
            world.ttwids.flag(ttwid)
            return _refuse("no User-Agent header", message="DEVICE_BLOCKED", handshake_status=415)
        if world.faults.take(DeviceBlocked) is not None:
            world.ttwids.flag(ttwid)
            return _refuse("device_blocked fault", message="DEVICE_BLOCKED", handshake_status=415)
        room = world.room(request.arg("room_id"))
        if room is None:
            return _refuse("unknown room_id")
        if not room.live:
            return _refuse("room is not live")
        wrss = request.arg("wrss")
        resume = parse_cursor(request.arg("cursor", "") or "")
        if wrss is not None:
            route = world.check_route(wrss, room.room_id)
            if route is None:
                return _refuse("route params (wrss) unknown, for another room, or expired")
            if resume is None:
                resume = route.resume_seq
        try:
            history = int(request.arg("history_comment_count", "") or world.scenario.server.history_comments)
        except ValueError:
            history = world.scenario.server.history_comments
        return _Handshake(
            room=room,
            compress=request.arg("compress") == "gzip",
            history_count=max(0, min(history, 50)),
            resume_seq=resume,
            signed=wrss is not None,
        )

    def _broken_handshake(self, request: Request) -> Response | None:
        """Refusals of the dated fault pack (``simulator/pack.py``)."""
        world = self.world
        room = world.room(request.arg("room_id"))
        owner = room.creator.username if room is not None else ""
        if world.broken("2025-01-28-version-code", owner) and not request.arg("version_code"):
            return _refuse("2025-01-28-version-code: no version_code in the URL")
        blocked = world.broken("2024-05-23-device-blocked", owner)
        blocked_415 = world.broken("2024-05-23-device-blocked-415", owner)
        if blocked or blocked_415:
            ttwid = request.cookies.get("ttwid", "")
            if ttwid:
                world.ttwids.flag(ttwid)
            return _refuse(
                "2024-05-23-device-blocked",
                status=415 if blocked_415 else 200,
                message="DEVICE_BLOCKED",
                handshake_status=415,
            )
        if world.broken("2026-09-09-illegal-app-id", owner):
            return _refuse("2026-09-09-illegal-app-id", message="illegal app_id", handshake_status=417)
        return None


class _Session:
    def __init__(self, world: World, ws: ServerWebSocket, record: SessionRecord, handshake: _Handshake) -> None:
        self.world = world
        self.ws = ws
        self.record = record
        self.handshake = handshake
        self.last_heartbeat = world.clock.real()
        self.room: Room | None = None
        self.writer_scope: anyio.CancelScope | None = None
        self.subscription: Subscription | None = None
        self.tg: anyio.abc.TaskGroup | None = None

    async def run(self) -> None:
        self.world.sessions.append(self.record)
        try:
            async with anyio.create_task_group() as tg:
                self.tg = tg
                tg.start_soon(self._reader)
                tg.start_soon(self._watchdog)
                if not self.world.scenario.server.require_enter_room:
                    self._enter(self.handshake.room, self.handshake.resume_seq)
        finally:
            if self.subscription is not None:
                self.subscription.close()
            with anyio.CancelScope(shield=True):
                if not self.ws.closed:
                    await self.ws.close(1000, "")
                record = self.record
                record.closed_at = self.world.clock.real()
                record.close_code = self.ws.close_code
                record.close_reason = self.ws.close_reason
                record.closed_by = self.ws.closed_by
                self._forget_old_sessions()

    def _forget_old_sessions(self) -> None:
        """Keeps the newest ``MAX_CLOSED_SESSIONS`` closed records; pruned in bulk, so a close costs O(1) on average."""
        world = self.world
        world.closed_sessions += 1
        if world.closed_sessions > 2 * MAX_CLOSED_SESSIONS:
            closed = [s for s in world.sessions if not s.open]
            drop = {id(s) for s in closed[: len(closed) - MAX_CLOSED_SESSIONS]}
            world.sessions[:] = [s for s in world.sessions if id(s) not in drop]
            world.closed_sessions = MAX_CLOSED_SESSIONS

    def _stop(self) -> None:
        if self.tg is not None:
            self.tg.cancel_scope.cancel()

    # ------------------------------------------------------------------------------------------ inbound

    async def _reader(self) -> None:
        try:
            while True:
                message = await self.ws.receive()
                if isinstance(message, str):
                    self._unexpected("text message")
                    continue
                await self._handle_frame(message)
        except WebSocketClosed:
            pass
        self._stop()

    async def _handle_frame(self, data: bytes) -> None:
        record = self.record
        try:
            frame = protocol.decode_push_frame(data)
        except WebcastError as exc:
            self._unexpected(f"undecodable frame: {exc}")
            return
        kind = frame.payload_type
        now = self.world.clock.real()
        if kind == "hb":
            try:
                room_id, seq = protocol.decode_heartbeat(frame.payload)
            except WebcastError:
                room_id, seq = 0, 0
            keep_recent(record.heartbeats, HeartbeatRecord(now, room_id, seq))
            record.heartbeat_count += 1
            self.last_heartbeat = now
            await self._send(protocol.encode_push_frame(frame.payload, payload_type="hb"))
        elif kind == "im_enter_room":
            try:
                room_id, unique_id, cursor = protocol.decode_enter_room(frame.payload)
            except WebcastError as exc:
                self._unexpected(f"bad im_enter_room: {exc}")
                return
            room = self.world.room(room_id)
            if room is None or not room.live:
                self._entered(room_id, unique_id)
                self._unexpected(f"im_enter_room for room {room_id}, which is not live")
                return
            await self._send(protocol.encode_push_frame(frame.payload, payload_type="im_enter_room_resp"))
            if self.room is not room:
                resume = parse_cursor(cursor)
                if resume is None and room is self.handshake.room:
                    resume = self.handshake.resume_seq
                self._enter(room, resume)
            # Recorded once the session is subscribed: a test that waits for it may publish right away.
            self._entered(room_id, unique_id)
        elif kind == "ack":
            internal_ext = frame.payload.decode("utf-8", "replace")
            expected = record.pending_acks.get(frame.log_id)
            matched = expected is not None and expected == internal_ext
            if matched:
                del record.pending_acks[frame.log_id]
            keep_recent(record.acks, AckRecord(now, record.id, record.room_id, frame.log_id, internal_ext, matched))
            record.ack_count += 1
        else:
            self._unexpected(f"payload_type {kind!r}")

    def _entered(self, room_id: int, unique_id: int) -> None:
        record = self.record
        keep_recent(record.entered, room_id)
        keep_recent(record.enter_unique_ids, unique_id)
        record.enter_count += 1

    def _unexpected(self, what: str) -> None:
        keep_recent(self.record.unexpected_frames, what)
        self.record.unexpected_count += 1

    async def _watchdog(self) -> None:
        timeout = self.world.scenario.server.heartbeat_timeout
        while True:
            remaining = self.last_heartbeat + timeout - self.world.clock.real()
            if remaining <= 0:
                await self.ws.close(self.world.scenario.server.heartbeat_close_code, "heartbeat timeout")
                self._stop()
                return
            await anyio.sleep(min(remaining, 1.0))

    # ------------------------------------------------------------------------------------------ outbound

    def _enter(self, room: Room, resume_seq: int | None) -> None:
        if self.writer_scope is not None:
            self.writer_scope.cancel()
        if self.subscription is not None:
            self.subscription.close()
        self.room = room
        self.record.room_id = room.room_id
        subscription = self.subscription = room.subscribe()
        scope = anyio.CancelScope()
        self.writer_scope = scope
        assert self.tg is not None
        if room.replay is not None:
            subscription.close()
            self.tg.start_soon(self._replay, room, scope)
        else:
            welcome = room.welcome(history_count=self.handshake.history_count, resume_seq=resume_seq)
            self.tg.start_soon(self._writer, subscription, welcome, scope)

    async def _send(self, data: bytes | str) -> None:
        if self.record.silent:
            self.record.withheld_frames += 1
            return
        try:
            await self.ws.send(data)
        except WebSocketClosed:
            self._stop()

    async def _send_many(self, frames: list[bytes]) -> None:
        if self.record.silent:
            self.record.withheld_frames += len(frames)
            return
        try:
            await self.ws.send_many(frames)
        except WebSocketClosed:
            self._stop()

    async def _send_batch(self, batch: Batch) -> None:
        record = self.record
        if record.silent:
            record.withheld_frames += 1
            return
        # Registered before sending: a fast client's ack may arrive before the send returns.
        if batch.need_ack:
            self._expect_ack(batch.log_id, batch.internal_ext)
        await self._send(batch.frame(self.handshake.compress))
        record.frames_sent += 1
        record.messages_sent += batch.count

    def _expect_ack(self, log_id: int, internal_ext: str) -> None:
        pending = self.record.pending_acks
        pending[log_id] = internal_ext
        if len(pending) > MAX_PENDING_ACKS:
            del pending[next(iter(pending))]

    async def _writer(self, subscription: Subscription, welcome: Batch, scope: anyio.CancelScope) -> None:
        with scope:
            try:
                await self._send_batch(welcome)
                async for item in subscription.inbox:
                    if isinstance(item, Batch):
                        await self._send_batch(item)
                    elif isinstance(item, RawFrame) and not self.record.silent:
                        await self._send(item.data)
                        self.record.frames_sent += 1
                    elif isinstance(item, CloseOrder):
                        await self._close(item)
                        return
                    elif isinstance(item, SilenceOrder):
                        logger.info("session %d goes silent", self.record.id)
                        self.record.silent = True
                if subscription.overflowed:
                    await self.ws.close(1011, "client too slow")
                    self._stop()
            finally:
                subscription.close()

    async def _close(self, order: CloseOrder) -> None:
        if order.mode == "abort":
            await self.ws.abort()
        else:
            await self.ws.close(order.code, order.reason)
        self._stop()

    async def _replay(self, room: Room, scope: anyio.CancelScope) -> None:
        """Sends a recorded trace's server frames at their recorded pace (scaled by speed). Without ``loop`` the room
        ends once a client has been sent the whole recording."""
        frames = room.replay or ()
        speed = self.world.clock.speed
        clock = self.world.clock
        with scope:
            while frames and not self.ws.closed:
                start = clock.real()
                t0 = frames[0].t
                index = 0
                while index < len(frames):
                    delay = start + (frames[index].t - t0) / speed - clock.real()
                    # Always a checkpoint: a burst of frames (or a client gone) must not starve the other tasks.
                    await anyio.sleep(max(delay, 0.0))
                    if self.ws.closed:
                        break
                    # The frames due by now go out in one write, as a server sends what it has ready.
                    now = clock.real()
                    batch = [frames[index]]
                    size = len(frames[index].data)
                    index += 1
                    while (
                        index < len(frames)
                        and size < REPLAY_WRITE_SIZE
                        and start + (frames[index].t - t0) / speed <= now
                    ):
                        batch.append(frames[index])
                        size += len(frames[index].data)
                        index += 1
                    for frame in batch:
                        if frame.internal_ext:
                            self._expect_ack(frame.log_id, frame.internal_ext)
                    await self._send_many([frame.data for frame in batch])
                    self.record.frames_sent += len(batch)
                if not room.replay_loop:
                    room.mark_ended()
                    break
            await room.ended.wait()
            await self._close(CloseOrder("close", 1000, "live ended"))
