//! The decode budget (`budget.rs`): its arithmetic, what it counts for each kind of field, and what it does to
//! hostile input at every entry point: a typed error for a frame or fetch result, an unknown event for one message,
//! and the rest of a batch delivered.

use std::mem::size_of;

use bytes::Bytes;
use webcast_engine::budget::{limit_for, Budget, BUDGET_BASE, BUDGET_RATIO};
use webcast_engine::events::decoded_size;
use webcast_engine::{decode_message, proto, DecodeError, Event, FetchResponse, PushFrame};

mod common;

use common::{delimited, varint};

/// A `BaseProtoMessage`.
fn message(method: &[u8], payload: &[u8]) -> Vec<u8> {
    [delimited(1, method), delimited(2, payload)].concat()
}

/// A `ProtoMessageFetchResult` holding these messages.
fn batch(messages: &[Vec<u8>]) -> Vec<u8> {
    messages.iter().flat_map(|m| delimited(1, m)).collect()
}

/// `count` empty contributors in a `WebcastRoomUserSeqMessage` (field 2): two bytes each, 4.5 KB each decoded.
fn contributors(count: usize) -> Vec<u8> {
    [0x12, 0x00].repeat(count)
}

fn unknown_error(event: &Event) -> Option<&str> {
    match event {
        Event::Unknown(unknown) => unknown.error.as_deref(),
        _ => None,
    }
}

const VIEWERS: &str = "WebcastRoomUserSeqMessage";

// -- arithmetic ----------------------------------------------------------------------------------------------------

#[test]
fn the_limit_is_the_ratio_times_the_size_plus_the_base() {
    assert_eq!(limit_for(0), BUDGET_BASE);
    assert_eq!(limit_for(1000), 1000 * BUDGET_RATIO + BUDGET_BASE);
    assert_eq!(limit_for(usize::MAX), u64::MAX);
    let mut budget = Budget::new("test input", 10);
    assert_eq!(budget.limit(), limit_for(10));
    budget.charge(limit_for(10)).unwrap();
    let error = budget.charge(1).unwrap_err();
    assert!(
        matches!(error, DecodeError::Capacity { what: "test input", encoded: 10, limit } if limit == limit_for(10))
    );
    let text = error.to_string();
    assert!(
        text.contains(&format!("{BUDGET_RATIO} x its size + {BUDGET_BASE} bytes")),
        "{text}"
    );
}

#[test]
fn list_entries_are_charged_as_vec_capacity_grows() {
    let entry = size_of::<proto::Contributor>() as u64;
    assert!(
        entry <= 1024,
        "structs up to 1 KiB start at a capacity of four"
    );
    for (count, capacity) in [(0, 0), (1, 4), (2, 4), (4, 4), (5, 8), (100, 128)] {
        let size = decoded_size(VIEWERS, &contributors(count)).unwrap();
        assert_eq!(size, capacity * entry, "{count} entries");
    }
}

#[test]
fn small_elements_start_at_four_and_bytes_at_eight() {
    // WebcastImDeleteMessage.delete_msg_ids (2): packed int64, one byte an element here.
    let packed = |count: usize| delimited(2, &vec![0u8; count]);
    assert_eq!(
        decoded_size("WebcastImDeleteMessage", &packed(1)).unwrap(),
        4 * 8
    );
    assert_eq!(
        decoded_size("WebcastImDeleteMessage", &packed(5)).unwrap(),
        8 * 8
    );
    // The same field unpacked: one varint a field.
    let unpacked = [0x10, 0x01].repeat(5);
    assert_eq!(
        decoded_size("WebcastImDeleteMessage", &unpacked).unwrap(),
        8 * 8
    );
}

#[test]
fn lists_of_strings_count_their_entries_inside_nested_messages() {
    // WebcastChatMessage.user (2) .avatar_thumb (9) .url_list (1): repeated string. The strings' bytes are at most
    // the input's size and are not counted; neither is content (3), a plain string.
    let urls = [delimited(1, b"ab"), delimited(1, b"cde")].concat();
    let user = delimited(9, &urls);
    let payload = [delimited(2, &user), delimited(3, b"hello")].concat();
    assert_eq!(
        decoded_size("WebcastChatMessage", &payload).unwrap(),
        4 * size_of::<String>() as u64
    );
}

#[test]
fn unknown_fields_and_fields_of_unknown_methods_cost_nothing() {
    let payload = [delimited(99, &[0u8; 1000]), contributors(1000)].concat();
    assert_eq!(decoded_size("SomethingNew", &payload).unwrap(), 0);
    assert_eq!(
        decoded_size(VIEWERS, &delimited(99, &[0u8; 1000])).unwrap(),
        0
    );
}

#[test]
fn malformed_input_is_left_to_prost() {
    // Counting stops where the bytes stop being protobuf; prost fails there too.
    let payload = [contributors(3), vec![0x0f]].concat();
    assert_eq!(
        decoded_size(VIEWERS, &payload).unwrap(),
        4 * size_of::<proto::Contributor>() as u64
    );
    let event = decode_message(VIEWERS, &payload);
    assert!(
        unknown_error(&event).is_some_and(|e| e.contains("wire type")),
        "{event:?}"
    );
}

// -- hostile input at every entry point -----------------------------------------------------------------------------

#[test]
fn an_amplifying_message_is_an_unknown_event_naming_the_limit() {
    // Small enough that a broken budget would cost this test a few hundred megabytes, not the machine.
    let payload = contributors(20_000);
    let error = decoded_size(VIEWERS, &payload).unwrap_err();
    assert!(matches!(
        error,
        DecodeError::Capacity {
            what: VIEWERS,
            encoded: 40_000,
            ..
        }
    ));
    let event = decode_message(VIEWERS, &payload);
    let error = unknown_error(&event).unwrap();
    assert!(
        error.contains(&format!("more than {} bytes", limit_for(40_000))),
        "{error}"
    );
}

#[test]
fn a_message_just_within_its_budget_decodes() {
    let entry = size_of::<proto::Contributor>() as u64;
    let within = (limit_for(0) / entry).next_power_of_two() / 2;
    let event = decode_message(VIEWERS, &contributors(within as usize));
    assert!(
        matches!(&event, Event::ViewersEvent(viewers) if viewers.top_viewers.len() == within as usize)
    );
}

#[test]
fn one_bad_message_costs_only_itself() {
    let good = message(b"WebcastRoomUserSeqMessage", &contributors(2));
    let messages = [
        good.clone(),
        message(b"Webcast\xffBroken", b""),
        message(VIEWERS.as_bytes(), &contributors(20_000)),
        b"\x0a\x05ab".to_vec(), // a message that is not protobuf
        good,
    ];
    let response = FetchResponse::decode(Bytes::from(batch(&messages))).unwrap();
    let errors: Vec<Option<&str>> = response.events.iter().map(unknown_error).collect();
    assert!(matches!(response.events[0], Event::ViewersEvent(_)));
    assert!(errors[1].is_some_and(|e| e.contains("UTF-8")), "{errors:?}");
    assert_eq!(response.events[1].method(), "Webcast\u{fffd}Broken");
    assert!(
        errors[2].is_some_and(|e| e.contains("would decode to more than")),
        "{errors:?}"
    );
    assert!(
        errors[3].is_some_and(|e| e.contains("malformed message")),
        "{errors:?}"
    );
    assert!(matches!(response.events[4], Event::ViewersEvent(_)));
}

#[test]
fn a_batch_of_cheap_messages_is_held_to_the_batch_budget() {
    // Each message is within its own budget, but each becomes a whole event: the batch's budget counts them.
    let one = message(b"WebcastGiftMessage", b"");
    let body = batch(&vec![one; 100_000]);
    let error = FetchResponse::decode(Bytes::from(body.clone())).err();
    assert!(
        matches!(
            error,
            Some(DecodeError::Capacity {
                what: "fetch response",
                ..
            })
        ),
        "{error:?}"
    );
    let frame = push_frame(&body, &[]);
    let error = PushFrame::decode(&frame).err();
    assert!(
        matches!(
            error,
            Some(DecodeError::Capacity {
                what: "fetch response",
                ..
            })
        ),
        "{error:?}"
    );
}

fn push_frame(payload: &[u8], headers: &[u8]) -> Vec<u8> {
    [
        headers.to_vec(),
        delimited(7, b"msg"),
        delimited(8, payload),
    ]
    .concat()
}

#[test]
fn a_frame_of_empty_headers_is_a_capacity_error() {
    // 48 bytes a header from two on the wire, and a list capacity just doubled: beyond 32 x.
    let headers = [0x2a, 0x00].repeat((1 << 21) + 1);
    let error = PushFrame::decode(&push_frame(b"", &headers)).err();
    assert!(
        matches!(
            error,
            Some(DecodeError::Capacity {
                what: "push frame",
                ..
            })
        ),
        "{error:?}"
    );
}

#[test]
fn map_entries_are_charged_a_b_tree_node_every_four() {
    // WebcastLinkMicBattle.battle_result (5): map<int64, BattleResult>; distinct keys, so entries do not replace.
    let entries = |count: u64| -> Vec<u8> {
        (0..count)
            .flat_map(|i| delimited(5, &[vec![0x08], varint(i)].concat()))
            .collect()
    };
    let entry = 8 + size_of::<proto::BattleResult>() as u64;
    let node = 11 * entry + 12 * size_of::<usize>() as u64 + 16;
    for (count, nodes) in [(1, 1), (4, 1), (5, 2), (9, 3)] {
        let size = decoded_size("WebcastLinkMicBattle", &entries(count)).unwrap();
        assert_eq!(size, nodes * node, "{count} entries");
    }
}

#[test]
fn a_gzip_bomb_of_amplifying_messages_is_refused_quickly() {
    let inner = message(VIEWERS.as_bytes(), &contributors(200_000));
    let packed = webcast_engine::gzip::gzip(&batch(&[inner]));
    let frame = push_frame(&packed, &[]);
    assert!(frame.len() < 100_000);
    let decoded = PushFrame::decode(&frame).unwrap();
    let events = decoded.response.unwrap().events;
    assert!(unknown_error(&events[0]).is_some_and(|e| e.contains("would decode to more than")));
}

// -- real traffic ---------------------------------------------------------------------------------------------------

/// Every payload of the 2023 captures as (method, payload). The file is one JSON object of method -> list of
/// `{"eventData": base64, ...}`, laid out one key a line, so lines are enough to read it.
fn real_payloads() -> Vec<(String, Vec<u8>)> {
    use base64::Engine as _;
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/real/payloads-2023-ab.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut payloads = Vec::new();
    let mut method = "";
    for line in text.lines().map(str::trim) {
        if let Some(name) = line.strip_suffix("\": [").and_then(|l| l.strip_prefix('"')) {
            method = name;
        } else if let Some(data) = line.strip_prefix("\"eventData\": \"") {
            let data = &data[..data.find('"').unwrap()];
            let payload = base64::engine::general_purpose::STANDARD
                .decode(data)
                .unwrap();
            payloads.push((method.to_owned(), payload));
        }
    }
    payloads
}

#[test]
fn real_traffic_stays_well_within_the_ratio() {
    let payloads = real_payloads();
    assert_eq!(payloads.len(), 838);
    // Small payloads live on the base; the ratio matters for large ones.
    let (worst, method) = payloads
        .iter()
        .filter(|(_, payload)| payload.len() >= 1024)
        .map(|(method, payload)| {
            let size = decoded_size(method, payload).unwrap();
            (size as f64 / payload.len() as f64, method.as_str())
        })
        .fold((0.0, ""), |a, b| if b.0 > a.0 { b } else { a });
    // Today the heaviest is a viewer list: 16 contributors of 4.5 KB each in 3 KB, about 24 x. Larger structs (more
    // fields in proto/) raise it: keep the ratio above it with room to spare.
    assert!(worst < BUDGET_RATIO as f64 * 0.8, "{method}: {worst:.1} x");
    assert!(worst > 1.0);
}
