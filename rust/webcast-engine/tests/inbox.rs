//! The inbox (`inbox.rs`): what it holds of the push frames and fetch results it takes in, what it drops on arrival
//! and counts (duplicates, replayed history, unknown methods), what it says back (acks, the end of the stream, where
//! to resume), and that `take` decodes each held message as `decode_message` would.

use bytes::Bytes;
use prost::Message;
use webcast_engine::events::{ChatEvent, ControlEvent, GiftEvent, LikeEvent};
use webcast_engine::inbox::{common_msg_id, Inbox, Intake, Options};
use webcast_engine::seen_ids::Limits;
use webcast_engine::{
    client_frames, decode_message, proto, DecodeError, Event, FetchResponse, OutgoingFrame,
};

mod common;

use common::{delimited, msg_frame, varint};

const NOW: f64 = 100.0;

fn chat(msg_id: i64) -> Event {
    ChatEvent {
        comment: format!("comment {msg_id}"),
        msg_id,
        ..Default::default()
    }
    .into()
}

fn like(msg_id: i64) -> Event {
    LikeEvent {
        likes: 3,
        total_likes: 40,
        msg_id,
        ..Default::default()
    }
    .into()
}

fn control(msg_id: i64, action: i64) -> Event {
    ControlEvent {
        action,
        msg_id,
        ..Default::default()
    }
    .into()
}

/// A fetch result of these events, none of them history.
fn result(events: &[Event]) -> FetchResponse {
    FetchResponse {
        events: events.to_vec(),
        history: vec![false; events.len()],
        cursor: "cursor".into(),
        ..Default::default()
    }
}

fn frame_of(events: &[Event]) -> Vec<u8> {
    msg_frame(&result(events).encode(), 1, false)
}

fn inbox() -> Inbox {
    Inbox::new(Options::default())
}

fn keeping_unknown() -> Inbox {
    Inbox::new(Options {
        keep_unknown: true,
        ..Options::default()
    })
}

fn push(inbox: &mut Inbox, frame: &[u8]) -> Intake {
    let mut intake = Intake::default();
    inbox.push_frame(frame, NOW, &mut intake);
    intake
}

fn take_all(inbox: &mut Inbox) -> Vec<Event> {
    std::iter::from_fn(|| inbox.take()).collect()
}

fn ids(events: &[Event]) -> Vec<i64> {
    events.iter().map(Event::msg_id).collect()
}

/// A hand-made `BaseProtoMessage`.
fn raw_message(method: &str, payload: Vec<u8>, is_history: bool) -> proto::BaseProtoMessage {
    proto::BaseProtoMessage {
        method: method.to_owned(),
        payload: Bytes::from(payload),
        is_history,
        ..Default::default()
    }
}

fn batch(messages: Vec<proto::BaseProtoMessage>) -> Vec<u8> {
    proto::ProtoMessageFetchResult {
        messages,
        cursor: "c".into(),
        ..Default::default()
    }
    .encode_to_vec()
}

/// A payload whose common header (field 1) holds only `msg_id` (field 2).
fn header_with_id(msg_id: i64) -> Vec<u8> {
    delimited(1, &[vec![0x10], varint(msg_id as u64)].concat())
}

// -- delivery ------------------------------------------------------------------------------------------------------

#[test]
fn messages_are_taken_in_order_each_as_decode_message_gives_it() {
    let first = [
        chat(1),
        like(2),
        GiftEvent {
            id: 5655,
            name: "Rose".into(),
            msg_id: 3,
            ..Default::default()
        }
        .into(),
    ];
    let second = [like(4)];
    let mut inbox = inbox();
    push(&mut inbox, &frame_of(&first));
    push(&mut inbox, &frame_of(&second));
    assert_eq!(inbox.len(), 4);
    assert_eq!(inbox.counts().events, 4);
    assert_eq!(inbox.counts().frames, 2);
    let taken = take_all(&mut inbox);
    let sent: Vec<Event> = first.iter().chain(&second).cloned().collect();
    assert_eq!(taken, sent);
    for (event, original) in taken.iter().zip(&sent) {
        assert_eq!(
            event,
            &decode_message(original.method(), &original.encode())
        );
    }
    assert!(inbox.is_empty());
    assert_eq!(inbox.take(), None);
}

#[test]
fn a_gzip_frame_is_held_and_acked_like_a_plain_one() {
    let mut response = result(&[chat(1), like(2)]);
    response.need_ack = true;
    response.internal_ext = "ext".into();
    let mut inbox = inbox();
    let intake = push(&mut inbox, &msg_frame(&response.encode(), 9, true));
    assert!(intake.errors.is_empty(), "{:?}", intake.errors);
    assert_eq!(intake.acks, vec![client_frames::ack(9, "ext")]);
    assert_eq!(take_all(&mut inbox), response.events);
}

#[test]
fn a_frame_that_is_not_a_fetch_result_holds_nothing_and_is_no_error() {
    let heartbeat = OutgoingFrame {
        payload_type: "hb",
        payload: b"\x08\x01",
        ..Default::default()
    }
    .encode();
    let mut inbox = inbox();
    let intake = push(&mut inbox, &heartbeat);
    assert_eq!((intake.frames, intake.results), (1, 0));
    assert!(intake.errors.is_empty() && intake.acks.is_empty());
    assert!(inbox.is_empty());
    assert_eq!(inbox.counts().frames, 1);
}

#[test]
fn clear_drops_what_is_held_but_not_the_ids_seen() {
    let mut inbox = inbox();
    push(&mut inbox, &frame_of(&[like(1), like(2), like(3)]));
    inbox.clear();
    assert!(inbox.is_empty());
    assert_eq!(inbox.take(), None);
    push(&mut inbox, &frame_of(&[like(2), like(4)]));
    assert_eq!(ids(&take_all(&mut inbox)), [4]);
}

// -- duplicates ----------------------------------------------------------------------------------------------------

#[test]
fn duplicates_within_and_across_frames_are_dropped_and_counted() {
    let mut inbox = inbox();
    push(&mut inbox, &frame_of(&[like(5), like(5), chat(6)]));
    push(&mut inbox, &frame_of(&[chat(6), like(7), like(5)]));
    assert_eq!(inbox.len(), 3);
    let counts = inbox.counts();
    assert_eq!((counts.duplicates, counts.events), (3, 3));
    assert_eq!(ids(&take_all(&mut inbox)), [5, 6, 7]);
}

#[test]
fn id_zero_is_never_a_duplicate() {
    let mut inbox = inbox();
    push(&mut inbox, &frame_of(&[like(0), like(0)]));
    push(&mut inbox, &frame_of(&[like(0)]));
    assert_eq!(inbox.len(), 3);
    assert_eq!(inbox.counts().duplicates, 0);
}

#[test]
fn an_old_comment_is_still_a_duplicate_after_the_general_tier_has_turned_over() {
    let limits = Limits::default();
    let mut inbox = inbox();
    push(&mut inbox, &frame_of(&[chat(1), like(2)]));
    // More other ids than the general tier holds: like 2 is forgotten, comment 1 is kept in the comments' tier.
    let likes: Vec<Event> = (3..3 + limits.capacity as i64 + 10).map(like).collect();
    for chunk in likes.chunks(100) {
        push(&mut inbox, &frame_of(chunk));
    }
    inbox.clear();
    push(&mut inbox, &frame_of(&[chat(1), like(2)]));
    assert_eq!(ids(&take_all(&mut inbox)), [2]);
    assert_eq!(inbox.counts().duplicates, 1);
}

// -- history -------------------------------------------------------------------------------------------------------

fn with_history(events: &[Event], history: &[bool], cursor: &str, ext: &str) -> Vec<u8> {
    let response = FetchResponse {
        events: events.to_vec(),
        history: history.to_vec(),
        cursor: cursor.into(),
        internal_ext: ext.into(),
        ..Default::default()
    };
    msg_frame(&response.encode(), 1, false)
}

#[test]
fn history_is_dropped_and_counted_and_its_ids_remembered() {
    let replay = with_history(
        &[chat(10), chat(11), like(12)],
        &[true, true, false],
        "c",
        "",
    );
    let mut inbox = inbox();
    let intake = push(&mut inbox, &replay);
    assert_eq!(intake.first_has_history, Some(true));
    assert_eq!(ids(&take_all(&mut inbox)), [12]);
    assert_eq!(inbox.counts().history, 2);
    assert_eq!(inbox.counts().events, 1);
    // A later live copy of a replayed comment is a duplicate, and so is a second replay of it.
    push(&mut inbox, &frame_of(&[chat(10)]));
    push(&mut inbox, &replay);
    assert!(inbox.is_empty());
    assert_eq!(inbox.counts().history, 2);
    assert_eq!(inbox.counts().duplicates, 4);
}

#[test]
fn history_is_delivered_when_asked_for() {
    let replay = with_history(
        &[chat(10), chat(11), like(12)],
        &[true, true, false],
        "c",
        "",
    );
    let mut inbox = Inbox::new(Options {
        include_history: true,
        ..Options::default()
    });
    let intake = push(&mut inbox, &replay);
    assert_eq!(intake.first_has_history, Some(true));
    assert_eq!(ids(&take_all(&mut inbox)), [10, 11, 12]);
    assert_eq!(inbox.counts().history, 0);
    push(&mut inbox, &replay);
    assert!(inbox.is_empty());
    assert_eq!(inbox.counts().duplicates, 3);
}

#[test]
fn resume_is_the_last_results_and_first_has_history_the_first_results() {
    let mut inbox = inbox();
    let mut intake = Intake::default();
    let frames = [
        with_history(&[chat(1)], &[true], "c1", "e1"),
        with_history(&[chat(2)], &[false], "c2", "e2"),
    ];
    for frame in &frames {
        inbox.push_frame(frame, NOW, &mut intake);
    }
    assert_eq!((intake.frames, intake.results), (2, 2));
    assert_eq!(intake.first_has_history, Some(true));
    assert_eq!(intake.resume, Some(("c2".to_owned(), "e2".to_owned())));

    let mut intake = Intake::default();
    for frame in [
        with_history(&[chat(3)], &[false], "c3", "e3"),
        with_history(&[chat(4)], &[true], "c4", ""),
    ] {
        inbox.push_frame(&frame, NOW, &mut intake);
    }
    assert_eq!(intake.first_has_history, Some(false));
    assert_eq!(intake.resume, Some(("c4".to_owned(), String::new())));
}

// -- unknown methods and broken messages ---------------------------------------------------------------------------

fn unknown_batch() -> Vec<u8> {
    batch(vec![
        raw_message("WebcastSomethingNew", header_with_id(20), false),
        raw_message("WebcastLikeMessage", like(21).encode(), false),
        raw_message("WebcastOtherThing", header_with_id(22), false),
    ])
}

#[test]
fn unknown_methods_are_dropped_and_counted_and_listed_once() {
    let mut inbox = inbox();
    push(&mut inbox, &msg_frame(&unknown_batch(), 1, false));
    assert_eq!(inbox.counts().unknown, 2);
    assert_eq!(inbox.counts().events, 1);
    assert_eq!(ids(&take_all(&mut inbox)), [21]);
    assert_eq!(
        inbox.take_unknown_methods(),
        ["WebcastSomethingNew", "WebcastOtherThing"]
    );
    assert!(inbox.take_unknown_methods().is_empty());
}

#[test]
fn unknown_methods_are_delivered_when_kept() {
    let mut inbox = keeping_unknown();
    push(&mut inbox, &msg_frame(&unknown_batch(), 1, false));
    assert_eq!(inbox.counts().unknown, 2);
    assert_eq!(inbox.counts().events, 3);
    let taken = take_all(&mut inbox);
    assert_eq!(ids(&taken), [20, 21, 22]);
    let Event::Unknown(unknown) = &taken[2] else {
        panic!("{:?}", taken[2])
    };
    assert_eq!(unknown.method, "WebcastOtherThing");
    assert_eq!(unknown.payload, header_with_id(22));
    assert_eq!(unknown.error, None);
    assert_eq!(
        inbox.take_unknown_methods(),
        ["WebcastSomethingNew", "WebcastOtherThing"]
    );
}

/// A chat message whose header reads (id 30) and whose `user` (field 2) runs past the end.
fn broken_chat() -> Vec<u8> {
    [header_with_id(30), vec![0x12, 0x05, 0x01]].concat()
}

fn broken_batch() -> Vec<u8> {
    batch(vec![
        raw_message("WebcastChatMessage", broken_chat(), false),
        raw_message("WebcastLikeMessage", like(31).encode(), false),
    ])
}

#[test]
fn a_typed_message_that_does_not_decode_is_held_then_skipped_and_counted_as_unknown() {
    let mut inbox = inbox();
    push(&mut inbox, &msg_frame(&broken_batch(), 1, false));
    // Held undecoded: nothing is known to be wrong with it yet.
    assert_eq!(inbox.len(), 2);
    assert_eq!((inbox.counts().events, inbox.counts().unknown), (2, 0));
    assert_eq!(ids(&take_all(&mut inbox)), [31]);
    assert_eq!((inbox.counts().events, inbox.counts().unknown), (1, 1));
    assert_eq!(inbox.take_unknown_methods(), ["WebcastChatMessage"]);
}

#[test]
fn a_typed_message_that_does_not_decode_is_an_unknown_event_with_its_error_when_kept() {
    let mut inbox = keeping_unknown();
    push(&mut inbox, &msg_frame(&broken_batch(), 1, false));
    let taken = take_all(&mut inbox);
    assert_eq!((taken.len(), taken[1].msg_id()), (2, 31));
    let Event::Unknown(unknown) = &taken[0] else {
        panic!("{:?}", taken[0])
    };
    assert_eq!(unknown.method, "WebcastChatMessage");
    assert_eq!(unknown.payload, broken_chat());
    assert!(unknown.error.is_some());
    assert_eq!(
        taken[0],
        decode_message("WebcastChatMessage", &broken_chat())
    );
    assert_eq!(inbox.counts().events, 2);
    // Counts::unknown is "unknown events, delivered or not", and `take` says such a message is counted.
    assert_eq!(inbox.counts().unknown, 1);
    assert_eq!(inbox.take_unknown_methods(), ["WebcastChatMessage"]);
}

/// A batch whose first message is not a `BaseProtoMessage` (its method runs past its end), then a like.
fn malformed_message_batch() -> (Vec<u8>, Vec<u8>) {
    let malformed = vec![0x0a, 0x7f, b'x'];
    let body = [
        delimited(1, &malformed),
        delimited(
            1,
            &raw_message("WebcastLikeMessage", like(41).encode(), false).encode_to_vec(),
        ),
    ]
    .concat();
    (body, malformed)
}

#[test]
fn a_malformed_message_is_an_unknown_without_a_method() {
    let (body, malformed) = malformed_message_batch();
    let mut inbox = inbox();
    push(&mut inbox, &msg_frame(&body, 1, false));
    assert_eq!(ids(&take_all(&mut inbox)), [41]);
    assert_eq!(inbox.counts().unknown, 1);
    assert_eq!(inbox.take_unknown_methods(), [""]);

    let mut inbox = keeping_unknown();
    push(&mut inbox, &msg_frame(&body, 1, false));
    let taken = take_all(&mut inbox);
    let Event::Unknown(unknown) = &taken[0] else {
        panic!("{:?}", taken[0])
    };
    assert_eq!(
        (unknown.method.as_str(), &unknown.payload),
        ("", &malformed)
    );
    assert!(
        unknown
            .error
            .as_deref()
            .is_some_and(|error| error.contains("malformed message")),
        "{unknown:?}"
    );
    assert_eq!(ids(&taken[1..]), [41]);
}

#[test]
fn a_method_name_that_is_not_utf8_is_unknown() {
    let payload = like(50).encode();
    let message = [delimited(1, b"Webcast\xffLike"), delimited(2, &payload)].concat();
    let body = delimited(1, &message);
    let mut inbox = inbox();
    push(&mut inbox, &msg_frame(&body, 1, false));
    assert!(inbox.is_empty());
    assert_eq!(inbox.counts().unknown, 1);
    assert_eq!(inbox.take_unknown_methods(), ["Webcast\u{fffd}Like"]);

    let mut inbox = keeping_unknown();
    push(&mut inbox, &msg_frame(&body, 1, false));
    let Some(Event::Unknown(unknown)) = inbox.take() else {
        panic!("an unknown event")
    };
    assert_eq!(unknown.method, "Webcast\u{fffd}Like");
    assert_eq!(unknown.payload, payload);
    assert_eq!(unknown.msg_id, 50);
    assert!(unknown.error.is_some_and(|error| error.contains("UTF-8")));
}

// -- the end of the stream -----------------------------------------------------------------------------------------

#[test]
fn a_control_message_that_ends_the_stream_says_so_and_the_rest_of_its_frame_is_held() {
    for action in [3, 4] {
        let mut inbox = inbox();
        let intake = push(
            &mut inbox,
            &frame_of(&[like(40), control(41, action), like(42)]),
        );
        assert!(intake.ended, "action {action}");
        assert_eq!(ids(&take_all(&mut inbox)), [40, 41, 42]);
    }
}

#[test]
fn other_control_actions_do_not_end_the_stream() {
    let mut inbox = inbox();
    let intake = push(&mut inbox, &frame_of(&[control(41, 1), control(42, 0)]));
    assert!(!intake.ended);
    assert_eq!(take_all(&mut inbox), [control(41, 1), control(42, 0)]);
}

// -- acks ----------------------------------------------------------------------------------------------------------

#[test]
fn an_ack_is_asked_for_only_with_need_ack_and_an_internal_ext() {
    for (need_ack, ext, acked) in [
        (false, "", false),
        (false, "ext", false),
        (true, "", false),
        (true, "internal_src:pushserver", true),
    ] {
        let mut response = result(&[like(1)]);
        response.need_ack = need_ack;
        response.internal_ext = ext.into();
        let mut inbox = inbox();
        let mut intake = Intake::default();
        inbox.push_frame(&msg_frame(&response.encode(), 77, false), NOW, &mut intake);
        inbox.push_frame(&msg_frame(&response.encode(), 78, false), NOW, &mut intake);
        let expected = if acked {
            vec![client_frames::ack(77, ext), client_frames::ack(78, ext)]
        } else {
            vec![]
        };
        assert_eq!(intake.acks, expected, "need_ack {need_ack}, ext {ext:?}");
        assert_eq!(inbox.counts().acks, expected.len() as u64);
    }
}

// -- undecodable input ---------------------------------------------------------------------------------------------

#[test]
fn an_undecodable_frame_is_an_error_and_holds_nothing() {
    let mut inbox = inbox();
    let good = frame_of(&[like(1)]);
    let mut intake = Intake::default();
    inbox.push_frame(b"\xff\xff\xff", NOW, &mut intake);
    // A frame that decodes around a fetch result that does not: nothing of it is held.
    let bad_body = [
        delimited(
            1,
            &raw_message("WebcastLikeMessage", like(2).encode(), false).encode_to_vec(),
        ),
        vec![0xff],
    ]
    .concat();
    inbox.push_frame(&msg_frame(&bad_body, 1, false), NOW, &mut intake);
    inbox.push_frame(&good, NOW, &mut intake);
    assert_eq!(intake.frames, 3);
    assert_eq!(intake.errors.len(), 2, "{:?}", intake.errors);
    assert_eq!(inbox.counts().decode_errors, 2);
    assert_eq!(inbox.counts().frames, 3);
    assert_eq!(ids(&take_all(&mut inbox)), [1]);
}

#[test]
fn a_bad_fetch_body_is_an_error_and_leaves_the_inbox_as_it_was() {
    let mut inbox = inbox();
    inbox
        .push_fetch(Bytes::from(result(&[like(1)]).encode()), NOW)
        .unwrap();
    let before = inbox.counts();
    // A valid message, then a field that cannot be read.
    let bad = [result(&[like(2)]).encode(), vec![0xff]].concat();
    assert!(inbox.push_fetch(Bytes::from(bad), NOW).is_err());
    assert_eq!(inbox.len(), 1);
    let after = inbox.counts();
    assert_eq!(after.decode_errors, before.decode_errors + 1);
    assert_eq!(
        (after.events, after.duplicates),
        (before.events, before.duplicates)
    );
    // Like 2 was not remembered: it is new when it comes again.
    let intake = inbox
        .push_fetch(Bytes::from(result(&[like(2)]).encode()), NOW)
        .unwrap();
    assert_eq!((intake.results, intake.frames), (1, 0));
    assert_eq!(intake.resume, Some(("cursor".to_owned(), String::new())));
    assert_eq!(ids(&take_all(&mut inbox)), [1, 2]);
}

#[test]
fn very_many_empty_messages_are_a_capacity_error() {
    // Each empty message is 2 bytes on the wire and a held slice pair of tens of bytes: past the decode budget
    // (32 x the size + 1 MiB) long before memory matters.
    let body = [0x0a, 0x00].repeat(500_000);
    let mut inbox = inbox();
    let error = inbox.push_fetch(Bytes::from(body), NOW).unwrap_err();
    assert!(
        matches!(
            error,
            DecodeError::Capacity {
                what: "fetch response",
                encoded: 1_000_000,
                ..
            }
        ),
        "{error}"
    );
    assert!(inbox.is_empty());
    assert_eq!(inbox.counts().events, 0);
}

// -- common_msg_id -------------------------------------------------------------------------------------------------

#[test]
fn common_msg_id_reads_the_first_headers_field_2() {
    assert_eq!(common_msg_id(&like(123_456_789).encode()), 123_456_789);
    // Other header fields before and after the id.
    let header = [
        delimited(1, b"WebcastLikeMessage"),
        vec![0x10, 0x07, 0x18, 0x09],
    ]
    .concat();
    assert_eq!(common_msg_id(&delimited(1, &header)), 7);
    // Fields before the header.
    assert_eq!(
        common_msg_id(&[vec![0x18, 0x01], header_with_id(8)].concat()),
        8
    );
    // Two headers: the first one's id.
    assert_eq!(
        common_msg_id(&[header_with_id(5), header_with_id(6)].concat()),
        5
    );
}

#[test]
fn common_msg_id_round_trips_negative_ids() {
    for id in [-1, -5, i64::MIN, i64::MAX] {
        assert_eq!(common_msg_id(&like(id).encode()), id);
        assert_eq!(common_msg_id(&header_with_id(id)), id);
    }
}

#[test]
fn common_msg_id_is_zero_without_a_header_or_with_a_malformed_one() {
    assert_eq!(common_msg_id(b""), 0);
    assert_eq!(common_msg_id(&[0x18, 0x05]), 0);
    // The header's length runs past the end.
    assert_eq!(common_msg_id(&[0x0a, 0x05, 0x10, 0x01]), 0);
    // The id's key without its value.
    assert_eq!(common_msg_id(&delimited(1, &[0x10])), 0);
    // A field before the id that cannot be read.
    assert_eq!(common_msg_id(&delimited(1, &[0x0a, 0x09, 0x10, 0x01])), 0);
    // Not protobuf before the header.
    assert_eq!(common_msg_id(&[vec![0xff], header_with_id(3)].concat()), 0);
}
