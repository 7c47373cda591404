//! What the fuzz targets check on every input: a valid result or a typed error, never a panic (and, through
//! libFuzzer's `-rss_limit_mb` / `-malloc_limit_mb`, never more memory than the ceiling). Shared with the cargo test
//! that replays the regression inputs (`tests/fuzz_regressions.rs`).

use bytes::Bytes;
use webcast_engine::budget::limit_for;
use webcast_engine::events::decoded_size;
use webcast_engine::inbox::{Inbox, Intake, Options};
use webcast_engine::websocket::{Event as WsEvent, WebSocket, WebSocketConfig};
use webcast_engine::{decode_message, DecodeError, Event, FetchResponse, PushFrame};

/// A push frame: decoded within its budget, or a typed error; its events as `response()` checks them.
pub fn push_frame(data: &[u8]) {
    match PushFrame::decode(data) {
        Ok(frame) => {
            assert_eq!(frame.response.is_some(), frame.payload_type == "msg");
            if let Some(response) = &frame.response {
                events(&response.events);
            }
            let _ = frame.ack();
        }
        Err(error) => typed(&error, data.len()),
    }
}

/// A fetch result: decoded, or a typed error.
pub fn fetch_response(data: &[u8]) {
    match FetchResponse::decode(Bytes::copy_from_slice(data)) {
        Ok(response) => {
            assert_eq!(response.events.len(), response.history.len());
            events(&response.events);
        }
        Err(error) => typed(&error, data.len()),
    }
}

/// One message: the first byte picks the method from [`methods`], in name order.
pub fn message(data: &[u8]) {
    let Some((&pick, payload)) = data.split_first() else {
        return;
    };
    let methods = methods();
    let method = methods[usize::from(pick) % methods.len()];
    let event = decode_message(method, payload);
    match decoded_size(method, payload) {
        // Beyond its budget: never decoded, kept as an unknown event saying so.
        Err(error) => {
            let Event::Unknown(unknown) = &event else {
                panic!("{method}: decoded beyond its budget: {error}")
            };
            assert_eq!(unknown.error.as_deref(), Some(error.to_string().as_str()));
        }
        Ok(size) => assert!(size <= limit_for(payload.len())),
    }
    assert_eq!(event.method(), method);
    events(std::slice::from_ref(&event));
}

/// The websocket reader after a handshake: whatever the server sends is events or a typed error, and after an
/// error the connection stays failed.
pub fn websocket(data: &[u8]) {
    // RFC 6455's sample key and its accept value.
    const KEY: [u8; 16] = *b"the sample nonce";
    const HEAD: &[u8] =
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
        Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
    let config =
        WebSocketConfig::new("fuzz.example", "/ws", KEY, [3; 16]).with_max_message_size(1 << 20);
    let mut ws = WebSocket::new(config).expect("a valid configuration");
    let _request = ws.poll_transmit();
    ws.receive_data(HEAD).expect("the sample handshake");
    assert!(matches!(ws.poll_event(), Some(WsEvent::Accepted { .. })));
    // Fed in two pieces, as a socket may deliver it.
    let (first, second) = data.split_at(data.len() / 2);
    let mut failed = None;
    for piece in [first, second] {
        match ws.receive_data(piece) {
            Ok(()) => {}
            Err(error) => {
                assert!(error.is_remote(), "{error}");
                failed = Some(error);
                break;
            }
        }
    }
    while ws.poll_event().is_some() {}
    while ws.poll_transmit().is_some() {}
    if let Some(error) = failed {
        assert_eq!(ws.receive_data(b"\x81\x00").err(), Some(error));
    }
}

/// The inbox: a byte of options (bit 0: include history, bit 1: keep unknown events), then push frames, each after
/// its length as two little-endian bytes (cut to what is left). The frames go to one inbox a thousand seconds apart
/// (so ids also expire), the whole input to it as a fetch body, and everything held is taken. The counts agree with
/// what came out; every event survives its own round trip.
pub fn inbox(data: &[u8]) {
    let Some((&flags, mut rest)) = data.split_first() else {
        return;
    };
    let options = Options {
        include_history: flags & 1 != 0,
        keep_unknown: flags & 2 != 0,
        ..Options::default()
    };
    let mut inbox = Inbox::new(options);
    let mut intake = Intake::default();
    let mut frames: u32 = 0;
    while let [low, high, tail @ ..] = rest {
        let len = usize::from(u16::from_le_bytes([*low, *high])).min(tail.len());
        let (frame, after) = tail.split_at(len);
        inbox.push_frame(frame, f64::from(frames) * 1000.0, &mut intake);
        frames += 1;
        rest = after;
    }
    assert_eq!(intake.frames, frames as usize);
    assert!(intake.results <= intake.frames);
    let counts = inbox.counts();
    assert_eq!(counts.frames, u64::from(frames));
    assert_eq!(counts.decode_errors, intake.errors.len() as u64);
    assert_eq!(counts.acks, intake.acks.len() as u64);
    assert_eq!(counts.events, inbox.len() as u64);
    let fetched = inbox.push_fetch(Bytes::copy_from_slice(data), f64::from(frames) * 1000.0);
    let errors = intake.errors.len() as u64 + u64::from(fetched.is_err());
    assert_eq!(inbox.counts().decode_errors, errors);

    let mut taken = Vec::new();
    while let Some(event) = inbox.take() {
        if !options.keep_unknown {
            assert!(!matches!(event, Event::Unknown(_)), "{event:?}");
        }
        taken.push(event);
    }
    events(&taken);
    let counts = inbox.counts();
    assert_eq!(counts.events, taken.len() as u64);
    assert_eq!(inbox.take_unknown_methods().len() as u64, counts.unknown);
}

/// Every event survives its own round trip, unless it is an unknown event its batch could not read.
fn events(events: &[Event]) {
    for event in events {
        let again = decode_message(event.method(), &event.encode());
        match (event, &again) {
            (Event::Unknown(unknown), Event::Unknown(alone)) if unknown.error.is_some() => {
                assert_eq!(
                    (&alone.method, &alone.payload),
                    (&unknown.method, &unknown.payload)
                );
            }
            _ => assert_eq!(&again, event),
        }
    }
}

fn typed(error: &DecodeError, input: usize) {
    assert!(!error.to_string().is_empty());
    if let DecodeError::Capacity { encoded, limit, .. } = error {
        assert!(*encoded <= webcast_engine::MAX_INFLATED_SIZE.max(input));
        assert_eq!(*limit, limit_for(*encoded));
    }
}

macro_rules! event_methods {
    ($( $(#[$doc:meta])* $name:ident = $method:literal $([$proto:ident])?
        { $( $(#[$fdoc:meta])* $field:ident : $ty:ty ),* $(,)? } )*) => {
        &[$( $method, )*]
    };
}

/// Every method the engine maps to an event, the older names it also reads, and one it does not know, sorted (so
/// that a seed's first byte names the same method while the list keeps its members).
pub fn methods() -> Vec<&'static str> {
    let mapped: &[&str] = webcast_engine::for_each_event!(event_methods);
    let mut methods = mapped.to_vec();
    methods.extend([
        "RoomMessage",
        "LinkMicMethod",
        "RoomVerifyMessage",
        "WebcastSystemMessage",
        "WebcastSomethingNew",
    ]);
    methods.sort_unstable();
    methods.dedup();
    methods
}
