//! From a message's `method` to the code that decodes its payload, within the decode budget.

use bytes::Bytes;
use prost::Message;

use super::custom::decode_member;
use super::wire::{simple_decoder, DecodePayload};
use super::{
    BattlesEvent, ChatEvent, ControlEvent, EmoteChatEvent, EnvelopeEvent, Event, GiftEvent,
    IntroEvent, LikeEvent, MicBattleEvent, PinEvent, QuestionEvent, RoomBannerEvent, RoomEvent,
    UnknownEvent, UserEvent, ViewersEvent,
};
use crate::budget::{self, Budget, Field, Layout};
use crate::{proto, DecodeError};

/// Decodes one message payload by its method. Never fails: unknown methods, undecodable payloads and payloads that
/// would decode beyond their budget ([`budget::limit_for`] their size) come back as [`Event::Unknown`], the latter
/// two with the error.
#[must_use]
pub fn decode(method: &str, payload: &[u8]) -> Event {
    decode_bytes(method, &Bytes::copy_from_slice(payload))
}

/// [`decode`] for a payload held in a [`Bytes`]: the event keeps it as its `raw` payload without a copy.
#[must_use]
pub fn decode_bytes(method: &str, payload: &Bytes) -> Event {
    match decoded_size(method, payload) {
        Ok(_) => decode_counted(method, payload),
        Err(error) => unknown(method, payload, Some(error.to_string())),
    }
}

/// Decodes one message of a batch whose own budget is `batch`: the event is charged to it (its struct, and what
/// its payload decodes to). A message beyond its own budget becomes an unknown event carrying the error; only a
/// batch beyond its budget is an error.
pub(crate) fn decode_within(
    method: &str,
    payload: &Bytes,
    batch: &mut Budget,
) -> Result<Event, DecodeError> {
    match decoded_size(method, payload) {
        Ok(spent) => {
            batch.charge(EVENT_SIZE + spent)?;
            Ok(decode_counted(method, payload))
        }
        Err(error) => undecodable(method, payload, error, batch),
    }
}

/// What decoding `payload` as `method` takes beyond its struct (lists, strings, nested entries), counted on the
/// wire; an error if that is beyond the payload's own budget.
pub fn decoded_size(method: &str, payload: &[u8]) -> Result<u64, DecodeError> {
    let layout = layout(method);
    let mut budget = Budget::new(layout.name, payload.len());
    budget.charge_payload(layout, payload)?;
    Ok(budget.spent())
}

/// The unknown event for a message that cannot be decoded (`error` says why), charged to `batch`.
pub(crate) fn undecodable(
    method: &str,
    payload: &[u8],
    error: impl std::fmt::Display,
    batch: &mut Budget,
) -> Result<Event, DecodeError> {
    batch.charge(EVENT_SIZE + payload.len() as u64)?;
    Ok(unknown(method, payload, Some(error.to_string())))
}

const EVENT_SIZE: u64 = std::mem::size_of::<Event>() as u64;

/// Decodes a payload whose budget was checked against [`layout`]`(method)`; a typed event keeps the payload.
fn decode_counted(method: &str, payload: &Bytes) -> Event {
    match try_decode(method, payload) {
        Some(Ok(mut event)) => {
            event.keep_raw(payload.clone());
            event
        }
        Some(Err(error)) => unknown(method, payload, Some(error.to_string())),
        None => unknown(method, payload, None),
    }
}

/// An unknown event keeping the payload, with the common header's ids when it has one within its budget.
pub(crate) fn unknown(method: &str, payload: &[u8], error: Option<String>) -> Event {
    let common = header(method, payload).and_then(|header| header.common);
    Event::Unknown(UnknownEvent {
        method: method.to_owned(),
        payload: payload.to_vec(),
        error,
        msg_id: common.as_ref().map_or(0, |c| c.msg_id),
        timestamp: common.as_ref().map_or(0, |c| c.create_time),
    })
}

fn header(method: &str, payload: &[u8]) -> Option<Header> {
    // A method without a schema was counted as a header already.
    if !std::ptr::eq(layout(method), &HEADER) {
        Budget::new(HEADER.name, payload.len())
            .charge_payload(&HEADER, payload)
            .ok()?;
    }
    Header::decode(payload).ok()
}

/// Field 1 of every event message, which even unknown types carry (webcast.md §6).
#[derive(Clone, PartialEq, prost::Message)]
struct Header {
    #[prost(message, optional, tag = "1")]
    common: Option<proto::CommonMessageData>,
}

static HEADER: Layout = Layout {
    name: "message header",
    size: std::mem::size_of::<Header>(),
    fields: &[(
        1,
        Field::Message {
            layout: <proto::CommonMessageData as budget::HasLayout>::INDEX,
            boxed: false,
        },
    )],
};

/// The message type a method's payload is: the method's own name, or the V3 name of an older or unprefixed one
/// (webcast.md §6). Methods without a schema are read for their header only.
fn layout_name(method: &str) -> &str {
    match method {
        "RoomMessage" => "WebcastRoomMessage",
        "LinkMicMethod" => "WebcastLinkMicMethod",
        "RoomVerifyMessage" => "WebcastRoomVerifyMessage",
        other => other,
    }
}

fn layout(method: &str) -> &'static Layout {
    budget::layout_of(layout_name(method)).unwrap_or(&HEADER)
}

fn typed<E: DecodePayload + Into<Event>>(
    method: &str,
    payload: &[u8],
) -> Result<Event, prost::DecodeError> {
    E::decode_payload(method, payload).map(Into::into)
}

/// What decodes a message of layout `canonical` into its typed event; `None` for methods without a type.
pub(crate) type Decoder = fn(&str, &[u8]) -> Result<Event, prost::DecodeError>;

fn decoder(canonical: &str) -> Option<Decoder> {
    Some(match canonical {
        "WebcastChatMessage" => typed::<ChatEvent>,
        "WebcastEmoteChatMessage" => typed::<EmoteChatEvent>,
        "WebcastGiftMessage" => typed::<GiftEvent>,
        "WebcastLikeMessage" => typed::<LikeEvent>,
        "WebcastMemberMessage" => decode_member,
        "WebcastSocialMessage" => typed::<UserEvent>,
        "WebcastRoomUserSeqMessage" => typed::<ViewersEvent>,
        "WebcastQuestionNewMessage" => typed::<QuestionEvent>,
        "WebcastControlMessage" => typed::<ControlEvent>,
        "WebcastLinkMicBattle" => typed::<MicBattleEvent>,
        "WebcastLinkMicArmies" => typed::<BattlesEvent>,
        "WebcastInRoomBannerMessage" => typed::<RoomBannerEvent>,
        "WebcastLiveIntroMessage" => typed::<IntroEvent>,
        "WebcastRoomMessage" | "WebcastSystemMessage" => typed::<RoomEvent>,
        "WebcastRoomPinMessage" => typed::<PinEvent>,
        "WebcastEnvelopeMessage" => typed::<EnvelopeEvent>,
        canonical => return simple_decoder(canonical),
    })
}

fn try_decode(method: &str, payload: &[u8]) -> Option<Result<Event, prost::DecodeError>> {
    decoder(layout_name(method)).map(|decode| decode(method, payload))
}

/// Whether `method`'s payload decodes to a typed event (others become [`UnknownEvent`]s).
#[must_use]
pub fn is_typed(method: &str) -> bool {
    decoder(layout_name(method)).is_some()
}
