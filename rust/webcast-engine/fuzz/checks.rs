//! What the fuzz targets check on every input: a valid result or a typed error, never a panic (and, through
//! libFuzzer's `-rss_limit_mb` / `-malloc_limit_mb`, never more memory than the ceiling). Shared with the cargo test
//! that replays the regression inputs (`tests/fuzz_regressions.rs`).

use bytes::Bytes;
use webcast_engine::budget::limit_for;
use webcast_engine::events::decoded_size;
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
