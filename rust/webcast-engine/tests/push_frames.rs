//! `PushFrame::decode` against anything: a frame or a typed `DecodeError`, never a panic. And frames written by
//! `OutgoingFrame`, with and without gzip, come back as they went in.

use bytes::Bytes;
use proptest::prelude::*;
use webcast_engine::client_frames;
use webcast_engine::events::{ChatEvent, ControlEvent, GiftEvent, Image, LikeEvent, User};
use webcast_engine::gzip::gzip;
use webcast_engine::push::MESSAGE_PAYLOAD;
use webcast_engine::{
    decode_message, DecodeError, Event, FetchResponse, OutgoingFrame, PushFrame, MAX_INFLATED_SIZE,
};

mod common;

use common::msg_frame;

const COMPRESS: (&str, &str) = ("compress_type", "gzip");

/// Checks the invariant on one input and on what decodes from it.
fn decode_or_typed_error(data: &[u8]) {
    match PushFrame::decode(data) {
        Ok(frame) => {
            assert_eq!(
                frame.response.is_some(),
                frame.payload_type == MESSAGE_PAYLOAD
            );
            if let Some(response) = &frame.response {
                for event in &response.events {
                    let again = decode_message(event.method(), &event.encode());
                    match (event, &again) {
                        // A message that could not be read in its batch (bad envelope, method name, budget) stays
                        // unknown, though alone its payload may read without an error.
                        (Event::Unknown(unknown), Event::Unknown(alone))
                            if unknown.error.is_some() =>
                        {
                            assert_eq!(
                                (&alone.method, &alone.payload),
                                (&unknown.method, &unknown.payload)
                            );
                        }
                        // Whatever decodes must survive its own round trip.
                        _ => assert_eq!(&again, event),
                    }
                }
            }
            let _ = frame.ack();
        }
        Err(
            error
            @ (DecodeError::Protobuf { .. } | DecodeError::Gzip(_) | DecodeError::Wire { .. }),
        ) => {
            assert!(!error.to_string().is_empty());
        }
        Err(DecodeError::TooLarge { limit }) => assert_eq!(limit, MAX_INFLATED_SIZE),
        Err(DecodeError::Capacity { encoded, limit, .. }) => {
            assert_eq!(limit, webcast_engine::budget::limit_for(encoded));
        }
        Err(error @ DecodeError::View { .. }) => {
            panic!("frames are not read through views: {error}")
        }
    }
}

fn sample_response(need_ack: bool, internal_ext: &str) -> FetchResponse {
    let user = User {
        id: i64::MAX,
        username: "viewer".into(),
        nickname: "Zuschauer 🎉".into(),
        profile_picture: Some(Image {
            urls: vec!["https://p16.example/a.webp".into()],
            ..Default::default()
        }),
        follower_count: 12,
        gifter_level: 7,
        ..Default::default()
    };
    FetchResponse {
        events: vec![
            ChatEvent {
                user: Some(user.clone()),
                comment: "hello".into(),
                msg_id: 1,
                timestamp: 1_700_000_000_000,
                ..Default::default()
            }
            .into(),
            GiftEvent {
                id: 5655,
                name: "Rose".into(),
                cost: 1,
                repeat_count: 3,
                r#type: 1,
                group_id: 1_697_634_617_041,
                user: Some(user),
                ..Default::default()
            }
            .into(),
            ControlEvent {
                action: 3,
                ..Default::default()
            }
            .into(),
        ],
        cursor: "t-1_r-1".into(),
        internal_ext: internal_ext.into(),
        need_ack,
        fetch_interval: 1000,
        now: 1_786_367_257_452,
        route_params: vec![("imprp".into(), "a".into()), ("wrss".into(), "b".into())],
        // One flag per event, as decoding gives them.
        history: vec![false, true, false],
        ..Default::default()
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Round trips.

#[test]
fn msg_frames_round_trip_with_and_without_gzip() {
    for gzip in [false, true] {
        for (need_ack, ext) in [
            (false, ""),
            (false, "x"),
            (true, ""),
            (true, "internal_src:pushserver"),
        ] {
            let response = sample_response(need_ack, ext);
            let body = response.encode();
            let frame = PushFrame::decode(&msg_frame(&body, 77, gzip)).unwrap();
            assert_eq!(frame.log_id, 77);
            assert_eq!(frame.payload, body);
            assert_eq!(
                frame.headers,
                if gzip {
                    vec![(COMPRESS.0.to_owned(), COMPRESS.1.to_owned())]
                } else {
                    vec![]
                }
            );
            assert_eq!(frame.response.as_ref(), Some(&response));
            let ack = (need_ack && !ext.is_empty()).then(|| client_frames::ack(77, ext));
            assert_eq!(frame.ack(), ack);
        }
    }
}

#[test]
fn undeclared_gzip_is_sniffed() {
    let body = sample_response(true, "e").encode();
    let packed = gzip(&body);
    let frame = OutgoingFrame {
        payload_type: MESSAGE_PAYLOAD,
        payload: &packed,
        ..Default::default()
    }
    .encode();
    let decoded = PushFrame::decode(&frame).unwrap();
    assert!(decoded.headers.is_empty());
    assert_eq!(decoded.payload, body);
    assert_eq!(decoded.response.unwrap().events.len(), 3);
}

#[test]
fn gzip_header_on_a_plain_payload_is_a_gzip_error() {
    let body = sample_response(false, "").encode();
    let frame = OutgoingFrame {
        headers: vec![(COMPRESS.0.into(), COMPRESS.1.into())],
        payload_type: MESSAGE_PAYLOAD,
        payload: &body,
        ..Default::default()
    }
    .encode();
    assert!(matches!(
        PushFrame::decode(&frame),
        Err(DecodeError::Gzip(_))
    ));
}

#[test]
fn a_gzip_bomb_is_too_large() {
    let bomb = gzip(&vec![0; MAX_INFLATED_SIZE + 1]);
    let frame = OutgoingFrame {
        headers: vec![(COMPRESS.0.into(), COMPRESS.1.into())],
        payload_type: "hb",
        payload: &bomb,
        ..Default::default()
    }
    .encode();
    assert!(matches!(
        PushFrame::decode(&frame),
        Err(DecodeError::TooLarge {
            limit: MAX_INFLATED_SIZE
        })
    ));
}

#[test]
fn every_truncation_of_a_frame_is_handled() {
    for gzip in [false, true] {
        let whole = msg_frame(&sample_response(true, "e").encode(), 3, gzip);
        for cut in 0..whole.len() {
            decode_or_typed_error(&whole[..cut]);
        }
        // Cut inside the payload (the last field), the frame is malformed.
        assert!(matches!(
            PushFrame::decode(&whole[..whole.len() - 1]),
            Err(DecodeError::Protobuf { .. })
        ));
    }
}

#[test]
fn a_frame_with_unknown_events_keeps_them() {
    let unknown = Event::Unknown(webcast_engine::UnknownEvent {
        method: "WebcastSomethingNew".into(),
        payload: vec![8, 1],
        ..Default::default()
    });
    let response = FetchResponse {
        events: vec![
            unknown.clone(),
            LikeEvent {
                likes: 15,
                total_likes: 11_641,
                ..Default::default()
            }
            .into(),
        ],
        ..Default::default()
    };
    let decoded = FetchResponse::decode(Bytes::from(response.encode())).unwrap();
    assert_eq!(decoded.events, response.events);
}

// ---------------------------------------------------------------------------------------------------------------
// Fuzzing.

fn arbitrary_text() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..8).prop_map(|chars| chars.into_iter().collect())
}

fn arbitrary_response() -> impl Strategy<Value = FetchResponse> {
    let chat = (any::<i64>(), arbitrary_text(), any::<i64>(), any::<i64>()).prop_map(
        |(id, comment, msg_id, timestamp)| {
            Event::from(ChatEvent {
                user: Some(User {
                    id,
                    nickname: comment.clone(),
                    ..Default::default()
                }),
                comment,
                msg_id,
                timestamp,
                ..Default::default()
            })
        },
    );
    let gift = (any::<i64>(), any::<i32>(), any::<bool>(), any::<i64>()).prop_map(
        |(id, count, repeat_end, group_id)| {
            Event::from(GiftEvent {
                id,
                repeat_count: i64::from(count),
                repeat_end,
                group_id,
                ..Default::default()
            })
        },
    );
    (
        prop::collection::vec(prop_oneof![chat, gift], 0..4),
        arbitrary_text(),
        arbitrary_text(),
        any::<bool>(),
        any::<i64>(),
        prop::collection::btree_map(arbitrary_text(), arbitrary_text(), 0..3),
    )
        .prop_map(
            |(events, cursor, internal_ext, need_ack, now, route_params)| FetchResponse {
                history: vec![false; events.len()],
                events,
                cursor,
                internal_ext,
                need_ack,
                now,
                route_params: route_params.into_iter().collect(),
                ..Default::default()
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_are_a_frame_or_a_typed_error(data in prop::collection::vec(any::<u8>(), 0..512)) {
        decode_or_typed_error(&data);
        let _ = FetchResponse::decode(Bytes::from(data.clone()));
        for method in ["WebcastChatMessage", "WebcastRoomPinMessage", "WebcastLinkMicArmies", "Unheard"] {
            let event = decode_message(method, &data);
            prop_assert_eq!(event.method(), method);
            if let Event::Unknown(unknown) = &event {
                prop_assert_eq!(&unknown.payload, &data);
            }
        }
    }

    #[test]
    fn mutated_frames_are_a_frame_or_a_typed_error(
        gzip in any::<bool>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<u8>()), 1..5),
    ) {
        let mut data = msg_frame(&sample_response(true, "e").encode(), 9, gzip);
        for (at, edit, byte) in edits {
            let at = at.index(data.len());
            match edit {
                0 => data[at] ^= byte | 1,
                1 => { data.remove(at); }
                _ => data.insert(at, byte),
            }
        }
        decode_or_typed_error(&data);
    }

    #[test]
    fn frames_round_trip(
        response in arbitrary_response(),
        log_id in any::<i64>(),
        seq_id in any::<i64>(),
        gzip in any::<bool>(),
    ) {
        let mut response = response;
        response.route_params.sort();
        response.route_params.dedup_by(|a, b| a.0 == b.0);
        let body = response.encode();
        let frame = OutgoingFrame { log_id, seq_id, payload_type: MESSAGE_PAYLOAD, payload: &body, gzip, ..Default::default() };
        let decoded = PushFrame::decode(&frame.encode()).unwrap();
        prop_assert_eq!((decoded.log_id, decoded.seq_id), (log_id, seq_id));
        prop_assert_eq!(&decoded.payload[..], &body[..]);
        let wants_ack = response.need_ack && !response.internal_ext.is_empty();
        prop_assert_eq!(decoded.ack(), wants_ack.then(|| client_frames::ack(log_id, &response.internal_ext)));
        prop_assert_eq!(decoded.response, Some(response));
    }

    #[test]
    fn other_payloads_round_trip(payload in prop::collection::vec(any::<u8>(), 0..256), gzip in any::<bool>()) {
        // An uncompressed payload that starts with the gzip magic is sniffed as gzip.
        prop_assume!(gzip || !payload.starts_with(&[0x1f, 0x8b, 0x08]));
        let frame = OutgoingFrame { payload_type: "hb", payload: &payload, gzip, ..Default::default() };
        let decoded = PushFrame::decode(&frame.encode()).unwrap();
        prop_assert!(decoded.response.is_none());
        prop_assert_eq!(&decoded.payload[..], &payload[..]);
    }
}
