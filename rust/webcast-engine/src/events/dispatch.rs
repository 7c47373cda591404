//! From a message's `method` to the code that decodes its payload.

use prost::Message;

use super::custom::decode_member;
use super::wire::{decode_simple, DecodePayload};
use super::{
    BattlesEvent, ChatEvent, ControlEvent, EmoteChatEvent, EnvelopeEvent, Event, GiftEvent,
    IntroEvent, LikeEvent, MicBattleEvent, PinEvent, QuestionEvent, RoomBannerEvent, RoomEvent,
    UnknownEvent, UserEvent, ViewersEvent,
};
use crate::proto;

/// Decodes one message payload by its method. Never fails: unknown methods and undecodable payloads come back as
/// [`Event::Unknown`], the latter with the decode error.
#[must_use]
pub fn decode(method: &str, payload: &[u8]) -> Event {
    let error = match try_decode(method, payload) {
        Some(Ok(event)) => return event,
        Some(Err(error)) => Some(error.to_string()),
        None => None,
    };
    let common = Header::decode(payload)
        .ok()
        .and_then(|header| header.common);
    Event::Unknown(UnknownEvent {
        method: method.to_owned(),
        payload: payload.to_vec(),
        error,
        msg_id: common.as_ref().map_or(0, |c| c.msg_id),
        timestamp: common.as_ref().map_or(0, |c| c.create_time),
    })
}

/// Field 1 of every event message, which even unknown types carry (webcast.md §6).
#[derive(Clone, PartialEq, prost::Message)]
struct Header {
    #[prost(message, optional, tag = "1")]
    common: Option<proto::CommonMessageData>,
}

fn typed<E: DecodePayload + Into<Event>>(
    method: &str,
    payload: &[u8],
) -> Result<Event, prost::DecodeError> {
    E::decode_payload(method, payload).map(Into::into)
}

fn try_decode(method: &str, payload: &[u8]) -> Option<Result<Event, prost::DecodeError>> {
    let decoded = match method {
        "WebcastChatMessage" => typed::<ChatEvent>(method, payload),
        "WebcastEmoteChatMessage" => typed::<EmoteChatEvent>(method, payload),
        "WebcastGiftMessage" => typed::<GiftEvent>(method, payload),
        "WebcastLikeMessage" => typed::<LikeEvent>(method, payload),
        "WebcastMemberMessage" => decode_member(method, payload),
        "WebcastSocialMessage" => typed::<UserEvent>(method, payload),
        "WebcastRoomUserSeqMessage" => typed::<ViewersEvent>(method, payload),
        "WebcastQuestionNewMessage" => typed::<QuestionEvent>(method, payload),
        "WebcastControlMessage" => typed::<ControlEvent>(method, payload),
        "WebcastLinkMicBattle" => typed::<MicBattleEvent>(method, payload),
        "WebcastLinkMicArmies" => typed::<BattlesEvent>(method, payload),
        "WebcastInRoomBannerMessage" => typed::<RoomBannerEvent>(method, payload),
        "WebcastLiveIntroMessage" => typed::<IntroEvent>(method, payload),
        "WebcastRoomMessage" | "RoomMessage" | "WebcastSystemMessage" => {
            typed::<RoomEvent>(method, payload)
        }
        "WebcastRoomPinMessage" => typed::<PinEvent>(method, payload),
        "WebcastEnvelopeMessage" => typed::<EnvelopeEvent>(method, payload),
        // Older or unprefixed names seen on the wire for V3 layouts (webcast.md §6).
        "LinkMicMethod" => return decode_simple("WebcastLinkMicMethod", method, payload),
        "RoomVerifyMessage" => return decode_simple("WebcastRoomVerifyMessage", method, payload),
        _ => return decode_simple(method, method, payload),
    };
    Some(decoded)
}
