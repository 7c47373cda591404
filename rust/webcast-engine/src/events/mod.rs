//! Typed events: what a `BaseProtoMessage` becomes once its payload is decoded by `method`.
//!
//! `decode(method, payload)` never fails: a method we do not know, or a payload that does not decode, becomes an
//! [`UnknownEvent`] that keeps the bytes. `Event::encode` gives the wire form back, so that
//! `decode(method, encode(event)) == event` for every event the engine produces.

mod badge;
mod catalog;
mod custom;
mod dispatch;
mod model;
mod simple;
mod wire;

pub use badge::Badges;
pub use dispatch::{decode, decode_bytes, decoded_size, is_typed};
pub(crate) use dispatch::{decode_within, undecodable, unknown};

/// A JSON document as the wire carries it (text); the Python binding hands it over parsed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Json(pub String);

/// What a [`UserEvent`] reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum UserEventType {
    /// The user joined the stream.
    #[default]
    Join,
    /// The user shared the stream.
    Share,
    /// The user followed the host.
    Follow,
}

/// A message whose method we do not map, or whose payload failed to decode (then `error` says why).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UnknownEvent {
    pub method: String,
    pub payload: Vec<u8>,
    pub error: Option<String>,
    /// `common.msg_id` when the payload starts with the usual header, else 0.
    pub msg_id: i64,
    /// `common.create_time` when the payload starts with the usual header, else 0.
    pub timestamp: i64,
}

macro_rules! define_models {
    ($( $(#[$doc:meta])* $name:ident { $( $(#[$fdoc:meta])* $field:ident : $ty:ty ),* $(,)? } )*) => {
        $(
            $(#[$doc])*
            #[derive(Clone, Debug, Default, PartialEq)]
            pub struct $name {
                $( $(#[$fdoc])* pub $field: $ty, )*
            }
        )*
    };
}

macro_rules! define_events {
    ($( $(#[$doc:meta])* $name:ident = $method:literal $([$proto:ident])?
        { $( $(#[$fdoc:meta])* $field:ident : $ty:ty ),* $(,)? } )*) => {
        $(
            $(#[$doc])*
            #[derive(Clone, Debug)]
            pub struct $name {
                $( $(#[$fdoc])* pub $field: $ty, )*
                /// The wire method this event came as, and is encoded as.
                pub method: String,
                /// `common.msg_id`, the de-duplication key.
                pub msg_id: i64,
                /// `common.create_time`, in milliseconds since the epoch.
                pub timestamp: i64,
                /// The payload this event was decoded from. While it is set, [`Event::encode`] gives it back
                /// unchanged (every field, not only the typed ones): set it to `None` after changing a field.
                /// Not part of equality.
                pub raw: Option<bytes::Bytes>,
            }

            impl PartialEq for $name {
                fn eq(&self, other: &Self) -> bool {
                    $( self.$field == other.$field && )*
                        self.method == other.method
                        && self.msg_id == other.msg_id
                        && self.timestamp == other.timestamp
                }
            }

            impl $name {
                /// The method an event of this type is sent as by default.
                pub const METHOD: &'static str = $method;
            }

            impl Default for $name {
                fn default() -> Self {
                    Self {
                        $( $field: Default::default(), )*
                        method: $method.to_owned(),
                        msg_id: 0,
                        timestamp: 0,
                        raw: None,
                    }
                }
            }

            impl From<$name> for Event {
                fn from(event: $name) -> Self {
                    Event::$name(event)
                }
            }
        )*

        /// Every typed event, and the unknown ones.
        // Events are built once per message and handed on; boxing every variant would cost an allocation each.
        #[allow(clippy::large_enum_variant)]
        #[derive(Clone, Debug, PartialEq)]
        pub enum Event {
            $( $name($name), )*
            Unknown(UnknownEvent),
        }

        impl Event {
            /// The wire method this event came as.
            #[must_use]
            pub fn method(&self) -> &str {
                match self {
                    $( Event::$name(event) => &event.method, )*
                    Event::Unknown(event) => &event.method,
                }
            }

            /// The method to send the event's payload as: its own, except that a user event's layout follows
            /// its type (a join is a member message, a follow or share a social one), whatever `method` says.
            #[must_use]
            pub fn wire_method(&self) -> &str {
                match self {
                    Event::UserEvent(event) => event.event.method(),
                    other => other.method(),
                }
            }

            /// `common.msg_id`, the de-duplication key.
            #[must_use]
            pub fn msg_id(&self) -> i64 {
                match self {
                    $( Event::$name(event) => event.msg_id, )*
                    Event::Unknown(event) => event.msg_id,
                }
            }

            /// The method an event is sent as when its creator names none: its type's, except that a join is a
            /// member message.
            #[must_use]
            #[allow(unreachable_patterns)]
            pub fn default_method(&self) -> &'static str {
                match self {
                    Event::UserEvent(event) => event.event.method(),
                    $( Event::$name(_) => $name::METHOD, )*
                    Event::Unknown(_) => "",
                }
            }

            /// The payload of this event's `BaseProtoMessage`: the bytes it was decoded from while `raw` is set, else
            /// its fields encoded (an unknown event gives its bytes back).
            #[must_use]
            pub fn encode(&self) -> Vec<u8> {
                match self {
                    $( Event::$name(event) => match &event.raw {
                        Some(raw) => raw.to_vec(),
                        None => wire::WireEvent::encode_payload(event),
                    }, )*
                    Event::Unknown(event) => event.payload.clone(),
                }
            }

            /// The payload this event was decoded from, if it was (an unknown event's bytes are its payload).
            #[must_use]
            pub fn raw(&self) -> Option<&bytes::Bytes> {
                match self {
                    $( Event::$name(event) => event.raw.as_ref(), )*
                    Event::Unknown(_) => None,
                }
            }

            /// The protobuf message type of this event's payload (`WebcastChatMessage`, ...): the type's own,
            /// except that a user event's follows its type and a `WebcastSystemMessage` room event has its own.
            #[must_use]
            #[allow(unreachable_patterns)]
            pub fn layout(&self) -> &'static str {
                match self {
                    Event::UserEvent(event) => event.event.method(),
                    Event::RoomEvent(event) if event.method == custom::SYSTEM_METHOD => custom::SYSTEM_METHOD,
                    $( Event::$name(_) => $name::METHOD, )*
                    Event::Unknown(_) => "",
                }
            }

            /// The event without the payload it was decoded from: [`Event::encode`] then writes its fields.
            #[must_use]
            pub fn without_raw(mut self) -> Self {
                match &mut self {
                    $( Event::$name(event) => event.raw = None, )*
                    Event::Unknown(_) => {}
                }
                self
            }

            pub(crate) fn keep_raw(&mut self, raw: bytes::Bytes) {
                match self {
                    $( Event::$name(event) => event.raw = Some(raw), )*
                    Event::Unknown(_) => {}
                }
            }
        }
    };
}

crate::for_each_model!(define_models);
crate::for_each_event!(define_events);

impl GiftEvent {
    /// Gifts of type 1 can be sent in a streak (webcast.md §9).
    #[must_use]
    pub fn streakable(&self) -> bool {
        gift_streakable(self.r#type)
    }

    /// True on the message to count: the streak's final one, or any non-streakable gift.
    #[must_use]
    pub fn streak_finished(&self) -> bool {
        gift_streak_finished(self.r#type, self.repeat_end)
    }

    /// Diamonds this message stands for: `cost × repeat_count` (a count of 0 on the wire means one gift).
    #[must_use]
    pub fn diamonds(&self) -> i64 {
        gift_diamonds(self.cost, self.repeat_count)
    }
}

/// The streak rule on a gift's fields, for callers that hold them apart from a [`GiftEvent`].
#[must_use]
pub fn gift_streakable(gift_type: i64) -> bool {
    gift_type == 1
}

/// See [`GiftEvent::streak_finished`].
#[must_use]
pub fn gift_streak_finished(gift_type: i64, repeat_end: bool) -> bool {
    !gift_streakable(gift_type) || repeat_end
}

/// See [`GiftEvent::diamonds`].
#[must_use]
pub fn gift_diamonds(cost: i64, repeat_count: i64) -> i64 {
    cost.saturating_mul(repeat_count.max(1))
}
