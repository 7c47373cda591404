"""The sans-IO websocket client through its Python class: handshake, refusal, ping/pong, closing, errors."""

from __future__ import annotations

import base64
import hashlib
import struct

import pytest

from tiktok_webcast._core import (
    Accepted,
    CapacityError,
    CloseReceived,
    ConnectionClosedError,
    InvalidStateError,
    Message,
    Ping,
    Pong,
    ProtocolError,
    Rejected,
    WebcastError,
    WebSocket,
)

KEY = b"the sample nonce"
ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="  # RFC 6455 section 1.3
MASK = bytes([0x37, 0xFA, 0x21, 0x3D])

TEXT, BINARY, CLOSE, PING, PONG = 0x1, 0x2, 0x8, 0x9, 0xA


def server_frame(opcode: int, payload: bytes = b"", *, fin: bool = True) -> bytes:
    """An unmasked frame as a server sends it."""
    head = bytes([(0x80 if fin else 0) | opcode])
    if len(payload) < 126:
        head += bytes([len(payload)])
    elif len(payload) < 1 << 16:
        head += bytes([126]) + struct.pack("!H", len(payload))
    else:
        head += bytes([127]) + struct.pack("!Q", len(payload))
    return head + payload


def client_frames(data: bytes) -> list[tuple[int, bytes]]:
    """Decodes masked client frames into (opcode, unmasked payload)."""
    frames = []
    while data:
        assert data[1] & 0x80, "client frames must be masked"
        length, at = data[1] & 0x7F, 2
        if length == 126:
            (length,), at = struct.unpack("!H", data[2:4]), 4
        elif length == 127:
            (length,), at = struct.unpack("!Q", data[2:10]), 10
        mask, at = data[at : at + 4], at + 4
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(data[at : at + length]))
        frames.append((data[0] & 0x0F, payload))
        data = data[at + length :]
    return frames


def accepted_head(extra: str = "") -> bytes:
    return (
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Accept: {ACCEPT}\r\n{extra}\r\n"
    ).encode()


def new_client(**kwargs: object) -> WebSocket:
    return WebSocket("webcast.example", "/ws?room=1", KEY, mask_seed=bytes(16), **kwargs)  # type: ignore[arg-type]


def open_client(**kwargs: object) -> WebSocket:
    ws = new_client(**kwargs)
    ws.data_to_send()
    [accepted] = ws.receive_data(accepted_head())
    assert isinstance(accepted, Accepted)
    return ws


def test_accept_key_matches_rfc_example() -> None:
    digest = hashlib.sha1(base64.b64encode(KEY) + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest()
    assert base64.b64encode(digest).decode() == ACCEPT


def test_handshake_request_is_the_first_output() -> None:
    ws = WebSocket(
        "webcast.example",
        "/ws?room=1",
        KEY,
        headers=[("Cookie", "ttwid=1"), ("User-Agent", "ua/1")],
    )
    assert ws.state == "connecting"
    assert ws.data_to_send() == (
        b"GET /ws?room=1 HTTP/1.1\r\nHost: webcast.example\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        b"Sec-WebSocket-Version: 13\r\nCookie: ttwid=1\r\nUser-Agent: ua/1\r\n\r\n"
    )
    assert ws.data_to_send() == b""


@pytest.mark.parametrize("chunk_size", [1, 7, 1 << 20])
def test_accepted_with_frames_in_the_same_chunk(chunk_size: int) -> None:
    ws = new_client()
    data = accepted_head("Handshake-Options: ping-interval=10\r\n")
    data += server_frame(TEXT, "héllo".encode()) + server_frame(BINARY, b"\x00\x01")
    events = []
    for start in range(0, len(data), chunk_size):
        events += ws.receive_data(data[start : start + chunk_size])
    accepted, text, binary = events
    assert isinstance(accepted, Accepted)
    assert accepted.header("handshake-options") == "ping-interval=10"
    assert ("Sec-WebSocket-Accept", ACCEPT) in accepted.headers
    assert text == Message("héllo", False)
    assert binary == Message(b"\x00\x01", True)
    assert ws.state == "open"


def test_device_blocked_refusal() -> None:
    ws = new_client()
    body = b'{"message":"DEVICE_BLOCKED"}'
    response = (
        b"HTTP/1.1 200 OK\r\nHandshake-Msg: DEVICE_BLOCKED\r\nHandshake-Status: 415\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body)
    ) + body
    assert ws.receive_data(response[:-5]) == []
    [rejected] = ws.receive_data(response[-5:] + b"ignored trailing bytes")
    assert isinstance(rejected, Rejected)
    assert (rejected.status, rejected.reason, rejected.body) == (200, "OK", body)
    assert rejected.header("HANDSHAKE-MSG") == "DEVICE_BLOCKED"
    assert rejected.header("handshake-status") == "415"
    assert rejected.header("missing") is None
    assert ws.state == "rejected"
    with pytest.raises(InvalidStateError):
        ws.send_text("hello", MASK)


def test_refusal_without_length_ends_at_eof() -> None:
    ws = new_client()
    assert ws.receive_data(b"HTTP/1.1 403 Forbidden\r\nHandshake-Msg: NO\r\n\r\nblocked") == []
    assert ws.receive_data(b" for now") == []
    [rejected] = ws.receive_eof()
    assert rejected == Rejected(403, "Forbidden", [("Handshake-Msg", "NO")], b"blocked for now")


def test_bad_accept_key_is_a_protocol_error() -> None:
    ws = new_client()
    head = accepted_head().replace(ACCEPT.encode(), b"AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
    with pytest.raises(ProtocolError) as raised:
        ws.receive_data(head)
    assert raised.value.close_code is None
    assert ws.state == "failed"
    with pytest.raises(ProtocolError):
        ws.receive_data(b"more")


def test_ping_is_answered_with_the_same_payload() -> None:
    ws = open_client()
    assert ws.receive_data(server_frame(PING, b"are you there")) == [Ping(b"are you there")]
    assert client_frames(ws.data_to_send()) == [(PONG, b"are you there")]
    assert ws.receive_data(server_frame(PONG, b"x")) == [Pong(b"x")]
    ws.send_ping(b"mine", MASK)
    assert client_frames(ws.data_to_send()) == [(PING, b"mine")]


def test_fragmented_message_with_interleaved_ping() -> None:
    ws = open_client()
    data = server_frame(TEXT, b"Hel", fin=False) + server_frame(PING, b"p") + server_frame(0x0, b"lo", fin=True)
    assert ws.receive_data(data) == [Ping(b"p"), Message("Hello", False)]


def test_masks_are_the_callers() -> None:
    ws = open_client()
    ws.send_text("Hello", MASK)
    # RFC 6455 section 5.7: a single-frame masked text message.
    assert ws.data_to_send() == bytes.fromhex("818537fa213d7f9f4d5158")
    ws.send_binary(b"x" * 70000)  # mask drawn from os.urandom
    assert client_frames(ws.data_to_send()) == [(BINARY, b"x" * 70000)]
    with pytest.raises(ValueError, match="4 bytes"):
        ws.send_binary(b"x", b"abc")


def test_client_initiated_close() -> None:
    ws = open_client()
    ws.close(1000, "bye", MASK)
    assert ws.state == "closing"
    assert client_frames(ws.data_to_send()) == [(CLOSE, b"\x03\xe8bye")]
    with pytest.raises(ConnectionClosedError):
        ws.send_text("late", MASK)
    events = ws.receive_data(server_frame(TEXT, b"last") + server_frame(CLOSE, b"\x03\xe8ok"))
    assert events == [Message("last", False), CloseReceived(1000, "ok")]
    assert ws.state == "closed"
    assert ws.data_to_send() == b""


def test_server_initiated_close_is_echoed() -> None:
    ws = open_client()
    assert ws.receive_data(server_frame(CLOSE, b"\x03\xe9going")) == [CloseReceived(1001, "going")]
    assert client_frames(ws.data_to_send()) == [(CLOSE, b"\x03\xe9")]
    assert ws.state == "closed"
    with pytest.raises(ConnectionClosedError):
        ws.send_binary(b"x", MASK)


def test_eof_while_open_reports_1006() -> None:
    ws = open_client()
    assert ws.receive_eof() == [CloseReceived(1006, "")]
    assert ws.state == "closed"


def test_protocol_error_carries_code_and_earlier_events() -> None:
    ws = open_client()
    masked = bytes([0x81, 0x80]) + b"\x00\x00\x00\x00"
    with pytest.raises(ProtocolError) as raised:
        ws.receive_data(server_frame(TEXT, b"before") + masked)
    assert isinstance(raised.value, WebcastError)
    assert raised.value.close_code == 1002
    assert raised.value.events == [Message("before", False)]
    assert ws.state == "failed"
    [(opcode, payload)] = client_frames(ws.data_to_send())
    assert (opcode, payload[:2]) == (CLOSE, b"\x03\xea")


def test_invalid_utf8_is_1007() -> None:
    ws = open_client()
    with pytest.raises(ProtocolError) as raised:
        ws.receive_data(server_frame(TEXT, b"\xff"))
    assert raised.value.close_code == 1007


def test_oversized_message_is_rejected_on_its_header() -> None:
    ws = open_client(max_message_size=1024)
    header = bytes([0x82, 127]) + struct.pack("!Q", 1 << 62)
    with pytest.raises(CapacityError) as raised:
        ws.receive_data(header)
    assert raised.value.close_code == 1009
    [(opcode, payload)] = client_frames(ws.data_to_send())
    assert (opcode, payload[:2]) == (CLOSE, b"\x03\xf1")


def test_local_misuse() -> None:
    ws = new_client()
    with pytest.raises(InvalidStateError):
        ws.send_text("too early", MASK)
    with pytest.raises(ValueError, match="16 bytes"):
        WebSocket("h", "/", b"short")
    with pytest.raises(ValueError):
        WebSocket("h", "/", KEY, headers=[("X", "a\r\nHost: evil")])
    ws = open_client()
    with pytest.raises(ValueError):
        ws.close(1005)
    with pytest.raises(ValueError):
        ws.send_ping(b"x" * 126, MASK)
    assert ws.state == "open"


def test_event_classes_behave_like_frozen_dataclasses() -> None:
    message = Message(b"data", True)
    assert repr(message) == "Message(data=b'data', binary=True)"
    assert message == Message(b"data", True)
    assert message != Message("data", False)
    assert hash(message) == hash(Message(b"data", True))
    with pytest.raises(AttributeError):
        message.binary = False  # type: ignore[misc]
    with pytest.raises(TypeError):
        Message("text", True)
    assert CloseReceived.__match_args__ == ("code", "reason")
    assert Rejected.__match_args__ == ("status", "reason", "headers", "body")
    match CloseReceived(1000, "bye"):
        case CloseReceived(code, reason):
            assert (code, reason) == (1000, "bye")
    assert repr(Ping(b"x")) == "Ping(data=b'x')"
    assert Pong() == Pong(b"")
    assert Accepted([("A", "b")]) == Accepted([("A", "b")])
