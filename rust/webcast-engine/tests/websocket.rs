//! The websocket client through its public API. Server frames are built by the helpers below; every input is
//! fed whole, one byte at a time and split at every point, and the outcomes must agree.

use proptest::prelude::*;
use webcast_engine::websocket::{accept_key, Error, Event, State, WebSocket, WebSocketConfig};

const KEY: [u8; 16] = *b"the sample nonce";
const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

// ---------------------------------------------------------------------------------------------------------------
// Helpers: a configured client, server frames, decoding what the client sends.

fn config() -> WebSocketConfig {
    WebSocketConfig::new("webcast.example", "/ws/?room=1", KEY, [9; 16])
        .with_header("Cookie", "ttwid=abc")
        .with_header("User-Agent", "test/1.0")
}

fn accepted_head(extra: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {ACCEPT}\r\n{extra}\r\n"
    )
    .into_bytes()
}

/// A client after a successful handshake, with the request and the `Accepted` event drained.
fn open_client_with(config: WebSocketConfig) -> WebSocket {
    let mut ws = WebSocket::new(config).unwrap();
    let _request = ws.poll_transmit().unwrap();
    ws.receive_data(&accepted_head("")).unwrap();
    assert!(matches!(ws.poll_event(), Some(Event::Accepted { .. })));
    assert_eq!(ws.state(), State::Open);
    ws
}

fn open_client() -> WebSocket {
    open_client_with(config())
}

const CONTINUATION: u8 = 0x0;
const TEXT: u8 = 0x1;
const BINARY: u8 = 0x2;
const CLOSE: u8 = 0x8;
const PING: u8 = 0x9;
const PONG: u8 = 0xA;

/// An unmasked server frame with the minimal length encoding.
fn server_frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![if fin { 0x80 } else { 0 } | opcode];
    match payload.len() {
        len @ 0..=125 => out.push(len as u8),
        len @ 126..=0xFFFF => {
            out.push(126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        len => {
            out.push(127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(payload);
    out
}

fn close_frame(code: u16, reason: &str) -> Vec<u8> {
    let mut payload = code.to_be_bytes().to_vec();
    payload.extend_from_slice(reason.as_bytes());
    server_frame(true, CLOSE, &payload)
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct ClientFrame {
    fin: bool,
    opcode: u8,
    payload: Vec<u8>,
}

/// Decodes (and unmasks) everything a client sent, asserting each frame is masked.
fn client_frames(mut bytes: &[u8]) -> Vec<ClientFrame> {
    let mut frames = Vec::new();
    while !bytes.is_empty() {
        assert!(bytes[1] & 0x80 != 0, "client frames must be masked");
        let (len, mut at) = match bytes[1] & 0x7F {
            126 => (u16::from_be_bytes([bytes[2], bytes[3]]) as usize, 4),
            127 => (
                u64::from_be_bytes(bytes[2..10].try_into().unwrap()) as usize,
                10,
            ),
            len => (len as usize, 2),
        };
        let mask = [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]];
        at += 4;
        let payload = bytes[at..at + len]
            .iter()
            .enumerate()
            .map(|(i, b)| b ^ mask[i % 4])
            .collect();
        frames.push(ClientFrame {
            fin: bytes[0] & 0x80 != 0,
            opcode: bytes[0] & 0x0F,
            payload,
        });
        bytes = &bytes[at + len..];
    }
    frames
}

fn sent_frames(ws: &mut WebSocket) -> Vec<ClientFrame> {
    client_frames(&ws.poll_transmit().unwrap_or_default())
}

fn close_payload(code: u16, reason: &str) -> Vec<u8> {
    let mut payload = code.to_be_bytes().to_vec();
    payload.extend_from_slice(reason.as_bytes());
    payload
}

/// Everything a client did with one input.
#[derive(Debug, PartialEq)]
struct Outcome {
    events: Vec<Event>,
    result: Result<(), Error>,
    sent: Vec<u8>,
    state: State,
}

fn feed_chunks<'a>(mut ws: WebSocket, chunks: impl IntoIterator<Item = &'a [u8]>) -> Outcome {
    let mut events = Vec::new();
    let mut result = Ok(());
    for chunk in chunks {
        result = ws.receive_data(chunk);
        events.extend(ws.events());
        if result.is_err() {
            break;
        }
    }
    Outcome {
        events,
        result,
        sent: ws.poll_transmit().unwrap_or_default(),
        state: ws.state(),
    }
}

/// Feeds `input` whole, byte by byte and (when short) split in two at every point; all must agree.
fn feed_every_way(make: impl Fn() -> WebSocket, input: &[u8]) -> Outcome {
    let whole = feed_chunks(make(), [input]);
    let bytewise = feed_chunks(make(), input.chunks(1));
    assert_eq!(whole, bytewise, "whole vs byte at a time");
    if input.len() <= 512 {
        for cut in 0..=input.len() {
            let (a, b) = input.split_at(cut);
            assert_eq!(whole, feed_chunks(make(), [a, b]), "split at {cut}");
        }
    }
    whole
}

fn protocol_code(outcome: &Outcome) -> Option<u16> {
    outcome.result.as_ref().err().and_then(Error::close_code)
}

/// The close frame a failed client queued.
fn queued_close(outcome: &Outcome) -> ClientFrame {
    let frames = client_frames(&outcome.sent);
    assert_eq!(frames.len(), 1, "{frames:?}");
    assert_eq!(frames[0].opcode, CLOSE);
    frames[0].clone()
}

fn assert_fails_with(input: &[u8], code: u16) {
    let outcome = feed_every_way(open_client, input);
    assert_eq!(protocol_code(&outcome), Some(code), "{outcome:?}");
    assert_eq!(outcome.state, State::Failed);
    let close = queued_close(&outcome);
    assert_eq!(close.payload[..2], code.to_be_bytes());
}

// ---------------------------------------------------------------------------------------------------------------
// Handshake

#[test]
fn rfc_6455_accept_key_example() {
    assert_eq!(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), ACCEPT);
}

#[test]
fn request_is_queued_once() {
    let mut ws = WebSocket::new(config()).unwrap();
    assert_eq!(ws.state(), State::Connecting);
    let request = String::from_utf8(ws.poll_transmit().unwrap()).unwrap();
    assert_eq!(
        request,
        "GET /ws/?room=1 HTTP/1.1\r\nHost: webcast.example\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\nCookie: ttwid=abc\r\nUser-Agent: test/1.0\r\n\r\n"
    );
    assert_eq!(ws.poll_transmit(), None);
}

#[test]
fn config_with_header_injection_is_refused() {
    let bad = config().with_header("X-Evil", "1\r\nHost: other");
    assert!(matches!(
        WebSocket::new(bad),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn accepted_exposes_headers_and_keeps_frames_in_the_same_chunk() {
    let mut input = accepted_head("Handshake-Options: ping-interval=10\r\n");
    input.extend(server_frame(true, TEXT, b"first"));
    input.extend(server_frame(true, BINARY, b"\x00\x01"));
    let outcome = feed_every_way(|| WebSocket::new(config()).unwrap(), &input);
    assert_eq!(outcome.result, Ok(()));
    assert_eq!(outcome.state, State::Open);
    let [Event::Accepted { headers }, Event::Text(text), Event::Binary(data)] = &outcome.events[..]
    else {
        panic!("{:?}", outcome.events);
    };
    assert_eq!(headers.get("handshake-options"), Some("ping-interval=10"));
    assert_eq!(headers.get("SEC-WEBSOCKET-ACCEPT"), Some(ACCEPT));
    assert_eq!(text, "first");
    assert_eq!(data, b"\x00\x01");
    // The request was already drained by nobody: it is still the first output.
    assert!(outcome.sent.starts_with(b"GET /ws/?room=1 HTTP/1.1\r\n"));
}

#[test]
fn wrong_accept_key_fails_the_handshake() {
    let input =
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                  Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n";
    let outcome = feed_every_way(
        || {
            let mut ws = WebSocket::new(config()).unwrap();
            let _ = ws.poll_transmit();
            ws
        },
        input,
    );
    assert!(matches!(outcome.result, Err(Error::Handshake(_))));
    assert_eq!(outcome.state, State::Failed);
    assert!(
        outcome.sent.is_empty(),
        "no close frame before the handshake"
    );
}

#[test]
fn missing_upgrade_headers_fail_the_handshake() {
    for head in [
        format!("HTTP/1.1 101 OK\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {ACCEPT}\r\n\r\n"),
        format!("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: {ACCEPT}\r\n\r\n"),
        "HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n".to_owned(),
        format!(
            "HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {ACCEPT}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n"
        ),
    ] {
        let mut ws = WebSocket::new(config()).unwrap();
        let error = ws.receive_data(head.as_bytes()).unwrap_err();
        assert!(matches!(error, Error::Handshake(_)), "{head}");
        // The error state is sticky.
        assert_eq!(ws.receive_data(b"more"), Err(error));
        assert_eq!(ws.state(), State::Failed);
    }
}

#[test]
fn device_blocked_refusal_with_content_length() {
    let body = br#"{"status_code":415,"message":"DEVICE_BLOCKED"}"#;
    let mut input = format!(
        "HTTP/1.1 200 OK\r\nHandshake-Msg: DEVICE_BLOCKED\r\nHandshake-Status: 415\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    input.extend_from_slice(body);
    input.extend_from_slice(b"trailing bytes that are not part of the body");
    let outcome = feed_every_way(|| WebSocket::new(config()).unwrap(), &input);
    assert_eq!(outcome.result, Ok(()));
    assert_eq!(outcome.state, State::Rejected);
    let [Event::Rejected {
        status,
        reason,
        headers,
        body: got,
    }] = &outcome.events[..]
    else {
        panic!("{:?}", outcome.events);
    };
    assert_eq!((*status, reason.as_str()), (200, "OK"));
    assert_eq!(headers.get("handshake-msg"), Some("DEVICE_BLOCKED"));
    assert_eq!(headers.get("Handshake-Status"), Some("415"));
    assert_eq!(got, body);
}

#[test]
fn refusal_without_length_ends_at_eof() {
    let mut ws = WebSocket::new(config()).unwrap();
    ws.receive_data(b"HTTP/1.1 403 Forbidden\r\nHandshake-Msg: NO\r\n\r\npart one, ")
        .unwrap();
    assert_eq!(ws.poll_event(), None);
    assert_eq!(ws.state(), State::Connecting);
    ws.receive_data(b"part two").unwrap();
    ws.receive_eof().unwrap();
    let Some(Event::Rejected { status, body, .. }) = ws.poll_event() else {
        panic!()
    };
    assert_eq!(status, 403);
    assert_eq!(body, b"part one, part two");
    assert_eq!(ws.state(), State::Rejected);
    // Refused connections cannot send.
    assert!(matches!(
        ws.send_text("x", MASK),
        Err(Error::InvalidState { .. })
    ));
    assert_eq!(ws.receive_eof(), Ok(()));
}

#[test]
fn chunked_refusal_and_bodiless_refusal() {
    let input =
        b"HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
    let outcome = feed_every_way(|| WebSocket::new(config()).unwrap(), input);
    assert!(
        matches!(&outcome.events[..], [Event::Rejected { status: 500, body, .. }] if body == b"abcde")
    );

    let outcome = feed_every_way(
        || WebSocket::new(config()).unwrap(),
        b"HTTP/1.1 204 No Content\r\n\r\n",
    );
    assert!(
        matches!(&outcome.events[..], [Event::Rejected { status: 204, body, .. }] if body.is_empty())
    );
}

#[test]
fn oversized_response_head_is_a_capacity_error() {
    let mut ws = WebSocket::new(config()).unwrap();
    ws.receive_data(b"HTTP/1.1 200 OK\r\nX-Filler: ").unwrap();
    let filler = vec![b'a'; 64 * 1024];
    let error = ws.receive_data(&filler).unwrap_err();
    assert!(
        matches!(error, Error::Capacity { code: None, .. }),
        "{error:?}"
    );
}

#[test]
fn eof_before_the_response_is_a_handshake_error() {
    let mut ws = WebSocket::new(config()).unwrap();
    ws.receive_data(b"HTTP/1.1 101 Swi").unwrap();
    assert!(matches!(ws.receive_eof(), Err(Error::Handshake(_))));
    assert_eq!(ws.state(), State::Failed);
}

#[test]
fn sending_before_the_handshake_is_local_misuse() {
    let mut ws = WebSocket::new(config()).unwrap();
    let error = ws.send_binary(b"x", MASK).unwrap_err();
    assert!(matches!(
        error,
        Error::InvalidState {
            state: State::Connecting,
            ..
        }
    ));
    assert!(!error.is_remote());
    assert!(matches!(
        ws.close(1000, "", MASK),
        Err(Error::InvalidState { .. })
    ));
}

// ---------------------------------------------------------------------------------------------------------------
// Data frames

#[test]
fn payload_sizes_from_the_server() {
    for len in [0, 1, 125, 126, 65535, 65536] {
        let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let mut input = server_frame(true, BINARY, &data);
        input.extend(server_frame(true, PING, b"trailing"));
        let outcome = feed_every_way(open_client, &input);
        assert_eq!(outcome.result, Ok(()));
        assert_eq!(
            outcome.events,
            vec![Event::Binary(data), Event::Ping(b"trailing".to_vec())],
            "len {len}"
        );

        let text = "é".repeat(len / 2) + &"a".repeat(len % 2);
        let outcome = feed_every_way(open_client, &server_frame(true, TEXT, text.as_bytes()));
        assert_eq!(outcome.events, vec![Event::Text(text)], "len {len}");
    }
}

#[test]
fn payload_sizes_to_the_server() {
    for len in [0, 1, 125, 126, 65535, 65536] {
        let mut ws = open_client();
        let data: Vec<u8> = (0..len).map(|i| (i % 7) as u8).collect();
        ws.send_binary(&data, MASK).unwrap();
        let text = "x".repeat(len);
        ws.send_text(&text, [0, 0, 0, 0]).unwrap();
        let frames = sent_frames(&mut ws);
        assert_eq!(
            frames,
            vec![
                ClientFrame {
                    fin: true,
                    opcode: BINARY,
                    payload: data
                },
                ClientFrame {
                    fin: true,
                    opcode: TEXT,
                    payload: text.into_bytes()
                },
            ]
        );
    }
}

#[test]
fn masking_uses_the_callers_key() {
    let mut ws = open_client();
    ws.send_text("Hello", MASK).unwrap();
    // RFC 6455 §5.7, "A single-frame masked text message".
    assert_eq!(
        ws.poll_transmit().unwrap(),
        [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]
    );
}

#[test]
fn fragmented_message_with_an_interleaved_ping() {
    let mut input = server_frame(false, TEXT, b"Hel");
    input.extend(server_frame(true, PING, b"are you there"));
    input.extend(server_frame(false, CONTINUATION, b""));
    input.extend(server_frame(true, CONTINUATION, "lo \u{2603}".as_bytes()));
    input.extend(server_frame(false, BINARY, &[1]));
    input.extend(server_frame(true, CONTINUATION, &[2, 3]));
    let outcome = feed_every_way(open_client, &input);
    assert_eq!(outcome.result, Ok(()));
    assert_eq!(
        outcome.events,
        vec![
            Event::Ping(b"are you there".to_vec()),
            Event::Text("Hello \u{2603}".into()),
            Event::Binary(vec![1, 2, 3]),
        ]
    );
    assert_eq!(
        client_frames(&outcome.sent),
        vec![ClientFrame {
            fin: true,
            opcode: PONG,
            payload: b"are you there".to_vec()
        }]
    );
}

#[test]
fn fragmentation_errors() {
    assert_fails_with(&server_frame(true, CONTINUATION, b"x"), 1002);
    let mut input = server_frame(false, TEXT, b"x");
    input.extend(server_frame(true, BINARY, b"y"));
    assert_fails_with(&input, 1002);
}

#[test]
fn pong_is_reported() {
    let outcome = feed_every_way(open_client, &server_frame(true, PONG, b"p"));
    assert_eq!(outcome.events, vec![Event::Pong(b"p".to_vec())]);
    assert!(outcome.sent.is_empty());
}

#[test]
fn client_ping() {
    let mut ws = open_client();
    ws.send_ping(b"hi", MASK).unwrap();
    assert_eq!(
        sent_frames(&mut ws),
        vec![ClientFrame {
            fin: true,
            opcode: PING,
            payload: b"hi".to_vec()
        }]
    );
    assert!(matches!(
        ws.send_ping(&[0; 126], MASK),
        Err(Error::InvalidArgument(_))
    ));
}

// ---------------------------------------------------------------------------------------------------------------
// Protocol violations by the server

#[test]
fn masked_server_frame() {
    let mut frame = server_frame(true, TEXT, b"");
    frame[1] |= 0x80;
    frame.extend_from_slice(&[1, 2, 3, 4]);
    assert_fails_with(&frame, 1002);
}

#[test]
fn reserved_bits_and_opcodes() {
    for first in [0xC1, 0xA1, 0x91, 0x83, 0x87, 0x8B, 0x8F] {
        assert_fails_with(&[first, 0], 1002);
    }
}

#[test]
fn bad_control_frames() {
    assert_fails_with(&server_frame(false, PING, b""), 1002);
    assert_fails_with(&server_frame(true, PING, &[0; 126]), 1002);
    assert_fails_with(&server_frame(true, CLOSE, &[0x03]), 1002);
}

#[test]
fn invalid_utf8() {
    assert_fails_with(&server_frame(true, TEXT, b"\xff"), 1007);
    let mut input = server_frame(false, TEXT, b"ok");
    input.extend(server_frame(true, CONTINUATION, b"\xe2\x98"));
    assert_fails_with(&input, 1007);
    assert_fails_with(&server_frame(true, CLOSE, b"\x03\xe8\xff"), 1007);
    assert_fails_with(&server_frame(true, CLOSE, b"\x03\xe8\xe2\x98"), 1007);
}

#[test]
fn invalid_close_codes() {
    for code in [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000] {
        assert_fails_with(&close_frame(code, ""), 1002);
    }
    for code in [1000, 1001, 1003, 1007, 1011, 1012, 1013, 1014, 3000, 4999] {
        let outcome = feed_every_way(open_client, &close_frame(code, "r"));
        assert_eq!(outcome.result, Ok(()), "{code}");
    }
}

#[test]
fn top_bit_of_a_64_bit_length() {
    let mut frame = vec![0x82, 127];
    frame.extend_from_slice(&(1u64 << 63).to_be_bytes());
    assert_fails_with(&frame, 1002);
}

#[test]
fn oversized_frame_is_rejected_on_its_header() {
    // A 2^62-byte frame: only the 10 header bytes are given, so the error cannot come from waiting for or
    // allocating the payload.
    let mut header = vec![0x82, 127];
    header.extend_from_slice(&(1u64 << 62).to_be_bytes());
    let outcome = feed_every_way(open_client, &header);
    assert!(
        matches!(
            outcome.result,
            Err(Error::Capacity {
                code: Some(1009),
                ..
            })
        ),
        "{outcome:?}"
    );
    assert_eq!(queued_close(&outcome).payload[..2], 1009u16.to_be_bytes());

    let small = || open_client_with(config().with_max_message_size(1000));
    let at_limit = server_frame(true, BINARY, &[0; 1000]);
    assert_eq!(feed_every_way(small, &at_limit).result, Ok(()));
    let over = feed_every_way(small, &server_frame(true, BINARY, &[0; 1001])[..4]);
    assert!(matches!(
        over.result,
        Err(Error::Capacity {
            size: 1001,
            limit: 1000,
            ..
        })
    ));
}

#[test]
fn fragments_add_up_against_the_limit() {
    let small = || open_client_with(config().with_max_message_size(1000));
    let mut input = server_frame(false, BINARY, &[0; 600]);
    input.extend(server_frame(true, PING, b""));
    input.extend(server_frame(true, CONTINUATION, &[0; 401]));
    let outcome = feed_every_way(small, &input);
    assert_eq!(outcome.events, vec![Event::Ping(vec![])]);
    assert!(matches!(
        outcome.result,
        Err(Error::Capacity { size: 1001, .. })
    ));
}

#[test]
fn failed_state_is_sticky_and_sends_one_close() {
    let mut ws = open_client();
    let error = ws.receive_data(&[0xC1, 0]).unwrap_err();
    assert_eq!(error.close_code(), Some(1002));
    assert!(error.is_remote());
    assert_eq!(ws.receive_data(&server_frame(true, TEXT, b"x")), Err(error));
    assert_eq!(ws.state(), State::Failed);
    assert!(matches!(ws.send_text("x", MASK), Err(Error::Closed { .. })));
    assert_eq!(sent_frames(&mut ws).len(), 1);
    assert_eq!(ws.receive_eof(), Ok(()));
}

// ---------------------------------------------------------------------------------------------------------------
// Closing

#[test]
fn client_initiated_close() {
    let mut ws = open_client();
    ws.close(1000, "bye", MASK).unwrap();
    assert_eq!(ws.state(), State::Closing);
    assert_eq!(
        sent_frames(&mut ws),
        vec![ClientFrame {
            fin: true,
            opcode: CLOSE,
            payload: close_payload(1000, "bye")
        }]
    );
    assert!(matches!(
        ws.send_text("late", MASK),
        Err(Error::Closed {
            state: State::Closing,
            ..
        })
    ));
    assert!(matches!(
        ws.close(1000, "", MASK),
        Err(Error::Closed { .. })
    ));

    // Messages and pings still arrive while closing; pings are not answered after our Close.
    let mut input = server_frame(true, TEXT, b"last");
    input.extend(server_frame(true, PING, b"p"));
    input.extend(close_frame(1000, "ok"));
    input.extend(server_frame(true, TEXT, b"after close"));
    ws.receive_data(&input).unwrap();
    assert_eq!(
        ws.events().collect::<Vec<_>>(),
        vec![
            Event::Text("last".into()),
            Event::Ping(b"p".to_vec()),
            Event::Closed {
                code: 1000,
                reason: "ok".into()
            },
        ]
    );
    assert_eq!(ws.state(), State::Closed);
    assert_eq!(ws.poll_transmit(), None);
}

#[test]
fn server_initiated_close_is_echoed() {
    let mut input = close_frame(1001, "going away");
    input.extend(server_frame(true, TEXT, b"ignored"));
    let outcome = feed_every_way(open_client, &input);
    assert_eq!(
        outcome.events,
        vec![Event::Closed {
            code: 1001,
            reason: "going away".into()
        }]
    );
    assert_eq!(outcome.state, State::Closed);
    assert_eq!(queued_close(&outcome).payload, close_payload(1001, ""));
}

#[test]
fn empty_close_is_1005_and_echoed_empty() {
    let outcome = feed_every_way(open_client, &server_frame(true, CLOSE, b""));
    assert_eq!(
        outcome.events,
        vec![Event::Closed {
            code: 1005,
            reason: String::new()
        }]
    );
    assert!(queued_close(&outcome).payload.is_empty());
}

#[test]
fn eof_without_close_is_1006() {
    let mut ws = open_client();
    ws.receive_data(&server_frame(true, TEXT, b"partial")[..4])
        .unwrap();
    ws.receive_eof().unwrap();
    assert_eq!(
        ws.events().collect::<Vec<_>>(),
        vec![Event::Closed {
            code: 1006,
            reason: String::new()
        }]
    );
    assert_eq!(ws.state(), State::Closed);
    assert_eq!(ws.receive_data(b"anything"), Ok(()));
}

#[test]
fn local_close_arguments_are_checked() {
    let mut ws = open_client();
    for code in [999, 1005, 1006, 1015, 5000] {
        assert!(matches!(
            ws.close(code, "", MASK),
            Err(Error::InvalidArgument(_))
        ));
    }
    assert!(matches!(
        ws.close(1000, &"r".repeat(124), MASK),
        Err(Error::InvalidArgument(_))
    ));
    assert_eq!(ws.state(), State::Open);
    ws.close(4000, &"r".repeat(123), MASK).unwrap();
}

// ---------------------------------------------------------------------------------------------------------------
// Fuzzing: arbitrary input gives events or a typed error, never a panic.

fn check_arbitrary_input(mut ws: WebSocket, data: &[u8], cuts: &[usize]) {
    let mut start = 0;
    let mut boundaries: Vec<usize> = cuts.iter().map(|c| c % (data.len() + 1)).collect();
    boundaries.sort_unstable();
    boundaries.push(data.len());
    for end in boundaries {
        let result = ws.receive_data(&data[start..end]);
        let _events: Vec<Event> = ws.events().collect();
        if let Err(error) = result {
            assert_eq!(ws.state(), State::Failed);
            assert_eq!(ws.receive_data(b"\x81\x00"), Err(error));
            return;
        }
        start = end;
    }
    let _ = ws.receive_eof();
    let _events: Vec<Event> = ws.events().collect();
    let _ = ws.poll_transmit();
}

/// Mostly well-formed frames with random headers, so the fuzzer reaches past the first header byte.
fn frame_soup() -> impl Strategy<Value = Vec<u8>> {
    let frame = (
        any::<u8>(),
        0usize..300,
        any::<u8>(),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(first, len, fill, garble)| {
            let opcode = [CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG][first as usize % 6];
            let fin = first & 0x80 != 0 || opcode >= CLOSE;
            let mut payload = vec![fill; len];
            if opcode == CLOSE && len >= 2 {
                payload[..2].copy_from_slice(&1000u16.to_be_bytes());
            }
            let mut bytes = server_frame(fin, opcode, &payload);
            if garble {
                bytes[0] ^= first & 0x70;
            }
            bytes
        });
    prop::collection::vec(frame, 0..12).prop_map(|frames| frames.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_after_the_handshake(
        data in prop::collection::vec(any::<u8>(), 0..2048),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        check_arbitrary_input(open_client_with(config().with_max_message_size(4096)), &data, &cuts);
    }

    #[test]
    fn arbitrary_frames_after_the_handshake(
        data in frame_soup(),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        check_arbitrary_input(open_client_with(config().with_max_message_size(1024)), &data, &cuts);
    }

    #[test]
    fn arbitrary_handshake_responses(
        status in 100u16..600,
        headers in prop::collection::vec(("[A-Za-z-]{1,12}", "[ -~]{0,20}"), 0..6),
        body in prop::collection::vec(any::<u8>(), 0..256),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let mut input = format!("HTTP/1.1 {status} X\r\n");
        for (name, value) in &headers {
            input.push_str(&format!("{name}: {value}\r\n"));
        }
        input.push_str("\r\n");
        let mut input = input.into_bytes();
        input.extend_from_slice(&body);
        check_arbitrary_input(WebSocket::new(config()).unwrap(), &input, &cuts);
    }
}
