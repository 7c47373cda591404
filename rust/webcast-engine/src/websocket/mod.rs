//! A sans-IO RFC 6455 websocket client, in the manner of wsproto and quinn-proto: the caller moves bytes between
//! a transport and a [`WebSocket`], and supplies the key and mask material; the engine parses, validates,
//! reassembles, answers pings and closes.
//!
//! Files, one job each: `config` (what the caller decides), `handshake` (upgrade request and response head),
//! `body` (the body of a refused upgrade), `frame` (frame header parsing and client frame encoding), `mask`,
//! `message` (fragment reassembly), `close` (close codes and payloads), `event`, `error`, and `connection`, the
//! state machine.

mod body;
pub mod close;
mod config;
mod connection;
mod error;
mod event;
mod frame;
mod handshake;
mod mask;
mod message;

pub use config::WebSocketConfig;
pub use connection::{State, WebSocket};
pub use error::Error;
pub use event::{Event, Headers};
pub use handshake::accept_key;
