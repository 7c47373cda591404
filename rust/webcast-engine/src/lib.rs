//! `webcast-engine`: a sans-IO engine for TikTok LIVE's WebCast protocol.
//!
//! Bytes in, events and bytes out: no sockets, threads, clocks or randomness. The caller owns I/O and time and
//! passes in whatever randomness the protocol needs (websocket keys and masks).

pub mod events;

/// Types generated from `proto/` (webcast.md §4-§7).
pub mod proto {
    #![allow(clippy::all, clippy::pedantic, missing_docs)]
    include!(concat!(env!("OUT_DIR"), "/webcast.rs"));
}
