//! `webcast-engine`: a sans-IO engine for TikTok LIVE's WebCast protocol.
//!
//! Bytes in, events and bytes out: no sockets, threads, clocks or randomness. The caller owns I/O and time and
//! passes in whatever randomness the protocol needs (websocket keys and masks).

pub mod budget;
pub mod client_frames;
mod error;
pub mod events;
pub mod gzip;
pub mod inbox;
mod protobuf;
pub mod push;
pub mod response;
pub mod seen_ids;
pub mod view;

pub use error::DecodeError;
pub use events::{
    decode as decode_message, decode_bytes as decode_message_bytes, Event, UnknownEvent,
};
pub use push::{OutgoingFrame, PushFrame};
pub use response::FetchResponse;

/// Largest payload a gzip'd frame may inflate to (PROTOCOL.md decision 7).
pub const MAX_INFLATED_SIZE: usize = 16 * 1024 * 1024;

/// Types generated from `proto/` (webcast.md §4-§7).
pub mod proto {
    #![allow(clippy::all, clippy::pedantic, missing_docs)]
    include!(concat!(env!("OUT_DIR"), "/webcast.rs"));
}
pub mod websocket;
