//! Wire helpers shared by the engine's integration tests (each test crate uses some of them).
#![allow(dead_code)]

use webcast_engine::push::MESSAGE_PAYLOAD;
use webcast_engine::OutgoingFrame;

pub fn varint(mut value: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// Field `number` as a length-delimited value.
pub fn delimited(number: u64, body: &[u8]) -> Vec<u8> {
    [
        varint(number << 3 | 2),
        varint(body.len() as u64),
        body.to_vec(),
    ]
    .concat()
}

/// A `msg` push frame carrying the fetch result `body`.
pub fn msg_frame(body: &[u8], log_id: i64, gzip: bool) -> Vec<u8> {
    OutgoingFrame {
        log_id,
        payload_type: MESSAGE_PAYLOAD,
        payload: body,
        gzip,
        ..Default::default()
    }
    .encode()
}
