//! The frames a client sends: heartbeat, enter-room and ack (webcast.md §5.5-§5.7), and their decoders for
//! servers that receive them.

use bytes::Bytes;
use prost::Message;

use crate::{proto, DecodeError};

/// `live_id` every client sends (webcast.md §5.5).
const LIVE_ID: i64 = 12;

fn frame(log_id: i64, payload_type: &str, payload: Vec<u8>) -> Vec<u8> {
    proto::WebcastPushFrame {
        log_id,
        payload_encoding: "pb".to_owned(),
        payload_type: payload_type.to_owned(),
        payload: Bytes::from(payload),
        ..Default::default()
    }
    .encode_to_vec()
}

/// A heartbeat for `room_id`; `seq` starts at 1 and grows by one per heartbeat.
#[must_use]
pub fn heartbeat(room_id: i64, seq: i64) -> Vec<u8> {
    let payload = proto::HeartBeatMessage {
        room_id,
        send_packet_seq_id: seq,
    };
    frame(0, "hb", payload.encode_to_vec())
}

/// The enter-room request a client sends after the handshake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnterRoom {
    pub room_id: i64,
    /// 0, or a random positive value chosen by the caller (webcast.md §5.5).
    pub enter_unique_id: i64,
    pub identity: String,
    pub cursor: String,
    pub account_type: i64,
    pub filter_welcome_msg: String,
}

impl EnterRoom {
    #[must_use]
    pub fn new(room_id: i64) -> Self {
        Self {
            room_id,
            enter_unique_id: 0,
            identity: "audience".to_owned(),
            cursor: String::new(),
            account_type: 0,
            filter_welcome_msg: "0".to_owned(),
        }
    }

    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let payload = proto::WebcastImEnterRoomMessage {
            room_id: self.room_id,
            live_id: LIVE_ID,
            identity: self.identity.clone(),
            cursor: self.cursor.clone(),
            account_type: self.account_type,
            enter_unique_id: self.enter_unique_id,
            filter_welcome_msg: self.filter_welcome_msg.clone(),
            ..Default::default()
        };
        frame(0, "im_enter_room", payload.encode_to_vec())
    }

    /// Reads an enter-room frame's payload.
    pub fn decode(payload: &[u8]) -> Result<Self, DecodeError> {
        let message = proto::WebcastImEnterRoomMessage::decode(payload)
            .map_err(DecodeError::protobuf("enter-room message"))?;
        Ok(Self {
            room_id: message.room_id,
            enter_unique_id: message.enter_unique_id,
            identity: message.identity,
            cursor: message.cursor,
            account_type: message.account_type,
            filter_welcome_msg: message.filter_welcome_msg,
        })
    }
}

/// Reads a heartbeat frame's payload as `(room_id, seq)`.
pub fn decode_heartbeat(payload: &[u8]) -> Result<(i64, i64), DecodeError> {
    let message =
        proto::HeartBeatMessage::decode(payload).map_err(DecodeError::protobuf("heartbeat"))?;
    Ok((message.room_id, message.send_packet_seq_id))
}

/// The ack for a `msg` frame: its `log_id` and the response's `internal_ext` as the payload.
#[must_use]
pub fn ack(log_id: i64, internal_ext: &str) -> Vec<u8> {
    frame(log_id, "ack", internal_ext.as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(text: &str) -> Vec<u8> {
        text.split_whitespace()
            .map(|byte| u8::from_str_radix(byte, 16).unwrap())
            .collect()
    }

    const ROOM: i64 = 7_309_128_470_994_258_694;

    #[test]
    fn heartbeat_matches_the_documented_bytes() {
        // webcast.md §5.6, room 7309128470994258694, seq 1.
        let expected = hex("32 02 70 62 3a 02 68 62 42 0c 08 86 96 ba 9a e7 b3 cf b7 65 10 01");
        assert_eq!(heartbeat(ROOM, 1), expected);
    }

    #[test]
    fn enter_room_matches_the_documented_bytes() {
        // webcast.md §5.5.
        let payload = "08 86 96 ba 9a e7 b3 cf b7 65 20 0c 2a 08 61 75 64 69 65 6e 63 65 4a 01 30";
        let expected = hex(&format!(
            "32 02 70 62 3a 0d 69 6d 5f 65 6e 74 65 72 5f 72 6f 6f 6d 42 19 {payload}"
        ));
        assert_eq!(EnterRoom::new(ROOM).encode(), expected);
        assert_eq!(
            EnterRoom::decode(&hex(payload)).unwrap(),
            EnterRoom::new(ROOM)
        );
    }

    #[test]
    fn ack_carries_log_id_and_internal_ext() {
        // webcast.md §5.7: 10 <varint log_id> 32 02 70 62 3a 03 61 63 6b 42 <len> <internal_ext>.
        let expected = hex("10 2a 32 02 70 62 3a 03 61 63 6b 42 03 61 62 63");
        assert_eq!(ack(42, "abc"), expected);
    }

    #[test]
    fn heartbeat_decodes_back() {
        let frame = proto::WebcastPushFrame::decode(heartbeat(ROOM, 7).as_slice()).unwrap();
        assert_eq!(decode_heartbeat(&frame.payload).unwrap(), (ROOM, 7));
    }
}
