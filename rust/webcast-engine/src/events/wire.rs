//! How an event meets its protobuf message: the [`WireEvent`] trait, the common header, and the field
//! conversions that simple events are built from.

use prost::Message;

use super::{Image, Text, User};
use crate::proto;

/// An event that can be written as the payload of its message.
pub(crate) trait WireEvent {
    fn encode_payload(&self) -> Vec<u8>;
}

/// An event read from exactly one message type.
pub(crate) trait DecodePayload: Sized {
    /// Reads the event's fields from one message payload that came as `method`.
    fn decode_fields(method: &str, payload: &[u8]) -> Result<Self, prost::DecodeError>;

    /// Decodes one message payload that came as `method` (the dispatcher keeps the payload, without a copy).
    fn decode_payload(method: &str, payload: &[u8]) -> Result<Self, prost::DecodeError> {
        Self::decode_fields(method, payload)
    }
}

/// The fields every event takes from `common` (webcast.md §7.1).
pub(crate) struct Meta {
    pub method: String,
    pub msg_id: i64,
    pub timestamp: i64,
}

impl Meta {
    pub fn new(method: &str, common: Option<&proto::CommonMessageData>) -> Self {
        Self {
            method: method.to_owned(),
            msg_id: common.map_or(0, |c| c.msg_id),
            timestamp: common.map_or(0, |c| c.create_time),
        }
    }
}

/// The `common` header for an event's message; `common_method` is usually the wire method.
pub(crate) fn common(
    common_method: &str,
    msg_id: i64,
    timestamp: i64,
) -> Option<proto::CommonMessageData> {
    Some(proto::CommonMessageData {
        method: common_method.to_owned(),
        msg_id,
        create_time: timestamp,
        ..Default::default()
    })
}

/// A field of an event read from the field of the same name in its message.
pub(crate) trait FromWire<W> {
    fn from_wire(wire: W) -> Self;
}

/// A field of an event written back to the field of the same name in its message.
pub(crate) trait ToWire<W> {
    fn to_wire(&self) -> W;
}

macro_rules! same_on_the_wire {
    ($($ty:ty),*) => {
        $(
            impl FromWire<$ty> for $ty {
                fn from_wire(wire: $ty) -> Self {
                    wire
                }
            }
            impl ToWire<$ty> for $ty {
                fn to_wire(&self) -> $ty {
                    self.clone()
                }
            }
        )*
    };
}

same_on_the_wire!(
    i32,
    i64,
    bool,
    String,
    Vec<i32>,
    Vec<i64>,
    Vec<bool>,
    Vec<String>
);

macro_rules! model_on_the_wire {
    ($($model:ty => $wire:ty),*) => {
        $(
            impl FromWire<Option<$wire>> for Option<$model> {
                fn from_wire(wire: Option<$wire>) -> Self {
                    wire.map(<$model>::from)
                }
            }
            impl ToWire<Option<$wire>> for Option<$model> {
                fn to_wire(&self) -> Option<$wire> {
                    self.as_ref().map(<$wire>::from)
                }
            }
            impl FromWire<Vec<$wire>> for Vec<$model> {
                fn from_wire(wire: Vec<$wire>) -> Self {
                    wire.into_iter().map(<$model>::from).collect()
                }
            }
            impl ToWire<Vec<$wire>> for Vec<$model> {
                fn to_wire(&self) -> Vec<$wire> {
                    self.iter().map(<$wire>::from).collect()
                }
            }
        )*
    };
}

model_on_the_wire!(User => proto::User, Image => proto::ImageModel, Text => proto::Text);

/// Implements [`WireEvent`] for the events of `for_each_simple_event!`: field for field, by name.
macro_rules! simple_wire_events {
    ($( $(#[$doc:meta])* $name:ident = $method:literal [$proto:ident]
        { $( $(#[$fdoc:meta])* $field:ident : $ty:ty ),* $(,)? } )*) => {
        $(
            impl DecodePayload for super::$name {
                fn decode_fields(method: &str, payload: &[u8]) -> Result<Self, prost::DecodeError> {
                    let message = proto::$proto::decode(payload)?;
                    let meta = Meta::new(method, message.common.as_ref());
                    Ok(Self {
                        $( $field: FromWire::from_wire(message.$field), )*
                        method: meta.method,
                        msg_id: meta.msg_id,
                        timestamp: meta.timestamp,
                        raw: None,
                    })
                }
            }

            impl WireEvent for super::$name {
                #[allow(clippy::needless_update)]
                fn encode_payload(&self) -> Vec<u8> {
                    proto::$proto {
                        common: common(&self.method, self.msg_id, self.timestamp),
                        $( $field: ToWire::to_wire(&self.$field), )*
                        ..Default::default()
                    }
                    .encode_to_vec()
                }
            }
        )*

        /// What decodes a message of a simple event's layout `canonical` (the method on the wire is passed to
        /// it); `None` when `canonical` is not one of them.
        pub(crate) fn simple_decoder(canonical: &str) -> Option<super::dispatch::Decoder> {
            match canonical {
                $( $method => Some(|method, payload| {
                    super::$name::decode_payload(method, payload).map(super::Event::from)
                }), )*
                _ => None,
            }
        }
    };
}

crate::for_each_simple_event!(simple_wire_events);
