//! From a message's `method` to the code that decodes its payload.

use super::custom::decode_member;
use super::wire::{decode_simple, DecodePayload};
use super::{
    BattlesEvent, ChatEvent, ControlEvent, EmoteChatEvent, EnvelopeEvent, Event, GiftEvent, IntroEvent, LikeEvent,
    MicBattleEvent, PinEvent, QuestionEvent, RoomBannerEvent, RoomEvent, UnknownEvent, UserEvent, ViewersEvent,
};

/// Decodes one message payload by its method. Never fails: unknown methods and undecodable payloads come back as
/// [`Event::Unknown`], the latter with the decode error.
#[must_use]
pub fn decode(method: &str, payload: &[u8]) -> Event {
    match try_decode(method, payload) {
        Some(Ok(event)) => event,
        Some(Err(error)) => Event::Unknown(UnknownEvent {
            method: method.to_owned(),
            payload: payload.to_vec(),
            error: Some(error.to_string()),
        }),
        None => Event::Unknown(UnknownEvent {
            method: method.to_owned(),
            payload: payload.to_vec(),
            error: None,
        }),
    }
}

fn typed<E: DecodePayload + Into<Event>>(method: &str, payload: &[u8]) -> Result<Event, prost::DecodeError> {
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
        "WebcastRoomMessage" | "RoomMessage" | "WebcastSystemMessage" => typed::<RoomEvent>(method, payload),
        "WebcastRoomPinMessage" => typed::<PinEvent>(method, payload),
        "WebcastEnvelopeMessage" => typed::<EnvelopeEvent>(method, payload),
        // Older or unprefixed names seen on the wire for V3 layouts (webcast.md §6).
        "LinkMicMethod" => return decode_simple("WebcastLinkMicMethod", method, payload),
        "RoomVerifyMessage" => return decode_simple("WebcastRoomVerifyMessage", method, payload),
        _ => return decode_simple(method, method, payload),
    };
    Some(decoded)
}
